"""How text names a node: its label, or the sub-expression that computed it (``tanh(a*b + b**2)``).

One function, ``node_names``, names every node of a graph for the stepper,
``print(step)``, ``--steps`` and the drawings, so they all agree. Names are
built bottom up in one pass over the topological order (no recursion), each
from the already-shortened names of its inputs, so a 300-node graph is named
in about a millisecond and no name grows past ``max_length``.
"""

from __future__ import annotations

import itertools
from collections import ChainMap
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from autograd.graph import topological_order
from autograd.text import display_text, format_number
from autograd.value import Constant, Value

__all__ = [
    "NamedGraph",
    "ParameterName",
    "named_nodes",
    "node_names",
    "operation_form",
    "parameter_names",
]

MAX_NAME_LENGTH = 30

ELLIPSIS = "\u2026"

# How tightly each form binds, as in Python: an operand that binds less
# tightly than its operator needs parentheses.
_SUM = 1  # a + b, a - b
_PRODUCT = 2  # a*b, a/b
_UNARY = 3  # -a
_POWER = 4  # a**b
_ATOM = 5  # x, 2, f(...), (...)

_BINARY = {"+": (" + ", _SUM), "-": (" - ", _SUM), "*": ("*", _PRODUCT), "/": ("/", _PRODUCT)}


class _Name(NamedTuple):
    text: str  # shortened to the limit
    binding: int  # how tightly the text binds (see _SUM ... _ATOM)
    outer: str  # the op with non-atomic operands as "…": the shortest form that still says much


class ParameterName(NamedTuple):
    """A parameter's names when a model is drawn (see ``parameter_names``)."""

    short: str  # "w1", "b": the trailing part of the dotted name, its dots dropped
    full: str  # "layers.0.neurons.3.w.1", for a tooltip
    groups: tuple[str, ...]  # dotted prefixes of the enclosing modules: ("layers.0", ...)


def node_names(
    root: Value,
    *,
    params: Any = None,
    max_length: int = MAX_NAME_LENGTH,
    ascii: bool = False,
    lang: str = "en",
) -> dict[Value, str]:
    """A short readable name for every node of ``root``'s graph.

    A labelled node is named by its label; a constant by its value (``2``); an
    unlabelled leaf as ``Value(0.5)``; any other node by the sub-expression that
    computed it, in Python syntax (``a*b + b**2``). A name longer than
    ``max_length`` keeps its outer structure and puts ``…`` inside
    (``tanh(… + b)``); ``ascii=True`` writes ``...`` instead. With ``params``
    (a Module or ``(name, Value)`` pairs), parameters are named by their short
    names (``w1``, ``b``) as the drawing shows them.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> out = (a * b + b**2).tanh()
    >>> names = node_names(out)
    >>> names[out], names[out.inputs[0]], names[b]
    ('tanh(a*b + b**2)', 'a*b + b**2', 'b')
    >>> node_names(out, max_length=12)[out]
    'tanh(… + …)'
    """
    nodes = topological_order(root)
    nodes.reverse()  # inputs first: every input is named before the nodes that use it
    return named_nodes(nodes, params=params, max_length=max_length, ascii=ascii, lang=lang).names


class NamedGraph(NamedTuple):
    """The names of a graph's nodes, and with a model, its neuron applications."""

    names: dict[Value, str]
    applications: list[Any]  # autograd.neurons.NeuronApplication, in forward order
    formulas: dict[Value, str]  # a neuron's output -> what it computes: "tanh(w·x + b)"


