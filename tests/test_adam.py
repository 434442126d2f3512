"""Adam, AdamW, clip_grad_norm_, StepLR, CosineAnnealingLR: against PyTorch float64 and by hand."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    CosineAnnealingLR,
    Neuron,
    StepLR,
    clip_grad_norm_,
    mse_loss,
)

# ---- Adam and AdamW by hand ----


def test_adam_first_steps_by_hand():
    w = Value(2.0)
    optimizer = Adam([w], lr=0.1, betas=(0.8, 0.9), eps=1e-8)
    w.grad = 4.0
    optimizer.step()
    # m = 0.2 * 4 = 0.8, v = 0.1 * 16 = 1.6; corrected: 0.8 / 0.2 = 4, 1.6 / 0.1 = 16
    assert w.data == pytest.approx(2.0 - 0.1 * 4.0 / (4.0 + 1e-8), rel=1e-15)
    w.grad = -1.0
    optimizer.step()
    m = 0.8 * 0.8 + 0.2 * -1.0
    v = 0.9 * 1.6 + 0.1 * 1.0
    update = 0.1 * (m / (1 - 0.8**2)) / (math.sqrt(v / (1 - 0.9**2)) + 1e-8)
    assert w.data == pytest.approx(2.0 - 0.1 * 4.0 / (4.0 + 1e-8) - update, rel=1e-14)
    assert optimizer.step_count == 2
    assert optimizer.exp_avgs == [pytest.approx(m, rel=1e-15)]
    assert optimizer.exp_avg_sqs == [pytest.approx(v, rel=1e-15)]


def test_adam_weight_decay_is_added_to_the_gradient():
    w = Value(3.0)
    optimizer = Adam([w], lr=0.1, weight_decay=0.5)
    w.grad = 0.0
    optimizer.step()  # the gradient seen is 0.5 * 3 = 1.5: the step is -lr (sign of 1.5)
    assert w.data == pytest.approx(3.0 - 0.1, rel=1e-7)
    assert optimizer.exp_avgs == [pytest.approx(0.1 * 1.5, rel=1e-15)]


def test_adamw_weight_decay_shrinks_the_parameter_first():
    w = Value(3.0)
    optimizer = AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = 0.0
    optimizer.step()  # no gradient: only the decay moves w, and the averages stay 0
    assert w.data == 3.0 * (1 - 0.1 * 0.5)
    assert optimizer.exp_avgs == [0.0]


def test_defaults_are_torchs():
    adam = Adam([Value(1.0)])
    adamw = AdamW([Value(1.0)])
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay, adam.amsgrad) == (
        1e-3,
        (0.9, 0.999),
        1e-8,
        0.0,
        False,
    )
    assert adamw.weight_decay == 1e-2
    assert repr(adamw) == (
        "AdamW(1 parameters, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, "
        "amsgrad=False)"
    )


def test_amsgrad_divides_by_the_largest_second_moment():
    w = Value(0.0)
    optimizer = Adam([w], lr=0.1, betas=(0.0, 0.5), amsgrad=True)
    w.grad = 10.0
    optimizer.step()
    w.grad = 1.0
    optimizer.step()
    # v went 50 -> 25.5, the max stays 50; with beta1 = 0 the mean is the gradient itself
    assert optimizer.exp_avg_sqs == [25.5]
    assert optimizer.max_exp_avg_sqs == [50.0]
    second = 0.1 * 1.0 / (math.sqrt(50.0) / math.sqrt(1 - 0.25) + 1e-8)
    assert w.data == pytest.approx(-0.1 * 10.0 / (10.0 + 1e-8) - second, rel=1e-14)


def test_adam_step_builds_no_graph_and_zero_grad_clears():
    model = Neuron(2, activation=None, seed=0)
    optimizer = AdamW(model.parameters(), lr=0.1, amsgrad=True)
    mse_loss(model([1.0, 2.0]), 3.0).backward()
    optimizer.step()
    for param in model.parameters():
        assert param.is_leaf
        assert type(param.data) is float
    optimizer.zero_grad()
    assert [param.grad for param in model.parameters()] == [0.0, 0.0, 0.0]


# ---- against torch.optim ----


def _torch_run(torch, torch_class, start, gradients, **options):
    params = [torch.tensor(value, dtype=torch.float64, requires_grad=True) for value in start]
    optimizer = torch_class(params, **options)
    history = []
    for step_grads in gradients:
        for param, grad in zip(params, step_grads, strict=True):
            param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        history.append([param.item() for param in params])
    return history


OPTIONS = [
    {"lr": lr, "betas": betas, "weight_decay": weight_decay, "amsgrad": amsgrad}
    for lr, betas, weight_decay, amsgrad in itertools.product(
        [1e-2], [(0.9, 0.999), (0.5, 0.8)], [0.0, 0.05], [False, True]
    )
]


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_matches_torch_on_given_gradients_for_100_steps(name, options):
    torch = pytest.importorskip("torch")
    ours, theirs = {"Adam": (Adam, torch.optim.Adam), "AdamW": (AdamW, torch.optim.AdamW)}[name]
    rng = np.random.default_rng(5)
    start = rng.normal(size=6).tolist()
    # gradients of very different sizes, and a few exact zeros, per parameter
    gradients = (rng.normal(size=(100, 6)) * [1e-6, 1e-2, 1.0, 10.0, 1e3, 1.0]).tolist()
    gradients[10][2] = 0.0
    expected = _torch_run(torch, theirs, start, gradients, eps=1e-8, **options)
    params = [Value(value) for value in start]
    optimizer = ours(params, eps=1e-8, **options)
    for step_grads, torch_values in zip(gradients, expected, strict=True):
        for param, grad in zip(params, step_grads, strict=True):
            param.grad = grad
        optimizer.step()
        np.testing.assert_allclose([p.data for p in params], torch_values, rtol=1e-14, atol=1e-15)


def _torch_copy(torch, model, activation):
    """A torch.nn.Sequential with the model's weights, built by hand (independent of to_torch)."""
    layers = []
    for index, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor(
                    [[w.data for w in neuron.w] for neuron in layer.neurons], dtype=torch.float64
                )
            )
            linear.bias.copy_(
                torch.tensor([neuron.b.data for neuron in layer.neurons], dtype=torch.float64)
            )
        layers.append(linear)
        if index < len(model.layers) - 1:
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def _flat_torch_parameters(reference):
    values = []
    for module in reference:
        if hasattr(module, "weight"):
            for row, bias in zip(module.weight.tolist(), module.bias.tolist(), strict=True):
                values.extend([*row, bias])
    return values


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_training_an_mlp_matches_torch_for_100_steps(name, options):
    """Forward, backward and step on both engines from the same start, compared every step."""
    torch = pytest.importorskip("torch")
    ours, theirs = {"Adam": (Adam, torch.optim.Adam), "AdamW": (AdamW, torch.optim.AdamW)}[name]
    model = MLP(2, [3, 3, 1], activation="tanh", seed=7)
    reference = _torch_copy(torch, model, torch.nn.Tanh)
    rng = np.random.default_rng(6)
    points = rng.uniform(-1, 1, (6, 2))
    targets = np.sin(3 * points[:, 0]) * points[:, 1]
    optimizer = ours(model.parameters(), **options)
    torch_optimizer = theirs(reference.parameters(), **options)
    torch_points = torch.tensor(points)
    torch_targets = torch.tensor(targets)
    for _step in range(100):
        loss = mse_loss([model(x) for x in points.tolist()], targets.tolist())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        torch_loss = torch.nn.functional.mse_loss(reference(torch_points).squeeze(1), torch_targets)
        torch_optimizer.zero_grad()
        torch_loss.backward()
        torch_optimizer.step()
        assert loss.data == pytest.approx(torch_loss.item(), rel=1e-11)
        # Adam divides by the gradient's own size, so a last-bit difference in a tiny gradient
        # (our sums run in another order than torch's matrix products) moves a weight by
        # far less than 1e-10 while the loss stays well above 0 (measured: at most 7e-12 over
        # all 16 option sets; the optimizer alone agrees to 1e-14, test above)
        np.testing.assert_allclose(
            [param.data for param in model.parameters()],
            _flat_torch_parameters(reference),
            rtol=0,
            atol=1e-10,
        )


