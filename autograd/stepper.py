"""An interactive stepper: one self-contained HTML page that walks through backward_steps."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from autograd.backprop import BackwardStep
from autograd.explain import SYMBOLS, legend, local_rule_texts
from autograd.files import write_text_atomically
from autograd.graph import topological_order
from autograd.names import node_names, parameter_names
from autograd.render import (
    MAX_NODES,
    display_text,
    dot_source,
    format_number,
    svg_from_dot,
)
from autograd.value import Constant, Value


def save_html(
    root: Value,
    path: str | os.PathLike[str],
    *,
    title: str = "",
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
    params: Any = None,
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
    """
    page = stepper_page(root, title=title, rankdir=rankdir, max_nodes=max_nodes, params=params)
    return write_text_atomically(path, page)


def stepper_page(
    root: Value,
    *,
    title: str = "",
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
    params: Any = None,
) -> str:
    """The text of the page ``save_html`` writes."""
    svg, steps, value_nodes, root_index = _drawing_and_steps(root, rankdir, max_nodes, params)
    label = root.label if isinstance(root.label, str) else ""
    name = display_text(title or label or "backward pass")  # shortened, as drawn
    svg = svg[svg.index("<svg") :]
    # the arrowhead that points along the gradient, toward the input (see g.edge.flow)
    svg = svg.replace('<g id="graph0"', _MARKER + '<g id="graph0"', 1)
    return _PAGE.format(
        title=html.escape(name),
        svg=svg,
        data=_script_json({"steps": steps, "valueNodes": value_nodes, "root": root_index}),
        script=_SCRIPT,
        style=_STYLE,
    )


class StepperView:
    """The stepper inside a Jupyter output cell: ``show_stepper(loss)`` at the end of a cell.

    Jupyter calls ``_repr_html_``, which gives an ``<iframe>`` holding the whole
    self-contained page (nothing to install, no system Graphviz, no network).
    """

    def __init__(self, page: str, height: int) -> None:
        self.page = page
        self.height = height

    def _repr_html_(self) -> str:
        # srcdoc holds the page as an attribute value: html.escape with quote=True makes
        # every " & < > in it text, so nothing in the page can end the attribute early
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width: 100%; height: {self.height}px; border: 1px solid #e2e8f0" '
            'sandbox="allow-scripts" title="step through backprop"></iframe>'
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
    page = stepper_page(root, title=title, rankdir=rankdir, max_nodes=max_nodes, params=params)
    return StepperView(page, height)


def _drawing_and_steps(
    root: Value, rankdir: str, max_nodes: int, params: Any = None
) -> tuple[str, list[dict[str, Any]], list[int], int]:
    """The SVG, what each step changes on it, the Values to update and the root's position.

    The graph's ``.grad`` values are restored.
    """
    # the drawing checks the graph before any other work: its size first (a huge graph
    # is refused at once), then every label and op (a RenderError naming the node)
    dot_source(root, rankdir=rankdir, show_grad=True, max_nodes=max_nodes, params=params)
    nodes = topological_order(root)
    nodes.reverse()  # the positions dot_source names the nodes by (n0, n1, ...)
    position = {node: index for index, node in enumerate(nodes)}
    saved = [node.grad for node in nodes]
    try:
        backward_steps = list(root.backward_steps())
        names = node_names(root, params=params)
        full_names = {}
        if params is not None:
            full_names = {param: name.full for param, name in parameter_names(params).items()}
        steps, widest = _steps(backward_steps, nodes, position, names, full_names)
        for node in nodes:
            # lay each record out for the longest grad it will show; the page starts them at 0
            node.grad = widest[node]
        source = dot_source(
            root, rankdir=rankdir, show_grad=True, max_nodes=max_nodes, params=params
        )
    finally:
        for node, grad in zip(nodes, saved, strict=True):
            node.grad = grad
    value_nodes = [position[node] for node in nodes if type(node) is not Constant]
    return svg_from_dot(source), steps, value_nodes, position[root]  # root drawn last


