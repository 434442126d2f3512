"""The Value node: a scalar that records the operation that produced it."""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Iterator
from types import CodeType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, Union

from autograd.modes import _Modes

if TYPE_CHECKING:
    from autograd.backprop import BackwardStep

Number = int | float | bool | numbers.Real
Operand = Union["Value", Number]
F = TypeVar("F", bound=Callable[..., Any])

_INF = math.inf
_new_node = object.__new__

# Set while compile_graph traces a function in this thread: a truth test or a
# comparison on a Value then means the graph depends on the data.
_trace_state = threading.local()
_trace_state.active = False


class Derivative(NamedTuple):
    """An op's local derivatives as formulas, declared once beside the op's forward code.

    Each formula is a Python expression in the op's variables ``a`` and ``b``
    (its operands) and ``out`` (its result), and the functions exp, log, sin,
    cos, step and sign. The forward code computes the same numbers inline on
    floats (a call per op would cost the fast path about 6%); everything else
    evaluates these formulas: the stepper's and ``--steps``'s rule text,
    ``create_graph`` (on Values, so the derivative can be differentiated
    again) and compiled replay (on NumPy arrays). A test checks, for every op,
    that each formula gives exactly the local derivative the forward code
    records.
    """

    op: str
    formulas: tuple[str, ...]  # d out / d a, then d out / d b
    code: tuple[CodeType, ...]


DERIVATIVES: dict[str, Derivative] = {}


def derivative(op: str, *formulas: str) -> Callable[[F], F]:
    """Declare ``op``'s local derivatives (one formula per operand) on its forward method."""

    def register(method: F) -> F:
        code = tuple(compile(formula, f"<d {op}>", "eval") for formula in formulas)
        DERIVATIVES[op] = Derivative(op, formulas, code)
        return method

    return register


