"""Fit y = 2x + 1 with one linear neuron and gradient descent, then check it against least squares.

    python demos/linear_regression.py [--steps N] [--lr LR] [--seed S] [--svg PATH] [--plot PATH]
                                      [--out-dir DIR] [--no-files] [--compiled]

The data are 100 points x evenly spaced in [-1, 1] with y = 2x + 1 plus a
little seeded noise. The model is one linear Neuron (prediction = w * x + b),
the loss the mean squared error over all 100 points, and each step of plain
gradient descent moves w and b against their gradients. The closed-form
least-squares answer (numpy.linalg.lstsq) is the best any line can do on these
points, so gradient descent should land on it. By default the demo also writes
the computation graph of one sample's loss, with its gradients, and (with
matplotlib) the loss curve, to demo-output/. Step through it with
``python -m pdb demos/linear_regression.py``.

Every option is checked before training starts: a bad one is one line on
stderr and exit status 2. A learning rate so large that the loss becomes
infinite, NaN or a thousand times its starting value stops the run with exit
status 1 and a smaller learning rate to try.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import math
import os
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import numpy as np

from autograd import Value, compile_graph
from autograd.files import write_bytes_atomically
from nn import SGD, Neuron, mse_loss

DEFAULT_STEPS = 300
MAX_STEPS = 100_000  # about two minutes on a laptop; the default takes a third of a second
DEFAULT_LR = 0.1
DEFAULT_SEED = 0
MAX_SEED = 2**32 - 1
DIVERGED_FACTOR = 1000.0  # a loss this many times its starting value means the run diverges
# the formats matplotlib writes with no extra software (pgf would need LaTeX)
PLOT_FORMATS = ("png", "pdf", "svg", "eps", "ps", "jpg", "jpeg", "tif", "tiff")
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


class DivergedError(Exception):
    """The loss became infinite or NaN, or DIVERGED_FACTOR times its starting value."""

    def __init__(self, step: int, steps: int, loss: float, first_loss: float, lr: float):
        if math.isfinite(loss):
            what = (
                f"grew to {loss:.6g}, more than {DIVERGED_FACTOR:,.0f} times "
                f"its starting value {first_loss:.6g}"
            )
        else:
            what = f"became {loss} (it started at {first_loss:.6g})"
        super().__init__(
            f"training diverged at step {step} of {steps}: the loss {what}; "
            f"the learning rate {lr:g} is too large: try a smaller one, such as --lr {lr / 10:g}"
        )
        self.step = step
        self.loss = loss
        self.lr = lr


def check_loss(step: int, steps: int, loss: float, first_loss: float, lr: float) -> None:
    """Raise DivergedError if ``loss`` (1-based ``step``) is not finite or grew a thousandfold."""
    if not math.isfinite(loss) or (first_loss > 0.0 and loss > DIVERGED_FACTOR * first_loss):
        raise DivergedError(step, steps, loss, first_loss, lr)


def train(
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    lr: float,
    seed: int,
    report: Callable[[int, float], None] | None = None,
) -> tuple[Neuron, list[float]]:
    """Full-batch gradient descent on the MSE; returns the neuron and each step's loss.

    Raises DivergedError, naming the step and the learning rate, when the loss
    becomes infinite or NaN or grows DIVERGED_FACTOR times its first value.
    """
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
        # too large a learning rate makes the loss run away: stop and say so
        check_loss(step + 1, steps, loss.data, losses[0] if losses else loss.data, lr)
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


def train_compiled(
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    lr: float,
    seed: int,
    report: Callable[[int, float], None] | None = None,
) -> tuple[Neuron, list[float]]:
    """train(), each step replayed over all samples at once by compile_graph.

    One sample's squared error is traced once into a flat program (print it:
    see docs/compiled.md); each step runs it on the whole x and y columns and
    writes the mean's gradient into w.0 and b, as loss.backward() would. The
    losses equal train()'s to rounding.
    """
    model = Neuron(1, activation=None, seed=seed)
    optimizer = SGD(model.parameters(), lr=lr)
    program = compile_graph(lambda x_i, y_i: (model([x_i]) - y_i) ** 2, params=model)
    losses: list[float] = []
    for step in range(steps):
        # 1-3. forward, zero_grad, backward: for all samples in one replay of the program
        optimizer.zero_grad()
        loss = program.accumulate(x, y, reduction="mean")
        check_loss(step + 1, steps, loss, losses[0] if losses else loss, lr)
        # 4. update: param <- param - lr * grad, for w.0 and b
        optimizer.step()
        losses.append(loss)
        if report is not None:
            report(step, loss)
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
            self.bar = None


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
    image = io.BytesIO()
    figure.savefig(image, format=path.suffix.lower().removeprefix("."))
    plt.close(figure)
    write_bytes_atomically(path, image.getvalue())  # never half an image, even on a crash


def save_graph(path: pathlib.Path, loss: Value, params: Neuron) -> pathlib.Path:
    from autograd import save_svg

    path.parent.mkdir(parents=True, exist_ok=True)
    return save_svg(loss, path, params=params)  # w and b drawn as parameters, x and y as data


class DemoArgumentParser(argparse.ArgumentParser):
    """argparse, with each error as one line: ``prog: error: message``, then exit status 2."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument --") and message.endswith(": expected one argument"):
            option = message.removeprefix("argument ").partition(":")[0]
            message += f" (a value that starts with - goes after =, as in {option}=-1)"
        self.exit(2, f"{self.prog}: error: {message} (--help lists the options)\n")


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        digits = text.strip().lstrip("+-")
        try:
            number = int(text)
        except ValueError:
            if digits.isdigit():  # past Python's limit on the digits of an int
                raise argparse.ArgumentTypeError(
                    f"must be from {low:,} to {high:,}, got a {len(digits):,}-digit number"
                ) from None
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= number <= high:
            shown = f"{number:,}" if len(digits) <= 30 else f"a {len(digits):,}-digit number"
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {shown}")
        return number

    return parse


