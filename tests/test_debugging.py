"""docs/debugging.md and its Chinese edition, run for real: their grep output is current, their
pdb session prints that, and the Chinese page shows the same blocks as the English one."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ROOT / "docs" / "debugging.md"
CHINESE = ROOT / "docs" / "debugging.zh.md"
PAGES = [ENGLISH, CHINESE]
BACKPROP = ROOT / "autograd" / "backprop.py"
MARKER = "# the chain rule"
# how each page's prose names a line of backprop.py: "line 75", "第 75 行"
LINE_IN_PROSE = {ENGLISH: r"\bline (\d+)\b", CHINESE: r"第 (\d+) 行"}


def page_id(page: Path) -> str:
    return page.name


each_page = pytest.mark.parametrize("page", PAGES, ids=page_id)


def fenced(page: Path, language: str) -> list[str]:
    """The bodies of the page's fenced blocks in ``language``, in order."""
    text = page.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.S | re.M)


def prose(page: Path) -> str:
    """The page without its fenced blocks: what the reader reads around them."""
    text = page.read_text(encoding="utf-8")
    return re.sub(r"^```\w*\n.*?^```$", "", text, flags=re.S | re.M)


def block_starting(page: Path, prefix: str) -> list[str]:
    for body in fenced(page, "console"):
        if body.startswith(prefix):
            return body.splitlines()
    raise AssertionError(f"docs/{page.name} has no console block starting with {prefix!r}")


def chain_rule_lines() -> list[tuple[int, str]]:
    """(line number, text) of every line of backprop.py that carries the marker comment."""
    lines = BACKPROP.read_text(encoding="utf-8").splitlines()
    return [(number, line) for number, line in enumerate(lines, start=1) if line.endswith(MARKER)]


def first_chain_rule_line() -> int:
    """The breakpoint line: the first chain-rule line, the one in backward()."""
    found = chain_rule_lines()
    assert found, f"no line of {BACKPROP} ends with {MARKER!r}"
    return found[0][0]


@each_page
def test_grep_output_in_the_doc_is_current(page: Path):
    block = block_starting(page, f'$ grep -n "{MARKER}" autograd/backprop.py')
    shown = block[1:]
    actual = [f"{number}:{text}" for number, text in chain_rule_lines()]
    assert shown == actual, (
        f"docs/{page.name} shows an old `grep -n` of autograd/backprop.py: update that block, "
        "the line numbers of the pdb session below it and the ones in the text to:\n"
        + "\n".join(actual)
    )


@each_page
def test_line_numbers_in_the_text_are_the_chain_rule_lines_of_backward(page: Path):
    # the text names backward()'s chain-rule line for an op's first input, the one for its
    # second, then the first again as the one to break on; the session breaks there
    first, second = (number for number, _ in chain_rule_lines()[:2])
    quoted = [int(number) for number in re.findall(LINE_IN_PROSE[page], prose(page))]
    assert quoted == [first, second, first], (
        f"docs/{page.name} names lines {quoted} of autograd/backprop.py in its text; "
        f"backward()'s chain rule is on lines {first} and {second} today"
    )
    commands, _ = doc_session(page)
    assert commands[0].startswith(f"break autograd/backprop.py:{first},"), commands[0]


def doc_session(page: Path) -> tuple[list[str], list[list[str]]]:
    """The page's pdb session: the commands typed, and what pdb printed before each prompt."""
    block = block_starting(page, "$ python -m pdb tiny.py")
    commands: list[str] = []
    outputs: list[list[str]] = [[]]
    for line in block[1:]:
        if line.startswith("(Pdb) "):
            commands.append(line.removeprefix("(Pdb) "))
            outputs.append([])
        else:
            outputs[-1].append(line)
    return commands, outputs


def pattern(expected: str) -> re.Pattern[str]:
    """A doc line as a pattern: ``...`` stands for the path that differs per machine."""
    return re.compile(".*".join(re.escape(part) for part in expected.split("...")))


