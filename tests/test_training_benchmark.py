"""The training benchmark compares like with like: both engines' loops give the same numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("micrograd")


@pytest.fixture(scope="module")
def training():
    spec = importlib.util.spec_from_file_location(
        "training_benchmark", ROOT / "benchmarks" / "training.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mlp_step_loops_agree(training):
    inputs, targets = training.moons_like_data()
    inputs, targets = inputs[:10], targets[:10]
    ours = training.our_mlp_step(inputs, targets)
    theirs = training.micrograd_mlp_step(inputs, targets)
    for _step in range(2):
        assert ours() == pytest.approx(theirs(), rel=1e-12)


def test_demo_loops_agree(training, monkeypatch):
    demo = training.load_demo()
    monkeypatch.setattr(demo, "DEFAULT_STEPS", 20)
    fits = [
        training.our_demo_run(demo)(),
        training.our_demo_run_with_float_data(demo)(),
        training.micrograd_demo_run(demo)(),
        training.micrograd_demo_run(demo, wrap_data=False)(),
    ]
    for fit in fits[1:]:
        assert fit == pytest.approx(fits[0], rel=1e-12)


def test_repeated_runs_a_step_that_many_times(training):
    calls = []
    training.repeated(lambda: calls.append(1), 5)()
    assert len(calls) == 5
