"""Task 1, reference solution (the instructions are in exercises/task_01_ops.py)."""

from __future__ import annotations

import math


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
        other = as_node(other)
        # d(a*b)/da = b, d(a*b)/db = a
        return Node(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __rmul__(self, other: float) -> Node:
        return as_node(other) * self

    def __truediv__(self, other: Node | float) -> Node:
        """``a / b``, op ``"/"``, inputs ``(a, b)``.

        Local derivatives: d(a/b)/da = 1/b and d(a/b)/db = -a/b**2.
        """
        other = as_node(other)
        quotient = self.data / other.data
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2, written -(a/b)/b
        return Node(quotient, (self, other), (1.0 / other.data, -quotient / other.data), "/")

    def __pow__(self, exponent: float) -> Node:
        """``a ** n`` for a plain number ``n``, op ``"**"``, inputs ``(a,)``: one input only.

        The exponent is a constant, not a Node, so it gets no derivative.
        Local derivative: d(a**n)/da = n * a**(n - 1).
        """
        # d(a**n)/da = n * a**(n-1)
        return Node(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1),), "**")

    def exp(self) -> Node:
        """``e ** a``, op ``"exp"``, inputs ``(a,)``.

        Local derivative: d(e**a)/da = e**a, the result itself. Use ``math.exp``.
        """
        result = math.exp(self.data)
        # d(e**a)/da = e**a
        return Node(result, (self,), (result,), "exp")

    def tanh(self) -> Node:
        """``tanh(a)``, op ``"tanh"``, inputs ``(a,)``.

        Local derivative: d tanh(a)/da = 1 - tanh(a)**2. Compute tanh once
        (``math.tanh``) and reuse it for the derivative.
        """
        result = math.tanh(self.data)
        # d tanh(a)/da = 1 - tanh(a)**2
        return Node(result, (self,), (1.0 - result * result,), "tanh")


def as_node(value: Node | float) -> Node:
    """A Node as is; a plain number becomes a constant leaf Node."""
    if isinstance(value, Node):
        return value
    return Node(value)
