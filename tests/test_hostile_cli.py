"""Hostile and unlucky use of `python -m autograd` (issue 7, "CLI"; issue 9, part 6).

Standard output that cannot be written or cannot show a character, long flat
sums, expressions starting with -, very long names, multi-line expressions,
and ``--version``. Each reproduction of the issue is a test here; most run the
module as a user does, in a subprocess.
"""

from __future__ import annotations

import ast
import inspect
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import autograd
from autograd import Value, cli
from autograd.cli import MAX_DEPTH, MAX_EXPRESSION_LENGTH, CliError, build_graph, main

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str, stdout=None, stderr=None) -> tuple[int, str, str]:
    """Run the command line in this process: exit status, stdout, stderr."""
    out = io.StringIO() if stdout is None else stdout
    err = io.StringIO() if stderr is None else stderr
    status = main(list(argv), stdout=out, stderr=err)
    return status, _text(out), _text(err)


def _text(stream) -> str:
    if isinstance(stream, io.StringIO):
        return stream.getvalue()
    stream.flush()
    return stream.buffer.getvalue().decode("ascii")


def run_module(*argv: str, env=None, unset=(), **kwargs) -> subprocess.CompletedProcess[str]:
    """Run ``python -m autograd argv`` with ``env`` added to the environment, ``unset`` removed."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-m", "autograd", *argv],
        text=True,
        timeout=120,
        env=dict(environment, **(env or {})),
        **kwargs,
    )


def assert_one_error_line(stderr: str, message: str) -> None:
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("python -m autograd: error: "), stderr
    assert message in stderr, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr


# ---- standard output that cannot be written ----


def test_stdout_on_dev_full_is_one_clear_line_and_exit_1():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        completed = run_module("x*2", "x=1", stdout=full, stderr=subprocess.PIPE)
    assert completed.returncode == 1
    assert_one_error_line(
        completed.stderr,
        "cannot write the results to standard output: No space left on device",
    )
    assert "Exception ignored" not in completed.stderr  # the exit's own flush stays quiet


def test_closed_stdout_is_one_clear_line_and_exit_1():
    completed = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "autograd", "x", "x=1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert_one_error_line(completed.stderr, "cannot write the results to standard output")


def test_stdout_write_failure_in_process():
    class FullStream(io.StringIO):
        def write(self, text):
            raise OSError(28, "No space left on device")

    stderr = io.StringIO()
    status = main(["x", "x=1"], stdout=FullStream(), stderr=stderr)
    assert status == 1
    assert stderr.getvalue() == (
        "python -m autograd: error: cannot write the results to standard output: "
        "No space left on device\n"
    )


def test_stdout_flush_failure_in_process():
    class FailsOnFlush(io.StringIO):
        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    stderr = io.StringIO()
    status = main(["x", "x=1"], stdout=FailsOnFlush(), stderr=stderr)
    assert status == 1
    assert stderr.getvalue().endswith("standard output: Broken pipe\n")


# ---- an ASCII-only standard output ----

NON_ASCII = "\uff58*2 # \xe9"  # a full-width x (Python reads it as x) and a comment with é


def test_ascii_stdout_escapes_what_it_cannot_show():
    completed = run_module(NON_ASCII, "x=1", env={"PYTHONIOENCODING": "ascii"})
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert completed.stdout.splitlines() == ["\\uff58*2 # \\xe9 = 2.0", "d/dx = 2.0"]


def test_c_locale_without_utf8_escapes_what_it_cannot_show():
    env = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    completed = run_module(NON_ASCII, "x=1", "--steps", env=env, unset=["PYTHONIOENCODING"])
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "\\uff58*2 # \\xe9 = 2.0"
    assert any(line.startswith("1     \\uff58*2") for line in lines), lines  # the label
    assert lines[-1] == "d/dx = 2.0"


def test_bytes_that_are_not_utf8_are_a_clear_error():
    completed = subprocess.run(
        [sys.executable, "-m", "autograd", b"x\xff", "x=1"], capture_output=True, timeout=120
    )
    assert completed.returncode == 2
    assert completed.stderr.decode() == (
        "python -m autograd: error: the expression holds bytes that are not UTF-8 text\n"
    )


def test_ascii_stream_in_process_output_and_errors():
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")  # errors="strict"
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    status, out, err = run("\uff58 * y", "x=2", "y=3", stdout=stdout, stderr=stderr)
    assert (status, err) == (0, "")
    assert out.splitlines() == ["\\uff58 * y = 6.0", "d/dx = 3.0", "d/dy = 2.0"]
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    status, out, err = run("\xe9 + 1", stdout=stdout, stderr=stderr)
    assert status == 2 and out == ""
    assert err == "python -m autograd: error: variable \\xe9 is not set: add \\xe9=NUMBER\n"


# ---- flat sums are fine; true nesting has a bound ----


def flat_sum(terms: int) -> str:
    return "+".join(["x"] * terms)


def test_flat_65_term_sum_is_not_deep_nesting():
    completed = run_module(flat_sum(65), "x=1")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [f"{flat_sum(65)} = 65.0", "d/dx = 65.0"]


def test_flat_sum_as_long_as_the_length_limit_allows():
    terms = (MAX_EXPRESSION_LENGTH + 1) // 2  # 500 terms, 999 characters
    status, out, err = run(flat_sum(terms), "x=0.5", "--steps")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == f"{flat_sum(terms)} = {terms * 0.5!r}"
    assert out.splitlines()[-1] == f"d/dx = {float(terms)!r}"
    table = out.split("\n\nrules ")[0]  # the table, then the rules section: a line per + each
    assert sum(line[:1].isdigit() for line in table.splitlines()) == terms - 1


@pytest.mark.parametrize(
    ("expression", "value", "grad"),
    [
        ("0" + "-" * 998 + "x", 0.5, 1.0),  # 0 - (-(-(...x))): 997 unary minuses
        ("x" + "*x" * 499, 0.5**500, 500 * 0.5**499),  # a left chain 500 deep
        ("x" + "**1" * 330, 0.5, 1.0),  # right-associative: 330 deep
        ("-" * 999 + "x", -0.5, -1.0),  # 999 unary minuses (after -- on a command line)
    ],
    ids=["minuses", "products", "powers", "leading-minuses"],
)
def test_long_operator_chains_are_evaluated_without_recursion(expression, value, grad):
    # Python's parser builds these trees (in C); evaluating them and the backward
    # pass must not recurse: check at a recursion limit far below the chain's depth
    root, leaves = build_graph(expression, {"x": 0.5})
    assert root.data == pytest.approx(value, rel=1e-12)
    tree = cli._parse(expression)
    leaves = {"x": Value(0.5, label="x")}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 60)
    try:
        root = cli._evaluate(tree, expression, leaves, set())
        root.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert root.data == pytest.approx(value, rel=1e-12)
    assert leaves["x"].grad == pytest.approx(grad, rel=1e-9)


@pytest.mark.parametrize(
    "expression",
    [
        "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
        "exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
        "[" * (MAX_DEPTH + 1) + "x" + "]" * (MAX_DEPTH + 1),
        "(" * 300,  # unbalanced, deeper than Python's parser allows
    ],
    ids=["parentheses", "calls", "brackets", "unbalanced"],
)
def test_true_nesting_has_a_bound(expression):
    status, out, err = run(expression, "x=1")
    assert status == 2 and out == ""
    assert_one_error_line(err, f"the expression nests parentheses and calls more than {MAX_DEPTH}")


def test_nesting_at_the_bound_is_fine():
    expression = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert run(expression, "x=2")[:2] == (0, f"{expression} = 2.0\nd/dx = 1.0\n")


@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth"), MemoryError()])
def test_parser_running_out_of_stack_or_memory_is_a_clear_error(monkeypatch, error):
    def exhausted(*args, **kwargs):
        raise error

    monkeypatch.setattr(ast, "parse", exhausted)
    status, _out, err = run("x", "x=1")
    assert status == 2
    assert_one_error_line(err, "cannot parse the expression")


# ---- expressions that start with - ----


@pytest.mark.parametrize(
    ("argv", "lines"),
    [
        (("-x*2", "x=1"), ["-x*2 = -2.0", "d/dx = -2.0"]),
        (("--", "-x", "x=1"), ["-x = -1.0", "d/dx = -1.0"]),
        (("--", "--x", "x=1"), ["--x = 1.0", "d/dx = 1.0"]),
        (("-1",), ["-1 = -1.0"]),
        (("-h*2", "h=3"), ["-h*2 = -6.0", "d/dh = -2.0"]),  # only -h alone asks for help
        (("--steps", "-x", "x=2"), None),
    ],
)
def test_expression_starting_with_a_minus(argv, lines):
    completed = run_module(*argv)
    assert completed.returncode == 0, completed.stderr
    if lines is not None:
        assert completed.stdout.splitlines() == lines
    else:
        assert completed.stdout.splitlines()[-1] == "d/dx = -1.0"


def test_an_expression_starting_with_two_minuses_is_told_about_the_separator():
    status, _out, err = run("--x", "x=1")
    assert status == 2
    assert_one_error_line(err, "an expression starting with -- goes after --")


# ---- long names are cut short in messages ----

LONG = "a" * 1000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((LONG,), f"variable {'a' * 37}... is not set: add {'a' * 37}...=NUMBER"),
        ((f"{LONG[:990]}(x)", "x=1"), f"unknown function {'a' * 37}...: the functions are"),
        (("x", "x=1", f"{LONG}=2"), f"variable {'a' * 37}... is given but not used"),
        (("x", f"{LONG}=1", f"{LONG}=2"), f"variable {'a' * 37}... is given twice"),
        (("x", "x=" + "1" * 400 + "e999"), "give a finite number, not 1111"),
        (("x", f"x={LONG}"), f"'{'x=' + 'a' * 35}...': '{'a' * 37}...' is not a number"),
        (("x", f"--{LONG}"), "unknown option '--aaaa"),
    ],
    ids=["variable", "function", "unused", "twice", "number", "not-a-number", "option"],
)
def test_long_names_are_shortened_in_messages(argv, message):
    status, out, err = run(*argv)
    assert status == 2 and out == ""
    assert_one_error_line(err, message)
    assert len(err) < 250, err  # not the whole name


# ---- line and column of a syntax error ----


@pytest.mark.parametrize(
    ("expression", "where"),
    [
        ("x\n+1", "at line 2, column 1"),
        ("x\r\n+1", "at line 2, column 1"),
        ("\n\nx\n$", "at line 4, column 1"),
        ("(x\n+ $)", "at line 2, column 3"),
        ("  x $ 1", "at column 5"),  # leading spaces count: the column is in what was typed
        ("x $ 1", "at column 3"),
        ("\xe9 $ 1", "at column 3"),  # characters, not bytes
        ("x +", "at the end"),
    ],
)
def test_syntax_errors_name_line_and_column(expression, where):
    status, _out, err = run(expression, "x=1")
    assert status == 2
    assert_one_error_line(err, f"syntax error in the expression {where}: ")


def test_multi_line_expression_in_parentheses_works():
    assert run("(x\n+ 1)", "x=1")[:2] == (0, "(x + 1) = 2.0\nd/dx = 1.0\n")


# ---- --version and the help ----


def test_version():
    completed = run_module("--version")
    assert completed.returncode == 0
    assert completed.stdout == f"scalar-autograd {autograd.__version__}\n"
    assert completed.stderr == ""
    assert run("x", "--version")[:2] == (0, f"scalar-autograd {autograd.__version__}\n")


def test_help_documents_version_exit_statuses_and_limits():
    status, out, _ = run("--help")
    assert status == 0
    text = " ".join(out.split())
    assert "--version print the version and exit" in text
    assert "exit status: 0 done; 2 a bad command line, expression or output path" in text
    assert "1 the results could not be written to standard output" in text
    assert f"up to {MAX_EXPRESSION_LENGTH:,} characters" in text
    assert f"nest parentheses and calls up to {MAX_DEPTH} deep" in text


def test_build_graph_of_a_flat_sum_matches_the_engine():
    root, leaves = build_graph(flat_sum(100), {"x": 0.25})
    x = Value(0.25)
    expected = x
    for _ in range(99):
        expected = expected + x
    root.backward()
    expected.backward()
    assert (root.data, leaves["x"].grad) == (expected.data, x.grad) == (25.0, 100.0)


def test_errors_stay_clierror_for_any_deep_tree():
    with pytest.raises(CliError, match="is not set"):
        build_graph("x" + "+y" * 400, {"x": 1.0})
