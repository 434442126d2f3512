"""An interactive stepper: one self-contained HTML page that walks through backward_steps."""

from __future__ import annotations

import functools
import html
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from autograd.backprop import BackwardStep
from autograd.explain import SYMBOLS, legend, local_rule_texts
from autograd.files import write_text_atomically
from autograd.graph import topological_order
from autograd.names import named_nodes, parameter_names
from autograd.network import network_nodes, network_steps
from autograd.render import (
    MAX_NODES,
    check_drawing,
    display_text,
    dot_from_view,
    format_number,
    svg_from_dot,
)
from autograd.strings import check_language, strings, text
from autograd.value import Constant, Value

# The page's script, style and frame are files of their own (package data), read once
# and inlined into every page, so that a page needs nothing beside itself.
WEB_FILES = ("stepper.html", "stepper.css", "stepper.js")


@functools.cache
def web_file(name: str) -> str:
    """The text of ``autograd/web/<name>``: the stepper page's frame, style or script."""
    if name not in WEB_FILES:
        raise ValueError(f"web_file: no such file {name!r}; the files are {', '.join(WEB_FILES)}")
    return resources.files("autograd").joinpath("web", name).read_text(encoding="utf-8")


def save_html(
    root: Value,
    path: str | os.PathLike[str],
    *,
    title: str = "",
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
    params: Any = None,
    lang: str = "en",
) -> Path:
    """Write a page that steps through ``root``'s backward pass; return its path.

    The page needs no network: the graph is inline SVG, the script and style
    are inline. Next/Prev (or the arrow keys) walk ``root.backward_steps()``:
    the current node and its input edges light up, ``upstream × local =
    contribution`` and the op's derivative rule are shown for each input, and
    the grads fill in. The view follows the current node at a readable size
    (pan with a drag, zoom with the wheel or + and -, F fits the whole graph),
    and ``#step=N`` in the URL opens step N. ``params=model`` draws a model's
    parameters, neurons and data as ``draw_dot`` does. The page shows one pass
    from zero grads; the ``.grad`` values of your graph are left as they were.
    ``lang="zh"`` writes every sentence, button and help text in Chinese
    (numbers and formulas are the same in both).
    """
    page = stepper_page(
        root, title=title, rankdir=rankdir, max_nodes=max_nodes, params=params, lang=lang
    )
    return write_text_atomically(path, page)


def stepper_page(
    root: Value,
    *,
    title: str = "",
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
    params: Any = None,
    lang: str = "en",
) -> str:
    """The text of the page ``save_html`` writes."""
    check_language(lang)
    drawing = _drawing_and_steps(root, rankdir, max_nodes, params, lang)
    label = root.label if isinstance(root.label, str) else ""
    # shortened, as drawn
    name = display_text(title or label or text(lang, "default_title"))
    data: dict[str, Any] = {
        "steps": drawing.steps,
        "valueNodes": drawing.value_nodes,
        "root": drawing.root,
    }
    if drawing.network is not None:
        data["network"] = drawing.network
    data["strings"] = {key: strings(lang)[key] for key in _SCRIPT_STRINGS}
    return _page(lang, name, _inline_svg(drawing.svg), drawing.network_svg, data)


def _inline_svg(svg: str) -> str:
    svg = svg[svg.index("<svg") :]
    # the arrowhead that points along the gradient, toward the input (see g.edge.flow)
    return svg.replace('<g id="graph0"', _MARKER + '<g id="graph0"', 1)


# the sentences the page's script writes itself
_SCRIPT_STRINGS = (
    "counter",
    "counter_inside",
    "before_backward",
    "before_inside",
    "single_leaf",
    "fit",
    "fit_back",
    "net_what",
    "net_receives",
    "net_grad",
)

# the sentences of the page's frame (buttons, help), HTML-escaped into it
_FRAME_STRINGS = (
    "nav_steps",
    "nav_view",
    "button_start",
    "button_prev",
    "button_next",
    "button_end",
    "button_zoom_out",
    "button_zoom_in",
    "button_fit",
    "button_open",
    "button_close",
    "label_prev",
    "label_next",
    "label_open",
    "label_close",
    "fit",
    "graph_label",
    "help_keys",
    "help_colors",
    "help_levels",
)


