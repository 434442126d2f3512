"""Every op in the API table: its recorded node, its local derivatives, its domain."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from autograd import Constant, Value, gradcheck

# op name, how to apply it, its sympy form, points inside its domain
UNARY = [
    ("neg", lambda a: -a, lambda a: -a, [-1.5, 0.3, 2.0]),
    ("exp", lambda a: a.exp(), sympy.exp, [-1.5, 0.3, 2.0]),
    ("log", lambda a: a.log(), sympy.log, [0.2, 1.0, 3.5]),
    ("log1p", lambda a: a.log1p(), lambda a: sympy.log(1 + a), [-0.9, 1e-17, 3.5]),
    ("tanh", lambda a: a.tanh(), sympy.tanh, [-1.5, 0.3, 2.0]),
    ("relu", lambda a: a.relu(), lambda a: sympy.Piecewise((a, a > 0), (0, True)), [-1.5, 2.0]),
    ("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + sympy.exp(-a)), [-1.5, 0.3, 2.0]),
    ("abs", lambda a: a.abs(), sympy.Abs, [-1.5, 0.3, 2.0]),
    ("sqrt", lambda a: a.sqrt(), sympy.sqrt, [0.2, 1.0, 3.5]),
    ("sin", lambda a: a.sin(), sympy.sin, [-1.5, 0.3, 2.0]),
    ("cos", lambda a: a.cos(), sympy.cos, [-1.5, 0.3, 2.0]),
]

BINARY = [
    ("+", lambda a, b: a + b, [(0.5, -2.0), (3.0, 1.25)]),
    ("-", lambda a, b: a - b, [(0.5, -2.0), (3.0, 1.25)]),
    ("*", lambda a, b: a * b, [(0.5, -2.0), (3.0, 1.25)]),
    ("/", lambda a, b: a / b, [(0.5, -2.0), (3.0, 1.25)]),
    ("**", lambda a, b: a**b, [(0.5, -2.0), (3.0, 1.25)]),
]

X, Y = sympy.symbols("x y", real=True)


@pytest.mark.parametrize(("op", "apply", "exact", "domain"), UNARY, ids=[row[0] for row in UNARY])
def test_unary_op_records_value_and_local_derivative(op, apply, exact, domain) -> None:
    for point in domain:
        a = Value(point, label="a")
        result = apply(a)
        assert result.op == op
        assert result.inputs == (a,)
        assert result.inputs[0] is a
        assert not result.is_leaf
        expected_value = float(exact(X).subs(X, point))
        expected_local = float(sympy.diff(exact(X), X).subs(X, point))
        assert result.data == pytest.approx(expected_value, rel=1e-14, abs=1e-15)
        assert result.local_grads == pytest.approx((expected_local,), rel=1e-14, abs=1e-15)


@pytest.mark.parametrize(("op", "apply", "domain"), BINARY, ids=[row[0] for row in BINARY])
def test_binary_op_records_value_and_local_derivatives(op, apply, domain) -> None:
    for x, y in domain:
        a, b = Value(x), Value(y)
        result = apply(a, b)
        assert result.op == op
        assert result.inputs == (a, b)
        exact = apply(X, Y)
        at = {X: x, Y: y}
        assert result.data == pytest.approx(float(exact.subs(at)), rel=1e-14)
        expected = (float(sympy.diff(exact, X).subs(at)), float(sympy.diff(exact, Y).subs(at)))
        assert result.local_grads == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(("op", "apply", "exact", "domain"), UNARY, ids=[row[0] for row in UNARY])
def test_unary_op_passes_gradcheck(op, apply, exact, domain) -> None:
    for point in domain:
        assert gradcheck(apply, [point])


@pytest.mark.parametrize(("op", "apply", "domain"), BINARY, ids=[row[0] for row in BINARY])
def test_binary_op_passes_gradcheck(op, apply, domain) -> None:
    for point in domain:
        assert gradcheck(apply, list(point))


@pytest.mark.parametrize(
    ("expression", "expected_data", "expected_grad"),
    [
        (lambda x: 2 + x, 5.0, 1.0),
        (lambda x: x + 2, 5.0, 1.0),
        (lambda x: 1 - x, -2.0, -1.0),
        (lambda x: x - 1, 2.0, 1.0),
        (lambda x: 2 * x, 6.0, 2.0),
        (lambda x: x * 2, 6.0, 2.0),
        (lambda x: 3 / x, 1.0, -1 / 3),
        (lambda x: x / 2, 1.5, 0.5),
        (lambda x: 2**x, 8.0, 8.0 * math.log(2)),
        (lambda x: x**2, 9.0, 6.0),
        (lambda x: x**0.5, math.sqrt(3), 0.5 / math.sqrt(3)),
        (lambda x: np.float64(2.0) * x, 6.0, 2.0),
        (lambda x: x * np.float32(2.0), 6.0, 2.0),
        (lambda x: np.int64(1) - x, -2.0, -1.0),
        (lambda x: np.float64(3.0) / x, 1.0, -1 / 3),
        (lambda x: np.float64(2.0) ** x, 8.0, 8.0 * math.log(2)),
        (lambda x: x ** np.int32(2), 9.0, 6.0),
        (lambda x: True + x, 4.0, 1.0),
    ],
)
def test_numbers_on_either_side_become_constant_leaves(
    expression, expected_data, expected_grad
) -> None:
    x = Value(3.0, label="x")
    result = expression(x)
    assert type(result) is Value
    assert result.data == pytest.approx(expected_data, rel=1e-15)
    constants = [node for node in result.inputs if node is not x]
    assert len(constants) == 1
    assert isinstance(constants[0], Constant)
    assert constants[0].is_leaf
    assert type(constants[0].data) is float
    result.backward()
    assert x.grad == pytest.approx(expected_grad, rel=1e-15)


@pytest.mark.parametrize(
    "expression",
    [
        lambda x: 2 * x,
        lambda x: x * 2,
        lambda x: x + 2,
        lambda x: 2 + x,
        lambda x: x - 2,
        lambda x: 2 - x,
        lambda x: x / 2,
        lambda x: 2 / x,
        lambda x: x**2,
        lambda x: 2**x,
        lambda x: Constant(2.0) * x,
        lambda x: x * Constant(2.0),
        lambda x: Constant(2.0) ** x,
        lambda x: x ** Constant(2.0),
        lambda x: Constant(2.0) - x,
        lambda x: Constant(2.0) / x,
    ],
)
def test_constants_are_not_differentiated_on_any_op(expression) -> None:
    # one rule for every op (issue 8): a number operand is recorded with local 0.0
    # and gets no gradient; earlier, x ** 2 recorded 0 but 2 ** x and x * 4 did not
    x = Value(3.0, label="x")
    result = expression(x)
    result.backward()
    for node, local in zip(result.inputs, result.local_grads, strict=True):
        if type(node) is Constant:
            assert local == 0.0
            assert node.grad == 0.0
    assert x.grad != 0.0


def test_unary_ops_on_a_constant_record_local_zero() -> None:
    constant = Constant(0.5)
    for result in (constant.exp(), constant.tanh(), -constant, abs(constant)):
        assert result.inputs == (constant,)
        assert result.local_grads == (0.0,)
    square = constant**2
    assert square.inputs[0] is constant
    assert square.local_grads == (0.0, 0.0)


def test_numpy_object_arrays_of_values_work_with_dot_and_sum() -> None:
    a = [Value(1.0), Value(2.0), Value(3.0)]
    b = [Value(4.0), Value(5.0), Value(6.0)]
    dot = np.dot(np.array(a, dtype=object), np.array(b, dtype=object))
    assert type(dot) is Value
    assert dot.data == 32.0
    dot.backward()
    assert [node.grad for node in a] == [4.0, 5.0, 6.0]
    assert [node.grad for node in b] == [1.0, 2.0, 3.0]
    total = sum(np.array(a, dtype=object))
    assert type(total) is Value
    assert total.data == 6.0
    numpy_total = np.sum(np.array(b, dtype=object))
    assert type(numpy_total) is Value
    assert numpy_total.data == 15.0


def test_numpy_array_times_value_broadcasts_elementwise() -> None:
    x = Value(2.0)
    scaled = np.array([1.0, 2.0, 3.0]) * np.array([x, x, x], dtype=object)
    assert [node.data for node in scaled] == [2.0, 4.0, 6.0]


class TestDomainErrors:
    def test_log_of_zero_or_negative_names_op_value_and_label(self) -> None:
        for bad in (0.0, -2.5):
            with pytest.raises(ValueError, match=rf"op 'log'.*w={bad!r}.*must be > 0"):
                Value(bad, label="w").log()

    def test_log_of_unlabelled_value_names_the_value(self) -> None:
        with pytest.raises(ValueError, match=r"op 'log': math domain error: input -1\.0"):
            Value(-1.0).log()

    def test_division_by_zero_names_divisor_and_dividend(self) -> None:
        with pytest.raises(ZeroDivisionError, match=r"op '/'.*divisor d=0\.0.*dividend n=1\.0"):
            Value(1.0, label="n") / Value(0.0, label="d")
        with pytest.raises(ZeroDivisionError, match=r"op '/'.*divisor 0\.0"):
            Value(1.0) / 0
        with pytest.raises(ZeroDivisionError, match=r"op '/'.*divisor z=0\.0"):
            1 / Value(0.0, label="z")
        with pytest.raises(ZeroDivisionError, match=r"op '/'"):
            Value(0.0) / Value(-0.0)

    def test_zero_to_a_negative_power(self) -> None:
        with pytest.raises(ZeroDivisionError, match=r"op '\*\*'.*base z=0\.0.*exponent -1\.0"):
            Value(0.0, label="z") ** -1
        with pytest.raises(ZeroDivisionError, match=r"op '\*\*'"):
            Value(0.0) ** -0.5

    def test_negative_base_to_a_fractional_power(self) -> None:
        with pytest.raises(ValueError, match=r"op '\*\*'.*negative base n=-8\.0.*fractional"):
            Value(-8.0, label="n") ** (1 / 3)

    def test_negative_base_to_an_integer_power_is_fine(self) -> None:
        result = Value(-2.0) ** 3
        assert result.data == -8.0
        assert result.local_grads[0] == 12.0

    def test_value_exponent_needs_a_positive_base(self) -> None:
        for base in (0.0, -2.0):
            with pytest.raises(ValueError, match=r"op '\*\*'.*base b=.*must be > 0.*e=2\.0"):
                Value(base, label="b") ** Value(2.0, label="e")
        with pytest.raises(ValueError, match=r"op '\*\*'.*must be > 0"):
            (-2) ** Value(2.0)

    def test_sqrt_of_negative(self) -> None:
        with pytest.raises(ValueError, match=r"op 'sqrt'.*s=-1\.0.*>= 0"):
            Value(-1.0, label="s").sqrt()

    def test_sin_cos_of_infinity(self) -> None:
        for method in ("sin", "cos"):
            with pytest.raises(ValueError, match=rf"op '{method}'.*inf.*finite"):
                getattr(Value(math.inf), method)()

    def test_no_domain_error_leaves_a_silent_nan(self) -> None:
        # the other half of the rule: where Python's math raises, we raise too
        for apply in (
            lambda: Value(-1.0).log(),
            lambda: Value(-1.0).sqrt(),
            lambda: Value(-1.0) ** 0.5,
            lambda: Value(1.0) / 0.0,
        ):
            with pytest.raises((ValueError, ZeroDivisionError)):
                apply()


class TestOverflowAndStability:
    def test_exp_overflow_gives_inf(self) -> None:
        result = Value(1000.0).exp()
        assert result.data == math.inf
        assert result.local_grads == (math.inf,)

    def test_power_overflow_gives_signed_inf(self) -> None:
        assert (Value(1e200) ** 2).data == math.inf
        assert (Value(-1e200) ** 3).data == -math.inf
        assert (Value(-1e200) ** 2).data == math.inf
        assert (Value(10.0) ** Value(400.0)).data == math.inf
        assert (Value(1e200) * 1e200).data == math.inf

    def test_power_derivative_at_zero_base(self) -> None:
        assert (Value(0.0) ** 0.5).local_grads[0] == math.inf
        assert (Value(0.0) ** 0).local_grads[0] == 0.0
        assert (Value(0.0) ** 2).local_grads[0] == 0.0

    def test_sigmoid_and_tanh_are_stable_at_plus_minus_1000(self) -> None:
        assert Value(1000.0).sigmoid().data == 1.0
        assert Value(-1000.0).sigmoid().data == 0.0
        assert Value(1000.0).tanh().data == 1.0
        assert Value(-1000.0).tanh().data == -1.0
        for node in (Value(1000.0).sigmoid(), Value(-1000.0).sigmoid(), Value(-1000.0).tanh()):
            assert node.local_grads == (0.0,)

    def test_sigmoid_is_accurate_for_large_negative_inputs(self) -> None:
        assert Value(-30.0).sigmoid().data == pytest.approx(math.exp(-30.0), rel=1e-12)

    def test_nan_data_propagates_without_raising(self) -> None:
        nan = Value(math.nan)
        for result in (nan + 1, nan.log(), nan.relu(), nan.exp(), nan.sigmoid(), nan**2):
            assert math.isnan(result.data)


def test_relu_and_abs_take_zero_derivative_at_zero_as_pytorch() -> None:
    assert Value(0.0).relu().local_grads == (0.0,)
    assert Value(0.0).abs().local_grads == (0.0,)
    assert Value(-0.0).relu().data == 0.0
    assert Value(-2.0).abs().data == 2.0


def test_comparison_operators_are_not_defined() -> None:
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(TypeError):
        _ = a < b
    with pytest.raises(TypeError):
        _ = a >= 1.0


@pytest.mark.parametrize("bad", ["2", None, 1j, [1.0], (1.0,), {"x": 1}, object()])
def test_unsupported_operands_raise_type_error_naming_the_type(bad) -> None:
    x = Value(1.0)
    for apply in (
        lambda: x + bad,
        lambda: bad + x,
        lambda: x * bad,
        lambda: x - bad,
        lambda: bad / x,
        lambda: x**bad,
    ):
        with pytest.raises(TypeError, match=type(bad).__name__):
            apply()
