"""nn at its edges: optimizers after create_graph, named torch Sequentials, unordered loss inputs.

Found by an adversarial review; each test is named for what it protects.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, AdamW, clip_grad_norm_, mse_loss
from nn.loss import binary_cross_entropy_with_logits, cross_entropy, hinge_loss


def quadratic_with_graph_grads(model: MLP) -> None:
    """One backward(create_graph=True): every parameter's .grad becomes a Value."""
    loss = mse_loss([model([0.5, -1.0]), model([1.5, 2.0])], [1.0, -1.0])
    loss.backward(create_graph=True)
    assert all(isinstance(param.grad, Value) for param in model.parameters())


def plain_grads(model: MLP) -> list[float]:
    twin = MLP(2, [3, 1], activation="tanh", seed=7)
    twin.load_state_dict(model.state_dict())
    loss = mse_loss([twin([0.5, -1.0]), twin([1.5, 2.0])], [1.0, -1.0])
    loss.backward()
    return [param.grad for param in twin.parameters()]


OPTIMIZERS = {
    "Adam": lambda params: Adam(params, lr=0.01),
    "AdamW": lambda params: AdamW(params, lr=0.01),
    "Adam amsgrad": lambda params: Adam(params, lr=0.01, amsgrad=True),
    "AdamW amsgrad weight_decay": lambda params: AdamW(params, lr=0.01, amsgrad=True),
    "SGD momentum": lambda params: SGD(params, lr=0.01, momentum=0.9, weight_decay=0.1),
}


class TestOptimizersAfterCreateGraph:
    @pytest.mark.parametrize("name", sorted(OPTIMIZERS))
    def test_steps_by_the_gradients_number_and_keeps_floats(self, name: str, tmp_path) -> None:
        model = MLP(2, [3, 1], activation="tanh", seed=7)
        twin = MLP(2, [3, 1], activation="tanh", seed=7)
        quadratic_with_graph_grads(model)
        expected_grads = plain_grads(model)
        for param, grad in zip(twin.parameters(), expected_grads, strict=True):
            param.grad = grad
        optimizer, twin_optimizer = (
            OPTIMIZERS[name](model.parameters()),
            OPTIMIZERS[name](twin.parameters()),
        )
        for _step in range(3):
            optimizer.step()
            twin_optimizer.step()
        assert [type(param.data) for param in model.parameters()] == [float] * 13
        assert [param.data for param in model.parameters()] == [
            param.data for param in twin.parameters()
        ]
        for state in ("exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs", "momentum_buffers"):
            for number in getattr(optimizer, state, []):
                assert number is None or type(number) is float, (state, number)
        path = model.save(tmp_path / "model.json")
        assert json.loads(path.read_text())  # the state is plain numbers again

    @pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
    def test_clip_grad_norm_reads_value_gradients_as_numbers(self, norm_type: float) -> None:
        model = MLP(2, [3, 1], activation="tanh", seed=7)
        quadratic_with_graph_grads(model)
        numbers = plain_grads(model)
        expected = (
            max(abs(g) for g in numbers)
            if norm_type == math.inf
            else sum(abs(g) ** norm_type for g in numbers) ** (1.0 / norm_type)
        )
        total = clip_grad_norm_(model.parameters(), max_norm=0.01, norm_type=norm_type)
        assert type(total) is float
        assert math.isclose(total, expected, rel_tol=1e-12)
        clipped = [param.grad.data for param in model.parameters()]
        scale = 0.01 / (expected + 1e-6)
        assert clipped == pytest.approx([g * scale for g in numbers], rel=1e-12)


class TestFromTorchNames:
    def test_a_sequential_of_named_modules_is_accepted(self) -> None:
        torch = pytest.importorskip("torch")
        torch.manual_seed(0)
        sequential = torch.nn.Sequential(
            OrderedDict(
                fc1=torch.nn.Linear(2, 3, dtype=torch.float64),
                act=torch.nn.Tanh(),
                fc2=torch.nn.Linear(3, 1, dtype=torch.float64),
            )
        )
        model = MLP.from_torch(sequential)
        assert model.nouts == [3, 1]
        assert model.activation == "tanh"
        point = [0.5, -1.0]
        expected = sequential(torch.tensor(point, dtype=torch.float64)).item()
        assert math.isclose(model(point).data, expected, rel_tol=1e-12)

    def test_an_unsupported_named_module_is_named_with_its_position(self) -> None:
        torch = pytest.importorskip("torch")
        sequential = torch.nn.Sequential(
            OrderedDict(fc1=torch.nn.Linear(2, 3), drop=torch.nn.Dropout())
        )
        with pytest.raises(ValueError, match=r"\[1: 'drop'\] Dropout is not supported"):
            MLP.from_torch(sequential)

    def test_a_bool_in_a_weight_list_is_reported_as_a_bool(self) -> None:
        model = MLP(2, [1], seed=0)
        before = model.state_dict()
        with pytest.raises(ValueError) as caught:
            model.load_state_dict({"0.weight": [[1.0, True]], "0.bias": [0.0]})
        message = str(caught.value)
        assert "a bool (True)" in message
        assert "rows of different lengths" not in message
        assert model.state_dict() == before


class TestLossesRefuseUnorderedInputs:
    @pytest.mark.parametrize(
        ("loss", "pred", "target", "named"),
        [
            (mse_loss, {5.0: "a"}, [5.0], "pred must be .* got a dict"),
            (mse_loss, [1.0, 2.0], {1.0, 2.0}, "target must be .* got a set"),
            (binary_cross_entropy_with_logits, frozenset({0.5}), [1.0], "logit .* frozenset"),
            (hinge_loss, [1.0], {1.0: 2}, "target .* got a dict"),
            (cross_entropy, {0: 1.0, 1: 2.0}, 0, "logits .* got a dict"),
            (cross_entropy, [[1.0, 2.0]], {0}, "target .* got a set"),
            (cross_entropy, [{0: 1.0, 1: 2.0}], [0], r"logits\[0\] .* got a dict"),
        ],
    )
    def test_a_dict_or_a_set_is_a_type_error_naming_its_type(self, loss, pred, target, named):
        with pytest.raises(TypeError, match=named):
            loss(pred, target)

    def test_a_dict_view_of_values_is_still_refused_as_unordered_keys_are(self) -> None:
        with pytest.raises(TypeError, match="dict_keys"):
            mse_loss({1.0: 0}.keys(), [1.0])


class TestBinaryCrossEntropyKeepsTinyLosses:
    @pytest.mark.parametrize(("logit", "target"), [(37.0, 1.0), (30.0, 1.0), (-37.0, 0.0)])
    def test_a_confident_right_prediction_keeps_its_tiny_loss(self, logit, target) -> None:
        loss = binary_cross_entropy_with_logits(Value(logit), target)
        expected = math.log1p(math.exp(-abs(logit)))  # 8.533e-17 at |z| = 37
        assert loss.data == expected
        assert loss.data > 0.0

    def test_equals_pytorch_where_pytorch_keeps_it(self) -> None:
        torch = pytest.importorskip("torch")
        for logit, target in [(37.0, 1.0), (3.0, 0.3), (-800.0, 1.0), (0.0, 0.5)]:
            ours = binary_cross_entropy_with_logits(Value(logit), target).data
            theirs = torch.nn.functional.binary_cross_entropy_with_logits(
                torch.tensor(logit, dtype=torch.float64), torch.tensor(target, dtype=torch.float64)
            ).item()
            assert math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-300), (logit, target)