def named_nodes(
    nodes: list[Value],
    *,
    params: Any = None,
    max_length: int = MAX_NAME_LENGTH,
    ascii: bool = False,
    lang: str = "en",
) -> NamedGraph:
    """``node_names`` for ``nodes`` already in order (inputs first), with the model's neurons.

    With ``params``, each application of a neuron to a sample is named from the
    model (``layer 0, neuron 2, sample 1``), and its ops read as the neuron's
    formula does: ``w0·x0``, ``w·x``, ``w·x + b``, ``tanh(w·x + b)``.
    """
    from autograd.neurons import neuron_applications
    from autograd.strings import check_language, text

    check_language(lang)
    ellipsis = "..." if ascii else ELLIPSIS
    times = "*" if ascii else "\u00b7"
    short_names: dict[Value, str] = {}
    applications = []
    if params is not None:
        parameters = parameter_names(params)
        short_names = {param: name.short for param, name in parameters.items()}
        applications = neuron_applications(nodes, parameters, lang)
    application_of = {}
    for application in applications:
        for op in application.nodes:
            application_of[op] = application
    weights_of = {}  # an application -> the parameters its products use
    for application in applications:
        weights_of[application] = {
            item
            for op in application.nodes
            if op.op == "*"
            for item in op.inputs
            if item in short_names
        }
    uses: dict[Value, frozenset[Value]] = {}  # an op of a neuron -> the parameters under it
    named: dict[Value, _Name] = {}
    # the ops after the network (a loss) call its outputs ŷ0, ŷ1, ...: see _predictions
    predictions = _predictions(nodes, applications, application_of, ascii)
    as_operand = ChainMap(predictions, named) if predictions else named
    formulas: dict[Value, str] = {}
    for index, node in enumerate(nodes):
        application = application_of.get(node)
        if application is None:
            name = _name(node, as_operand, short_names, max_length, ellipsis)
        else:
            name = _neuron_op_name(
                node, application, named, short_names, weights_of[application], uses, times
            )
            if name is None:
                name = _name(node, named, short_names, max_length, ellipsis)
            if node is application.output:
                formulas[node] = name.text
                title = text(
                    lang, "neuron_name", group=application.title, sample=application.sample
                )
                name = _Name(title, 0, title)
        if node._input_a is not None and not any(char.isalpha() for char in name.text):
            # "… + …" or "(… - 1)*2" names nothing: a temporary's name says where it is
            # (t7 is the drawing's n7, and its box shows the name)
            name = _Name(f"t{index}", _ATOM, f"t{index}")
        named[node] = name
    return NamedGraph({node: name.text for node, name in named.items()}, applications, formulas)


def _predictions(
    nodes: list[Value],
    applications: list[Any],
    application_of: Mapping[Value, Any],
    ascii: bool,
) -> dict[Value, _Name]:
    """``ŷ0``, ``ŷ1``, ... for the network's outputs that ops outside every neuron use.

    Those ops are the loss, and ``(ŷ0 - 1)*(ŷ0 - 1)`` reads as sample 0's squared
    error where the output's title (``layer 1, neuron 0, sample 0``) would not fit.
    With several output neurons, ``ŷ0[1]`` is sample 0's output from the second
    (in the model's order) of those the loss uses.
    """
    used_outside = set()
    for node in nodes:
        if node not in application_of:
            used_outside.update(node.inputs)
    outputs = [application for application in applications if application.output in used_outside]
    neurons = sorted({application.group for application in outputs}, key=_model_order)
    stem = "yhat" if ascii else "\u0177"
    names = {}
    for application in outputs:
        text = f"{stem}{application.sample}"
        if len(neurons) > 1:
            text += f"[{neurons.index(application.group)}]"
        names[application.output] = _Name(text, _ATOM, text)
    return names


def _model_order(group: tuple[str, ...]) -> tuple[tuple[tuple[int, int | str], ...], ...]:
    """Sorts ``layers.1.neurons.10`` after ``layers.1.neurons.9``, as the model orders them."""
    return tuple(
        tuple((0, int(part)) if part.isdigit() else (1, part) for part in name.split("."))
        for name in group
    )


