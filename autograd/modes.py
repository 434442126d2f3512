"""Switches that change how operations record the graph: no_grad and detect_anomaly.

Each thread has its own grad mode, as in PyTorch, and its own anomaly mode
(PyTorch 2.13's anomaly mode is process-wide; here it follows grad mode): a
block entered in one thread changes nothing in any other, and a new thread
starts with recording on and anomaly detection off.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_GRAD_ENABLED = "grad_enabled"
_ANOMALY = "anomaly"
_DEFAULTS = {_GRAD_ENABLED: True, _ANOMALY: False}


class _ThreadModes:
    """One thread's modes, and the blocks (switch entries) that set them, innermost last.

    A mode's value is the one its innermost open block set, or the default
    when no block for it is open. Keeping the open blocks, not just saved
    values, is what lets a block be closed out of order (two threads sharing
    one ``no_grad()`` instance, a generator resumed in another thread) without
    leaving a mode stuck.
    """

    __slots__ = ("grad_enabled", "anomaly", "open_blocks")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.open_blocks: list[_Block] = []

    def recompute(self, attribute: str) -> None:
        for block in reversed(self.open_blocks):
            if block.attribute == attribute:
                setattr(self, attribute, block.value)
                return
        setattr(self, attribute, _DEFAULTS[attribute])


class _PerThread(threading.local):
    """Holds each thread's ``_ThreadModes``; made on a thread's first use, with the defaults."""

    current: _ThreadModes

    def __init__(self) -> None:
        self.current = _ThreadModes()


class _Block:
    """One entry into a switch: which thread it set a mode in, which mode, and to what."""

    __slots__ = ("owner", "attribute", "value")

    def __init__(self, owner: _ThreadModes, attribute: str, value: bool) -> None:
        self.owner = owner
        self.attribute = attribute
        self.value = value


class _Modes:
    """Recording state, read by every op.

    ``plain`` is the process-wide flag the fast path of every op reads: it is
    True only while no thread has any ``no_grad``, ``enable_grad`` or
    ``detect_anomaly`` block open, so then recording a node costs one class
    attribute read, as it did when the modes were process-wide. While any
    block is open anywhere, ops read the calling thread's modes from
    ``local.current`` (a thread-local lookup, the slow path).

    ``open_blocks`` counts the blocks open in all threads; it and ``plain``
    change only under ``lock``, so two threads entering and leaving blocks in
    any interleaving leave ``plain`` exactly ``open_blocks == 0``.
    """

    plain = True
    open_blocks = 0
    lock = threading.RLock()  # re-entrant: a signal handler may use no_grad
    local = _PerThread()


def _new_lock_after_fork() -> None:
    # a child process has only the forking thread: a lock another thread held
    # at the fork would stay held forever. Blocks the other threads left open
    # keep ``plain`` False in the child, which costs speed, never correctness.
    _Modes.lock = threading.RLock()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_new_lock_after_fork)


class _Switch:
    """A context manager and decorator that sets one mode of the calling thread.

    Re-entrant: one instance may be entered again while open (nested, or
    from several threads at once); each exit closes the innermost block this
    instance opened in the exiting thread. A block entered in one thread and
    exited in another (a generator resumed elsewhere) is closed in the thread
    that entered it, so that thread's mode goes back to what its remaining
    blocks say; the exiting thread's own mode is left as it was.
    """

    _attribute = ""
    _value = False

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        # a bare @no_grad, without parentheses, passes the function here (PyTorch 2 accepts it)
        switch = super().__new__(cls)
        if function is None:
            return switch
        if not callable(function):
            raise TypeError(
                f"{cls.__name__}() takes no arguments (or, used as a bare decorator, a "
                f"function), got {type(function).__name__} {function!r:.60}"
            )
        switch.__init__()
        return switch(function)

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        if function is not None:
            return  # __new__ returned the decorated function instead of this switch
        self._open: list[_Block] = []  # this instance's open blocks, in every thread

    def __enter__(self) -> _Switch:
        modes = _Modes.local.current
        block = _Block(modes, self._attribute, self._value)
        # The order inside the lock is chosen so that an interruption midway
        # (KeyboardInterrupt) can only leave the count too high, which costs
        # speed (the slow path) but never a wrong mode.
        with _Modes.lock:
            _Modes.plain = False
            _Modes.open_blocks += 1
            self._open.append(block)
            modes.open_blocks.append(block)
            setattr(modes, self._attribute, self._value)
        return self

    def __exit__(self, *exc_info: object) -> None:
        modes = _Modes.local.current
        with _Modes.lock:
            block = self._innermost_block(modes)
            if block is None:
                raise RuntimeError(
                    f"{type(self).__name__}: __exit__ called more often than __enter__"
                )
            owner_blocks = block.owner.open_blocks
            for index in range(len(owner_blocks) - 1, -1, -1):
                if owner_blocks[index] is block:
                    del owner_blocks[index]
                    break
            block.owner.recompute(block.attribute)
            self._open.remove(block)
            _Modes.open_blocks -= 1
            _Modes.plain = _Modes.open_blocks == 0

    def _innermost_block(self, modes: _ThreadModes) -> _Block | None:
        """The block to close: this thread's innermost, else (entered elsewhere) the latest."""
        for block in reversed(self._open):
            if block.owner is modes:
                return block
        return self._open[-1] if self._open else None

    def __call__(self, function: F) -> F:
        """Decorate ``function`` so that its body runs with the mode set.

        A generator function's body runs each time the generator resumes, long
        after the call that made it returned: the mode is set around each resume
        (as PyTorch does), so every line of the body runs with it, and the
        caller's code between two ``next()`` calls runs without it.
        """
        switch = type(self)
        if inspect.isgeneratorfunction(function):

            @functools.wraps(function)
            def generator_wrapper(*args: Any, **kwargs: Any) -> Any:
                return (yield from _each_resume_inside(switch, function(*args, **kwargs)))

            return generator_wrapper  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _each_resume_inside(switch: type[_Switch], generator: Generator[Any, Any, Any]) -> Any:
    """Run ``generator`` to its end, entering a new ``switch()`` around each resume.

    Values sent in, exceptions thrown in and ``close()`` reach the generator
    as they would without the wrapper; what it returns is returned.
    """
    try:
        with switch():
            response = generator.send(None)
        while True:
            try:
                request = yield response
            except GeneratorExit:
                with switch():
                    generator.close()
                raise
            except BaseException as error:
                with switch():
                    response = generator.throw(error)
            else:
                with switch():
                    response = generator.send(request)
    except StopIteration as stop:
        return stop.value