# ---- errors ----


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW])
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lr": 0.0}, ValueError, r"lr must be > 0, got 0.0"),
        ({"lr": math.nan}, ValueError, r"lr must be a finite number, got nan"),
        ({"lr": "0.1"}, TypeError, r"lr must be a number, got str '0.1'"),
        ({"betas": 0.9}, TypeError, r"betas must be a pair of numbers such as \(0.9, 0.999\)"),
        ({"betas": (0.9,)}, TypeError, r"betas must be a pair of numbers such as .*, got \(0.9,\)"),
        ({"betas": "ab"}, TypeError, r"betas must be a pair of numbers"),
        ({"betas": (1.0, 0.999)}, ValueError, r"betas\[0\] must be in \[0, 1\), got 1.0"),
        ({"betas": (0.9, -0.1)}, ValueError, r"betas\[1\] must be in \[0, 1\), got -0.1"),
        ({"betas": (0.9, None)}, TypeError, r"betas\[1\] must be a number, got NoneType"),
        ({"betas": (math.inf, 0.9)}, ValueError, r"betas\[0\] must be a finite number"),
        ({"eps": 0.0}, ValueError, r"eps must be > 0 \(it keeps 0 / 0 out of the step\), got 0.0"),
        ({"eps": -1e-8}, ValueError, r"eps must be > 0"),
        ({"weight_decay": -0.1}, ValueError, r"weight_decay must be >= 0, got -0.1"),
        ({"weight_decay": math.inf}, ValueError, r"weight_decay must be a finite number"),
        ({"amsgrad": 1}, TypeError, r"amsgrad must be True or False, got int 1"),
    ],
)
def test_adam_hyperparameter_errors(optimizer_class, kwargs, error, message):
    name = optimizer_class.__name__
    with pytest.raises(error, match=rf"^{name}: {message}"):
        optimizer_class([Value(1.0)], **kwargs)


