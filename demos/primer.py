"""The primer's linear regression: its loop as written, fixed, and on this engine, side by side.

    python demos/primer.py [--lr ALPHA] [--steps N] [--seed S]

(--alpha and --iterations, the primer's names, work too.)

The primer this project teaches (section 4, "具体代码实例") fits y = 2x + 1 + noise
with gradient descent written in NumPy. Its loop updates the parameters with
the per-sample gradient vector instead of its sum:

    gradients = (y_pred - y) / len(X)
    theta_0 = theta_0 - alpha * gradients
    theta_1 = theta_1 - alpha * gradients * X

so after one step both parameters are arrays of 100 numbers, one copy per
sample, and each copy creeps towards its own sample by alpha/n times its
error per step. This demo draws the primer's data and starting point exactly
as the primer does (np.random after seeding it), runs that loop unchanged,
runs it again with a sum on both updates, trains the same line with this
engine (one linear Neuron, mse_loss, SGD), and prints one table.
docs/learn-backprop.md explains every row.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autograd import Value
from nn import SGD, Neuron, mse_loss

# the primer's settings
PRIMER_ALPHA = 0.01
PRIMER_ITERATIONS = 1000
PRIMER_SAMPLES = 100
# the primer sets no seed; 0 makes its numbers repeatable
DEFAULT_SEED = 0


def primer_data(seed: int = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The primer's X, y and starting theta_0, theta_1, drawn as it draws them.

    The primer calls np.random.randn three times: 100 noise values, then
    theta_0, then theta_1. A RandomState seeded here gives exactly the numbers
    ``np.random.seed(seed)`` followed by the primer's code gives, without
    touching NumPy's global generator.
    """
    random = np.random.RandomState(seed)
    X = np.linspace(-1, 1, PRIMER_SAMPLES)  # noqa: N806 (the primer's names)
    y = 2 * X + 1 + random.randn(PRIMER_SAMPLES) * 0.1
    theta_0 = random.randn()
    theta_1 = random.randn()
    return X, y, theta_0, theta_1


