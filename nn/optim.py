"""Optimizers, gradient clipping and learning-rate schedules, each equal to its torch.optim twin.

``SGD``, ``Adam`` and ``AdamW`` update ``param.data`` from ``param.grad``;
``clip_grad_norm_`` rescales the gradients first; ``StepLR`` and
``CosineAnnealingLR`` change an optimizer's ``lr`` once per epoch. Each does
what the PyTorch class of the same name does, step for step, for a single
parameter group (the tests compare them with PyTorch in float64).

The NaN rule, for every optimizer here: a gradient that is NaN or infinite
makes ``step()`` raise FloatingPointError naming the parameter, before any
parameter or optimizer state changes. (PyTorch would write NaN into the
parameters and carry on.)"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Sequence

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
        self.params = _checked_params("SGD", params)
        self.lr = _checked_number("SGD", "lr", lr)
        self.momentum = _checked_number("SGD", "momentum", momentum)
        self.weight_decay = _checked_number("SGD", "weight_decay", weight_decay)
        if not self.lr > 0.0:
            raise ValueError(f"SGD: lr must be > 0, got {lr!r}")
        if self.momentum < 0.0:
            raise ValueError(f"SGD: momentum must be >= 0, got {momentum!r}")
        if self.weight_decay < 0.0:
            raise ValueError(f"SGD: weight_decay must be >= 0, got {weight_decay!r}")
        # one momentum buffer per parameter; None until the first step, as in PyTorch
        self.momentum_buffers: list[float | None] = [None] * len(self.params)
        # how many steps were taken; a learning-rate schedule checks it, as PyTorch's does
        self.step_count = 0

    def zero_grad(self) -> None:
        """Set ``.grad = 0.0`` on every parameter."""
        for param in self.params:
            param.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its ``.grad``.

        A gradient that is NaN or infinite raises FloatingPointError naming the
        parameter, before any parameter changes.
        """
        params = self.params
        grads = [param.grad for param in params]
        if not (_all_floats(grads) and math.isfinite(sum(grads))):
            # a NaN or inf among them, an overflowing sum, or a Value after create_graph
            _check_gradients_finite("SGD.step", params)
            grads = [gradient_number(param) for param in params]
        lr = self.lr
        momentum = self.momentum
        weight_decay = self.weight_decay
        if momentum == 0.0 and weight_decay == 0.0:
            # plain SGD, the common case, in one tight loop: a compiled training step
            # spends as long here as in its whole batch
            for param, grad in zip(params, grads, strict=True):
                param.data = param.data - lr * grad
            self.step_count += 1
            return
        buffers = self.momentum_buffers
        for index, (param, update) in enumerate(zip(params, grads, strict=True)):
            if weight_decay != 0.0:
                update = update + weight_decay * param.data
            if momentum != 0.0:
                buffer = buffers[index]
                if buffer is not None:
                    update = momentum * buffer + update
                buffers[index] = update
            param.data = param.data - lr * update
        self.step_count += 1

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr!r}, momentum={self.momentum!r}, "
            f"weight_decay={self.weight_decay!r})"
        )


