"""docs/debugging.md, run for real: its grep output is current and its pdb session prints that."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "debugging.md"
BACKPROP = ROOT / "autograd" / "backprop.py"
MARKER = "# the chain rule"


def fenced(language: str) -> list[str]:
    """The bodies of the doc's fenced blocks in ``language``, in order."""
    text = DOC.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.S | re.M)


def block_starting(prefix: str) -> list[str]:
    for body in fenced("console"):
        if body.startswith(prefix):
            return body.splitlines()
    raise AssertionError(f"docs/debugging.md has no console block starting with {prefix!r}")


def chain_rule_lines() -> list[tuple[int, str]]:
    """(line number, text) of every line of backprop.py that carries the marker comment."""
    lines = BACKPROP.read_text(encoding="utf-8").splitlines()
    return [(number, line) for number, line in enumerate(lines, start=1) if line.endswith(MARKER)]


def first_chain_rule_line() -> int:
    """The breakpoint line: the first chain-rule line, the one in backward()."""
    found = chain_rule_lines()
    assert found, f"no line of {BACKPROP} ends with {MARKER!r}"
    return found[0][0]


def test_grep_output_in_the_doc_is_current():
    block = block_starting(f'$ grep -n "{MARKER}" autograd/backprop.py')
    shown = block[1:]
    actual = [f"{number}:{text}" for number, text in chain_rule_lines()]
    assert shown == actual, (
        "docs/debugging.md shows an old `grep -n` of autograd/backprop.py: update that block "
        "and the line numbers of the pdb session below it to:\n" + "\n".join(actual)
    )


def doc_session() -> tuple[list[str], list[list[str]]]:
    """The doc's pdb session: the commands typed, and what pdb printed before each prompt."""
    block = block_starting("$ python -m pdb tiny.py")
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


def test_pdb_session_prints_what_the_doc_shows(tmp_path):
    commands, expected = doc_session()
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

    (tmp_path / "tiny.py").write_text(fenced("python")[0], encoding="utf-8")
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


def test_the_session_stops_on_the_chain_rule_with_the_numbers_of_backward():
    # the values the doc reads off in pdb are the engine's own
    from autograd import Value

    x = Value(0.5, label="x")
    w = Value(-2.0, label="w")
    product = w * x
    y = product.tanh()
    y.backward()
    _, expected = doc_session()
    text = "\n".join("\n".join(chunk) for chunk in expected)
    assert f"Value(data=-1.0, grad={product.grad!r}, op='*')" in text
    assert f"\n{product.grad!r}\n" in text  # p upstream
    assert f"\n{product.local_grads!r}\n" in text
    assert f"\n{product.grad * 0.5!r}\n" in text  # p contribution, which is w.grad
    assert product.grad * 0.5 == w.grad
    assert f"x.grad = {x.grad:.6f}, w.grad = {w.grad:.6f}" in text