def _neuron_op_name(
    node: Value,
    application: Any,
    named: Mapping[Value, _Name],
    short_names: Mapping[Value, str],
    weights: set[Value],
    uses: dict[Value, frozenset[Value]],
    times: str,
) -> _Name | None:
    """The name of an op of a neuron, from the neuron's formula (None: named as usual)."""
    inside = set(application.nodes)
    used = frozenset(item for item in node.inputs if item in short_names)
    for item in node.inputs:
        if item in inside:
            used |= uses[item]
    uses[node] = used
    direct = [item for item in node.inputs if item in short_names]
    if node.op == "*" and len(direct) == 1 and len(node.inputs) == 2:
        (weight,) = direct
        other = node.inputs[1] if node.inputs[0] is weight else node.inputs[0]
        short = short_names[weight]
        stem = short.rstrip("0123456789") or short
        index = short[len(stem) :]
        if (
            other.is_leaf
            and isinstance(other.label, str)
            and other.label
            and other not in short_names
        ):
            other_name = named[other].text
        else:
            other_name = "x" + index
        text = f"{short}{times}{other_name}"
        return _Name(text, _PRODUCT, text)
    if node.op == "+" and len(weights) > 1 and used == weights:
        stem = short_names[next(iter(weights))].rstrip("0123456789") or "w"
        text = f"{stem}{times}x"
        return _Name(text, _PRODUCT, text)
    return None


def operation_form(op: str, operands: tuple[str, ...] = ("a", "b")) -> str:
    """How an op reads with the operands named: ``a*b``, ``tanh(a)``, ``-a``."""
    atoms = [_Name(text, _ATOM, text) for text in operands]
    return _combine(op, atoms)[0]


def parameter_names(params: Any) -> dict[Value, ParameterName]:
    """The short name, full name and enclosing modules of each parameter.

    ``params`` is a Module (anything with ``named_parameters()``), a mapping
    from names to Values, or an iterable of ``(name, Value)`` pairs, as
    torchviz's ``make_dot`` takes. ``layers.0.neurons.3.w.1`` is ``w1`` inside
    the groups ``layers.0`` and ``layers.0.neurons.3``; a weight alone in its
    module is just ``w``.

    >>> from autograd import Value
    >>> w0, w1, b = Value(1.0), Value(2.0), Value(0.0)
    >>> names = parameter_names([("layer.w.0", w0), ("layer.w.1", w1), ("layer.b", b)])
    >>> [names[param].short for param in (w0, w1, b)], names[w1].groups
    (['w0', 'w1', 'b'], ('layer',))
    """
    pairs = _named_pairs(params)
    split = []
    for name, param in pairs:
        parts = name.split(".")
        # the parameter's own part starts at its last non-numeric part: "w.1" of "...3.w.1"
        start = len(parts) - 1
        while start > 0 and parts[start].isdigit():
            start -= 1
        groups = _groups(parts[:start])
        split.append((param, name, parts[start:], groups))
    # a weight alone in its module is "w", not "w0"
    stems: dict[tuple[tuple[str, ...], str], int] = {}
    for *_, own, groups in split:
        key = (groups, own[0])
        stems[key] = stems.get(key, 0) + 1
    result = {}
    for param, name, own, groups in split:
        if stems[(groups, own[0])] == 1:
            own = own[:1]
        result[param] = ParameterName("".join(own), name, groups)
    return result


def _named_pairs(params: Any) -> list[tuple[str, Value]]:
    where = "params="
    if hasattr(params, "named_parameters"):
        items: Iterable[Any] = params.named_parameters()
        where = f"params={type(params).__name__}.named_parameters()"
    elif isinstance(params, Mapping):
        items = params.items()
    elif isinstance(params, str | bytes) or not isinstance(params, Iterable):
        raise TypeError(
            "params must be a Module (anything with named_parameters()), a dict of names to "
            f"Values, or (name, Value) pairs, got {type(params).__name__}"
        )
    else:
        items = params
    pairs = []
    for index, item in enumerate(items):
        if (
            not isinstance(item, tuple)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not isinstance(item[1], Value)
        ):
            shown = repr(item)
            if len(shown) > 60:
                shown = shown[:57] + "..."
            raise TypeError(f"{where}: item {index} is not a (name, Value) pair: {shown}")
        pairs.append((item[0], item[1]))
    return pairs