class Value:
    """A scalar in a computation graph, with the gradient backward() gives it.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (3.0, -3.0, -4.0)

    A Value takes attributes of your own, as micrograd's and PyTorch's do
    (optimizer state, a colour for a drawing); pickle and deepcopy carry them:

    >>> a.m = 0.9 * a.grad  # a momentum, kept on the parameter
    >>> a.m
    -2.7
    """

    # Inputs and their local derivatives live in fixed slots rather than tuples:
    # every op has one or two inputs, and one object per node is a third of the
    # work for Python's cyclic garbage collector (see docs/performance.md).
    __slots__ = (
        "data",
        "op",
        "_input_a",  # first operand, None for a leaf
        "_local_a",  # d self / d input_a, taken at forward time
        "_input_b",  # second operand, None for a leaf or a one-input op
        "_local_b",  # d self / d input_b
        # grad, a label and attributes of the user's own (p.m = 0.0, v._vis_color),
        # as on micrograd's Values and PyTorch's tensors. grad takes the one entry
        # CPython keeps free in every instance's dict (_make_grad_the_first_key below)
        # and a label is stored only when set, so an op node costs 8 bytes more than
        # it did with slots alone (docs/performance.md).
        "__dict__",
    )

    # NumPy scalars and arrays defer to our reflected operators instead of
    # wrapping a Value in a 0-d object array.
    __array_ufunc__ = None

    data: float
    grad: float
    label: str = ""  # unlabelled nodes share this class default and store nothing
    op: str

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__} {label!r}")
        self.data = _to_float(data, "Value()")
        self.grad = 0.0
        if label:
            self.label = label
        self.op = ""
        self._input_a = None
        self._input_b = None

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
        if getattr(_trace_state, "active", False):
            from autograd.compiled import number_read_while_tracing

            raise number_read_while_tracing()
        return self.data

    # Values compare by identity (so they can live in sets and dicts); == with a number
    # while tracing means the function branches on this sample's data.
    def __eq__(self, other: object) -> bool:
        if getattr(_trace_state, "active", False) and not isinstance(other, Value):
            from autograd.compiled import data_dependent_branch

            raise data_dependent_branch("a comparison (==)")
        return self is other

    def __ne__(self, other: object) -> bool:
        if getattr(_trace_state, "active", False) and not isinstance(other, Value):
            from autograd.compiled import data_dependent_branch

            raise data_dependent_branch("a comparison (!=)")
        return self is not other

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if getattr(_trace_state, "active", False):
            from autograd.compiled import data_dependent_branch

            raise data_dependent_branch("a truth test (if, while, and, or, not)")
        return True

    def _compare(self, other: object, symbol: str) -> bool:
        if getattr(_trace_state, "active", False):
            from autograd.compiled import data_dependent_branch

            raise data_dependent_branch(f"a comparison ({symbol})")
        raise TypeError(
            f"comparison {symbol} is not defined on Values (they compare by identity); "
            f"compare their .data: {self!r} {symbol} {other!r:.60}"
        )

    def __lt__(self, other: object) -> bool:
        return self._compare(other, "<")

    def __le__(self, other: object) -> bool:
        return self._compare(other, "<=")

    def __gt__(self, other: object) -> bool:
        return self._compare(other, ">")

    def __ge__(self, other: object) -> bool:
        return self._compare(other, ">=")

    # ---- operations: each computes its result and its local derivatives together ----
    # A number operand (the 2 in 2 * x) becomes a Constant leaf, which is never
    # differentiated: its local derivative is recorded as 0.0 (see Constant).
    # The fast path tests type(other) is Value; anything else is a number, a
    # Constant, or a user's subclass of Value, and only the Constant gets 0.0.

    @derivative("+", "1", "1")
    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "+")
            local = 0.0 if type(other) is Constant else 1.0
            return _record("+", self.data + other.data, self, 1.0, other, local)
        return _record("+", self.data + other.data, self, 1.0, other, 1.0)

    def __radd__(self, other: Number) -> Value:
        other = _operand(other, "+")
        return _record("+", other.data + self.data, other, 0.0, self, 1.0)

    @derivative("-", "1", "-1")
    def __sub__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "-")
            local = 0.0 if type(other) is Constant else -1.0
            return _record("-", self.data - other.data, self, 1.0, other, local)
        return _record("-", self.data - other.data, self, 1.0, other, -1.0)

    def __rsub__(self, other: Number) -> Value:
        other = _operand(other, "-")
        return _record("-", other.data - self.data, other, 0.0, self, -1.0)

    @derivative("*", "b", "a")
    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "*")
            local = 0.0 if type(other) is Constant else self.data
            return _record("*", self.data * other.data, self, other.data, other, local)
        return _record("*", self.data * other.data, self, other.data, other, self.data)

    def __rmul__(self, other: Number) -> Value:
        other = _operand(other, "*")
        return _record("*", other.data * self.data, other, 0.0, self, other.data)

    @derivative("/", "1/b", "-out/b")
    def __truediv__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "/")
        divisor_is_constant = type(other) is Constant
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"op '/': division by zero: divisor {_describe(other)}, dividend {_describe(self)}"
            )
        quotient = self.data / other.data
        # -out/b rather than -a/b**2, so that b**2 cannot overflow
        local_b = 0.0 if divisor_is_constant else -quotient / other.data
        return _record("/", quotient, self, 1.0 / other.data, other, local_b)

    def __rtruediv__(self, other: Number) -> Value:
        return _with_constant(Value.__truediv__, other, self, "/")

    @derivative("**", "b*a**(b - 1)", "out*log(a)")
    def __pow__(self, exponent: Operand) -> Value:
        if type(exponent) is Value or (
            isinstance(exponent, Value) and type(exponent) is not Constant
        ):
            return _power_of_values(self, exponent)
        return _power_of_number(self, _operand(exponent, "**"))

    def __rpow__(self, base: Number) -> Value:
        return _with_constant(Value.__pow__, base, self, "**")

    @derivative("neg", "-1")
    def __neg__(self) -> Value:
        return _record("neg", -self.data, self, -1.0)

    @derivative("exp", "out")
    def exp(self) -> Value:
        """e ** self; overflows to inf as IEEE floats do."""
        try:
            result = math.exp(self.data)
        except OverflowError:
            result = _INF
        return _record("exp", result, self, result)

    @derivative("log", "1/a")
    def log(self) -> Value:
        """Natural logarithm; raises ValueError for a value <= 0."""
        a = self.data
        if a <= 0.0:
            raise ValueError(f"op 'log': math domain error: input {_describe(self)} must be > 0")
        return _record("log", math.log(a), self, 1.0 / a)

    @derivative("log1p", "1/(1 + a)")
    def log1p(self) -> Value:
        """log(1 + self), exact for tiny self (``log(1 + 1e-17)`` would give 0); raises
        ValueError for a value <= -1."""
        a = self.data
        if a <= -1.0:
            raise ValueError(f"op 'log1p': math domain error: input {_describe(self)} must be > -1")
        return _record("log1p", math.log1p(a), self, 1.0 / (1.0 + a))

    @derivative("tanh", "1 - out**2")
    def tanh(self) -> Value:
        """Hyperbolic tangent (saturates to +-1, never overflows)."""
        result = math.tanh(self.data)
        return _record("tanh", result, self, 1.0 - result * result)

    @derivative("relu", "step(a)")
    def relu(self) -> Value:
        """max(0, self); the derivative at 0 is taken as 0 and at NaN as 1, as PyTorch does."""
        a = self.data
        if a <= 0.0:
            return _record("relu", 0.0, self, 0.0)
        return _record("relu", a, self, 1.0)  # NaN stays NaN and passes the gradient on

    @derivative("sigmoid", "out*(1 - out)")
    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e**-self), computed without overflow."""
        a = self.data
        if a >= 0.0:
            result = 1.0 / (1.0 + math.exp(-a))
        else:
            # for large negative a, exp(-a) would overflow: use e**a / (1 + e**a)
            exp_a = math.exp(a)
            result = exp_a / (1.0 + exp_a)
        return _record("sigmoid", result, self, result * (1.0 - result))

    @derivative("abs", "sign(a)")
    def abs(self) -> Value:
        """|self|; the derivative at 0 is taken as 0, as PyTorch does."""
        a = self.data
        if a > 0.0:
            return _record("abs", a, self, 1.0)
        if a < 0.0:
            return _record("abs", -a, self, -1.0)
        return _record("abs", abs(a), self, 0.0)

    __abs__ = abs

    @derivative("sqrt", "0.5/out")
    def sqrt(self) -> Value:
        """Square root; raises ValueError for a negative value."""
        a = self.data
        if a < 0.0:
            raise ValueError(f"op 'sqrt': math domain error: input {_describe(self)} must be >= 0")
        result = math.sqrt(a)
        # infinite at 0, with the sign of the zero: sqrt(-0.0) is -0.0, and 0.5 / -0.0 is -inf
        local = 0.5 / result if result != 0.0 else math.copysign(_INF, result)
        return _record("sqrt", result, self, local)

    @derivative("sin", "cos(a)")
    def sin(self) -> Value:
        """Sine; raises ValueError for an infinite value."""
        a = _finite_for(self, "sin")
        return _record("sin", math.sin(a), self, math.cos(a))

    @derivative("cos", "-sin(a)")
    def cos(self) -> Value:
        """Cosine; raises ValueError for an infinite value."""
        a = _finite_for(self, "cos")
        return _record("cos", math.cos(a), self, -math.sin(a))

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Value as the SVG of its graph (no system Graphviz needed).

        A graph past the rendering limit, or one whose layout runs past the
        time limit, shows as its text repr instead: a training loss displayed
        at a prompt should not print a traceback.
        """
        from autograd.render import GraphTooLargeError, RenderTimeoutError, to_svg

        try:
            return to_svg(self)
        except (GraphTooLargeError, RenderTimeoutError):
            return None

    # ---- the backward pass lives in autograd.backprop; these are its entry points ----

    def backward(self, grad: Number | Value = 1.0, create_graph: bool = False) -> None:
        """Add ``grad * d self / d node`` to ``node.grad`` for every node reachable from self.

        With ``create_graph=True`` the gradients added are Values with a graph
        of their own (``.grad`` becomes a Value), which can be differentiated
        again, as in PyTorch. Constants are not differentiated (see Constant).
        Gradients add up across passes, as in PyTorch, also when passes in
        several threads share parameters: one pass adds into ``.grad`` at a time.

        >>> from autograd import Value
        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward()
        >>> x.grad
        6.0
        """
        if create_graph:
            from autograd.higher import backward_with_graph

            seed = grad if isinstance(grad, Value) else _to_float(grad, "backward(grad=...)")
            backward_with_graph(self, seed)
            return
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

    # ---- pickle and copy.deepcopy walk the graph in loops (helpers at the end of this file) ----

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        return _reduce_node(self)

    def __deepcopy__(self, memo: dict[int, object]) -> Value:
        return _deepcopy_graph(self, memo)


