"""`python -m autograd EXPR NAME=NUMBER ...`: differentiate an expression from the shell, safely."""

from __future__ import annotations

import ast
import math
import operator
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from autograd.backprop import BackwardStep
from autograd.modes import no_grad
from autograd.value import Value

# What costs is the number of nodes, and the length bounds it; a flat sum of 500 terms is
# fine (the evaluator is iterative). Python's own parser recurses into parentheses and
# calls, so their nesting has a bound of its own.
MAX_EXPRESSION_LENGTH = 1000
MAX_DEPTH = 64  # nesting of parentheses, brackets and function calls in the expression
_NAME_SHOWN = 40  # names and words longer than this are cut short in messages

EXIT_OK = 0
EXIT_OUTPUT_FAILED = 1  # the results could not be written to standard output
EXIT_USAGE = 2  # the command line, the expression or a --svg/--html path is wrong

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "log1p": Value.log1p,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "abs": Value.abs,
    "sqrt": Value.sqrt,
    "sin": Value.sin,
    "cos": Value.cos,
}

_BINARY_OPERATORS: dict[type, Callable[..., Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}

_OPERATOR_NAMES = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}

_LABEL_LENGTH = 24  # intermediate nodes are labelled with their subexpression, cut to this


class CliError(Exception):
    """Anything wrong with the command line or the expression: printed as one line, exit 2."""


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line; return the exit status (see --help), errors as one line on stderr."""
    uses_process_stdout = stdout is None
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    output = _Output(stdout)
    try:
        status = _run(sys.argv[1:] if argv is None else list(argv), output)
        output.flush()
        return status
    except CliError as error:
        _report(stderr, str(error))
        return EXIT_USAGE
    except _OutputError as error:
        _report(stderr, str(error))
        if uses_process_stdout:
            _discard_process_stdout()
        return EXIT_OUTPUT_FAILED
    except KeyboardInterrupt:
        _report(stderr, "interrupted")
        return EXIT_USAGE
    except Exception as error:  # a bug in this program: still one line, never a traceback
        _report(stderr, f"internal error, please report it: {type(error).__name__}: {error}")
        return EXIT_USAGE


def _report(stderr: TextIO | None, message: str) -> None:
    """One line on stderr, whatever the message held and whatever stderr can encode."""
    one_line = " ".join(message.split())
    try:
        _write_line(stderr, f"python -m autograd: error: {one_line}")
        stderr.flush()  # type: ignore[union-attr]
    except (OSError, AttributeError):  # no stderr to report on: the exit status still says it
        pass


def _write_line(stream: TextIO | None, text: str) -> None:
    if stream is None:  # the process was started with this stream closed
        raise OSError("it is closed")
    line = text + "\n"
    try:
        stream.write(line)
    except UnicodeEncodeError:  # an ASCII-only stream: write the other characters as \uXXXX
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(line.encode(encoding, "backslashreplace").decode(encoding))


class _OutputError(Exception):
    """Standard output cannot be written (a full disk, a closed stream or pipe)."""


class _Output:
    """Lines to standard output; a failure to write becomes _OutputError, named once."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream

    def line(self, text: str = "") -> None:
        try:
            _write_line(self.stream, text)
        except OSError as error:
            raise _OutputError(_output_failure(error)) from None

    def flush(self) -> None:
        try:
            if self.stream is not None:
                self.stream.flush()
        except OSError as error:
            raise _OutputError(_output_failure(error)) from None