def test_betas_may_be_a_list_of_numpy_numbers():
    optimizer = Adam([Value(1.0)], betas=[np.float64(0.5), 0.9])
    assert optimizer.betas == (0.5, 0.9)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([], ValueError, "AdamW: got an empty parameter list"),
        (Value(1.0), TypeError, "AdamW: params must be a list of Values, got a single Value"),
        ([Value(1.0), 2.0], TypeError, r"AdamW: params\[1\] must be a Value, got float 2.0"),
    ],
)
def test_adam_params_errors(params, error, message):
    with pytest.raises(error, match=message):
        AdamW(params)


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_gradient_raises_and_changes_nothing(optimizer_class, bad):
    """The same rule as SGD: refuse by name, before any parameter or average changes."""
    model = Neuron(2, seed=0)
    optimizer = optimizer_class(model.parameters(), lr=0.1, weight_decay=0.1, amsgrad=True)
    for param in model.parameters():
        param.grad = 1.0
    optimizer.step()
    averages = (list(optimizer.exp_avgs), list(optimizer.exp_avg_sqs))
    model.w[1].grad = bad
    before = model.state_dict()
    name = optimizer_class.__name__
    with pytest.raises(
        FloatingPointError,
        match=rf"{name}\.step: parameter 1 \(w\.1\) has gradient {bad!r}; no parameter was updated",
    ):
        optimizer.step()
    assert model.state_dict() == before
    assert (optimizer.exp_avgs, optimizer.exp_avg_sqs) == averages
    assert optimizer.step_count == 1


# ---- clip_grad_norm_ ----


