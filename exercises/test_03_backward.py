"""Checks for task 3: backward gives every node the gradient autograd's engine and central
differences give, adds on reuse and across passes, and needs no recursion."""

from __future__ import annotations

import pytest

from autograd import Value
from exercises._graphs import as_function, build, chain, random_program, reachable
from exercises._select import load_task

task = load_task("task_03_backward")
task_1 = load_task("task_01_ops")  # the tiny Node class of task 1
LEAF_DATA = [0.3, -0.8, 1.1, 0.6]
EPS = 1e-6


def test_one_multiply() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    task.backward(c)
    assert (c.grad, a.grad, b.grad) == (1.0, -3.0, 2.0), "d(a*b)/da = b, d(a*b)/db = a"


def test_a_small_graph_by_hand() -> None:
    # L = (a*b + c) * f, worked by hand: dL/da = b*f, dL/db = a*f, dL/dc = f, dL/df = a*b + c
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    loss = d * f
    task.backward(loss)
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)
    assert (d.grad, e.grad, loss.grad) == (-2.0, -2.0, 1.0)


def test_gradients_add_for_a_reused_node() -> None:
    a = Value(3.0, label="a")
    b = a + a
    task.backward(b)
    assert a.grad == 2.0, "a + a: both uses pass 1 back to a, and the two add up to 2"
    x = Value(3.0, label="x")
    square = x * x
    task.backward(square)
    assert x.grad == 6.0, "x * x: each use passes back 3, the sum is d(x**2)/dx = 2x = 6"


@pytest.mark.parametrize("seed", range(20))
def test_random_graphs_match_the_engine(seed: int) -> None:
    program = random_program(seed)
    expected_root, _ = build(program, LEAF_DATA)
    expected_root.backward()
    root, _ = build(program, LEAF_DATA)
    task.backward(root)
    # both graphs were built by the same program, so reachable() lists them in the same order
    for index, (node, expected) in enumerate(
        zip(reachable(root), reachable(expected_root), strict=True)
    ):
        assert node.grad == pytest.approx(expected.grad, rel=1e-12, abs=1e-12), (
            f"node {index} ({node!r}): your grad {node.grad!r}, autograd's {expected.grad!r}"
        )


@pytest.mark.parametrize("seed", range(5))
def test_random_graphs_match_central_differences(seed: int) -> None:
    program = random_program(seed)
    root, leaves = build(program, LEAF_DATA)
    task.backward(root)
    function = as_function(program)
    for index, leaf in enumerate(leaves):
        above, below = list(LEAF_DATA), list(LEAF_DATA)
        above[index] += EPS
        below[index] -= EPS
        numeric = (function(*above) - function(*below)) / (2 * EPS)
        assert leaf.grad == pytest.approx(numeric, rel=1e-5, abs=1e-7), (
            f"leaf x{index}: your grad {leaf.grad!r}, central differences {numeric!r}"
        )


def test_second_backward_doubles_every_grad() -> None:
    a, b = Value(0.4, label="a"), Value(-1.3, label="b")
    hidden = (a * b).tanh()
    hidden.label = "hidden"
    out = hidden * hidden + a
    task.backward(out)
    first = {node: node.grad for node in reachable(out)}
    task.backward(out)
    for node, grad in first.items():
        assert node.grad == pytest.approx(2 * grad, rel=1e-12), (
            f"after two passes {node!r} should hold twice its first gradient {grad!r}: "
            "keep each pass's upstream apart from .grad"
        )


def test_unused_input_keeps_zero_grad() -> None:
    a, unused = Value(2.0), Value(5.0)
    _ = unused * 3.0  # another graph: not reachable from out
    out = a * a
    task.backward(out)
    assert unused.grad == 0.0


def test_deep_chain_has_no_recursion_limit() -> None:
    root, x = chain(20_000)
    task.backward(root)
    assert x.grad == 1.0


def test_works_on_your_node_from_task_1() -> None:
    # Node.__add__ comes with task 1, and the product is built by hand with its local
    # derivatives, so this checks task 3 alone, on a class that is not autograd's Value
    a, b = task_1.Node(2.0), task_1.Node(-3.0)
    product = task_1.Node(a.data * b.data, (a, b), (b.data, a.data), "*")
    total = product + a  # a is used twice: d total/da = b + 1
    task.backward(total)
    assert (total.grad, product.grad, a.grad, b.grad) == (1.0, 1.0, -2.0, 2.0)
