"""to_torch, from_torch and torch state dicts: round trips, equal outputs and gradients, errors."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron, mse_loss


def _torch_key(name, activation, layers):
    """Our name -> (torch key, index), written out independently of nn/torch_bridge.py."""
    parts = name.split(".")
    if parts[0] == "layers":
        layer = int(parts[1])
        position = layer * 2 if activation is not None and layers > 1 else layer
        neuron = int(parts[3])
        rest = parts[4:]
    elif parts[0] == "neurons":
        position, neuron, rest = 0, int(parts[1]), parts[2:]
    else:
        position, neuron, rest = 0, 0, parts
    if rest[0] == "w":
        return f"{position}.weight", (neuron, int(rest[1]))
    return f"{position}.bias", (neuron,)


ARCHITECTURES = [
    (2, [16, 16, 1], "relu"),
    (3, [4, 5, 2], "tanh"),
    (2, [3, 1], "sigmoid"),
    (4, [3, 3, 3], None),
    (3, [2], "relu"),
]


@pytest.mark.parametrize(("nin", "nouts", "activation"), ARCHITECTURES, ids=str)
def test_to_torch_round_trip_outputs_and_gradients(nin, nouts, activation):
    torch = pytest.importorskip("torch")
    model = MLP(nin, nouts, activation, seed=3)
    sequential = model.to_torch()

    expected_types = []
    for index in range(len(nouts)):
        expected_types.append("Linear")
        if index < len(nouts) - 1 and activation is not None:
            expected_types.append(
                {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}[activation]
            )
    assert [type(module).__name__ for module in sequential] == expected_types
    assert all(param.dtype == torch.float64 for param in sequential.parameters())

    # every parameter sits where the documented name mapping says
    torch_state = sequential.state_dict()
    for name, value in model.state_dict().items():
        key, index = _torch_key(name, activation, len(nouts))
        assert torch_state[key][index].item() == value, name

    # ours -> torch -> ours: the identical state_dict, and the same repr
    back = MLP.from_torch(sequential)
    assert back.state_dict() == model.state_dict()
    assert list(back.state_dict()) == list(model.state_dict())
    if len(nouts) > 1:
        assert repr(back) == repr(model)

    # forward outputs and the gradients of a loss equal on both engines
    rng = np.random.default_rng(4)
    points = rng.uniform(-2, 2, (5, nin))
    targets = rng.normal(size=(5, nouts[-1]))
    outputs = [model(x) for x in points.tolist()]
    outputs = [[output] if isinstance(output, Value) else output for output in outputs]
    torch_outputs = sequential(torch.tensor(points))
    np.testing.assert_allclose(
        [[o.data for o in row] for row in outputs], torch_outputs.tolist(), rtol=1e-12, atol=1e-14
    )
    loss = mse_loss([o for row in outputs for o in row], targets.ravel().tolist())
    loss.backward()
    torch_loss = torch.nn.functional.mse_loss(torch_outputs, torch.tensor(targets))
    torch_loss.backward()
    assert loss.data == pytest.approx(torch_loss.item(), rel=1e-12)
    torch_grads = {name: param.grad for name, param in sequential.named_parameters()}
    for name, param in model.named_parameters():
        key, index = _torch_key(name, activation, len(nouts))
        assert param.grad == pytest.approx(torch_grads[key][index].item(), rel=1e-11, abs=1e-14)


def test_to_torch_copies_and_leaves_torchs_random_state_alone():
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    rng_state = torch.get_rng_state()
    sequential = model.to_torch()
    assert torch.equal(torch.get_rng_state(), rng_state)
    with torch.no_grad():
        sequential[0].weight.add_(1.0)
    assert model.state_dict() == before  # the torch module holds copies


def test_training_goes_on_in_torch_and_comes_back():
    torch = pytest.importorskip("torch")
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    sequential = model.to_torch()
    optimizer = torch.optim.SGD(sequential.parameters(), lr=0.1)
    x = torch.tensor([[0.5, -1.0], [1.0, 2.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [-1.0]], dtype=torch.float64)
    for _step in range(3):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(sequential(x), y).backward()
        optimizer.step()
    model.load_state_dict(sequential.state_dict())
    assert model([0.5, -1.0]).data == pytest.approx(sequential(x)[0, 0].item(), rel=1e-13)
    assert MLP.from_torch(sequential).state_dict() == model.state_dict()


def test_load_state_dict_accepts_float32_tensors():
    torch = pytest.importorskip("torch")
    sequential = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    model = MLP(2, [3, 1], seed=0)
    model.load_state_dict(sequential.state_dict())
    assert model.state_dict()["layers.0.neurons.2.w.1"] == sequential[0].weight[2, 1].item()
    assert MLP.from_torch(sequential).state_dict() == model.state_dict()


@pytest.mark.parametrize("module", [Layer(3, 2, "tanh", seed=0), Neuron(3, "sigmoid", seed=0)])
def test_layer_and_neuron_to_torch(module):
    torch = pytest.importorskip("torch")
    sequential = module.to_torch()
    assert [type(m).__name__ for m in sequential] == ["Linear", type(sequential[1]).__name__]
    x = [0.2, -0.4, 0.9]
    ours = module(x)
    ours = [ours] if isinstance(ours, Value) else ours
    theirs = sequential(torch.tensor(x, dtype=torch.float64)).tolist()
    np.testing.assert_allclose([o.data for o in ours], theirs, rtol=1e-13)
    copy = type(module)(3, *([2] if isinstance(module, Layer) else []), seed=9)
    copy.load_state_dict(sequential.state_dict())
    assert copy.state_dict() == module.state_dict()


def test_torch_state_dict_as_nested_lists_needs_no_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    model = MLP(2, [2, 1], seed=0)
    model.load_state_dict(
        {
            "0.weight": [[1.0, 2.0], [3.0, 4.0]],
            "0.bias": [0.5, 0.25],
            "2.weight": [[1.0, -1.0]],
            "2.bias": [0.0],
        }
    )
    assert model.state_dict() == {
        "layers.0.neurons.0.w.0": 1.0,
        "layers.0.neurons.0.w.1": 2.0,
        "layers.0.neurons.0.b": 0.5,
        "layers.0.neurons.1.w.0": 3.0,
        "layers.0.neurons.1.w.1": 4.0,
        "layers.0.neurons.1.b": 0.25,
        "layers.1.neurons.0.w.0": 1.0,
        "layers.1.neurons.0.w.1": -1.0,
        "layers.1.neurons.0.b": 0.0,
    }


# ---- without torch ----


def test_without_torch_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now fails, as if not installed
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(
        ImportError,
        match=r"MLP\.to_torch\(\) needs PyTorch, which is not installed: pip install torch",
    ):
        model.to_torch()
    with pytest.raises(ImportError, match=r"Neuron\.to_torch\(\) needs PyTorch.*pip install torch"):
        Neuron(2, seed=0).to_torch()
    with pytest.raises(ImportError, match=r"MLP\.from_torch\(\) needs PyTorch.*pip install torch"):
        MLP.from_torch(object())


def test_import_nn_does_not_import_torch():
    import subprocess

    code = "import sys, nn; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# ---- errors ----


def test_a_module_without_a_torch_form():
    class Line(Module):
        def __init__(self):
            self.slope = Value(1.0)

        def named_parameters(self):
            return [("slope", self.slope)]

    with pytest.raises(
        NotImplementedError, match=r"Line\.to_torch\(\): only Neuron, Layer and MLP"
    ):
        Line().to_torch()
    # a torch-looking key on such a module is just an unexpected key
    with pytest.raises(ValueError, match=r"unexpected key '0\.weight'"):
        Line().load_state_dict({"slope": 1.0, "0.weight": 2.0})


def _sequential(torch, *modules):
    return torch.nn.Sequential(*modules)


FROM_TORCH_ERRORS = [
    (
        lambda nn: nn.Linear(2, 1),
        TypeError,
        r"expected a torch\.nn\.Sequential .*got Linear; wrap it",
    ),
    (lambda nn: [nn.Linear(2, 1)], TypeError, r"expected a torch\.nn\.Sequential .*got list"),
    (lambda nn: nn.Sequential(), ValueError, r"the Sequential has no Linear layer"),
    (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)),
        ValueError,
        r"MLP\.from_torch: \[1\] GELU is not supported; an MLP is Linear layers with ReLU, Tanh",
    ),
    (
        lambda nn: nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1)),
        ValueError,
        r"\[0\] Linear has no bias \(bias=False\)",
    ),
    (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(4, 1)),
        ValueError,
        r"\[2\] Linear takes 4 inputs but the layer before gives 3",
    ),
    (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU()),
        ValueError,
        r"the Sequential ends with ReLU; the last layer of an MLP is linear",
    ),
    (
        lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 3)),
        ValueError,
        r"\[0\] ReLU must follow a Linear",
    ),
    (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh(), nn.Linear(3, 1)),
        ValueError,
        r"\[2\] Tanh must follow a Linear",
    ),
    (
        lambda nn: nn.Sequential(
            nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)
        ),
        ValueError,
        r"the hidden layers use different activations \(relu, tanh\)",
    ),
    (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Linear(3, 1)),
        ValueError,
        r"\[3\] Linear follows a Linear with no activation between",
    ),
    (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1)),
        ValueError,
        r"2 hidden layers but 1 activations",
    ),
]


@pytest.mark.parametrize(("make", "error", "message"), FROM_TORCH_ERRORS)
def test_from_torch_errors(make, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        MLP.from_torch(make(torch.nn))


def test_from_torch_without_activations_and_with_one_layer():
    torch = pytest.importorskip("torch")
    linear_stack = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    model = MLP.from_torch(linear_stack)
    assert repr(model) == "MLP(2 -> [3] -> 1, activation=None)"
    assert [type(m).__name__ for m in model.to_torch()] == ["Linear", "Linear"]
    assert repr(MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(4, 2)))) == "MLP(4 -> 2)"


def test_torch_state_dict_errors_change_nothing():
    torch = pytest.importorskip("torch")
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    good = model.to_torch().state_dict()
    cases = [
        (
            {key: value for key, value in good.items() if key != "2.bias"},
            r"looks like a PyTorch state dict .* does not fit this model: missing '2\.bias'",
        ),
        ({**good, "4.weight": torch.zeros(1, 1)}, r"unexpected '4\.weight'"),
        (
            {**good, "0.weight": torch.zeros(3, 3)},
            r"'0\.weight' has shape \(3, 3\), expected \(3, 2\)",
        ),
        ({**good, "2.bias": torch.zeros(())}, r"'2\.bias' has shape \(\), expected \(1,\)"),
        (
            {**good, "2.bias": [None]},
            r"'2\.bias' must hold numbers of shape \(1,\), found a NoneType",
        ),
        (
            {**good, "0.weight": [[1.0, 2.0], [3.0], [4.0, 5.0]]},
            r"'0\.weight' must hold numbers of shape \(3, 2\), found rows of different lengths",
        ),
        (
            {**good, "0.weight": torch.full((3, 2), math.nan, dtype=torch.float64)},
            r"values that are not finite numbers: 'layers\.0\.neurons\.0\.w\.0'=nan",
        ),
    ]
    for state, message in cases:
        with pytest.raises(ValueError, match=message):
            model.load_state_dict(state)
        assert model.state_dict() == before
