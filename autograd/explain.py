"""The words for one backward step, shared by ``print(step)``, ``--steps`` and the stepper.

Each op's derivative rule comes from ``autograd.value.local_rules`` (next to
the op's forward code); this module only writes it out with the numbers
filled in: ``d out/d a = 1 - out² = 1 - 0.9951² = 0.0098``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from autograd.names import operation_form
from autograd.strings import text

if TYPE_CHECKING:
    from autograd.backprop import BackwardStep
    from autograd.rules import LocalRule
    from autograd.value import Value

__all__ = [
    "SYMBOLS",
    "RuleText",
    "explain_step",
    "legend",
    "local_rule_texts",
    "number",
    "pretty",
    "step_lines",
]

# How the explanations call an op's operands; "out" is its result. The rules are written
# in a and b (autograd.value.local_rules); they are shown in u and v, letters that
# graphs rarely use, so that "a = a*b" never reads as nonsense in a graph of a and b.
SYMBOLS = ("u", "v")
_RULE_SYMBOLS = (re.compile(r"\ba\b"), re.compile(r"\bb\b"))

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


class RuleText(NamedTuple):
    constant: bool  # the operand is a constant: not differentiated, no gradient
    text: str  # "d out/d u = 1 - out² = 1 - 0.9951² = 0.0098", or "v is a constant: ..."


def local_rule_texts(node: Value, *, ascii: bool = False, lang: str = "en") -> list[RuleText]:
    """For each input of ``node``: ``d out/d u = rule = rule with numbers = local``.

    A constant operand is said to be one: it is not differentiated (its local
    derivative is recorded as 0 and it receives no gradient).
    """
    from autograd.rules import local_rules

    texts = []
    for symbol, rule in zip(SYMBOLS, local_rules(node), strict=False):
        texts.append(RuleText(rule.constant, _rule_text(symbol, rule, ascii, lang)))
    return texts


def _rule_text(symbol: str, rule: LocalRule, ascii: bool, lang: str) -> str:
    if rule.constant:
        return text(lang, "rule_constant", symbol=symbol)
    formula = rule.formula
    for pattern, shown_symbol in zip(_RULE_SYMBOLS, SYMBOLS, strict=True):
        formula = pattern.sub(shown_symbol, formula)
    parts = [f"d out/d {symbol}", pretty(formula, ascii=ascii)]
    shown = pretty(rule.shown, ascii=ascii)
    result = number(rule.local)
    if shown and shown not in parts and not _is_number(shown):
        parts.append(shown)  # a rule that is just one number ("b" = 4) needs no third form
    if result not in parts:
        parts.append(result)
    return " = ".join(parts)


def _is_number(text: str) -> bool:
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    try:
        float(text)
    except ValueError:
        return False
    return True


def legend(node: Value, names: Mapping[Value, str], *, lang: str = "en") -> str:
    """``out = tanh(u), out is tanh(a*b + b**2), u is a*b + b**2``: what the letters are."""
    symbols = SYMBOLS[: len(node.inputs)]
    parts = [f"out = {operation_form(node.op, symbols)}"]
    parts.append(text(lang, "legend_out", name=names[node]))
    for symbol, input_node in zip(symbols, node.inputs, strict=False):
        parts.append(text(lang, "legend_input", symbol=symbol, name=names[input_node]))
    return text(lang, "list_separator").join(parts)


def step_lines(
    node: Value,
    upstream: float,
    contributions: tuple,  # the step's Contribution tuples: (input, local, contribution)
    names: Mapping[Value, str],
    *,
    ascii: bool = False,
    lang: str = "en",
) -> list[str]:
    """One backward step in words: the op and upstream, then one line per input.

    >>> from autograd import Value
    >>> x = Value(0.5, label="x")
    >>> y = (x * 4.0).tanh()
    >>> step = next(y.backward_steps())
    >>> print(*step_lines(step.node, step.upstream, step.contributions, {y: "y", x: "x",
    ...     y.inputs[0]: "x*4"}), sep="\\n")
    y: out = tanh(u), upstream 1
      u = x*4: 1 × 0.0706508 = 0.0706508; d out/d u = 1 - out² = 1 - 0.964² = 0.0706508
    """
    times = "x" if ascii else "\u00d7"
    symbols = SYMBOLS[: len(node.inputs)]
    form = operation_form(node.op, symbols)
    lines = [text(lang, "step_head", name=names[node], form=form, upstream=number(upstream))]
    rules = local_rule_texts(node, ascii=ascii, lang=lang)
    for symbol, item, rule in zip(symbols, contributions, rules, strict=True):
        input_name = names[item.input]
        if rule.constant:
            lines.append(text(lang, "step_constant", symbol=symbol, name=input_name))
            continue
        lines.append(
            text(
                lang,
                "step_input",
                symbol=symbol,
                name=input_name,
                upstream=number(upstream),
                times=times,
                local=number(item.local),
                contribution=number(item.contribution),
                rule=rule.text,
            )
        )
    return lines


def explain_step(
    step: BackwardStep,
    *,
    lang: str | None = None,
    params: object = None,
    root: Value | None = None,
) -> str:
    """``str(step)``: the first line names the node and its op (``out = tanh(u)``) and the
    upstream; then one line per input, ``upstream × local = contribution`` and the op's
    derivative rule with its numbers. A constant input is said to be one.

    ``lang`` is ``"en"`` or ``"zh"`` (by default ``autograd.set_language``'s). With
    ``params=model`` a neuron's ops are named as the stepper names them (``layer 0,
    neuron 2, sample 1``); pass the graph's ``root`` too, so that samples are counted over
    the whole graph and not only below this node.

    >>> from autograd import Value
    >>> x = Value(0.5, label="x")
    >>> print(next((x * 4.0).backward_steps()).explain(lang="zh"))
    x*4：out = u*v，上游梯度 1
      u = x：1 × 4 = 4；d out/d u = v = 4
      v = 4 是常数：不求导
    """
    from autograd.names import node_names
    from autograd.strings import check_language, default_language

    lang = default_language() if lang is None else check_language(lang)
    # labels, or sub-expressions such as tanh(w*x); with params, the model's names
    names = node_names(step.node if root is None else root, params=params, lang=lang)
    return "\n".join(step_lines(step.node, step.upstream, step.contributions, names, lang=lang))
