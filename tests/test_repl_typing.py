"""Every ```pycon block of the docs can be typed, line by line, into the plain ``python`` REPL.

Doctest is lenient where the REPL is not: a blank ``...`` line inside a class
or a def is fine for doctest, but in the plain 3.11 REPL a blank line ends the
class, and every line after it fails (``IndentationError``), as does every
block that uses the class. So each example is fed, one typed line at a time,
to ``code.InteractiveConsole``, which decides "complete or more to come"
exactly as the REPL does. The console only compiles what is typed: doctest
already runs every block and checks what it prints.
"""

from __future__ import annotations

import code
import doctest
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_docs import fenced_blocks  # noqa: E402


class TypingConsole(code.InteractiveConsole):
    """A console that compiles each complete statement as the REPL does, and runs nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []

    def runcode(self, code_object) -> None:
        # compiled is enough: doctest runs every block and checks its output
        return None

    def showsyntaxerror(self, filename: str | None = None, **kwargs) -> None:
        error = sys.exc_info()[1]
        self.errors.append(f"{type(error).__name__}: {error.msg}")


def markdown_files() -> list[Path]:
    """Both editions: the README, its Chinese edition, and every page of docs/."""
    files = [*sorted(ROOT.glob("README*.md")), *sorted((ROOT / "docs").glob("*.md"))]
    return [path for path in files if path.is_file()]


def typing_problems(path: Path, root: Path = ROOT) -> list[str]:
    """Where typing a file's pycon examples into the plain REPL goes wrong, by line."""
    parser = doctest.DocTestParser()
    problems = []
    for block in fenced_blocks(path):
        if block.language != "pycon":
            continue
        for example in parser.get_examples(block.code):
            where = f"{path.relative_to(root)}:{block.line + example.lineno}"
            problems.extend(f"{where}: {problem}" for problem in _typing_one(example.source))
    return problems


def _typing_one(source: str) -> list[str]:
    console = TypingConsole()
    typed = source.rstrip("\n").split("\n")
    for index, line in enumerate(typed):
        more = console.push(line)
        if console.errors:
            return [f"typing {line!r} gives {console.errors[0]}"]
        if not more and index < len(typed) - 1:
            return [
                f"the REPL ends the statement at {line!r}, so the next line "
                f"{typed[index + 1]!r} is typed as a new statement (a blank line inside a "
                "class or def ends it in the plain REPL: remove the blank '...' line)"
            ]
    if more and console.push(""):
        return ["the statement is still open after an empty line"]
    if console.errors:
        return [f"ending the statement gives {console.errors[0]}"]
    return []


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_pycon_example_types_into_the_plain_repl(path: Path) -> None:
    problems = typing_problems(path)
    assert not problems, "\n".join(problems)


def test_both_editions_of_the_guide_are_checked() -> None:
    names = {path.name for path in markdown_files()}
    assert {"README.md", "README.zh-CN.md", "learn-backprop.md", "learn-backprop.zh.md"} <= names


def test_a_blank_line_inside_a_class_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```pycon\n"
        ">>> class Pair:\n"
        "...     def __init__(self):\n"
        "...         self.a = 1\n"
        "...\n"
        "...     def total(self):\n"
        "...         return self.a\n"
        ">>> Pair().total()\n"
        "1\n"
        "\n"
        "```\n",
        encoding="utf-8",
    )
    problems = [problem.split(": ", 1)[1] for problem in typing_problems(page, tmp_path)]
    assert problems == [
        "the REPL ends the statement at '', so the next line '    def total(self):' is typed "
        "as a new statement (a blank line inside a class or def ends it in the plain REPL: "
        "remove the blank '...' line)"
    ]
    page.write_text(page.read_text().replace("...\n...     def total", "...     def total"))
    assert typing_problems(page, tmp_path) == []


def test_a_statement_left_open_or_mistyped_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```pycon\n>>> values = [1,\n>>> len(values)\n1\n\n```\n", encoding="utf-8")
    assert [problem.split(": ", 1)[1] for problem in typing_problems(page, tmp_path)] == [
        "the statement is still open after an empty line"
    ]
    page.write_text("```pycon\n>>> 1 +\n\n```\n", encoding="utf-8")
    (problem,) = typing_problems(page, tmp_path)
    assert "typing '1 +' gives SyntaxError" in problem