class Adam:
    """Adaptive moment estimation, as ``torch.optim.Adam`` (and, via ``AdamW``, its decoupled twin).

    Each parameter keeps a running mean of its gradient (``exp_avgs``, decay
    ``betas[0]``) and of its squared gradient (``exp_avg_sqs``, decay
    ``betas[1]``), both started at 0 and bias-corrected, and moves by
    ``lr * mean / (sqrt(mean_of_squares) + eps)``: about ``lr`` per step
    whatever the gradient's scale. ``weight_decay`` adds
    ``weight_decay * param`` to the gradient (L2, as ``torch.optim.Adam``);
    ``amsgrad`` divides by the largest ``mean_of_squares`` seen so far.
    ``step()`` only writes ``param.data``, so it builds no graph.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> optimizer = Adam([w], lr=0.1)
    >>> (w * w).backward()
    >>> optimizer.step()
    >>> round(w.data, 6)  # the first step moves by lr (less eps) whatever the gradient
    0.9
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ):
        owner = type(self).__name__
        self.params = _checked_params(owner, params)
        self.lr = _checked_number(owner, "lr", lr)
        if not self.lr > 0.0:
            raise ValueError(f"{owner}: lr must be > 0, got {lr!r}")
        self.betas = _checked_betas(owner, betas)
        self.eps = _checked_number(owner, "eps", eps)
        # PyTorch allows eps=0, but then a zero gradient on the first step gives 0 / 0 = NaN
        if not self.eps > 0.0:
            raise ValueError(
                f"{owner}: eps must be > 0 (it keeps 0 / 0 out of the step), got {eps!r}"
            )
        self.weight_decay = _checked_number(owner, "weight_decay", weight_decay)
        if self.weight_decay < 0.0:
            raise ValueError(f"{owner}: weight_decay must be >= 0, got {weight_decay!r}")
        if not isinstance(amsgrad, bool):
            raise TypeError(
                f"{owner}: amsgrad must be True or False, got {type(amsgrad).__name__} {amsgrad!r}"
            )
        self.amsgrad = amsgrad
        count = len(self.params)
        self.exp_avgs = [0.0] * count
        self.exp_avg_sqs = [0.0] * count
        self.max_exp_avg_sqs = [0.0] * count  # used only with amsgrad
        self.step_count = 0

    def zero_grad(self) -> None:
        """Set ``.grad = 0.0`` on every parameter."""
        for param in self.params:
            param.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its ``.grad``.

        A gradient that is NaN or infinite raises FloatingPointError naming the
        parameter, before any parameter or running average changes.
        """
        _check_gradients_finite(f"{type(self).__name__}.step", self.params)
        lr = self.lr
        beta1, beta2 = self.betas
        eps = self.eps
        weight_decay = self.weight_decay
        decoupled = self.decoupled_weight_decay
        amsgrad = self.amsgrad
        self.step_count += 1
        # the same floating-point operations, in the same order, as torch's _single_tensor_adam
        bias_correction1 = 1 - beta1**self.step_count
        bias_correction2_sqrt = (1 - beta2**self.step_count) ** 0.5
        step_size = lr / bias_correction1
        mean_weight = 1 - beta1
        for index, param in enumerate(self.params):
            grad = gradient_number(param)
            if weight_decay != 0.0:
                if decoupled:
                    param.data = param.data * (1 - lr * weight_decay)
                else:
                    grad = grad + weight_decay * param.data
            exp_avg = _lerp(self.exp_avgs[index], grad, mean_weight)
            exp_avg_sq = self.exp_avg_sqs[index] * beta2 + (1 - beta2) * grad * grad
            self.exp_avgs[index] = exp_avg
            self.exp_avg_sqs[index] = exp_avg_sq
            if amsgrad:
                exp_avg_sq = max(self.max_exp_avg_sqs[index], exp_avg_sq)
                self.max_exp_avg_sqs[index] = exp_avg_sq
            denom = math.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
            param.data = param.data + -step_size * (exp_avg / denom)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r}, "
            f"betas={self.betas!r}, eps={self.eps!r}, weight_decay={self.weight_decay!r}, "
            f"amsgrad={self.amsgrad!r})"
        )


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Instead of adding ``weight_decay * param`` to the gradient (which Adam
    then rescales), each step first shrinks the parameter:
    ``param *= 1 - lr * weight_decay``. The default ``weight_decay`` is 0.01,
    as in PyTorch.

    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> optimizer = AdamW([w], lr=0.1)
    >>> w.grad = 0.0  # no gradient at all: only the decay moves w
    >>> optimizer.step()
    >>> w.data
    0.999
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


