"""benchmarks/modes.py compares like with like: one Jacobian both ways, passes as stated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd import Value
from benchmarks import modes

ROOT = Path(__file__).resolve().parent.parent


def central_difference_jacobian(f, point, step=1e-6):
    columns = []
    for index in range(len(point)):
        ahead, behind = list(point), list(point)
        ahead[index] += step
        behind[index] -= step
        up = [output.data for output in f(*map(Value, ahead))]
        down = [output.data for output in f(*map(Value, behind))]
        columns.append([(a - b) / (2 * step) for a, b in zip(up, down, strict=True)])
    return np.array(columns).T


@pytest.mark.parametrize(("n", "m"), modes.SHAPES)
def test_both_modes_give_the_jacobian_with_the_stated_passes(n, m):
    f = modes.layered_function(n, m)
    point = np.linspace(-1.0, 1.0, n).tolist() if n > 1 else [0.5]
    forward, forward_passes = modes.jacobian_forward(f, point)
    reverse, reverse_passes = modes.jacobian_reverse(f, point)
    assert (forward_passes, reverse_passes) == (n, m)
    assert forward.shape == reverse.shape == (m, n)
    assert np.allclose(forward, reverse, rtol=0, atol=1e-14)
    assert np.allclose(forward, central_difference_jacobian(f, point), rtol=1e-6, atol=1e-8)


def test_chain_rule_products_count_the_edges():
    # f(x) = [tanh(x * a) * b]: hand-count the edges of a tiny graph
    def f(x):
        hidden = (x * 2.0).tanh()
        return [hidden * 3.0, hidden * -1.0]

    forward, reverse = modes.chain_rule_products(f, [0.5])
    # edges: x*2 (2), tanh (1), hidden*3 (2), hidden*-1 (2) -> 7 in all, one input direction
    assert forward == 7
    # each output depends on its own product (2) and the shared tanh (1) and x*2 (2)
    assert reverse == 2 * 5


def test_the_benchmark_runs_quick_and_prints_its_table():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "modes.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    rows = [
        line
        for line in completed.stdout.splitlines()
        if line.startswith("| 1") or line.startswith("| 5")
    ]
    assert [row.split(" | ")[:3] for row in rows] == [
        ["| 1", "50", "1"],
        ["| 50", "1", "50"],
        ["| 10", "10", "10"],
    ]
