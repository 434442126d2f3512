"""Compiled replay benchmark: one full-batch SGD step, five ways, two networks, three batch sizes.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compiled.py
    python benchmarks/compiled.py --quick    # 20 and 100 samples, the small network only

The step is the moons demo's: an MLP(2, [h, h, 1]) with relu, the MSE to the
labels, full batch, SGD. Measured side by side, interleaved, medians:

- **scalar**: one graph per sample with this engine (mean loss, backward, step);
- **unfused**: ``compile_graph(..., fuse=False)``, one NumPy statement per op,
  ``program.accumulate`` then the same ``SGD.step``;
- **fused**: ``compile_graph`` as it runs by default, matrix and pack statements;
- **PyTorch**: the same network on batched float64 tensors, one thread;
- **NumPy**: the step written by hand, three matrix products per pass, the
  floor for any NumPy program of this step.

Every engine runs with one thread (``OPENBLAS_NUM_THREADS=1``,
``torch.set_num_threads(1)``). Also reported: the replay's memory per sample
(tracemalloc peak of one ``accumulate``), and how far the fused and unfused
losses are from the scalar ones over a few SGD steps.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS

import argparse
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demos"))

import linear_regression
from moons import make_moons

from autograd import compile_graph
from nn import MLP, SGD, mse_loss

LR = 0.05
# Engines that build samples x statements of something are skipped beyond these sizes
# (the scalar engine at 10,000 samples of the 64-wide network would build 87 million Values).
SCALAR_LIMIT = 1_000_000  # Values built per step
UNFUSED_LIMIT = 20_000_000  # float64 numbers kept alive per step (160 MB)

Step = Callable[[], float]


def columns_of(points: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...]:
    return points[:, 0].copy(), points[:, 1].copy(), labels


def scalar_step(width: int, points: np.ndarray, labels: np.ndarray) -> Step:
    model = MLP(2, [width, width, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=LR)
    inputs, targets = points.tolist(), labels.tolist()

    def step() -> float:
        loss = mse_loss([model(x) for x in inputs], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return step


def compiled_step(
    width: int, points: np.ndarray, labels: np.ndarray, *, fuse: bool
) -> tuple[Step, object]:
    model = MLP(2, [width, width, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=LR)
    program = compile_graph(lambda x0, x1, y: (model([x0, x1]) - y) ** 2, params=model, fuse=fuse)
    columns = columns_of(points, labels)

    def step() -> float:
        optimizer.zero_grad()
        loss = program.accumulate(*columns, reduction="mean")
        optimizer.step()
        return loss

    return step, program


def torch_step(width: int, points: np.ndarray, labels: np.ndarray) -> Step | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    model = MLP(2, [width, width, 1], seed=0)
    network = model.to_torch()  # the same initial weights, float64
    optimizer = torch.optim.SGD(network.parameters(), lr=LR)
    x = torch.tensor(points, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64).unsqueeze(1)

    def step() -> float:
        loss = torch.nn.functional.mse_loss(network(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def numpy_step(width: int, points: np.ndarray, labels: np.ndarray) -> Step:
    """The step by hand: samples as columns, three matrix products forward, five backward."""
    model = MLP(2, [width, width, 1], seed=0)
    weights, biases = [], []
    for layer in model.layers:
        weights.append(np.array([[w.data for w in neuron.w] for neuron in layer.neurons]))
        biases.append(np.array([[neuron.b.data] for neuron in layer.neurons]))
    x = np.ascontiguousarray(points.T)
    y = labels[None, :]
    count = len(labels)

    def step() -> float:
        (w1, w2, w3), (b1, b2, b3) = weights, biases
        z1 = w1 @ x + b1
        h1 = np.maximum(z1, 0.0)
        z2 = w2 @ h1 + b2
        h2 = np.maximum(z2, 0.0)
        error = w3 @ h2 + b3 - y
        g3 = error * (2.0 / count)
        g2 = (w3.T @ g3) * (z2 > 0.0)
        g1 = (w2.T @ g2) * (z1 > 0.0)
        for w, b, g, h in ((w3, b3, g3, h2), (w2, b2, g2, h1), (w1, b1, g1, x)):
            w -= LR * (g @ h.T)
            b -= LR * g.sum(axis=1, keepdims=True)
        return float((error * error).mean())

    return step


def same_trajectory(width: int, points: np.ndarray, labels: np.ndarray, *, fuse: bool) -> float:
    """Largest relative difference between scalar and compiled losses over a few steps."""
    scalar = scalar_step(width, points, labels)
    compiled, _ = compiled_step(width, points, labels, fuse=fuse)
    worst = 0.0
    for _ in range(3):
        a, b = scalar(), compiled()
        worst = max(worst, abs(a - b) / abs(a))
    return worst


def bytes_per_sample(program: object, points: np.ndarray, labels: np.ndarray) -> float:
    """The tracemalloc peak of one accumulate, per sample."""
    columns = columns_of(points, labels)
    tracemalloc.start()
    program.accumulate(*columns, reduction="sum")  # type: ignore[attr-defined]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for param in program.params:  # type: ignore[attr-defined]
        param.grad = 0.0
    return peak / len(labels)


def demo_training_times(repeats: int) -> tuple[float, float, float]:
    """The linear-regression demo's training, 300 default steps: scalar and compiled seconds."""
    x, y = linear_regression.make_data(0)
    times: dict[str, list[float]] = {"scalar": [], "compiled": []}
    worst = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        _, scalar_losses = linear_regression.train(x, y, 300, 0.1, 0)
        times["scalar"].append(time.perf_counter() - start)
        start = time.perf_counter()
        _, compiled_losses = linear_regression.train_compiled(x, y, 300, 0.1, 0)
        times["compiled"].append(time.perf_counter() - start)
        for a, b in zip(scalar_losses, compiled_losses, strict=True):
            worst = max(worst, abs(a - b) / abs(a))
    return statistics.median(times["scalar"]), statistics.median(times["compiled"]), worst


