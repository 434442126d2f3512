"""Train MLP(2, [16, 16, 1]) to separate two interleaving half-moons, with SGD and momentum.

    python demos/moons.py [--steps N] [--lr LR] [--momentum M] [--samples N] [--noise SD]
                          [--seed S] [--plot PATH] [--loss {mse,bce,hinge,ce}]

The two moons are generated with NumPy (seeded, nothing is downloaded): one
class on the upper arc, labelled -1, the other on the lower arc, labelled +1.
The network outputs one number per point; its sign is the predicted class, and
the loss is the mean squared error to the labels. A point is classified
correctly when the output has the label's sign. ``--loss`` picks another loss:
``bce`` (binary cross-entropy on the output as a logit, labels as 0/1),
``hinge`` (the SVM's margin loss on the -1/+1 labels) or ``ce`` (cross-entropy
over two outputs, one logit per class; the score is their difference). With the defaults the network
reaches 100% training accuracy in about 80 steps. ``--plot PATH`` draws the
decision boundary (needs matplotlib).

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

from autograd import Value, compile_graph, no_grad
from autograd.files import write_bytes_atomically
from nn import MLP, SGD, binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss

DEFAULT_STEPS = 100
MAX_STEPS = 20_000
DEFAULT_LR = 0.05
DEFAULT_MOMENTUM = 0.9
DEFAULT_SAMPLES = 100
MAX_SAMPLES = 2_000
# The cost is one forward and backward pass per point per step, about 1.4 ms on a laptop:
# the defaults (100 x 100) take about 15 s, this bound about 5 minutes.
MAX_POINT_STEPS = 200_000
DEFAULT_NOISE = 0.1
MAX_NOISE = 10.0  # the moons are about 3 wide: more noise than this is all noise
DEFAULT_SEED = 0
LOSSES = ("mse", "bce", "hinge", "ce")
DEFAULT_LOSS = "mse"
MAX_SEED = 2**32 - 1
DIVERGED_FACTOR = 1000.0  # a loss this many times its starting value means the run diverges
# the formats matplotlib writes with no extra software (pgf would need LaTeX)
PLOT_FORMATS = ("png", "pdf", "svg", "eps", "ps", "jpg", "jpeg", "tif", "tiff")
PLOT_FILE = "moons.png"


def make_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on two interleaving half-circles plus Gaussian noise; labels -1 and +1."""
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    angle_upper = np.linspace(0.0, np.pi, n_upper)
    angle_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(angle_upper), np.sin(angle_upper)])
    lower = np.column_stack([1.0 - np.cos(angle_lower), 0.5 - np.sin(angle_lower)])
    points = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    labels = np.concatenate([-np.ones(n_upper), np.ones(n_lower)])
    return points, labels


def accuracy(outputs: Sequence[float], labels: Sequence[float]) -> float:
    """The fraction of outputs whose sign matches the label's."""
    correct = sum(
        (output > 0.0) == (label > 0.0) for output, label in zip(outputs, labels, strict=True)
    )
    return correct / len(labels)


def score(output: Value | list[Value]) -> Value:
    """One number per point whose sign is the class: the output, or logit 1 - logit 0."""
    if isinstance(output, Value):
        return output
    return output[1] - output[0]


def classification_loss(loss: str, outputs: list, labels: Sequence[float]) -> Value:
    """The chosen loss of the outputs against the -1/+1 labels, each in the form it needs."""
    if loss == "bce":
        return binary_cross_entropy_with_logits(outputs, [(label + 1) / 2 for label in labels])
    if loss == "hinge":
        return hinge_loss(outputs, labels)
    if loss == "ce":
        return cross_entropy(outputs, [int(label > 0) for label in labels])
    return mse_loss(outputs, labels)


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
    points: np.ndarray,
    labels: np.ndarray,
    steps: int,
    lr: float,
    momentum: float,
    seed: int,
    log_every: int = 10,
    loss_name: str = DEFAULT_LOSS,
) -> tuple[MLP, list[float]]:
    """Full-batch SGD on the chosen loss; returns the model and each step's accuracy.

    Raises DivergedError, naming the step and the learning rate, when the loss
    becomes infinite or NaN or grows DIVERGED_FACTOR times its first value.
    """
    model = MLP(2, [16, 16, 2 if loss_name == "ce" else 1], seed=seed)
    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    inputs = points.tolist()
    targets = labels.tolist()
    accuracies = []
    first_loss = math.nan
    for step in range(steps):
        # 1. forward: one output per point (two for ce), and the loss against the labels
        outputs = [model(x) for x in inputs]
        loss = classification_loss(loss_name, outputs, targets)
        # too large a learning rate makes the loss run away: stop and say so
        first_loss = loss.data if step == 0 else first_loss
        check_loss(step + 1, steps, loss.data, first_loss, lr)
        # 2. zero_grad: clear the gradients the previous step left on the parameters
        optimizer.zero_grad()
        # 3. backward: the chain rule gives d loss / d param for all 337 parameters
        loss.backward()
        # 4. update: momentum SGD moves every parameter against its gradient
        optimizer.step()
        accuracies.append(accuracy([score(output).data for output in outputs], targets))
        if (step + 1) % log_every == 0 or step + 1 == steps:
            print(
                f"step {step + 1:>4}/{steps}  loss {loss.data:.4f}  accuracy {accuracies[-1]:.0%}",
                flush=True,
            )
    return model, accuracies


