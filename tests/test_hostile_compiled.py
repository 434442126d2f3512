"""compile_graph as a hostile or unlucky user meets it: a regression test for each bug found.

Each test compares the replay with the scalar engine on the same sample
(values, gradients, and the exception type and message for bad samples).
"""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pytest

from autograd import Constant, TraceError, Value, compile_graph, grad
from autograd.value import _trace_state
from nn import mse_loss

NAN = math.nan
INF = math.inf


def scalar_loss_and_grads(fn, params, sample):
    output = fn(*[Value(x) for x in sample])
    gradients = grad(output, params, allow_unused=True) if params else ()
    return output.data, [0.0 if g is None else g for g in gradients]


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def scalar_error(fn, sample) -> BaseException:
    with pytest.raises(Exception) as caught:
        fn(*[Value(x) for x in sample])
    return caught.value


# ---- constants in the program's text: the output, negative bases, inf and nan ----


def test_a_function_returning_a_constant_compiles_and_runs() -> None:
    # was: the adjoint line "g_3.0 = 1" was a SyntaxError in the generated code
    program = compile_graph(lambda x, y: mse_loss([1.0], [4.0]))
    loss, grads = program.run([1.0, 2.0], [3.0, 4.0])
    assert loss.tolist() == [9.0, 9.0]
    assert grads == {}
    program = compile_graph(lambda x: Constant(3.0))
    assert program.run([1.0])[0].tolist() == [3.0]


def test_only_what_a_parameter_flows_into_gets_an_adjoint() -> None:
    # was: adjoint arrays for the sample's own features and for constant subexpressions
    w = Value(2.0, label="w")
    fn = lambda x, e: w * (x**e).tanh() + Constant(2.0) ** 3.0 * x  # noqa: E731
    program = compile_graph(fn, params=[w])
    assert program.adjoints == ["g5 = 1", "g4 = g5", "gp0 = g4 * (t3)"]
    loss, grads = program.run([0.5, 2.0], [2.0, 3.0])
    for index, sample in enumerate([(0.5, 2.0), (2.0, 3.0)]):
        expected_loss, (expected_grad,) = scalar_loss_and_grads(fn, [w], sample)
        assert loss[index] == pytest.approx(expected_loss, rel=1e-15)
        assert grads["w"][index] == pytest.approx(expected_grad, rel=1e-15)
    unused = compile_graph(lambda x: x * 2.0, params=[w])
    assert unused.adjoints == []
    assert str(unused).endswith("adjoints: none (the output does not depend on any parameter)")
    assert unused.run([1.0])[1]["w"].tolist() == [0.0]


def test_a_negative_constant_base_keeps_its_sign() -> None:
    # was: "-2.0 ** 2.0" in the code, which Python reads as -(2.0 ** 2.0)
    fn = lambda x: x + Constant(-2.0) ** 2.0  # noqa: E731
    loss, _ = compile_graph(fn).run([1.0])
    assert loss.tolist() == [fn(Value(1.0)).data] == [5.0]
    fn = lambda x: x * Constant(-3.0).exp() ** 2  # noqa: E731
    assert compile_graph(fn).run([2.0])[0].tolist() == [fn(Value(2.0)).data]


@pytest.mark.parametrize("number", [INF, -INF, NAN])
def test_infinite_and_nan_constants_run(number: float) -> None:
    # was: NameError: name 'inf' is not defined
    w = Value(2.0, label="w")
    fn = lambda x: (w * x + number) * 0.5 + x * number  # noqa: E731
    loss, grads = compile_graph(fn, params=[w]).run([1.0, -3.0])
    for index, x in enumerate([1.0, -3.0]):
        expected_loss, (expected_grad,) = scalar_loss_and_grads(fn, [w], [x])
        assert same(loss[index], expected_loss)
        assert same(grads["w"][index], expected_grad)


def test_an_input_named_inf_or_nan_is_an_input_not_a_number() -> None:
    def fn(inf, nan):
        return inf * 2.0 + nan * math.inf

    loss, _ = compile_graph(fn).run([1.0, 2.0], [3.0, 4.0])
    assert loss.tolist() == [INF, INF]

    def fn2(inf):
        return inf * 2.0

    assert compile_graph(fn2).run([1.0, 2.0])[0].tolist() == [2.0, 4.0]


