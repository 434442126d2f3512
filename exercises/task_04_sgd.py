"""Task 4: one step of gradient descent, and the training loop around it.

After ``loss.backward()``, each parameter's ``.grad`` says how fast the loss
grows when that parameter grows. Stochastic gradient descent (SGD) moves each
parameter a small step the other way::

    param.data = param.data - lr * param.grad

Write three functions, for parameters that are autograd ``Value`` leaves:

- ``zero_grad(params)``: set every ``.grad`` to 0.0. Gradients *add up*
  across backward passes, so the loop clears them before each one.
- ``sgd_step(params, lr)``: the update above, on ``.data`` (a float), so no
  graph is built and each parameter stays the same leaf object. Leave
  ``.grad`` as it is. A learning rate that is not a number > 0 raises
  ``ValueError`` with a message that names ``lr`` and the value it got.
- ``fit_line(xs, ys, lr, steps)``: fit ``y = w * x + b`` to the points by
  gradient descent on the mean squared error, starting from ``w = b = 0``.
  Each step, in four phases: forward (the loss, built from Values), zero_grad,
  backward (``loss.backward()``), update (your ``sgd_step``). Return the
  final ``(w, b)`` as two floats.

Check your work:  .venv/bin/python -m pytest exercises/test_04_sgd.py
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value


def zero_grad(params: Sequence[Value]) -> None:
    """Set ``.grad`` to 0.0 on every parameter."""
    raise NotImplementedError("task 4: write zero_grad")


def sgd_step(params: Sequence[Value], lr: float) -> None:
    """Move every parameter by ``-lr * grad`` (on ``.data``); ``lr`` must be > 0."""
    raise NotImplementedError("task 4: write sgd_step")


def fit_line(
    xs: Sequence[float], ys: Sequence[float], lr: float, steps: int
) -> tuple[float, float]:
    """Fit ``y = w * x + b`` by ``steps`` steps of gradient descent on the MSE from w = b = 0."""
    raise NotImplementedError("task 4: write fit_line (forward, zero_grad, backward, update)")