class Constant(Value):
    """A leaf made from a Python or NumPy number used as an operand (the 2 in ``2 * x``).

    One rule for every op: a constant is not differentiated. Its local
    derivative is recorded as 0.0 and it never receives a gradient, as a
    tensor without ``requires_grad`` in PyTorch. To differentiate with respect
    to a number, make it a ``Value``.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> two_x = 2 * x
    >>> y = two_x + x ** 2
    >>> y.backward()
    >>> x.grad, two_x.local_grads, two_x.inputs[0].grad
    (8.0, (0.0, 2.0), 0.0)
    """

    __slots__ = ()

    # A Constant used as the left operand (Constant(2) * x, or the x of nn's
    # inputs in x * 2) follows the same rule: these run the Value op on
    # stand-ins, then mark the constants as not differentiated.
    def __add__(self, other: Operand) -> Value:
        return _with_constant(Value.__add__, self, other, "+")

    def __radd__(self, other: Number) -> Value:
        return _with_constant(Value.__add__, other, self, "+")

    def __sub__(self, other: Operand) -> Value:
        return _with_constant(Value.__sub__, self, other, "-")

    def __rsub__(self, other: Number) -> Value:
        return _with_constant(Value.__sub__, other, self, "-")

    def __mul__(self, other: Operand) -> Value:
        return _with_constant(Value.__mul__, self, other, "*")

    def __rmul__(self, other: Number) -> Value:
        return _with_constant(Value.__mul__, other, self, "*")

    def __truediv__(self, other: Operand) -> Value:
        return _with_constant(Value.__truediv__, self, other, "/")

    def __rtruediv__(self, other: Number) -> Value:
        return _with_constant(Value.__truediv__, other, self, "/")

    def __rpow__(self, base: Number) -> Value:
        return _with_constant(Value.__pow__, base, self, "**")

    def _unary(self, op: Callable[[Value], Value]) -> Value:
        stand_in = _stand_in(self)
        return _restore(op(stand_in), stand_in, self)

    def __pow__(self, exponent: Operand) -> Value:
        stand_in = _stand_in(self)
        return _restore(stand_in**exponent, stand_in, self)

    def __neg__(self) -> Value:
        return self._unary(Value.__neg__)

    def exp(self) -> Value:
        return self._unary(Value.exp)

    def log(self) -> Value:
        return self._unary(Value.log)

    def log1p(self) -> Value:
        return self._unary(Value.log1p)

    def tanh(self) -> Value:
        return self._unary(Value.tanh)

    def relu(self) -> Value:
        return self._unary(Value.relu)

    def sigmoid(self) -> Value:
        return self._unary(Value.sigmoid)

    def abs(self) -> Value:
        return self._unary(Value.abs)

    __abs__ = abs

    def sqrt(self) -> Value:
        return self._unary(Value.sqrt)

    def sin(self) -> Value:
        return self._unary(Value.sin)

    def cos(self) -> Value:
        return self._unary(Value.cos)