def _groups(parts: list[str]) -> tuple[str, ...]:
    """``["layers", "0", "neurons", "3"]`` as ``("layers.0", "layers.0.neurons.3")``."""
    groups = []
    end = 0
    while end < len(parts):
        end += 1
        while end < len(parts) and parts[end].isdigit():
            end += 1
        groups.append(".".join(parts[:end]))
    return tuple(groups)


def _name(
    node: Value,
    named: Mapping[Value, _Name],
    short_names: Mapping[Value, str],
    max_length: int,
    ellipsis: str,
) -> _Name:
    if node in short_names:
        return _atom(short_names[node])
    if isinstance(node.label, str) and node.label:
        return _atom(node.label)
    if type(node) is Constant:
        text = format_number(node.data)
        return _Name(text, _UNARY if text.startswith("-") else _ATOM, text)
    if node.is_leaf:
        text = f"Value({format_number(node.data)})"
        return _Name(text, _ATOM, text)
    operands = [named[input_node] for input_node in node.inputs]
    hidden = _Name(ellipsis, _ATOM, ellipsis)
    outer_operands = [
        operand if operand.binding == _ATOM and len(operand.text) <= 8 else hidden
        for operand in operands
    ]
    outer, binding = _combine(node.op, outer_operands)
    text, binding = _combine(node.op, operands)
    if len(text) <= max_length:
        return _Name(text, binding, outer)
    # too long: each operand whole or as its outer form ("… + b"), and of the forms that
    # fit, the one that shows the most names and numbers (then the shortest)
    choices = [[operand, _outer_form(operand, ellipsis)] for operand in operands]
    best = None
    for pick in itertools.product(*choices):
        text, binding = _combine(node.op, list(pick))
        if len(text) > max_length:
            continue
        score = (sum(char.isalnum() for char in text), -len(text))
        if best is None or score > best[0]:
            best = (score, text, binding)
    if best is not None:
        return _Name(best[1], best[2], outer)
    if len(outer) <= max_length:
        return _Name(outer, binding, outer)
    hidden_all, binding = _combine(node.op, [hidden] * len(operands))
    return _Name(hidden_all, binding, hidden_all)


def _outer_form(operand: _Name, ellipsis: str) -> _Name:
    return _Name(operand.outer, _ATOM if operand.outer == ellipsis else operand.binding, "")


def _combine(op: str, operands: list[_Name]) -> tuple[str, int]:
    """The text of ``op`` applied to operands already named, and how tightly it binds."""
    if op in _BINARY:
        separator, binding = _BINARY[op]
        left, right = operands
        # left-associative: a - b - c needs no parentheses, a - (b - c) does
        return _wrap(left, binding) + separator + _wrap(right, binding + 1, sign=True), binding
    if op == "**":
        base, exponent = operands
        return _wrap(base, _POWER + 1) + "**" + _wrap(exponent, _POWER, sign=True), _POWER
    if op == "neg":
        return "-" + _wrap(operands[0], _UNARY), _UNARY
    inside = ", ".join(operand.text for operand in operands)
    # an op's name as the drawing shows it, cut (a hostile op may be a million characters)
    shown = display_text(op, MAX_NAME_LENGTH) if isinstance(op, str) else "op"
    return f"{shown}({inside})", _ATOM


def _wrap(operand: _Name, binding: int, *, sign: bool = False) -> str:
    # sign: a right operand that starts with a minus reads better in parentheses (b - (-1))
    if operand.binding >= binding and not (sign and operand.text.startswith("-")):
        return operand.text
    return f"({operand.text})"


def _atom(label: str) -> _Name:
    label = display_text(label)  # cut and escaped as the drawing shows it
    # a label that reads as one word binds as an atom; "w*x + b" (the command line's) does not
    simple = label.replace("_", "").replace(".", "").replace("[", "").replace("]", "")
    binding = _ATOM if simple.isalnum() or not simple else 0
    return _Name(label, binding, label)