def test_clip_by_hand():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, -4.0
    assert clip_grad_norm_([a, b], max_norm=10.0) == 5.0
    # below max_norm the factor is max_norm / (norm + 1e-6) clamped to 1: untouched
    assert (a.grad, b.grad) == (3.0, -4.0)
    assert clip_grad_norm_([a, b], max_norm=2.5) == 5.0
    assert (a.grad, b.grad) == (3.0 * 2.5 / (5.0 + 1e-6), -4.0 * 2.5 / (5.0 + 1e-6))
    a.grad, b.grad = 3.0, -4.0
    assert clip_grad_norm_([a, b], max_norm=1.0, norm_type=math.inf) == 4.0
    assert clip_grad_norm_([a, b], max_norm=100.0, norm_type=1) == pytest.approx(7.0 / 4.0)


# squares of gradients below 1e-154 underflow; torch takes a one-element tensor's norm as its
# absolute value but sums the squares of longer ones, so there the two split the vector differently
GRAD_LISTS = st.lists(
    st.floats(-1e3, 1e3).filter(lambda grad: grad == 0.0 or abs(grad) > 1e-100),
    min_size=1,
    max_size=12,
)


@settings(deadline=None, max_examples=60)
@given(
    grads=GRAD_LISTS,
    max_norm=st.floats(0.0, 50.0),
    norm_type=st.sampled_from([2.0, 1.0, math.inf, 3.0, 0.5]),
)
def test_clip_matches_torch(grads, max_norm, norm_type):
    torch = pytest.importorskip("torch")
    params = [Value(0.0) for _grad in grads]
    for param, grad in zip(params, grads, strict=True):
        param.grad = grad
    # torch sees the gradients in two tensors, as a model has several; the norm is the same
    split = len(grads) // 2
    parts = [part for part in (grads[:split], grads[split:]) if part]
    torch_params = [torch.tensor(part, dtype=torch.float64, requires_grad=True) for part in parts]
    for tensor, part in zip(torch_params, parts, strict=True):
        tensor.grad = torch.tensor(part, dtype=torch.float64)
    expected = torch.nn.utils.clip_grad_norm_(torch_params, max_norm, norm_type=norm_type)
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    assert type(total) is float
    assert total == pytest.approx(expected.item(), rel=1e-13, abs=1e-300)
    torch_grads = [value for tensor in torch_params for value in tensor.grad.tolist()]
    np.testing.assert_allclose([p.grad for p in params], torch_grads, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_clip_non_finite_as_torch(norm_type, bad):
    """Default: scale anyway (NaN, or 0 for an infinite norm), as torch; the next step() refuses."""
    torch = pytest.importorskip("torch")
    grads = [1.0, bad, -2.0]
    params = [Value(0.0) for _grad in grads]
    for param, grad in zip(params, grads, strict=True):
        param.grad = grad
    tensor = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    tensor.grad = torch.tensor(grads, dtype=torch.float64)
    expected = torch.nn.utils.clip_grad_norm_([tensor], 1.0, norm_type=norm_type)
    total = clip_grad_norm_(params, 1.0, norm_type=norm_type)
    np.testing.assert_array_equal(total, expected.item())
    np.testing.assert_array_equal([p.grad for p in params], tensor.grad.tolist())
    with pytest.raises(FloatingPointError, match=r"SGD\.step: parameter [01] has gradient nan"):
        SGD(params, lr=0.1).step()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_clip_error_if_nonfinite_raises_and_changes_nothing(bad):
    torch = pytest.importorskip("torch")
    tensor = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    tensor.grad = torch.tensor([1.0, bad], dtype=torch.float64)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_([tensor], 1.0, error_if_nonfinite=True)
    params = [Value(0.0), Value(0.0)]
    params[0].grad, params[1].grad = 1.0, bad
    expected_norm = "nan" if math.isnan(bad) else "inf"
    with pytest.raises(
        FloatingPointError,
        match=rf"clip_grad_norm_: the total norm of order 2.0 of the gradients is {expected_norm}, "
        r"so it cannot be clipped; no gradient was changed",
    ):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert params[0].grad == 1.0


def test_clip_overflowing_norm_is_inf_not_an_exception():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 1e200, 1e200
    assert clip_grad_norm_([a, b], 1.0, norm_type=3.0) == math.inf
    a.grad, b.grad = 1e200, 1e200
    assert clip_grad_norm_([a, b], 1.0) == math.inf
    assert (a.grad, b.grad) == (0.0, 0.0)  # scaled by 1 / inf, as torch


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_norm": -1.0}, ValueError, r"clip_grad_norm_: max_norm must be >= 0, got -1.0"),
        ({"max_norm": math.nan}, ValueError, r"max_norm must be a finite number, got nan"),
        ({"max_norm": "1"}, TypeError, r"max_norm must be a number, got str '1'"),
        ({"max_norm": 1.0, "norm_type": 0}, ValueError, r"norm_type must be > 0 or math.inf"),
        ({"max_norm": 1.0, "norm_type": math.nan}, ValueError, r"norm_type must be > 0"),
        ({"max_norm": 1.0, "norm_type": "inf"}, TypeError, r"norm_type must be a number"),
        (
            {"max_norm": 1.0, "error_if_nonfinite": "yes"},
            TypeError,
            r"error_if_nonfinite must be True or False, got str 'yes'",
        ),
    ],
)
def test_clip_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        clip_grad_norm_([Value(1.0)], **kwargs)
    with pytest.raises(ValueError, match=r"clip_grad_norm_: got an empty parameter list"):
        clip_grad_norm_([], 1.0)