def primer_loop(
    X: np.ndarray,  # noqa: N803 (the primer's names)
    y: np.ndarray,
    theta_0: float,
    theta_1: float,
    alpha: float = PRIMER_ALPHA,
    iterations: int = PRIMER_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """The primer's gradient-descent loop, line for line (the bug included)."""
    for i in range(iterations):  # noqa: B007 (as written)
        y_pred = X * theta_1 + theta_0
        gradients = (y_pred - y) / len(X)
        theta_0 = theta_0 - alpha * gradients
        theta_1 = theta_1 - alpha * gradients * X
    return theta_0, theta_1


def fixed_loop(
    X: np.ndarray,  # noqa: N803 (the primer's names)
    y: np.ndarray,
    theta_0: float,
    theta_1: float,
    alpha: float = PRIMER_ALPHA,
    iterations: int = PRIMER_ITERATIONS,
) -> tuple[float, float]:
    """The primer's loop with the fix: each update sums its per-sample gradients."""
    for _iteration in range(iterations):
        y_pred = X * theta_1 + theta_0
        gradients = (y_pred - y) / len(X)
        theta_0 = theta_0 - alpha * np.sum(gradients)
        theta_1 = theta_1 - alpha * np.sum(gradients * X)
    return float(theta_0), float(theta_1)


def engine_fit(
    X: np.ndarray,  # noqa: N803 (the primer's names)
    y: np.ndarray,
    theta_0: float,
    theta_1: float,
    lr: float,
    iterations: int = PRIMER_ITERATIONS,
) -> tuple[float, float]:
    """The same line trained with this engine: one linear Neuron, mse_loss, SGD(lr)."""
    model = Neuron(1, activation=None)  # prediction = w.0 * x + b
    model.load_state_dict({"w.0": float(theta_1), "b": float(theta_0)})
    optimizer = SGD(model.parameters(), lr=lr)
    inputs = [[Value(x_i, label="x")] for x_i in X.tolist()]
    targets = y.tolist()
    for _iteration in range(iterations):
        # 1. forward
        loss = mse_loss([model(sample) for sample in inputs], targets)
        # 2. zero_grad
        optimizer.zero_grad()
        # 3. backward
        loss.backward()
        # 4. update
        optimizer.step()
    return model.b.data, model.w[0].data


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[float, float]:  # noqa: N803
    """The intercept and slope with the smallest possible mean squared error."""
    design = np.column_stack([np.ones_like(X), X])  # one row [1, x_i] per sample
    (intercept, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(intercept), float(slope)


def mse(X: np.ndarray, y: np.ndarray, theta_0, theta_1) -> float:  # noqa: N803
    """The MSE of theta_0 + theta_1 * x; the thetas may be arrays, as the bug makes them."""
    return float(np.mean((X * theta_1 + theta_0 - y) ** 2))


def shrink_per_step(X: np.ndarray, alpha: float) -> np.ndarray:  # noqa: N803
    """What one step of the primer's loop multiplies each sample's error by.

    Sample i's copies move by alpha/n times its error e_i: theta_0[i] by that,
    theta_1[i] by that times x_i, so e_i loses (alpha/n) (1 + x_i**2) e_i.
    """
    return 1.0 - alpha / len(X) * (1.0 + X * X)


@dataclass
class Row:
    method: str
    theta_0: float | np.ndarray
    theta_1: float | np.ndarray
    loss: float


def compare(
    seed: int = DEFAULT_SEED,
    alpha: float = PRIMER_ALPHA,
    iterations: int = PRIMER_ITERATIONS,
) -> list[Row]:
    """The table's rows: start, as written, fixed, engine (two rates), least squares."""
    X, y, theta_0, theta_1 = primer_data(seed)  # noqa: N806
    rows = [Row("start (np.random.randn)", theta_0, theta_1, mse(X, y, theta_0, theta_1))]
    as_written = primer_loop(X, y, theta_0, theta_1, alpha, iterations)
    rows.append(Row("primer's loop, as written", *as_written, mse(X, y, *as_written)))
    fixed = fixed_loop(X, y, theta_0, theta_1, alpha, iterations)
    rows.append(Row("primer's loop, sums fixed", *fixed, mse(X, y, *fixed)))
    # the primer's gradient is (1/n) sum(error), half the MSE's (2/n) sum(error):
    # its alpha is SGD(lr=alpha/2) on mse_loss
    same_step = engine_fit(X, y, theta_0, theta_1, alpha / 2, iterations)
    rows.append(
        Row(f"engine, SGD(lr={alpha / 2:g}) on mse_loss", *same_step, mse(X, y, *same_step))
    )
    full_step = engine_fit(X, y, theta_0, theta_1, alpha, iterations)
    rows.append(Row(f"engine, SGD(lr={alpha:g}) on mse_loss", *full_step, mse(X, y, *full_step)))
    best = least_squares(X, y)
    rows.append(Row("least squares (np.linalg.lstsq)", *best, mse(X, y, *best)))
    return rows


def describe(theta: float | np.ndarray) -> str:
    """A number to 4 decimals, or an array as its length and range."""
    if np.ndim(theta) == 0:
        return f"{float(theta):.4f}"
    return f"{np.size(theta)} numbers, {np.min(theta):.2f} .. {np.max(theta):.2f}"


def table(rows: Sequence[Row]) -> str:
    header = ("", "theta_0 (intercept)", "theta_1 (slope)", "loss (MSE)")
    lines = [header] + [
        (row.method, describe(row.theta_0), describe(row.theta_1), f"{row.loss:.4f}")
        for row in rows
    ]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {number}")
    return number


def positive_float(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return number


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run the primer's linear regression as written, with its sums fixed, "
        "and with this engine, on the primer's data, and compare them with least squares."
    )
    parser.add_argument(
        "--lr",
        "--alpha",
        dest="alpha",
        metavar="ALPHA",
        type=positive_float,
        default=PRIMER_ALPHA,
        help=f"the primer's learning rate alpha (default {PRIMER_ALPHA}, as in the primer)",
    )
    parser.add_argument(
        "--steps",
        "--iterations",
        dest="iterations",
        metavar="N",
        type=positive_int,
        default=PRIMER_ITERATIONS,
        help=f"gradient-descent steps (default {PRIMER_ITERATIONS}, as in the primer)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"np.random seed for the data and the starting point (default {DEFAULT_SEED})",
    )
    return parser.parse_args(argv)


def report(rows: Sequence[Row], seed: int, alpha: float, iterations: int) -> str:
    """What the demo prints: the data, the settings, and the table."""
    data = (
        f"data: the primer's, {PRIMER_SAMPLES} points, X = np.linspace(-1, 1, {PRIMER_SAMPLES}), "
        f"y = 2X + 1 + 0.1 * np.random.randn (seed {seed})"
    )
    settings = f"alpha = {alpha:g}, {iterations} iterations"
    return f"{data}\n{settings}\n\n{table(rows)}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows = compare(args.seed, args.alpha, args.iterations)
    print(report(rows, args.seed, args.alpha, args.iterations))
    return 0


if __name__ == "__main__":
    sys.exit(main())