# ---- domain rules per sample, exactly as the scalar engine ----


def test_a_value_exponent_needs_a_positive_base_in_every_sample() -> None:
    # was: the replay computed (-2.0) ** 2.0 = 4 where the scalar engine raises
    w = Value(1.0, label="w")
    fn = lambda x, e: (w * x) ** e  # noqa: E731
    program = compile_graph(fn, params=[w])
    expected = scalar_error(fn, [-2.0, 2.0])
    with pytest.raises(ValueError, match=r"op '\*\*': math domain error: base -2\.0 must be > 0.*"
                       r"sample 1") as caught:  # fmt: skip
        program.run([1.0, -2.0], [2.0, 2.0])
    assert type(caught.value) is type(expected)
    with pytest.raises(ValueError, match="sample 0"):
        program.run([0.0], [3.0])
    assert scalar_error(fn, [0.0, 3.0]).__class__ is ValueError


def test_log_of_nan_is_nan_as_in_the_scalar_engine() -> None:
    # was: the replay raised "must be > 0" for NaN, the scalar engine gives NaN
    w = Value(1.0, label="w")
    fn = lambda x: (w * x).log()  # noqa: E731
    loss, grads = compile_graph(fn, params=[w]).run([NAN, 1.0])
    expected_loss, (expected_grad,) = scalar_loss_and_grads(fn, [w], [NAN])
    assert math.isnan(loss[0]) and math.isnan(expected_loss)
    assert same(grads["w"][0], expected_grad)
    with pytest.raises(ValueError, match="must be > 0"):
        compile_graph(fn, params=[w]).run([0.0])


@pytest.mark.parametrize("op", ["sin", "cos"])
def test_sin_and_cos_of_inf_name_the_op(op: str) -> None:
    fn = lambda x: getattr(x * 1.0, op)()  # noqa: E731
    expected = scalar_error(fn, [INF])
    with pytest.raises(ValueError) as caught:
        compile_graph(fn).run([0.0, INF])
    assert str(caught.value).startswith(f"op '{op}': math domain error: input inf must be finite")
    assert str(expected).startswith(f"op '{op}': math domain error: input inf must be finite")
    assert "sample 1" in str(caught.value)


def test_abs_at_nan_passes_no_gradient_as_in_the_scalar_engine() -> None:
    # was: np.sign(nan) is nan, the scalar engine records 0.0 as abs's local derivative
    w = Value(1.0, label="w")
    fn = lambda x: (w + x).abs() + w  # noqa: E731
    loss, grads = compile_graph(fn, params=[w]).run([NAN, 0.0, -2.0])
    for index, x in enumerate([NAN, 0.0, -2.0]):
        expected_loss, (expected_grad,) = scalar_loss_and_grads(fn, [w], [x])
        assert same(loss[index], expected_loss)
        assert same(grads["w"][index], expected_grad)
    assert grads["w"][0] == 1.0


# ---- the batch and its columns ----


def test_no_numpy_warning_leaks_from_run_or_accumulate() -> None:
    # was: RuntimeWarning: overflow encountered in reduce (the scalar engine gives inf silently)
    w = Value(1.0, label="w")
    program = compile_graph(lambda x: (w * x).exp() + (w * x).sigmoid(), params=[w])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, _ = program.run([1000.0, -1000.0, 0.0])
        assert program.accumulate([710.0, 1.0], reduction="sum") == math.inf
        program = compile_graph(lambda x: w * x, params=[w])
        assert program.accumulate([1e308, 1e308]) == math.inf
    assert loss.tolist() == [
        (Value(x).exp() + Value(x).sigmoid()).data for x in [1000.0, -1000.0, 0.0]
    ]


def test_mean_over_an_empty_batch_is_an_error_and_sum_is_zero() -> None:
    # was: ZeroDivisionError: float division by zero
    w = Value(2.0, label="w")
    program = compile_graph(lambda x: w * x, params=[w])
    with pytest.raises(ValueError, match="empty batch"):
        program.accumulate(np.array([]))
    assert w.grad == 0.0
    assert program.accumulate(np.array([]), reduction="sum") == 0.0
    assert w.grad == 0.0