# ---- learning-rate schedules ----


def _schedule_run(make_schedule, optimizer, epochs):
    schedule = make_schedule(optimizer)
    lrs = []
    for _epoch in range(epochs):
        optimizer.step()
        schedule.step()
        lrs.append((optimizer.lr, schedule.get_last_lr()))
    return lrs


SCHEDULES = {
    "StepLR(7)": lambda module: lambda optimizer: module.StepLR(optimizer, 7),
    "StepLR(3, 0.5)": lambda module: lambda optimizer: module.StepLR(optimizer, 3, gamma=0.5),
    "Cosine(100)": lambda module: lambda optimizer: module.CosineAnnealingLR(optimizer, 100),
    "Cosine(30, 0.01)": lambda module: (
        lambda optimizer: module.CosineAnnealingLR(optimizer, 30, eta_min=0.01)
    ),
    "Cosine(1)": lambda module: lambda optimizer: module.CosineAnnealingLR(optimizer, T_max=1),
}


class _OurSchedules:
    StepLR = StepLR
    CosineAnnealingLR = CosineAnnealingLR


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedules_match_torch_exactly_over_100_epochs(name):
    """Past T_max the cosine climbs back; both go the same way, to the last bit."""
    torch = pytest.importorskip("torch")
    ours = _schedule_run(SCHEDULES[name](_OurSchedules), SGD([Value(1.0)], lr=0.3), 100)
    torch_param = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch_param.grad = torch.zeros(1, dtype=torch.float64)
    torch_optimizer = torch.optim.SGD([torch_param], lr=0.3)
    torch_schedule = SCHEDULES[name](torch.optim.lr_scheduler)(torch_optimizer)
    theirs = []
    for _epoch in range(100):
        torch_optimizer.step()
        torch_schedule.step()
        theirs.append((torch_optimizer.param_groups[0]["lr"], torch_schedule.get_last_lr()))
    assert ours == theirs


