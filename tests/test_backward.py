"""The backward pass: graph shapes that broke real engines, accumulation, backward_steps."""

from __future__ import annotations

import math
import sys

import pytest
from engines import ours
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from programs import Program, points, programs, well_conditioned

from autograd import BackwardStep, Contribution, Value, topological_order


def test_reused_node() -> None:
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0
    assert c.grad == 1.0


def test_square_of_itself() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond() -> None:
    x = Value(2.0, label="x")
    left = x * 3.0
    right = x.exp()
    top = left * right
    top.backward()
    # d/dx (3x e^x) = 3 e^x + 3x e^x
    assert x.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2), rel=1e-15)
    assert left.grad == right.data
    assert right.grad == left.data


def test_unused_input_has_zero_grad() -> None:
    x, unused = Value(1.0), Value(2.0)
    (x * 5.0).backward()
    assert unused.grad == 0.0


def test_grad_of_root_is_the_seed() -> None:
    x = Value(2.0)
    y = x * x
    y.backward(3.0)
    assert y.grad == 3.0
    assert x.grad == 12.0


def test_backward_on_a_leaf() -> None:
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0


def test_seed_may_be_a_numpy_number_and_is_validated() -> None:
    import numpy as np

    x = Value(2.0)
    (x * x).backward(np.float32(0.5))
    assert x.grad == 2.0
    with pytest.raises(TypeError, match=r"backward\(grad=...\).*str"):
        (x * x).backward("1")  # type: ignore[arg-type]


def test_second_backward_doubles_every_grad() -> None:
    a, b = Value(2.0), Value(-3.0)
    mid = a * b
    out = (mid + b**2).tanh()
    out.backward()
    first = {node: node.grad for node in topological_order(out)}
    out.backward()
    for node in topological_order(out):
        assert node.grad == 2 * first[node], node


def test_third_backward_is_linear_too() -> None:
    x = Value(0.5)
    y = (x * x).sigmoid() * x
    y.backward()
    once = x.grad
    y.backward()
    y.backward()
    assert x.grad == pytest.approx(3 * once, rel=1e-15)


def test_backward_from_an_intermediate_node_ignores_existing_grads() -> None:
    x = Value(2.0)
    mid = x * x
    out = mid * 3.0
    out.backward()  # mid.grad is now 3
    x.grad = 0.0
    mid.backward()  # must use a fresh upstream of 1, not mid.grad
    assert x.grad == 4.0


def test_mutating_data_after_forward_does_not_change_gradients() -> None:
    a, b = Value(2.0), Value(5.0)
    product = a * b
    a.data = 100.0
    product.backward()
    assert a.grad == 5.0
    assert b.grad == 2.0


def test_zero_grad_clears_every_reachable_node() -> None:
    a = Value(2.0)
    out = (a * 3.0).tanh() + a
    out.backward()
    out.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(out))
    out.backward()
    assert a.grad == pytest.approx(3 * (1 - math.tanh(6.0) ** 2) + 1, rel=1e-15)


def test_deep_chain_has_no_recursion_limit() -> None:
    depth = 1_000_000
    assert sys.getrecursionlimit() < depth
    x = Value(1.0)
    node = x
    for _ in range(depth):
        node = node * 1.0
    node.backward()
    assert x.grad == 1.0
    node.zero_grad()
    assert x.grad == 0.0
    del node  # frees a million-deep chain: must not overflow the C stack


def test_deep_chain_of_unary_ops() -> None:
    x = Value(0.1)
    node = x
    for _ in range(200_000):
        node = node.tanh()
    node.backward()
    expected = 1.0
    value = 0.1
    for _ in range(200_000):
        value = math.tanh(value)
        expected *= 1 - value * value
    assert x.grad == pytest.approx(expected, rel=1e-9)


def test_topological_order_lists_each_node_before_its_inputs() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[0] is e
    assert len(order) == len(set(order)) == 5
    position = {node: index for index, node in enumerate(order)}
    for node in order:
        for input_node in node.inputs:
            assert position[input_node] > position[node]


