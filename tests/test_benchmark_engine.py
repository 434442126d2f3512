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
    rows = [line for line in result.stdout.splitlines() if line.startswith("| W")]
    titles = [row.split("|")[1].strip() for row in rows]
    assert titles[0] == "W1 (a) forward, ns per op node"
    assert any(title.startswith("W2 (b) 20,000-deep chain") for title in titles)
    assert "W3 (c) bytes per op node (tracemalloc)" in titles
    tracked = next(row for row in rows if "GC-tracked" in row).split("|")
    assert tracked[2].strip() == "1"
    chain = next(row for row in rows if "deep chain" in row).split("|")
    assert "RecursionError past depth" in chain[3] or chain[3].strip() == "n/a"


def run_w1_only(*options: str) -> list[list[str]]:
    result = subprocess.run(
        [
            *(sys.executable, str(ROOT / "benchmarks" / "engine.py"), "--quick", "--only", "W1"),
            *("--engine", "scalar-autograd", "--repeats", "1", *options),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    rows = [line for line in result.stdout.splitlines() if line.startswith("| W1")]
    return [[cell.strip() for cell in row.split("|")[1:-1]] for row in rows]


def test_w1_alone_prints_median_and_spread_for_the_chosen_engine() -> None:
    rows = run_w1_only()
    assert [row[0] for row in rows] == [
        "W1 (a) forward, ns per op node",
        "W1 (a) backward, ns per op node",
        "W1 (a) forward + backward, ns per op node",
    ]
    for _title, engine, median, low, high in rows:
        assert engine == "scalar-autograd"
        assert 0 < float(low) <= float(median) <= float(high)


def test_w1_with_a_block_open_in_another_thread_still_records() -> None:
    # the benchmark itself refuses to time a run in which the other thread's
    # no_grad() switched recording off here (the process-wide grad mode of issue 7)
    assert len(run_w1_only("--block-open-elsewhere")) == 3
