"""nn modules and the MSE loss: names, seeds, forward values, gradients against oracles, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Constant, Value, gradcheck
from nn import MLP, Layer, Module, MSELoss, Neuron, mse_loss

ACTIVATION_FUNCTIONS = {
    "relu": lambda z: max(z, 0.0),
    "tanh": math.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    None: lambda z: z,
}


# ---- names, seeding, reprs ----


def test_neuron_named_parameters():
    neuron = Neuron(3, seed=0)
    assert [name for name, _param in neuron.named_parameters()] == ["w.0", "w.1", "w.2", "b"]
    assert neuron.parameters() == [*neuron.w, neuron.b]


def test_mlp_dotted_names_are_stable_and_in_order():
    model = MLP(2, [16, 16, 1], seed=0)
    names = [name for name, _param in model.named_parameters()]
    assert len(names) == len(set(names)) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert "layers.1.neurons.3.w.1" in names
    assert names[-1] == "layers.2.neurons.0.b"
    assert names == [name for name, _param in MLP(2, [16, 16, 1], seed=5).named_parameters()]


def test_parameters_are_labelled_with_their_names():
    model = MLP(2, [3, 1], seed=0)
    for name, param in model.named_parameters():
        assert param.label == name
    layer = Layer(2, 2, seed=0)
    assert [param.label for param in layer.parameters()][:3] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.b",
    ]


def test_parameters_are_distinct_leaves():
    params = MLP(3, [4, 4, 2], seed=0).parameters()
    assert len(set(params)) == len(params)
    assert all(param.is_leaf and param.grad == 0.0 for param in params)


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: Neuron(4, seed=seed),
        lambda seed: Layer(3, 5, "tanh", seed=seed),
        lambda seed: MLP(2, [16, 16, 1], seed=seed),
    ],
    ids=["Neuron", "Layer", "MLP"],
)
def test_same_seed_same_parameters_different_seed_different(make):
    assert make(7).state_dict() == make(7).state_dict()
    assert make(7).state_dict() != make(8).state_dict()
    # no seed: fresh randomness each time
    assert make(None).state_dict() != make(None).state_dict()


def test_a_seed_leaves_the_global_random_state_alone():
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    MLP(2, [4, 1], seed=1)
    Neuron(3, seed=2)
    assert random.random() == expected


@pytest.mark.parametrize("make", [lambda: MLP(2, [4, 1]), lambda: Layer(3, 2), lambda: Neuron(3)])
def test_without_a_seed_random_seed_makes_the_start_repeatable(make):
    # micrograd's demo calls random.seed(1337) and then builds its MLP with no seed
    import random

    random.seed(1337)
    first = make().state_dict()
    random.seed(1337)
    assert make().state_dict() == first
    random.seed(1338)
    assert make().state_dict() != first


def test_initialization_is_bounded_like_torch_linear():
    model = MLP(4, [16, 1], seed=0)
    for layer in model.layers:
        bound = 1.0 / math.sqrt(layer.nin)
        values = [param.data for param in layer.parameters()]
        assert all(-bound <= value <= bound for value in values)
        assert len(set(values)) == len(values)


def test_neurons_in_a_layer_start_different():
    layer = Layer(2, 3, seed=0)
    starts = [tuple(param.data for param in neuron.parameters()) for neuron in layer.neurons]
    assert len(set(starts)) == 3


def test_reprs():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 -> [16, 16] -> 1)"
    assert repr(MLP(3, [1])) == "MLP(3 -> 1)"
    assert repr(MLP(2, [8, 2], activation="tanh")) == "MLP(2 -> [8] -> 2, activation='tanh')"
    assert repr(Layer(2, 16)) == "Layer(2 -> 16, activation='relu')"
    assert repr(Neuron(1, activation=None)) == "Neuron(1, activation=None)"
    assert repr(MSELoss()) == "MSELoss()"


def test_mlp_layer_activations():
    model = MLP(2, [4, 3, 1], activation="sigmoid", seed=0)
    assert [layer.activation for layer in model.layers] == ["sigmoid", "sigmoid", None]
    assert [(layer.nin, layer.nout) for layer in model.layers] == [(2, 4), (4, 3), (3, 1)]


def test_subclassed_module_gets_everything_from_named_parameters():
    class Line(Module):
        def __init__(self):
            self.slope = Value(2.0)
            self.intercept = Value(1.0)

        def named_parameters(self):
            return [("slope", self.slope), ("intercept", self.intercept)]

    line = Line()
    line.slope.grad = 5.0
    line.zero_grad()
    assert line.slope.grad == 0.0
    line.load_state_dict({"slope": -1.0, "intercept": 0.5})
    assert line.state_dict() == {"slope": -1.0, "intercept": 0.5}
    assert Module().parameters() == []


# ---- forward values ----


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", None])
def test_neuron_forward_matches_formula(activation):
    neuron = Neuron(3, activation, seed=1)
    x = [0.5, -1.25, 2.0]
    z = sum(w.data * x_i for w, x_i in zip(neuron.w, x, strict=True)) + neuron.b.data
    assert neuron(x).data == pytest.approx(ACTIVATION_FUNCTIONS[activation](z), rel=1e-15)


def test_neuron_accepts_values_numpy_and_tuples():
    neuron = Neuron(2, activation=None, seed=0)
    neuron.load_state_dict({"w.0": 2.0, "w.1": -3.0, "b": 0.5})
    expected = 2.0 * 1.5 - 3.0 * 4.0 + 0.5
    assert neuron([1.5, 4.0]).data == expected
    assert neuron((Value(1.5), 4)).data == expected
    assert neuron(np.array([1.5, 4.0])).data == expected
    assert neuron([np.float32(1.5), np.int64(4)]).data == expected


def test_layer_always_returns_a_list():
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 1
    assert isinstance(out[0], Value)


def test_width_one_hidden_layer_works():
    model = MLP(2, [1, 3], seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 3


def test_mlp_returns_single_value_for_one_output():
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)


def test_mlp_forward_matches_numpy():
    model = MLP(3, [5, 4, 2], activation="tanh", seed=3)
    x = np.array([0.3, -0.7, 1.1])
    hidden = x
    for layer in model.layers:
        weights = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
        biases = np.array([neuron.b.data for neuron in layer.neurons])
        hidden = weights @ hidden + biases
        if layer.activation == "tanh":
            hidden = np.tanh(hidden)
    got = [value.data for value in model(x.tolist())]
    np.testing.assert_allclose(got, hidden, rtol=1e-13, atol=1e-15)


def test_layer_shares_one_constant_per_number_input():
    # a number input becomes one constant leaf that every neuron of the layer reads
    layer = Layer(2, 3, activation=None, seed=0)
    outputs = layer([1.0, 2.0])
    constants = set()
    for output in outputs:
        stack = [output]
        while stack:
            node = stack.pop()
            if isinstance(node, Constant):
                constants.add(node)
            stack.extend(node.inputs)
    assert sorted(constant.data for constant in constants) == [1.0, 2.0]


# ---- mse_loss ----


def test_mse_loss_value_and_gradient():
    preds = [Value(1.0), Value(2.0), Value(-1.0)]
    targets = [0.0, 4.0, -1.5]
    loss = mse_loss(preds, targets)
    assert loss.data == pytest.approx((1.0 + 4.0 + 0.25) / 3, rel=1e-15)
    loss.backward()
    expected = [2 * (p.data - t) / 3 for p, t in zip(preds, targets, strict=True)]
    assert [p.grad for p in preds] == pytest.approx(expected, rel=1e-15)


def test_mse_loss_single_values_and_numbers():
    pred = Value(3.0)
    loss = mse_loss(pred, 1.0)
    assert loss.data == 4.0
    loss.backward()
    assert pred.grad == 4.0
    assert mse_loss(3.0, 1.0).data == 4.0
    assert mse_loss(2.0, Value(2.5)).data == 0.25
    assert mse_loss(np.array([1.0, 2.0]), [1.0, 4.0]).data == 2.0


def test_mse_loss_of_values_on_both_sides():
    pred, target = Value(1.0), Value(4.0)
    mse_loss([pred], [target]).backward()
    assert (pred.grad, target.grad) == (-6.0, 6.0)


def test_mse_loss_class_is_the_function():
    preds = [Value(0.5), Value(1.5)]
    assert MSELoss()(preds, [1.0, 1.0]).data == mse_loss(preds, [1.0, 1.0]).data


def test_mse_loss_gradcheck():
    def loss(a, b, c):
        return mse_loss([a * b, b.tanh(), c], [0.3, -0.2, a])

    assert gradcheck(loss, [0.7, -1.3, 2.1])


@pytest.mark.parametrize(
    ("pred", "target", "message"),
    [
        ([1.0, 2.0], [1.0], "pred has 2 values but target has 1"),
        ([], [], "empty"),
        (Value(1.0), [1.0, 2.0], "both be single values or both be sequences"),
        ([1.0], 2.0, "both be single values or both be sequences"),
    ],
)
def test_mse_loss_shape_errors(pred, target, message):
    with pytest.raises(ValueError, match=message):
        mse_loss(pred, target)


@pytest.mark.parametrize(
    ("pred", "target", "message"),
    [
        ([1.0, "a"], [1.0, 2.0], r"pred\[1\] must be a number or a Value, got str 'a'"),
        ([1.0, 2.0], [None, 2.0], r"target\[0\] must be a number or a Value, got NoneType"),
        ("ab", [1.0, 2.0], "pred must be a number, a Value or a sequence"),
        (object(), 1.0, "pred must be a number or a Value, got object"),
    ],
)
def test_mse_loss_type_errors(pred, target, message):
    with pytest.raises(TypeError, match=message):
        mse_loss(pred, target)


# ---- constructor and call errors ----


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Neuron(0), ValueError, "Neuron: nin must be >= 1, got 0"),
        (lambda: Neuron(2.0), TypeError, "Neuron: nin must be an int, got float 2.0"),
        (lambda: Neuron(True), TypeError, "Neuron: nin must be an int, got bool"),
        (lambda: Neuron(2, "softmax"), ValueError, "activation must be one of .* got 'softmax'"),
        (lambda: Neuron(2, seed=1.5), TypeError, "Neuron: seed must be an int or None"),
        (lambda: Layer(2, -1), ValueError, "Layer: nout must be >= 1, got -1"),
        (lambda: Layer(2, 3, activation="ReLU"), ValueError, "got 'ReLU'"),
        (lambda: MLP(2, []), ValueError, "MLP: nouts must be a non-empty list"),
        (lambda: MLP(2, 16), ValueError, "MLP: nouts must be a non-empty list .* got 16"),
        (lambda: MLP(2, [16, 0, 1]), ValueError, r"MLP: nouts\[1\] must be >= 1, got 0"),
        (lambda: MLP(2, [16, "1"]), TypeError, r"MLP: nouts\[1\] must be an int, got str"),
        (lambda: MLP(2, [4, 1], activation=["relu"]), ValueError, "activation must be one of"),
        (lambda: MLP(2, [4, 1], seed="abc"), TypeError, "MLP: seed must be an int or None"),
    ],
)
def test_constructor_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("module", "x", "error", "message"),
    [
        (Neuron(2, seed=0), [1.0], ValueError, "Neuron expects 2 inputs, got 1"),
        (Neuron(2, seed=0), [1.0, 2.0, 3.0], ValueError, "Neuron expects 2 inputs, got 3"),
        (Neuron(1, seed=0), 3.0, TypeError, "Neuron expects a sequence of 1 numbers or Values"),
        (Neuron(2, seed=0), [1.0, "x"], TypeError, "Neuron: input 1 must be a number or a Value"),
        (Layer(3, 2, seed=0), [1.0, 2.0], ValueError, "Layer expects 3 inputs, got 2"),
        (Layer(2, 2, seed=0), [None, 2.0], TypeError, "Layer: input 0 must be a number or a Value"),
        (MLP(2, [4, 1], seed=0), [1.0], ValueError, "MLP expects 2 inputs, got 1"),
        (MLP(2, [4, 1], seed=0), Value(1.0), TypeError, "MLP expects a sequence of 2"),
    ],
)
def test_call_errors(module, x, error, message):
    with pytest.raises(error, match=message):
        module(x)


# ---- gradients: central differences ----


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", None])
def test_mlp_gradients_match_central_differences(activation):
    """d loss / d param for every parameter of a small MLP, through gradcheck."""
    model = MLP(2, [3, 2], activation=activation, seed=11)
    points = [[0.4, -0.9], [-1.2, 0.3], [0.8, 0.6]]
    targets = [[0.5, -0.5], [1.0, 0.0], [-0.3, 0.2]]

    def loss_of(*values):
        return _functional_mlp(model, values, points, targets)

    start = [param.data for param in model.parameters()]
    assert gradcheck(loss_of, start, atol=1e-6, rtol=1e-4)


def _functional_mlp(model, values, points, targets):
    """The model's MSE over ``points`` with its parameters replaced by ``values``, in order."""
    originals = [(neuron, neuron.w, neuron.b) for layer in model.layers for neuron in layer.neurons]
    position = 0
    for neuron, _w, _b in originals:
        nin = neuron.nin
        neuron.w = list(values[position : position + nin])
        neuron.b = values[position + nin]
        position += nin + 1
    try:
        preds = []
        flat_targets = []
        for x, target in zip(points, targets, strict=True):
            preds.extend(model(x))
            flat_targets.extend(target)
        return mse_loss(preds, flat_targets)
    finally:
        for neuron, w, b in originals:
            neuron.w = w
            neuron.b = b


