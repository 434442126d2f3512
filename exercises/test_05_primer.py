"""Checks for task 5: the primer's loop, fixed, is gradient descent on a loss the engine can
differentiate; it returns two numbers, and it reaches least squares when run long enough."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Value
from exercises._select import load_task

task = load_task("task_05_primer")
X, Y, THETA_0, THETA_1 = task.primer_data(0)


def two_numbers(result) -> tuple[float, float]:
    """The loop's (theta_0, theta_1), checked to be two numbers, not arrays."""
    assert len(result) == 2, f"return (theta_0, theta_1), got {len(result)} items"
    for name, theta in zip(("theta_0", "theta_1"), result, strict=True):
        assert np.ndim(theta) == 0, (
            f"{name} came back as an array of shape {np.shape(theta)}, not one number: "
            "an update is missing its sum over the samples"
        )
    return float(result[0]), float(result[1])


def engine_gradient_descent(alpha: float, iterations: int) -> tuple[float, float]:
    """The oracle: autograd differentiates sum((y_pred - y)**2) / 2n; plain SGD steps."""
    theta_0, theta_1 = Value(THETA_0), Value(THETA_1)
    n = len(X)
    for _ in range(iterations):
        residuals = [theta_1 * float(x) + theta_0 - float(y) for x, y in zip(X, Y, strict=True)]
        loss = sum((residual * residual for residual in residuals), Value(0.0)) / (2 * n)
        theta_0.grad = theta_1.grad = 0.0
        loss.backward()
        theta_0.data -= alpha * theta_0.grad
        theta_1.data -= alpha * theta_1.grad
    return theta_0.data, theta_1.data


def closed_form_gradient_descent(alpha: float, iterations: int) -> np.ndarray:
    """The same iteration in matrix form, no loop: best + (I - alpha A^T A / n)^k (start - best)."""
    design = np.column_stack([np.ones_like(X), X])
    best = np.linalg.lstsq(design, Y, rcond=None)[0]
    contraction = np.eye(2) - alpha * design.T @ design / len(X)
    start = np.array([THETA_0, THETA_1])
    return best + np.linalg.matrix_power(contraction, iterations) @ (start - best)


def test_the_loop_returns_two_numbers() -> None:
    two_numbers(task.primer_gradient_descent(X, Y, THETA_0, THETA_1))


@pytest.mark.parametrize("iterations", [1, 2, 25])
def test_the_loop_is_gradient_descent_on_the_engine(iterations: int) -> None:
    theta_0, theta_1 = two_numbers(
        task.primer_gradient_descent(X, Y, THETA_0, THETA_1, alpha=0.01, iterations=iterations)
    )
    expected = engine_gradient_descent(0.01, iterations)
    assert (theta_0, theta_1) == pytest.approx(expected, rel=1e-10), (
        f"after {iterations} step(s): expected (theta_0, theta_1) = {expected}, "
        f"got {(theta_0, theta_1)}"
    )


def test_the_primers_settings_stop_short_of_least_squares() -> None:
    theta_0, theta_1 = two_numbers(task.primer_gradient_descent(X, Y, THETA_0, THETA_1))
    expected = closed_form_gradient_descent(0.01, 1000)
    assert (theta_0, theta_1) == pytest.approx(tuple(expected), rel=1e-9)
    slope, _ = np.polyfit(X, Y, 1)
    # alpha = 0.01 for 1,000 steps is not enough: the slope is still about 0.11 short
    assert round(theta_1, 2) == 1.87
    assert round(slope, 2) == 1.99


def test_a_larger_step_reaches_least_squares() -> None:
    theta_0, theta_1 = two_numbers(
        task.primer_gradient_descent(X, Y, THETA_0, THETA_1, alpha=1.0, iterations=300)
    )
    slope, intercept = np.polyfit(X, Y, 1)
    assert theta_1 == pytest.approx(slope, abs=1e-9)
    assert theta_0 == pytest.approx(intercept, abs=1e-9)


@pytest.mark.parametrize(
    ("theta_0", "theta_1"),
    [(THETA_0, THETA_1), (1.0, 2.0), (-0.5, 0.25)],
    ids=["primer-start", "near-fit", "far"],
)
def test_primer_loss_is_half_the_mean_squared_error(theta_0: float, theta_1: float) -> None:
    squared_errors = [(theta_1 * x + theta_0 - y) ** 2 for x, y in zip(X, Y, strict=True)]
    expected = sum(squared_errors) / len(X) / 2
    loss = task.primer_loss(X, Y, theta_0, theta_1)
    assert np.ndim(loss) == 0, "return one number"
    assert loss == pytest.approx(expected, rel=1e-12)


def test_primer_loss_has_the_loops_gradient() -> None:
    eps = 1e-6
    residuals = X * THETA_1 + THETA_0 - Y
    loop_gradient = (np.sum(residuals / len(X)), np.sum(residuals / len(X) * X))
    numeric = (
        (
            task.primer_loss(X, Y, THETA_0 + eps, THETA_1)
            - task.primer_loss(X, Y, THETA_0 - eps, THETA_1)
        )
        / (2 * eps),
        (
            task.primer_loss(X, Y, THETA_0, THETA_1 + eps)
            - task.primer_loss(X, Y, THETA_0, THETA_1 - eps)
        )
        / (2 * eps),
    )
    assert numeric == pytest.approx(loop_gradient, rel=1e-6), (
        "central differences of primer_loss must equal the loop's summed gradients"
    )