@pytest.mark.parametrize("earlier_pass", [False, True])
def test_interrupted_backward_leaves_every_grad_as_it_was(earlier_pass: bool) -> None:
    # regression: a pass cut off midway (Ctrl-C) must leave no part of itself behind,
    # neither in .grad nor in what the next pass starts from
    a = Value(2.0)
    square = a * a
    out = square.tanh() * 3.0
    if earlier_pass:
        out.backward()
    before = {node: node.grad for node in topological_order(out)}

    class InterruptOnce:
        def __rmul__(self, upstream: float) -> float:
            square._local_b = 2.0  # the next pass runs normally
            raise KeyboardInterrupt

    real_local = square._local_b
    square._local_b = InterruptOnce()
    with pytest.raises(KeyboardInterrupt):
        out.backward()
    # input a had already received its first contribution when the pass stopped
    assert {node: node.grad for node in topological_order(out)} == before
    assert real_local == 2.0
    out.backward()
    once = 3.0 * (1 - math.tanh(4.0) ** 2) * 4.0
    assert a.grad == pytest.approx(2 * once if earlier_pass else once, rel=1e-15)


def test_an_interruption_while_earlier_gradients_are_added_back_loses_none() -> None:
    # regression: until they are added back, earlier passes' gradients live only in
    # backward's own list; Ctrl-C then must not drop the ones not yet added
    x = Value(0.5, label="x")
    y = Value(-1.5, label="y")
    out = (x * y).tanh() + x
    out.backward()
    first = {node: node.grad for node in topological_order(out)}

    class InterruptsOnce(float):
        interrupted = False

        def __add__(self, other: object) -> float:
            if not InterruptsOnce.interrupted:
                InterruptsOnce.interrupted = True
                raise KeyboardInterrupt
            return float(self) + other  # type: ignore[operator]

    y.grad = InterruptsOnce(y.grad)
    with pytest.raises(KeyboardInterrupt):
        out.backward()
    assert InterruptsOnce.interrupted
    for node, once in first.items():
        assert node.grad == pytest.approx(2.0 * once, rel=1e-15), node


def test_a_second_pass_adds_to_every_grad_and_is_fed_only_by_itself() -> None:
    # each pass sums its gradients in .grad from 0.0, with the earlier ones set aside
    x = Value(0.5, label="x")
    hidden = (x * x).tanh()
    out = hidden * hidden + x
    out.backward()
    first = {node: node.grad for node in topological_order(out)}
    out.backward(grad=2.0)
    for node, once in first.items():
        assert node.grad == pytest.approx(once + 2.0 * once, rel=1e-15), node
    assert out.grad == 3.0


