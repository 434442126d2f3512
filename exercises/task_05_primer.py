"""Task 5: the primer's bug. Fix its linear-regression loop.

The primer this project teaches (section 4) fits ``y = theta_1 * x + theta_0``
by gradient descent with this loop, copied below as written into
``primer_gradient_descent``::

    for i in range(iterations):
        y_pred = X * theta_1 + theta_0
        gradients = (y_pred - y) / len(X)
        theta_0 = theta_0 - alpha * gradients
        theta_1 = theta_1 - alpha * gradients * X

Run it (``primer_gradient_descent(*primer_data())``) and look at what comes
back: not two numbers. ``gradients`` holds one number per sample; the
gradient of the loss with respect to ``theta_0`` is their *sum*, and with
respect to ``theta_1`` the sum of ``gradients * X``. Without the sums, NumPy
broadcasting quietly turns each parameter into an array of 100 per-sample
copies, each creeping along by alpha/n per step.

Two things to write:

1. Fix ``primer_gradient_descent`` so both updates use the summed gradient and
   it returns two floats ``(theta_0, theta_1)``. Keep everything else as the
   primer has it (the same ``gradients`` line: this 1/n is part of the loop).
2. ``primer_loss(X, y, theta_0, theta_1)``: the loss whose gradient the
   *fixed* loop follows, as a float. It is a mean squared error, but not the
   plain one: the plain MSE, mean((y_pred - y)**2), has the gradient
   2/n * sum(y_pred - y) for theta_0, twice the loop's. Find the factor that
   makes d loss / d theta_0 equal ``sum((y_pred - y) / n)`` exactly.

``primer_data(seed)`` makes the primer's data and starting parameters (the
primer's own lines, with the seed fixed); leave it as it is.

Check your work:  .venv/bin/python -m pytest exercises/test_05_primer.py
"""

from __future__ import annotations

import numpy as np


def primer_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The primer's ``X``, ``y`` and random starting ``theta_0``, ``theta_1`` (NumPy, seeded)."""
    random = np.random.RandomState(seed)  # the stream np.random.seed(seed) gives
    X = np.linspace(-1, 1, 100)
    y = 2 * X + 1 + random.randn(100) * 0.1
    theta_0 = random.randn()
    theta_1 = random.randn()
    return X, y, theta_0, theta_1


def primer_gradient_descent(
    X: np.ndarray,
    y: np.ndarray,
    theta_0: float,
    theta_1: float,
    alpha: float = 0.01,
    iterations: int = 1000,
) -> tuple[float, float]:
    """The primer's gradient-descent loop; returns ``(theta_0, theta_1)``. Has a bug: fix it."""
    for _ in range(iterations):
        y_pred = X * theta_1 + theta_0
        gradients = (y_pred - y) / len(X)
        theta_0 = theta_0 - alpha * gradients
        theta_1 = theta_1 - alpha * gradients * X
    return theta_0, theta_1


def primer_loss(X: np.ndarray, y: np.ndarray, theta_0: float, theta_1: float) -> float:
    """The loss whose gradient the fixed loop follows (a scaled mean squared error)."""
    raise NotImplementedError("task 5: write primer_loss")