# ---- gradients: PyTorch float64 ----


def _torch_mlp(model, torch):
    layers = []
    for layer in model.layers:
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
        activation = {
            "relu": torch.nn.ReLU(),
            "tanh": torch.nn.Tanh(),
            "sigmoid": torch.nn.Sigmoid(),
        }
        if layer.activation is not None:
            layers.append(activation[layer.activation])
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_loss_and_gradients_match_torch(activation):
    torch = pytest.importorskip("torch")
    model = MLP(2, [16, 16, 1], activation=activation, seed=4)
    reference = _torch_mlp(model, torch)
    rng = np.random.default_rng(0)
    points = rng.uniform(-2, 2, (20, 2))
    targets = rng.choice([-1.0, 1.0], 20)

    loss = mse_loss([model(x) for x in points.tolist()], targets.tolist())
    loss.backward()
    torch_loss = torch.nn.functional.mse_loss(
        reference(torch.tensor(points)).squeeze(1), torch.tensor(targets)
    )
    torch_loss.backward()

    assert loss.data == pytest.approx(torch_loss.item(), rel=1e-12)
    torch_grads = []
    for module in reference:
        if isinstance(module, torch.nn.Linear):
            for row, bias in zip(
                module.weight.grad.tolist(), module.bias.grad.tolist(), strict=True
            ):
                torch_grads.extend([*row, bias])
    np.testing.assert_allclose(
        [param.grad for param in model.parameters()], torch_grads, rtol=1e-10, atol=1e-14
    )


