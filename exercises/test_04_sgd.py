"""Checks for task 4: zero_grad, sgd_step and fit_line, against nn.SGD, a loop written
out with plain floats, and least squares."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value
from exercises._select import load_task
from nn import MLP, SGD, mse_loss

task = load_task("task_04_sgd")

XS = [float(x) for x in np.linspace(-1.0, 1.0, 20)]
YS = [2.0 * x + 1.0 + 0.1 * math.sin(7.0 * x) for x in XS]  # a line, a little bent


def test_zero_grad_clears_every_grad() -> None:
    params = [Value(1.0), Value(2.0)]
    params[0].grad, params[1].grad = 0.5, -3.0
    task.zero_grad(params)
    assert [param.grad for param in params] == [0.0, 0.0]


def test_sgd_step_moves_data_against_the_grad() -> None:
    w, b = Value(1.0, label="w"), Value(-2.0, label="b")
    w.grad, b.grad = 0.5, -4.0
    task.sgd_step([w, b], lr=0.1)
    assert w.data == pytest.approx(1.0 - 0.1 * 0.5)
    assert b.data == pytest.approx(-2.0 + 0.1 * 4.0)
    assert (w.grad, b.grad) == (0.5, -4.0), "sgd_step leaves .grad alone (zero_grad clears it)"
    assert w.is_leaf and b.is_leaf, "update .data: the parameters stay leaves, no graph is built"
    assert isinstance(w.data, float)


@pytest.mark.parametrize("lr", [0.0, -0.1, math.nan, "0.1"])
def test_sgd_step_rejects_a_bad_learning_rate(lr) -> None:
    param = Value(1.0)
    param.grad = 1.0
    with pytest.raises(ValueError, match="lr") as error:
        task.sgd_step([param], lr)
    assert repr(lr) in str(error.value), "say which value of lr was wrong"
    assert param.data == 1.0, "a rejected step changes nothing"


def test_sgd_step_matches_nn_sgd_training_an_mlp() -> None:
    xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    ours, reference = MLP(2, [4, 1], activation="tanh", seed=3), MLP(2, [4, 1], "tanh", seed=3)
    optimizer = SGD(reference.parameters(), lr=0.05)
    for step in range(20):
        loss = mse_loss([ours(x) for x in xs], ys)
        task.zero_grad(ours.parameters())
        loss.backward()
        task.sgd_step(ours.parameters(), 0.05)
        reference_loss = mse_loss([reference(x) for x in xs], ys)
        optimizer.zero_grad()
        reference_loss.backward()
        optimizer.step()
        assert loss.data == pytest.approx(reference_loss.data, rel=1e-12), f"step {step}: loss"
    assert ours.state_dict() == pytest.approx(reference.state_dict(), rel=1e-12)


def plain_float_gradient_descent(lr: float, steps: int) -> tuple[float, float]:
    """The same loop with the MSE's gradient written out by hand, in plain floats."""
    w = b = 0.0
    n = len(XS)
    for _ in range(steps):
        residuals = [w * x + b - y for x, y in zip(XS, YS, strict=True)]
        grad_w = 2.0 / n * sum(r * x for r, x in zip(residuals, XS, strict=True))
        grad_b = 2.0 / n * sum(residuals)
        w -= lr * grad_w
        b -= lr * grad_b
    return w, b


@pytest.mark.parametrize("steps", [1, 2, 30])
def test_fit_line_follows_gradient_descent_step_by_step(steps: int) -> None:
    w, b = task.fit_line(XS, YS, lr=0.1, steps=steps)
    expected_w, expected_b = plain_float_gradient_descent(0.1, steps)
    assert (w, b) == pytest.approx((expected_w, expected_b), rel=1e-10), (
        f"after {steps} step(s) of lr=0.1 from w = b = 0: expected w={expected_w:.6g}, "
        f"b={expected_b:.6g}, got w={w!r}, b={b!r} (zero_grad before each backward?)"
    )
    assert isinstance(w, float) and isinstance(b, float), "return floats (param.data)"


def test_fit_line_converges_to_least_squares() -> None:
    w, b = task.fit_line(XS, YS, lr=0.5, steps=300)
    slope, intercept = np.polyfit(XS, YS, 1)
    assert w == pytest.approx(slope, abs=1e-8)
    assert b == pytest.approx(intercept, abs=1e-8)