def demo_process_times(repeats: int) -> tuple[float, float]:
    """The whole demo as a command (python demos/linear_regression.py --no-files [--compiled])."""
    import subprocess

    script = str(Path(__file__).resolve().parents[1] / "demos" / "linear_regression.py")
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for compiled in (False, True):
            command = [sys.executable, script, "--no-files", *(["--compiled"] if compiled else [])]
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[compiled].append(time.perf_counter() - start)
    return statistics.median(times[False]), statistics.median(times[True])


def median_time(step: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def milliseconds(times: list[float]) -> float:
    return statistics.median(times) * 1e3 if times else float("nan")


def shown(value: float, digits: int = 2, unit: str = "") -> str:
    return "n/m" if value != value else f"{value:,.{digits}f}{unit}"


def measure(width: int, size: int, repeats: int) -> dict[str, object]:
    points, labels = make_moons(size, 0.1, 0)
    fused, fused_program = compiled_step(width, points, labels, fuse=True)
    unfused, unfused_program = compiled_step(width, points, labels, fuse=False)
    statements = len(unfused_program.statements)  # type: ignore[attr-defined]
    engines: dict[str, Step | None] = {
        "scalar": scalar_step(width, points, labels) if statements * size <= SCALAR_LIMIT else None,
        "unfused": unfused if 2 * statements * size <= UNFUSED_LIMIT else None,
        "fused": fused,
        "torch": torch_step(width, points, labels),
        "numpy": numpy_step(width, points, labels),
    }
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(repeats):  # interleaved, so drift hits every engine alike
        for name, step in engines.items():
            if step is not None:
                times[name].append(median_time(step, 1 if name == "scalar" else 3))
    result: dict[str, object] = {name: milliseconds(t) for name, t in times.items()}
    result["statements"] = statements
    result["fused statements"] = len(fused_program._fused.macros)  # type: ignore[attr-defined]
    result["fused bytes"] = bytes_per_sample(fused_program, points, labels)
    if engines["unfused"] is not None:
        result["unfused bytes"] = bytes_per_sample(unfused_program, points, labels)
    else:
        result["unfused bytes"] = float("nan")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    sizes = (20, 100) if args.quick else (100, 1000, 10000)
    widths = (16,) if args.quick else (16, 64)
    repeats = 3 if args.quick else 7
    try:
        import torch

        torch_version = f", torch {torch.__version__}"
    except ImportError:
        torch_version = ", no PyTorch"
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}{torch_version}, "
          f"{platform.machine()}, OPENBLAS_NUM_THREADS={threads}")  # fmt: skip
    print()
    results = {(w, n): measure(w, n, repeats) for w in widths for n in sizes}
    print("| network | samples | scalar, ms | unfused, ms | fused, ms | PyTorch, ms | NumPy, ms |"
          " PyTorch / fused | unfused / fused | scalar / fused | fused / NumPy |")  # fmt: skip
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for (width, size), r in results.items():
        fused = r["fused"]
        print(
            f"| MLP(2, [{width}, {width}, 1]) | {size:,} | {shown(r['scalar'], 1)} | "
            f"{shown(r['unfused'])} | {shown(fused)} | {shown(r['torch'])} | "
            f"{shown(r['numpy'])} | {shown(r['torch'] / fused, 2, 'x')} | "
            f"{shown(r['unfused'] / fused, 1, 'x')} | {shown(r['scalar'] / fused, 0, 'x')} | "
            f"{shown(fused / r['numpy'], 1, 'x')} |"
        )
    print()
    print(
        f"n/m: not measured; the scalar engine would build more than {SCALAR_LIMIT:,} Values "
        f"a step, the unfused program keep more than {UNFUSED_LIMIT:,} numbers alive."
    )
    print()
    print("| network | samples | statements, unfused -> fused | bytes per sample, unfused | "
          "bytes per sample, fused | max rel. loss diff, unfused | max rel. loss diff, fused "
          "|")  # fmt: skip
    print("|---|--:|--:|--:|--:|--:|--:|")
    for width in widths:
        size = sizes[0]
        r = results[(width, size)]
        points, labels = make_moons(size, 0.1, 0)
        unfused_difference = same_trajectory(width, points, labels, fuse=False)
        fused_difference = same_trajectory(width, points, labels, fuse=True)
        for (w, n), r in results.items():
            if w != width:
                continue
            differences = (
                f"{unfused_difference:.1e} | {fused_difference:.1e}" if n == size else "| "
            )
            print(
                f"| MLP(2, [{width}, {width}, 1]) | {n:,} | {r['statements']:,} -> "
                f"{r['fused statements']} | {shown(r['unfused bytes'], 0)} | "
                f"{shown(r['fused bytes'], 0)} | {differences} |"
            )
    print()
    scalar_s, compiled_s, worst = demo_training_times(repeats)
    whole_scalar, whole_compiled = demo_process_times(repeats)
    print("| linear-regression demo (300 steps, 100 points) | scalar | --compiled | speedup |"
          " max rel. loss diff |")  # fmt: skip
    print("|---|--:|--:|--:|--:|")
    print(
        f"| training loop (train vs train_compiled) | {scalar_s * 1e3:.0f} ms | "
        f"{compiled_s * 1e3:.1f} ms | {scalar_s / compiled_s:.0f}x | {worst:.1e} |"
    )
    print(
        f"| whole command, --no-files (with Python start-up and imports) | "
        f"{whole_scalar:.2f} s | {whole_compiled:.2f} s | {whole_scalar / whole_compiled:.1f}x | |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
