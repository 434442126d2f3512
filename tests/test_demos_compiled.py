"""--compiled on the demos: the same trajectory as the scalar graphs, through compile_graph."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import compile_graph
from autograd.compiled import FUSED_TOLERANCE

ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"demo_{name}", ROOT / "demos" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "demos"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "demos"))
    return module


def relative(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def test_linear_regression_compiled_follows_the_scalar_losses_to_1e12() -> None:
    demo = load("linear_regression")
    x, y = demo.make_data(3)
    scalar_model, scalar_losses = demo.train(x, y, 200, 0.2, 3)
    compiled_model, compiled_losses = demo.train_compiled(x, y, 200, 0.2, 3)
    assert len(compiled_losses) == 200
    assert max(relative(a, b) for a, b in zip(scalar_losses, compiled_losses, strict=True)) < 1e-12
    assert relative(scalar_model.w[0].data, compiled_model.w[0].data) < 1e-12
    assert relative(scalar_model.b.data, compiled_model.b.data) < 1e-12


def test_linear_regression_compiled_stops_a_diverging_run_the_same_way() -> None:
    demo = load("linear_regression")
    x, y = demo.make_data(0)
    with pytest.raises(demo.DivergedError) as scalar:
        demo.train(x, y, 300, 5.0, 0)
    with pytest.raises(demo.DivergedError) as compiled:
        demo.train_compiled(x, y, 300, 5.0, 0)
    assert scalar.value.step == compiled.value.step


def test_moons_compiled_follows_the_scalar_accuracies_and_weights(capsys) -> None:
    demo = load("moons")
    points, labels = demo.make_moons(40, 0.1, 1)
    scalar_model, scalar_accuracies = demo.train(points, labels, 15, 0.1, 0.9, 1)
    compiled_model, compiled_accuracies = demo.train_compiled(points, labels, 15, 0.1, 0.9, 1)
    assert scalar_accuracies == compiled_accuracies
    # the demo's program is fused (its layers run as matrix products, which add each
    # neuron's terms in another order), so the weights agree to the fused tolerance
    program = compile_graph(lambda x0, x1, y: (compiled_model([x0, x1]) - y) ** 2,
                            params=compiled_model)  # fmt: skip
    assert program.fused
    for a, b in zip(scalar_model.parameters(), compiled_model.parameters(), strict=True):
        assert relative(a.data, b.data) < FUSED_TOLERANCE
    printed = capsys.readouterr().out.splitlines()
    scalar_lines = [line for line in printed if line.startswith("step")]
    assert scalar_lines[: len(scalar_lines) // 2] == scalar_lines[len(scalar_lines) // 2 :]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_the_commands_take_compiled() -> None:
    result = run("demos/linear_regression.py", "--no-files", "--compiled", "--steps", "50")
    assert result.returncode == 0, result.stderr
    assert "replayed by compile_graph" in result.stdout
    result = run("demos/moons.py", "--compiled", "--steps", "5", "--samples", "30")
    assert result.returncode == 0, result.stderr
    assert "training accuracy" in result.stdout


def test_moons_compiled_refuses_a_loss_that_reads_each_points_numbers() -> None:
    result = run("demos/moons.py", "--compiled", "--loss", "bce", "--steps", "5")
    assert result.returncode == 2
    assert "--compiled needs --loss mse" in result.stderr
    assert result.stdout == ""
