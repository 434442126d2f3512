"""Task 3, reference solution (the instructions are in exercises/task_03_backward.py)."""

from __future__ import annotations

# task 2's order works on any node with inputs (autograd's reads Value's own slots)
from exercises.solutions.task_02_topo import topological_order


def backward(root) -> None:
    """Add d root / d node to ``node.grad`` for every node reachable from ``root``."""
    upstream_of = {root: 1.0}  # this pass's d root / d node, fresh every pass
    for node in topological_order(root):  # root first; each node after all its consumers
        upstream = upstream_of.pop(node, 0.0)
        node.grad += upstream  # accumulate across passes, as PyTorch does
        for input_node, local_grad in zip(node.inputs, node.local_grads, strict=True):
            contribution = upstream * local_grad  # the chain rule
            upstream_of[input_node] = upstream_of.get(input_node, 0.0) + contribution