def _with_constant(
    op: Callable[[Value, Value], Value], left: object, right: object, symbol: str
) -> Value:
    """``op(left, right)`` where either side may be a number or a Constant.

    The op runs on plain Value stand-ins, so its forward code stays in one
    place; then each constant takes its stand-in's place as an input, with
    local derivative 0.0: constants are not differentiated.
    """
    left_input = _operand(left, symbol)
    right_input = _operand(right, symbol)
    left_stand_in = _stand_in(left_input)
    right_stand_in = _stand_in(right_input)
    result = op(left_stand_in, right_stand_in)
    _restore(result, left_stand_in, left_input)
    return _restore(result, right_stand_in, right_input)


def _restore(result: Value, stand_in: Value, original: Value) -> Value:
    """Put ``original`` back where ``stand_in`` is an input of ``result``, not differentiated."""
    if stand_in is not original:
        if result._input_a is stand_in:
            result._input_a = original
            result._local_a = 0.0
        if result._input_b is stand_in:
            result._input_b = original
            result._local_b = 0.0
    return result


def _stand_in(node: Value) -> Value:
    """``node`` itself unless it is a Constant, else a plain Value leaf with its data and label."""
    if type(node) is not Constant:
        return node
    stand_in = _new_node(Value)
    stand_in.data = node.data
    stand_in.grad = 0.0
    if node.label:
        stand_in.label = node.label
    stand_in.op = ""
    stand_in._input_a = None
    stand_in._input_b = None
    return stand_in


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
    constant.op = ""
    constant._input_a = None
    constant._input_b = None
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
    OverflowError and ZeroDivisionError with the IEEE results. A square is
    base * base: C's pow can be one ulp off it, and NumPy (compiled replay),
    tanh's recorded 1 - out*out and its formula 1 - out**2 all square by a product.
    """
    if power == 2.0:
        return base * base
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


def _power_of_number(base_node: Value, exponent_node: Value) -> Value:
    """base ** exponent where the exponent is a number (a Constant): not differentiated."""
    base = base_node.data
    power = exponent_node.data
    _check_power_domain(base_node, power)
    return _record(
        "**", _ieee_pow(base, power), base_node, _power_rule(base, power), exponent_node, 0.0
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
    return _record(
        "**", result, base_node, _power_rule(base, power), exponent_node, result * math.log(base)
    )


# ---- pickle and copy.deepcopy without recursion ----
#
# Pickled the default way, a node pickles its inputs from inside its own
# reduction, so a graph 100,000 ops deep overflows the stack. Instead the
# first node of a graph that a pickle meets lists the non-leaf nodes it
# depends on, inputs before the nodes computed from them (_Ancestors); each
# of those then finds its inputs already in pickle's memo, so nothing recurses
# deeper than one node. What loads is what default pickling would give:
# shared nodes stay shared, and a leaf pickled beside its graph (``[w, loss]``)
# is the same object after loading. This bookkeeping only decides the order
# in which nodes are written; a stale entry can cost bytes or depth, never
# change what is loaded.
#
# Pickles refer to _restore_node and _ignore by name: renaming either breaks
# loading pickles written before.


class _Pickling(threading.local):
    """Per thread, for the pickle being written: ids of non-leaf nodes already taken care of."""

    def __init__(self) -> None:
        self.listed: set[int] = set()  # written, or listed to be written before they are used
        self.in_a_list: set[int] = set()  # listed, and not reduced yet


_pickling = _Pickling()


class _NewPickle:
    """Written first by every non-leaf node; its reduction marks the start of a new pickle.

    A pickler reduces an object once, then finds it in its memo: so this runs
    exactly once per pickle (per memo), before any _Ancestors of that pickle.
    """

    __slots__ = ()

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        _pickling.listed = set()
        _pickling.in_a_list = set()
        return (_ignore, ())


_NEW_PICKLE = _NewPickle()


class _Ancestors:
    """Pickles as the not yet listed non-leaf nodes ``node`` depends on, inputs first."""

    __slots__ = ("node",)

    def __init__(self, node: Value) -> None:
        self.node = node

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        listed = _pickling.listed
        order = []
        stack = [(self.node, False)]
        while stack:
            node, inputs_listed = stack.pop()
            if inputs_listed:
                order.append(node)
                continue
            if id(node) in listed and node is not self.node:
                continue
            listed.add(id(node))
            stack.append((node, True))  # appended once everything it depends on is
            for input_node in (node._input_a, node._input_b):
                # leaves are not listed: pickled where first used, they recurse no deeper
                if input_node is None or input_node._input_a is None:
                    continue
                if id(input_node) not in listed:
                    stack.append((input_node, False))
        order.pop()  # self.node itself, written by its own reduction
        _pickling.in_a_list.update(map(id, order))
        return (_ignore, (order,))


def _ignore(*_pickled: object) -> None:
    return None


def _reduce_node(node: Value) -> tuple[object, ...]:
    kind = type(node)
    input_a = node._input_a
    if input_a is None:
        fields: tuple[object, ...] = (None, None, kind, node.data, node.grad, node.label, node.op)
    else:
        input_b = node._input_b
        in_a_list = _pickling.in_a_list
        ancestors = None
        if id(node) in in_a_list:  # its inputs are written before it
            in_a_list.discard(id(node))
        elif input_a._input_a is None and (input_b is None or input_b._input_a is None):
            _pickling.listed.add(id(node))  # only leaves below: no depth to list
        else:
            ancestors = _Ancestors(node)
        fields = (
            _NEW_PICKLE,
            ancestors,
            kind,
            node.data,
            node.grad,
            node.label,
            node.op,
            input_a,
            node._local_a,
            input_b,
            node._local_b,
        )
    # the user's own attributes, or a subclass's: grad and the label are in the fields
    own = {name: value for name, value in node.__dict__.items() if name not in _IN_FIELDS}
    if not own:
        return (_restore_node, fields)
    return (_restore_node, fields, own)


_IN_FIELDS = ("grad", "label")


def _restore_node(
    _new_pickle: object,
    _ancestors: object,
    kind: type[Value],
    data: float,
    grad: float,
    label: str,
    op: str,
    input_a: Value | None = None,
    local_a: float = 0.0,
    input_b: Value | None = None,
    local_b: float = 0.0,
) -> Value:
    node = _new_node(kind)
    node.data = data
    node.grad = grad
    if label:
        node.label = label
    node.op = op
    node._input_a = input_a
    node._input_b = input_b
    if input_a is not None:
        node._local_a = local_a
        node._local_b = local_b
    return node


def _deepcopy_graph(root: Value, memo: dict[int, object]) -> Value:
    """copy.deepcopy of ``root``'s graph in two loops: make every copy, then wire the inputs."""
    originals = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in memo:
            continue
        memo[id(node)] = _new_node(type(node))
        originals.append(node)
        for input_node in (node._input_a, node._input_b):
            if input_node is not None and id(input_node) not in memo:
                stack.append(input_node)
    # copy.deepcopy keeps the originals alive while memo is in use, so ids stay unique
    memo.setdefault(id(memo), []).extend(originals)  # type: ignore[attr-defined]
    for node in originals:
        copied = memo[id(node)]
        copied.data = node.data  # type: ignore[attr-defined]
        copied.grad = node.grad  # type: ignore[attr-defined]
        copied.op = node.op  # type: ignore[attr-defined]
        input_a = node._input_a
        input_b = node._input_b
        copied._input_a = None if input_a is None else memo[id(input_a)]  # type: ignore[attr-defined]
        copied._input_b = None if input_b is None else memo[id(input_b)]  # type: ignore[attr-defined]
        if input_a is not None:
            copied._local_a = getattr(node, "_local_a", 0.0)  # type: ignore[attr-defined]
            copied._local_b = getattr(node, "_local_b", 0.0)  # type: ignore[attr-defined]
        # the label and the user's own attributes (grad, copied above, is in there too)
        extra = {name: value for name, value in node.__dict__.items() if name != "grad"}
        if extra:
            import copy  # here, not at the top: `import autograd` stays fast

            copied.__dict__.update(copy.deepcopy(extra, memo))
    return memo[id(root)]  # type: ignore[return-value]


# CPython's split-table dicts allow a class this many shared keys.
_SHARED_KEYS_MAX_SIZE = 30


def _make_grad_the_first_key(kind: type[Value]) -> None:
    """Have ``grad`` stored in the room every instance of ``kind`` already has for it.

    On CPython 3.11 each new instance of a class with a ``__dict__`` gets an
    array for its attribute values: one entry per key the class's instances had
    stored when that size settled, plus one spare, whether it is used or not.
    The size settles once 29 instances have been made. Stored first after that,
    grad takes the spare entry and costs a node nothing beyond the array, where
    a slot would cost 8 bytes. A key stored later (a label, ``p.m``) makes a
    dict of its own, on the few nodes that have one. Run before any other code
    makes a ``kind``; where CPython lays dicts out otherwise, it is harmless.
    """
    for _ in range(_SHARED_KEYS_MAX_SIZE):
        _new_node(kind)
    _new_node(kind).grad = 0.0


_make_grad_the_first_key(Value)
_make_grad_the_first_key(Constant)
