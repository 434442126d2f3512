"""The words for one backward step, shared by ``print(step)``, ``--steps`` and the stepper.

Each op's derivative rule comes from ``autograd.value.local_rules`` (next to
the op's forward code); this module only writes it out with the numbers
filled in: ``d out/d a = 1 - out² = 1 - 0.9951² = 0.0098``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from autograd.names import operation_form

if TYPE_CHECKING:
    from autograd.value import LocalRule, Value

__all__ = ["SYMBOLS", "legend", "local_rule_texts", "number", "pretty", "step_lines"]

SYMBOLS = ("a", "b")  # how a rule calls the op's operands; "out" is the op's result

_SUPERSCRIPTS = {"**2": "\u00b2", "**3": "\u00b3"}


def number(value: float) -> str:
    """A number as the explanations show it: 6 significant digits."""
    return f"{value:.6g}"


def pretty(formula: str, *, ascii: bool = False) -> str:
    """A rule as a reader writes it: ``1 - out**2`` as ``1 - out²``, ``a*b`` as ``a×b``."""
    if ascii:
        return formula
    for power, superscript in _SUPERSCRIPTS.items():
        # only a whole exponent: **2 but not **25
        pieces = formula.split(power)
        formula = pieces[0]
        for piece in pieces[1:]:
            if piece[:1].isdigit() or piece[:1] == ".":
                formula += power + piece
            else:
                formula += superscript + piece
    return formula.replace("**", "^").replace(" * ", " \u00d7 ").replace("*", "\u00d7")


def local_rule_texts(node: Value, *, ascii: bool = False) -> list[str]:
    """For each input of ``node``: ``d out/d a = rule = rule with numbers = local``.

    A constant operand is said to be one: it is not differentiated (its local
    derivative is recorded as 0 and it receives no gradient).
    """
    from autograd.value import local_rules

    texts = []
    for symbol, rule in zip(SYMBOLS, local_rules(node), strict=False):
        texts.append(_rule_text(symbol, rule, ascii))
    return texts


def _rule_text(symbol: str, rule: LocalRule, ascii: bool) -> str:
    if rule.constant:
        return f"{symbol} is a constant: not differentiated"
    parts = [f"d out/d {symbol}", pretty(rule.formula, ascii=ascii)]
    shown = pretty(rule.shown, ascii=ascii)
    result = number(rule.local)
    if shown and shown not in parts and shown != result:
        parts.append(shown)
    if result not in parts:
        parts.append(result)
    return " = ".join(parts)


def legend(node: Value, names: Mapping[Value, str]) -> str:
    """``out = tanh(a), out is tanh(a*b + b**2), a is a*b + b**2``: what the rule's letters are."""
    symbols = SYMBOLS[: len(node.inputs)]
    parts = [f"out = {operation_form(node.op, symbols)}", f"out is {names[node]}"]
    for symbol, input_node in zip(symbols, node.inputs, strict=False):
        parts.append(f"{symbol} is {names[input_node]}")
    return ", ".join(parts)


def step_lines(
    node: Value,
    upstream: float,
    contributions: tuple,  # the step's Contribution tuples: (input, local, contribution)
    names: Mapping[Value, str],
    *,
    ascii: bool = False,
) -> list[str]:
    """One backward step in words: the op and upstream, then one line per input.

    >>> from autograd import Value
    >>> x = Value(0.5, label="x")
    >>> y = (x * 4.0).tanh()
    >>> step = next(y.backward_steps())
    >>> print(*step_lines(step.node, step.upstream, step.contributions, {y: "y", x: "x",
    ...     y.inputs[0]: "x*4"}), sep="\\n")
    y: out = tanh(a), upstream 1
      a = x*4: 1 × 0.0706508 = 0.0706508; d out/d a = 1 - out² = 1 - 0.964² = 0.0706508
    """
    times = "x" if ascii else "\u00d7"
    symbols = SYMBOLS[: len(node.inputs)]
    lines = [
        f"{names[node]}: out = {operation_form(node.op, symbols)}, upstream {number(upstream)}"
    ]
    rules = local_rule_texts(node, ascii=ascii)
    for symbol, item, rule in zip(symbols, contributions, rules, strict=True):
        input_name = names[item.input]
        if rule.startswith(f"{symbol} is a constant"):
            lines.append(f"  {symbol} = {input_name} is a constant: not differentiated")
            continue
        lines.append(
            f"  {symbol} = {input_name}: {number(upstream)} {times} {number(item.local)} = "
            f"{number(item.contribution)}; {rule}"
        )
    return lines