@pytest.mark.parametrize(
    "column, message",
    [
        (["a", "b"], r"column x must hold numbers.*str"),
        ([None, 1.0], r"column x must hold numbers.*object"),
        (np.array([1 + 2j]), r"column x must hold real numbers.*complex"),
        ([Value(1.0)], r"column x must hold numbers.*object"),
    ],
)
def test_a_column_of_non_numbers_is_a_clear_error(column, message) -> None:
    # was: None silently became NaN, complex silently lost its imaginary part
    w = Value(2.0, label="w")
    program = compile_graph(lambda x: w * x, params=[w])
    with pytest.raises(TypeError, match=message):
        program.run(column)


def test_ints_bools_lists_and_single_samples_are_columns() -> None:
    w = Value(2.0, label="w")
    program = compile_graph(lambda x, y: w * x + y, params=[w])
    loss, grads = program.run([1, 2], np.array([True, False]))
    assert loss.tolist() == [3.0, 4.0]
    assert grads["w"].tolist() == [1.0, 2.0]
    assert program.run([3.0], [1.0])[0].tolist() == [7.0]
    assert program.check(-1, [1, 2], [True, False])


def test_check_accepts_nan_equal_to_nan() -> None:
    # was: CompiledMismatchError "loss is nan in the scalar graph but nan in the compiled program"
    w = Value(2.0, label="w")
    program = compile_graph(lambda x: (w * x).relu(), params=[w])
    assert program.check(0, [NAN])
    assert program.check(-1, [1.0, NAN])


# ---- parameters and names ----


def test_two_parameters_with_one_name_are_refused() -> None:
    # was: the second silently replaced the first in grads
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="two parameters are named 'w'"):
        compile_graph(lambda x: a * x + b, params=[("w", a), ("w", b)])


def test_one_parameter_passed_twice_is_named_as_such() -> None:
    # was: "parameter v is also an input"
    a = Value(1.0)
    with pytest.raises(ValueError, match="parameter 'v' is the same Value as parameter 'w'"):
        compile_graph(lambda x: a * x, params=[("w", a), ("v", a)])


def test_params_as_a_dict_and_a_bad_example_is_a_clear_error() -> None:
    # was: a dict gave "params[0] must be a (name, Value) pair, got 'w'"; example=["a"]
    # gave "could not convert string to float" with no word of where
    w = Value(2.0, label="w")
    program = compile_graph(lambda x: w * x, params={"weight": w})
    assert program.run([3.0])[1]["weight"].tolist() == [3.0]
    with pytest.raises(TypeError, match=r"compile_graph: example\[0\]: expected an int, float"):
        compile_graph(lambda x: w * x, params=[w], example=["a"])


def test_a_constant_is_refused_as_a_parameter() -> None:
    # was: the replay differentiated it (gradient 3), the scalar engine does not (None)
    c = Constant(2.0)
    with pytest.raises(TypeError, match=r"params\[0\] \(c\) is a Constant"):
        compile_graph(lambda x: x * c, params=[("c", c)])


def test_input_names_never_clash_in_the_generated_code() -> None:
    # was: SyntaxError: duplicate argument 'x0_' (t0 was renamed to x0_, the name of the next)
    def clash(t0, x0_):
        return t0 * 2.0 + x0_

    program = compile_graph(clash)
    assert program.run([1.0], [5.0])[0].tolist() == [7.0]
    assert len(set(program.input_names)) == 2

    def varargs(args0, *args):
        return args0 * args[0]

    program = compile_graph(varargs, example=[1.0, 2.0])
    assert program.run([3.0], [4.0])[0].tolist() == [12.0]
    assert len(set(program.input_names)) == 2


def test_names_are_shown_as_written() -> None:
    # was: "t0 = relu(myrelu)": the display stripped "_relu" out of the input's name
    def fn(my_relu, np_x):
        return (my_relu + np_x).relu()

    assert "t0 = my_relu + np_x" in str(compile_graph(fn))


