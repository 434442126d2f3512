"""The compiled-replay benchmark keeps running (a smoke run: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_compiled_benchmark_quick_run_prints_both_sizes_with_matching_losses() -> None:
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
    steps, demo = (table for table in tables if table)
    by_size = {row[0]: row for row in steps[1:]}
    assert set(by_size) == {"20", "100"}
    for row in by_size.values():
        assert 0 < float(row[-2]) < 200  # bytes per node per sample: float64 arrays only
        assert float(row[-1]) < 1e-12  # the compiled losses follow the scalar trajectory
    training = next(row for row in demo if row[0].startswith("training loop"))
    assert float(training[-1]) < 1e-12  # the demo's --compiled losses follow the scalar ones
    assert [row[0].split(" ")[0] for row in demo[1:]] == ["training", "whole"]
