"""Switches that change how operations record the graph: no_grad and detect_anomaly."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Modes:
    """Process-wide recording state, read by every op.

    One plain class attribute (``plain``) is what the fast path of every op
    checks, so recording a node costs a single attribute read when neither
    mode is active. The state is process-wide, not per thread: a per-thread
    flag would cost every op a thread-local lookup.
    """

    grad_enabled = True
    anomaly = False
    plain = True  # grad_enabled and not anomaly

    @classmethod
    def refresh(cls) -> None:
        cls.plain = cls.grad_enabled and not cls.anomaly


class _Switch:
    """A context manager and decorator that sets one mode and restores it on exit."""

    _attribute = ""
    _value = False

    def __init__(self) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> _Switch:
        self._saved.append(getattr(_Modes, self._attribute))
        setattr(_Modes, self._attribute, self._value)
        _Modes.refresh()
        return self

    def __exit__(self, *exc_info: object) -> None:
        setattr(_Modes, self._attribute, self._saved.pop())
        _Modes.refresh()

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_Switch):  # noqa: N801 - named as in PyTorch
    """Operations inside build no graph: their results are leaves.

    Usable as a context manager or a decorator. Unlike PyTorch's, the switch
    is process-wide rather than per thread (see ``_Modes``).

    >>> from autograd import Value, no_grad
    >>> x = Value(3.0)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.is_leaf, y.data
    (True, 6.0)
    """

    _attribute = "grad_enabled"
    _value = False


class enable_grad(_Switch):  # noqa: N801 - named as in PyTorch
    """Turn recording back on inside a ``no_grad`` block."""

    _attribute = "grad_enabled"
    _value = True


class detect_anomaly(_Switch):  # noqa: N801 - named as in PyTorch
    """Raise FloatingPointError at the first op whose result or gradient is NaN.

    >>> from autograd import Value, detect_anomaly
    >>> inf = Value(float("inf"), label="big")
    >>> with detect_anomaly():
    ...     inf - inf
    Traceback (most recent call last):
    ...
    FloatingPointError: op '-' produced NaN from inputs big=inf, big=inf
    """

    _attribute = "anomaly"
    _value = True


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad``."""
    return _Modes.grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly``."""
    return _Modes.anomaly