def _output_failure(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"cannot write the results to standard output: {reason}"


def _discard_process_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the exit's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _run(argv: list[str], output: _Output) -> int:
    options = _parse_arguments([_as_utf8(word) for word in argv])
    if options.help:
        from autograd.strings import text

        for line in text(options.lang, "cli_usage").splitlines():
            output.line(line)
        return EXIT_OK
    if options.version:
        from autograd import __version__

        output.line(f"scalar-autograd {__version__}")
        return EXIT_OK
    root, leaves = build_graph(options.expression, parse_assignments(options.assignments))
    shown = " ".join(options.expression.split())
    output.line(f"{shown} = {root.data!r}")
    if options.steps:
        steps = list(root.backward_steps())  # fills in .grad as backward() does
        ascii_only = not _can_encode(output.stream, "\u00d7\u00b2\u2026")
        output.line()
        table = steps_table(steps, ascii=ascii_only, lang=options.lang)
        for line in table.splitlines():
            output.line(line)
        output.line()
    else:
        root.backward()
    for name, leaf in leaves.items():
        output.line(f"d/d{name} = {leaf.grad!r}")
    from autograd.strings import text

    if options.svg is not None:
        from autograd.render import save_svg

        _write(options.svg, lambda path: save_svg(root, path))
        output.line(text(options.lang, "cli_wrote", path=options.svg))
    if options.html is not None:
        from autograd.stepper import save_html

        _write(options.html, lambda path: save_html(root, path, lang=options.lang))
        output.line(text(options.lang, "cli_wrote", path=options.html))
    if options.animate is not None:
        from autograd.animation import save_animation

        _write(options.animate, lambda path: save_animation(root, path, lang=options.lang))
        output.line(text(options.lang, "cli_wrote", path=options.animate))
    return EXIT_OK


def _as_utf8(word: str) -> str:
    """A command-line word as the UTF-8 text it was typed as, even under an ASCII locale.

    In the C locale Python decodes the bytes of ``argv`` as ASCII and keeps each
    other byte as a lone surrogate; those bytes are usually UTF-8 text.
    """
    if not any("\ud800" <= char <= "\udfff" for char in word):
        return word
    try:
        return os.fsencode(word).decode("utf-8")
    except UnicodeError:  # not UTF-8 either: the parser says so
        return word


def _can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write(path: str, write: Callable[[str], object]) -> None:
    from autograd.render import GraphTooLargeError, RenderError

    try:
        write(path)
    except OSError as error:
        if error.strerror is None:  # our own message, which names the path already
            raise CliError(str(error)) from None
        raise CliError(f"cannot write {path}: {error.strerror}") from None
    except (RenderError, GraphTooLargeError) as error:
        raise CliError(f"cannot draw the graph into {path}: {error}") from None


class _Options:
    def __init__(self) -> None:
        self.expression = ""
        self.assignments: list[str] = []
        self.steps = False
        self.help = False
        self.version = False
        self.svg: str | None = None
        self.html: str | None = None
        self.animate: str | None = None
        self.lang = "en"


def _parse_arguments(argv: list[str]) -> _Options:
    """Options may come anywhere; ``--`` ends them. An expression may start with ``-``."""
    options = _Options()
    positional: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            positional.extend(words)
            break
        if word in ("-h", "--help"):
            options.help = True
        elif word == "--version":
            options.version = True
        elif word == "--steps":
            options.steps = True
        elif word.split("=", 1)[0] in ("--svg", "--html", "--animate"):
            option, equals, value = word.partition("=")
            if not equals:
                value = next(words, "")
            if not value:
                example = "graph.svg" if option == "--animate" else f"graph.{option[2:]}"
                raise CliError(f"{option} needs a file path, as in {option} {example}")
            setattr(options, option[2:], value)
        elif word.split("=", 1)[0] == "--lang":
            option, equals, value = word.partition("=")
            if not equals:
                value = next(words, "")
            if value not in _LANGUAGES:
                raise CliError(
                    f"--lang must be one of {', '.join(_LANGUAGES)}, got {_shown(value)}"
                )
            options.lang = value
        elif word.startswith("--"):
            raise CliError(
                f"unknown option {_shown(word)}: the options are --steps, --svg, --html, "
                "--animate, --lang, --version, --help (an expression starting with -- goes "
                "after --)"
            )
        else:
            positional.append(word)
    if options.help or options.version:
        return options
    if not positional:
        raise CliError('no expression given; try: python -m autograd "x * y" x=2 y=3')
    options.expression, *options.assignments = positional
    return options


_LANGUAGES = ("en", "zh")  # autograd.strings.LANGUAGES, without importing it at startup


def steps_table(
    steps: Sequence[BackwardStep], *, ascii: bool = False, lang: str = "en", params: object = None
) -> str:
    """The backward pass as a text table: one row per operation, one column group per input,
    then each step's derivative rules with their numbers.

    Numbers are shown to 6 significant digits; each contribution is upstream × local. A
    constant operand is not differentiated, and the table says so. ``ascii=True`` writes
    ``x``, ``**2`` and ``...`` for a terminal that cannot show ``×``, ``²`` and ``…``.
    ``lang="zh"`` writes the words in Chinese; ``params`` names a model's nodes.
    """
    from autograd.explain import SYMBOLS, local_rule_texts, number
    from autograd.names import node_names
    from autograd.strings import text

    if not steps:
        return text(lang, "table_no_steps")
    names = node_names(steps[0].node, ascii=ascii, params=params, lang=lang)
    width = max(len(step.contributions) for step in steps)
    header = [text(lang, key) for key in ("table_step", "table_node", "table_op")]
    header.append(text(lang, "table_upstream"))
    for symbol in SYMBOLS[:width]:
        header.append(text(lang, "table_input", symbol=symbol))
        header += [text(lang, "table_local"), text(lang, "table_contribution")]
    rows = [header]
    rules = []
    for number_, step in enumerate(steps, start=1):
        row = [str(number_), _node_name(step.node, names), step.node.op, number(step.upstream)]
        texts = local_rule_texts(step.node, ascii=ascii, lang=lang)
        for item, rule in zip(step.contributions, texts, strict=True):
            if rule.constant:
                row += [_node_name(item.input, names), text(lang, "table_constant"), "-"]
            else:
                row += [
                    _node_name(item.input, names),
                    number(item.local),
                    number(item.contribution),
                ]
        rows.append(row)
        rules.append(f"{number_:<4}  " + "; ".join(rule.text for rule in texts))
    widths = [
        max(_width(row[column]) for row in rows if column < len(row))
        for column in range(len(header))
    ]
    lines = [
        "  ".join(_pad(cell, widths[column]) for column, cell in enumerate(row)).rstrip()
        for row in rows
    ]
    times = "x" if ascii else "\u00d7"
    lines += ["", text(lang, "table_rules", times=times)]
    return "\n".join(lines + rules)


def _width(cell: str) -> int:
    """How many terminal columns ``cell`` takes: a Chinese character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in cell)


def _pad(cell: str, width: int) -> str:
    return cell + " " * (width - _width(cell))


def _node_name(node: Value, names: dict[Value, str]) -> str:
    return names[node]


def parse_assignments(words: Sequence[str]) -> dict[str, float]:
    """``["x=2", "y=-0.5"]`` as ``{"x": 2.0, "y": -0.5}``, or a CliError naming the bad word."""
    variables: dict[str, float] = {}
    for word in words:
        name, equals, number = word.partition("=")
        name = name.strip()
        if not equals:
            raise CliError(f"expected NAME=NUMBER after the expression, got {_shown(word)}")
        if not (name.isidentifier() and name.isascii()):
            raise CliError(f"{_shown(word)}: {_shown(name)} is not a variable name")
        if name in FUNCTIONS:
            raise CliError(f"{_shown(word)}: {name} is a function, it cannot be a variable")
        if name in variables:
            raise CliError(f"variable {_cut(name)} is given twice")
        try:
            value = float(number)
        except ValueError:
            raise CliError(f"{_shown(word)}: {_shown(number)} is not a number") from None
        if not math.isfinite(value):
            raise CliError(f"{_shown(word)}: give a finite number, not {_cut(number.strip())}")
        variables[name] = value
    return variables


def build_graph(expression: str, variables: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """The graph of ``expression`` at ``variables``: its root and the Value of each variable.

    Only the grammar --help describes is accepted; anything else raises CliError.

    >>> root, leaves = build_graph("x * y + 1", {"x": 2.0, "y": 3.0})
    >>> root.data, root.op, sorted(leaves)
    (7.0, '+', ['x', 'y'])
    """
    tree = _parse(expression)
    leaves = {name: Value(value, label=name) for name, value in variables.items()}
    used: set[str] = set()
    result = _evaluate(tree, expression, leaves, used)
    unused = sorted(set(leaves) - used)
    if unused:
        raise CliError(f"variable {_cut(unused[0])} is given but not used in the expression")
    if not isinstance(result, Value):
        result = Value(result)  # a constant expression: its graph is one leaf
    return result, leaves


def _parse(expression: str) -> ast.expr:
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise CliError(
            f"the expression is {len(expression):,} characters long; "
            f"the limit is {MAX_EXPRESSION_LENGTH:,}"
        )
    if not expression.strip():
        raise CliError("the expression is empty")
    if any("\ud800" <= char <= "\udfff" for char in expression):
        raise CliError("the expression holds bytes that are not UTF-8 text")
    depth = 0
    for char in expression:
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise CliError(
                    f"the expression nests parentheses and calls more than {MAX_DEPTH} deep"
                )
        elif char in ")]}":
            depth -= 1
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        where = _syntax_error_position(expression, error)
        hint = _implicit_product_hint(expression)
        raise CliError(f"syntax error in the expression {where}: {error.msg}{hint}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise CliError(f"cannot parse the expression: {error}") from None
    return tree.body


# a number written against a name, as on paper: 2x, 0.5w, 1e3x
_IMPLICIT_PRODUCT = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)([A-Za-z_]\w*)")


def _implicit_product_hint(expression: str) -> str:
    """``; did you mean 2*x?`` when the expression writes a product as on paper (``2x``)."""
    match = _IMPLICIT_PRODUCT.search(expression)
    if match is None:
        return ""
    number, name = match.groups()
    return f"; did you mean {_cut(number)}*{_cut(name)}? (Python needs the * in a product)"


def _syntax_error_position(expression: str, error: SyntaxError) -> str:
    """Where ``error`` is, in the expression as given (before its whitespace was stripped).

    Line and column are counted from 1, in characters; a single-line expression
    gives the column only.
    """
    line, column = error.lineno or 1, error.offset or 0
    if not column:
        return "at the end"
    leading = expression[: len(expression) - len(expression.lstrip())]
    leading_lines = _lines(leading)
    if line == 1:
        column += len(leading_lines[-1])
    line += len(leading_lines) - 1
    if len(_lines(expression.strip())) == 1 and len(leading_lines) == 1:
        return f"at column {column}"
    return f"at line {line}, column {column}"


def _lines(text: str) -> list[str]:
    """``text`` cut into lines as Python's tokenizer cuts them: at \\n, \\r\\n and \\r."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _evaluate(
    root: ast.expr, expression: str, leaves: dict[str, Value], used: set[str]
) -> Value | float:
    """Evaluate the checked syntax tree bottom up, with an explicit stack (no recursion).

    Numbers stay Python floats until they meet a Value, so ``2 * x`` puts one
    constant 2 in the graph, as it would in Python; arithmetic on numbers
    alone follows the engine's rules (overflow gives inf, a domain error raises).
    """
    results: list[Value | float] = []
    stack: list[tuple[ast.expr, bool]] = [(root, False)]
    while stack:
        node, operands_ready = stack.pop()
        if not operands_ready:
            operands = _operands(node, expression)
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(operands))
            continue
        if isinstance(node, ast.Constant):
            results.append(_number(node, expression))
        elif isinstance(node, ast.Name):
            if node.id not in leaves:
                name = _cut(node.id)
                raise CliError(f"variable {name} is not set: add {name}=NUMBER")
            used.add(node.id)
            results.append(leaves[node.id])
        elif isinstance(node, ast.UnaryOp):
            operand = results.pop()
            if isinstance(node.op, ast.USub):
                results.append(_apply(operator.neg, (operand,), node, expression))
            else:  # ast.UAdd
                results.append(operand)
        elif isinstance(node, ast.BinOp):
            right = results.pop()
            left = results.pop()
            operation = _BINARY_OPERATORS[type(node.op)]
            results.append(_apply(operation, (left, right), node, expression))
        else:  # ast.Call of a whitelisted function
            operand = results.pop()
            function = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
            results.append(_apply(function, (operand,), node, expression))
    return results.pop()


