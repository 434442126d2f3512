"""The compiled-replay benchmark keeps running (a smoke run: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_compiled_benchmark_quick_run_prints_every_engine_with_matching_losses() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "compiled.py"), "--quick"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    tables = [
        [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in block.splitlines()
            if line.startswith("| ")
        ]
        for block in result.stdout.split("\n\n")
    ]
    steps, memory, demo = (table for table in tables if table)
    assert steps[0][2:7] == ["scalar, ms", "unfused, ms", "fused, ms", "PyTorch, ms", "NumPy, ms"]
    by_size = {row[1]: row for row in steps[1:]}
    assert set(by_size) == {"20", "100"}
    for row in by_size.values():
        scalar, unfused, fused = (float(cell.replace(",", "")) for cell in row[2:5])
        assert scalar > 0 and unfused > 0 and fused > 0  # each engine ran
    sizes = {row[1]: row for row in memory[1:]}
    statements = sizes["20"][2]
    unfused_count, fused_count = (int(n.replace(",", "")) for n in statements.split(" -> "))
    assert fused_count < unfused_count / 10  # the layers ran as matrix statements
    for row in sizes.values():
        unfused_bytes, fused_bytes = (float(cell.replace(",", "")) for cell in row[3:5])
        assert 0 < fused_bytes < unfused_bytes  # float64 arrays only, fewer of them fused
    unfused_difference, fused_difference = (float(cell) for cell in sizes["20"][5:7])
    assert unfused_difference < 1e-12  # the compiled losses follow the scalar trajectory
    assert fused_difference < 1e-9  # to the fused tolerance (sums in another order)
    training = next(row for row in demo if row[0].startswith("training loop"))
    assert float(training[-1]) < 1e-12  # the demo's --compiled losses follow the scalar ones
    assert [row[0].split(" ")[0] for row in demo[1:]] == ["training", "whole"]
