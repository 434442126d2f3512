"""Losses as functions and callable objects: MSE, binary and multi-class cross-entropy, hinge."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet

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
    _refuse_unordered("mse_loss", "pred", pred)
    _refuse_unordered("mse_loss", "target", target)
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


def binary_cross_entropy_with_logits(logit: Operands, target: Operands) -> Value:
    """Mean binary cross-entropy of ``sigmoid(logit)`` against ``target`` in [0, 1].

    As ``torch.nn.functional.binary_cross_entropy_with_logits`` (mean
    reduction): each term is ``-(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))``,
    computed without forming ``sigmoid(z)``, so logits of +-1000 give exact
    finite losses. Its gradient with respect to ``z`` is ``(sigmoid(z) - y) / n``.
    ``logit`` and ``target`` are a Value or number each, or sequences of the
    same length; targets are plain numbers in [0, 1] (soft labels allowed).
    A NaN or infinite logit raises ValueError naming it (PyTorch would
    return NaN).

    >>> from autograd import Value
    >>> z = Value(0.0)
    >>> loss = binary_cross_entropy_with_logits(z, 1.0)
    >>> round(loss.data, 12)  # log 2: a logit of 0 is a coin flip
    0.69314718056
    >>> loss.backward()
    >>> z.grad  # sigmoid(0) - 1
    -0.5
    """
    where = "binary_cross_entropy_with_logits"
    pairs = _paired_terms(where, "logit", logit, target)
    terms = []
    for z, y, target_name in pairs:
        y = _checked_target(where, target_name, y)
        if not 0.0 <= y <= 1.0:  # also refuses NaN
            raise ValueError(f"{where}: {target_name} must be in [0, 1], got {y!r}")
        # log1p(e**-|z|) never overflows, and keeps the tiny loss of a confident, right
        # prediction (8.5e-17 at z = 37, where log(1 + e**-37) rounds to 0); the branch on
        # z's sign (a constant choice, like relu's) keeps the derivative sigmoid(z) - y
        # right at z = 0, where relu(z) - z*y + log1p(exp(-|z|)) would use the kinks' 0s
        if z.data >= 0.0:
            terms.append(z * (1.0 - y) + (-z).exp().log1p())
        else:
            terms.append(z.exp().log1p() - z * y)
    return _mean(terms)


def cross_entropy(logits: Sequence[Operand] | Sequence[Sequence[Operand]], target: object) -> Value:
    """Cross-entropy of the softmax of ``logits`` against a class index.

    As ``torch.nn.functional.cross_entropy`` (mean reduction). One sample:
    ``logits`` is a list of C Values or numbers and ``target`` an int in
    ``range(C)``. A batch: a list of such lists and a list of ints; the
    result is the mean over the batch. Each term is
    ``log(sum(exp(logits))) - logits[target]``, with the largest logit's value
    subtracted (as a constant) before ``exp``, so logits of +-1000 give exact
    finite results. The gradient with respect to the logits is
    ``softmax(logits) - one_hot(target)`` (over n for a batch). A NaN or
    infinite logit raises ValueError naming it.

    >>> from autograd import Value
    >>> logits = [Value(1000.0), Value(-1000.0), Value(1000.0)]
    >>> loss = cross_entropy(logits, 0)
    >>> round(loss.data, 12)  # two equal winners: log 2
    0.69314718056
    >>> loss.backward()
    >>> [round(z.grad, 12) for z in logits]
    [-0.5, 0.0, 0.5]
    """
    where = "cross_entropy"
    _refuse_unordered(where, "logits", logits)
    _refuse_unordered(where, "target", target)
    if isinstance(logits, Value) or not _is_array_like(logits):
        raise TypeError(
            f"{where}: logits must be a list of numbers or Values (one sample) or a list of "
            f"such lists (a batch), got {type(logits).__name__} {logits!r:.60}"
        )
    if len(logits) == 0:
        raise ValueError(f"{where}: logits is empty")
    first = logits[0]
    is_batch = not isinstance(first, (Value, numbers.Real)) and _is_array_like(first)
    if not is_batch:
        return _cross_entropy_term(where, logits, target, "logits", "target")  # type: ignore[arg-type]
    if not _is_array_like(target):
        raise TypeError(
            f"{where}: a batch of {len(logits)} logit lists needs a list of {len(logits)} "
            f"class indices as target, got {type(target).__name__} {target!r:.60}"
        )
    if len(target) != len(logits):
        raise ValueError(
            f"{where}: logits has {len(logits)} samples but target has {len(target)}; "
            "they must have the same length"
        )
    terms = [
        _cross_entropy_term(where, sample, sample_target, f"logits[{index}]", f"target[{index}]")
        for index, (sample, sample_target) in enumerate(zip(logits, target, strict=True))
    ]
    return _mean(terms)


def hinge_loss(output: Operands, target: Operands) -> Value:
    """Mean binary hinge loss ``max(0, 1 - y * output)`` for labels ``y`` in {-1, +1}.

    The loss of a (linear) support vector machine: zero once an output has
    the label's sign with a margin of at least 1, and a slope of ``-y``
    before that (0 exactly at the margin, as PyTorch takes it). PyTorch has
    no binary hinge function; this equals
    ``2 * torch.nn.functional.multi_margin_loss`` on the two logits
    ``[0, output]`` with class ``(y + 1) / 2``, value and gradient (tested).
    A NaN or infinite output raises ValueError naming it.

    >>> from autograd import Value
    >>> outputs = [Value(0.5), Value(-3.0)]
    >>> loss = hinge_loss(outputs, [1.0, -1.0])
    >>> loss.data  # (0.5 + 0) / 2: the second is beyond its margin
    0.25
    >>> loss.backward()
    >>> [output.grad for output in outputs]
    [-0.5, 0.0]
    """
    where = "hinge_loss"
    pairs = _paired_terms(where, "output", output, target)
    terms = []
    for z, y, target_name in pairs:
        y = _checked_target(where, target_name, y)
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"{where}: {target_name} must be -1 or +1 (the two classes), got {y!r}"
            )
        terms.append((1.0 - z * y).relu())
    return _mean(terms)


class BCEWithLogitsLoss:
    """``binary_cross_entropy_with_logits`` as a callable object, as ``torch.nn.BCEWithLogitsLoss``.

    >>> loss_fn = BCEWithLogitsLoss()
    >>> round(loss_fn([0.0], [0.0]).data, 6)
    0.693147
    """

    def __call__(self, logit: Operands, target: Operands) -> Value:
        return binary_cross_entropy_with_logits(logit, target)

    def __repr__(self) -> str:
        return "BCEWithLogitsLoss()"


class CrossEntropyLoss:
    """``cross_entropy`` as a callable object, as ``torch.nn.CrossEntropyLoss``.

    >>> loss_fn = CrossEntropyLoss()
    >>> loss_fn([[0.0, 0.0], [5.0, 5.0]], [0, 1]).data == loss_fn([1.0, 1.0], 1).data
    True
    """

    def __call__(
        self, logits: Sequence[Operand] | Sequence[Sequence[Operand]], target: object
    ) -> Value:
        return cross_entropy(logits, target)

    def __repr__(self) -> str:
        return "CrossEntropyLoss()"


class HingeLoss:
    """``hinge_loss`` as a callable object.

    >>> HingeLoss()([2.0], [1.0]).data
    0.0
    """

    def __call__(self, output: Operands, target: Operands) -> Value:
        return hinge_loss(output, target)

    def __repr__(self) -> str:
        return "HingeLoss()"


def _paired_terms(
    where: str, name: str, predictions: Operands, targets: object
) -> list[tuple[Value, object, str]]:
    """(prediction Value, target, target's name) from a single pair or two same-length sequences."""
    _refuse_unordered(where, name, predictions)
    _refuse_unordered(where, "target", targets)
    single = isinstance(predictions, (Value, numbers.Real))
    if single:
        if _is_array_like(targets):
            raise ValueError(
                f"{where}: {name} and target must both be single values or both be sequences, "
                f"got a single {name} and a {len(targets)}-long target"  # type: ignore[arg-type]
            )
        return [(_value_for(where, name, predictions), targets, "target")]
    if not _is_array_like(predictions):
        raise TypeError(
            f"{where}: {name} must be a number, a Value or a sequence of them, "
            f"got {type(predictions).__name__} {predictions!r:.60}"
        )
    predictions = list(predictions)  # type: ignore[arg-type]
    if not _is_array_like(targets):
        raise ValueError(
            f"{where}: {name} and target must both be single values or both be sequences, "
            f"got a {len(predictions)}-long {name} and a single target"
        )
    targets = list(targets)  # type: ignore[arg-type]
    if len(predictions) != len(targets):
        raise ValueError(
            f"{where}: {name} has {len(predictions)} values but target has {len(targets)}; "
            "they must have the same length"
        )
    if not predictions:
        raise ValueError(f"{where}: {name} and target are empty; the mean of nothing is undefined")
    return [
        (_value_for(where, f"{name}[{index}]", prediction), target, f"target[{index}]")
        for index, (prediction, target) in enumerate(zip(predictions, targets, strict=True))
    ]


def _refuse_unordered(where: str, name: str, items: object) -> None:
    """Refuse a dict or a set: predictions and targets are paired by position, which they lack.

    Iterated, a dict gives its keys and a set its items in hash order: the loss
    would quietly pair the wrong numbers.
    """
    if isinstance(items, (Mapping, AbstractSet)):
        kind = "a mapping" if isinstance(items, Mapping) else "a set"
        raise TypeError(
            f"{where}: {name} must be a number, a Value or a sequence of them (a list, tuple or "
            f"array), got a {type(items).__name__} {items!r:.60}; {kind} has no positions to "
            "pair predictions with targets by (pass a list, in the order you mean)"
        )


def _is_array_like(item: object) -> bool:
    if isinstance(item, (str, bytes)):
        return False
    if getattr(item, "ndim", None) == 0:  # a NumPy scalar or 0-d array is a number
        return False
    try:
        len(item)  # type: ignore[arg-type]
    except TypeError:
        return False
    return True


def _value_for(where: str, name: str, item: object) -> Value:
    """The prediction as a Value; a NaN or infinite one is an error here, not a NaN loss later."""
    if isinstance(item, Value):
        value = item
    else:
        try:
            value = Constant(item)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"{where}: {name} must be a number or a Value, "
                f"got {type(item).__name__} {item!r:.60}"
            ) from None
    if not math.isfinite(value.data):
        raise ValueError(f"{where}: {name} is {value.data!r}; it must be a finite number")
    return value


