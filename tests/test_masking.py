"""A zero local derivative passes zero, whatever arrives from upstream, on every path.

An adversarial review found NaN gradients where PyTorch gives 0 (inf * 0 in the
chain rule), NaN gradients sent to constants, and two ops whose derivative at
an edge differed from PyTorch's. Each test states the number PyTorch float64
gives and, when torch is installed, checks it against torch as well.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Constant, Value, compile_graph, detect_anomaly, grad, topological_order

INF = math.inf


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_gradients(build, point):
    """PyTorch float64's gradients of ``build(*tensors)``, or None without torch."""
    torch = torch_or_none()
    if torch is None:
        return None
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    build(torch, *tensors).backward()
    return [0.0 if tensor.grad is None else tensor.grad.item() for tensor in tensors]


def all_paths(build, point):
    """The gradients from backward, backward_steps, grad, and grad(create_graph=True)."""
    results = {}
    inputs = [Value(x, label=f"x{index}") for index, x in enumerate(point)]
    build(None, *inputs).backward()
    results["backward"] = [node.grad for node in inputs]
    inputs = [Value(x, label=f"x{index}") for index, x in enumerate(point)]
    for _step in build(None, *inputs).backward_steps():
        pass
    results["backward_steps"] = [node.grad for node in inputs]
    inputs = [Value(x, label=f"x{index}") for index, x in enumerate(point)]
    results["grad"] = list(grad(build(None, *inputs), inputs))
    return results


def relu_then_sqrt(torch, x):
    return torch.sqrt(torch.relu(x)) if torch else x.relu().sqrt()


def infinity_over_power_zero(torch, a, q):
    return a / q**0.0


class TestZeroLocalDerivativePassesZero:
    def test_sqrt_of_relu_below_zero_gives_zero_as_pytorch(self) -> None:
        # sqrt's local at relu's 0 output is inf; relu's local at -1 is 0: inf * 0 must be 0
        expected = [0.0]
        assert torch_gradients(relu_then_sqrt, [-1.0]) in (None, expected)
        for path, gradients in all_paths(relu_then_sqrt, [-1.0]).items():
            assert gradients == expected, path

    def test_infinity_over_a_power_zero_gives_zero_as_pytorch(self) -> None:
        # q ** 0.0 is the constant 1: its local derivative 0 masks the inf arriving at q
        expected_q = 0.0
        torch_result = torch_gradients(infinity_over_power_zero, [INF, 2.0])
        assert torch_result is None or torch_result[1] == expected_q
        for path, (a_grad, q_grad) in all_paths(infinity_over_power_zero, [INF, 2.0]).items():
            assert q_grad == expected_q, path
            assert a_grad == 1.0, path

    def test_create_graph_masks_an_infinite_upstream_at_relu(self) -> None:
        x, big = Value(-1.0, label="x"), Value(INF, label="big")
        (x_grad,) = grad(x.relu() * big, [x], create_graph=True)
        assert isinstance(x_grad, Value)
        assert x_grad.data == 0.0
        a, q = Value(INF), Value(2.0)
        q_grad, a_grad = grad(a / q**0.0, [q, a], create_graph=True)
        assert (q_grad.data, a_grad.data) == (0.0, 1.0)

    def test_create_graph_keeps_the_derivative_of_a_local_that_is_zero_here(self) -> None:
        # d/dx x**2 = 2x is 0 at x = 0, but its own derivative is 2: a finite upstream
        # times a zero local is recorded, not dropped
        x = Value(0.0, label="x")
        (slope,) = grad(x**2, [x], create_graph=True)
        assert grad(slope, [x]) == (2.0,)

    def test_a_nan_upstream_is_masked_too(self) -> None:
        x = Value(-2.0, label="x")
        out = x.relu() * Value(math.nan)
        out.backward()
        assert x.grad == 0.0

    def test_the_masked_step_shows_zero_as_its_contribution(self) -> None:
        x = Value(-1.0, label="x")
        steps = list(x.relu().sqrt().backward_steps())
        relu_step = steps[1]
        assert relu_step.node.op == "relu"
        assert relu_step.upstream == INF
        assert relu_step.contributions[0].local == 0.0
        assert relu_step.contributions[0].contribution == 0.0

    def test_compiled_replay_masks_as_the_scalar_engine(self) -> None:
        w = Value(1.0, label="w")
        program = compile_graph(lambda x: (w * x).relu().sqrt(), params=[("w", w)])
        loss, grads = program.run(np.array([-1.0, 4.0]))
        assert loss.tolist() == [0.0, 2.0]
        assert grads["w"].tolist() == [0.0, 1.0]
        assert program.check(0, np.array([-1.0, 4.0]))
        w.grad = 0.0
        program.accumulate(np.array([-1.0, 4.0]), reduction="sum")
        assert w.grad == 1.0

    def test_compiled_replay_of_infinity_over_a_power_zero(self) -> None:
        q = Value(2.0, label="q")
        program = compile_graph(lambda a: a / q**0.0, params=[("q", q)])
        _loss, grads = program.run(np.array([INF, 1.0]))
        assert grads["q"].tolist() == [0.0, 0.0]

    def test_a_finite_batch_runs_the_plain_program(self) -> None:
        w = Value(0.5, label="w")
        program = compile_graph(lambda x: (w * x).relu(), params=[("w", w)])
        program.run(np.array([1.0, -1.0]))
        assert program._masked_replay is None  # made only when a batch needs it


