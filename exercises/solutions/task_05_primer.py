"""Task 5, reference solution (the instructions are in exercises/task_05_primer.py)."""

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
    """The primer's gradient-descent loop, both updates summed; returns ``(theta_0, theta_1)``."""
    for _ in range(iterations):
        y_pred = X * theta_1 + theta_0
        gradients = (y_pred - y) / len(X)
        # one number per parameter: the per-sample terms summed
        theta_0 = theta_0 - alpha * np.sum(gradients)
        theta_1 = theta_1 - alpha * np.sum(gradients * X)
    return theta_0, theta_1  # NumPy floats: np.sum gives one number each


def primer_loss(X: np.ndarray, y: np.ndarray, theta_0: float, theta_1: float) -> float:
    """The loss whose gradient the fixed loop follows (a scaled mean squared error)."""
    residuals = X * theta_1 + theta_0 - y
    # half the mean squared error: its d/d theta_0 is sum(residuals) / n, the loop's gradient
    return float(np.sum(residuals**2) / (2 * len(X)))