def test_hostile_names_are_never_executed(capfd) -> None:
    # parameter names and labels are only shown, never part of the generated code
    hostile = "__import__('os').system('echo pwned')"
    w = Value(1.0, label="w); __import__('os').system('echo pwned'); (")
    namespace: dict = {}
    exec("def fn(é, x2_):\n    return w * é + x2_\n", {"w": w}, namespace)
    program = compile_graph(namespace["fn"], params=[(hostile, w)])
    loss, grads = program.run([2.0], [1.0])
    assert loss.tolist() == [3.0]
    assert grads[hostile].tolist() == [2.0]
    assert "pwned" not in program.source
    assert "pwned" not in capfd.readouterr().out
    compile(program.source, "<check>", "exec")


# ---- tracing state ----


def _helper_that_compares(value):
    return value * 2.0 if value > 1.0 else value  # the nested helper's line


def test_trace_error_names_the_line_inside_a_helper_a_lambda_or_max() -> None:
    with pytest.raises(TraceError, match=r"line \d+: return value \* 2\.0 if value > 1\.0"):
        compile_graph(lambda x: _helper_that_compares(x * 3.0) + 1.0)
    clamp = lambda v: v if v < 0.0 else -v  # noqa: E731
    with pytest.raises(TraceError, match=r"comparison \(<\).*line \d+: clamp = lambda v"):
        compile_graph(lambda x: clamp(x))

    def with_max(x, y):
        return max(x, y) * 2.0  # max compares from C: the error names this line

    with pytest.raises(TraceError, match=r"line \d+: return max\(x, y\) \* 2\.0"):
        compile_graph(with_max)
    assert bool(Value(0.0)) is True


def test_a_branch_error_that_fn_catches_still_stops_the_trace() -> None:
    # was: a broad except inside fn swallowed the TraceError and one branch was compiled
    def forgiving(x):
        try:
            if x > 0.0:
                return x * 2.0
        except Exception:
            pass
        return x * 3.0

    with pytest.raises(TraceError, match=r"comparison \(>\).*fn caught this error"):
        compile_graph(forgiving)
    assert compile_graph(lambda x: x * 3.0).run([1.0])[0].tolist() == [3.0]


def test_check_wants_an_int_sample_index() -> None:
    program = compile_graph(lambda x: x * 2.0)
    assert program.check(np.int64(1), [1.0, 2.0])
    for index in (1.0, "0", True):
        with pytest.raises(TypeError, match="sample_index must be an int"):
            program.check(index, [1.0, 2.0])


def test_tracing_state_survives_a_nested_compile_and_an_exception() -> None:
    inner = compile_graph(lambda y: y * 2.0)

    def outer(x):
        compile_graph(lambda y: y * 3.0)  # finishes, and must not end the outer trace
        if x:
            return x
        return x * inner.run([1.0])[0][0]

    with pytest.raises(TraceError, match="truth test"):
        compile_graph(outer)
    assert bool(Value(1.0))

    def raises(x):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        compile_graph(raises)
    assert bool(Value(1.0))
    assert not _trace_state.active


def test_trace_error_names_the_users_line_even_in_a_folder_named_autograd(tmp_path) -> None:
    # was: every frame under any ".../autograd/..." folder was skipped as the library's
    folder = tmp_path / "autograd" / "project"
    folder.mkdir(parents=True)
    script = folder / "train.py"
    script.write_text("def loss(x):\n    if x > 0:\n        return x\n    return -x\n")
    namespace: dict = {}
    exec(compile(script.read_text(), str(script), "exec"), namespace)
    with pytest.raises(TraceError) as caught:
        compile_graph(namespace["loss"])
    assert f"{script}, line 2" in str(caught.value)


def test_a_program_runs_in_another_thread_and_tracing_is_per_thread() -> None:
    w = Value(2.0, label="w")
    program = compile_graph(lambda x: (w * x).tanh(), params=[w])
    results = []
    thread = threading.Thread(target=lambda: results.append(program.run([0.5, 1.0])))
    thread.start()
    thread.join()
    assert results[0][0].tolist() == program.run([0.5, 1.0])[0].tolist()


# ---- what held: every op at its edges equals the scalar engine, errors included ----

