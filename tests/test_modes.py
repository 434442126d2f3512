"""no_grad and detect_anomaly."""

from __future__ import annotations

import math

import pytest

from autograd import (
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)


class TestNoGrad:
    def test_results_inside_are_leaves(self) -> None:
        x = Value(3.0)
        with no_grad():
            y = x * 2.0 + 1.0
            z = y.tanh()
        assert y.data == 7.0
        assert y.is_leaf and z.is_leaf
        assert y.op == "" and y.inputs == ()
        z.backward()
        assert x.grad == 0.0

    def test_recording_resumes_after_the_block_even_on_error(self) -> None:
        x = Value(3.0)
        with pytest.raises(ZeroDivisionError), no_grad():
            _ = x / 0.0
        assert is_grad_enabled()
        assert not (x * 2.0).is_leaf

    def test_as_a_decorator(self) -> None:
        @no_grad()
        def update(param: Value) -> Value:
            return param - 0.1

        x = Value(1.0)
        result = update(x)
        assert result.is_leaf
        assert result.data == pytest.approx(0.9)
        assert is_grad_enabled()
        assert update.__name__ == "update"

    def test_nested_blocks_restore_the_outer_state(self) -> None:
        x = Value(1.0)
        with no_grad():
            with no_grad():
                pass
            assert (x + 1).is_leaf
            with enable_grad():
                assert not (x + 1).is_leaf
            assert (x + 1).is_leaf
        assert not (x + 1).is_leaf

    def test_domain_errors_still_raise_inside(self) -> None:
        with no_grad(), pytest.raises(ValueError, match="op 'log'"):
            Value(-1.0).log()


class TestDetectAnomaly:
    def test_off_by_default(self) -> None:
        assert not is_anomaly_enabled()
        inf = Value(math.inf)
        assert math.isnan((inf - inf).data)

    def test_forward_nan_names_the_op_and_its_inputs(self) -> None:
        big = Value(math.inf, label="big")
        with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
            _ = big - big
        assert str(caught.value) == "op '-' produced NaN from inputs big=inf, big=inf"

    def test_unlabelled_inputs_are_named_by_value(self) -> None:
        with detect_anomaly(), pytest.raises(FloatingPointError, match=r"op '\*'.*0\.0, inf"):
            _ = Value(0.0) * Value(math.inf)

    def test_nan_data_trips_the_first_op(self) -> None:
        with detect_anomaly(), pytest.raises(FloatingPointError, match=r"op 'tanh'.*nan"):
            Value(math.nan, label="n").tanh()

    def test_backward_nan_names_the_op_and_inputs(self) -> None:
        x = Value(0.0, label="x")
        out = x.relu() * 1e300  # the forward pass is finite
        # upstream 1e300 * 1e300 = inf reaches relu, whose local derivative is 0: inf * 0 is NaN
        with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
            out.backward(1e300)
        message = str(caught.value)
        assert "backward through op 'relu'" in message
        assert "x=0.0" in message
        assert "upstream inf x local derivative 0.0" in message

    def test_backward_without_anomaly_mode_lets_nan_through(self) -> None:
        x = Value(0.0)
        out = x.relu() * 1e300
        out.backward(1e300)
        assert math.isnan(x.grad)

    def test_state_restored_after_error(self) -> None:
        with pytest.raises(FloatingPointError), detect_anomaly():
            Value(math.nan) + 1
        assert not is_anomaly_enabled()
        assert math.isnan((Value(math.nan) + 1).data)

    def test_anomaly_mode_gives_the_same_gradients(self) -> None:
        a, b = Value(0.7), Value(-1.2)
        out = (a * b).tanh() + a.exp() / b
        with detect_anomaly():
            out.backward()
        checked = (a.grad, b.grad)
        out.zero_grad()
        out.backward()
        assert (a.grad, b.grad) == checked

    def test_no_grad_inside_anomaly_mode(self) -> None:
        with detect_anomaly(), no_grad():
            result = Value(2.0) * 3.0
            assert result.is_leaf
            with pytest.raises(FloatingPointError):
                Value(math.inf) * 0.0