def _steps(
    backward_steps: list[BackwardStep],
    nodes: list[Value],
    position: dict[Value, int],
    names: dict[Value, str],
    full_names: dict[Value, str],
) -> tuple[list[dict[str, Any]], dict[Value, float]]:
    """What the page shows at each step, and the widest grad each node shows on the way."""
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
        rules = local_rule_texts(node)
        flows = [f"e{index}_out"]
        flow_inputs = set()
        for input_index, (symbol, item, rule) in enumerate(
            zip(SYMBOLS, step.contributions, rules, strict=False)
        ):
            name = names[item.input]
            if item.input in full_names:
                name += f" (parameter {full_names[item.input]})"
            if rule.constant:
                lines.append(
                    f"{symbol} = {name} is a constant: not differentiated "
                    "(its local derivative is taken as 0, and it receives no gradient)"
                )
                continue
            flows.append(f"e{index}_{input_index}")
            flow_inputs.add(position[item.input])
            before = shown[item.input]
            after = before + item.contribution
            shown[item.input] = after
            changes.append(_change(position[item.input], before, after))
            lines.append(
                f"{symbol} = {name}: upstream {_number(step.upstream)} \u00d7 "
                f"local {_number(item.local)} = {_number(item.contribution)}; "
                f"its grad {_number(before)} + {_number(item.contribution)} = {_number(after)}"
                f"\n{rule.text}"
            )
        for changed in (node, *node.inputs):
            if len(format_number(shown[changed])) > len(format_number(widest[changed])):
                widest[changed] = shown[changed]
        steps.append(
            {
                "node": index,
                "heading": (
                    f"Step {number} of {len(backward_steps)}, the chain rule at {names[node]} "
                    f"(op {node.op}): upstream = d root / d node = {_number(step.upstream)}"
                ),
                "legend": legend(node, names),
                "lines": lines,
                "inputs": sorted(flow_inputs),
                "edges": flows,
                "changes": changes,
            }
        )
    return steps, widest


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

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: step through backprop</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<nav aria-label="steps">
<button id="start" type="button" title="first: before backward (Home)">&#x00AB;</button>
<button id="prev" type="button" title="previous step (left arrow)">&#x25C0; Prev</button>
<button id="next" type="button" title="next step (right arrow)">Next &#x25B6;</button>
<button id="end" type="button" title="last step (End)">&#x00BB;</button>
<span id="counter"></span>
</nav>
<nav aria-label="view">
<button id="zoom-out" type="button" title="zoom out (-)">&#x2212;</button>
<button id="zoom-in" type="button" title="zoom in (+)">+</button>
<button id="fit" type="button" title="the whole graph, or back to 100% (F)">Fit</button>
</nav>
</header>
<div id="layout">
<main id="graph" tabindex="-1" aria-label="the graph: drag to pan, wheel to zoom">
<div id="canvas">
{svg}
</div>
</main>
<aside id="explain" aria-live="polite">
<p id="heading"></p>
<p id="legend"></p>
<ul id="lines"></ul>
<p class="help">Next / Prev or the arrow keys walk the backward pass one node at a time, in the
order backward() applies the chain rule; Home and End jump. Drag the graph to pan; the wheel,
+ and - zoom; F fits the whole graph. The address ends in #step=N: link to a step with it.</p>
<p class="help">Red: the node whose chain rule is applied; orange: its inputs, and the edges the
gradient flows back along, toward the inputs. Blue: parameters and other leaves you made;
green (with a model): data; dashed grey: constants.</p>
</aside>
</div>
<script id="stepper-data" type="application/json">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_STYLE = """
html, body { height: 100%; }
body { font-family: system-ui, sans-serif; margin: 0; color: #111; display: flex;
  flex-direction: column; overflow: hidden; }
header { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: center;
  padding: .4rem .8rem; border-bottom: 1px solid #e2e8f0; }
h1 { font-size: 1.1rem; margin: 0; font-family: ui-monospace, monospace; }
nav { display: flex; gap: .35rem; align-items: center; }
button { font-size: .95rem; padding: .2rem .6rem; }
#counter { font-variant-numeric: tabular-nums; margin-left: .3rem; }
#layout { flex: 1; min-height: 0; display: flex; }
#graph { flex: 1; min-width: 0; position: relative; overflow: hidden; cursor: grab;
  touch-action: none; background: #fff; outline: none; }
#graph.dragging { cursor: grabbing; }
#canvas { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
#canvas svg { display: block; }
#explain { width: 24rem; flex: none; overflow: auto; border-left: 1px solid #e2e8f0;
  background: #f8fafc; padding: .6rem .9rem; font-size: .9rem; }
#explain #heading { font-weight: bold; margin: .2rem 0 .4rem; }
#legend { font-family: ui-monospace, monospace; color: #334155; margin: .3rem 0; }
#lines { padding-left: 1.1rem; margin: .3rem 0; font-family: ui-monospace, monospace;
  white-space: pre-wrap; }
#lines li { margin: .35rem 0; }
.help { color: #555; font-size: .8rem; }
@media (max-width: 760px) {
  #layout { flex-direction: column; }
  #explain { width: auto; height: 38%; border-left: 0; border-top: 1px solid #e2e8f0; }
}
g.current polygon, g.current ellipse, g.current path { stroke: #dc2626; stroke-width: 3; }
g.current-op ellipse { fill: #fecaca; stroke: #dc2626; stroke-width: 2; }
g.input polygon, g.input ellipse, g.input path { stroke: #ea580c; stroke-width: 2.5; }
g.edge.flow path { stroke: #ea580c; stroke-width: 2.5; marker-start: url(#grad-arrow);
  stroke-dasharray: 7 4; animation: gradient-flow .7s linear infinite; }
g.edge.flow polygon { opacity: .25; }
@keyframes gradient-flow { to { stroke-dashoffset: 11; } }
@media (prefers-reduced-motion: reduce) { g.edge.flow path { animation: none; } }
g.changed text { fill: #b91c1c; font-weight: bold; }
"""

