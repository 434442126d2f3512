"""The mean squared error loss, as a function and as a callable object."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Constant, Value

Operand = Value | float
Operands = Operand | Sequence[Operand]


def mse_loss(pred: Operands, target: Operands) -> Value:
    """Mean of ``(pred[i] - target[i]) ** 2``, as ``torch.nn.functional.mse_loss``.

    ``pred`` and ``target`` are each a Value or a number, or sequences of them
    of the same length. The gradient with respect to ``pred[i]`` is
    ``2 * (pred[i] - target[i]) / n``.

    >>> from autograd import Value
    >>> pred = [Value(1.0), Value(2.0)]
    >>> loss = mse_loss(pred, [0.0, 4.0])
    >>> loss.data
    2.5
    >>> loss.backward()
    >>> [p.grad for p in pred]
    [1.0, -2.0]
    """
    preds = _as_list(pred, "pred")
    targets = _as_list(target, "target")
    if isinstance(preds, Value) != isinstance(targets, Value):
        raise ValueError(
            f"mse_loss: pred and target must both be single values or both be sequences, "
            f"got {_kind(preds)} pred and {_kind(targets)} target"
        )
    if isinstance(preds, Value):
        preds = [preds]
        targets = [targets]
    if len(preds) != len(targets):
        raise ValueError(
            f"mse_loss: pred has {len(preds)} values but target has {len(targets)}; "
            "they must have the same length"
        )
    if not preds:
        raise ValueError("mse_loss: pred and target are empty; the mean of nothing is undefined")
    try:
        total = None
        for p, t in zip(preds, targets, strict=True):
            diff = p - t
            # diff * diff rather than diff ** 2: the same derivative (2 * diff), one node
            square = diff * diff
            total = square if total is None else total + square
    except TypeError:
        _check_items(preds, "pred")
        _check_items(targets, "target")
        raise
    if not isinstance(total, Value):  # every pred and target was a plain number
        _check_items(preds, "pred")
        _check_items(targets, "target")
        total = Constant(total)
    if len(preds) == 1:
        return total  # the mean of one term: no "/ 1" node in the graph
    return total / len(preds)


class MSELoss:
    """``mse_loss`` as a callable object, as ``torch.nn.MSELoss``.

    >>> loss_fn = MSELoss()
    >>> loss_fn([3.0], [1.0]).data
    4.0
    """

    def __call__(self, pred: Operands, target: Operands) -> Value:
        return mse_loss(pred, target)

    def __repr__(self) -> str:
        return "MSELoss()"


def _as_list(operands: object, name: str) -> Value | list[object]:
    """A single Value (a number becomes a constant leaf), or the items of a sequence as a list.

    The items are checked only if the arithmetic on them fails: checking each
    one up front would cost as much as the loss itself.
    """
    if isinstance(operands, Value):
        return operands
    if isinstance(operands, (str, bytes)):
        raise TypeError(
            f"mse_loss: {name} must be a number, a Value or a sequence of them, "
            f"got {type(operands).__name__} {operands!r:.60}"
        )
    try:
        return list(operands)  # type: ignore[call-overload]
    except TypeError:
        return _as_value(operands, name)


def _as_value(item: object, where: str) -> Value:
    if isinstance(item, Value):
        return item
    try:
        return Constant(item)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"mse_loss: {where} must be a number or a Value, got {type(item).__name__} {item!r:.60}"
        ) from None


def _check_items(items: list[object], name: str) -> None:
    """Raise a TypeError naming the first item that is neither a number nor a Value."""
    for index, item in enumerate(items):
        _as_value(item, f"{name}[{index}]")


def _kind(operands: Value | list[Value]) -> str:
    if isinstance(operands, Value):
        return "a single"
    return f"a {len(operands)}-long"
