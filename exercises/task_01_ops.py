"""Task 1: an op's forward value and its local derivatives, on a tiny Value class of your own.

Every op computes two things at once: its result, and the derivative of that
result with respect to each of its inputs (its *local* derivatives), taken
right now, at these input values. The backward pass later only multiplies
and adds those numbers; it never needs to know which op made a node.

``Node.__add__`` is done for you as the pattern. Fill in the five methods that
raise NotImplementedError, each in the same shape: one new Node with its
data, its inputs in operand order, one local derivative per input, and the op
name given in the docstring.

Check your work:  .venv/bin/python -m pytest exercises/test_01_ops.py
"""

from __future__ import annotations

import math  # noqa: F401 (you need it for exp and tanh)


class Node:
    """A scalar that remembers the op that made it, its inputs and d(self)/d(input) for each."""

    __slots__ = ("data", "grad", "inputs", "local_grads", "op")

    def __init__(
        self,
        data: float,
        inputs: tuple[Node, ...] = (),
        local_grads: tuple[float, ...] = (),
        op: str = "",
    ) -> None:
        self.data = float(data)
        self.grad = 0.0  # filled in by a backward pass (task 3)
        self.inputs = inputs  # the operands, in order; () for a leaf
        self.local_grads = local_grads  # local_grads[i] = d(self) / d(inputs[i])
        self.op = op  # "" for a leaf

    def __repr__(self) -> str:
        return f"Node(data={self.data!r}, op={self.op!r})"

    def __add__(self, other: Node | float) -> Node:
        other = as_node(other)
        # d(a+b)/da = 1, d(a+b)/db = 1
        return Node(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __radd__(self, other: float) -> Node:
        return as_node(other) + self

    def __mul__(self, other: Node | float) -> Node:
        """``a * b``, op ``"*"``, inputs ``(a, b)``.

        Local derivatives: d(a*b)/da and d(a*b)/db. Hint: each is the *other*
        operand's value. Wrap a plain number with ``as_node`` first, as
        ``__add__`` does.
        """
        raise NotImplementedError(
            "task 1: write Node.__mul__ (forward value and 2 local derivatives)"
        )

    def __rmul__(self, other: float) -> Node:
        return as_node(other) * self

    def __truediv__(self, other: Node | float) -> Node:
        """``a / b``, op ``"/"``, inputs ``(a, b)``.

        Local derivatives: d(a/b)/da = 1/b and d(a/b)/db = -a/b**2.
        """
        raise NotImplementedError(
            "task 1: write Node.__truediv__ (forward value and 2 local derivatives)"
        )

    def __pow__(self, exponent: float) -> Node:
        """``a ** n`` for a plain number ``n``, op ``"**"``, inputs ``(a,)``: one input only.

        The exponent is a constant, not a Node, so it gets no derivative.
        Local derivative: d(a**n)/da = n * a**(n - 1).
        """
        raise NotImplementedError(
            "task 1: write Node.__pow__ (forward value and 1 local derivative)"
        )

    def exp(self) -> Node:
        """``e ** a``, op ``"exp"``, inputs ``(a,)``.

        Local derivative: d(e**a)/da = e**a, the result itself. Use ``math.exp``.
        """
        raise NotImplementedError("task 1: write Node.exp (forward value and 1 local derivative)")

    def tanh(self) -> Node:
        """``tanh(a)``, op ``"tanh"``, inputs ``(a,)``.

        Local derivative: d tanh(a)/da = 1 - tanh(a)**2. Compute tanh once
        (``math.tanh``) and reuse it for the derivative.
        """
        raise NotImplementedError("task 1: write Node.tanh (forward value and 1 local derivative)")


def as_node(value: Node | float) -> Node:
    """A Node as is; a plain number becomes a constant leaf Node."""
    if isinstance(value, Node):
        return value
    return Node(value)
