"""The backward pass as one animated SVG: for a slide, or an ``<img>`` in a README.

The picture is the stepper's drawing (the network level with ``params=``),
animated with CSS keyframes only, no script: each step lights up the node whose
chain rule is applied and the edges the gradient flows back along, and the
grads it changes fill in. It loops. An SVG shown as an image runs no script but
does play CSS animations, in browsers and on GitHub alike.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from autograd.files import write_text_atomically
from autograd.render import MAX_NODES
from autograd.strings import check_language, text
from autograd.text import display_text
from autograd.value import Value

__all__ = ["MAX_ANIMATION_STEPS", "SECONDS_PER_STEP", "animation_svg", "save_animation"]

# One step every 1.5 s reads comfortably on a slide; a graph with more steps than
# MAX_ANIMATION_STEPS shows its first ones (a loop of minutes teaches nothing, and
# the file grows with every step). The network level of a 2-[4]-1 MLP over 4
# samples has 32 steps: a 51 s loop.
SECONDS_PER_STEP = 1.5
MAX_ANIMATION_STEPS = 40
_HOLD_STEPS = 2  # the finished grads stay on screen this many steps before the loop restarts
_CAPTION_HEIGHT = 28

# Every keyframe names its values: a keyframe without them would be interpolated
_PLAIN = "stroke: black; stroke-width: 1px"  # Graphviz's own outline
_INPUT = "stroke: #ea580c; stroke-width: 2.5px"
_CURRENT = "stroke: #dc2626; stroke-width: 3px"

_STYLE = """
.caption { font-family: Helvetica, sans-serif; font-size: 14px; fill: #111; opacity: 0; }
.grad-state { opacity: 0; }
"""


def save_animation(
    root: Value,
    path: str | os.PathLike[str],
    params: Any = None,
    *,
    title: str = "",
    lang: str = "en",
    seconds_per_step: float = SECONDS_PER_STEP,
    max_steps: int = MAX_ANIMATION_STEPS,
    max_nodes: int = MAX_NODES,
) -> Path:
    """Write an animated SVG of ``root``'s backward pass to ``path`` (atomically); return its path.

    With ``params=model`` it plays the network level: one box per neuron per
    sample. It loops, ``seconds_per_step`` per step, and shows at most the first
    ``max_steps`` steps (the caption says so). No script, no network access.

    >>> import tempfile, pathlib
    >>> x = Value(0.5, label="x")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     svg = save_animation((x * x).tanh(), pathlib.Path(folder) / "pass.svg").read_text()
    >>> "<script" in svg, "@keyframes" in svg
    (False, True)
    """
    picture = animation_svg(
        root,
        params=params,
        title=title,
        lang=lang,
        seconds_per_step=seconds_per_step,
        max_steps=max_steps,
        max_nodes=max_nodes,
    )
    return write_text_atomically(path, picture)


def animation_svg(
    root: Value,
    *,
    params: Any = None,
    title: str = "",
    lang: str = "en",
    seconds_per_step: float = SECONDS_PER_STEP,
    max_steps: int = MAX_ANIMATION_STEPS,
    max_nodes: int = MAX_NODES,
) -> str:
    """The text of the SVG ``save_animation`` writes."""
    from autograd.stepper import _drawing_and_steps

    check_language(lang)
    if (
        isinstance(seconds_per_step, bool)
        or not isinstance(seconds_per_step, int | float)
        or not 0.1 <= seconds_per_step <= 60
    ):
        raise ValueError(
            f"save_animation: seconds_per_step must be a number from 0.1 to 60, "
            f"got {seconds_per_step!r}"
        )
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"save_animation: max_steps must be a positive int, got {max_steps!r}")
    drawing = _drawing_and_steps(root, "LR", max_nodes, params, lang)
    if drawing.network is not None:
        svg, steps, prefix = drawing.network_svg, drawing.network["steps"], "N"
        value_nodes = drawing.network["valueNodes"]
        names = [step["group"] for step in steps]
    else:
        svg, steps, prefix = drawing.svg, drawing.steps, "n"
        value_nodes = drawing.value_nodes
        names = [step["name"] for step in steps]
    count = len(steps)
    shown_steps = steps[:max_steps]
    frames = len(shown_steps) + 1 + _HOLD_STEPS  # before backward, each step, the hold
    period = frames * seconds_per_step
    rules: list[str] = []

    def interval(frame_start: int, frame_end: int) -> tuple[float, float]:
        return 100.0 * frame_start / frames, 100.0 * frame_end / frames

    def animate(selector: str, name: str, spans: list[tuple[float, float]], on: str, off: str):
        rules.append(f"{selector} {{ animation: {name} {period:g}s infinite; }}")
        rules.append(_keyframes(name, spans, on, off))

    # the current node, its inputs and the edges the gradient flows along, at each step;
    # one animation per element (a second would replace the first), its spans in order
    outlines: dict[str, list[tuple[float, float, str]]] = {}
    for number, step in enumerate(shown_steps, start=1):
        start, end = interval(number, number + 1)
        node = f"{prefix}{step['node']}"
        outlines.setdefault(f"#{node} polygon, #{node}_op ellipse", []).append(
            (start, end, _CURRENT)
        )
        for index in step["inputs"]:
            outlines.setdefault(f"#{prefix}{index} polygon", []).append((start, end, _INPUT))
        for edge in step["edges"]:
            outlines.setdefault(f"#{edge} path", []).append((start, end, _INPUT))
    merged: dict[str, list[tuple[float, float, str]]] = {}
    for selector, spans in outlines.items():
        # a node's polygon is drawn by two selectors (as the current node, as an input)
        for part in selector.split(", "):
            merged.setdefault(part, []).extend(spans)
    for number, (selector, spans) in enumerate(merged.items()):
        spans.sort()
        rules.append(f"{selector} {{ animation: o{number} {period:g}s infinite; }}")
        rules.append(_styled_keyframes(f"o{number}", spans, _PLAIN))

    # each grad as a stack of texts, one per value it shows on the way, each visible in turn
    states: dict[int, list[tuple[int, str]]] = {index: [(0, "0")] for index in value_nodes}
    for number, step in enumerate(shown_steps, start=1):
        for index, _before, _exact, after, _after_exact in step["changes"]:
            states.setdefault(index, [(0, "0")]).append((number, after))
    texts: dict[str, list[tuple[str, float, float]]] = {}
    for index, changes in states.items():
        spans = []
        for k, (frame, shown) in enumerate(changes):
            end = changes[k + 1][0] if k + 1 < len(changes) else frames
            spans.append((shown, *interval(frame, end)))
        texts[f"{prefix}{index}"] = spans
    svg = _replace_grads(svg, texts, animate)

    # a caption above the drawing says which step is playing
    captions = [(text(lang, "animation_start"), *interval(0, 1))]
    more = text(lang, "animation_more", shown=len(shown_steps), count=count)
    for number, name in enumerate(names[: len(shown_steps)], start=1):
        caption = text(lang, "animation_step", number=number, count=count, name=name)
        if len(shown_steps) < count:
            caption += " " + more
        captions.append((caption, *interval(number, number + 1)))
    captions.append((captions[-1][0], *interval(len(shown_steps) + 1, frames)))
    label = root.label if isinstance(root.label, str) else ""
    heading = display_text(title or label or text(lang, "default_title"))
    return _frame(svg, captions, rules, animate, text(lang, "animation_title", title=heading))


def _keyframes(name: str, spans: list[tuple[float, float]], on: str, off: str) -> str:
    """Keyframes that hold ``on`` inside each span (percent of the loop) and ``off`` outside."""
    return _styled_keyframes(name, [(start, end, on) for start, end in spans], off)


def _styled_keyframes(name: str, spans: list[tuple[float, float, str]], off: str) -> str:
    """Keyframes holding each span's own style inside it and ``off`` outside (spans in order)."""
    frames = [f"0% {{ {off if spans[0][0] > 0 else spans[0][2]} }}"]
    for start, end, on in spans:
        if start > 0:
            frames.append(f"{start - 0.001:.3f}% {{ {off} }}")
            frames.append(f"{start:.3f}% {{ {on} }}")
        if end < 100:
            frames.append(f"{end - 0.001:.3f}% {{ {on} }}")
            frames.append(f"{end:.3f}% {{ {off} }}")
    frames.append(f"100% {{ {spans[-1][2] if spans[-1][1] >= 100 else off} }}")
    return f"@keyframes {name} {{ " + " ".join(frames) + " }"


_NODE = re.compile(r'<g id="(?P<id>[^"]+)" class="node[^"]*">')
_GRAD_TEXT = re.compile(r"<text(?P<attributes>[^>]*)>grad [^<]*</text>")


def _replace_grads(svg: str, texts: dict[str, list[tuple[str, float, float]]], animate) -> str:
    """Each node's grad text as one text per value, each shown in its own span of the loop."""
    pieces = []
    last = 0
    number = 0
    for match in _NODE.finditer(svg):
        element = match.group("id")
        if element not in texts:
            continue
        end = svg.find("<!--", match.end())
        end = len(svg) if end < 0 else end
        segment = svg[match.end() : end]
        grads = list(_GRAD_TEXT.finditer(segment))
        if not grads:
            continue
        grad = grads[-1]
        stack = []
        for shown, start, stop in texts[element]:
            name = f"g{number}"
            number += 1
            stack.append(
                f'<text{grad.group("attributes")} class="grad-state {name}">'
                f"grad {html.escape(shown)}</text>"
            )
            animate(f".{name}", name, [(start, stop)], "opacity: 1", "opacity: 0")
        pieces.append(svg[last : match.end()])
        pieces.append(segment[: grad.start()] + "".join(stack) + segment[grad.end() :])
        last = end
    pieces.append(svg[last:])
    return "".join(pieces)


def _frame(
    svg: str,
    captions: list[tuple[str, float, float]],
    rules: list[str],
    animate,
    title: str,
) -> str:
    """The drawing under its captions, in one standalone SVG with its style inside."""
    svg = svg[svg.index("<svg") :]
    header = re.match(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="([^"]+)"', svg)
    if header is None:  # pragma: no cover - Graphviz always writes these
        raise RuntimeError("the drawing has no size to animate")
    width, height = float(header.group(1)), float(header.group(2))
    x, y, box_width, box_height = (float(part) for part in header.group(3).split())
    caption_lines = []
    for number, (caption, start, stop) in enumerate(captions):
        name = f"t{number}"
        animate(f".{name}", name, [(start, stop)], "opacity: 1", "opacity: 0")
        caption_lines.append(
            f'<text class="caption {name}" x="{x + 8:g}" y="{y - 9:g}">'
            f"{html.escape(caption)}</text>"
        )
    body = svg[header.end() :]
    body = body[body.index(">") + 1 :]  # the rest of the <svg ...> start tag
    total = height + _CAPTION_HEIGHT
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<svg width="{width:g}pt" height="{total:g}pt" '
        f'viewBox="{x:g} {y - _CAPTION_HEIGHT:g} {box_width:g} {box_height + _CAPTION_HEIGHT:g}" '
        'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{_STYLE}{chr(10).join(rules)}\n</style>\n" + "\n".join(caption_lines) + "\n" + body
    )