EDGE_OPS = {
    "relu": lambda w, x: (w * x).relu(),
    "abs": lambda w, x: (w * x).abs(),
    "sigmoid": lambda w, x: (w * x).sigmoid(),
    "exp": lambda w, x: (w * x).exp(),
    "tanh": lambda w, x: (w * x).tanh(),
    "sqrt": lambda w, x: (w * x).sqrt(),
    "log": lambda w, x: (w * x).log(),
    "log1p": lambda w, x: (w * x).log1p(),
    "sin": lambda w, x: (w * x).sin(),
    "cos": lambda w, x: (w * x).cos(),
    "divide": lambda w, x: w / x,
    "power": lambda w, x: (w * x) ** -1.5,
    "square": lambda w, x: (w * x) ** 2,
    "value power": lambda w, x: (w * x) ** w,
    "number ** value": lambda w, x: 2.0 ** (w * x),
}
EDGES = [0.0, -0.0, 1.0, -1.0, 1000.0, -1000.0, 1e308, NAN, INF, -INF]


@pytest.mark.parametrize("op", sorted(EDGE_OPS))
def test_every_op_at_its_edges_equals_the_scalar_engine(op: str) -> None:
    w = Value(0.75, label="w")
    fn = lambda x: EDGE_OPS[op](w, x)  # noqa: E731
    program = compile_graph(fn, params=[w])
    for x in EDGES:
        try:
            expected_loss, (expected_grad,) = scalar_loss_and_grads(fn, [w], [x])
        except (ValueError, ZeroDivisionError) as scalar:
            with pytest.raises(type(scalar)) as replayed:
                program.run([1.0, x])
            # the same message, without the labels, then where: statement and sample 1
            assert str(replayed.value).split(":")[0] == str(scalar).split(":")[0]
            assert str(replayed.value).endswith("sample 1)")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss, grads = program.run([1.0, x])
        assert same(loss[1], expected_loss), (op, x)
        assert same(grads["w"][1], expected_grad), (op, x)


def test_sgd_on_accumulate_follows_the_scalar_trajectory_for_100_steps() -> None:
    from nn import MLP, SGD

    compiled_model = MLP(2, [4, 4, 1], seed=1)
    scalar_model = MLP(2, [4, 4, 1], seed=1)
    rng = np.random.default_rng(1)
    x0, x1 = rng.normal(size=12), rng.normal(size=12)
    target = np.sin(x0) - x1
    program = compile_graph(
        lambda a, b, t: (compiled_model([a, b]) - t) ** 2, params=compiled_model
    )
    compiled_sgd = SGD(compiled_model.parameters(), lr=0.05, momentum=0.9)
    scalar_sgd = SGD(scalar_model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(100):
        compiled_sgd.zero_grad()
        compiled_loss = program.accumulate(x0, x1, target)
        compiled_sgd.step()
        scalar_sgd.zero_grad()
        total = sum((scalar_model([a, b]) - t) ** 2 for a, b, t in zip(x0, x1, target, strict=True))
        scalar_loss = total / len(target)
        scalar_loss.backward()
        scalar_sgd.step()
        assert compiled_loss == pytest.approx(scalar_loss.data, rel=1e-12)
    for compiled, scalar in zip(
        compiled_model.parameters(), scalar_model.parameters(), strict=True
    ):
        assert compiled.data == pytest.approx(scalar.data, rel=1e-12)


def test_a_square_is_the_same_number_in_the_scalar_engine_and_the_replay() -> None:
    # was: pow(x, 2.0) one ulp off x * x, which NumPy's x ** 2.0 computes, at these x
    samples = [0.9398749725167077, -1.0667942441416252, -2.1253279230351465]
    assert all(x**2.0 != x * x for x in samples)
    w = Value(1.0, label="w")
    fn = lambda x: (w * x) ** 2  # noqa: E731
    loss, grads = compile_graph(fn, params=[w]).run(samples)
    for index, x in enumerate(samples):
        assert (Value(x) ** 2).data == x * x
        expected_loss, (expected_grad,) = scalar_loss_and_grads(fn, [w], [x])
        assert loss[index] == expected_loss
        assert grads["w"][index] == expected_grad