def positive_float(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return number


def file_path(text: str) -> pathlib.Path:
    if not text:
        raise argparse.ArgumentTypeError("expected a file path, got an empty one")
    if text.endswith(("/", os.sep)):  # pathlib would drop the slash and write a file there
        raise argparse.ArgumentTypeError(f"expected a file path, got the folder path {text!r}")
    return pathlib.Path(text)


def folder_path(text: str) -> pathlib.Path:
    if not text:
        raise argparse.ArgumentTypeError("expected a folder path, got an empty one")
    return pathlib.Path(text)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = DemoArgumentParser(
        description="Fit y = 2x + 1 + noise with one linear neuron and gradient descent, "
        "and compare with the closed-form least-squares line. Every option is checked "
        "before training: a bad one is one line on stderr and exit status 2. A run whose "
        "loss diverges stops with exit status 1."
    )
    parser.add_argument(
        "--steps",
        type=whole_number(1, MAX_STEPS),
        default=DEFAULT_STEPS,
        metavar="N",
        help=f"gradient-descent steps, 1 to {MAX_STEPS:,} (default {DEFAULT_STEPS})",
    )
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=DEFAULT_LR,
        help=f"learning rate, a finite number > 0 (default {DEFAULT_LR})",
    )
    parser.add_argument(
        "--seed",
        type=whole_number(0, MAX_SEED),
        default=DEFAULT_SEED,
        metavar="S",
        help=f"seed for the noise and the initial weights, 0 to 2**32 - 1 (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--svg",
        type=file_path,
        metavar="PATH",
        help="write the graph of one sample's loss, with gradients, as SVG",
    )
    parser.add_argument(
        "--plot",
        type=file_path,
        metavar="PATH",
        help="write the fitted line and loss curve as an image (needs matplotlib); "
        f"the extension picks the format: .{', .'.join(PLOT_FORMATS)} (none: .png is added)",
    )
    parser.add_argument(
        "--out-dir",
        type=folder_path,
        default=pathlib.Path(DEFAULT_OUT_DIR),
        metavar="DIR",
        help="the folder (created if missing) where the graph and plot go when --svg/--plot "
        f"are not given (default {DEFAULT_OUT_DIR}/)",
    )
    parser.add_argument(
        "--no-files", action="store_true", help="write only the files asked for with --svg/--plot"
    )
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="trace one sample's loss once and replay it over all samples with NumPy "
        "(compile_graph): the same losses, much faster",
    )
    args = parser.parse_args(argv)
    if args.plot is not None and not _has_matplotlib():
        parser.error("--plot needs matplotlib: pip install -e '.[demos]'")
    if args.plot is not None:
        args.plot = _plot_file(parser, "--plot", args.plot)
    # the files to write, each checked now: a bad path must not cost a training run
    args.svg_path, args.plot_path = args.svg, args.plot
    if not args.no_files:
        if args.svg is None or (args.plot is None and _has_matplotlib()):
            problem = _folder_problem(args.out_dir)
            if problem:
                parser.error(f"argument --out-dir: {problem}")
        if args.svg_path is None:
            args.svg_path = args.out_dir / GRAPH_FILE
        if args.plot_path is None and _has_matplotlib():
            args.plot_path = args.out_dir / PLOT_FILE
    for option, given, path in (
        ("--svg", args.svg, args.svg_path),
        ("--plot", args.plot, args.plot_path),
    ):
        if path is not None:
            problem = _file_problem(path)
            if problem:
                parser.error(f"argument {option if given is not None else '--out-dir'}: {problem}")
    return args