class no_grad(_Switch):  # noqa: N801 - named as in PyTorch
    """Operations inside build no graph: their results are leaves.

    Usable as a context manager or a decorator. As in PyTorch, the switch
    holds for the thread that enters it; other threads keep recording.

    >>> from autograd import Value, no_grad
    >>> x = Value(3.0)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.is_leaf, y.data
    (True, 6.0)
    """

    _attribute = _GRAD_ENABLED
    _value = False


class enable_grad(_Switch):  # noqa: N801 - named as in PyTorch
    """Turn recording back on inside a ``no_grad`` block (of the same thread)."""

    _attribute = _GRAD_ENABLED
    _value = True


class detect_anomaly(_Switch):  # noqa: N801 - named as in PyTorch
    """Raise FloatingPointError at the first op whose result or gradient is NaN.

    Holds for the thread that enters it, as ``no_grad`` does: a NaN in
    another thread passes silently. (PyTorch's anomaly mode is process-wide.)

    >>> from autograd import Value, detect_anomaly
    >>> inf = Value(float("inf"), label="big")
    >>> with detect_anomaly():
    ...     inf - inf
    Traceback (most recent call last):
    ...
    FloatingPointError: op '-' produced NaN from inputs big=inf, big=inf
    """

    _attribute = _ANOMALY
    _value = True


def is_grad_enabled() -> bool:
    """True unless the calling thread is inside ``no_grad`` (and no inner ``enable_grad``)."""
    return _Modes.local.current.grad_enabled


def is_anomaly_enabled() -> bool:
    """True while the calling thread is inside ``detect_anomaly``."""
    return _Modes.local.current.anomaly