@each_page
def test_pdb_session_prints_what_the_doc_shows(page: Path, tmp_path: Path):
    commands, expected = doc_session(page)
    # the doc breaks on the chain-rule line by number; use the number it has today
    doc_line = int(re.search(r"backprop\.py:(\d+)", commands[0]).group(1))
    shift = first_chain_rule_line() - doc_line

    def current(text: str) -> str:
        def moved(match: re.Match[str]) -> str:
            return f"{match.group(1)}{int(match.group(2)) + shift}{match.group(3)}"

        return re.sub(r"(backprop\.py[:(])(\d+)(\)?)", moved, text)

    commands = [current(command) for command in commands]
    expected = [[current(line) for line in chunk] for chunk in expected]
    assert commands[0].startswith("break autograd/backprop.py:")
    assert commands[0].endswith(', node.op == "*"')

    (tmp_path / "tiny.py").write_text(fenced(page, "python")[0], encoding="utf-8")
    # run as from the repository root: pdb finds autograd/backprop.py on sys.path
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "pdb", "tiny.py"],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )
    assert completed.stderr == ""
    # pdb does not echo what it reads from a pipe: output follows each "(Pdb) " prompt
    printed = completed.stdout.split("(Pdb) ")
    assert len(printed) == len(expected)
    for number, (actual, wanted) in enumerate(zip(printed, expected, strict=True)):
        after = "the start" if number == 0 else f"(Pdb) {commands[number - 1]}"
        lines = actual.splitlines()
        assert len(lines) == len(wanted), f"after {after}, pdb printed:\n{actual}"
        for line, expected_line in zip(lines, wanted, strict=True):
            assert pattern(expected_line).fullmatch(line), f"after {after}: {line!r}"


@each_page
def test_the_session_stops_on_the_chain_rule_with_the_numbers_of_backward(page: Path):
    # the values the doc reads off in pdb are the engine's own
    from autograd import Value

    x = Value(0.5, label="x")
    w = Value(-2.0, label="w")
    product = w * x
    y = product.tanh()
    y.backward()
    _, expected = doc_session(page)
    text = "\n".join("\n".join(chunk) for chunk in expected)
    assert f"Value(data=-1.0, grad={product.grad!r}, op='*')" in text
    assert f"\n{product.grad!r}\n" in text  # p upstream
    assert f"\n{product.local_grads!r}\n" in text
    assert f"\n{product.grad * 0.5!r}\n" in text  # p contribution, which is w.grad
    assert product.grad * 0.5 == w.grad
    assert f"x.grad = {x.grad:.6f}, w.grad = {w.grad:.6f}" in text


# ---- the Chinese page shows the English page's blocks ----


def test_the_chinese_page_has_the_english_console_and_python_blocks_byte_for_byte():
    for language in ("console", "python"):
        assert fenced(CHINESE, language) == fenced(ENGLISH, language), (
            f"docs/debugging.zh.md's {language} blocks differ from docs/debugging.md's: "
            "copy them over unchanged (they are checked against the code and a real pdb run)"
        )


def examples(body: str) -> list[doctest.Example]:
    return doctest.DocTestParser().get_examples(body)


def test_the_chinese_page_runs_the_english_examples_and_only_prints_steps_in_chinese():
    english_blocks = fenced(ENGLISH, "pycon")
    chinese_blocks = fenced(CHINESE, "pycon")
    assert len(chinese_blocks) == len(english_blocks)
    for english_body, chinese_body in zip(english_blocks, chinese_blocks, strict=True):
        chinese = examples(chinese_body)
        switches = [example.source for example in chinese if "set_language" in example.source]
        if 'set_language("zh")\n' in switches:
            # the language is per thread and doctests share one: the block switches back
            assert chinese[-1].source == 'set_language("en")\n', chinese_body
        kept = [example for example in chinese if "set_language" not in example.source]
        english = examples(english_body)
        assert [example.source for example in kept] == [example.source for example in english]
        for mine, theirs in zip(kept, english, strict=True):
            # what print(step) shows comes from the strings table of the language
            if "print(step)" not in mine.source:
                assert mine.want == theirs.want, mine.source
