"""BCE with logits, cross-entropy, hinge: value and gradient against torch float64, and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
)

EXTREME = [-1000.0, -745.0, -40.0, -1.0, 0.0, 1e-9, 2.5, 40.0, 745.0, 1000.0]


def _ours(loss_function, logits, targets):
    values = [Value(z) for z in logits]
    loss = loss_function(values, targets)
    loss.backward()
    return loss.data, [value.grad for value in values]


def _close(ours, theirs):
    """1e-12 relative, or 1e-15 absolute where the true value is ~0 (a confident right answer)."""
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


# ---- binary cross-entropy with logits ----


def _torch_bce(torch, logits, targets):
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        z, torch.tensor(targets, dtype=torch.float64)
    )
    loss.backward()
    return loss.item(), z.grad.tolist()


@pytest.mark.parametrize("target", [0.0, 1.0, 0.3])
def test_bce_matches_torch_at_ordinary_and_extreme_logits(target):
    torch = pytest.importorskip("torch")
    targets = [target] * len(EXTREME)
    loss, grads = _ours(binary_cross_entropy_with_logits, EXTREME, targets)
    expected_loss, expected_grads = _torch_bce(torch, EXTREME, targets)
    _close(loss, expected_loss)
    _close(grads, expected_grads)
    for z in EXTREME:  # each one alone too: no mean hides a bad term
        single_loss, single_grads = _ours(binary_cross_entropy_with_logits, [z], [target])
        expected = _torch_bce(torch, [z], [target])
        _close(single_loss, expected[0])
        _close(single_grads, expected[1])
        assert math.isfinite(single_loss)


def test_bce_is_exact_far_out():
    z = Value(-1000.0)
    loss = binary_cross_entropy_with_logits(z, 1.0)  # sure of the wrong class: loss 1000
    assert loss.data == 1000.0
    loss.backward()
    assert z.grad == -1.0
    assert binary_cross_entropy_with_logits(1000.0, 1.0).data == 0.0


def test_bce_gradient_at_zero_is_sigmoid_minus_target():
    """Not the 0 a relu/abs formula would give at its kinks: regression for that pitfall."""
    z = Value(0.0)
    binary_cross_entropy_with_logits(z, 0.25).backward()
    assert z.grad == 0.5 - 0.25


@settings(deadline=None, max_examples=30)
@given(pairs=st.lists(st.tuples(st.floats(-50, 50), st.floats(0.0, 1.0)), min_size=1, max_size=6))
def test_bce_matches_torch_on_random_inputs(pairs):
    torch = pytest.importorskip("torch")
    logits = [z for z, _y in pairs]
    targets = [y for _z, y in pairs]
    loss, grads = _ours(binary_cross_entropy_with_logits, logits, targets)
    expected_loss, expected_grads = _torch_bce(torch, logits, targets)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-12, atol=1e-15)


# ---- cross-entropy ----


def _torch_cross_entropy(torch, logits, targets):
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor(targets))
    loss.backward()
    return loss.item(), z.grad.tolist()


CE_CASES = {
    "ordinary": ([[0.5, -1.2, 2.0], [0.0, 0.0, 0.0], [3.0, 1.0, -2.0]], [2, 1, 0]),
    "extreme": (
        [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [1000.0, 1000.0, -1000.0]],
        [1, 1, 0],
    ),
    "all -1000": ([[-1000.0, -1000.0], [-1000.0, -999.0]], [0, 0]),
    "one class": ([[7.0], [-1000.0]], [0, 0]),
}


@pytest.mark.parametrize("case", list(CE_CASES))
def test_cross_entropy_matches_torch_batch_and_single(case):
    torch = pytest.importorskip("torch")
    logits, targets = CE_CASES[case]
    values = [[Value(z) for z in row] for row in logits]
    loss = cross_entropy(values, targets)
    loss.backward()
    expected_loss, expected_grads = _torch_cross_entropy(torch, logits, targets)
    _close(loss.data, expected_loss)
    _close([[v.grad for v in row] for row in values], expected_grads)
    for row, target in zip(logits, targets, strict=True):
        single = [Value(z) for z in row]
        single_loss = cross_entropy(single, target)
        single_loss.backward()
        expected = _torch_cross_entropy(torch, [row], [target])
        _close(single_loss.data, expected[0])
        _close([v.grad for v in single], expected[1][0])
        assert math.isfinite(single_loss.data)


def test_cross_entropy_is_exact_at_1000():
    loss = cross_entropy([1000.0, -1000.0], 1)
    assert loss.data == 2000.0
    assert cross_entropy([1000.0, -1000.0], 0).data == 0.0
    assert cross_entropy([-1000.0, -1000.0], 0).data == math.log(2.0)


@settings(deadline=None, max_examples=30)
@given(
    data=st.data(),
    classes=st.integers(1, 5),
    samples=st.integers(1, 4),
)
def test_cross_entropy_matches_torch_on_random_inputs(data, classes, samples):
    torch = pytest.importorskip("torch")
    logits = data.draw(
        st.lists(
            st.lists(st.floats(-100, 100), min_size=classes, max_size=classes),
            min_size=samples,
            max_size=samples,
        )
    )
    targets = data.draw(st.lists(st.integers(0, classes - 1), min_size=samples, max_size=samples))
    values = [[Value(z) for z in row] for row in logits]
    loss = cross_entropy(values, targets)
    loss.backward()
    expected_loss, expected_grads = _torch_cross_entropy(torch, logits, targets)
    np.testing.assert_allclose(loss.data, expected_loss, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        [[v.grad for v in row] for row in values], expected_grads, rtol=1e-12, atol=1e-15
    )


def test_cross_entropy_accepts_numpy_rows_and_indices():
    logits = np.array([[0.1, 0.2], [0.3, -0.4]])
    targets = np.array([1, 0])
    assert cross_entropy(logits, targets).data == pytest.approx(
        cross_entropy(logits.tolist(), targets.tolist()).data, rel=1e-15
    )
    assert cross_entropy(logits[0], np.int64(1)).data == cross_entropy([0.1, 0.2], 1).data


# ---- hinge ----


def _torch_hinge(torch, outputs, targets):
    """2 * multi_margin_loss on the logits [0, output] with class (y + 1) / 2: the binary hinge."""
    z = torch.tensor(outputs, dtype=torch.float64, requires_grad=True)
    pairs = torch.stack([torch.zeros_like(z), z], dim=1)
    classes = torch.tensor([int((y + 1) / 2) for y in targets])
    loss = 2 * torch.nn.functional.multi_margin_loss(pairs, classes)
    loss.backward()
    return loss.item(), z.grad.tolist()


@pytest.mark.parametrize("target", [1.0, -1.0])
def test_hinge_matches_torch_multi_margin(target):
    torch = pytest.importorskip("torch")
    outputs = [*EXTREME, 1.0, -1.0, 0.999]  # +-1: exactly on a margin, where the slope is 0
    targets = [target] * len(outputs)
    loss, grads = _ours(hinge_loss, outputs, targets)
    expected_loss, expected_grads = _torch_hinge(torch, outputs, targets)
    _close(loss, expected_loss)
    _close(grads, expected_grads)
    # and the plain formula, for the value
    expected = (
        torch.clamp(1 - torch.tensor(outputs, dtype=torch.float64) * target, min=0).mean().item()
    )
    _close(loss, expected)


@settings(deadline=None, max_examples=30)
@given(
    pairs=st.lists(
        st.tuples(st.floats(-1e3, 1e3), st.sampled_from([-1.0, 1.0])), min_size=1, max_size=6
    )
)
def test_hinge_matches_torch_on_random_inputs(pairs):
    torch = pytest.importorskip("torch")
    outputs = [z for z, _y in pairs]
    targets = [y for _z, y in pairs]
    loss, grads = _ours(hinge_loss, outputs, targets)
    expected_loss, expected_grads = _torch_hinge(torch, outputs, targets)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-12, atol=1e-15)


# ---- class forms and single values ----


def test_class_forms_call_the_functions():
    assert repr(BCEWithLogitsLoss()) == "BCEWithLogitsLoss()"
    assert repr(CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(HingeLoss()) == "HingeLoss()"
    assert BCEWithLogitsLoss()([0.3, -2.0], [1.0, 0.0]).data == (
        binary_cross_entropy_with_logits([0.3, -2.0], [1.0, 0.0]).data
    )
    assert CrossEntropyLoss()([[0.3, -2.0]], [1]).data == cross_entropy([0.3, -2.0], 1).data
    assert HingeLoss()(0.5, -1.0).data == hinge_loss([0.5], [-1]).data == 1.5


def test_single_value_forms():
    z = Value(2.0)
    loss = binary_cross_entropy_with_logits(z, 1)
    assert loss.data == pytest.approx(math.log1p(math.exp(-2.0)), rel=1e-15)
    assert hinge_loss(np.float64(0.25), 1).data == 0.75


# ---- errors ----


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: binary_cross_entropy_with_logits([0.0, 1.0], [1.0, 1.5]),
            ValueError,
            r"binary_cross_entropy_with_logits: target\[1\] must be in \[0, 1\], got 1.5",
        ),
        (
            lambda: binary_cross_entropy_with_logits(0.0, -0.1),
            ValueError,
            r"binary_cross_entropy_with_logits: target must be in \[0, 1\], got -0.1",
        ),
        (
            lambda: binary_cross_entropy_with_logits([0.0], [math.nan]),
            ValueError,
            r"target\[0\] must be in \[0, 1\], got nan",
        ),
        (
            lambda: binary_cross_entropy_with_logits([0.0, 1.0], [1.0]),
            ValueError,
            r"logit has 2 values but target has 1; they must have the same length",
        ),
        (
            lambda: binary_cross_entropy_with_logits([], []),
            ValueError,
            r"logit and target are empty",
        ),
        (
            lambda: binary_cross_entropy_with_logits(0.0, [1.0]),
            ValueError,
            r"must both be single values or both be sequences, got a single logit and a 1-long",
        ),
        (
            lambda: binary_cross_entropy_with_logits([0.0], 1.0),
            ValueError,
            r"got a 1-long logit and a single target",
        ),
        (
            lambda: binary_cross_entropy_with_logits(["a"], [1.0]),
            TypeError,
            r"logit\[0\] must be a number or a Value, got str 'a'",
        ),
        (
            lambda: binary_cross_entropy_with_logits("ab", [1.0, 0.0]),
            TypeError,
            r"logit must be a number, a Value or a sequence of them, got str",
        ),
        (
            lambda: binary_cross_entropy_with_logits([0.0], [Value(1.0)]),
            TypeError,
            r"target\[0\] must be a plain number \(targets get no gradient\)",
        ),
        (
            lambda: binary_cross_entropy_with_logits([0.0], [True]),
            TypeError,
            r"target\[0\] must be a number, got bool True",
        ),
        (
            lambda: binary_cross_entropy_with_logits([0.0], [None]),
            TypeError,
            r"target\[0\] must be a number, got NoneType",
        ),
        (
            lambda: hinge_loss([0.5, 0.5], [1.0, 0.0]),
            ValueError,
            r"hinge_loss: target\[1\] must be -1 or \+1 \(the two classes\), got 0.0",
        ),
        (
            lambda: hinge_loss([0.5], [1.0, -1.0]),
            ValueError,
            r"hinge_loss: output has 1 values but target has 2",
        ),
        (
            lambda: cross_entropy([0.1, 0.2], 2),
            ValueError,
            r"cross_entropy: target must be a class index in range\(2\), got 2",
        ),
        (
            lambda: cross_entropy([0.1, 0.2], -1),
            ValueError,
            r"target must be a class index in range\(2\), got -1",
        ),
        (
            lambda: cross_entropy([0.1, 0.2], 1.0),
            TypeError,
            r"cross_entropy: target must be an int class index in range\(2\), got float 1.0",
        ),
        (
            lambda: cross_entropy([0.1, 0.2], True),
            TypeError,
            r"target must be an int class index in range\(2\), got bool True",
        ),
        (
            lambda: cross_entropy([[0.1, 0.2], [0.3, 0.4]], [0, 5]),
            ValueError,
            r"cross_entropy: target\[1\] must be a class index in range\(2\), got 5",
        ),
        (
            lambda: cross_entropy([[0.1, 0.2], [0.3, 0.4]], [0]),
            ValueError,
            r"logits has 2 samples but target has 1; they must have the same length",
        ),
        (
            lambda: cross_entropy([[0.1, 0.2], [0.3, 0.4]], 0),
            TypeError,
            r"a batch of 2 logit lists needs a list of 2 class indices as target, got int 0",
        ),
        (
            lambda: cross_entropy([[0.1, 0.2], 0.3], [0, 0]),
            TypeError,
            r"cross_entropy: logits\[1\] must be a list of numbers or Values, got float 0.3",
        ),
        (
            lambda: cross_entropy([[0.1, 0.2], []], [0, 0]),
            ValueError,
            r"logits\[1\] is empty; there must be at least one class",
        ),
        (lambda: cross_entropy([], 0), ValueError, r"cross_entropy: logits is empty"),
        (
            lambda: cross_entropy(Value(1.0), 0),
            TypeError,
            r"logits must be a list of numbers or Values \(one sample\) or a list of such lists",
        ),
        (
            lambda: cross_entropy([0.1, "x"], 0),
            TypeError,
            r"cross_entropy: logits\[1\] must be a number or a Value, got str 'x'",
        ),
        (
            lambda: cross_entropy([0.1, math.inf], 0),
            ValueError,
            r"cross_entropy: logits\[1\] is inf; it must be a finite number",
        ),
        (
            lambda: cross_entropy([[0.1, 0.2], [math.nan, 0.0]], [0, 0]),
            ValueError,
            r"cross_entropy: logits\[1\]\[0\] is nan; it must be a finite number",
        ),
        (
            lambda: binary_cross_entropy_with_logits([0.0, Value(-math.inf)], [1.0, 0.0]),
            ValueError,
            r"binary_cross_entropy_with_logits: logit\[1\] is -inf; it must be a finite number",
        ),
        (
            lambda: hinge_loss(math.nan, 1.0),
            ValueError,
            r"hinge_loss: output is nan; it must be a finite number",
        ),
    ],
)
def test_loss_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
