"""The same expression on three engines: ours, sympy (exact derivatives) and PyTorch.

Test programs are written once against a small namespace of functions
(``ns.tanh(a)``, ``ns.log(a)``, ...) plus the operators, so one lambda runs
on every engine and the results can be compared.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import sympy

from autograd import Value

UNARY_OPS = ("exp", "log", "log1p", "tanh", "relu", "sigmoid", "abs", "sqrt", "sin", "cos")

ours = SimpleNamespace(
    exp=lambda a: a.exp(),
    log=lambda a: a.log(),
    log1p=lambda a: a.log1p(),
    tanh=lambda a: a.tanh(),
    relu=lambda a: a.relu(),
    sigmoid=lambda a: a.sigmoid(),
    abs=lambda a: a.abs(),
    sqrt=lambda a: a.sqrt(),
    sin=lambda a: a.sin(),
    cos=lambda a: a.cos(),
)

exact = SimpleNamespace(
    exp=sympy.exp,
    log=sympy.log,
    log1p=lambda a: sympy.log(1 + a),
    tanh=sympy.tanh,
    relu=lambda a: sympy.Piecewise((a, a > 0), (0, True)),
    sigmoid=lambda a: 1 / (1 + sympy.exp(-a)),
    abs=sympy.Abs,
    sqrt=sympy.sqrt,
    sin=sympy.sin,
    cos=sympy.cos,
)


def our_gradients(program: Callable[..., Any], point: Sequence[float]) -> tuple[float, list[float]]:
    """Value and gradient of ``program(ours, *inputs)`` at ``point`` with our engine."""
    inputs = [Value(x, label=f"x{index}") for index, x in enumerate(point)]
    output = program(ours, *inputs)
    output.backward()
    return output.data, [node.grad for node in inputs]


Gradients = tuple[float, list[float]]


def exact_gradients(program: Callable[..., Any], point: Sequence[float]) -> Gradients:
    """Value and gradient from sympy's symbolic derivatives, evaluated at ``point``."""
    symbols = sympy.symbols(f"x0:{len(point)}", real=True)
    expression = program(exact, *symbols)
    at = dict(zip(symbols, point, strict=True))
    value = float(expression.evalf(30, subs=at))
    gradient = [float(sympy.diff(expression, symbol).evalf(30, subs=at)) for symbol in symbols]
    return value, gradient


def torch_gradients(program: Callable[..., Any], point: Sequence[float]) -> Gradients:
    """Value and gradient from PyTorch autograd on float64 0-d tensors."""
    import torch

    namespace = SimpleNamespace(
        exp=torch.exp,
        log=torch.log,
        log1p=torch.log1p,
        tanh=torch.tanh,
        relu=torch.relu,
        sigmoid=torch.sigmoid,
        abs=torch.abs,
        sqrt=torch.sqrt,
        sin=torch.sin,
        cos=torch.cos,
    )
    inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    output = program(namespace, *inputs)
    output.backward()
    return output.item(), [0.0 if tensor.grad is None else tensor.grad.item() for tensor in inputs]


def close(actual: float, expected: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)