def _checked_target(where: str, name: str, target: object) -> float:
    """A target as a float: a plain number, not a Value, a bool or anything else."""
    if isinstance(target, Value):
        raise TypeError(
            f"{where}: {name} must be a plain number (targets get no gradient), got {target!r}; "
            "pass its .data"
        )
    if isinstance(target, bool) or not (
        isinstance(target, numbers.Real)
        or getattr(getattr(target, "dtype", None), "kind", "") in ("i", "u", "f")
    ):
        raise TypeError(
            f"{where}: {name} must be a number, got {type(target).__name__} {target!r:.60}"
        )
    return float(target)  # type: ignore[arg-type]


def _cross_entropy_term(
    where: str, logits: object, target: object, logits_name: str, target_name: str
) -> Value:
    _refuse_unordered(where, logits_name, logits)
    if not _is_array_like(logits):
        raise TypeError(
            f"{where}: {logits_name} must be a list of numbers or Values, "
            f"got {type(logits).__name__} {logits!r:.60}"
        )
    values = [
        _value_for(where, f"{logits_name}[{index}]", logit)
        for index, logit in enumerate(logits)  # type: ignore[arg-type]
    ]
    if not values:
        raise ValueError(f"{where}: {logits_name} is empty; there must be at least one class")
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(
            f"{where}: {target_name} must be an int class index in range({len(values)}), "
            f"got {type(target).__name__} {target!r:.60}"
        )
    if not 0 <= target < len(values):
        raise ValueError(
            f"{where}: {target_name} must be a class index in range({len(values)}), got {target!r}"
        )
    largest = max(value.data for value in values)
    # subtracting the largest logit (a constant: it shifts every logit alike, so the loss and its
    # gradient do not change) keeps every exp in [0, 1]: no overflow at logits of +-1000
    shifted = [value - largest for value in values]
    total = shifted[0].exp()
    for value in shifted[1:]:
        total = total + value.exp()
    # log(sum exp(shifted)) - shifted[target]: the true class's shifted logit is exact, so a
    # confident, right prediction gives a tiny loss instead of (1000 + tiny) - 1000
    return total.log() - shifted[int(target)]


def _mean(terms: list[Value]) -> Value:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    if len(terms) == 1:
        return total
    return total / len(terms)
