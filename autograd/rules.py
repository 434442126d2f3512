"""Each op's derivative rule, read from the formulas declared on its forward code.

The formulas live in ``autograd.value`` next to the ops (``@derivative("tanh",
"1 - out**2")``). This module evaluates them: on floats to show a rule with
its numbers filled in, and on Values to build the derivative as a graph
(``create_graph``), so that the gradient itself can be differentiated again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any, NamedTuple

from autograd.modes import no_grad
from autograd.text import format_number
from autograd.value import DERIVATIVES, Constant, Value


class LocalRule(NamedTuple):
    """How one input's local derivative was found: the rule, and the rule with numbers in."""

    input: Value  # the operand, node.inputs[i]
    formula: str  # the rule in the op's variables a, b and out: "1 - out**2" for tanh
    shown: str  # the same with the numbers filled in: "1 - 0.9951**2"
    local: float  # the recorded local derivative, node.local_grads[i]
    constant: bool  # a Constant operand: not differentiated, local 0.0

    def __str__(self) -> str:
        if self.constant:
            return f"{format_number(self.input.data)} is a constant: not differentiated"
        if self.shown == format_number(self.local):
            return f"{self.formula} = {self.shown}"
        return f"{self.formula} = {self.shown} = {format_number(self.local)}"


def _step(a: float) -> float:
    return 0.0 if a <= 0.0 else 1.0  # 1 at NaN, as relu records it (and PyTorch's relu)


def _sign(a: float) -> float:
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


FLOAT_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": math.exp,
    "log": math.log,
    "sin": math.sin,
    "cos": math.cos,
    "step": _step,  # 0 if a <= 0 else 1: relu's derivative
    "sign": _sign,  # abs's derivative
}


# On Values: a constant operand enters a formula as a plain number (so
# log(a) may meet a float); step and sign are piecewise constant, so their
# derivative is 0 and they give plain numbers, constants in the derivative graph.
def _either(value_function: Callable[[Value], Value], float_function: Callable[[float], float]):
    return lambda a: value_function(a) if isinstance(a, Value) else float_function(a)


VALUE_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": _either(Value.exp, math.exp),
    "log": _either(Value.log, math.log),
    "sin": _either(Value.sin, math.sin),
    "cos": _either(Value.cos, math.cos),
    "step": lambda a: _step(a.data if isinstance(a, Value) else a),
    "sign": lambda a: _sign(a.data if isinstance(a, Value) else a),
}

_VARIABLE = re.compile(r"\b(a|b|out)\b")


def local_rules(node: Value) -> tuple[LocalRule, ...]:
    """The rule behind each of ``node``'s local derivatives, one per entry of ``node.inputs``.

    >>> from autograd import Value
    >>> u = Value(3.0, label="u")
    >>> (rule,) = local_rules(u.tanh())
    >>> rule.formula, rule.shown
    ('1 - out**2', '1 - 0.9951**2')
    >>> print(rule)
    1 - out**2 = 1 - 0.9951**2 = 0.009866
    """
    inputs = node.inputs
    if not inputs:
        return ()
    derivative = DERIVATIVES[node.op]
    names = _names(node)
    rules = []
    for index, (input_node, local) in enumerate(zip(inputs, node.local_grads, strict=True)):
        if type(input_node) is Constant:
            rules.append(LocalRule(input_node, "constant", "", local, True))
            continue
        formula = derivative.formulas[index]
        shown = _VARIABLE.sub(lambda match: _shown_number(names[match.group(1)]), formula)
        rules.append(LocalRule(input_node, formula, shown, local, False))
    return tuple(rules)


def evaluate(
    code: CodeType, variables: Mapping[str, Any], functions: Mapping[str, Callable[[Any], Any]]
) -> Any:
    """One derivative formula evaluated on ``variables`` (floats, Values or arrays)."""
    return eval(code, {"__builtins__": {}, **functions}, dict(variables))


