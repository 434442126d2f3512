"""compile_graph: the program replayed over arrays equals the scalar graph, sample by sample."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engines import ours
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from programs import Program, programs, well_conditioned

from autograd import (
    CompiledMismatchError,
    TraceError,
    Value,
    compile_graph,
    grad,
)
from nn import MLP, SGD

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def relative_error(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def scalar_sample(fn, params, sample):
    output = fn(*[Value(x) for x in sample])
    gradients = grad(output, params, allow_unused=True)
    return output.data, [0.0 if g is None else g for g in gradients]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_mlps_match_the_scalar_graph_to_1e12(activation: str, seed: int) -> None:
    model = MLP(3, [5, 4, 1], activation=activation, seed=seed)
    params = model.parameters()

    def fn(x0, x1, x2, y):
        return (model([x0, x1, x2]) - y) ** 2

    program = compile_graph(fn, params=model)
    rng = np.random.default_rng(seed)
    columns = [rng.normal(size=20) for _ in range(4)]
    loss, grads = program.run(*columns)
    for index in range(20):
        sample = [column[index] for column in columns]
        value, gradients = scalar_sample(fn, params, sample)
        assert relative_error(loss[index], value) <= 1e-12
        for (name, _), expected in zip(model.named_parameters(), gradients, strict=True):
            assert relative_error(grads[name][index], expected) <= 1e-12, name
    assert program.check(7, *columns)


@SETTINGS
@given(
    program=programs(max_inputs=3, max_length=10),
    rows=st.integers(1, 6),
    data=st.data(),
)
def test_random_expressions_over_every_op_match(program: Program, rows, data) -> None:
    # register 0 is a parameter, the others are the sample's inputs (columns)
    weight = Value(data.draw(st.floats(-2, 2, allow_nan=False)), label="w")
    n_columns = max(program.n_inputs - 1, 1)  # at least one column, so the batch has a size

    def fn(*columns):
        return program(ours, weight, *columns[: program.n_inputs - 1])

    samples = [
        [data.draw(st.floats(-2, 2, allow_nan=False)) for _ in range(n_columns)]
        for _ in range(rows)
    ]
    for sample in samples:
        assume(well_conditioned(fn(*[Value(x) for x in sample]), limit=1e6))
    compiled = compile_graph(fn, params=[("w", weight)], example=samples[0])
    columns = [np.array([sample[i] for sample in samples]) for i in range(n_columns)]
    loss, grads = compiled.run(*columns)
    for index, sample in enumerate(samples):
        value, (gradient,) = scalar_sample(fn, [weight], sample)
        assert relative_error(loss[index], value) <= 1e-12
        assume(math.isfinite(gradient) and abs(gradient) < 1e8)
        assert relative_error(grads["w"][index], gradient) <= 1e-12 or abs(gradient) < 1e-300


def test_accumulate_writes_param_grad_as_backward_would_and_sgd_steps() -> None:
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    rng = np.random.default_rng(0)
    x0, x1, y = rng.normal(size=8), rng.normal(size=8), rng.normal(size=8)
    program = compile_graph(lambda a, b, t: (model([a, b]) - t) ** 2, params=model)
    for reduction in ("mean", "sum"):
        model.zero_grad()
        batch_loss = program.accumulate(x0, x1, y, reduction=reduction)
        compiled_grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        total = sum((model([a, b]) - t) ** 2 for a, b, t in zip(x0, x1, y, strict=True))
        scalar_loss = total / 8 if reduction == "mean" else total
        scalar_loss.backward()
        assert relative_error(batch_loss, scalar_loss.data) <= 1e-12
        for compiled, scalar in zip(compiled_grads, model.parameters(), strict=True):
            assert relative_error(compiled, scalar.grad) <= 1e-12
    model.zero_grad()
    before = program.accumulate(x0, x1, y)
    SGD(model.parameters(), lr=0.1).step()
    assert program.run(x0, x1, y)[0].mean() < before  # the program reads the new weights


def test_a_sample_outside_an_ops_domain_raises_naming_the_op_and_sample() -> None:
    w = Value(1.0, label="w")
    program = compile_graph(lambda x: (x * w).log(), params=[("w", w)])
    with pytest.raises(ValueError, match=r"op 'log'.*-2\.0 must be > 0.*sample 3"):
        program.run(np.array([1.0, 2.0, 3.0, -2.0, -5.0]))
    with pytest.raises(ValueError, match="op 'log'"):
        (Value(-2.0) * w).log()  # the scalar engine raises too
    divide = compile_graph(lambda x: w / x, params=[("w", w)])
    with pytest.raises(ZeroDivisionError, match=r"op '/'.*sample 1"):
        divide.run([2.0, 0.0])
    root = compile_graph(lambda x: (x - w).sqrt(), params=[("w", w)], example=[2.0])
    with pytest.raises(ValueError, match=r"op 'sqrt'.*sample 0"):
        root.run([0.0])
    power = compile_graph(lambda x: x**0.5 * w, params=[("w", w)])
    with pytest.raises(ValueError, match=r"op '\*\*'.*negative base.*sample 2"):
        power.run([1.0, 4.0, -1.0])


def test_a_truth_test_or_comparison_while_tracing_names_the_line() -> None:
    def branchy(x):
        if x > 0:  # the line the error must name
            return x * 2
        return x

    with pytest.raises(TraceError, match=r"comparison \(>\).*test_compiled.py, line \d+: if x > 0"):
        compile_graph(branchy)

    def truthy(x):
        return x * 2 if x else x

    with pytest.raises(TraceError, match="truth test"):
        compile_graph(truthy)
    # outside tracing, comparisons stay undefined and truth tests stay true
    with pytest.raises(TypeError, match=r"compare their \.data"):
        _ = Value(1.0) < 2
    assert bool(Value(0.0)) is True


def test_check_finds_a_branch_on_data_the_trace_could_not_see() -> None:
    w = Value(1.0, label="w")

    def fn(x):
        return x * w * 2 if x.data > 0 else x * w * 3

    program = compile_graph(fn, params=[("w", w)], example=[1.0])
    columns = (np.array([1.0, -1.0]),)
    assert program.check(0, *columns)
    with pytest.raises(CompiledMismatchError, match=r"sample 1: loss is -3\.0 .* -2\.0"):
        program.check(1, *columns)


def test_program_reads_as_a_wengert_list_with_adjoints() -> None:
    w, b = Value(0.5, label="w"), Value(-1.0, label="b")
    program = compile_graph(lambda x: (w * x + b).tanh(), params=[("w", w), ("b", b)])
    text = str(program)
    assert "t0 = p0 * x" in text
    assert "t2 = tanh(t1)" in text
    assert "g1 = g2 * (1 - t2**2)" in text  # the tanh rule, as the scalar op declares it
    assert "gp0 = g0 * (x)" in text
    assert "def replay(x, p0, p1):" in program.source
    assert "np.tanh(t1)" in program.source
    compile(program.source, "<test>", "exec")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: compile_graph(3), TypeError, "fn must be callable"),
        (lambda: compile_graph(lambda x: 2.0), TypeError, "fn must return a Value"),
        (lambda: compile_graph(lambda x: x, params=5), TypeError, "params must be a Module"),
        (lambda: compile_graph(lambda x: x, params=[1]), TypeError, r"params\[0\]"),
        (lambda: compile_graph(lambda x: x, example=[1, 2]), ValueError, "example has 2"),
        (lambda: compile_graph(lambda *, x: x), TypeError, "must be positional"),
        (lambda: compile_graph(lambda x: x * CAPTURED), ValueError, "neither one of its"),
        (lambda: PROGRAM.run([1.0]), TypeError, "takes 2 columns"),
        (lambda: PROGRAM.run([1.0], [1.0, 2.0]), ValueError, "same length"),
        (lambda: PROGRAM.run([[1.0]], [[1.0]]), ValueError, "one-dimensional"),
        (lambda: PROGRAM.accumulate([1.0], [1.0], reduction="max"), ValueError, "reduction"),
        (lambda: PROGRAM.check(5, [1.0], [1.0]), IndexError, "out of range"),
    ],
)
def test_errors_name_what_was_wrong(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


CAPTURED = Value(2.0, label="captured")
W = Value(1.5, label="w")
PROGRAM = compile_graph(lambda x, y: (W * x - y) ** 2, params=[("w", W)])


def test_no_python_object_per_node_per_sample() -> None:
    # the replay holds one array per statement, whatever the batch size
    model = MLP(2, [8, 1], seed=0)
    program = compile_graph(lambda a, b, t: (model([a, b]) - t) ** 2, params=model)
    rng = np.random.default_rng(0)
    small = program.run(*(rng.normal(size=10) for _ in range(3)))
    large = program.run(*(rng.normal(size=10_000) for _ in range(3)))
    assert len(small[1]) == len(large[1]) == len(model.parameters())
    assert all(isinstance(value, np.ndarray) for value in large[1].values())
