"""benchmarks/instructions.py keeps working: a smoke run and its plumbing (no counts asserted)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "instructions.py"


def run(*arguments: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    if path is not None:
        environment["PATH"] = path
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )


@pytest.mark.parametrize("workload", ["W1", "MLP"])
def test_each_workload_runs_as_callgrind_would_run_it(workload: str) -> None:
    result = run("--run", workload, "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_the_table_is_a_quarter_of_five_runs_less_one(tmp_path: Path) -> None:
    # a stand-in valgrind: 1000 instructions per iteration, after 700 of start-up
    fake = tmp_path / "valgrind"
    fake.write_text(
        '#!/bin/sh\nfor last; do :; done\necho "==1== Collected : $((700 + last * 1000))" >&2\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = run("--only", "MLP", path=f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode == 0, result.stderr
    assert "| MLP | 1,000 | instructions per step |" in result.stdout


def test_without_valgrind_it_says_what_to_install(tmp_path: Path) -> None:
    result = run(path=str(tmp_path))
    assert result.returncode == 1
    assert "needs valgrind" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_failed_callgrind_run_shows_its_error(tmp_path: Path) -> None:
    fake = tmp_path / "valgrind"
    fake.write_text("#!/bin/sh\necho 'valgrind: no such tool' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = run("--only", "MLP", path=f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode == 1
    assert "callgrind run of MLP failed (exit 3)" in result.stderr
    assert "valgrind: no such tool" in result.stderr