def clip_grad_norm_(
    params: Iterable[Value],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so their norm is at most ``max_norm``; returns the norm before.

    As ``torch.nn.utils.clip_grad_norm_``: the total norm is the ``norm_type``
    norm of all gradients as one vector (``math.inf``: the largest absolute
    gradient), and every gradient is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``. A NaN or infinite total norm
    raises FloatingPointError (gradients untouched) with
    ``error_if_nonfinite=True``; by default, as PyTorch, the gradients are
    scaled by that factor anyway (NaN, or 0 for an infinite norm), and the
    next optimizer step then refuses the NaN gradients by name.

    >>> from autograd import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 3.0, 4.0
    >>> clip_grad_norm_([a, b], max_norm=1.0)
    5.0
    >>> round(a.grad, 6), round(b.grad, 6)
    (0.6, 0.8)
    """
    params = _checked_params("clip_grad_norm_", params)
    max_norm = _checked_number("clip_grad_norm_", "max_norm", max_norm)
    if max_norm < 0.0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm!r}")
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(
            f"clip_grad_norm_: norm_type must be a number (math.inf for the largest gradient), "
            f"got {type(norm_type).__name__} {norm_type!r}"
        )
    norm_type = float(norm_type)
    if not norm_type > 0.0:  # also catches NaN
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or math.inf, got {norm_type!r}")
    if not isinstance(error_if_nonfinite, bool):
        raise TypeError(
            f"clip_grad_norm_: error_if_nonfinite must be True or False, "
            f"got {type(error_if_nonfinite).__name__} {error_if_nonfinite!r}"
        )
    grads = [gradient_number(param) for param in params]
    if norm_type == math.inf:
        total_norm = max(abs(grad) for grad in grads)
        if any(math.isnan(grad) for grad in grads):
            total_norm = math.nan  # max() skips NaN depending on where it sits; torch does not
    elif norm_type == 2.0:
        total_norm = math.sqrt(sum(grad * grad for grad in grads))
    elif norm_type == 1.0:
        total_norm = sum(abs(grad) for grad in grads)
    else:
        total_norm = sum(_power(abs(grad), norm_type) for grad in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total_norm):
        raise FloatingPointError(
            f"clip_grad_norm_: the total norm of order {norm_type!r} of the gradients is "
            f"{total_norm!r}, so it cannot be clipped; no gradient was changed "
            f"(to scale by it anyway, as PyTorch does, pass error_if_nonfinite=False)"
        )
    clip_coefficient = min(max_norm / (total_norm + 1e-6), 1.0)
    if math.isnan(total_norm):
        clip_coefficient = math.nan  # min() would pick 1.0; torch.clamp keeps the NaN
    for param in params:
        param.grad = param.grad * clip_coefficient
    return total_norm


class _LRScheduler:
    """What StepLR and CosineAnnealingLR share: ``step()``, ``get_last_lr()``, ``last_epoch``.

    As in PyTorch, creating the schedule is its epoch 0 (the optimizer keeps
    its ``lr``), and each ``step()``, called once per epoch after the
    optimizer's ``step()``, moves to the next epoch and writes the new
    learning rate into ``optimizer.lr``.
    """

    def __init__(self, optimizer: SGD | Adam) -> None:
        if not isinstance(optimizer, (SGD, Adam)):
            raise TypeError(
                f"{type(self).__name__}: optimizer must be an SGD, Adam or AdamW, "
                f"got {type(optimizer).__name__} {optimizer!r:.60}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = optimizer.lr
        self._stepped = False

    def get_last_lr(self) -> list[float]:
        """The learning rate the last ``step()`` set, in a list as PyTorch (one per group)."""
        return [self._last_lr]

    def step(self) -> None:
        """Move to the next epoch and set ``optimizer.lr`` for it."""
        if not self._stepped and self.optimizer.step_count == 0:
            warnings.warn(
                f"{type(self).__name__}.step() was called before the optimizer's step(); "
                "call optimizer.step() first, then scheduler.step(), or the first learning "
                "rate of the schedule is skipped (as PyTorch warns)",
                UserWarning,
                stacklevel=2,
            )
        self._stepped = True
        self.last_epoch += 1
        lr = self._next_lr(self.optimizer.lr)
        self.optimizer.lr = lr
        self._last_lr = lr

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr!r})"


class StepLR(_LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    As ``torch.optim.lr_scheduler.StepLR``: at epoch ``t`` the rate is
    ``base_lr * gamma ** (t // step_size)`` (computed, as PyTorch does, from
    the previous epoch's rate).

    >>> from autograd import Value
    >>> optimizer = SGD([Value(1.0)], lr=1.0)
    >>> schedule = StepLR(optimizer, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     optimizer.step()  # (after backward, in real training)
    ...     schedule.step()
    ...     lrs.append(optimizer.lr)
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: SGD | Adam, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral):
            raise TypeError(
                f"StepLR: step_size must be an int, got {type(step_size).__name__} {step_size!r}"
            )
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = _checked_number("StepLR", "gamma", gamma)
        if not self.gamma > 0.0:
            raise ValueError(f"StepLR: gamma must be > 0, got {gamma!r}")

    def _next_lr(self, lr: float) -> float:
        # the recursive form torch's step() uses, so the numbers agree to the last bit
        if self.last_epoch % self.step_size != 0:
            return lr
        return lr * self.gamma


class CosineAnnealingLR(_LRScheduler):
    """Follow half a cosine from the starting lr down to ``eta_min`` over ``T_max`` epochs.

    As ``torch.optim.lr_scheduler.CosineAnnealingLR``: at epoch ``t`` the
    rate is ``eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``
    (computed, as PyTorch does, from the previous epoch's rate), and past
    ``T_max`` it climbs back up along the same cosine.

    >>> from autograd import Value
    >>> optimizer = SGD([Value(1.0)], lr=1.0)
    >>> schedule = CosineAnnealingLR(optimizer, T_max=4)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     optimizer.step()
    ...     schedule.step()
    ...     lrs.append(round(optimizer.lr, 12))
    >>> lrs
    [0.853553390593, 0.5, 0.146446609407, 0.0]
    """

    def __init__(self, optimizer: SGD | Adam, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803 (torch's name)
        super().__init__(optimizer)
        if isinstance(T_max, bool) or not isinstance(T_max, numbers.Integral):
            raise TypeError(
                f"CosineAnnealingLR: T_max must be an int, got {type(T_max).__name__} {T_max!r}"
            )
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max!r}")
        self.T_max = int(T_max)
        self.eta_min = _checked_number("CosineAnnealingLR", "eta_min", eta_min)
        if self.eta_min < 0.0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be >= 0, got {eta_min!r}")

    def _next_lr(self, lr: float) -> float:
        # torch's recursive form; the first branch avoids dividing by 1 + cos(pi) = 0
        epoch = self.last_epoch
        T_max = self.T_max  # noqa: N806
        eta_min = self.eta_min
        if (epoch - 1 - T_max) % (2 * T_max) == 0:
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        return (1 + math.cos(math.pi * epoch / T_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / T_max)
        ) * (lr - eta_min) + eta_min


def gradient_number(param: Value) -> float:
    """``param.grad`` as a float: after ``backward(create_graph=True)`` it is a Value.

    Every optimizer steps by the gradient's number, as torch steps by ``.grad``'s
    data: ``.data`` and the optimizer's running averages must stay floats (a
    Value there would be saved into the model's state and fail to serialize).
    """
    grad = param.grad
    if isinstance(grad, Value):
        return grad.data
    return grad


def _power(base: float, exponent: float) -> float:
    """``base ** exponent`` for base >= 0, inf on overflow (as torch) instead of OverflowError."""
    try:
        return base**exponent
    except OverflowError:
        return math.inf


def _lerp(start: float, end: float, weight: float) -> float:
    """``start + weight * (end - start)``, rounded as torch.lerp rounds it."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _checked_betas(owner: str, betas: object) -> tuple[float, float]:
    if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence) or len(betas) != 2:
        raise TypeError(
            f"{owner}: betas must be a pair of numbers such as (0.9, 0.999), got {betas!r:.60}"
        )
    checked = []
    for index, beta in enumerate(betas):
        value = _checked_number(owner, f"betas[{index}]", beta)
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{owner}: betas[{index}] must be in [0, 1), got {beta!r}")
        checked.append(value)
    return (checked[0], checked[1])


def _checked_params(owner: str, params: Iterable[Value]) -> list[Value]:
    if isinstance(params, Value):
        raise TypeError(
            f"{owner}: params must be a list of Values, got a single Value; wrap it: [w]"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{owner}: params must be an iterable of Values, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError(f"{owner}: got an empty parameter list")
    seen: dict[Value, int] = {}
    for index, param in enumerate(params):
        if not isinstance(param, Value):
            raise TypeError(
                f"{owner}: params[{index}] must be a Value, "
                f"got {type(param).__name__} {param!r:.60}"
            )
        if param in seen:
            raise ValueError(
                f"{owner}: params[{index}] is the same Value as params[{seen[param]}]; "
                "it would be updated twice per step"
            )
        seen[param] = index
    return params


def _checked_number(owner: str, name: str, number: object) -> float:
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {type(number).__name__} {number!r}")
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {number!r}")
    return value


def _all_floats(values: list[object]) -> bool:
    """True when every value is a Python float (no Value left by create_graph, no int)."""
    return set(map(type, values)) <= {float}


def _check_gradients_finite(where: str, params: list[Value]) -> None:
    """Raise FloatingPointError naming the first parameter whose gradient is NaN or infinite."""
    for index, param in enumerate(params):
        grad = gradient_number(param)
        if not math.isfinite(grad):
            name = f" ({param.label})" if param.label else ""
            raise FloatingPointError(
                f"{where}: parameter {index}{name} has gradient {grad!r}; no parameter was updated"
            )
