"""grad, create_graph, hessian, hvp, jvp and constants, as a hostile or unlucky user meets them.

A regression test for each bug found, and checks of what held (deep graphs,
diamonds to third order against sympy, NaN and inf) so it stays so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from autograd import (
    Constant,
    Value,
    detect_anomaly,
    grad,
    hessian,
    hvp,
    jvp,
    no_grad,
)

DEEP = 100_000


# ---- no_grad: create_graph still builds a graph, as in PyTorch ----


def test_backward_create_graph_under_no_grad_keeps_the_graph() -> None:
    # was: .grad became a leaf (0.0 + gradient was not recorded under no_grad)
    x = Value(2.0, label="x")
    y = x * x * x
    with no_grad():
        y.backward(create_graph=True)
    assert x.grad.data == 12.0
    assert grad(x.grad, [x]) == (12.0,)  # torch: a.grad.grad_fn is set, d/dx 3x² = 6x


def test_grad_of_several_outputs_under_no_grad_keeps_the_graph() -> None:
    x = Value(2.0, label="x")
    outputs = [x * x, x * x * x]
    with no_grad():
        (first,) = grad(outputs, [x], create_graph=True)
    assert first.data == 4.0 + 12.0
    assert grad(first, [x]) == (2.0 + 12.0,)


def test_hessian_and_hvp_under_no_grad() -> None:
    # was: hvp returned zeros (its dot product with v was not recorded)
    f = lambda x, y: x * x * y + y**3  # noqa: E731
    expected = hessian(f, [1.0, 2.0])
    with no_grad():
        assert hessian(f, [1.0, 2.0]) == expected == [[4.0, 2.0], [2.0, 12.0]]
        assert hvp(f, [1.0, 2.0], [1.0, 1.0]) == (10.0, [6.0, 14.0])


def test_detect_anomaly_stops_at_a_nan_gradient_with_create_graph_too() -> None:
    x = Value(1000.0, label="x")
    y = x.exp().log()  # forward inf, then inf; the gradient 0 * inf is NaN
    with detect_anomaly(), pytest.raises(FloatingPointError):
        grad(y, [x])
    with detect_anomaly(), pytest.raises(FloatingPointError, match="NaN"):
        grad(y, [x], create_graph=True)


def test_sgd_steps_by_the_number_after_backward_create_graph() -> None:
    # was: param.data became a Value (data - lr * grad with grad a Value), corrupting the model
    from nn import SGD

    w = Value(2.0, label="w")
    loss = w * w * w
    loss.backward(create_graph=True)
    assert isinstance(w.grad, Value)
    SGD([w], lr=0.01).step()
    assert type(w.data) is float
    assert w.data == 2.0 - 0.01 * 12.0


# ---- local derivatives are taken at forward time ----


def test_create_graph_refuses_a_graph_whose_data_changed_after_the_forward_pass() -> None:
    # was: a silent mix of old and new data: 5 * (2 * 5) + 4 = 54, neither 12 nor 75
    x = Value(2.0, label="x")
    y = x * x * x
    x.data = 5.0
    assert grad(y, [x]) == (12.0,)  # first order: the forward-time local derivatives
    with pytest.raises(
        ValueError,
        match=r"now give 5\.0 \(4\.0, x=5\.0\): .data was changed after the forward pass",
    ):
        grad(y, [x], create_graph=True)
    with pytest.raises(ValueError, match="changed after the forward pass"):
        y.backward(create_graph=True)


def test_rounding_is_not_taken_for_a_change_of_data() -> None:
    # tanh records 1 - r*r, its formula builds 1 - r**2: r**2.0 is one ulp off r*r here,
    # 1e-10 relative to 1 - r*r (a first version of the check raised "changed" for it)
    x = Value(7.566161739440693, label="x")
    r = math.tanh(x.data)
    assert r**2.0 != r * r
    (dx,) = grad(x.tanh(), [x], create_graph=True)
    assert dx.data == pytest.approx(1 - r * r, rel=1e-9)
    assert grad(dx, [x]) == (pytest.approx(-2 * r * (1 - r * r), rel=1e-9),)


def test_a_data_change_out_of_an_ops_domain_is_named_as_a_change() -> None:
    x = Value(2.0, label="x")
    y = x.sqrt()
    y.data = 0.0  # 0.5 / out would now divide by zero: the data changed, not an infinite slope
    with pytest.raises(ValueError, match="changed after the forward pass"):
        grad(y, [x], create_graph=True)
    z = Value(2.0, label="z")
    p = z ** Value(3.0)
    z.data = -1.0  # log(a) of the exponent's derivative
    with pytest.raises(ValueError, match="changed after the forward pass"):
        grad(p, [z], create_graph=True)


def test_a_data_change_that_no_derivative_reads_is_harmless() -> None:
    x = Value(2.0, label="x")
    y = x + 3.0  # d/dx is 1 whatever x is
    x.data = 7.0
    (dx,) = grad(y, [x], create_graph=True)
    assert dx.data == 1.0


# ---- infinite local derivatives: a clear error, not a division the user never wrote ----


@pytest.mark.parametrize("op", [lambda x: x.sqrt(), lambda x: x**0.5, lambda x: x ** (1 / 3)])
def test_an_infinite_local_derivative_cannot_be_built_as_a_graph(op) -> None:
    x = Value(0.0, label="x")
    y = op(x)
    assert grad(y, [x]) == (math.inf,)  # first order: inf, as PyTorch
    with pytest.raises(
        ZeroDivisionError, match=r"create_graph.*op '(sqrt|\*\*)'.*x=0\.0.*infinite"
    ):
        grad(y, [x], create_graph=True)
    with pytest.raises(ZeroDivisionError, match="infinite"):
        hessian(lambda x: op(x) + x, [0.0])


# ---- Value subclasses are Values: differentiated, not constants ----


class Parameter(Value):
    __slots__ = ()


@pytest.mark.parametrize(
    "f, expected",
    [
        (lambda x, p: x * p, 2.0),
        (lambda x, p: x + p, 1.0),
        (lambda x, p: x - p, -1.0),
        (lambda x, p: x / p, -2.0 / 9.0),
        (lambda x, p: x**p, 8.0 * math.log(2.0)),
        (lambda x, p: 2.0**p, 8.0 * math.log(2.0)),
        (lambda x, p: Constant(2.0) * p, 2.0),
        (lambda x, p: Constant(2.0) ** p, 8.0 * math.log(2.0)),
        (lambda x, p: p * p, 6.0),
    ],
)
def test_a_value_subclass_operand_is_differentiated(f, expected: float) -> None:
    # was: any operand whose type was not exactly Value was taken for a constant: gradient 0
    x, p = Value(2.0, label="x"), Parameter(3.0, label="p")
    (dp,) = grad(f(x, p), [p])
    assert dp == pytest.approx(expected, rel=1e-15)
    y = f(x, p)
    y.backward()
    assert p.grad == pytest.approx(expected, rel=1e-15)


# ---- jvp ----


def test_jvp_with_many_outputs_on_a_shared_trunk_is_one_sweep(monkeypatch) -> None:
    # was: one topological walk of the whole trunk per output (300 outputs: ~12 s)
    import autograd.graph
    import autograd.higher

    walks = []

    def counted(roots):
        order = autograd.graph.inputs_first(roots)
        walks.append(len(order))
        return order

    monkeypatch.setattr(autograd.higher, "inputs_first", counted)

    def f(x):
        trunk = x
        for _ in range(20_000):
            trunk = trunk * 1.0000001
        return [trunk + float(i) for i in range(300)]

    _, tangents = jvp(f, [0.3], [1.0])
    assert len(tangents) == 300
    assert tangents[0] == tangents[-1] == pytest.approx(1.0000001**20_000, rel=1e-12)
    # one walk, each node once: x, the trunk and its constants, 300 outputs and theirs
    assert walks == [1 + 2 * 20_000 + 2 * 300]


def test_jvp_errors_name_jvp() -> None:
    with pytest.raises(TypeError, match=r"^jvp: f's result must be a Value"):
        jvp(lambda x: 3.0, [0.3], [1.0])


# ---- what held: deep graphs, diamonds against sympy, leaves, constants, repeated inputs ----


def test_a_100000_deep_chain_to_second_order_without_recursion() -> None:
    x = Value(0.3, label="x")
    y = x
    for _ in range(DEEP):
        y = y * 1.0000001
    y = y.tanh()
    scale = 1.0000001**DEEP
    (dx,) = grad(y, [x], create_graph=True)
    (dxx,) = grad(dx, [x])
    u = math.tanh(0.3 * scale)
    assert dx.data == pytest.approx(scale * (1 - u * u), rel=1e-9)
    assert dxx == pytest.approx(-2 * u * (1 - u * u) * scale**2, rel=1e-9)
    value, tangent = jvp(lambda x: x * 2.0, [0.3], [1.0])
    assert (value, tangent) == (0.6, 2.0)


def test_diamonds_and_reused_nodes_to_third_order_match_sympy() -> None:
    def f(ns_exp, ns_log, x, y):
        shared = x * y + x  # used by three consumers
        diamond = ns_exp(shared) * shared - shared / (y * y + 1.0)
        return diamond * ns_log(shared * shared + 1.0) + diamond * diamond * x

    symbols = sympy.symbols("x y", real=True)
    exact = f(sympy.exp, sympy.log, *symbols)
    point = {symbols[0]: 0.3, symbols[1]: -0.7}
    x, y = Value(0.3, label="x"), Value(-0.7, label="y")
    output = f(Value.exp, Value.log, x, y)
    for wrt in ((0, 0, 0), (0, 1, 0), (1, 1, 1), (1, 0, 1)):
        current = output
        expected = exact
        for order, index in enumerate(wrt):
            (current,) = grad(current, [(x, y)[index]], create_graph=order < 2)
            expected = sympy.diff(expected, symbols[index])
        assert current == pytest.approx(float(expected.evalf(30, subs=point)), rel=1e-10)


def test_outputs_that_are_leaves_or_constants() -> None:
    x = Value(2.0, label="x")
    (dx,) = grad(x, [x], create_graph=True)
    assert dx.data == 1.0 and isinstance(dx, Value)
    v = Value(3.0, label="v")
    (weighted,) = grad(x, [x], grad_outputs=v, create_graph=True)
    assert grad(weighted, [v]) == (1.0,)
    assert grad(Constant(2.0), [x], allow_unused=True) == (None,)
    with pytest.raises(ValueError, match="not used"):
        grad(Constant(2.0), [x])


def test_a_constant_input_is_named_as_a_constant_not_as_unused() -> None:
    # was: "input 0 (Value 2.0) is not used to compute the outputs", though it is used
    x, c = Value(3.0, label="x"), Constant(2.0)
    with pytest.raises(ValueError, match=r"input 1 \(Constant 2\.0\) is a Constant"):
        grad(x * c, [x, c])
    assert grad(x * c, [x, c], allow_unused=True) == (2.0, None)


def test_repeated_inputs_each_get_the_gradient() -> None:
    x = Value(2.0, label="x")
    assert grad(x * x, [x, x]) == (4.0, 4.0)
    first = grad(x * x * x, [x, x], create_graph=True)
    assert [grad(g, [x])[0] for g in first] == [12.0, 12.0]


def test_constants_of_every_kind_are_not_differentiated() -> None:
    x = Value(3.0, label="x")
    for y in (
        np.float64(2.0) ** x,
        x ** np.float64(2.0),
        np.float64(2.0) * x,
        x * np.int64(2),
        sum([x, x]),  # starts from the int 0
        Constant(2.0) * Constant(3.0) * x,
    ):
        (dx,) = grad(y, [x], create_graph=True)
        assert grad(y, [x]) == (dx.data,)
        assert all(not isinstance(node, Constant) or node.grad == 0.0 for node in y.inputs)
    with pytest.raises(ValueError, match="must be > 0 when the exponent is a Value"):
        Constant(-2.0) ** x
    with pytest.raises(ValueError, match="must be > 0 when the exponent is a Value"):
        np.float64(-2.0) ** x


def test_nan_and_inf_flow_through_like_first_order() -> None:
    for point in ([math.nan, 2.0], [math.inf, 2.0], [1.0, -math.inf]):
        x, y = Value(point[0]), Value(point[1])
        output = (x * y).tanh() + x * y
        first = grad(output, [x, y])
        built = grad(output, [x, y], create_graph=True)
        for plain, graph in zip(first, built, strict=True):
            assert plain == graph.data or (math.isnan(plain) and math.isnan(graph.data))
