"""Fit y = 2x + 1 with one linear neuron and gradient descent, then check it against least squares.

    python demos/linear_regression.py [--steps N] [--lr LR] [--seed S] [--svg PATH] [--plot PATH]

The data are 100 points x evenly spaced in [-1, 1] with y = 2x + 1 plus a
little seeded noise. The model is one linear Neuron (prediction = w * x + b),
the loss the mean squared error over all 100 points, and each step of plain
gradient descent moves w and b against their gradients. The closed-form
least-squares answer (numpy.linalg.lstsq) is the best any line can do on these
points, so gradient descent should land on it. By default the demo also writes
the computation graph of one sample's loss, with its gradients, and (with
matplotlib) the loss curve, to demo-output/. Step through it with
``python -m pdb demos/linear_regression.py``.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Callable, Sequence

import numpy as np

from autograd import Value
from nn import SGD, Neuron, mse_loss

DEFAULT_STEPS = 300
DEFAULT_LR = 0.1
DEFAULT_SEED = 0
DEFAULT_OUT_DIR = "demo-output"
GRAPH_FILE = "linear_regression_graph.svg"
PLOT_FILE = "linear_regression_loss.png"


def make_data(seed: int, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """x evenly spaced in [-1, 1]; y = 2x + 1 + 0.1 * standard normal noise."""
    x = np.linspace(-1.0, 1.0, n)
    noise = np.random.default_rng(seed).standard_normal(n)
    y = 2.0 * x + 1.0 + 0.1 * noise
    return x, y


def closed_form(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The least-squares slope and intercept: the line with the smallest possible MSE."""
    design = np.column_stack([x, np.ones_like(x)])  # one row [x_i, 1] per sample
    (slope, intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(slope), float(intercept)


def train(
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    lr: float,
    seed: int,
    report: Callable[[int, float], None] | None = None,
) -> tuple[Neuron, list[float]]:
    """Full-batch gradient descent on the MSE; returns the neuron and each step's loss."""
    model = Neuron(1, activation=None, seed=seed)  # prediction = w.0 * x + b
    optimizer = SGD(model.parameters(), lr=lr)
    # The data never change, so each x becomes a leaf Value once, here, rather than a
    # new constant node in every step's graph. A neuron takes a list of inputs: [x].
    inputs = [[Value(x_i, label="x")] for x_i in x.tolist()]
    targets = y.tolist()
    losses = []
    for step in range(steps):
        # 1. forward: predict every sample and measure the mean squared error
        preds = [model(sample) for sample in inputs]
        loss = mse_loss(preds, targets)
        # 2. zero_grad: clear the gradients the previous step left on the parameters
        optimizer.zero_grad()
        # 3. backward: the chain rule gives d loss / d w.0 and d loss / d b
        loss.backward()
        # 4. update: param <- param - lr * grad, for w.0 and b
        optimizer.step()
        losses.append(loss.data)
        if report is not None:
            report(step, loss.data)
    return model, losses


def final_loss(slope: float, intercept: float, x: np.ndarray, y: np.ndarray) -> float:
    """The MSE of the line slope * x + intercept on the data."""
    residuals = slope * x + intercept - y
    return float(np.mean(residuals * residuals))


def sample_loss_graph(model: Neuron, x_0: float, y_0: float) -> Value:
    """One sample's loss, labelled and with gradients filled in, for drawing."""
    x = Value(x_0, label="x")
    y = Value(y_0, label="y")
    prediction = model([x])
    prediction.label = "prediction"
    loss = mse_loss(prediction, y)
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    return loss


class Progress:
    """Step and loss on a tqdm bar on a terminal, else a plain line every tenth of the run."""

    def __init__(self, steps: int, use_bar: bool):
        self.steps = steps
        self.every = max(1, steps // 10)
        self.bar = None
        if use_bar:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=steps, desc="training", unit="step")

    def __call__(self, step: int, loss: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(f"loss {loss:.6f}", refresh=False)
            self.bar.update(1)
        elif (step + 1) % self.every == 0 or step + 1 == self.steps:
            print(f"step {step + 1:>5}/{self.steps}  loss {loss:.6f}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def save_loss_plot(
    path: pathlib.Path, losses: list[float], x: np.ndarray, y: np.ndarray, model: Neuron
) -> None:
    """Left: the data and the fitted line; right: the loss per step (log scale)."""
    import matplotlib

    matplotlib.use("Agg")  # draw to a file; no display needed
    import matplotlib.pyplot as plt

    slope, intercept = model.w[0].data, model.b.data
    figure, (fit_axes, loss_axes) = plt.subplots(1, 2, figsize=(10, 4))
    fit_axes.scatter(x, y, s=10, label="data")
    fit_axes.plot(x, slope * x + intercept, color="C1", label=f"y = {slope:.3f}x + {intercept:.3f}")
    fit_axes.set_xlabel("x")
    fit_axes.set_ylabel("y")
    fit_axes.legend()
    fit_axes.set_title("fitted line")
    loss_axes.semilogy(range(1, len(losses) + 1), losses)
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("mean squared error")
    loss_axes.set_title("training loss")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def save_graph(path: pathlib.Path, loss: Value, params: Neuron) -> pathlib.Path:
    from autograd import save_svg

    path.parent.mkdir(parents=True, exist_ok=True)
    return save_svg(loss, path, params=params)  # w and b drawn as parameters, x and y as data


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
        description="Fit y = 2x + 1 + noise with one linear neuron and gradient descent, "
        "and compare with the closed-form least-squares line."
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=DEFAULT_STEPS,
        help=f"gradient-descent steps (default {DEFAULT_STEPS})",
    )
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=DEFAULT_LR,
        help=f"learning rate (default {DEFAULT_LR})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed for the noise and the initial weights (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--svg",
        type=pathlib.Path,
        metavar="PATH",
        help="write the graph of one sample's loss, with gradients, as SVG",
    )
    parser.add_argument(
        "--plot",
        type=pathlib.Path,
        metavar="PATH",
        help="write the fitted line and loss curve as an image (needs matplotlib)",
    )
    parser.add_argument(
        "--out-dir",
        type=pathlib.Path,
        default=pathlib.Path(DEFAULT_OUT_DIR),
        metavar="DIR",
        help="where the graph and plot go when --svg/--plot are not given "
        f"(default {DEFAULT_OUT_DIR}/)",
    )
    parser.add_argument(
        "--no-files", action="store_true", help="write only the files asked for with --svg/--plot"
    )
    args = parser.parse_args(argv)
    if args.plot is not None and not _has_matplotlib():
        parser.error("--plot needs matplotlib: pip install -e '.[demos]'")
    return args


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    x, y = make_data(args.seed)
    print(
        f"data: {len(x)} points, x evenly spaced in [-1, 1], y = 2x + 1 + 0.1 * noise "
        f"(seed {args.seed})"
    )
    print(f"model: Neuron(1, activation=None), SGD(lr={args.lr}), {args.steps} full-batch steps")

    progress = Progress(args.steps, use_bar=sys.stderr.isatty())
    try:
        model, losses = train(x, y, args.steps, args.lr, args.seed, report=progress)
    finally:
        progress.close()

    slope, intercept = model.w[0].data, model.b.data
    best_slope, best_intercept = closed_form(x, y)
    print(f"learned:        slope w = {slope:.6f}  intercept b = {intercept:.6f}")
    print(f"least squares:  slope w = {best_slope:.6f}  intercept b = {best_intercept:.6f}")
    print(
        f"difference:     slope {abs(slope - best_slope):.3e}  "
        f"intercept {abs(intercept - best_intercept):.3e}"
    )
    print(
        f"final loss:     {final_loss(slope, intercept, x, y):.6f} "
        f"(least squares: {final_loss(best_slope, best_intercept, x, y):.6f})"
    )

    status = 0
    svg_path = args.svg
    if svg_path is None and not args.no_files:
        svg_path = args.out_dir / GRAPH_FILE
    if svg_path is not None:
        try:
            loss_graph = sample_loss_graph(model, float(x[0]), float(y[0]))
            written = save_graph(svg_path, loss_graph, params=model)
        except Exception as error:  # rendering is a bonus: report it and keep the results
            print(f"could not write the graph SVG {str(svg_path)!r}: {error}", file=sys.stderr)
            if args.svg is not None:
                status = 1
        else:
            print(f"wrote {written} (one sample's loss as a graph, with gradients)")

    plot_path = args.plot
    if plot_path is None and not args.no_files and _has_matplotlib():
        plot_path = args.out_dir / PLOT_FILE
    if plot_path is not None:
        save_loss_plot(plot_path, losses, x, y, model)
        print(f"wrote {plot_path} (fitted line and loss curve)")
    return status


if __name__ == "__main__":
    sys.exit(main())