def float_locals(node: Value) -> tuple[float, ...]:
    """``node``'s local derivatives evaluated from its formulas (a Constant's: 0.0).

    The formulas run on Value leaves with nothing recorded, so that ``**`` is
    the engine's power (a square is a product), as ``create_graph`` evaluates them.
    """
    variables: dict[str, Any] = {"out": Value(node.data)}
    for name, input_node in zip("ab", node.inputs, strict=False):
        variables[name] = _as_variable(input_node)
        if isinstance(variables[name], Value):
            variables[name] = Value(input_node.data)
    power_of_zero = node.op == "**" and variables["b"] == 0.0
    numbers = []
    with no_grad():
        for input_node, code in zip(node.inputs, DERIVATIVES[node.op].code, strict=False):
            if type(input_node) is Constant or power_of_zero:
                numbers.append(0.0)  # not differentiated, or a ** 0: the constant 1
                continue
            result = evaluate(code, variables, VALUE_FUNCTIONS)
            numbers.append(result.data if isinstance(result, Value) else float(result))
    return tuple(numbers)


def value_locals(node: Value) -> tuple[Value | float | None, ...]:
    """``node``'s local derivatives as Values built from its formulas (None for a Constant).

    The Values are functions of ``node``'s inputs and of ``node`` itself, so a
    gradient built from them can be differentiated again.
    """
    input_a, *rest = node.inputs
    variables: dict[str, Any] = {"a": _as_variable(input_a), "out": node}
    if rest:
        variables["b"] = _as_variable(rest[0])
    derivative = DERIVATIVES[node.op]
    locals_: list[Value | float | None] = []
    for index, (input_node, code) in enumerate(zip(node.inputs, derivative.code, strict=False)):
        if type(input_node) is Constant:
            locals_.append(None)
            continue
        if node.op == "**" and type(variables["b"]) is float and variables["b"] == 0.0:
            locals_.append(0.0)  # a ** 0 is the constant 1 (b*a**(b-1) would divide by 0 at 0)
            continue
        try:
            local = evaluate(code, variables, VALUE_FUNCTIONS)
        except (ZeroDivisionError, ValueError) as error:
            if math.isfinite(node.local_grads[index]):
                _check_unchanged(node, index, math.nan)  # finite at forward time: .data changed
            raise type(error)(
                f"create_graph: the local derivative of op {node.op!r} at {_operands(node)} is "
                f"infinite ({derivative.formulas[index]} = "
                f"{format_number(node.local_grads[index])}): it has no graph to differentiate "
                "again there (first-order grad and backward give it as a number)"
            ) from None
        _check_unchanged(node, index, local)
        locals_.append(local)
    return tuple(locals_)


def _check_unchanged(node: Value, index: int, local: Value | float) -> None:
    """Refuse a formula that no longer gives the local derivative recorded at forward time.

    The first-order pass uses the recorded numbers; a graph can only be built
    from the current ``.data``. They differ when ``.data`` was changed after
    the forward pass, and a gradient mixing both would be silently wrong.
    """
    number = local.data if isinstance(local, Value) else float(local)
    recorded = node.local_grads[index]
    if number == recorded or (number != number and recorded != recorded):
        return
    # every formula is computed as the forward code computes it (a square as a
    # product); the slack only guards against a platform's pow rounding
    if abs(number - recorded) <= 1e-12 * max(abs(number), abs(recorded)):
        return
    raise ValueError(
        f"create_graph: op {node.op!r} recorded the local derivative {recorded!r} at forward "
        f"time, but its inputs now give {number!r} ({_operands(node)}): .data was changed "
        "after the forward pass. Build the graph again from the current values"
    )


def _operands(node: Value) -> str:
    return ", ".join(
        f"{item.label}={item.data!r}" if item.label else repr(item.data) for item in node.inputs
    )


def _as_variable(node: Value) -> Value | float:
    # a constant enters a formula as the number it is, so that x ** 2 differentiates
    # to 2 * x ** 1 (a power of a number, valid for x < 0), not to a Value power
    return node.data if type(node) is Constant else node


def _names(node: Value) -> dict[str, float]:
    inputs = node.inputs
    names = {"a": inputs[0].data, "out": node.data}
    if len(inputs) > 1:
        names["b"] = inputs[1].data
    return names


def _shown_number(number: float) -> str:
    text = format_number(number)
    return f"({text})" if text.startswith("-") else text
