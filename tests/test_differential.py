"""Differential tests: our gradients against sympy's exact derivatives and PyTorch."""

from __future__ import annotations

import math

import pytest
from engines import close, exact_gradients, our_gradients, ours, torch_gradients
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from programs import TEMPLATES, Program, points, programs, well_conditioned

from autograd import Value

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_issue_example_matches_sympy_to_1e12() -> None:
    def program(ns, a, b):
        return ns.tanh(a * b + b**2)

    value, gradient = our_gradients(program, [2.0, -3.0])
    exact_value, exact_gradient = exact_gradients(program, [2.0, -3.0])
    assert value == pytest.approx(exact_value, abs=1e-12)
    assert gradient[0] == pytest.approx(exact_gradient[0], abs=1e-12)
    assert gradient[1] == pytest.approx(exact_gradient[1], abs=1e-12)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_each_template_matches_sympy(template: str) -> None:
    program = Program(2, ((template, 0, 1),))
    for point in ([0.7, -1.3], [-0.4, 0.9], [1.6, 0.25]):
        value, gradient = our_gradients(program, point)
        exact_value, exact_gradient = exact_gradients(program, point)
        assert close(value, exact_value), (template, point)
        for ours_, theirs in zip(gradient, exact_gradient, strict=True):
            assert close(ours_, theirs), (template, point, gradient, exact_gradient)


@SETTINGS
@given(data=st.data(), program=programs())
def test_random_programs_match_sympy(data: st.DataObject, program: Program) -> None:
    point = data.draw(points(program.n_inputs))
    inputs = [Value(x) for x in point]
    assume(well_conditioned(program(ours, *inputs)))
    value, gradient = our_gradients(program, point)
    assume(all(math.isfinite(g) and abs(g) < 1e6 for g in gradient))
    exact_value, exact_gradient = exact_gradients(program, point)
    assert close(value, exact_value, rel=1e-9, abs_=1e-9)
    for index, (ours_, theirs) in enumerate(zip(gradient, exact_gradient, strict=True)):
        assert close(ours_, theirs, rel=1e-7, abs_=1e-9), (index, ours_, theirs)


@SETTINGS
@given(data=st.data(), program=programs(max_length=12))
def test_random_programs_match_torch(data: st.DataObject, program: Program) -> None:
    pytest.importorskip("torch")
    point = data.draw(points(program.n_inputs))
    inputs = [Value(x) for x in point]
    assume(well_conditioned(program(ours, *inputs)))
    value, gradient = our_gradients(program, point)
    torch_value, torch_gradient = torch_gradients(program, point)
    assert close(value, torch_value, rel=1e-12, abs_=1e-12)
    for index, (ours_, theirs) in enumerate(zip(gradient, torch_gradient, strict=True)):
        assert close(ours_, theirs, rel=1e-9, abs_=1e-12), (index, ours_, theirs)


def test_issue_example_matches_torch_to_1e12() -> None:
    pytest.importorskip("torch")

    def program(ns, a, b):
        return ns.tanh(a * b + b**2)

    value, gradient = our_gradients(program, [2.0, -3.0])
    torch_value, torch_gradient = torch_gradients(program, [2.0, -3.0])
    assert value == pytest.approx(torch_value, abs=1e-12)
    assert gradient == pytest.approx(torch_gradient, abs=1e-12)