class TestBackwardSteps:
    def test_steps_follow_the_chain_rule_in_reverse_topological_order(self) -> None:
        a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        product = a * b
        total = product + b**2
        out = total.tanh()
        steps = list(out.backward_steps())
        assert all(isinstance(step, BackwardStep) for step in steps)
        non_leaves = [node for node in topological_order(out) if not node.is_leaf]
        assert [step.node for step in steps] == non_leaves
        assert steps[0].node.op == "tanh"
        first = steps[0]
        assert first.upstream == 1.0
        assert first.contributions == (
            Contribution(total, 1 - math.tanh(3.0) ** 2, 1 - math.tanh(3.0) ** 2),
        )
        for step in steps:
            assert len(step.contributions) == len(step.node.inputs)
            for (input_node, local, contribution), expected_input, expected_local in zip(
                step.contributions, step.node.inputs, step.node.local_grads, strict=True
            ):
                assert input_node is expected_input
                assert local == expected_local
                assert contribution == step.upstream * local

    def test_step_upstream_is_scaled_by_the_seed(self) -> None:
        x = Value(1.5)
        out = x * x
        (step,) = list(out.backward_steps(2.0))
        assert step.upstream == 2.0
        assert step.contributions[0].contribution == 3.0
        assert x.grad == 6.0

    def test_grads_fill_in_as_the_generator_advances(self) -> None:
        x = Value(0.5, label="x")
        hidden = x * 4.0
        out = hidden.tanh()
        steps = out.backward_steps()
        assert out.grad == 0.0  # a generator does nothing until advanced
        first = next(steps)
        assert first.node is out
        assert out.grad == 1.0
        assert hidden.grad == 0.0
        second = next(steps)
        assert second.node is hidden
        assert hidden.grad == first.contributions[0].contribution
        with pytest.raises(StopIteration):
            next(steps)
        assert x.grad == pytest.approx(4 * (1 - math.tanh(2.0) ** 2), rel=1e-15)

    def test_steps_print_the_arithmetic(self) -> None:
        a = Value(2.0, label="a")
        out = a * 3.0
        out.label = "out"
        (step,) = list(out.backward_steps())
        assert str(step) == (
            "out: out = u*v, upstream 1\n"
            "  u = a: 1 \u00d7 3 = 3; d out/d u = v = 3\n"
            "  v = 3 is a constant: not differentiated"
        )

    def test_steps_name_unlabelled_nodes_by_their_expression(self) -> None:
        x = Value(0.5, label="x")
        w = Value(-2.0, label="w")
        y = (w * x).tanh()
        first, second = (str(step) for step in y.backward_steps())
        assert first.startswith("tanh(w*x): out = tanh(u), upstream 1\n  u = w*x: 1 \u00d7 ")
        assert "d out/d u = 1 - out\u00b2 = " in first
        assert second.splitlines()[1:] == [
            "  u = w: 0.419974 \u00d7 0.5 = 0.209987; d out/d u = v = 0.5",
            "  v = x: 0.419974 \u00d7 -2 = -0.839949; d out/d v = u = -2",
        ]

    def test_a_leaf_has_no_steps_but_gets_its_grad(self) -> None:
        x = Value(1.0)
        assert list(x.backward_steps()) == []
        assert x.grad == 1.0


def _grads(program: Program, point: list[float], use_steps: bool) -> list[float]:
    inputs = [Value(x) for x in point]
    output = program(ours, *inputs)
    if use_steps:
        for step in output.backward_steps():
            for _input, local, contribution in step.contributions:
                assert contribution == step.upstream * local
    else:
        output.backward()
    return [node.grad for node in topological_order(output)] + [node.grad for node in inputs]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), program=programs(max_length=12))
def test_backward_steps_and_backward_agree_on_random_graphs(
    data: st.DataObject, program: Program
) -> None:
    point = data.draw(points(program.n_inputs))
    probe = program(ours, *[Value(x) for x in point])
    assume(well_conditioned(probe))
    assert _grads(program, point, use_steps=True) == _grads(program, point, use_steps=False)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), program=programs(max_length=10))
def test_second_backward_doubles_on_random_graphs(data: st.DataObject, program: Program) -> None:
    point = data.draw(points(program.n_inputs))
    inputs = [Value(x) for x in point]
    output = program(ours, *inputs)
    assume(well_conditioned(output))
    output.backward()
    once = [node.grad for node in topological_order(output)]
    output.backward()
    twice = [node.grad for node in topological_order(output)]
    assert twice == [2 * grad for grad in once]


def _reference_inputs_first(roots: list[Value]) -> list[Value]:
    """The plain walk: every input pushed and popped, leaves included (the oracle)."""
    listed: list[Value] = []
    visited: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            listed.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        if node.is_leaf:
            listed.append(node)
            continue
        stack.append((node, True))
        stack.extend((item, False) for item in node.inputs if id(item) not in visited)
    return listed


@settings(max_examples=200, deadline=None)
@given(data=st.data(), program=programs(max_inputs=4, max_length=16))
def test_topological_order_lists_leaves_on_the_spot_in_the_plain_walks_order(
    data: st.DataObject, program: Program
) -> None:
    from autograd.graph import inputs_first

    inputs = [Value(x) for x in data.draw(points(program.n_inputs))]
    output = program(ours, *inputs)
    other = program(ours, *reversed(inputs))
    assert topological_order(output) == _reference_inputs_first([output])[::-1]
    assert inputs_first([output, other]) == _reference_inputs_first([output, other])