def test_mse_loss_matches_torch():
    torch = pytest.importorskip("torch")
    preds = [Value(x) for x in (0.3, -1.2, 2.5, 0.0)]
    targets = [1.0, -1.0, 2.0, 0.5]
    loss = mse_loss(preds, targets)
    loss.backward()
    torch_preds = torch.tensor([p.data for p in preds], dtype=torch.float64, requires_grad=True)
    torch_loss = torch.nn.MSELoss()(torch_preds, torch.tensor(targets, dtype=torch.float64))
    torch_loss.backward()
    assert loss.data == pytest.approx(torch_loss.item(), rel=1e-15)
    np.testing.assert_allclose([p.grad for p in preds], torch_preds.grad.tolist(), rtol=1e-15)


# ---- properties ----

finite = st.floats(-10, 10, allow_nan=False)


@settings(deadline=None, max_examples=40)
@given(
    weights=st.lists(finite, min_size=3, max_size=3),
    x=st.lists(finite, min_size=2, max_size=2),
    target=finite,
)
def test_linear_neuron_gradient_is_the_textbook_formula(weights, x, target):
    """prediction p = w . x + b, loss (p - y)**2: d/dw_i = 2 (p - y) x_i and d/db = 2 (p - y)."""
    neuron = Neuron(2, activation=None, seed=0)
    neuron.load_state_dict({"w.0": weights[0], "w.1": weights[1], "b": weights[2]})
    loss = mse_loss(neuron(x), target)
    loss.backward()
    residual = neuron(x).data - target
    assert neuron.w[0].grad == pytest.approx(2 * residual * x[0], rel=1e-12, abs=1e-12)
    assert neuron.w[1].grad == pytest.approx(2 * residual * x[1], rel=1e-12, abs=1e-12)
    assert neuron.b.grad == pytest.approx(2 * residual, rel=1e-12, abs=1e-12)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**64 - 1))
def test_zero_grad_clears_every_parameter(seed):
    model = MLP(2, [3, 1], seed=seed)
    model([1.0, -1.0]).backward()
    model.zero_grad()
    assert all(param.grad == 0.0 for param in model.parameters())