def train_compiled(
    points: np.ndarray,
    labels: np.ndarray,
    steps: int,
    lr: float,
    momentum: float,
    seed: int,
    log_every: int = 10,
) -> tuple[MLP, list[float]]:
    """train() with the MSE, each step replayed over the whole batch by compile_graph.

    The per-point loss is traced once into a flat program (see docs/compiled.md),
    its layers fused into matrix products, which then runs on the columns of all
    points at once: same model, same optimizer, the same losses as train() to
    rounding (1e-9 relative at most), without one graph per point.
    """
    model = MLP(2, [16, 16, 1], seed=seed)
    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_program = compile_graph(lambda x0, x1, y: (model([x0, x1]) - y) ** 2, params=model)
    output_program = compile_graph(lambda x0, x1: model([x0, x1]), params=model)
    x0, x1 = points[:, 0].copy(), points[:, 1].copy()
    targets = labels.tolist()
    accuracies = []
    first_loss = math.nan
    for step in range(steps):
        # 1-3. forward, zero_grad and backward for every point at once: the mean loss,
        # its gradient written into each parameter's .grad as backward() would
        optimizer.zero_grad()
        loss = loss_program.accumulate(x0, x1, labels, reduction="mean")
        first_loss = loss if step == 0 else first_loss
        check_loss(step + 1, steps, loss, first_loss, lr)
        outputs, _ = output_program.run(x0, x1)
        # 4. update: the same momentum SGD
        optimizer.step()
        accuracies.append(accuracy(outputs.tolist(), targets))
        if (step + 1) % log_every == 0 or step + 1 == steps:
            print(
                f"step {step + 1:>4}/{steps}  loss {loss:.4f}  accuracy {accuracies[-1]:.0%}",
                flush=True,
            )
    return model, accuracies


@no_grad()
def predict(model: MLP, inputs: Sequence[Sequence[float]]) -> list[float]:
    """The model's outputs as numbers, without recording a graph."""
    outputs = []
    for x in inputs:
        outputs.append(score(model(x)).data)
    return outputs


def save_decision_boundary(
    path: pathlib.Path, model: MLP, points: np.ndarray, labels: np.ndarray
) -> None:
    """The points coloured by class over the regions the model assigns to each class."""
    import matplotlib

    matplotlib.use("Agg")  # draw to a file; no display needed
    import matplotlib.pyplot as plt

    resolution = 60
    x_min, y_min = points.min(axis=0) - 0.5
    x_max, y_max = points.max(axis=0) + 0.5
    grid_x, grid_y = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()]).tolist()
    scores = np.array(predict(model, grid)).reshape(grid_x.shape)

    figure, axes = plt.subplots(figsize=(6, 5))
    axes.contourf(grid_x, grid_y, scores > 0.0, levels=1, cmap="coolwarm", alpha=0.3)
    axes.contour(grid_x, grid_y, scores, levels=[0.0], colors="black", linewidths=1)
    axes.scatter(points[:, 0], points[:, 1], c=labels, cmap="coolwarm", s=16, edgecolors="k")
    axes.set_title(f"{model}: decision boundary")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    image = io.BytesIO()
    figure.savefig(image, format=path.suffix.lower().removeprefix("."))
    plt.close(figure)
    write_bytes_atomically(path, image.getvalue())  # never half an image, even on a crash


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


