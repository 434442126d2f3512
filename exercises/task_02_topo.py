"""Task 2: the topological order, found without recursion.

The backward pass may apply the chain rule at a node only once the node's
gradient is complete, that is, after every node that *used* it has passed its
share back. So it needs an order in which every node comes before all of its
inputs: the root first, the leaves last. This is a topological order of the
graph (reversed from the order in which the values were computed).

Write ``topological_order(root)``. It works on any node with an ``inputs``
attribute (a tuple of nodes, empty for a leaf): autograd's ``Value`` and your
``Node`` from task 1 alike. Nodes hash by identity, so a ``set`` of visited
nodes works.

Rules the tests check:
- every node reachable from ``root`` appears exactly once (a node used twice,
  as in ``a + a``, is still listed once);
- each node appears before all of its inputs, so ``root`` is first;
- no recursion: a chain 20,000 nodes deep must work with Python's default
  recursion limit (1,000). Use a list as an explicit stack.

A way to do it: a depth-first walk that lists a node only after all of its
inputs are listed (a post-order), then reverse the list. Without recursion,
push a node twice: once to expand its inputs, and once, below them, with a
marker saying "its inputs are done, list it now".

Check your work:  .venv/bin/python -m pytest exercises/test_02_topo.py
"""

from __future__ import annotations


def topological_order(root) -> list:
    """Every node reachable from ``root``, each before all of its inputs (``root`` first)."""
    raise NotImplementedError("task 2: write topological_order (an explicit stack, no recursion)")
