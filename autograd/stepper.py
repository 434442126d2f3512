"""An interactive stepper: one self-contained HTML page that walks through backward_steps."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from autograd.backprop import BackwardStep
from autograd.files import write_text_atomically
from autograd.graph import topological_order
from autograd.render import (
    MAX_NODES,
    check_node_limit,
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
) -> Path:
    """Write a page that steps through ``root``'s backward pass; return its path.

    The page needs no network: the graph is inline SVG, the script and style
    are inline. Next/Prev (or the arrow keys) walk ``root.backward_steps()``:
    the current node and its input edges light up, ``upstream x local =
    contribution`` is shown for each input, and the grads fill in. The page
    shows one pass from zero grads; the ``.grad`` values of your graph are
    left exactly as they were.
    """
    check_node_limit(root, max_nodes)  # before any work: a huge graph is refused at once
    svg, steps, value_nodes = _drawing_and_steps(root, rankdir, max_nodes)
    name = title or (display_text(root.label) if root.label else "backward pass")
    page = _PAGE.format(
        title=html.escape(name),
        svg=svg[svg.index("<svg") :],
        data=_script_json({"steps": steps, "valueNodes": value_nodes}),
        script=_SCRIPT,
        style=_STYLE,
    )
    return write_text_atomically(path, page)


def _drawing_and_steps(
    root: Value, rankdir: str, max_nodes: int
) -> tuple[str, list[dict[str, Any]], list[int]]:
    """The SVG, and what each step changes on it; the graph's ``.grad`` values are restored."""
    nodes = topological_order(root)
    nodes.reverse()  # the positions dot_source names the nodes by (n0, n1, ...)
    position = {node: index for index, node in enumerate(nodes)}
    saved = [node.grad for node in nodes]
    try:
        backward_steps = list(root.backward_steps())
        steps, widest = _steps(backward_steps, nodes, position)
        for node in nodes:
            # lay each record out for the longest grad it will show; the page starts them at 0
            node.grad = widest[node]
        source = dot_source(root, rankdir=rankdir, show_grad=True, max_nodes=max_nodes)
    finally:
        for node, grad in zip(nodes, saved, strict=True):
            node.grad = grad
    value_nodes = [position[node] for node in nodes if type(node) is not Constant]
    return svg_from_dot(source), steps, value_nodes