def _operands(node: ast.expr, expression: str) -> list[ast.expr]:
    """The sub-expressions ``node`` needs, or a CliError if ``node`` is outside the grammar."""
    if isinstance(node, ast.Constant | ast.Name):
        return []
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub | ast.UAdd):
            return [node.operand]
        raise CliError(f"operator {_OPERATOR_NAMES[type(node.op)]} is not allowed: use + - * / **")
    if isinstance(node, ast.BinOp):
        if type(node.op) in _BINARY_OPERATORS:
            return [node.left, node.right]
        raise CliError(f"operator {_OPERATOR_NAMES[type(node.op)]} is not allowed: use + - * / **")
    if isinstance(node, ast.Call):
        return [_checked_call(node)]
    if isinstance(node, ast.Attribute):
        raise CliError(
            f"attribute access ({_shown(_source(node, expression))}) is not allowed: "
            "call a function instead, as in tanh(x)"
        )
    raise CliError(
        f"{_describe_syntax(node)} ({_shown(_source(node, expression))}) is not allowed: "
        "use numbers, variable names, + - * / **, parentheses and the functions "
        + ", ".join(FUNCTIONS)
    )


def _checked_call(node: ast.Call) -> ast.expr:
    if not isinstance(node.func, ast.Name):
        if isinstance(node.func, ast.Attribute):
            raise CliError(
                f"attribute access (.{node.func.attr}) is not allowed: "
                "call a function instead, as in tanh(x)"
            )
        raise CliError("only the functions " + ", ".join(FUNCTIONS) + " can be called")
    name = node.func.id
    if name not in FUNCTIONS:
        raise CliError(
            f"unknown function {_cut(name)}{_did_you_mean(name)}: the functions are "
            + ", ".join(FUNCTIONS)
        )
    if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise CliError(f"{name}() takes exactly one argument, as in {name}(x)")
    return node.args[0]


