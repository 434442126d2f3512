"""Gradients as values you can keep differentiating, and forward mode.

``grad`` is ``torch.autograd.grad``: it returns d output / d input and leaves
``.grad`` alone. With ``create_graph=True`` the backward pass is run on Values
instead of floats: each node's local derivative is built from the formula
declared beside the op (``autograd.value``), so the gradient is itself a
graph, and differentiating it again gives second, third, ... derivatives.

``jvp`` is forward mode: a tangent is pushed from the inputs to the output
alongside the values, one pass per direction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.backprop import accumulating, chain_rule
from autograd.graph import inputs_first, topological_order
from autograd.modes import enable_grad
from autograd.rules import value_locals
from autograd.value import Constant, Number, Value, _to_float

Gradient = Value | float


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Number | Value | Sequence[Number | Value] | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d outputs / d inputs, as ``torch.autograd.grad``; ``.grad`` fields are left alone.

    ``outputs`` is a Value or a sequence of Values; with several, the result is
    the gradient of ``sum(grad_outputs[i] * outputs[i])``. ``grad_outputs``
    defaults to 1 for each output. Returns a tuple with one entry per input:
    a float, or, with ``create_graph=True``, a Value whose graph can be
    differentiated again. An input the outputs do not depend on raises
    ValueError unless ``allow_unused=True``, which gives None for it (as
    PyTorch does).

    First order uses the local derivatives recorded at forward time.
    ``create_graph=True`` builds them again from the operands' current
    ``.data``, so it raises ValueError if ``.data`` was changed after the
    forward pass in a way that changes a local derivative (rebuild the graph).

    >>> from autograd import Value, grad
    >>> x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    >>> f = x * y + x ** 3
    >>> dx, dy = grad(f, [x, y], create_graph=True)
    >>> dx.data, dy.data               # y + 3x², x
    (6.25, 1.5)
    >>> grad(dx, [x, y])               # 6x, 1
    (9.0, 1.0)
    >>> x.grad, y.grad                 # untouched
    (0.0, 0.0)
    """
    output_list = _values(outputs, "outputs")
    input_list = _values(inputs, "inputs")
    seeds = _seeds(grad_outputs, len(output_list), create_graph)
    found: dict[Value, Gradient] = {}
    # as in PyTorch, create_graph records the gradient's graph even under no_grad
    with enable_grad():
        for output, seed in zip(output_list, seeds, strict=True):
            gradients: dict[Value, Gradient] = (
                gradient_graph(output, seed) if create_graph else _float_gradients(output, seed)  # type: ignore[arg-type]
            )
            for node, gradient in gradients.items():
                found[node] = found[node] + gradient if node in found else gradient
    results: list[Any] = []
    for index, node in enumerate(input_list):
        if node not in found:
            if type(node) is Constant and not allow_unused:
                raise ValueError(
                    f"grad: input {index} ({_name(node)}) is a Constant, which is never "
                    "differentiated; make it a Value to get its gradient"
                )
            if not allow_unused:
                raise ValueError(
                    f"grad: input {index} ({_name(node)}) is not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            results.append(None)
            continue
        gradient = found[node]
        if create_graph and not isinstance(gradient, Value):
            gradient = Value(gradient)  # a number: the gradient does not depend on any input
        results.append(gradient)
    return tuple(results)


def gradient_graph(root: Value, seed: Value | float = 1.0) -> dict[Value, Gradient]:
    """``seed * d root / d node`` for every node that is not a Constant, as Values with a graph.

    The same reverse loop as ``backward``, with Values in place of floats:
    the upstream gradient and each local derivative are Values, so their
    product, the contribution, records the chain rule as graph nodes too.
    """
    order = topological_order(root)
    upstream_of: dict[Value, Gradient] = {root: seed}
    gradients: dict[Value, Gradient] = {}
    with enable_grad():
        for node in order:
            if type(node) is Constant or node not in upstream_of:
                continue  # constants are not differentiated
            upstream = upstream_of.pop(node)
            gradients[node] = upstream
            if node.is_leaf:
                continue
            for input_node, local in zip(node.inputs, value_locals(node), strict=True):
                if local is None:
                    continue  # a Constant operand
                if _masked(upstream, local):
                    # a zero local derivative passes 0, even when inf or NaN arrives
                    upstream_of.setdefault(input_node, 0.0)
                    continue
                contribution = upstream * local  # the chain rule, recorded as a graph
                if input_node in upstream_of:
                    upstream_of[input_node] = upstream_of[input_node] + contribution
                else:
                    upstream_of[input_node] = contribution
    return gradients


def _masked(upstream: Gradient, local: Gradient) -> bool:
    """True where ``upstream * local`` is replaced by 0: local exactly 0, upstream inf or NaN.

    With a finite upstream the product is 0 anyway, and is recorded, so that the
    gradient's own derivative (d local / d input may not be 0) is kept.
    """
    local_number = local.data if isinstance(local, Value) else local
    upstream_number = upstream.data if isinstance(upstream, Value) else upstream
    return local_number == 0.0 and not math.isfinite(upstream_number)


def backward_with_graph(root: Value, seed: Value | float) -> None:
    """``backward(create_graph=True)``: add the gradient Values into each node's ``.grad``."""
    gradients = gradient_graph(root, seed)
    with enable_grad(), accumulating:  # recorded even under no_grad, as in PyTorch
        for node, gradient in gradients.items():
            node.grad = node.grad + gradient  # type: ignore[assignment]  # a Value from now on


def _float_gradients(root: Value, seed: float) -> dict[Value, float]:
    """``seed * d root / d node`` for every node but the Constants, from the recorded locals."""
    return {
        node: upstream for node, upstream, _ in chain_rule(root, seed) if type(node) is not Constant
    }


def hessian(f: Callable[..., Value], point: Sequence[Number]) -> list[list[float]]:
    """The matrix of second derivatives of ``f`` at ``point``: ``H[i][j] = d²f / dx_i dx_j``.

    ``f`` takes one Value per coordinate and returns a Value. One backward pass
    builds the gradient as a graph; one more per coordinate differentiates it.

    >>> from autograd import hessian
    >>> hessian(lambda x, y: x * x * y + y ** 3, [1.0, 2.0])
    [[4.0, 2.0], [2.0, 12.0]]
    """
    inputs, output = _call(f, point, "hessian")
    first = grad(output, inputs, create_graph=True, allow_unused=True)
    matrix = []
    for derivative in first:
        if derivative is None or not _depends_on_inputs(derivative):
            matrix.append([0.0] * len(inputs))
            continue
        row = grad(derivative, inputs, allow_unused=True)
        matrix.append([0.0 if entry is None else entry for entry in row])
    return matrix


def hvp(
    f: Callable[..., Value], point: Sequence[Number], v: Sequence[Number]
) -> tuple[float, list[float]]:
    """``(f(point), H v)``: the Hessian times a vector without forming the Hessian.

    As ``torch.autograd.functional.hvp``: the gradient is built as a graph, its
    dot product with ``v`` is differentiated once more, so the cost is two
    backward passes whatever the number of inputs.

    >>> from autograd import hvp
    >>> hvp(lambda x, y: x * x * y + y ** 3, [1.0, 2.0], [1.0, 0.0])
    (10.0, [4.0, 2.0])
    """
    inputs, output = _call(f, point, "hvp")
    direction = _floats(v, "hvp: v")
    if len(direction) != len(inputs):
        raise ValueError(f"hvp: v has {len(direction)} entries, point has {len(inputs)}")
    first = grad(output, inputs, create_graph=True, allow_unused=True)
    with enable_grad():  # the dot product with v is differentiated: record it even under no_grad
        terms = [g * d for g, d in zip(first, direction, strict=True) if isinstance(g, Value)]
        if not terms or not any(_depends_on_inputs(term) for term in terms):
            return output.data, [0.0] * len(inputs)
        directional = terms[0]
        for term in terms[1:]:
            directional = directional + term
    product = grad(directional, inputs, allow_unused=True)
    return output.data, [0.0 if entry is None else entry for entry in product]


def jvp(
    f: Callable[..., Value | Sequence[Value]],
    primals: Sequence[Number],
    tangents: Sequence[Number],
) -> tuple[Any, Any]:
    """Forward mode: ``(f(primals), J @ tangents)``, as ``torch.func.jvp``.

    Each Value is paired with a tangent, d value / d t along the direction
    ``tangents``: the pair is a dual number. Inputs carry the given tangents;
    every op's tangent is ``sum(local derivative * input tangent)``, computed
    inputs first, in the same forward sweep for any number of outputs. One
    pass per direction, however many outputs: forward mode is the cheap one
    when a function has few inputs and many outputs (reverse mode, the other
    way round). ``f`` may return a Value or a sequence of Values.

    >>> from autograd import jvp
    >>> jvp(lambda x, y: x * y + y, [3.0, 2.0], [1.0, 0.0])   # d/dx of x*y + y
    (8.0, 2.0)
    """
    point = _floats(primals, "jvp: primals")
    direction = _floats(tangents, "jvp: tangents")
    if len(direction) != len(point):
        raise ValueError(
            f"jvp: tangents has {len(direction)} entries, primals has {len(point)}: "
            "give one tangent per primal"
        )
    inputs = [Value(x, label=f"x{index}") for index, x in enumerate(point)]
    with enable_grad():
        result = f(*inputs)
    outputs = [result] if isinstance(result, Value) else _values(result, "f's result", "jvp")
    tangent_of: dict[Value, float] = dict(zip(inputs, direction, strict=True))
    # one sweep over the graph of every output: outputs often share most of it
    for node in inputs_first(outputs):
        if node in tangent_of or node.is_leaf:
            continue
        tangent = 0.0
        for input_node, local in zip(node.inputs, node.local_grads, strict=True):
            tangent += local * tangent_of.get(input_node, 0.0)  # the chain rule, forward
        tangent_of[node] = tangent
    values = [output.data for output in outputs]
    output_tangents = [tangent_of.get(output, 0.0) for output in outputs]
    if isinstance(result, Value):
        return values[0], output_tangents[0]
    return values, output_tangents


def _call(
    f: Callable[..., Value], point: Sequence[Number], where: str
) -> tuple[list[Value], Value]:
    if not callable(f):
        raise TypeError(f"{where}: f must be callable, got {type(f).__name__}")
    coordinates = _floats(point, f"{where}: point")
    inputs = [Value(x, label=f"x{index}") for index, x in enumerate(coordinates)]
    with enable_grad():
        output = f(*inputs)
    if not isinstance(output, Value):
        raise TypeError(f"{where}: f must return a Value, got {type(output).__name__}")
    return inputs, output


def _floats(numbers: Sequence[Number], where: str) -> list[float]:
    if isinstance(numbers, (str, bytes)) or not isinstance(numbers, Sequence):
        raise TypeError(f"{where} must be a sequence of numbers, got {type(numbers).__name__}")
    return [_to_float(number, f"{where}[{index}]") for index, number in enumerate(numbers)]


def _values(items: object, where: str, caller: str = "grad") -> list[Value]:
    if isinstance(items, Value):
        return [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(
            f"{caller}: {where} must be a Value or a sequence of Values, got {items!r:.60}"
        )
    for index, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(
                f"{caller}: {where}[{index}] must be a Value, got {type(item).__name__}"
            )
    return list(items)


def _seeds(grad_outputs: object, count: int, create_graph: bool) -> list[Value | float]:
    if grad_outputs is None:
        return [1.0] * count
    single = count == 1 and not isinstance(grad_outputs, Sequence)
    items = [grad_outputs] if single else grad_outputs
    if not isinstance(items, Sequence) or len(items) != count:
        raise ValueError(f"grad: grad_outputs must give one gradient per output ({count})")
    seeds: list[Value | float] = []
    for index, item in enumerate(items):
        if isinstance(item, Value):
            seeds.append(item if create_graph else item.data)
        else:
            seeds.append(_to_float(item, f"grad: grad_outputs[{index}]"))
    return seeds


def _depends_on_inputs(node: Value) -> bool:
    return not node.is_leaf


def _name(node: Value) -> str:
    return f"{node.label}={node.data!r}" if node.label else f"{type(node).__name__} {node.data!r}"
