"""Every ```python block in README.md and docs/*.md runs, so the docs cannot drift from the code.

The conventions, for whoever writes docs:

- ```pycon blocks hold ``>>>`` examples with their expected output; pytest
  runs them as doctests (``--doctest-glob='*.md'``). End each one with a blank
  line before the closing fence, or doctest reads the fence as output. This
  module checks that, so a missing blank line fails with the file and line.
- ```python blocks hold plain code (no ``>>>``). This module runs a file's
  python blocks in order in one fresh namespace, with a temporary folder as the
  working directory, so a later block can use what an earlier one defined and
  files it writes land nowhere near the repository. A failure names the file
  and the line of the block, and the traceback points into the Markdown file.
- A block right after a line ``<!-- docs-test: skip -->`` is not run.
- A line ``<!-- docs-test: requires MODULE -->`` anywhere in a file runs its
  python blocks only where MODULE imports (torch, say, an optional
  dependency); elsewhere that file's test skips, naming the module. pytest's
  doctest run of ```pycon blocks knows no such marker, so a page that needs
  an optional module keeps its examples in ```python blocks.
- ```console, ```text and any other blocks are not run.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_MARKER = "<!-- docs-test: skip -->"
REQUIRES_MARKER = re.compile(r"^<!-- docs-test: requires (?P<module>[A-Za-z_][\w.]*) -->$")

# an opening fence: up to 3 spaces of indent (more inside list items is fine too),
# three or more backticks or tildes, then the info string whose first word is the language
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*)$")


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the first line of code (just after the opening fence)
    language: str
    code: str
    skip: bool  # right after a "<!-- docs-test: skip -->" line
    closed: bool  # False when the file ends before the closing fence

    @property
    def where(self) -> str:
        return f"{_relative(self.path)}:{self.line}"


def fenced_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, with their language and first line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent = len(opening["indent"])
        fence = opening["fence"]
        words = opening["info"].split()
        language = words[0].lower() if words else ""
        previous = _previous_nonblank(lines, index)
        start = index + 1
        end = start
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = [line[indent:] if line[:indent].strip() == "" else line for line in lines[start:end]]
        code = "\n".join(body) + "\n"
        closed = end < len(lines)
        blocks.append(Block(path, start + 1, language, code, previous == SKIP_MARKER, closed))
        index = end + 1
    return blocks


def _previous_nonblank(lines: list[str], index: int) -> str:
    for line in reversed(lines[:index]):
        if line.strip():
            return line.strip()
    return ""


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def markdown_files() -> list[Path]:
    # README.md and its Chinese edition, README.zh-CN.md
    files = [*sorted(ROOT.glob("README*.md")), *sorted((ROOT / "docs").glob("*.md"))]
    return [path for path in files if path.is_file()]


def python_blocks(path: Path) -> list[Block]:
    return [block for block in fenced_blocks(path) if block.language in ("python", "py")]


def run_python_blocks(blocks: list[Block]) -> None:
    """Run the blocks in order in one namespace; fail naming the block that raised."""
    namespace = {"__name__": "__docs__"}
    for block in blocks:
        if block.skip:
            continue
        # pad with blank lines so tracebacks give the line number in the Markdown file
        source = "\n" * (block.line - 1) + block.code
        try:
            code = compile(source, str(block.path), "exec")
            exec(code, namespace)
        except Exception as error:
            details = "".join(traceback.format_exception(error))
            pytest.fail(
                f"{block.where}: the python block starting here raised "
                f"{type(error).__name__}: {error}\n\n{details}",
                pytrace=False,
            )


def required_modules(path: Path) -> list[str]:
    """The modules named by ``<!-- docs-test: requires MODULE -->`` lines of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    matches = [REQUIRES_MARKER.match(line.strip()) for line in lines]
    return [match["module"] for match in matches if match]


def skip_unless_importable(path: Path) -> None:
    for module in required_modules(path):
        pytest.importorskip(
            module, reason=f"{_relative(path)} needs {module}, which is not installed here"
        )


def _files_with_python() -> list[Path]:
    return [path for path in markdown_files() if python_blocks(path)]


@pytest.mark.parametrize("path", _files_with_python(), ids=_relative)
def test_python_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    skip_unless_importable(path)
    run_python_blocks(python_blocks(path))


