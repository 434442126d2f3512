"""Which code the exercise tests check: yours (exercises/task_*.py) or the reference solutions."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

SOLUTIONS_ENV = "EXERCISES_SOLUTIONS"


def checking_solutions() -> bool:
    """True when EXERCISES_SOLUTIONS=1 (``pytest --solutions`` sets it)."""
    setting = os.environ.get(SOLUTIONS_ENV, "")
    if setting in ("", "0"):
        return False
    if setting == "1":
        return True
    raise ValueError(f"environment variable {SOLUTIONS_ENV} must be 0 or 1, got {setting!r}")


def load_task(name: str) -> ModuleType:
    """Import ``exercises.<name>`` (your attempt) or ``exercises.solutions.<name>``."""
    package = "exercises.solutions" if checking_solutions() else "exercises"
    return importlib.import_module(f"{package}.{name}")