def _did_you_mean(name: str) -> str:
    """`` (did you mean tanh?)`` for a function name with a typo or in other letter case."""
    import difflib

    close = difflib.get_close_matches(name.lower(), FUNCTIONS, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _number(node: ast.Constant, expression: str) -> float:
    value = node.value
    text = _shown(_source(node, expression))
    if type(value) is bool or not isinstance(value, int | float):
        shown = _source(node, expression)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        raise CliError(f"{shown} is not a number: only numbers and variable names are allowed")
    try:
        number = float(value)
    except OverflowError:
        raise CliError(f"the number {text} is too large for a float") from None
    if not math.isfinite(number):
        raise CliError(f"the number {text} is too large for a float")
    return number


def _apply(
    operation: Callable[..., Value],
    operands: tuple[Value | float, ...],
    node: ast.expr,
    expression: str,
) -> Value | float:
    try:
        if any(isinstance(operand, Value) for operand in operands):
            # a number meeting a Value becomes a constant leaf, as in Python (2 * x)
            return _labelled(operation(*operands), node, expression)
        with no_grad():  # numbers alone, by the engine's rules (overflow gives inf)
            return operation(Value(operands[0]), *operands[1:]).data
    except (ArithmeticError, ValueError) as error:
        raise CliError(f"cannot compute {_shown(_source(node, expression))}: {error}") from None


def _labelled(result: Value, node: ast.expr, expression: str) -> Value:
    text = _source(node, expression)
    if len(text) > _LABEL_LENGTH:
        text = text[: _LABEL_LENGTH - 3] + "..."
    result.label = text
    return result


def _source(node: ast.expr, expression: str) -> str:
    segment = ast.get_source_segment(expression.strip(), node)
    # never ast.unparse: it recurses, and an operand chain may be hundreds deep
    return " ".join((segment or type(node).__name__).split())


def _describe_syntax(node: ast.AST) -> str:
    names = {
        ast.Compare: "comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.Lambda: "lambda",
        ast.Subscript: "indexing",
        ast.Tuple: "a tuple",
        ast.List: "a list",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.NamedExpr: "assignment (:=)",
        ast.JoinedStr: "an f-string",
        ast.Starred: "*unpacking",
    }
    return names.get(type(node), type(node).__name__)


def _shown(text: str) -> str:
    """``text`` quoted and cut short, for an error message of one line."""
    return repr(_cut(text))


def _cut(text: str) -> str:
    """``text`` cut to at most 40 characters, ending in ``...`` when it was cut."""
    if len(text) > _NAME_SHOWN:
        text = text[: _NAME_SHOWN - 3] + "..."
    return text
