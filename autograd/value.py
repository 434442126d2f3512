"""The Value node: a scalar that records the operation that produced it."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import TYPE_CHECKING, Union

from autograd.modes import _Modes

if TYPE_CHECKING:
    from autograd.backprop import BackwardStep

Number = int | float | bool | numbers.Real
Operand = Union["Value", Number]

_INF = math.inf
_new_node = object.__new__


class Value:
    """A scalar in a computation graph, with the gradient backward() gives it.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (3.0, -3.0, -4.0)
    """

    # Inputs and their local derivatives live in fixed slots rather than tuples:
    # every op has one or two inputs, and one object per node is a third of the
    # work for Python's cyclic garbage collector (see docs/performance.md).
    __slots__ = (
        "data",
        "grad",
        "label",
        "op",
        "_input_a",  # first operand, None for a leaf
        "_local_a",  # d self / d input_a, taken at forward time
        "_input_b",  # second operand, None for a leaf or a one-input op
        "_local_b",  # d self / d input_b
        "_upstream",  # this backward pass's d root / d self; 0.0 between passes
    )

    # NumPy scalars and arrays defer to our reflected operators instead of
    # wrapping a Value in a 0-d object array.
    __array_ufunc__ = None

    data: float
    grad: float
    label: str
    op: str

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__} {label!r}")
        self.data = _to_float(data, "Value()")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._input_a = None
        self._input_b = None
        self._upstream = 0.0

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The operands the op was applied to, in operand order (``()`` for a leaf)."""
        if self._input_a is None:
            return ()
        if self._input_b is None:
            return (self._input_a,)
        return (self._input_a, self._input_b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d input for each entry of ``inputs``, taken when the op ran."""
        if self._input_a is None:
            return ()
        if self._input_b is None:
            return (self._local_a,)
        return (self._local_a, self._local_b)

    @property
    def is_leaf(self) -> bool:
        """True unless an op computed this Value (made directly, a constant, or under no_grad)."""
        return self._input_a is None

    def __repr__(self) -> str:
        parts = [f"label={self.label!r}"] if self.label else []
        parts.append(f"data={self.data!r}")
        parts.append(f"grad={self.grad!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __float__(self) -> float:
        return self.data

    # ---- operations: each computes its result and its local derivatives together ----

    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "+")
        # d(a+b)/da = 1, d(a+b)/db = 1
        return _record("+", self.data + other.data, self, 1.0, other, 1.0)

    def __radd__(self, other: Number) -> Value:
        return _operand(other, "+") + self

    def __sub__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "-")
        # d(a-b)/da = 1, d(a-b)/db = -1
        return _record("-", self.data - other.data, self, 1.0, other, -1.0)

    def __rsub__(self, other: Number) -> Value:
        return _operand(other, "-") - self

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "*")
        # d(a*b)/da = b, d(a*b)/db = a
        return _record("*", self.data * other.data, self, other.data, other, self.data)

    def __rmul__(self, other: Number) -> Value:
        return _operand(other, "*") * self

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"op '/': division by zero: divisor {_describe(other)}, dividend {_describe(self)}"
            )
        quotient = self.data / other.data
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 (written -(a/b)/b so b**2 cannot overflow)
        return _record("/", quotient, self, 1.0 / other.data, other, -quotient / other.data)

    def __rtruediv__(self, other: Number) -> Value:
        return _operand(other, "/") / self

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return _power_of_values(self, exponent)
        base = self.data
        power = _to_float(exponent, "op '**'")
        _check_power_domain(self, power)
        # d(a**b)/da = b * a**(b-1); the exponent is a constant, so no derivative for it
        return _record(
            "**", _ieee_pow(base, power), self, _power_rule(base, power), Constant(power), 0.0
        )

    def __rpow__(self, base: Number) -> Value:
        return _power_of_values(_operand(base, "**"), self)

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return _record("neg", -self.data, self, -1.0)

    def exp(self) -> Value:
        """e ** self; overflows to inf as IEEE floats do."""
        try:
            result = math.exp(self.data)
        except OverflowError:
            result = _INF
        # d(e**a)/da = e**a
        return _record("exp", result, self, result)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for a value <= 0."""
        a = self.data
        if a <= 0.0:
            raise ValueError(f"op 'log': math domain error: input {_describe(self)} must be > 0")
        # d(ln a)/da = 1/a
        return _record("log", math.log(a), self, 1.0 / a)

    def tanh(self) -> Value:
        """Hyperbolic tangent (saturates to +-1, never overflows)."""
        result = math.tanh(self.data)
        # d(tanh a)/da = 1 - tanh(a)**2
        return _record("tanh", result, self, 1.0 - result * result)

    def relu(self) -> Value:
        """max(0, self); the derivative at 0 is taken as 0, as PyTorch does."""
        a = self.data
        # d(relu a)/da = 1 if a > 0 else 0
        if a > 0.0:
            return _record("relu", a, self, 1.0)
        return _record("relu", 0.0 if a <= 0.0 else a, self, 0.0)  # NaN stays NaN

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e**-self), computed without overflow."""
        a = self.data
        if a >= 0.0:
            result = 1.0 / (1.0 + math.exp(-a))
        else:
            # for large negative a, exp(-a) would overflow: use e**a / (1 + e**a)
            exp_a = math.exp(a)
            result = exp_a / (1.0 + exp_a)
        # d(s(a))/da = s(a) * (1 - s(a))
        return _record("sigmoid", result, self, result * (1.0 - result))

    def abs(self) -> Value:
        """|self|; the derivative at 0 is taken as 0, as PyTorch does."""
        a = self.data
        # d|a|/da = sign(a)
        if a > 0.0:
            return _record("abs", a, self, 1.0)
        if a < 0.0:
            return _record("abs", -a, self, -1.0)
        return _record("abs", abs(a), self, 0.0)

    __abs__ = abs

    def sqrt(self) -> Value:
        """Square root; raises ValueError for a negative value."""
        a = self.data
        if a < 0.0:
            raise ValueError(f"op 'sqrt': math domain error: input {_describe(self)} must be >= 0")
        result = math.sqrt(a)
        # d(sqrt a)/da = 1 / (2 sqrt a), infinite at 0
        local = 0.5 / result if result != 0.0 else _INF
        return _record("sqrt", result, self, local)

    def sin(self) -> Value:
        """Sine; raises ValueError for an infinite value."""
        a = _finite_for(self, "sin")
        # d(sin a)/da = cos a
        return _record("sin", math.sin(a), self, math.cos(a))

    def cos(self) -> Value:
        """Cosine; raises ValueError for an infinite value."""
        a = _finite_for(self, "cos")
        # d(cos a)/da = -sin a
        return _record("cos", math.cos(a), self, -math.sin(a))

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Value as the SVG of its graph (no system Graphviz needed).

        A graph past the rendering limit shows as its text repr instead: a
        training loss displayed at a prompt should not print a traceback.
        """
        from autograd.render import GraphTooLargeError, to_svg

        try:
            return to_svg(self)
        except GraphTooLargeError:
            return None

    # ---- the backward pass lives in autograd.backprop; these are its entry points ----

    def backward(self, grad: Number = 1.0) -> None:
        """Add ``grad * d self / d node`` to ``node.grad`` for every node reachable from self.

        >>> from autograd import Value
        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward()
        >>> x.grad
        6.0
        """
        from autograd.backprop import backward

        backward(self, _to_float(grad, "backward(grad=...)"))

    def backward_steps(self, grad: Number = 1.0) -> Iterator[BackwardStep]:
        """The backward pass as a generator: one BackwardStep per non-leaf node.

        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> y = (x * 2.0).tanh()
        >>> [step.node.op for step in y.backward_steps()]
        ['tanh', '*']
        """
        from autograd.backprop import backward_steps

        return backward_steps(self, _to_float(grad, "backward_steps(grad=...)"))

    def zero_grad(self) -> None:
        """Set ``.grad = 0.0`` on every node reachable from self."""
        from autograd.graph import topological_order

        for node in topological_order(self):
            node.grad = 0.0


