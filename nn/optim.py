"""Stochastic gradient descent with momentum and weight decay, as torch.optim.SGD."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from autograd import Value


class SGD:
    """``param <- param - lr * update`` for each parameter, where by default update is its grad.

    With ``weight_decay`` the gradient gets ``weight_decay * param`` added (L2
    regularization); with ``momentum`` the update is a running
    ``buffer = momentum * buffer + grad``, started at the first gradient. This
    is ``torch.optim.SGD`` with ``dampening=0`` and ``nesterov=False``, step for
    step. ``step()`` only writes ``param.data``, so it builds no graph.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> optimizer = SGD([w], lr=0.1)
    >>> (w * w).backward()
    >>> optimizer.step()
    >>> w.data
    0.8
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ):
        self.params = _checked_params(params)
        self.lr = _checked_number("lr", lr)
        self.momentum = _checked_number("momentum", momentum)
        self.weight_decay = _checked_number("weight_decay", weight_decay)
        if not self.lr > 0.0:
            raise ValueError(f"SGD: lr must be > 0, got {lr!r}")
        if self.momentum < 0.0:
            raise ValueError(f"SGD: momentum must be >= 0, got {momentum!r}")
        if self.weight_decay < 0.0:
            raise ValueError(f"SGD: weight_decay must be >= 0, got {weight_decay!r}")
        # one momentum buffer per parameter; None until the first step, as in PyTorch
        self.momentum_buffers: list[float | None] = [None] * len(self.params)

    def zero_grad(self) -> None:
        """Set ``.grad = 0.0`` on every parameter."""
        for param in self.params:
            param.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its ``.grad``.

        A gradient that is NaN or infinite raises FloatingPointError naming the
        parameter, before any parameter changes.
        """
        for index, param in enumerate(self.params):
            if not math.isfinite(param.grad):
                name = f" ({param.label})" if param.label else ""
                raise FloatingPointError(
                    f"SGD.step: parameter {index}{name} has gradient {param.grad!r}; "
                    "no parameter was updated"
                )
        lr = self.lr
        momentum = self.momentum
        weight_decay = self.weight_decay
        buffers = self.momentum_buffers
        for index, param in enumerate(self.params):
            # after backward(create_graph=True) .grad is a Value: step by its number, as
            # torch steps by .grad's data; the parameter's .data must stay a float
            update = float(param.grad)
            if weight_decay != 0.0:
                update = update + weight_decay * param.data
            if momentum != 0.0:
                buffer = buffers[index]
                if buffer is not None:
                    update = momentum * buffer + update
                buffers[index] = update
            param.data = param.data - lr * update

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr!r}, momentum={self.momentum!r}, "
            f"weight_decay={self.weight_decay!r})"
        )


def _checked_params(params: Iterable[Value]) -> list[Value]:
    if isinstance(params, Value):
        raise TypeError("SGD: params must be a list of Values, got a single Value; wrap it: [w]")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"SGD: params must be an iterable of Values, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError("SGD: got an empty parameter list")
    seen: dict[Value, int] = {}
    for index, param in enumerate(params):
        if not isinstance(param, Value):
            raise TypeError(
                f"SGD: params[{index}] must be a Value, got {type(param).__name__} {param!r:.60}"
            )
        if param in seen:
            raise ValueError(
                f"SGD: params[{index}] is the same Value as params[{seen[param]}]; "
                "it would be updated twice per step"
            )
        seen[param] = index
    return params


def _checked_number(name: str, number: object) -> float:
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"SGD: {name} must be a number, got {type(number).__name__} {number!r}")
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"SGD: {name} must be a finite number, got {number!r}")
    return value
