"""Node names: a label, or the sub-expression that computed the node, short and shared."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, topological_order
from autograd.names import node_names, operation_form, parameter_names
from nn import MLP, Neuron, mse_loss

FUNCTIONS = {"tanh": math.tanh, "exp": math.exp, "sigmoid": lambda a: 1 / (1 + math.exp(-a))}


def test_the_readme_expression_is_named_as_written():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    product = a * b
    square = b**2
    total = product + square
    out = total.tanh()
    names = node_names(out)
    assert names[product] == "a*b"
    assert names[square] == "b**2"
    assert names[total] == "a*b + b**2"
    assert names[out] == "tanh(a*b + b**2)"
    assert names[square.inputs[1]] == "2"  # the constant exponent, by its value


def test_the_debugging_doc_example_names_its_unlabelled_nodes():
    x = Value(0.5, label="x")
    w = Value(-2.0, label="w")
    y = (w * x).tanh()
    assert node_names(y)[y] == "tanh(w*x)"


def test_unlabelled_leaves_are_not_named_by_a_bare_number():
    x = Value(-1.0)
    y = x * 4.0 - x
    names = node_names(y)
    assert names[x] == "Value(-1)"
    assert names[y] == "Value(-1)*4 - Value(-1)"


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda a, b: a - (b - a), "a - (b - a)"),
        (lambda a, b: (a - b) - a, "a - b - a"),
        (lambda a, b: (a + b) * b, "(a + b)*b"),
        (lambda a, b: a / (a * b), "a/(a*b)"),
        (lambda a, b: (a**b) ** a, "(a**b)**a"),
        (lambda a, b: a ** (b**a), "a**b**a"),
        (lambda a, b: -(a + b), "-(a + b)"),
        (lambda a, b: (-a) ** 2, "(-a)**2"),
        (lambda a, b: a - (-b), "a - (-b)"),
        (lambda a, b: a * -1.0, "a*(-1)"),
        (lambda a, b: 2**a, "2**a"),
        (lambda a, b: (a * b).exp().log(), "log(exp(a*b))"),
    ],
)
def test_parentheses_follow_python_precedence(build, expected):
    a, b = Value(1.5, label="a"), Value(0.5, label="b")
    root = build(a, b)
    assert node_names(root)[root] == expected


leaf_names = st.sampled_from(["a", "b", "c"])


@st.composite
def expressions(draw):
    """A random expression tree, built bottom up with a list as the stack (no recursion)."""
    values = {"a": Value(0.7, label="a"), "b": Value(-1.3, label="b"), "c": Value(0.4, label="c")}
    pool = [values[draw(leaf_names)] for _ in range(2)]
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["+", "-", "*", "/", "neg", "tanh", "sigmoid", "const"]))
        left = draw(st.sampled_from(pool))
        right = draw(st.sampled_from(pool + list(values.values())))
        if kind == "+":
            pool.append(left + right)
        elif kind == "-":
            pool.append(left - right)
        elif kind == "*":
            pool.append(left * right)
        elif kind == "/" and right.data != 0.0:
            pool.append(left / right)
        elif kind == "neg":
            pool.append(-left)
        elif kind == "const":
            pool.append(left * draw(st.sampled_from([2.0, -0.5, 3.0])))
        elif kind in FUNCTIONS:
            pool.append(getattr(left, kind)())
    return pool[-1], values


@settings(max_examples=100, deadline=None)
@given(expressions())
def test_an_unshortened_name_evaluates_in_python_to_the_node_data(case):
    # the oracle: Python's own parser reads the name back, with Python's precedence
    root, values = case
    names = node_names(root, max_length=10_000)
    scope = {name: value.data for name, value in values.items()} | FUNCTIONS
    for node in topological_order(root):
        assert eval(names[node], {"__builtins__": {}}, scope) == pytest.approx(
            node.data, rel=1e-3, abs=1e-9
        ), names[node]


def test_long_names_keep_their_outer_structure_within_the_limit():
    x = Value(0.1, label="x")
    total = x
    for index in range(30):
        total = total + Value(float(index), label=f"w{index}") * x
    out = total.tanh()
    names = node_names(out, max_length=24)
    assert all(len(name) <= 24 for name in names.values())
    assert names[out].startswith("tanh(") and "\u2026" in names[out]
    assert names[total].endswith("w29*x")  # the last term, outside, is kept
    ascii_names = node_names(out, max_length=24, ascii=True)
    assert ascii_names[out].isascii() and "..." in ascii_names[out]


def test_a_chain_deeper_than_the_recursion_limit_is_named():
    node = Value(0.5, label="x")
    for _ in range(5_000):
        node = node.tanh()
    name = node_names(node)[node]
    assert name.startswith("tanh(tanh(") and name.endswith("\u2026))") and len(name) <= 30


def test_operation_forms():
    assert operation_form("*") == "a*b"
    assert operation_form("+") == "a + b"
    assert operation_form("**") == "a**b"
    assert operation_form("tanh", ("a",)) == "tanh(a)"
    assert operation_form("neg", ("a",)) == "-a"


def test_parameter_names_of_an_mlp():
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    names = parameter_names(model)
    params = dict(model.named_parameters())
    weight = names[params["layers.0.neurons.3.w.1"]]
    assert weight.short == "w1"
    assert weight.full == "layers.0.neurons.3.w.1"
    assert weight.groups == ("layers.0", "layers.0.neurons.3")
    assert names[params["layers.1.neurons.0.b"]].short == "b"
    # the same from pairs or a dict, as torchviz's make_dot takes them
    assert parameter_names(model.named_parameters()) == names
    assert parameter_names(params) == names


def test_a_weight_alone_in_its_module_is_plain_w():
    neuron = Neuron(1, activation=None, seed=0)
    names = parameter_names(neuron)
    assert [names[param].short for param in neuron.parameters()] == ["w", "b"]


def test_names_with_params_use_the_short_names():
    model = MLP(2, [1], activation="tanh", seed=0)
    loss = mse_loss(model([2.0, 3.0]), 1.0)
    names = node_names(loss, params=model)
    output = loss.inputs[0].inputs[0]
    assert names[output] == "layer 0, neuron 0, sample 0"
    # the loss calls the network's output for sample 0 ŷ0: "(layer 0, neuron 0, sample 0)
    # - 1" would not fit, and stood in for by t<index>, it read as "t10*t10"
    difference = loss.inputs[0]
    assert names[difference] == "ŷ0 - 1"
    assert names[loss] == "(ŷ0 - 1)*(ŷ0 - 1)"
    assert [names[node] for node in output.inputs] == ["w\u00b7x", "b"]
    assert [names[node] for node in output.inputs[0].inputs] == ["w0\u00b7x0", "w1\u00b7x1"]
    assert "layers" not in " ".join(names.values())


def test_a_loss_over_samples_and_outputs_names_each_prediction():
    model = MLP(2, [3, 2], activation="tanh", seed=0)
    samples = [[0.5, -1.0], [1.0, 2.0]]
    outputs = [model(x) for x in samples]
    loss = sum((output[1] - 1.0) ** 2 + output[0] * 0.5 for output in outputs)
    names = node_names(loss, params=model)
    for sample, (first, second) in enumerate(outputs):
        assert names[first] == f"layer 1, neuron 0, sample {sample}"  # its own name stays
        squared = next(
            node for node in names if node.op == "**" and node.inputs[0].inputs[0] is second
        )
        assert names[squared] == f"(ŷ{sample}[1] - 1)**2"
        product = next(node for node in names if node.op == "*" and node.inputs[0] is first)
        assert names[product] == f"ŷ{sample}[0]*0.5"
    ascii_names = node_names(loss, params=model, ascii=True)
    assert "(yhat1[1] - 1)**2" in ascii_names.values()
    assert not any("ŷ" in name for name in node_names(loss).values())  # only with params


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (3, "params must be a Module .* got int"),
        ("w", "params must be a Module .* got str"),
        ([("w", 1.0)], r"params=: item 0 is not a \(name, Value\) pair: \('w', 1.0\)"),
        ([Value(1.0)], "item 0 is not a"),
    ],
)
def test_bad_params_say_what_is_wrong(params, message):
    with pytest.raises(TypeError, match=message):
        parameter_names(params)
