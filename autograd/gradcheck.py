"""Checking backward() against central differences, as torch.autograd.gradcheck does."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd.modes import no_grad
from autograd.value import Number, Value, _to_float


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with its central-difference estimate."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Number],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare the gradients ``backward()`` gives with central differences.

    ``f`` is called as ``f(*values)`` with one Value per entry of ``inputs``
    and must return a Value. Each analytic derivative must satisfy
    ``|analytic - numeric| <= atol + rtol * |numeric|`` where numeric is
    ``(f(x + eps) - f(x - eps)) / (2 * eps)``. Returns True, or raises
    GradcheckError naming the input index and both derivatives.

    >>> from autograd import gradcheck
    >>> gradcheck(lambda x, y: (x * y).tanh(), [0.5, -1.5])
    True
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"gradcheck: inputs must be a sequence of numbers, got {type(inputs).__name__}"
        )
    points = [_to_float(x, f"gradcheck: inputs[{index}]") for index, x in enumerate(inputs)]
    for name, setting in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not (isinstance(setting, (int, float)) and math.isfinite(setting) and setting >= 0):
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {setting!r}")
    if eps == 0:
        raise ValueError("gradcheck: eps must be > 0, got 0")

    values = [Value(x, label=f"inputs[{index}]") for index, x in enumerate(points)]
    output = _call(f, values, "at the given inputs")
    output.backward()
    analytic = [value.grad for value in values]

    for index, x in enumerate(points):
        plus = _evaluate(f, points, index, x + eps)
        minus = _evaluate(f, points, index, x - eps)
        numeric = (plus - minus) / (2.0 * eps)
        # NaN fails this comparison, so a NaN on either side is reported, never passed
        if not abs(analytic[index] - numeric) <= atol + rtol * abs(numeric):
            raise GradcheckError(
                f"gradcheck: input {index} (x={x!r}): analytic derivative {analytic[index]!r} "
                f"but numeric (central difference, eps={eps!r}) {numeric!r}; "
                f"allowed difference {atol + rtol * abs(numeric):.3g}"
            )
    return True


def _evaluate(f: Callable[..., Value], points: list[float], index: int, shifted: float) -> float:
    """f's value with input ``index`` moved to ``shifted``, without building a graph."""
    moved = list(points)
    moved[index] = shifted
    with no_grad():
        values = [Value(x) for x in moved]
        return _call(f, values, f"with input {index} moved to {shifted!r}").data


def _call(f: Callable[..., Value], values: list[Value], where: str) -> Value:
    try:
        output = f(*values)
    except (ArithmeticError, ValueError) as error:
        raise GradcheckError(
            f"gradcheck: f raised {type(error).__name__} {where}: {error}"
        ) from error
    if not isinstance(output, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(output).__name__}")
    return output
