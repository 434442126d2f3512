"""Checks for task 2: topological_order lists every reachable node once, each before its
inputs, without recursion."""

from __future__ import annotations

import sys

import pytest

from autograd import Value
from exercises._graphs import build, chain, random_program, reachable
from exercises._select import load_task

task = load_task("task_02_topo")


def check_order(order, root) -> None:
    """The three rules of the task, each with a message that says which one broke."""
    assert isinstance(order, list), f"return a list, got {type(order).__name__}"
    assert len(set(order)) == len(order), "a node appears more than once: list each node once"
    expected = set(reachable(root))
    missing = expected - set(order)
    assert not missing, f"{len(missing)} reachable node(s) missing, e.g. {next(iter(missing))!r}"
    extra = set(order) - expected
    assert not extra, f"{len(extra)} node(s) listed that root does not reach"
    assert order[0] is root, "the root comes first"
    position = {node: index for index, node in enumerate(order)}
    for node in order:
        for input_node in node.inputs:
            assert position[node] < position[input_node], (
                f"{node!r} must come before its input {input_node!r}"
            )


def test_a_leaf_alone() -> None:
    leaf = Value(1.0)
    assert task.topological_order(leaf) == [leaf]


def test_a_chain_is_listed_root_first() -> None:
    a = Value(1.0, label="a")
    b = a.tanh()
    c = b.exp()
    assert task.topological_order(c) == [c, b, a]


def test_a_reused_node_is_listed_once() -> None:
    a = Value(3.0, label="a")
    b = a + a
    c = b + b
    order = task.topological_order(c)
    assert order == [c, b, a], f"expected [c, b, a], got {order}"


def test_diamond() -> None:
    # a feeds b and c; both feed d: a must wait for both
    a = Value(0.5, label="a")
    b = a.tanh()
    c = a.exp()
    d = b * c
    order = task.topological_order(d)
    check_order(order, d)
    assert order.index(a) > max(order.index(b), order.index(c)), "a comes after both b and c"


@pytest.mark.parametrize("seed", range(20))
def test_random_graphs(seed: int) -> None:
    root, _ = build(random_program(seed), [0.3, -0.8, 1.1, 0.6])
    check_order(task.topological_order(root), root)


def test_deep_chain_has_no_recursion_limit() -> None:
    depth = 20_000
    assert depth > sys.getrecursionlimit() * 10
    root, x = chain(depth)
    order = task.topological_order(root)
    assert len(order) == 2 * depth + 1  # each op node and its constant 1.0, and x
    check_order(order, root)
    assert x in order