class Constant(Value):
    """A leaf made from a Python or NumPy number used as an operand (the 2 in ``2 * x``)."""

    __slots__ = ()


def _record(
    op: str,
    data: float,
    input_a: Value,
    local_a: float,
    input_b: Value | None = None,
    local_b: float = 0.0,
) -> Value:
    """Make the node for one application of ``op``; every op ends here.

    ``local_a`` is d data / d input_a (likewise for b), taken now, at forward
    time, so later changes to an input's ``.data`` cannot change the gradient.
    """
    node = _new_node(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._upstream = 0.0
    if _Modes.plain:
        node.op = op
        node._input_a = input_a
        node._local_a = local_a
        node._input_b = input_b
        node._local_b = local_b
        return node
    modes = _Modes.local.current  # some thread has a mode block open: this thread's modes decide
    if modes.anomaly and data != data:
        inputs = (input_a,) if input_b is None else (input_a, input_b)
        raise FloatingPointError(f"op {op!r} produced NaN from inputs {_describe_all(inputs)}")
    if modes.grad_enabled:
        node.op = op
        node._input_a = input_a
        node._local_a = local_a
        node._input_b = input_b
        node._local_b = local_b
    else:
        node.op = ""
        node._input_a = None
        node._input_b = None
    return node


def _operand(other: object, op: str) -> Value:
    """The Value for an operand: a Value as is, a number as a new Constant leaf."""
    if isinstance(other, Value):
        return other
    constant = _new_node(Constant)
    constant.data = _to_float(other, f"op {op!r}")
    constant.grad = 0.0
    constant.label = ""
    constant.op = ""
    constant._input_a = None
    constant._input_b = None
    constant._upstream = 0.0
    return constant


def _to_float(number: object, where: str) -> float:
    """``number`` as a Python float, or a TypeError that says what was passed where."""
    kind = type(number)
    if kind is float:
        return number  # type: ignore[return-value]
    if kind is int or kind is bool:
        try:
            return float(number)  # type: ignore[arg-type]
        except OverflowError:
            raise OverflowError(f"{where}: the int {number} is too large for a float") from None
    if isinstance(number, Value):
        raise TypeError(
            f"{where}: expected a number, got a Value ({number!r}); pass the Value as an "
            "operand, or its .data for the number"
        )
    if isinstance(number, numbers.Real):
        return float(number)
    dtype_kind = getattr(getattr(number, "dtype", None), "kind", None)
    if dtype_kind in ("b", "i", "u", "f") and getattr(number, "ndim", None) == 0:
        return float(number)  # type: ignore[arg-type]  # NumPy bool scalar or 0-d array
    shown = repr(number)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise TypeError(
        f"{where}: expected an int, float, bool or NumPy real scalar, "
        f"got {type(number).__name__} {shown}"
    )


def _describe(node: Value) -> str:
    """How an error message names an operand: its label when it has one, and its value."""
    if node.label:
        return f"{node.label}={node.data!r}"
    return repr(node.data)


def _describe_all(inputs: tuple[Value, ...]) -> str:
    return ", ".join(_describe(node) for node in inputs)


def _finite_for(node: Value, op: str) -> float:
    a = node.data
    if a in (_INF, -_INF):
        raise ValueError(f"op {op!r}: math domain error: input {_describe(node)} must be finite")
    return a


def _ieee_pow(base: float, power: float) -> float:
    """base ** power as IEEE 754 pow: overflow gives inf and 0 ** negative gives inf.

    Callers have already rejected what must raise; this only replaces Python's
    OverflowError and ZeroDivisionError with the IEEE results.
    """
    try:
        return base**power
    except (OverflowError, ZeroDivisionError):
        odd_integer = power.is_integer() and power % 2.0 == 1.0
        if base == 0.0:
            return math.copysign(_INF, base) if odd_integer else _INF
        return -_INF if base < 0.0 and odd_integer else _INF


def _power_rule(base: float, power: float) -> float:
    """d(base**power)/d base = power * base**(power-1), with 0 where power is 0."""
    if power == 0.0:
        return 0.0
    return power * _ieee_pow(base, power - 1.0)


def _check_power_domain(base_node: Value, power: float) -> None:
    base = base_node.data
    if base == 0.0 and power < 0.0:
        raise ZeroDivisionError(
            f"op '**': 0.0 cannot be raised to a negative power: "
            f"base {_describe(base_node)}, exponent {power!r}"
        )
    if base < 0.0 and math.isfinite(power) and not power.is_integer():
        raise ValueError(
            f"op '**': math domain error: negative base {_describe(base_node)} "
            f"to the fractional power {power!r}"
        )


def _power_of_values(base_node: Value, exponent_node: Value) -> Value:
    """base ** exponent where the exponent is a Value: both derivatives are taken."""
    base = base_node.data
    power = exponent_node.data
    if base <= 0.0:
        raise ValueError(
            f"op '**': math domain error: base {_describe(base_node)} must be > 0 when the "
            f"exponent is a Value ({_describe(exponent_node)}), since d/d exponent = a**b * ln a"
        )
    result = _ieee_pow(base, power)
    # d(a**b)/da = b * a**(b-1), d(a**b)/db = a**b * ln a
    return _record(
        "**", result, base_node, _power_rule(base, power), exponent_node, result * math.log(base)
    )
