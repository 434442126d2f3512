"""SGD: step for step against torch.optim.SGD, by hand, building no graph, and its errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, Neuron, mse_loss


def test_plain_step_is_param_minus_lr_grad():
    w, b = Value(1.0), Value(-2.0)
    optimizer = SGD([w, b], lr=0.1)
    w.grad, b.grad = 0.5, -4.0
    optimizer.step()
    assert (w.data, b.data) == (1.0 - 0.1 * 0.5, -2.0 - 0.1 * -4.0)
    assert (w.grad, b.grad) == (0.5, -4.0)  # step reads gradients, never clears them


def test_momentum_by_hand():
    w = Value(1.0)
    optimizer = SGD([w], lr=0.5, momentum=0.9)
    w.grad = 2.0
    optimizer.step()  # buffer = 2.0 (the first gradient, as torch)
    assert w.data == 1.0 - 0.5 * 2.0
    w.grad = 1.0
    optimizer.step()  # buffer = 0.9 * 2.0 + 1.0 = 2.8
    assert w.data == pytest.approx(0.0 - 0.5 * 2.8, rel=1e-15)
    assert optimizer.momentum_buffers == [pytest.approx(2.8, rel=1e-15)]


def test_weight_decay_by_hand():
    w = Value(3.0)
    optimizer = SGD([w], lr=0.1, weight_decay=0.01)
    w.grad = 1.0
    optimizer.step()  # update = grad + weight_decay * w = 1.03
    assert w.data == pytest.approx(3.0 - 0.1 * 1.03, rel=1e-15)


def test_zero_grad_clears_only_its_parameters():
    w, other = Value(1.0), Value(1.0)
    w.grad, other.grad = 3.0, 4.0
    SGD([w], lr=0.1).zero_grad()
    assert (w.grad, other.grad) == (0.0, 4.0)


def test_step_builds_no_graph():
    model = Neuron(2, activation=None, seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    loss = mse_loss(model([1.0, 2.0]), 3.0)
    loss.backward()
    optimizer.step()
    for param in model.parameters():
        assert param.is_leaf
        assert param.op == ""
        assert type(param.data) is float
    assert all(type(buffer) is float for buffer in optimizer.momentum_buffers)


def test_params_may_be_a_generator_and_are_kept_as_a_list():
    model = Neuron(3, seed=0)
    optimizer = SGD((param for param in model.parameters()), lr=0.1)
    assert optimizer.params == model.parameters()
    assert repr(optimizer) == "SGD(4 parameters, lr=0.1, momentum=0.0, weight_decay=0.0)"


def _torch_reference_run(torch, start, gradients, lr, momentum, weight_decay):
    """torch.optim.SGD on float64 parameters fed the given gradient sequence."""
    params = [torch.tensor(value, dtype=torch.float64, requires_grad=True) for value in start]
    optimizer = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    history = []
    for step_grads in gradients:
        for param, grad in zip(params, step_grads, strict=True):
            param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        history.append([param.item() for param in params])
    return history


@pytest.mark.parametrize(
    ("momentum", "weight_decay"),
    [(0.0, 0.0), (0.9, 0.0), (0.0, 0.05), (0.9, 0.05), (0.5, 1e-3)],
)
def test_matches_torch_sgd_step_for_step_on_given_gradients(momentum, weight_decay):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    start = rng.normal(size=5).tolist()
    gradients = rng.normal(size=(30, 5)).tolist()
    expected = _torch_reference_run(torch, start, gradients, 0.05, momentum, weight_decay)
    params = [Value(value) for value in start]
    optimizer = SGD(params, lr=0.05, momentum=momentum, weight_decay=weight_decay)
    for step_grads, torch_values in zip(gradients, expected, strict=True):
        for param, grad in zip(params, step_grads, strict=True):
            param.grad = grad
        optimizer.step()
        np.testing.assert_allclose([p.data for p in params], torch_values, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(("momentum", "weight_decay"), [(0.0, 0.0), (0.9, 1e-2)])
def test_training_an_mlp_matches_torch_step_for_step(momentum, weight_decay):
    """The whole loop, forward and backward included, on both engines from the same start."""
    torch = pytest.importorskip("torch")
    model = MLP(2, [8, 8, 1], activation="tanh", seed=2)
    layers = []
    for index, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            weights = [[w.data for w in neuron.w] for neuron in layer.neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            biases = [neuron.b.data for neuron in layer.neurons]
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        layers.append(linear)
        if index < len(model.layers) - 1:
            layers.append(torch.nn.Tanh())
    reference = torch.nn.Sequential(*layers)

    rng = np.random.default_rng(3)
    points = rng.uniform(-1, 1, (16, 2))
    targets = np.sin(3 * points[:, 0]) * points[:, 1]
    optimizer = SGD(model.parameters(), lr=0.1, momentum=momentum, weight_decay=weight_decay)
    torch_optimizer = torch.optim.SGD(
        reference.parameters(), lr=0.1, momentum=momentum, weight_decay=weight_decay
    )
    for _step in range(15):
        loss = mse_loss([model(x) for x in points.tolist()], targets.tolist())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        torch_loss = torch.nn.functional.mse_loss(
            reference(torch.tensor(points)).squeeze(1), torch.tensor(targets)
        )
        torch_optimizer.zero_grad()
        torch_loss.backward()
        torch_optimizer.step()
        assert loss.data == pytest.approx(torch_loss.item(), rel=1e-11)

    torch_values = []
    for module in reference:
        if isinstance(module, torch.nn.Linear):
            for row, bias in zip(module.weight.tolist(), module.bias.tolist(), strict=True):
                torch_values.extend([*row, bias])
    np.testing.assert_allclose(
        [param.data for param in model.parameters()], torch_values, rtol=1e-10, atol=1e-13
    )


@settings(deadline=None, max_examples=40)
@given(
    start=st.floats(-10, 10),
    grads=st.lists(st.floats(-10, 10), min_size=1, max_size=8),
    lr=st.floats(1e-4, 1.0),
    momentum=st.floats(0.0, 0.99),
    weight_decay=st.floats(0.0, 0.1),
)
def test_matches_the_torch_formula(start, grads, lr, momentum, weight_decay):
    """buffer = momentum * buffer + (grad + wd * p), from the first update; p -= lr * buffer"""
    param = Value(start)
    optimizer = SGD([param], lr=lr, momentum=momentum, weight_decay=weight_decay)
    expected = start
    buffer = None
    for grad in grads:
        update = grad + weight_decay * expected
        buffer = update if buffer is None else momentum * buffer + update
        expected = expected - lr * (buffer if momentum else update)
        param.grad = grad
        optimizer.step()
        assert param.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lr": 0.0}, ValueError, r"SGD: lr must be > 0, got 0.0"),
        ({"lr": -0.1}, ValueError, r"SGD: lr must be > 0, got -0.1"),
        ({"lr": math.nan}, ValueError, r"SGD: lr must be a finite number, got nan"),
        ({"lr": math.inf}, ValueError, r"SGD: lr must be a finite number, got inf"),
        ({"lr": "0.1"}, TypeError, r"SGD: lr must be a number, got str '0.1'"),
        ({"lr": None}, TypeError, r"SGD: lr must be a number, got NoneType"),
        ({"lr": 0.1, "momentum": -0.5}, ValueError, r"SGD: momentum must be >= 0, got -0.5"),
        ({"lr": 0.1, "weight_decay": -1}, ValueError, r"SGD: weight_decay must be >= 0, got -1"),
        ({"lr": 0.1, "momentum": True}, TypeError, r"SGD: momentum must be a number, got bool"),
    ],
)
def test_hyperparameter_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        SGD([Value(1.0)], **kwargs)


def test_numpy_hyperparameters_are_fine():
    optimizer = SGD([Value(1.0)], lr=np.float64(0.1), momentum=np.float32(0.5))
    assert (type(optimizer.lr), optimizer.lr) == (float, 0.1)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([], ValueError, "SGD: got an empty parameter list"),
        (Value(1.0), TypeError, "got a single Value; wrap it"),
        (3.0, TypeError, "SGD: params must be an iterable of Values, got float"),
        ([Value(1.0), 2.0], TypeError, r"SGD: params\[1\] must be a Value, got float 2.0"),
    ],
)
def test_params_errors(params, error, message):
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)


def test_duplicate_parameter_is_an_error():
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"params\[2\] is the same Value as params\[0\]"):
        SGD([w, Value(2.0), w], lr=0.1)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_gradient_raises_and_updates_nothing(bad):
    model = Neuron(2, seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for param in model.parameters():
        param.grad = 1.0
    model.w[1].grad = bad
    before = model.state_dict()
    with pytest.raises(FloatingPointError, match=rf"parameter 1 \(w\.1\) has gradient {bad!r}"):
        optimizer.step()
    assert model.state_dict() == before
    assert optimizer.momentum_buffers == [None, None, None]


def test_the_plain_step_takes_ints_values_and_a_sum_that_overflows():
    # regression for the one-loop plain step: it checks finiteness on the sum of the
    # gradients, so a sum that overflows while each gradient is finite must still step
    big = [Value(1.0), Value(2.0)]
    for param in big:
        param.grad = 1e308
    SGD(big, lr=1e-310).step()
    assert [p.data for p in big] == [1.0 - 1e-310 * 1e308, 2.0 - 1e-310 * 1e308]
    whole, held = Value(1.0), Value(3.0)
    whole.grad = 2  # an int, assigned by hand
    held.grad = Value(0.5)  # a Value, left by backward(create_graph=True)
    SGD([whole, held], lr=0.1).step()
    assert whole.data == 1.0 - 0.1 * 2 and held.data == 3.0 - 0.1 * 0.5
    assert type(held.data) is float