def _steps(
    backward_steps: list[BackwardStep], nodes: list[Value], position: dict[Value, int]
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
        for item in step.contributions:
            before = shown[item.input]
            after = before + item.contribution
            shown[item.input] = after
            if type(item.input) is not Constant:
                changes.append(_change(position[item.input], before, after))
            lines.append(
                f"{_name(item.input)}: upstream {_number(step.upstream)} \u00d7 "
                f"local {_number(item.local)} = {_number(item.contribution)}; "
                f"its grad {_number(before)} + {_number(item.contribution)} = {_number(after)}"
            )
        for changed in (node, *node.inputs):
            if len(format_number(shown[changed])) > len(format_number(widest[changed])):
                widest[changed] = shown[changed]
        at = f"{_name(node)} (op {_op(node)})" if _has_label(node) else _name(node)
        steps.append(
            {
                "node": index,
                "heading": (
                    f"Step {number} of {len(backward_steps)}, the chain rule at {at}: "
                    f"upstream = d root / d node = {_number(step.upstream)}"
                ),
                "lines": lines,
                "inputs": sorted({position[item] for item in node.inputs}),
                "edges": [f"e{index}_{k}" for k in range(len(node.inputs))],
                "changes": changes,
            }
        )
    return steps, widest


def _change(index: int, before: float, after: float) -> list[Any]:
    # shown text and exact value (repr, which JSON cannot mangle), before and after
    return [index, format_number(before), repr(before), format_number(after), repr(after)]


def _name(node: Value) -> str:
    """How the explanation names a node so that it can be found in the picture."""
    if _has_label(node):
        return display_text(node.label)  # shortened, as the picture shows it
    if type(node) is Constant:
        return f"the constant {format_number(node.data)}"
    if node.is_leaf:
        return f"the leaf (data {format_number(node.data)})"
    return f"the {_op(node)} node (data {format_number(node.data)})"


def _op(node: Value) -> str:
    return display_text(node.op) if isinstance(node.op, str) else repr(node.op)


def _has_label(node: Value) -> bool:
    # a label that is not a str is reported by dot_source, naming the node
    return isinstance(node.label, str) and node.label != ""


def _number(number: float) -> str:
    return f"{number:.6g}"


def _script_json(data: object) -> str:
    # "<" escaped so that no label can close the <script> element early
    return json.dumps(data, ensure_ascii=True, allow_nan=False).replace("<", "\\u003c")


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
<p class="help">Next / Prev (or the arrow keys; Home and End jump) walk the backward pass
one node at a time, in the order backward() applies the chain rule.</p>
<nav>
<button id="start" type="button">&#x00AB; Start</button>
<button id="prev" type="button">&#x25C0; Prev</button>
<button id="next" type="button">Next &#x25B6;</button>
<button id="end" type="button">End &#x00BB;</button>
<span id="counter"></span>
</nav>
<section id="explain" aria-live="polite"><p id="heading"></p><ul id="lines"></ul></section>
</header>
<main id="graph">
{svg}
</main>
<footer>Blue: inputs and parameters (leaves). Dashed grey: constants. Red: the node whose chain
rule is applied; orange: its inputs and the edges the gradient flows back along.</footer>
<script id="stepper-data" type="application/json">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1rem 1.5rem; color: #111; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; font-family: ui-monospace, monospace; }
.help, footer { color: #555; font-size: .9rem; }
nav { display: flex; gap: .5rem; align-items: center; margin: .5rem 0; }
button { font-size: 1rem; padding: .3rem .8rem; }
#counter { font-variant-numeric: tabular-nums; margin-left: .5rem; }
#explain { font-family: ui-monospace, monospace; background: #f8fafc; border: 1px solid #e2e8f0;
  padding: .5rem 1rem; min-height: 4.5rem; }
#explain p { margin: .2rem 0; font-weight: bold; }
#explain ul { margin: .2rem 0; padding-left: 1.2rem; }
#graph svg { max-width: 100%; height: auto; }
g.current > polygon, g.current > ellipse, g.current > path { stroke: #dc2626; stroke-width: 3; }
g.current-op > ellipse { fill: #fecaca; stroke: #dc2626; stroke-width: 2; }
g.input > polygon, g.input > ellipse { stroke: #ea580c; stroke-width: 2.5; }
g.edge.flow > path { stroke: #ea580c; stroke-width: 2.5; }
g.edge.flow > polygon { stroke: #ea580c; fill: #ea580c; }
g.changed text { fill: #b91c1c; font-weight: bold; }
"""

_SCRIPT = """
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("stepper-data").textContent);
  const steps = data.steps;
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
  function show() {
    clearHighlight();
    const heading = document.getElementById("heading");
    const lines = document.getElementById("lines");
    lines.textContent = "";
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
      for (const line of step.lines) {
        const item = document.createElement("li");
        item.textContent = line;
        lines.appendChild(item);
      }
    }
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("start").disabled = current === 0;
    document.getElementById("next").disabled = current === steps.length;
    document.getElementById("end").disabled = current === steps.length;
    document.body.setAttribute("data-step", String(current));
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
  for (const index of data.valueNodes) setGrad(index, "0", "0.0");
  document.getElementById("next").addEventListener("click", () => go(current + 1));
  document.getElementById("prev").addEventListener("click", () => go(current - 1));
  document.getElementById("start").addEventListener("click", () => go(0));
  document.getElementById("end").addEventListener("click", () => go(steps.length));
  document.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") go(current + 1);
    else if (event.key === "ArrowLeft") go(current - 1);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(steps.length);
    else return;
    event.preventDefault();
  });
  window.stepper = { go: go, count: steps.length, current: () => current };
  show();
})();
"""
