"""compile_graph at its edges: numbers read out of Values, parameter-only arithmetic, clear errors.

Each test is named for what it protects; all were found by an adversarial review
in which a compiled program silently disagreed with the scalar engine, or
raised an error that named neither the op nor the sample.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import CompiledMismatchError, TraceError, Value, compile_graph


class TestNumbersReadOutOfValuesWhileTracing:
    def test_math_exp_of_a_value_is_a_trace_error_not_a_constant(self) -> None:
        w = Value(1.0, label="w")

        def loss(x):
            return w * math.exp(x)  # float(x): e ** 0.5 would be baked into the program

        with pytest.raises(TraceError) as caught:
            compile_graph(loss, params=[("w", w)])
        message = str(caught.value)
        assert "float() on a Value" in message
        assert "test_trace_edges.py" in message
        assert "return w * math.exp(x)" in message
        assert "x.exp()" in message

    def test_float_of_a_value_is_a_trace_error(self) -> None:
        with pytest.raises(TraceError, match=r"float\(\) on a Value .*line \d+: .*float\(x\)"):
            compile_graph(lambda x: x * float(x))

    def test_comparing_a_value_with_a_number_is_a_trace_error(self) -> None:
        def branches(x):
            return x * 2.0 if x == 0.5 else x

        with pytest.raises(TraceError, match=r"a comparison \(==\) on a Value"):
            compile_graph(branches)
        with pytest.raises(TraceError, match=r"a comparison \(!=\) on a Value"):
            compile_graph(lambda x: x if x != 1.0 else -x)

    def test_the_same_code_outside_a_trace_behaves_as_before(self) -> None:
        x = Value(0.5, label="x")
        assert float(x) == 0.5
        assert math.exp(x) == math.exp(0.5)
        assert (x == 0.5) is False  # Values compare by identity
        assert x == x
        assert x != Value(0.5)
        assert len({x, Value(0.5), x}) == 2

    def test_comparing_two_values_while_tracing_is_identity_and_allowed(self) -> None:
        program = compile_graph(lambda x, y: x * y if x is not y and x != y else x)
        loss, _grads = program.run(np.array([2.0]), np.array([3.0]))
        assert loss.tolist() == [6.0]


class TestParameterOnlyArithmetic:
    def test_an_overflowing_parameter_square_gives_inf_as_the_scalar_engine(self) -> None:
        w = Value(1e200, label="w")
        program = compile_graph(lambda x: x + w**2, params=[("w", w)])
        loss, grads = program.run(np.array([1.0, 2.0]))
        assert loss.tolist() == [math.inf, math.inf]
        assert grads["w"].tolist() == [2e200, 2e200]
        assert (Value(1.0) + Value(1e200) ** 2).data == math.inf
        assert program.check(0, np.array([1.0, 2.0]))

    def test_a_square_root_of_a_zero_parameter_gives_inf_not_zero_division(self) -> None:
        w = Value(0.0, label="w")
        program = compile_graph(lambda x: x * w**0.5, params=[("w", w)])
        loss, grads = program.run(np.array([1.0]))
        scalar_w = Value(0.0)
        (Value(1.0) * scalar_w**0.5).backward()
        assert loss.tolist() == [0.0]
        assert grads["w"].tolist() == [scalar_w.grad] == [math.inf]

    def test_a_domain_error_on_parameters_alone_names_the_op(self) -> None:
        w = Value(2.0, label="w")
        program = compile_graph(lambda x: x + w.log(), params=[("w", w)])
        w.data = -2.0
        with pytest.raises(ValueError, match=r"op 'log': math domain error: input -2.0"):
            program.run(np.array([1.0]))


class TestTracePointErrors:
    def test_a_domain_error_at_the_default_trace_point_says_so(self) -> None:
        with pytest.raises(ValueError) as caught:
            compile_graph(lambda x: (x - 1).log())
        message = str(caught.value)
        assert message.startswith("op 'log': math domain error: input -0.5 must be > 0")
        assert "trace point" in message
        assert "x=0.5" in message
        assert "example=" in message

    def test_a_domain_error_at_the_users_own_example_is_left_as_it_is(self) -> None:
        with pytest.raises(ValueError) as caught:
            compile_graph(lambda x: (x - 1).log(), example=[0.25])
        assert str(caught.value) == "op 'log': math domain error: input -0.75 must be > 0"

    def test_the_functions_own_value_error_is_not_blamed_on_the_trace_point(self) -> None:
        def refuses(x):
            raise ValueError("my own check failed")

        with pytest.raises(ValueError) as caught:
            compile_graph(refuses)
        assert str(caught.value) == "my own check failed"


class TestCheckHint:
    def test_a_branch_on_data_is_named_as_the_cause(self) -> None:
        w = Value(2.0, label="w")

        def branches(x):
            return w * x if x.data > 0 else w * x * x

        program = compile_graph(branches, params=[("w", w)])
        with pytest.raises(CompiledMismatchError, match="another shape than the traced one"):
            program.check(0, np.array([-1.0]))

    def test_a_number_read_with_data_is_named_as_the_cause(self) -> None:
        w = Value(2.0, label="w")
        program = compile_graph(lambda x: w * x.data, params=[("w", w)])
        with pytest.raises(CompiledMismatchError) as caught:
            program.check(0, np.array([-1.0]))
        message = str(caught.value)
        assert "the traced shape but other constants" in message
        assert "branches on data" not in message

    def test_a_mismatch_with_the_same_graph_gets_no_branching_hint(self) -> None:
        w = Value(2.0, label="w")
        program = compile_graph(lambda x: w * x, params=[("w", w)])
        replay = program._replay

        def off_by_one(*arguments):
            loss, gradients = replay(*arguments)
            return loss + 1.0, gradients

        program._replay = off_by_one
        with pytest.raises(CompiledMismatchError) as caught:
            program.check(0, np.array([3.0]))
        message = str(caught.value)
        assert message == (
            "check: sample 0: loss is 6.0 in the scalar graph but 7.0 in the compiled program"
        )