class TestConstantsNeverReceiveAGradient:
    def test_the_constant_in_sqrt_of_x_plus_one_gets_zero_not_nan(self) -> None:
        x = Value(-1.0, label="x")
        shifted = x + 1.0
        shifted.sqrt().backward()
        one = shifted.inputs[1]
        assert one.grad == 0.0
        assert x.grad == INF
        torch_result = torch_gradients(lambda torch, x: (x + 1.0).sqrt(), [-1.0])
        assert torch_result in (None, [INF])

    def test_anomaly_mode_raises_no_false_alarm_for_a_constant(self) -> None:
        x = Value(-1.0, label="x")
        with detect_anomaly():
            (x + 1.0).sqrt().backward()
        assert x.grad == INF

    def test_every_constant_gets_zero_when_inf_arrives_on_either_side(self) -> None:
        x = Value(-1.0, label="x")
        for inner in (x + 1.0, 1.0 + x, x * 2.0 + 2.0, 2.0 * x + 2.0, x / 0.5 + 2.0, -1.0 - x):
            out = inner.sqrt()  # at 0: sqrt's local derivative is inf
            out.backward()
            constants = [node for node in topological_order(out) if type(node) is Constant]
            assert constants
            assert [node.grad for node in constants] == [0.0] * len(constants)


class TestEdgesAsInPytorch:
    def test_relu_at_nan_passes_the_gradient(self) -> None:
        x = Value(math.nan, label="x")
        out = x.relu()
        assert math.isnan(out.data)
        assert out.local_grads == (1.0,)
        out.backward()
        assert x.grad == 1.0
        assert torch_gradients(lambda torch, x: torch.relu(x), [math.nan]) in (None, [1.0])

    def test_relu_at_nan_in_compiled_replay(self) -> None:
        w = Value(1.0, label="w")
        program = compile_graph(lambda x: (x + w).relu(), params=[("w", w)])
        loss, grads = program.run(np.array([math.nan, -3.0, 2.0]))
        # d relu(x + w)/dw is relu's local: 1 at NaN (as PyTorch), 0 below 0, 1 above
        assert grads["w"].tolist() == [1.0, 0.0, 1.0]
        assert math.isnan(loss[0])

    def test_sqrt_at_negative_zero_has_gradient_minus_infinity(self) -> None:
        x = Value(-0.0, label="x")
        out = x.sqrt()
        assert math.copysign(1.0, out.data) == -1.0
        out.backward()
        assert x.grad == -INF
        assert torch_gradients(lambda torch, x: torch.sqrt(x), [-0.0]) in (None, [-INF])
        positive = Value(0.0)
        positive.sqrt().backward()
        assert positive.grad == INF

    def test_sqrt_at_negative_zero_in_compiled_replay(self) -> None:
        w = Value(0.0, label="w")
        program = compile_graph(lambda x: (x - w).sqrt(), params=[("w", w)])
        _loss, grads = program.run(np.array([-0.0]))
        # x - w is -0.0: d sqrt/d(x - w) = -inf, times d(x - w)/dw = -1, gives inf
        scalar_w = Value(0.0)
        (Value(-0.0) - scalar_w).sqrt().backward()
        assert grads["w"].tolist() == [scalar_w.grad] == [INF]


class TestLog1p:
    def test_log1p_keeps_what_log_of_one_plus_loses(self) -> None:
        x = Value(1e-17, label="x")
        out = x.log1p()
        out.backward()
        assert out.data == 1e-17
        assert (1.0 + x).log().data == 0.0
        assert x.grad == 1.0

    def test_log1p_refuses_minus_one_naming_the_input(self) -> None:
        with pytest.raises(
            ValueError, match=r"op 'log1p': math domain error: input t=-1.0 must be"
        ):
            Value(-1.0, label="t").log1p()
