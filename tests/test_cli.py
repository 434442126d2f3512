"""`python -m autograd`: outputs checked against the engine, every error one line and exit 2."""

from __future__ import annotations

import io
import math
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value
from autograd.cli import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    CliError,
    build_graph,
    main,
    parse_assignments,
)
from autograd.value import Constant


def run(*argv: str) -> tuple[int, str, str]:
    """Run the command line in this process: exit status, stdout, stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=stdout, stderr=stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def run_module(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd", *argv], capture_output=True, text=True, timeout=120
    )


def test_value_and_gradients_match_the_engine():
    status, out, err = run("tanh(w*x + b) * w", "w=0.5", "x=2", "b=-0.3")
    w, x, b = Value(0.5), Value(2.0), Value(-0.3)
    y = (w * x + b).tanh() * w
    y.backward()
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"tanh(w*x + b) * w = {y.data!r}",
        f"d/dw = {w.grad!r}",
        f"d/dx = {x.grad!r}",
        f"d/db = {b.grad!r}",
    ]


def test_every_function_and_operator():
    expression = (
        "exp(a)/b - log(b) ** 2 + relu(-a) * sigmoid(a) + abs(a - b) + sqrt(b) "
        "+ sin(a) * cos(b) + 2 ** a - -a"
    )
    status, out, err = run(expression, "a=0.7", "b=1.9")
    a, b = Value(0.7), Value(1.9)
    y = (
        a.exp() / b
        - b.log() ** 2
        + (-a).relu() * a.sigmoid()
        + (a - b).abs()
        + b.sqrt()
        + a.sin() * b.cos()
        + 2**a
        - -a
    )
    y.backward()
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"{expression} = {y.data!r}",
        f"d/da = {a.grad!r}",
        f"d/db = {b.grad!r}",
    ]


def test_steps_table_lists_each_backward_step():
    status, out, err = run("tanh(w*x + b)", "w=0.5", "x=2", "b=-0.3", "--steps")
    assert (status, err) == (0, "")
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-0.3, label="b")
    steps = list((w * x + b).tanh().backward_steps())
    lines = out.splitlines()
    table = lines[2:6]
    header = "step node (out) op upstream input u local contribution input v local contribution"
    assert table[0].split() == header.split()
    expected_names = [
        ("tanh(w*x + b)", ["w*x + b"]),
        ("w*x + b", ["w*x", "b"]),
        ("w*x", ["w", "x"]),
    ]
    for number, (row, step, (node_name, input_names)) in enumerate(
        zip(table[1:], steps, expected_names, strict=True), start=1
    ):
        expected = [str(number), node_name, step.node.op, f"{step.upstream:.6g}"]
        for name, item in zip(input_names, step.contributions, strict=True):
            expected += [name, f"{item.local:.6g}", f"{item.contribution:.6g}"]
        cells = [cell for cell in row.split("  ") if cell.strip()]
        assert [cell.strip() for cell in cells] == expected
    # then each step's derivative rule, its numbers filled in
    assert lines[6:11] == [
        "",
        "rules (out is the node, u and v its inputs; contribution = upstream \u00d7 local):",
        f"1     d out/d u = 1 - out\u00b2 = 1 - {steps[0].node.data:.4g}\u00b2 = "
        f"{steps[0].contributions[0].local:.6g}",
        "2     d out/d u = 1; d out/d v = 1",
        "3     d out/d u = v = 2; d out/d v = u = 0.5",
    ]
    assert lines[-3:] == [f"d/dw = {w.grad!r}", f"d/dx = {x.grad!r}", f"d/db = {b.grad!r}"]


def test_steps_table_says_a_constant_is_not_differentiated():
    status, out, err = run("x*4 + 2**x", "x=1.5", "--steps")
    assert (status, err) == (0, "")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:6] if line.strip()}
    assert rows["2"][4:] == ["x", "4", "4", "4", "constant", "-"]
    assert rows["3"][4:7] == ["2", "constant", "-"]
    assert "2     d out/d u = v = 4; v is a constant: not differentiated" in out
    assert "3     u is a constant: not differentiated; d out/d v = " in out


def test_steps_table_falls_back_to_ascii_on_an_ascii_terminal():
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    status = main(["tanh(x*x)", "x=0.5", "--steps"], stdout=stdout, stderr=io.StringIO())
    stdout.flush()
    text = stdout.buffer.getvalue().decode("ascii")
    assert status == 0
    assert "d out/d u = 1 - out**2 = " in text
    assert "contribution = upstream x local" in text


def test_steps_of_a_single_leaf():
    status, out, _ = run("x", "x=3", "--steps")
    assert status == 0
    assert "(no backward steps: the expression is a single leaf)" in out
    assert out.splitlines()[-1] == "d/dx = 1.0"


def test_svg_and_html_are_written(tmp_path):
    svg_path = tmp_path / "graph.svg"
    html_path = tmp_path / "steps.html"
    status, out, err = run("x*y + y", "x=2", "y=3", f"--svg={svg_path}", "--html", str(html_path))
    assert (status, err) == (0, "")
    assert out.splitlines()[-2:] == [f"wrote {svg_path}", f"wrote {html_path}"]
    tree = ET.fromstring(svg_path.read_bytes())
    texts = {element.text for element in tree.iter("{http://www.w3.org/2000/svg}text")}
    assert {"x", "y", "x*y", "x*y + y", "grad 3"} <= texts  # d/dx = y, d/dy = x + 1
    assert "grad 3" in texts and "grad 3" in texts
    assert html_path.read_text().startswith("<!DOCTYPE html>")


def test_help_exits_0():
    status, out, err = run("--help")
    assert (status, err) == (0, "")
    assert out.startswith("usage: python -m autograd EXPR")


@pytest.mark.parametrize(
    "arguments", [("--help", "--lang", "zh"), ("--lang=zh", "-h"), ("x", "--lang", "zh", "--help")]
)
def test_help_speaks_chinese_with_lang_zh(arguments):
    status, out, err = run(*arguments)
    assert (status, err) == (0, "")
    assert out.startswith("用法：python -m autograd EXPR")
    assert "选项：" in out and "退出状态：" in out
    assert "usage" not in out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_help_names_every_function_and_option_there_is(lang):
    # regression: the English help left log1p out of the functions EXPR may call
    from autograd.cli import FUNCTIONS

    out = run("--help", "--lang", lang)[1]
    listed = re.search(r"exp log .*? cos", " ".join(out.split())).group(0).split()
    assert listed == list(FUNCTIONS)
    options = {"--steps", "--svg", "--html", "--animate", "--lang", "--version", "--help"}
    assert options <= set(re.findall(r"--[a-z]+", out))


@pytest.mark.parametrize("page", ["visualizing.md", "visualizing.zh.md"])
def test_the_docs_name_every_function_the_command_line_accepts(page):
    # regression: docs/visualizing.md left log1p out, as --help did
    from autograd.cli import FUNCTIONS

    text = (Path(__file__).resolve().parent.parent / "docs" / page).read_text(encoding="utf-8")
    listed = re.search(r"`(exp log [a-z0-9 ]+)`", text).group(1).split()
    assert listed == list(FUNCTIONS)


def test_expression_may_start_with_a_minus():
    status, out, _ = run("-x*2", "x=1.5")
    assert status == 0
    assert out.splitlines() == ["-x*2 = -3.0", "d/dx = -2.0"]
    assert run("--", "--x", "x=1")[1].splitlines() == ["--x = 1.0", "d/dx = 1.0"]


def test_constant_expression_has_no_variables():
    assert run("2 ** 0.5 * 3")[1] == f"2 ** 0.5 * 3 = {2**0.5 * 3!r}\n"


ERRORS = [
    # (argv, the one line on stderr must contain this)
    ((), "no expression given"),
    (("x.__class__", "x=1"), "attribute access ('x.__class__') is not allowed"),
    (("x.tanh()", "x=1"), "attribute access (.tanh) is not allowed"),
    (("__import__('os').system('true')",), "attribute access (.system) is not allowed"),
    (("__import__('os')",), "unknown function __import__"),
    (("exec('1')",), "unknown function exec"),
    (("foo(x)", "x=1"), "unknown function foo"),
    (("tanh(x, x)", "x=1"), "tanh() takes exactly one argument"),
    (("tanh(x=x)", "x=1"), "tanh() takes exactly one argument"),
    (("x +", "x=1"), "syntax error in the expression"),
    (("x = 1",), "syntax error in the expression"),
    (("x // 2", "x=1"), "operator // is not allowed"),
    (("x % 2", "x=1"), "operator % is not allowed"),
    (("~x", "x=1"), "operator ~ is not allowed"),
    (("x < 2", "x=1"), "comparison ('x < 2') is not allowed"),
    (("x if x else x", "x=1"), "if/else"),
    (("lambda: 1",), "lambda"),
    (("[x]", "x=1"), "a list"),
    (("x[0]", "x=1"), "indexing"),
    (("'a' * 3",), "error: 'a' is not a number"),
    (("True + 1",), "error: True is not a number"),
    (("1j * x", "x=1"), "error: 1j is not a number"),
    (("1e999 * x", "x=1"), "the number '1e999' is too large for a float"),
    (("1" + "0" * 400 + " * x", "x=1"), "is too large for a float"),
    (("x * y", "x=1"), "variable y is not set: add y=NUMBER"),
    (("x", "x=1", "y=2"), "variable y is given but not used in the expression"),
    (("x", "x=abc"), "'x=abc': 'abc' is not a number"),
    (("x", "x=nan"), "give a finite number, not nan"),
    (("x", "x=inf"), "give a finite number, not inf"),
    (("x", "x"), "expected NAME=NUMBER after the expression, got 'x'"),
    (("x", "x=1", "x=2"), "variable x is given twice"),
    (("x", "1x=2"), "'1x' is not a variable name"),
    (("exp", "exp=2"), "exp is a function, it cannot be a variable"),
    (("log(x)", "x=-1"), "cannot compute 'log(x)': op 'log': math domain error: input x=-1.0"),
    (("x / (y - 1)", "x=1", "y=1"), "cannot compute 'x / (y - 1)': op '/': division by zero"),
    (("sqrt(-1)",), "cannot compute 'sqrt(-1)'"),
    (("(-8) ** (1/3)",), "cannot compute '(-8) ** (1/3)'"),
    (("0 ** -1",), "cannot compute '0 ** -1'"),
    (("x", "x=1", "--svg"), "--svg needs a file path"),
    (("x", "x=1", "--bogus"), "unknown option '--bogus'"),
    (("x" * (MAX_EXPRESSION_LENGTH + 1),), "the limit is 1,000"),
    (("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "x=1"), "nests parentheses"),
    (("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "x=1"), "and calls more than 64"),
    (("\x00",), "null bytes"),
    (("   ",), "the expression is empty"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS)
def test_errors_are_one_line_and_exit_2(argv, message):
    status, out, err = run(*argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("python -m autograd: error: ")
    assert message in err


def test_write_errors_are_one_line(tmp_path):
    status, _, err = run("x", "x=1", "--svg", str(tmp_path / "missing" / "g.svg"))
    assert status == 2
    assert err.startswith(
        f"python -m autograd: error: cannot write {tmp_path / 'missing' / 'g.svg'}"
    )
    assert err.count("\n") == 1 and "does not exist" in err
    status, _, err = run("x", "x=1", "--html", str(tmp_path))  # a folder, not a file
    assert status == 2
    assert err.count("\n") == 1 and f"cannot write {tmp_path}" in err


def test_an_internal_error_is_still_one_line(monkeypatch):
    def broken(expression, variables):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr("autograd.cli.build_graph", broken)
    status, _, err = run("x", "x=1")
    assert status == 2
    assert err == (
        "python -m autograd: error: internal error, please report it: "
        "RuntimeError: something broke\n"
    )


@pytest.mark.parametrize(
    "argv",
    [("x.__class__", "x=1"), ("log(x)", "x=0"), ("x * y", "x=1"), ("(((x",), ("x", "x=1", "--no")],
)
def test_module_errors_exit_2_without_a_traceback(argv):
    completed = run_module(*argv)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.count("\n") == 1
    assert "Traceback" not in completed.stderr
    assert completed.stderr.startswith("python -m autograd: error: ")


def test_module_runs(tmp_path):
    completed = run_module("x * x", "x=3", "--steps", "--svg", str(tmp_path / "g.svg"))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[0] == "x * x = 9.0"
    assert "d/dx = 6.0" in completed.stdout
    assert (tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")


def test_build_graph_labels_nodes_and_makes_numbers_constants():
    root, leaves = build_graph("2 * x + x * x", {"x": 3.0})
    assert root.label == "2 * x + x * x"
    left, right = root.inputs
    assert left.label == "2 * x" and right.label == "x * x"
    assert type(left.inputs[0]) is Constant and left.inputs[0].data == 2.0
    assert right.inputs == (leaves["x"], leaves["x"])  # a repeated operand stays repeated


def test_long_labels_are_cut():
    expression = " + ".join(f"x{index}" for index in range(12))
    root, _ = build_graph(expression, {f"x{index}": 1.0 for index in range(12)})
    assert len(root.label) == 24 and root.label.endswith("...")


def test_parse_assignments():
    assert parse_assignments(["x=2", "y = -0.5", "z=1e-3"]) == {"x": 2.0, "y": -0.5, "z": 0.001}
    with pytest.raises(CliError, match="not a variable name"):
        parse_assignments(["x-y=2"])


# ---- fuzzing: the parser only ever returns a graph or raises CliError ----

ALPHABET = "xy01.e+-*/()^%, abcdefgilnopqrstw_[]'\"=<>!~@:;{}\\\n\t"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=60) | st.text(max_size=40))
def test_fuzz_random_text(text):
    try:
        root, _ = build_graph(text, {"x": 0.5, "y": -1.5})
    except CliError:
        return
    assert isinstance(root, Value)


@st.composite
def expressions(draw, depth=0):
    """A random valid expression: its text, and the same computation done directly on Values."""
    if depth >= 4 or draw(st.integers(0, 2)) == 0:
        # the variables are v and w: letters that no function name contains
        kind = draw(st.sampled_from(["v", "w", "number"]))
        if kind == "number":
            number = draw(st.floats(0.1, 5.0).map(lambda value: round(value, 3)))
            return repr(number), lambda v, w: number
        return kind, (lambda v, w: v) if kind == "v" else (lambda v, w: w)
    shape = draw(st.sampled_from(["+", "-", "*", "/", "**", "neg", "call"]))
    left_text, left = draw(expressions(depth + 1))
    if shape == "neg":
        return f"-({left_text})", lambda x, y: -left(x, y)
    if shape == "call":
        name = draw(st.sampled_from(sorted(FUNCTIONS)))
        function = FUNCTIONS[name]
        return f"{name}({left_text})", lambda x, y: _call(function, left(x, y))
    right_text, right = draw(expressions(depth + 1))
    operation = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: _divide(a, b),
        "**": lambda a, b: _power(a, b),
    }[shape]
    return f"({left_text}) {shape} ({right_text})", lambda x, y: operation(left(x, y), right(x, y))


def _call(function, operand):
    if isinstance(operand, Value):
        return function(operand)
    return function(Value(operand)).data


def _divide(a, b):
    if not isinstance(a, Value) and not isinstance(b, Value):
        return (Value(a) / b).data
    return a / b


def _power(a, b):
    if not isinstance(a, Value) and not isinstance(b, Value):
        return (Value(a) ** b).data
    return a**b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.floats(-3, 3), st.floats(0.1, 3))
def test_fuzz_valid_expressions_match_the_engine(expression, v_value, w_value):
    text, direct = expression
    uses = {name: value for name, value in (("v", v_value), ("w", w_value)) if name in text}
    try:
        expected = direct(Value(v_value, label="v"), Value(w_value, label="w"))
    except (ArithmeticError, ValueError):
        with pytest.raises(CliError, match="cannot compute"):
            build_graph(text, uses)
        return
    root, leaves = build_graph(text, uses)
    expected_data = expected.data if isinstance(expected, Value) else expected
    assert root.data == expected_data or (math.isnan(root.data) and math.isnan(expected_data))
    if isinstance(expected, Value):
        root.backward()
        v, w = Value(v_value), Value(w_value)
        reference = direct(v, w)
        reference.backward()
        for name, leaf in leaves.items():
            want = {"v": v, "w": w}[name].grad
            assert leaf.grad == want or (math.isnan(leaf.grad) and math.isnan(want))


# ---- the examples in README.md and docs/*.md print what the docs show ----

ROOT = Path(__file__).resolve().parent.parent
VISUALIZING = ROOT / "docs" / "visualizing.md"


def doc_examples(paths=None) -> list[tuple[str, list[str]]]:
    """Each ``$ python -m autograd ...`` line of the docs' console blocks, with its output."""
    if paths is None:
        paths = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    examples: list[tuple[str, list[str]]] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"^```console\n(.*?)^```$", text, flags=re.S | re.M):
            in_block: list[tuple[str, list[str]]] = []
            for line in block.splitlines():
                if line.startswith("$ "):
                    in_block.append((line.removeprefix("$ "), []))
                elif in_block:
                    in_block[-1][1].append(line)
            examples += in_block
    return [example for example in examples if example[0].startswith("python -m autograd ")]


