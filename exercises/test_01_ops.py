"""Checks for task 1: each op's value and local derivatives, against math, central differences
and the autograd engine's own ops."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from exercises._select import load_task

task = load_task("task_01_ops")
Node = task.Node

# each op: one function that applies it to Nodes, autograd Values and plain floats alike,
# and the range each input is drawn from
BINARY_OPS = {
    "*": (lambda a, b: a * b, (-5.0, 5.0), (-5.0, 5.0)),
    "/": (lambda a, b: a / b, (-5.0, 5.0), (0.5, 5.0)),
}
UNARY_OPS = {
    "**": (lambda a: a**3, (-3.0, 3.0)),
    "exp": (lambda a: a.exp() if hasattr(a, "exp") else math.exp(a), (-4.0, 4.0)),
    "tanh": (lambda a: a.tanh() if hasattr(a, "tanh") else math.tanh(a), (-3.0, 3.0)),
}
EPS = 1e-6


def central_difference(f, point: list[float], index: int) -> float:
    """d f / d point[index], numerically: (f(x + h) - f(x - h)) / 2h."""
    above = list(point)
    below = list(point)
    above[index] += EPS
    below[index] -= EPS
    return (f(*above) - f(*below)) / (2 * EPS)


def check_node(result, op: str, inputs: tuple, f, point: list[float]) -> None:
    assert isinstance(result, Node), f"op {op!r} must return a new Node, got {result!r}"
    assert result.op == op, f"op name: expected {op!r}, got {result.op!r}"
    assert result.inputs == inputs, f"op {op!r}: inputs must be the operands in order {inputs}"
    assert result.data == pytest.approx(f(*point), rel=1e-12), f"op {op!r}: forward value"
    assert len(result.local_grads) == len(inputs), (
        f"op {op!r}: one local derivative per input, got {result.local_grads!r}"
    )
    engine_result = f(*(Value(x) for x in point))
    for index, local in enumerate(result.local_grads):
        numeric = central_difference(f, point, index)
        assert local == pytest.approx(numeric, rel=1e-5, abs=1e-6), (
            f"op {op!r} at {point}: d/d input {index} is {local!r}, central differences "
            f"say {numeric!r}"
        )
        assert local == pytest.approx(engine_result.local_grads[index], rel=1e-12, abs=1e-15), (
            f"op {op!r} at {point}: d/d input {index} is {local!r}, autograd's engine says "
            f"{engine_result.local_grads[index]!r}"
        )


@pytest.mark.parametrize("op", BINARY_OPS)
def test_binary_op_at_a_fixed_point(op: str) -> None:
    f, _, _ = BINARY_OPS[op]
    a, b = Node(1.5), Node(-2.5)
    check_node(f(a, b), op, (a, b), f, [1.5, -2.5])


@pytest.mark.parametrize("op", UNARY_OPS)
def test_unary_op_at_a_fixed_point(op: str) -> None:
    f, _ = UNARY_OPS[op]
    a = Node(0.7)
    check_node(f(a), op, (a,), f, [0.7])


@pytest.mark.parametrize("op", BINARY_OPS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_binary_op_at_random_points(op: str, data: st.DataObject) -> None:
    f, a_range, b_range = BINARY_OPS[op]
    a_value = data.draw(st.floats(*a_range), label="a")
    b_value = data.draw(st.floats(*b_range), label="b")
    a, b = Node(a_value), Node(b_value)
    check_node(f(a, b), op, (a, b), f, [a_value, b_value])


@pytest.mark.parametrize("op", UNARY_OPS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_unary_op_at_random_points(op: str, data: st.DataObject) -> None:
    f, a_range = UNARY_OPS[op]
    a_value = data.draw(st.floats(*a_range), label="a")
    a = Node(a_value)
    check_node(f(a), op, (a,), f, [a_value])


def test_a_repeated_operand_is_listed_twice() -> None:
    a = Node(3.0)
    square = a * a
    assert square.inputs == (a, a), "a * a has the inputs (a, a): one per operand"
    assert square.local_grads == (3.0, 3.0), "d(a*b)/da = b and d(a*b)/db = a, here both 3"


def test_plain_numbers_mix_in_on_either_side() -> None:
    x = Node(4.0)
    for result, expected_data, expected_grads in [
        (x * 2.0, 8.0, (2.0, 4.0)),
        (2.0 * x, 8.0, (4.0, 2.0)),
        (x / 2.0, 2.0, (0.5, -1.0)),
    ]:
        assert result.data == expected_data
        assert result.local_grads == pytest.approx(expected_grads)
        assert all(isinstance(node, Node) for node in result.inputs), (
            "wrap a plain number in a Node (as_node) so every input is a Node"
        )


def test_square_root_as_a_power() -> None:
    a = Node(9.0)
    root = a**0.5
    assert root.data == pytest.approx(3.0)
    assert root.local_grads == pytest.approx((0.5 / 3.0,)), "d sqrt(a)/da = 1 / (2 sqrt(a))"
