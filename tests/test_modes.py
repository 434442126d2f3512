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
        x = Value(1.0, label="x")
        a = x * 2.0
        out = a * 1e300 + a * -1e300  # the forward pass is finite
        # a's upstream is 1e300 * 1e300 + 1e300 * -1e300 = inf - inf = NaN, passed on to x
        with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
            out.backward(1e300)
        message = str(caught.value)
        assert "backward through op '*'" in message
        assert "x=1.0" in message
        assert "upstream nan x local derivative 2.0" in message

    def test_backward_without_anomaly_mode_lets_nan_through(self) -> None:
        x = Value(1.0)
        a = x * 2.0
        out = a * 1e300 + a * -1e300
        out.backward(1e300)
        assert math.isnan(x.grad)

    def test_a_zero_local_derivative_masks_an_infinite_upstream_without_an_alarm(self) -> None:
        # inf reaches relu at 0, whose local derivative is 0: it passes 0, as PyTorch's relu
        x = Value(0.0, label="x")
        out = x.relu() * 1e300
        with detect_anomaly():
            out.backward(1e300)
        assert x.grad == 0.0

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


class TestDecoratingGenerators:
    """``@no_grad()`` and ``@detect_anomaly()`` on a generator function hold while its body runs.

    The generator object is made at once and its body runs later, at each
    ``next()``: a decorator that only wrapped the call left its block before
    the body ran (as PyTorch's did before it wrapped generators).
    """

    def test_no_grad_holds_in_every_resume_of_a_generator(self) -> None:
        x = Value(2.0, label="x")

        @no_grad()
        def products():
            for factor in (1.0, 2.0, 3.0):
                yield x * factor, is_grad_enabled()

        made = list(products())
        assert [product.is_leaf for product, _mode in made] == [True, True, True]
        assert [mode for _product, mode in made] == [False, False, False]
        assert is_grad_enabled()

    def test_the_callers_code_between_resumes_keeps_its_own_mode(self) -> None:
        @no_grad()
        def counter():
            yield 1
            yield 2

        generator = counter()
        next(generator)
        assert is_grad_enabled()  # suspended: the caller records as usual
        assert not (Value(1.0) * 2.0).is_leaf
        next(generator)
        assert is_grad_enabled()

    def test_detect_anomaly_holds_in_a_generator_and_its_return_value_survives(self) -> None:
        @detect_anomaly()
        def checked():
            seen = yield is_anomaly_enabled()
            yield seen
            return "done"

        generator = checked()
        assert next(generator) is True
        assert generator.send("sent") == "sent"
        with pytest.raises(StopIteration) as stop:
            next(generator)
        assert stop.value.value == "done"
        assert not is_anomaly_enabled()

    def test_a_nan_inside_a_decorated_generator_raises(self) -> None:
        @detect_anomaly()
        def nan_later():
            yield Value(1.0)
            yield Value(math.inf) - Value(math.inf)

        generator = nan_later()
        next(generator)
        with pytest.raises(FloatingPointError, match="op '-' produced NaN"):
            next(generator)

    def test_throw_and_close_reach_the_generator_inside_its_block(self) -> None:
        states = []

        @no_grad()
        def guarded():
            try:
                yield 1
            except KeyError:
                states.append(("caught", is_grad_enabled()))
                yield 2
            finally:
                states.append(("closed", is_grad_enabled()))

        generator = guarded()
        next(generator)
        assert generator.throw(KeyError("k")) == 2
        generator.close()
        assert states == [("caught", False), ("closed", False)]
        assert is_grad_enabled()


class TestBareDecorators:
    def test_no_grad_without_parentheses(self) -> None:
        @no_grad
        def double(x):
            return x * 2.0

        assert double(Value(1.0)).is_leaf
        assert double.__name__ == "double"
        assert is_grad_enabled()

    def test_detect_anomaly_and_enable_grad_without_parentheses(self) -> None:
        @detect_anomaly
        def subtract(a, b):
            return a - b

        with pytest.raises(FloatingPointError):
            subtract(Value(math.inf), Value(math.inf))

        @enable_grad
        def record(x):
            return x * 2.0

        with no_grad():
            assert not record(Value(1.0)).is_leaf

    def test_a_bare_decorator_on_a_generator_function(self) -> None:
        @no_grad
        def leaves():
            yield Value(1.0) * 2.0

        assert next(leaves()).is_leaf

    def test_no_grad_with_something_not_callable_says_what_it_got(self) -> None:
        with pytest.raises(TypeError, match=r"no_grad\(\) takes no arguments .* got int 3"):
            no_grad(3)
