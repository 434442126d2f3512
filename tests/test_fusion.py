"""Fused compiled programs: matrix and pack statements equal the scalar engine, sample by sample.

The oracle is the scalar engine itself (one graph per sample, ``grad``), and
the unfused program where a batch leaves the fused code (masking, domain
errors). Fused matrix products add a neuron's terms in another order than the
scalar chain ``((w0*x0 + w1*x1) + w2*x2) + b``, so values agree to rounding:
within ``FUSED_TOLERANCE`` (1e-9) relatively, or within 1e-9 of the largest
magnitude in the sample where a result is a difference of near-equal terms.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from engines import ours
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from programs import Program, programs, well_conditioned

from autograd import Value, compile_graph, grad
from autograd.compiled import FUSED_TOLERANCE
from nn import MLP, SGD

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scalar_sample(fn, params, sample):
    output = fn(*[Value(float(x)) for x in sample])
    gradients = grad(output, params, allow_unused=True)
    return output.data, [0.0 if g is None else g for g in gradients]


def assert_close(fused: float, scalar: float, scale: float, what: str) -> None:
    tolerance = FUSED_TOLERANCE * max(abs(fused), abs(scalar)) + 1e-9 * scale
    assert abs(fused - scalar) <= tolerance, f"{what}: fused {fused!r}, scalar {scalar!r}"


def assert_matches_scalar(program, fn, params, columns, names) -> None:
    """run() per sample and accumulate() over the batch, against one scalar graph per sample."""
    loss, grads = program.run(*columns)
    totals = np.zeros(len(params))
    loss_total = 0.0
    for index in range(len(columns[0])):
        sample = [column[index] for column in columns]
        value, gradients = scalar_sample(fn, params, sample)
        scale = max([abs(value), *map(abs, gradients)])
        assert_close(loss[index], value, scale, f"loss of sample {index}")
        for name, expected in zip(names, gradients, strict=True):
            assert_close(grads[name][index], expected, scale, f"d loss / d {name}, {index}")
        totals += gradients
        loss_total += value
    for param in params:
        param.grad = 0.0
    batch_loss = program.accumulate(*columns, reduction="sum")
    scale = max([abs(loss_total), *map(abs, totals)])
    assert_close(batch_loss, loss_total, scale, "batch loss")
    for param, name, expected in zip(params, names, totals, strict=True):
        assert_close(param.grad, expected, scale, f"accumulated d loss / d {name}")


@pytest.mark.parametrize(
    ("nin", "widths", "activation", "seed"),
    [
        (2, [16, 16, 1], "relu", 0),
        (3, [5, 4, 1], "tanh", 1),
        (1, [7, 1], "sigmoid", 2),
        (4, [3, 6, 2], None, 3),
        (2, [2, 1], "relu", 4),
        (5, [1, 3, 1], "tanh", 5),
    ],
)
def test_random_mlps_fuse_and_match_the_scalar_graph(nin, widths, activation, seed) -> None:
    model = MLP(nin, widths, activation=activation, seed=seed)
    params = model.parameters()
    names = [name for name, _ in model.named_parameters()]

    def fn(*inputs):
        out = model(list(inputs[:nin]))
        outputs = out if isinstance(out, list) else [out]
        return sum((o - inputs[nin]) ** 2 for o in outputs)

    program = compile_graph(fn, params=model, example=[0.5] * (nin + 1))
    assert program.fused
    assert "@" in program.source
    rng = np.random.default_rng(seed)
    columns = [rng.normal(size=25) for _ in range(nin + 1)]
    assert_matches_scalar(program, fn, params, columns, names)
    assert program.check(7, *columns)


def test_a_hand_written_network_with_a_shared_weight_fuses_as_an_mlp_does() -> None:
    rng = np.random.default_rng(11)
    w1 = [[Value(rng.normal(), label=f"w1_{i}{j}") for j in range(3)] for i in range(5)]
    b1 = [Value(rng.normal(), label=f"b1_{i}") for i in range(5)]
    w2 = [[Value(rng.normal(), label=f"w2_{i}{j}") for j in range(5)] for i in range(4)]
    w2[2][3] = w2[0][1]  # a weight shared by two neurons
    b2 = [Value(rng.normal(), label=f"b2_{i}") for i in range(4)]
    v = [Value(rng.normal(), label=f"v_{i}") for i in range(4)]
    decay = Value(0.1, label="decay")
    unique = list(dict.fromkeys([*(w for row in w1 for w in row), *b1,
                                 *(w for row in w2 for w in row), *b2, *v, decay]))  # fmt: skip

    def fn(x0, x1, x2, y):
        x = [x0, x1, x2]
        hidden = []
        for row, bias in zip(w1, b1, strict=True):
            acc = bias  # bias first, then acc = acc + w * x
            for weight, value in zip(row, x, strict=True):
                acc = acc + weight * value
            hidden.append(acc.relu())
        second = []
        for row, bias in zip(w2, b2, strict=True):
            acc = row[0] * hidden[0]
            for weight, value in zip(row[1:], hidden[1:], strict=True):
                acc = acc + value * weight  # the other operand order
            second.append((acc + bias).tanh())
        out = v[0] * second[0]
        for weight, value in zip(v[1:], second[1:], strict=True):
            out = out + weight * value
        # b1[0] is used in two places; decay scales a penalty on a shared weight
        return (out - y) ** 2 + decay * w2[0][1] ** 2 + b1[0] * 0.5

    names = [p.label for p in unique]
    program = compile_graph(fn, params=[(p.label, p) for p in unique])
    assert program.fused
    text = str(program)
    assert "Z1[5] = W1[5x3] @ X1[3] + b1[5]" in text
    assert "Z2[4] = W2[4x5] @ H1[5] + b2[4]" in text
    assert "gW2 += gZ2 @ H1.T" in text
    cols = [np.random.default_rng(3).normal(size=30) for _ in range(4)]
    assert_matches_scalar(program, fn, unique, cols, names)


def test_the_moons_network_reads_as_matrix_statements_and_its_unfused_form_stays() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    program = compile_graph(lambda x0, x1, y: (model([x0, x1]) - y) ** 2, params=model)
    text = str(program) + "\n"
    for line in (
        "W1[16x2] = layers.0.neurons.*.w.*",
        "b1[16] = layers.0.neurons.*.b",
        "Z1[16] = W1[16x2] @ X1[2] + b1[16]",
        "H1[16] = relu(Z1[16])",
        "Z2[16] = W2[16x16] @ H1[16] + b2[16]",
        "gZ2 = gH2 * (H2 > 0)",
        "gH1 = W2.T @ gZ2",
        "gW1 += gZ1 @ X1.T",
    ):
        assert f"  {line}\n" in text
    unfused = program.describe(fused=False)
    assert "\n  t0 = p" in unfused and "@" not in unfused
    assert "def replay(x0, x1, y, p0," in program.unfused_source
    assert len(text.splitlines()) < 40 < len(unfused.splitlines())
    assert "statements fused into" in text.splitlines()[0]
    same = compile_graph(lambda x0, x1, y: (model([x0, x1]) - y) ** 2, params=model, fuse=False)
    assert not same.fused and str(same) == unfused


def test_a_graph_without_repeated_structure_runs_as_before() -> None:
    w, b = Value(0.5, label="w"), Value(-1.0, label="b")
    program = compile_graph(lambda x, y: ((w * x + b).tanh() - y) ** 2, params=[w, b])
    assert not program.fused
    assert program.source == program.unfused_source
    assert str(program) == program.describe(fused=False)


@SETTINGS
@given(program=programs(max_inputs=3, max_length=6), lanes=st.integers(2, 4), data=st.data())
def test_every_op_fused_over_lanes_matches_the_scalar_graph(program: Program, lanes, data) -> None:
    # each lane: h = a matrix row over the inputs, then the random program on h and the
    # inputs; the lanes run as packs of every op, summed by an output row
    floats = st.floats(-1, 1, allow_nan=False)
    weights = [[Value(data.draw(floats), label=f"w{i}{j}") for j in range(2)] for i in range(lanes)]
    biases = [Value(data.draw(floats), label=f"b{i}") for i in range(lanes)]
    out = [Value(data.draw(floats), label=f"v{i}") for i in range(lanes)]
    params = [*(w for row in weights for w in row), *biases, *out]
    names = [p.label for p in params]

    def fn(x0, x1):
        results = []
        for row, bias in zip(weights, biases, strict=True):
            h = row[0] * x0 + row[1] * x1 + bias
            results.append(program(ours, h, x0, x1))
        total = out[0] * results[0]
        for weight, value in zip(out[1:], results[1:], strict=True):
            total = total + weight * value
        return total

    rows = data.draw(st.integers(1, 6))
    samples = [[data.draw(floats), data.draw(floats)] for _ in range(rows)]
    for sample in samples:
        assume(well_conditioned(fn(*[Value(x) for x in sample]), limit=1e4))
    compiled = compile_graph(fn, params=[(p.label, p) for p in params], example=samples[0])
    # (a program that never reads register 0 leaves nothing to fuse: it runs unfused)
    columns = [np.array([sample[i] for sample in samples]) for i in range(2)]
    assert_matches_scalar(compiled, fn, params, columns, names)


def test_a_fused_program_masks_as_the_scalar_engine_through_the_unfused_replay() -> None:
    model = MLP(2, [6, 1], seed=1)
    fn = lambda x0, x1: model([x0, x1]).relu().sqrt()  # noqa: E731
    fused = compile_graph(fn, params=model, example=[0.3, 0.2])
    unfused = compile_graph(fn, params=model, example=[0.3, 0.2], fuse=False)
    assert fused.fused
    columns = (np.array([0.3, -50.0, math.inf, 0.1]), np.array([0.2, -50.0, 1.0, math.nan]))
    loss, grads = fused.run(*columns)
    expected_loss, expected = unfused.run(*columns)
    np.testing.assert_array_equal(loss, expected_loss)
    for name in grads:
        np.testing.assert_array_equal(grads[name], expected[name])
    params = model.parameters()
    for index in range(2):  # the finite samples agree with the scalar engine
        _value, gradients = scalar_sample(fn, params, [columns[0][index], columns[1][index]])
        for (name, _), gradient in zip(model.named_parameters(), gradients, strict=True):
            assert_close(grads[name][index], gradient, max(map(abs, gradients)), name)


def test_a_fused_program_names_the_op_and_sample_outside_its_domain() -> None:
    weights = [Value(0.5 + lane, label=f"w{lane}") for lane in range(4)]
    biases = [Value(0.1 * lane, label=f"b{lane}") for lane in range(4)]

    def fn(x):
        return sum((w * x + b).log() for w, b in zip(weights, biases, strict=True))

    program = compile_graph(fn, params=[*weights, *biases], example=[5.0])
    assert program.fused
    assert "log(Z1[4])" in str(program)
    with pytest.raises(ValueError, match=r"op 'log': math domain error.*sample 2\)"):
        program.run(np.array([5.0, 6.0, -20.0, 7.0]))
    with pytest.raises(ValueError, match=r"op 'log'.*sample 0\)"):
        program.accumulate(np.array([-30.0]))
    assert all(p.grad == 0.0 for p in [*weights, *biases])


def test_fused_training_follows_the_scalar_trajectory() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 2))
    y = np.sign(x[:, 0] * x[:, 1])
    models = [MLP(2, [8, 8, 1], seed=9) for _ in range(2)]
    optimizers = [SGD(model.parameters(), lr=0.05, momentum=0.9) for model in models]
    program = compile_graph(lambda a, b, t: (models[1]([a, b]) - t) ** 2, params=models[1])
    for _ in range(5):
        optimizers[0].zero_grad()
        loss = sum((models[0](list(p)) - t) ** 2 for p, t in zip(x, y, strict=True)) / len(y)
        loss.backward()
        optimizers[0].step()
        optimizers[1].zero_grad()
        fused_loss = program.accumulate(x[:, 0], x[:, 1], y)
        optimizers[1].step()
        assert abs(fused_loss - loss.data) <= FUSED_TOLERANCE * abs(loss.data)
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        assert abs(a.data - b.data) <= FUSED_TOLERANCE * max(abs(a.data), 1.0)


def test_a_matrix_over_values_computed_from_parameters_alone_widens_to_the_batch() -> None:
    # regression: W @ X is one column for every sample when X depends on parameters only;
    # adding the per-sample term in place into it failed to broadcast
    q = [Value(0.3 * i + 0.1, label=f"q{i}") for i in range(3)]
    w = [[Value(0.1 * i - 0.2 * j, label=f"w{i}{j}") for j in range(3)] for i in range(4)]
    params = [*q, *(weight for row in w for weight in row)]

    def fn(x):
        squares = [value * value for value in q]
        total = 0
        for row in w:
            acc = x
            for weight, square in zip(row, squares, strict=True):
                acc = acc + weight * square
            total = total + acc.tanh()
        return total

    program = compile_graph(fn, params=[(p.label, p) for p in params])
    assert "Z1[4] = W1[4x3] @ X1[3] + x" in str(program)
    columns = [np.array([0.1, 0.5, -1.0, 2.0])]
    assert_matches_scalar(program, fn, params, columns, [p.label for p in params])


@pytest.mark.parametrize("names", [("b1", "count", "y"), ("x0", "Z1", "y"), ("gW2", "x1", "y")])
def test_inputs_named_like_the_fused_arrays_keep_their_names_and_results(names) -> None:
    model = MLP(2, [4, 1], seed=6)
    namespace: dict[str, object] = {"model": model}
    body = f"(model([{names[0]}, {names[1]}]) - {names[2]}) ** 2"
    exec(f"def fn({', '.join(names)}):\n    return {body}", namespace)
    fn = namespace["fn"]
    program = compile_graph(fn, params=model)
    assert program.input_names == list(names)
    columns = [np.random.default_rng(1).normal(size=5) for _ in range(3)]
    expected = compile_graph(fn, params=model, fuse=False).run(*columns)
    loss, grads = program.run(*columns)
    np.testing.assert_allclose(loss, expected[0], rtol=FUSED_TOLERANCE)
    for name in grads:
        np.testing.assert_allclose(grads[name], expected[1][name], rtol=FUSED_TOLERANCE)


def test_constants_among_a_matrixs_weights_get_no_gradient() -> None:
    weights = [Value(0.1 * (lane + 1), label=f"w{lane}") for lane in range(4)]
    params = [*weights]

    def fn(x0, x1):
        total = 0
        for lane, weight in enumerate(weights):
            total = total + (0.5 * lane * x0 + weight * x1 + 1.0).tanh() * (lane + 1)
        return total

    program = compile_graph(fn, params=[(p.label, p) for p in params])
    assert program.fused
    assert "W1[4x2] @ X1[2]" in str(program)
    columns = [np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -0.7])]
    assert_matches_scalar(program, fn, params, columns, [p.label for p in params])
