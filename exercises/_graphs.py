"""Graphs the exercise tests run on: the shapes that broke real engines, and random ones."""

from __future__ import annotations

import random
from collections.abc import Callable

from autograd import Value

# a random program: each step applies an op to earlier results (or leaves) by position,
# so the same program can be built twice, on two separate sets of Values
Step = tuple[str, int, int]
UNARY = ("tanh", "neg")
BINARY = ("+", "-", "*")


def random_program(seed: int, leaves: int = 4, steps: int = 12) -> list[Step]:
    rng = random.Random(seed)
    program = []
    for step in range(steps):
        available = leaves + step
        op = rng.choice(UNARY + BINARY)
        # favour recent results so the graph is deep, but reuse old ones too (shared nodes)
        first = rng.randrange(max(0, available - 4), available)
        second = rng.randrange(available)
        program.append((op, first, second))
    return program


def build(program: list[Step], leaf_data: list[float]) -> tuple[Value, list[Value]]:
    """Run ``program`` on fresh leaves; the root sums the last three results."""
    nodes = [Value(data, label=f"x{index}") for index, data in enumerate(leaf_data)]
    leaves = list(nodes)
    for op, first, second in program:
        a, b = nodes[first], nodes[second]
        if op == "tanh":
            nodes.append(a.tanh())
        elif op == "neg":
            nodes.append(-a)
        elif op == "+":
            nodes.append(a + b)
        elif op == "-":
            nodes.append(a - b)
        else:
            nodes.append((a * b).tanh())  # keeps the values in [-1, 1] however deep
    root = nodes[-1] + nodes[-2] + nodes[-3]
    return root, leaves


def as_function(program: list[Step]) -> Callable[..., float]:
    """The program on plain floats, for central differences."""

    def function(*leaf_data: float) -> float:
        return build(program, list(leaf_data))[0].data

    return function


def reachable(root) -> list:
    """Every node reachable from root, found breadth first (the oracle for order tests)."""
    found = {root: None}
    frontier = [root]
    while frontier:
        node = frontier.pop()
        for input_node in node.inputs:
            if input_node not in found:
                found[input_node] = None
                frontier.append(input_node)
    return list(found)


def chain(depth: int) -> tuple[Value, Value]:
    """x -> x*1.0 -> ... ``depth`` ops deep; returns (root, x)."""
    x = Value(0.5, label="x")
    node = x
    for _ in range(depth):
        node = node * 1.0
    return node, x