def bounded_float(
    low: float, high: float, *, low_allowed: bool, high_allowed: bool, wording: str
) -> Callable[[str], float]:
    """An argparse type: a number between ``low`` and ``high``, each end allowed or not."""

    def parse(text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        above = number >= low if low_allowed else number > low
        below = number <= high if high_allowed else number < high
        if not (above and below):  # also refuses nan, which compares false
            raise argparse.ArgumentTypeError(f"must be {wording}, got {text.strip()}")
        return number

    return parse


def file_path(text: str) -> pathlib.Path:
    if not text:
        raise argparse.ArgumentTypeError("expected a file path, got an empty one")
    if text.endswith(("/", os.sep)):  # pathlib would drop the slash and write a file there
        raise argparse.ArgumentTypeError(f"expected a file path, got the folder path {text!r}")
    return pathlib.Path(text)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = DemoArgumentParser(
        description="Train MLP(2, [16, 16, 1]) on two moons with SGD and report its accuracy. "
        "Every option is checked before training: a bad one is one line on stderr and exit "
        "status 2. A run whose loss diverges stops with exit status 1."
    )
    parser.add_argument(
        "--steps",
        type=whole_number(1, MAX_STEPS),
        default=DEFAULT_STEPS,
        metavar="N",
        help=f"full-batch SGD steps, 1 to {MAX_STEPS:,} (default {DEFAULT_STEPS}); "
        f"--steps x --samples at most {MAX_POINT_STEPS:,}",
    )
    parser.add_argument(
        "--lr",
        type=bounded_float(
            0.0, math.inf, low_allowed=False, high_allowed=False, wording="a finite number > 0"
        ),
        default=DEFAULT_LR,
        help=f"learning rate, a finite number > 0 (default {DEFAULT_LR})",
    )
    parser.add_argument(
        "--momentum",
        type=bounded_float(
            0.0, 1.0, low_allowed=True, high_allowed=False, wording="a number >= 0 and < 1"
        ),
        default=DEFAULT_MOMENTUM,
        metavar="M",
        help=f"SGD momentum, from 0 up to (not including) 1 (default {DEFAULT_MOMENTUM})",
    )
    parser.add_argument(
        "--samples",
        type=whole_number(2, MAX_SAMPLES),
        default=DEFAULT_SAMPLES,
        metavar="N",
        help=f"number of points, half per moon, 2 to {MAX_SAMPLES:,} (default {DEFAULT_SAMPLES})",
    )
    parser.add_argument(
        "--noise",
        type=bounded_float(
            0.0,
            MAX_NOISE,
            low_allowed=True,
            high_allowed=True,
            wording=f"a number from 0 to {MAX_NOISE:g}",
        ),
        default=DEFAULT_NOISE,
        metavar="SD",
        help="standard deviation of the noise added to the points, 0 to "
        f"{MAX_NOISE:g} (default {DEFAULT_NOISE})",
    )
    parser.add_argument(
        "--seed",
        type=whole_number(0, MAX_SEED),
        default=DEFAULT_SEED,
        metavar="S",
        help=f"seed for the data and the initial weights, 0 to 2**32 - 1 (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="trace the per-point loss once and replay it over all points with NumPy "
        "(compile_graph); the same losses, much faster; needs --loss mse",
    )
    parser.add_argument(
        "--loss",
        choices=LOSSES,
        default=DEFAULT_LOSS,
        help="mse (default), bce (binary cross-entropy with logits), hinge, "
        "or ce (cross-entropy over two output logits)",
    )
    parser.add_argument(
        "--plot",
        type=file_path,
        metavar="PATH",
        help="draw the decision boundary (needs matplotlib); the extension picks the format: "
        f".{', .'.join(PLOT_FORMATS)} (none: .png is added)",
    )
    args = parser.parse_args(argv)
    if args.compiled and args.loss != "mse":
        parser.error(
            f"--compiled needs --loss mse: the {args.loss} loss reads each point's numbers "
            "(its target as a plain number; bce and ce choose their arithmetic by the "
            "logits), so one trace cannot stand for every point (see docs/compiled.md)"
        )
    if args.steps * args.samples > MAX_POINT_STEPS:
        parser.error(
            f"--steps {args.steps:,} x --samples {args.samples:,} is "
            f"{args.steps * args.samples:,} point-steps, more than the {MAX_POINT_STEPS:,} "
            "this demo allows (about 5 minutes): lower one of them"
        )
    if args.plot is not None:
        try:  # find_spec, not import: checking the options stays quick
            has_matplotlib = importlib.util.find_spec("matplotlib") is not None
        except ValueError:  # a module whose spec is None: not importable either
            has_matplotlib = False
        if not has_matplotlib:
            parser.error("--plot needs matplotlib: pip install -e '.[demos]'")
        args.plot = _plot_file(parser, "--plot", args.plot)
        problem = _file_problem(args.plot)
        if problem:
            parser.error(f"argument --plot: {problem}")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    points, labels = make_moons(args.samples, args.noise, args.seed)
    print(f"data: two moons, {args.samples} points, noise {args.noise} (seed {args.seed})")
    outputs = 2 if args.loss == "ce" else 1
    print(
        f"model: MLP(2, [16, 16, {outputs}]), SGD(lr={args.lr}, momentum={args.momentum}), "
        f"{args.steps} full-batch steps, loss {args.loss}"
    )
    try:
        if args.compiled:
            model, _accuracies = train_compiled(
                points, labels, args.steps, args.lr, args.momentum, args.seed
            )
        else:
            model, _accuracies = train(
                points, labels, args.steps, args.lr, args.momentum, args.seed, loss_name=args.loss
            )
    except DivergedError as diverged:
        print(f"{pathlib.Path(sys.argv[0]).name}: error: {diverged}", file=sys.stderr)
        return 1
    final = accuracy(predict(model, points.tolist()), labels.tolist())
    correct = round(final * len(labels))
    print(f"training accuracy: {final:.1%} ({correct}/{len(labels)} points)")
    if args.plot is not None:
        try:
            save_decision_boundary(args.plot, model, points, labels)
        except Exception as error:  # checked before training, so this is rare: report it
            print(f"could not write the plot {str(args.plot)!r}: {error}", file=sys.stderr)
            return 1
        print(f"wrote {args.plot} (decision boundary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
