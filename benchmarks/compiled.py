"""Compiled replay benchmark: one full-batch SGD step, scalar graphs vs compile_graph vs PyTorch.

    python benchmarks/compiled.py            # 100 and 1,000 samples, markdown table on stdout
    python benchmarks/compiled.py --quick    # 20 and 100 samples, for a smoke test

The step is the moons demo's: MLP(2, [16, 16, 1]), MSE to the labels, full
batch, SGD. "scalar" builds one graph per sample with this engine (mean loss,
backward, step); "compiled" traces the per-sample loss once and runs
``program.accumulate`` over the whole batch, then the same SGD step; PyTorch
runs the same network on batched float64 tensors. Times are medians over
repeats, engines interleaved. Also reported: the replay's memory per op
node per sample (the arrays a batch keeps alive).
"""

from __future__ import annotations

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


def scalar_step(points: np.ndarray, labels: np.ndarray) -> Callable[[], float]:
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    inputs, targets = points.tolist(), labels.tolist()

    def step() -> float:
        loss = mse_loss([model(x) for x in inputs], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return step


def compiled_step(points: np.ndarray, labels: np.ndarray) -> tuple[Callable[[], float], object]:
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    program = compile_graph(lambda x0, x1, y: (model([x0, x1]) - y) ** 2, params=model)
    columns = (points[:, 0].copy(), points[:, 1].copy(), labels)

    def step() -> float:
        optimizer.zero_grad()
        loss = program.accumulate(*columns, reduction="mean")
        optimizer.step()
        return loss

    return step, program


def torch_step(points: np.ndarray, labels: np.ndarray) -> Callable[[], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    network = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()  # fmt: skip
    optimizer = torch.optim.SGD(network.parameters(), lr=0.05)
    x = torch.tensor(points, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64).unsqueeze(1)

    def step() -> float:
        loss = torch.nn.functional.mse_loss(network(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def same_trajectory(points: np.ndarray, labels: np.ndarray, steps: int = 3) -> float:
    """Largest relative difference between scalar and compiled losses over a few steps."""
    scalar = scalar_step(points, labels)
    compiled, _ = compiled_step(points, labels)
    worst = 0.0
    for _ in range(steps):
        a, b = scalar(), compiled()
        worst = max(worst, abs(a - b) / abs(a))
    return worst


def bytes_per_node_per_sample(program: object, points: np.ndarray, labels: np.ndarray) -> float:
    columns = (points[:, 0].copy(), points[:, 1].copy(), labels)
    tracemalloc.start()
    program.run(*columns)  # type: ignore[attr-defined]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = len(program.statements)  # type: ignore[attr-defined]
    return peak / (nodes * len(labels))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    sizes = (20, 100) if args.quick else (100, 1000)
    repeats = 3 if args.quick else 7
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}")
    print()
    print("| samples | scalar graphs, ms | compiled, ms | PyTorch float64, ms | "
          "compiled vs scalar | bytes per node per sample | max rel. loss diff |")  # fmt: skip
    print("|--:|--:|--:|--:|--:|--:|--:|")
    for size in sizes:
        points, labels = make_moons(size, 0.1, 0)
        scalar = scalar_step(points, labels)
        compiled, program = compiled_step(points, labels)
        torch_run = torch_step(points, labels)
        times: dict[str, list[float]] = {"scalar": [], "compiled": [], "torch": []}
        for _ in range(repeats):  # interleaved, so drift hits every engine alike
            times["scalar"].append(median_time(scalar, 1))
            times["compiled"].append(median_time(compiled, 3))
            if torch_run is not None:
                times["torch"].append(median_time(torch_run, 3))
        scalar_ms = statistics.median(times["scalar"]) * 1e3
        compiled_ms = statistics.median(times["compiled"]) * 1e3
        torch_ms = statistics.median(times["torch"]) * 1e3 if times["torch"] else float("nan")
        memory = bytes_per_node_per_sample(program, points, labels)
        difference = same_trajectory(points, labels)
        print(
            f"| {size:,} | {scalar_ms:.1f} | {compiled_ms:.2f} | {torch_ms:.2f} | "
            f"{scalar_ms / compiled_ms:.0f}x | {memory:.0f} | {difference:.1e} |"
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
