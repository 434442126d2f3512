"""The topological order that backward, zero_grad and rendering share, found without recursion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.value import Value

# Pushed on the stack under a node's inputs: when it comes back off the stack,
# every input below it is done, so the node itself can be listed.
_INPUTS_DONE = None


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each before all of its inputs (root first).

    A depth-first walk with an explicit stack, so a graph a million nodes deep
    needs no recursion. Reversed, it lists a node only after all its inputs;
    as is, it lists a node only after every node that consumed it, which is
    the order the chain rule needs.

    >>> from autograd import Value
    >>> a = Value(1.0, label="a")
    >>> b = (a * a).tanh()
    >>> [node.op or node.label for node in topological_order(b)]
    ['tanh', '*', 'a']
    """
    order = inputs_first([root])
    order.reverse()
    return order


def inputs_first(roots: Sequence[Value]) -> list[Value]:
    """Every node reachable from any of ``roots``, each after all of its inputs.

    The reverse of ``topological_order`` for several roots at once: a node the
    roots share is listed once, and the shared part of their graphs is walked
    once (forward mode's order for a function with many outputs).
    """
    inputs_first: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node is _INPUTS_DONE:
            inputs_first.append(stack.pop())  # type: ignore[arg-type]
            continue
        if node in visited:
            continue
        visited.add(node)
        input_a = node._input_a
        if input_a is None:
            inputs_first.append(node)
            continue
        # Inputs are walked b first, then a. An input that is a leaf is listed on the
        # spot rather than pushed and popped straight back: the same order, half the
        # stack traffic for the leaves that make up most inputs (weights, data).
        input_b = node._input_b
        if input_b is not None and input_b not in visited:
            if input_b._input_a is not None:  # a subtree to walk before input_a
                stack.append(node)
                stack.append(_INPUTS_DONE)
                if input_a not in visited:
                    stack.append(input_a)
                stack.append(input_b)
                continue
            visited.add(input_b)
            inputs_first.append(input_b)
        if input_a not in visited:
            if input_a._input_a is not None:
                stack.append(node)
                stack.append(_INPUTS_DONE)
                stack.append(input_a)
                continue
            visited.add(input_a)
            inputs_first.append(input_a)
        inputs_first.append(node)  # both inputs already listed
    return inputs_first