def _page(lang: str, title: str, svg: str, network_svg: str, data: dict[str, Any]) -> str:
    table = strings(lang)
    words = {key: html.escape(table[key]) for key in _FRAME_STRINGS}
    levels = bool(network_svg)
    return web_file("stepper.html").format(
        lang=lang,
        page_title=html.escape(text(lang, "page_title", title=title)),
        title=html.escape(title),
        level="network" if levels else "scalar",
        levels_hidden="" if levels else " hidden",
        network_hidden="" if levels else " hidden",
        scalar_hidden=" hidden" if levels else "",
        network_svg=network_svg,
        svg=svg,
        data=_script_json(data),
        script=web_file("stepper.js"),
        style=web_file("stepper.css"),
        **words,
    )


class StepperView:
    """The stepper inside a Jupyter output cell: ``show_stepper(loss)`` at the end of a cell.

    Jupyter calls ``_repr_html_``, which gives an ``<iframe>`` holding the whole
    self-contained page (nothing to install, no system Graphviz, no network).
    """

    def __init__(self, page: str, height: int, lang: str = "en") -> None:
        self.page = page
        self.height = height
        self.lang = lang

    def _repr_html_(self) -> str:
        # srcdoc holds the page as an attribute value: html.escape with quote=True makes
        # every " & < > in it text, so nothing in the page can end the attribute early
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width: 100%; height: {self.height}px; border: 1px solid #e2e8f0" '
            'sandbox="allow-scripts" '
            f'title="{html.escape(text(self.lang, "frame_title"), quote=True)}"></iframe>'
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path``, as ``save_html`` does."""
        return write_text_atomically(path, self.page)


def show_stepper(
    root: Value,
    *,
    params: Any = None,
    title: str = "",
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
    height: int = 640,
    lang: str = "en",
) -> StepperView:
    """The stepper of ``save_html``, shown inline by Jupyter (no file, no system Graphviz).

    >>> from autograd import Value
    >>> x = Value(0.5, label="x")
    >>> view = show_stepper((x * x).tanh())
    >>> view._repr_html_().startswith("<iframe srcdoc=")
    True
    """
    if isinstance(height, bool) or not isinstance(height, int) or height < 200:
        raise ValueError(
            f"show_stepper: height must be an int of at least 200 pixels, got {height!r}"
        )
    page = stepper_page(
        root, title=title, rankdir=rankdir, max_nodes=max_nodes, params=params, lang=lang
    )
    return StepperView(page, height, lang)


class _Drawing(NamedTuple):
    svg: str  # the scalar drawing
    steps: list[dict[str, Any]]  # the scalar steps (with a network level: in its order)
    value_nodes: list[int]  # the Values whose grads the page updates
    root: int  # the root's position
    network_svg: str  # the network drawing, or "" when the page has one level
    network: dict[str, Any] | None  # the network level's steps, or None


def _drawing_and_steps(
    root: Value, rankdir: str, max_nodes: int, params: Any, lang: str
) -> _Drawing:
    """The SVGs, what each step changes on them, the Values to update and the root's position.

    The graph is walked once: its order, names, neurons and steps are shared by the
    drawing, the steps, the explanations and the network level. The graph's ``.grad``
    values are restored.
    """
    # the drawing checks the graph before any other work: its size first (a huge graph
    # is refused at once), then every label and op (a RenderError naming the node)
    check_drawing(root, rankdir, max_nodes)
    nodes = topological_order(root)
    nodes.reverse()  # the positions dot_source names the nodes by (n0, n1, ...)
    named = named_nodes(nodes, params=params, lang=lang)
    names = named.names
    dot_from_view(nodes, names, rankdir=rankdir, params=params, lang=lang)
    position = {node: index for index, node in enumerate(nodes)}
    saved = [node.grad for node in nodes]
    network_svg = ""
    network = None
    try:
        backward_steps = list(root.backward_steps())
        full_names = {}
        parameters = {}
        if params is not None:
            parameters = parameter_names(params)
            full_names = {param: name.full for param, name in parameters.items()}
        inside = None
        plan = []
        if named.applications:
            plan = network_nodes(nodes, backward_steps, named)
            backward_steps = [step for item in plan for step in item.steps]
            inside = [
                (names[item.output], number, len(item.steps))
                for item in plan
                for number in range(1, len(item.steps) + 1)
            ]
        steps, widest = _steps(backward_steps, nodes, position, names, full_names, lang, inside)
        if plan:
            network_source, network = network_steps(
                plan, nodes, named, steps, parameters, rankdir, lang
            )
            network_svg = _inline_svg(svg_from_dot(network_source))
        for node in nodes:
            # lay each record out for the longest grad it will show; the page starts them at 0
            node.grad = widest[node]
        source = dot_from_view(nodes, names, rankdir=rankdir, params=params, lang=lang)
    finally:
        for node, grad in zip(nodes, saved, strict=True):
            node.grad = grad
    value_nodes = [position[node] for node in nodes if type(node) is not Constant]
    return _Drawing(svg_from_dot(source), steps, value_nodes, position[root], network_svg, network)


def _steps(
    backward_steps: list[BackwardStep],
    nodes: list[Value],
    position: dict[Value, int],
    names: dict[Value, str],
    full_names: dict[Value, str],
    lang: str,
    inside: list[tuple[str, int, int]] | None = None,
) -> tuple[list[dict[str, Any]], dict[Value, float]]:
    """What the page shows at each step, and the widest grad each node shows on the way.

    ``inside`` gives, for each step, the network node it belongs to and its number and
    count there: the headings then count the steps inside that neuron.
    """
    shown = dict.fromkeys(nodes, 0.0)  # the grad the page shows for each node
    widest = dict(shown)
    steps = []
    for number, step in enumerate(backward_steps, start=1):
        node = step.node
        index = position[node]
        # the node's own grad is complete now: every node that used it came earlier
        changes = [_change(index, shown[node], step.upstream)]
        shown[node] = step.upstream
        lines = []
        rules = local_rule_texts(node, lang=lang)
        flows = [f"e{index}_out"]
        flow_inputs = set()
        for input_index, (symbol, item, rule) in enumerate(
            zip(SYMBOLS, step.contributions, rules, strict=False)
        ):
            name = names[item.input]
            if item.input in full_names:
                name += text(lang, "parameter_suffix", full=full_names[item.input])
            if rule.constant:
                lines.append(text(lang, "line_constant", symbol=symbol, name=name))
                continue
            flows.append(f"e{index}_{input_index}")
            flow_inputs.add(position[item.input])
            before = shown[item.input]
            after = before + item.contribution
            shown[item.input] = after
            changes.append(_change(position[item.input], before, after))
            line = text(
                lang,
                "line_input",
                symbol=symbol,
                name=name,
                upstream=_number(step.upstream),
                local=_number(item.local),
                contribution=_number(item.contribution),
                before=_number(before),
                after=_number(after),
            )
            lines.append(f"{line}\n{rule.text}")
        for changed in (node, *node.inputs):
            if len(format_number(shown[changed])) > len(format_number(widest[changed])):
                widest[changed] = shown[changed]
        steps.append(
            {
                "node": index,
                "name": names[node],
                "heading": _heading(
                    lang, number, len(backward_steps), node, names[node], step.upstream, inside
                ),
                "legend": legend(node, names, lang=lang),
                "lines": lines,
                "inputs": sorted(flow_inputs),
                "edges": flows,
                "changes": changes,
            }
        )
    return steps, widest


def _heading(
    lang: str,
    number: int,
    count: int,
    node: Value,
    name: str,
    upstream: float,
    inside: list[tuple[str, int, int]] | None,
) -> str:
    if inside is None:
        return text(
            lang, "heading", number=number, count=count, name=name, op=node.op,
            upstream=_number(upstream),
        )  # fmt: skip
    group, number, count = inside[number - 1]
    return text(
        lang, "heading_inside", number=number, count=count, group=group, name=name, op=node.op,
        upstream=_number(upstream),
    )  # fmt: skip


def _change(index: int, before: float, after: float) -> list[Any]:
    # shown text and exact value (repr, which JSON cannot mangle), before and after
    return [index, format_number(before), repr(before), format_number(after), repr(after)]


def _number(number: float) -> str:
    return f"{number:.6g}"


def _script_json(data: object) -> str:
    # "<" escaped so that no label can close the <script> element early
    return json.dumps(data, ensure_ascii=True, allow_nan=False).replace("<", "\\u003c")


_MARKER = (
    '<defs><marker id="grad-arrow" viewBox="0 0 10 10" refX="1" refY="5" markerWidth="4.5" '
    'markerHeight="4.5" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
    'fill="#ea580c"/></marker></defs>'
)