def convention_problems(path: Path) -> list[str]:
    """python blocks hold no >>> prompts; pycon blocks end with a blank line; fences close."""
    problems = []
    for block in fenced_blocks(path):
        if not block.closed:
            problems.append(f"{block.where}: this {block.language or 'code'} block never closes")
            continue
        code_lines = block.code.splitlines()
        if block.language in ("python", "py") and any(
            line.lstrip().startswith(">>>") for line in code_lines
        ):
            problems.append(f"{block.where}: a python block with >>> prompts; make it pycon")
        if block.language == "pycon" and code_lines and code_lines[-1].strip():
            problems.append(
                f"{block.where}: a pycon block must end with a blank line before its closing "
                "fence, or doctest reads the fence as expected output"
            )
    return problems


@pytest.mark.parametrize("path", markdown_files(), ids=_relative)
def test_block_conventions(path):
    problems = convention_problems(path)
    assert not problems, "\n".join(problems)


# ---- the collector itself ----


def _write(tmp_path, text):
    path = tmp_path / "sample.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_collector_finds_blocks_languages_and_lines(tmp_path):
    path = _write(
        tmp_path,
        "# Title\n"
        "\n"
        "```python\n"
        "x = 1\n"
        "```\n"
        "\n"
        "~~~~ py title\n"
        "y = x + 1\n"
        "~~~~\n"
        "- a list item\n"
        "\n"
        "  ```python\n"
        "  if y:\n"
        "      z = 3\n"
        "  ```\n"
        "```console\n"
        "$ echo hi\n"
        "```\n"
        "<!-- docs-test: skip -->\n"
        "```python\n"
        "raise SystemExit\n"
        "```\n",
    )
    blocks = fenced_blocks(path)
    assert [(block.language, block.line, block.skip) for block in blocks] == [
        ("python", 4, False),
        ("py", 8, False),
        ("python", 13, False),
        ("console", 17, False),
        ("python", 21, True),
    ]
    assert blocks[2].code == "if y:\n    z = 3\n"
    assert [block.language for block in python_blocks(path)] == ["python", "py", "python", "python"]


def test_collector_runs_blocks_in_one_namespace(tmp_path):
    path = _write(tmp_path, "```python\nvalues = [1]\n```\n\n```python\nvalues.append(2)\n```\n")
    run_python_blocks(python_blocks(path))


def test_collector_failure_names_file_and_line(tmp_path):
    path = _write(tmp_path, "text\n\n```python\nok = 1\n```\n\n```python\nok = 2\n1 / 0\n```\n")
    with pytest.raises(pytest.fail.Exception) as caught:
        run_python_blocks(python_blocks(path))
    message = str(caught.value)
    assert f"{path}:8: the python block starting here raised ZeroDivisionError" in message
    assert f'File "{path}", line 9' in message  # the traceback points at the Markdown line


def test_collector_reports_syntax_errors_with_the_line(tmp_path):
    path = _write(tmp_path, "```python\nx = (\n```\n")
    with pytest.raises(pytest.fail.Exception, match=r"sample\.md:2: .* SyntaxError"):
        run_python_blocks(python_blocks(path))


def test_unclosed_fence_runs_to_the_end_of_the_file(tmp_path):
    path = _write(tmp_path, "```python\nx = 1\n")
    (block,) = fenced_blocks(path)
    assert block.code == "x = 1\n"
    assert not block.closed


def test_convention_problems_are_reported_with_lines(tmp_path):
    path = _write(
        tmp_path,
        "```pycon\n>>> 1 + 1\n2\n```\n\n"
        "```pycon\n>>> 2\n2\n\n```\n\n"
        "```python\n>>> x = 1\n```\n\n"
        "```python\nnever closed\n",
    )
    assert convention_problems(path) == [
        f"{path}:2: a pycon block must end with a blank line before its closing fence, "
        "or doctest reads the fence as expected output",
        f"{path}:13: a python block with >>> prompts; make it pycon",
        f"{path}:17: this python block never closes",
    ]


def test_requires_marker_skips_the_file_without_the_module(tmp_path):
    path = _write(
        tmp_path,
        "<!-- docs-test: requires no_such_module_here -->\n\n"
        "```python\nimport no_such_module_here\n```\n",
    )
    assert required_modules(path) == ["no_such_module_here"]
    with pytest.raises(pytest.skip.Exception, match=r"sample\.md needs no_such_module_here"):
        skip_unless_importable(path)


def test_requires_marker_runs_the_file_with_the_module(tmp_path):
    path = _write(tmp_path, "<!-- docs-test: requires json -->\n```python\nimport json\n```\n")
    assert required_modules(path) == ["json"]
    skip_unless_importable(path)  # no skip: json is there
    run_python_blocks(python_blocks(path))
