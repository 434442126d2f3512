"""Random straight-line programs over every op, for differential and property tests.

A program is a list of instructions; each applies one template to two
registers chosen from the inputs and earlier results, so programs reuse
variables, share subexpressions and form diamonds. Templates keep each op in
its domain (``log(a*a + 0.1)``) instead of filtering examples away.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd import Value, topological_order

Template = Callable[[Any, Any, Any], Any]

TEMPLATES: dict[str, Template] = {
    "a + b": lambda ns, a, b: a + b,
    "a - b": lambda ns, a, b: a - b,
    "a * b": lambda ns, a, b: a * b,
    "a / (b*b + 0.5)": lambda ns, a, b: a / (b * b + 0.5),
    "(a*a + 0.5) ** b": lambda ns, a, b: (a * a + 0.5) ** b,
    "a ** 2": lambda ns, a, b: a**2,
    "a ** 3": lambda ns, a, b: a**3,
    "(a*a + 1) ** -1.5": lambda ns, a, b: (a * a + 1) ** -1.5,
    "2.5 + a": lambda ns, a, b: 2.5 + a,
    "1 - a": lambda ns, a, b: 1 - a,
    "3 * a": lambda ns, a, b: 3 * a,
    "2 / (a*a + 1)": lambda ns, a, b: 2 / (a * a + 1),
    "2 ** a": lambda ns, a, b: 2**a,
    "-a": lambda ns, a, b: -a,
    "exp(a)": lambda ns, a, b: ns.exp(a),
    "log(a*a + 0.1)": lambda ns, a, b: ns.log(a * a + 0.1),
    "log1p(a*a)": lambda ns, a, b: ns.log1p(a * a),
    "sqrt(a*a + 0.1)": lambda ns, a, b: ns.sqrt(a * a + 0.1),
    "tanh(a)": lambda ns, a, b: ns.tanh(a),
    "relu(a)": lambda ns, a, b: ns.relu(a),
    "sigmoid(a)": lambda ns, a, b: ns.sigmoid(a),
    "abs(a)": lambda ns, a, b: ns.abs(a),
    "sin(a)": lambda ns, a, b: ns.sin(a),
    "cos(a)": lambda ns, a, b: ns.cos(a),
}


@dataclass(frozen=True)
class Program:
    """``registers = inputs; for each instruction append template(registers[a], registers[b])``."""

    n_inputs: int
    instructions: tuple[tuple[str, int, int], ...]

    def __call__(self, ns: Any, *inputs: Any) -> Any:
        registers = list(inputs)
        for template, a, b in self.instructions:
            registers.append(TEMPLATES[template](ns, registers[a], registers[b]))
        return registers[-1]

    def __repr__(self) -> str:
        lines = [f"Program over r0..r{self.n_inputs - 1}:"]
        for index, (template, a, b) in enumerate(self.instructions, start=self.n_inputs):
            lines.append(f"  r{index} = {template.replace('a', f'r{a}').replace('b', f'r{b}')}")
        return "\n".join(lines)


@st.composite
def programs(draw: st.DrawFn, max_inputs: int = 3, max_length: int = 8) -> Program:
    n_inputs = draw(st.integers(1, max_inputs))
    length = draw(st.integers(1, max_length))
    instructions = []
    for index in range(length):
        registers = n_inputs + index
        template = draw(st.sampled_from(sorted(TEMPLATES)))
        a = draw(st.integers(0, registers - 1))
        b = draw(st.integers(0, registers - 1))
        instructions.append((template, a, b))
    return Program(n_inputs, tuple(instructions))


def points(n_inputs: int) -> st.SearchStrategy[list[float]]:
    return st.lists(
        st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False),
        min_size=n_inputs,
        max_size=n_inputs,
    )


def well_conditioned(output: Value, limit: float = 1e6) -> bool:
    """False where the result is huge or a relu/abs sits on its kink.

    At a kink the float result and the exact one can fall on different sides
    of zero, and then their derivatives rightly differ; huge values lose the
    digits a comparison needs.
    """
    for node in topological_order(output):
        if not (math.isfinite(node.data) and abs(node.data) < limit):
            return False
        if node.op in ("relu", "abs") and abs(node.inputs[0].data) < 1e-6:
            return False
    return True
