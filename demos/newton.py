"""Newton's method with Hessians from autograd.hessian: a line in one step, Rosenbrock's valley.

    python demos/newton.py [--seed S] [--lr LR] [--rosenbrock-lr LR] [--steps N] [--tol T]
                           [--plot PATH | --no-plot]

Gradient descent moves against the gradient by a fixed fraction (the
learning rate) and needs many small steps where the loss is a long narrow
valley. Newton's method also uses the second derivatives: near a point the
loss is roughly a bowl ``f(p + d) ~ f(p) + g.d + d.H.d / 2`` and its step
``d = -H^-1 g`` jumps to that bowl's bottom.

1. The primer's linear regression (its data, drawn by demos/primer.py's
   ``primer_data``): the MSE of a line is exactly a bowl in (intercept, slope),
   so ONE Newton step from the primer's random start lands on the
   least-squares line (np.linalg.lstsq) to rounding error; gradient descent
   takes hundreds of steps to get as close.
2. Rosenbrock's function ``(1 - x)^2 + 100 (y - x^2)^2`` from (-1.2, 1), a
   curved valley with its minimum at (1, 1): gradient descent crawls along the
   valley floor; Newton with a backtracking line search gets there in a couple
   of dozen iterations. Full Newton steps also get there here, but only by
   luck: its second step lands far outside the valley with a loss thousands of
   times higher, and nothing in a full step stops that (the line search does).

Every gradient comes from ``autograd.grad`` and every Hessian from
``autograd.hessian``. With matplotlib the demo draws both iterate paths over
the contour lines of Rosenbrock's function (default
demo-output/newton_rosenbrock.png).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import math
import pathlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from autograd import Value, grad, hessian
from autograd.files import write_bytes_atomically

try:
    from demos.primer import primer_data  # imported from the repository root (tests, docs)
except ImportError:  # run as a script from anywhere: primer.py sits beside this file
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from primer import primer_data

DEFAULT_SEED = 0
DEFAULT_LR = 0.1  # gradient descent on the regression's MSE, as demos/linear_regression.py
DEFAULT_ROSENBROCK_LR = 1e-3  # below 2 / (the largest curvature on the path, about 1506)
DEFAULT_STEPS = 10_000
DEFAULT_TOL = 1e-8
DEFAULT_PLOT = pathlib.Path("demo-output") / "newton_rosenbrock.png"
ROSENBROCK_START = (-1.2, 1.0)
ROSENBROCK_MINIMUM = (1.0, 1.0)
# Armijo's sufficient decrease: accept a step that achieves this fraction of
# what the slope at the current point promises
ARMIJO_FRACTION = 1e-4
MAX_HALVINGS = 60

Objective = Callable[..., Value]


# ---- derivatives, all from the engine ----


def value_and_gradient(f: Objective, point: Sequence[float]) -> tuple[float, np.ndarray]:
    """f(point) and its gradient, with one forward pass and one backward pass."""
    inputs = [Value(float(coordinate), label=f"x{index}") for index, coordinate in enumerate(point)]
    output = f(*inputs)
    return output.data, np.array(grad(output, inputs))


def newton_direction(f: Objective, point: Sequence[float]) -> tuple[float, np.ndarray, np.ndarray]:
    """f(point), its gradient g, and the Newton direction -H^-1 g (H from autograd.hessian).

    Where H is not positive definite the local bowl has no bottom and -H^-1 g
    need not go downhill; the direction is then -g, gradient descent's.
    """
    value, gradient = value_and_gradient(f, point)
    curvature = np.array(hessian(f, list(point)))
    try:
        np.linalg.cholesky(curvature)  # succeeds exactly when H is positive definite
    except np.linalg.LinAlgError:
        return value, gradient, -gradient
    return value, gradient, -np.linalg.solve(curvature, gradient)


# ---- 1. the primer's linear regression ----


def mse_of_line(X: np.ndarray, y: np.ndarray) -> Objective:  # noqa: N803 (the primer's names)
    """The MSE of theta_0 + theta_1 * x on the data, as a function of (theta_0, theta_1).

    It runs on Values (for the engine's derivatives) and on plain floats alike.
    """
    samples = list(zip(X.tolist(), y.tolist(), strict=True))

    def loss(theta_0, theta_1):
        total = 0.0
        for x_i, y_i in samples:
            error = theta_1 * x_i + theta_0 - y_i
            total = total + error * error
        return total / len(samples)

    return loss


@dataclass
class RegressionResult:
    start: tuple[float, float]
    hessian: list[list[float]]
    newton: tuple[float, float]  # after one Newton step
    least_squares: tuple[float, float]
    gd_steps: int | None  # gradient-descent steps to come within tol of least squares
    gd_final: tuple[float, float]


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[float, float]:  # noqa: N803
    """(intercept, slope) from np.linalg.lstsq: the line with the smallest MSE."""
    design = np.column_stack([np.ones_like(X), X])  # one row [1, x_i] per sample
    (intercept, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(intercept), float(slope)


def one_newton_step(f: Objective, start: Sequence[float]) -> tuple[float, float]:
    """start + (-H^-1 g): the exact minimum when f is a bowl (a quadratic with H > 0)."""
    _value, gradient = value_and_gradient(f, start)
    curvature = np.array(hessian(f, list(start)))
    theta_0, theta_1 = np.asarray(start) - np.linalg.solve(curvature, gradient)
    return float(theta_0), float(theta_1)


def gradient_descent(
    f: Objective,
    start: Sequence[float],
    lr: float,
    steps: int,
    target: Sequence[float],
    tol: float,
) -> tuple[list[np.ndarray], int | None]:
    """Plain gradient descent: the path, and the step it came within tol of target (or None)."""
    point = np.array(start, dtype=float)
    path = [point]
    for step in range(1, steps + 1):
        _value, gradient = value_and_gradient(f, point)
        point = point - lr * gradient
        path.append(point)
        if not np.all(np.isfinite(point)):
            return path, None  # diverged: the learning rate is too large for this curvature
        if distance(point, target) < tol:
            return path, step
    return path, None


def regression(seed: int, lr: float, steps: int, tol: float) -> RegressionResult:
    X, y, theta_0, theta_1 = primer_data(seed)  # noqa: N806
    loss = mse_of_line(X, y)
    start = (float(theta_0), float(theta_1))
    best = least_squares(X, y)
    path, gd_steps = gradient_descent(loss, start, lr, steps, best, tol)
    return RegressionResult(
        start=start,
        hessian=hessian(loss, list(start)),
        newton=one_newton_step(loss, start),
        least_squares=best,
        gd_steps=gd_steps,
        gd_final=(float(path[-1][0]), float(path[-1][1])),
    )


# ---- 2. Rosenbrock's valley ----


def rosenbrock(x, y):
    """(1 - x)^2 + 100 (y - x^2)^2: minimum 0 at (1, 1), at the bottom of a curved valley."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


@dataclass
class Run:
    method: str
    path: list[np.ndarray]
    iterations: int | None  # to come within tol of the minimum; None if it never did
    losses: list[float] = field(default_factory=list)

    @property
    def final(self) -> np.ndarray:
        return self.path[-1]


def newton(
    f: Objective,
    start: Sequence[float],
    target: Sequence[float],
    tol: float,
    max_iterations: int,
    line_search: bool = True,
) -> Run:
    """Newton's method; with line_search, each step is halved until f drops enough (Armijo).

    A full Newton step jumps to the bottom of the local bowl, which can be far
    from the bottom of f: the line search keeps only steps that lower f by a
    fair share of what the slope promises, so f goes down at every iteration.
    """
    point = np.array(start, dtype=float)
    run = Run("Newton + line search" if line_search else "Newton, full steps", [point], None)
    run.losses.append(float(f(*point)))
    for iteration in range(1, max_iterations + 1):
        value, gradient, direction = newton_direction(f, point)
        step = 1.0
        if line_search:
            slope = float(gradient @ direction)  # < 0: the direction goes downhill
            halvings = 0
            while float(f(*(point + step * direction))) > value + ARMIJO_FRACTION * step * slope:
                step /= 2
                halvings += 1
                if halvings == MAX_HALVINGS:
                    raise RuntimeError(f"line search found no decrease at {point.tolist()}")
        point = point + step * direction
        run.path.append(point)
        run.losses.append(float(f(*point)))
        if distance(point, target) < tol:
            run.iterations = iteration
            break
    return run


def rosenbrock_runs(lr: float, steps: int, tol: float) -> list[Run]:
    """Newton with a line search, Newton with full steps, and gradient descent, from (-1.2, 1)."""
    runs = [
        newton(rosenbrock, ROSENBROCK_START, ROSENBROCK_MINIMUM, tol, steps, line_search=True),
        newton(rosenbrock, ROSENBROCK_START, ROSENBROCK_MINIMUM, tol, steps, line_search=False),
    ]
    path, gd_iterations = gradient_descent(
        rosenbrock, ROSENBROCK_START, lr, steps, ROSENBROCK_MINIMUM, tol
    )
    gd = Run(f"gradient descent (lr={lr:g})", path, gd_iterations)
    gd.losses = [float(rosenbrock(*point)) for point in path]
    runs.append(gd)
    return runs


def distance(point: Sequence[float], target: Sequence[float]) -> float:
    return math.dist([float(coordinate) for coordinate in point], target)


# ---- the plot ----


def save_rosenbrock_plot(path: pathlib.Path, runs: Sequence[Run]) -> None:
    """The iterate paths over Rosenbrock's contour lines, as a PNG written atomically."""
    import matplotlib

    matplotlib.use("Agg")  # draw to a file; no display needed
    import matplotlib.pyplot as plt

    xs = np.linspace(-2.0, 2.0, 400)
    ys = np.linspace(-1.0, 3.0, 400)
    grid_x, grid_y = np.meshgrid(xs, ys)
    heights = rosenbrock(grid_x, grid_y)
    figure, axes = plt.subplots(figsize=(7, 6))
    axes.contour(grid_x, grid_y, heights, levels=np.logspace(-1, 3.5, 14), colors="0.7")
    styles = {"Newton + line search": ("C1", "o"), "Newton, full steps": ("C2", "s")}
    for run in runs:
        colour, marker = styles.get(run.method, ("C0", None))
        points = np.array(run.path)
        inside = (np.abs(points[:, 0]) <= 2.0) & (points[:, 1] >= -1.0) & (points[:, 1] <= 3.0)
        label = f"{run.method}: {describe_iterations(run.iterations, len(run.path) - 1)}"
        if not inside.all():
            # full Newton steps leave the picture (its second step lands at y ~ -3.2)
            lowest = points[np.argmin(points[:, 1])]
            label += f", not drawn: it jumps to ({lowest[0]:.2f}, {lowest[1]:.2f})"
            axes.plot([], [], " ", label=label)
            continue
        axes.plot(
            points[:, 0], points[:, 1], color=colour, marker=marker, markersize=4, label=label
        )
    axes.plot(*ROSENBROCK_START, "k^", markersize=9, zorder=5, label="start (-1.2, 1)")
    axes.plot(*ROSENBROCK_MINIMUM, "k*", markersize=12, zorder=5, label="minimum (1, 1)")
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_title("Rosenbrock: (1 - x)² + 100 (y - x²)²")
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    try:
        write_png_atomically(path, figure)
    finally:
        plt.close(figure)


def write_png_atomically(path: pathlib.Path, figure) -> None:
    """Save the figure as PNG with autograd.files's writer: never half a PNG, even on a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = io.BytesIO()
    figure.savefig(image, format="png")
    write_bytes_atomically(path, image.getvalue())


def describe_iterations(iterations: int | None, taken: int) -> str:
    if iterations is None:
        return f"not converged in {taken} steps"
    return f"{iterations} iterations"


def regression_report(
    result: RegressionResult, seed: int, lr: float, steps: int, tol: float
) -> str:
    newton_error = distance(result.newton, result.least_squares)
    rows = [
        "1. the primer's linear regression, one Newton step",
        f"data: the primer's (demos/primer.py primer_data), 100 points, seed {seed}",
        f"start (np.random.randn):  theta_0 = {result.start[0]:.12f}  "
        f"theta_1 = {result.start[1]:.12f}",
        "Hessian of the MSE (autograd.hessian): "
        + "[[{:.6f}, {:.6f}], [{:.6f}, {:.6f}]]".format(*result.hessian[0], *result.hessian[1]),
        f"one Newton step:          theta_0 = {result.newton[0]:.12f}  "
        f"theta_1 = {result.newton[1]:.12f}",
        f"least squares (lstsq):    theta_0 = {result.least_squares[0]:.12f}  "
        f"theta_1 = {result.least_squares[1]:.12f}",
        f"Newton vs least squares:  distance {newton_error:.1e}",
    ]
    if result.gd_steps is None:
        gap = distance(result.gd_final, result.least_squares)
        rows.append(
            f"gradient descent (lr={lr:g}): not within {tol:g} of least squares after "
            f"{steps} steps (distance {gap:.1e})"
        )
    else:
        rows.append(
            f"gradient descent (lr={lr:g}): {result.gd_steps} steps to come within {tol:g} "
            "of least squares"
        )
    return "\n".join(rows)


def rosenbrock_report(runs: Sequence[Run], tol: float) -> str:
    header = ("method", "iterations", "final (x, y)", "distance to (1, 1)", "highest f after start")
    lines = [header]
    for run in runs:
        x, y = run.final
        lines.append(
            (
                run.method,
                describe_iterations(run.iterations, len(run.path) - 1),
                f"({x:.10f}, {y:.10f})",
                f"{distance(run.final, ROSENBROCK_MINIMUM):.1e}",
                f"{max(run.losses[1:]):.4g}",
            )
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    table = "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
    return (
        "2. Rosenbrock (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1), minimum at (1, 1)\n"
        f"f at the start: {rosenbrock(*ROSENBROCK_START):.4g}; converged means within {tol:g} "
        "of (1, 1)\n" + table
    )


# ---- options ----


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
        description="Newton's method with Hessians from autograd.hessian: the primer's linear "
        "regression in one step, and Rosenbrock's function, against gradient descent."
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"np.random seed for the primer's data and starting point (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=DEFAULT_LR,
        help=f"gradient descent's learning rate on the regression (default {DEFAULT_LR})",
    )
    parser.add_argument(
        "--rosenbrock-lr",
        type=positive_float,
        metavar="LR",
        default=DEFAULT_ROSENBROCK_LR,
        help=f"gradient descent's learning rate on Rosenbrock (default {DEFAULT_ROSENBROCK_LR})",
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        metavar="N",
        default=DEFAULT_STEPS,
        help=f"the most iterations any method may take (default {DEFAULT_STEPS})",
    )
    parser.add_argument(
        "--tol",
        type=positive_float,
        metavar="T",
        default=DEFAULT_TOL,
        help=f"converged means within T of the answer (default {DEFAULT_TOL:g})",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--plot",
        type=pathlib.Path,
        metavar="PATH",
        help=f"write the Rosenbrock paths as a PNG (default {DEFAULT_PLOT}; needs matplotlib)",
    )
    where.add_argument("--no-plot", action="store_true", help="draw no picture")
    args = parser.parse_args(argv)
    if args.plot is not None:
        if not _has_matplotlib():
            parser.error("--plot needs matplotlib: pip install -e '.[demos]'")
        if args.plot.is_dir():
            parser.error(f"--plot: {str(args.plot)!r} is a folder; give a file path such as x.png")
        if args.plot.suffix.lower() != ".png":
            parser.error(f"--plot: {str(args.plot)!r} must end in .png (the picture is a PNG)")
    return args


def _has_matplotlib() -> bool:
    # find_spec, not import: a bad option is reported without waiting for matplotlib to load
    return importlib.util.find_spec("matplotlib") is not None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = regression(args.seed, args.lr, args.steps, args.tol)
    print(regression_report(result, args.seed, args.lr, args.steps, args.tol))
    print()
    runs = rosenbrock_runs(args.rosenbrock_lr, args.steps, args.tol)
    print(rosenbrock_report(runs, args.tol))

    plot_path = args.plot
    if plot_path is None and not args.no_plot and _has_matplotlib():
        plot_path = DEFAULT_PLOT
    if plot_path is not None:
        try:
            save_rosenbrock_plot(plot_path, runs)
        except OSError as error:
            print(f"could not write the plot {str(plot_path)!r}: {error}", file=sys.stderr)
            return 1
        print(f"wrote {plot_path} (both iterate paths over Rosenbrock's contour lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