_SCRIPT = """
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("stepper-data").textContent);
  const steps = data.steps;
  const graph = document.getElementById("graph");
  const canvas = document.getElementById("canvas");
  const fitButton = document.getElementById("fit");
  const MIN_SCALE = 0.02;
  const MAX_SCALE = 5;
  const MAX_FIT = 1.5;  // a small graph is not blown up past this
  const READABLE_PX = 12;  // the current node's text is shown at least this tall
  const MARGIN = 24;
  const view = { scale: 1, x: 0, y: 0, fitted: false };
  let current = 0;  // how many steps have been applied

  function gradText(group) {
    const texts = group.querySelectorAll("text");
    for (let k = texts.length - 1; k >= 0; k--) {
      if (texts[k].textContent.startsWith("grad ")) return texts[k];
    }
    return null;
  }
  function setGrad(index, shown, exact) {
    const group = document.getElementById("n" + index);
    if (!group) return;
    const text = gradText(group);
    if (text) text.textContent = "grad " + shown;
    group.setAttribute("data-grad", exact);
  }
  function clearHighlight() {
    for (const name of ["current", "current-op", "input", "flow", "changed"]) {
      for (const element of Array.from(document.getElementsByClassName(name))) {
        element.classList.remove(name);
      }
    }
  }
  function mark(id, name) {
    const element = document.getElementById(id);
    if (element) element.classList.add(name);
  }

  // ---- the view: pan and zoom by a CSS transform of the drawing ----
  function clampScale(scale) {
    return Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale));
  }
  function applyView() {
    canvas.style.transform =
      "translate(" + view.x + "px, " + view.y + "px) scale(" + view.scale + ")";
    fitButton.textContent = view.fitted ? "100%" : "Fit";
    graph.setAttribute("data-scale", String(view.scale));
  }
  function area() {
    return { width: graph.clientWidth, height: graph.clientHeight };
  }
  function boxOf(elements) {
    // the elements' bounding box in drawing coordinates (CSS px at 100%)
    const origin = graph.getBoundingClientRect();
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const element of elements) {
      if (!element) continue;
      const rect = element.getBoundingClientRect();
      left = Math.min(left, rect.left);
      top = Math.min(top, rect.top);
      right = Math.max(right, rect.right);
      bottom = Math.max(bottom, rect.bottom);
    }
    if (left === Infinity) return null;
    return {
      left: (left - origin.left - view.x) / view.scale,
      top: (top - origin.top - view.y) / view.scale,
      right: (right - origin.left - view.x) / view.scale,
      bottom: (bottom - origin.top - view.y) / view.scale,
    };
  }
  function wholeBox() {
    return { left: 0, top: 0, right: canvas.offsetWidth, bottom: canvas.offsetHeight };
  }
  function fitScale(box) {
    const size = area();
    return Math.min(
      (size.width - 2 * MARGIN) / Math.max(1, box.right - box.left),
      (size.height - 2 * MARGIN) / Math.max(1, box.bottom - box.top)
    );
  }
  function centerOn(box, scale) {
    const size = area();
    view.scale = clampScale(scale);
    view.x = size.width / 2 - view.scale * (box.left + box.right) / 2;
    view.y = size.height / 2 - view.scale * (box.top + box.bottom) / 2;
  }
  function inView(box) {
    const size = area();
    const s = view.scale;
    return view.x + box.left * s >= MARGIN / 2 && view.y + box.top * s >= MARGIN / 2 &&
      view.x + box.right * s <= size.width - MARGIN / 2 &&
      view.y + box.bottom * s <= size.height - MARGIN / 2;
  }
  function keepInView(box) {
    // shift the view as little as needed so that the box is inside it
    const size = area();
    const s = view.scale;
    const right = size.width - MARGIN - (view.x + box.right * s);
    if (right < 0) view.x += right;
    const left = MARGIN - (view.x + box.left * s);
    if (left > 0) view.x += left;
    const bottom = size.height - MARGIN - (view.y + box.bottom * s);
    if (bottom < 0) view.y += bottom;
    const top = MARGIN - (view.y + box.top * s);
    if (top > 0) view.y += top;
  }
  function readableScale(group) {
    // the zoom at which the group's smallest text is READABLE_PX tall
    let smallest = Infinity;
    for (const text of group.querySelectorAll("text")) {
      const height = text.getBoundingClientRect().height / view.scale;
      if (height > 0) smallest = Math.min(smallest, height);
    }
    return smallest === Infinity ? 1 : READABLE_PX / smallest;
  }
  function focusIndex() {
    return current ? steps[current - 1].node : data.root;
  }
  function focus() {
    // bring the current node and its inputs into view, at a size its text can be read
    const index = focusIndex();
    const group = document.getElementById("n" + index);
    if (!group) return;
    const nodeBox = boxOf([group, document.getElementById("n" + index + "_op")]);
    const inputs = current ? steps[current - 1].inputs : [];
    const focusBox = boxOf([group, ...inputs.map((k) => document.getElementById("n" + k))]);
    const readable = readableScale(group);
    if (view.scale >= readable && inView(focusBox)) {
      applyView();  // already in view and readable: the picture stays still
      return;
    }
    const whole = wholeBox();
    const wholeScale = Math.min(fitScale(whole), MAX_FIT);
    if (wholeScale >= readable) {
      centerOn(whole, wholeScale);
      view.fitted = true;
    } else {
      const scale = Math.max(readable, Math.min(Math.max(view.scale, 1), fitScale(focusBox)));
      centerOn(focusBox, scale);
      keepInView(nodeBox);  // the inputs may not all fit: the current node must
      view.fitted = false;
    }
    applyView();
  }
  function zoomAt(factor, px, py) {
    const scale = clampScale(view.scale * factor);
    view.x = px - (px - view.x) * scale / view.scale;
    view.y = py - (py - view.y) * scale / view.scale;
    view.scale = scale;
    view.fitted = false;
    applyView();
  }
  function zoomCenter(factor) {
    const size = area();
    zoomAt(factor, size.width / 2, size.height / 2);
  }
  function toggleFit() {
    if (view.fitted) {
      const index = focusIndex();
      const box = boxOf([document.getElementById("n" + index)]) || wholeBox();
      centerOn(box, 1);
      view.fitted = false;
    } else {
      centerOn(wholeBox(), Math.min(fitScale(wholeBox()), MAX_FIT));
      view.fitted = true;
    }
    applyView();
  }

  // ---- the steps ----
  function show() {
    clearHighlight();
    const heading = document.getElementById("heading");
    const legend = document.getElementById("legend");
    const lines = document.getElementById("lines");
    lines.textContent = "";
    legend.textContent = "";
    document.getElementById("counter").textContent = "step " + current + " of " + steps.length;
    if (current === 0) {
      heading.textContent = steps.length
        ? "Before backward: every grad is 0. Next applies the chain rule at the output."
        : "This graph is a single leaf: there is no backward step.";
    } else {
      const step = steps[current - 1];
      mark("n" + step.node, "current");
      mark("n" + step.node + "_op", "current-op");
      for (const index of step.inputs) mark("n" + index, "input");
      for (const id of step.edges) mark(id, "flow");
      for (const change of step.changes) mark("n" + change[0], "changed");
      heading.textContent = step.heading;
      legend.textContent = step.legend;
      for (const line of step.lines) {
        const item = document.createElement("li");
        const parts = line.split("\\n");
        item.textContent = parts[0];
        if (parts.length > 1) {
          const rule = document.createElement("div");
          rule.className = "rule";
          rule.textContent = parts.slice(1).join(" ");
          item.appendChild(rule);
        }
        lines.appendChild(item);
      }
    }
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("start").disabled = current === 0;
    document.getElementById("next").disabled = current === steps.length;
    document.getElementById("end").disabled = current === steps.length;
    document.body.setAttribute("data-step", String(current));
    writeHash();
    focus();
  }
  function forward() {
    if (current === steps.length) return;
    for (const change of steps[current].changes) setGrad(change[0], change[3], change[4]);
    current += 1;
  }
  function back() {
    if (current === 0) return;
    current -= 1;
    const changes = steps[current].changes;
    for (let k = changes.length - 1; k >= 0; k--) {
      setGrad(changes[k][0], changes[k][1], changes[k][2]);
    }
  }
  function go(target) {
    target = Math.max(0, Math.min(steps.length, target));
    while (current < target) forward();
    while (current > target) back();
    show();
  }

  // ---- the address keeps the step: #step=N opens step N ----
  function stepFromHash() {
    const match = /^#(?:.*[&;])?step=(\\d+)/.exec(window.location.hash);
    return match ? Number(match[1]) : null;
  }
  function writeHash() {
    const hash = "#step=" + current;
    if (window.location.hash === hash) return;
    try {
      window.history.replaceState(null, "", hash);
    } catch (error) {
      // a sandboxed frame (a notebook's output) has no address to keep
    }
  }
  window.addEventListener("hashchange", () => {
    const step = stepFromHash();
    if (step !== null && step !== current) go(step);
  });

  // ---- input ----
  for (const index of data.valueNodes) setGrad(index, "0", "0.0");
  document.getElementById("next").addEventListener("click", () => go(current + 1));
  document.getElementById("prev").addEventListener("click", () => go(current - 1));
  document.getElementById("start").addEventListener("click", () => go(0));
  document.getElementById("end").addEventListener("click", () => go(steps.length));
  document.getElementById("zoom-in").addEventListener("click", () => zoomCenter(1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoomCenter(0.8));
  fitButton.addEventListener("click", toggleFit);
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;  // leave the browser's own keys
    const key = event.key;
    if (key === "ArrowRight") go(current + 1);
    else if (key === "ArrowLeft") go(current - 1);
    else if (key === "Home") go(0);
    else if (key === "End") go(steps.length);
    else if (key === "+" || key === "=") zoomCenter(1.25);
    else if (key === "-" || key === "_") zoomCenter(0.8);
    else if (key === "f" || key === "F") toggleFit();
    else if (key === "0") { centerOn(wholeBox(), 1); view.fitted = false; applyView(); }
    else return;
    event.preventDefault();
  });
  graph.addEventListener("wheel", (event) => {
    event.preventDefault();
    const origin = graph.getBoundingClientRect();
    const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    const factor = Math.exp(-event.deltaY * lines * 0.0015);
    zoomAt(factor, event.clientX - origin.left, event.clientY - origin.top);
  }, { passive: false });
  let drag = null;
  graph.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX - view.x, y: event.clientY - view.y, id: event.pointerId };
    graph.setPointerCapture(event.pointerId);
    graph.classList.add("dragging");
  });
  graph.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    view.x = event.clientX - drag.x;
    view.y = event.clientY - drag.y;
    view.fitted = false;
    applyView();
  });
  function endDrag(event) {
    if (!drag || event.pointerId !== drag.id) return;
    drag = null;
    graph.classList.remove("dragging");
  }
  graph.addEventListener("pointerup", endDrag);
  graph.addEventListener("pointercancel", endDrag);
  window.addEventListener("resize", focus);

  window.stepper = {
    go: go,
    count: steps.length,
    current: () => current,
    view: () => ({ scale: view.scale, x: view.x, y: view.y, fitted: view.fitted }),
  };
  const opened = stepFromHash();
  go(opened === null ? 0 : opened);
})();
"""
