"""The ``--solutions`` option: check the reference solutions instead of your code."""

from __future__ import annotations

import os

import pytest

from exercises._select import SOLUTIONS_ENV, checking_solutions


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--solutions",
        action="store_true",
        help="check exercises/solutions/ instead of your exercises/task_*.py "
        f"(same as {SOLUTIONS_ENV}=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--solutions"):
        # the test modules ask exercises._select at import time, after this hook
        os.environ[SOLUTIONS_ENV] = "1"


def pytest_report_header(config: pytest.Config) -> str:
    if checking_solutions():
        return "exercises: checking the reference solutions in exercises/solutions/"
    return "exercises: checking your code in exercises/task_*.py"