def test_schedules_match_the_closed_forms():
    step_lrs = _schedule_run(lambda o: StepLR(o, 4, gamma=0.5), SGD([Value(1.0)], lr=0.2), 100)
    for epoch, (lr, _last) in enumerate(step_lrs, start=1):
        assert lr == pytest.approx(0.2 * 0.5 ** (epoch // 4), rel=1e-14)
    cosine_lrs = _schedule_run(
        lambda o: CosineAnnealingLR(o, 40, eta_min=0.001), SGD([Value(1.0)], lr=0.2), 100
    )
    for epoch, (lr, _last) in enumerate(cosine_lrs, start=1):
        closed_form = 0.001 + (0.2 - 0.001) * (1 + math.cos(math.pi * epoch / 40)) / 2
        assert lr == pytest.approx(closed_form, rel=1e-12, abs=1e-15)


def test_adam_with_cosine_schedule_matches_torch_step_for_step():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    start = rng.normal(size=4).tolist()
    gradients = rng.normal(size=(60, 4)).tolist()
    params = [Value(value) for value in start]
    optimizer = AdamW(params, lr=0.05, amsgrad=True)
    schedule = CosineAnnealingLR(optimizer, T_max=20, eta_min=1e-3)
    torch_params = [torch.tensor(value, dtype=torch.float64, requires_grad=True) for value in start]
    torch_optimizer = torch.optim.AdamW(torch_params, lr=0.05, amsgrad=True)
    torch_schedule = torch.optim.lr_scheduler.CosineAnnealingLR(torch_optimizer, 20, 1e-3)
    for step_grads in gradients:
        for param, torch_param, grad in zip(params, torch_params, step_grads, strict=True):
            param.grad = grad
            torch_param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        schedule.step()
        torch_optimizer.step()
        torch_schedule.step()
        assert optimizer.lr == torch_optimizer.param_groups[0]["lr"]
        np.testing.assert_allclose(
            [p.data for p in params], [p.item() for p in torch_params], rtol=1e-14, atol=1e-15
        )


def test_schedule_starts_at_epoch_0_with_the_optimizers_lr():
    optimizer = Adam([Value(1.0)], lr=0.01)
    schedule = StepLR(optimizer, step_size=1)
    assert (schedule.last_epoch, schedule.get_last_lr(), optimizer.lr) == (0, [0.01], 0.01)
    assert repr(schedule) == "StepLR(last_epoch=0, lr=0.01)"


def test_scheduler_step_before_optimizer_step_warns_once_as_torch():
    optimizer = SGD([Value(1.0)], lr=0.1)
    schedule = CosineAnnealingLR(optimizer, T_max=10)
    with pytest.warns(UserWarning, match=r"CosineAnnealingLR\.step\(\) was called before the "):
        schedule.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schedule.step()  # only the first call is checked, as torch


def test_no_warning_in_the_right_order():
    optimizer = SGD([Value(1.0)], lr=0.1)
    schedule = StepLR(optimizer, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.step()
        schedule.step()


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: StepLR(o, 0), ValueError, r"StepLR: step_size must be >= 1, got 0"),
        (lambda o: StepLR(o, 2.0), TypeError, r"StepLR: step_size must be an int, got float 2.0"),
        (lambda o: StepLR(o, True), TypeError, r"StepLR: step_size must be an int, got bool"),
        (lambda o: StepLR(o, 2, gamma=0), ValueError, r"StepLR: gamma must be > 0, got 0"),
        (lambda o: StepLR(o, 2, gamma=math.nan), ValueError, r"gamma must be a finite number"),
        (lambda o: CosineAnnealingLR(o, 0), ValueError, r"T_max must be >= 1, got 0"),
        (lambda o: CosineAnnealingLR(o, "10"), TypeError, r"T_max must be an int, got str '10'"),
        (
            lambda o: CosineAnnealingLR(o, 10, eta_min=-1.0),
            ValueError,
            r"CosineAnnealingLR: eta_min must be >= 0, got -1.0",
        ),
        (
            lambda o: StepLR([Value(1.0)], 2),
            TypeError,
            r"StepLR: optimizer must be an SGD, Adam or AdamW, got list",
        ),
    ],
)
def test_schedule_errors(make, error, message):
    with pytest.raises(error, match=message):
        make(SGD([Value(1.0)], lr=0.1))