def _plot_file(parser: argparse.ArgumentParser, option: str, path: pathlib.Path) -> pathlib.Path:
    """``path`` with the format matplotlib will write: no extension means PNG, as in savefig."""
    if path.is_dir():
        parser.error(
            f"argument {option}: {str(path)!r} is a folder; give a file path in it, "
            f"such as {str(path / PLOT_FILE)!r}"
        )
    extension = path.suffix.lower().removeprefix(".")
    if not extension:
        return path.with_name(path.name + ".png")
    if extension not in PLOT_FORMATS:
        parser.error(
            f"argument {option}: cannot write a .{extension} image; "
            f"use one of .{', .'.join(PLOT_FORMATS)}"
        )
    return path


def _folder_problem(folder: pathlib.Path) -> str | None:
    """Why files cannot be written into ``folder`` (created if missing), or None."""
    try:
        if folder.is_dir():
            if not os.access(folder, os.W_OK | os.X_OK):
                return f"the folder {str(folder)!r} is not writable"
            return None
        if folder.exists():
            return f"{str(folder)!r} is a file, not a folder"
        return _creatable(folder)
    except OSError as error:
        return f"cannot use {str(folder)!r}: {error.strerror or error}"


def _file_problem(path: pathlib.Path) -> str | None:
    """Why ``path`` cannot be written as a file (its folders created if missing), or None."""
    try:
        if path.is_dir():
            return f"{str(path)!r} is a folder, not a file"
        if path.exists() and not os.access(path, os.W_OK):
            return f"{str(path)!r} is not writable"
        return _creatable(path)
    except OSError as error:
        return f"cannot use {str(path)!r}: {error.strerror or error}"


def _creatable(path: pathlib.Path) -> str | None:
    """Why ``path``'s missing folders cannot be created in its nearest existing one, or None."""
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot write {str(path)!r}: {str(existing)!r} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot write {str(path)!r}: the folder {str(existing)!r} is not writable"
    return None


def _has_matplotlib() -> bool:
    # find_spec, not import: checking the options stays quick (matplotlib loads in ~0.5 s)
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # a module whose spec is None: not importable either
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    x, y = make_data(args.seed)
    print(
        f"data: {len(x)} points, x evenly spaced in [-1, 1], y = 2x + 1 + 0.1 * noise "
        f"(seed {args.seed})"
    )
    replay = ", replayed by compile_graph" if args.compiled else ""
    print(
        f"model: Neuron(1, activation=None), SGD(lr={args.lr}), "
        f"{args.steps} full-batch steps{replay}"
    )

    progress = Progress(args.steps, use_bar=sys.stderr.isatty())
    try:
        trainer = train_compiled if args.compiled else train
        model, losses = trainer(x, y, args.steps, args.lr, args.seed, report=progress)
    except DivergedError as diverged:
        progress.close()
        print(f"{pathlib.Path(sys.argv[0]).name}: error: {diverged}", file=sys.stderr)
        return 1
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
    if args.svg_path is not None:
        try:
            loss_graph = sample_loss_graph(model, float(x[0]), float(y[0]))
            written = save_graph(args.svg_path, loss_graph, params=model)
        except Exception as error:  # rendering is a bonus: report it and keep the results
            print(f"could not write the graph SVG {str(args.svg_path)!r}: {error}", file=sys.stderr)
            if args.svg is not None:
                status = 1
        else:
            print(f"wrote {written} (one sample's loss as a graph, with gradients)")

    if args.plot_path is not None:
        try:
            save_loss_plot(args.plot_path, losses, x, y, model)
        except Exception as error:  # checked before training, so this is rare: report it
            print(f"could not write the plot {str(args.plot_path)!r}: {error}", file=sys.stderr)
            if args.plot is not None:
                status = 1
        else:
            print(f"wrote {args.plot_path} (fitted line and loss curve)")
    return status


if __name__ == "__main__":
    sys.exit(main())
