"""Instructions per op node (W1) and per training step (MLP), counted by valgrind's callgrind.

    python benchmarks/instructions.py                    # this checkout; needs valgrind
    python benchmarks/instructions.py --repo ../old      # another checkout (a git worktree)

On a shared 2-core machine W1's wall time varies by more than a change of a
node's layout moves it; an instruction count repeats to within 0.1%. Each
workload runs under callgrind once with 1 iteration and once with 5: a
quarter of the difference is one iteration, without start-up and imports.

W1   the engine benchmark's dense relu layer, 96 inputs x 96 neurons, summed
     (18,911 op nodes), forward and backward from fresh gradients; per op node.
MLP  nn.MLP(2, [16, 16, 1]) on 32 samples: forward, zero_grad, backward and
     one SGD step; per step.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
W1_SIZE = 96
COLLECTED = re.compile(r"Collected : (\d+)")


def run_w1(iterations: int) -> None:
    """W1, ``iterations`` times."""
    bench = _engine_benchmark()
    scalar = bench.make_engines(["scalar-autograd"])[0]
    xs, ws, bs = bench.dense_layer_inputs(scalar, W1_SIZE, W1_SIZE)
    leaves = [*xs, *bs, *(w for row in ws for w in row)]
    for _ in range(iterations):
        for leaf in leaves:
            leaf.grad = 0.0  # as bench's W1, which makes new leaves every run
        total = bench.dense_layer_forward(xs, ws, bs)
        total.backward()
        del total


def w1_op_nodes() -> int:
    return _engine_benchmark().dense_layer_op_nodes(W1_SIZE, W1_SIZE)


def _engine_benchmark() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import engine

    return engine


def run_mlp(iterations: int) -> None:
    """The MLP training step, ``iterations`` times."""
    from nn import MLP, SGD, mse_loss

    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.01)
    rng = random.Random(0)
    xs = [[rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)] for _ in range(32)]
    ys = [x0 * x1 for x0, x1 in xs]
    for _ in range(iterations):
        loss = mse_loss([model(x) for x in xs], ys)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


# name -> (run it N times, what one iteration's count is divided by, the unit)
WORKLOADS: dict[str, tuple[Callable[[int], None], Callable[[], int], str]] = {
    "W1": (run_w1, w1_op_nodes, "instructions per op node"),
    "MLP": (run_mlp, lambda: 1, "instructions per step"),
}


def collected(repo: Path, workload: str, iterations: int) -> int:
    """The instructions callgrind counts for one run of ``workload``."""
    command = [
        *("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"),
        *(sys.executable, str(Path(__file__).resolve()), "--repo", str(repo)),
        *("--run", workload, str(iterations)),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    found = COLLECTED.search(result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(
            f"instructions.py: callgrind run of {workload} failed (exit {result.returncode}):\n"
            + result.stderr[-2000:]
        )
    return int(found.group(1))


def per_iteration(repo: Path, workload: str) -> float:
    _run, units, _unit = WORKLOADS[workload]
    return (collected(repo, workload, 5) - collected(repo, workload, 1)) / 4 / units()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout to measure")
    parser.add_argument("--only", choices=sorted(WORKLOADS), help="one workload")
    parser.add_argument("--run", nargs=2, metavar=("WORKLOAD", "N"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    repo = options.repo.resolve()
    sys.path.insert(0, str(repo))  # the checkout's autograd and nn, not the installed one
    if options.run:
        workload, iterations = options.run
        WORKLOADS[workload][0](int(iterations))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("instructions.py: needs valgrind (Debian: apt-get install valgrind)")
    print(f"checkout {repo}, Python {sys.version.split()[0]}\n")
    print("| workload | count | unit |\n| --- | --: | --- |")
    for workload in [options.only] if options.only else WORKLOADS:
        count = per_iteration(repo, workload)
        print(f"| {workload} | {count:,.0f} | {WORKLOADS[workload][2]} |")


if __name__ == "__main__":
    main()
