"""Task 4, reference solution (the instructions are in exercises/task_04_sgd.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd import Value


def zero_grad(params: Sequence[Value]) -> None:
    """Set ``.grad`` to 0.0 on every parameter."""
    for param in params:
        param.grad = 0.0


def sgd_step(params: Sequence[Value], lr: float) -> None:
    """Move every parameter by ``-lr * grad`` (on ``.data``); ``lr`` must be > 0."""
    if not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"sgd_step: lr must be a finite number > 0, got {lr!r}")
    for param in params:
        param.data -= lr * param.grad  # on the float: no graph is built


def fit_line(
    xs: Sequence[float], ys: Sequence[float], lr: float, steps: int
) -> tuple[float, float]:
    """Fit ``y = w * x + b`` by ``steps`` steps of gradient descent on the MSE from w = b = 0."""
    w = Value(0.0, label="w")
    b = Value(0.0, label="b")
    params = [w, b]
    for _ in range(steps):
        # forward
        squared_errors = [(w * x + b - y) ** 2 for x, y in zip(xs, ys, strict=True)]
        loss = sum(squared_errors, Value(0.0)) / len(xs)
        # zero_grad
        zero_grad(params)
        # backward
        loss.backward()
        # update
        sgd_step(params, lr)
    return w.data, b.data