def test_the_docs_have_examples():
    assert len(doc_examples([VISUALIZING])) >= 4
    assert len(doc_examples([ROOT / "README.md"])) >= 3


@pytest.mark.parametrize(("command", "expected"), doc_examples())
def test_doc_example_prints_what_the_doc_shows(command, expected, tmp_path):
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "autograd"]
    completed = subprocess.run(
        [sys.executable, *argv[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    if not expected:  # an example shown without its output: it must still succeed
        assert completed.returncode == 0, completed.stdout
        return
    assert completed.stdout.splitlines() == expected
    assert completed.returncode == (2 if expected[0].startswith("python -m autograd: error") else 0)


ARGUMENT = st.sampled_from(
    ["--steps", "--svg", "--html", "--", "-h", "x=1", "y=2", "x", "x*y", "=", ""]
)


@settings(max_examples=200, deadline=None)
@given(argv=st.lists(ARGUMENT | st.text(max_size=12), max_size=5))
def test_fuzz_command_lines_exit_0_or_2_with_at_most_one_error_line(argv, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    argv = [str(folder / "out") if word in ("--svg", "--html") else word for word in argv]
    status, out, err = run(*argv)
    assert status in (0, 2)
    if status == 2:
        assert out == "" and err.count("\n") == 1 and err.startswith("python -m autograd: error: ")
    else:
        assert err == ""
