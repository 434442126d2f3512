"""gradcheck: central differences against backward()."""

from __future__ import annotations

import math

import pytest

from autograd import GradcheckError, Value, gradcheck, no_grad


def test_passes_for_a_correct_gradient() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, -1.7]) is True


def test_accepts_numpy_numbers_and_ints() -> None:
    import numpy as np

    assert gradcheck(lambda x: x * x, [np.float32(1.5)])
    assert gradcheck(lambda x: x * x, (2,))


def wrong_square(x: Value) -> Value:
    """x * x with the second factor cut out of the graph: backward gives x, not 2x."""
    with no_grad():
        detached = x * 1.0
    return x * detached


def test_names_the_input_and_both_derivatives_when_wrong() -> None:
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: a + wrong_square(b), [1.0, 3.0])
    message = str(caught.value)
    assert "input 1" in message
    assert "analytic derivative 3.0" in message
    numeric = float(message.split("eps=1e-06) ")[1].split(";")[0])
    assert numeric == pytest.approx(6.0, rel=1e-6)


def test_tolerances_are_used() -> None:
    # analytic 3 vs numeric 6: passes only when the tolerance admits the gap
    assert gradcheck(wrong_square, [3.0], atol=3.5)
    with pytest.raises(GradcheckError):
        gradcheck(wrong_square, [3.0], atol=2.5)


def test_nan_gradient_never_passes() -> None:
    def nan_gradient(x: Value) -> Value:
        y = x * 1.0
        y._local_a = math.nan  # simulate an op with a broken derivative
        return y

    with pytest.raises(GradcheckError, match=r"analytic derivative nan"):
        gradcheck(nan_gradient, [1.0])


def test_domain_error_at_a_shifted_point_is_reported() -> None:
    with pytest.raises(GradcheckError, match=r"ValueError with input 0 moved to"):
        gradcheck(lambda x: x.log(), [0.0000001], eps=1e-6)


def test_f_must_return_a_value() -> None:
    with pytest.raises(TypeError, match=r"f must return a Value, got float"):
        gradcheck(lambda x: 1.0, [1.0])  # type: ignore[arg-type, return-value]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eps": 0.0}, "eps must be > 0"),
        ({"eps": -1e-6}, "eps must be a finite number >= 0"),
        ({"atol": math.nan}, "atol must be a finite number"),
        ({"rtol": "x"}, "rtol must be a finite number"),
    ],
)
def test_bad_settings_raise_value_error(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        gradcheck(lambda x: x, [1.0], **kwargs)


def test_bad_inputs_raise_type_error() -> None:
    with pytest.raises(TypeError, match=r"inputs must be a sequence"):
        gradcheck(lambda x: x, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\]: expected .* got str"):
        gradcheck(lambda x, y: x, [1.0, "2"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"f must be callable"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]


def test_leaves_recording_on() -> None:
    gradcheck(lambda x: x * x, [1.0])
    assert not (Value(1.0) * 2).is_leaf
