"""The engine benchmark keeps running (a smoke run: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_engine_benchmark_quick_run_prints_every_row() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "engine.py"), "--quick"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    rows = [line for line in result.stdout.splitlines() if line.startswith("| (")]
    titles = [row.split("|")[1].strip() for row in rows]
    assert titles[0] == "(a) forward, ns per op node"
    assert any(title.startswith("(b) 20,000-deep chain") for title in titles)
    assert "(c) bytes per op node (tracemalloc)" in titles
    tracked = next(row for row in rows if "GC-tracked" in row).split("|")
    assert tracked[2].strip() == "1"
    chain = next(row for row in rows if "deep chain" in row).split("|")
    assert "RecursionError past depth" in chain[3] or chain[3].strip() == "n/a"
