"""Task 2, reference solution (the instructions are in exercises/task_02_topo.py)."""

from __future__ import annotations


def topological_order(root) -> list:
    """Every node reachable from ``root``, each before all of its inputs (``root`` first)."""
    inputs_first = []  # post-order: a node is added only after all of its inputs
    visited = set()
    stack = [(root, False)]  # (node, are its inputs done?)
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            inputs_first.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))  # comes back off the stack after all of its inputs
        for input_node in node.inputs:
            if input_node not in visited:
                stack.append((input_node, False))
    inputs_first.reverse()
    return inputs_first
