"""demos/newton.py: one Newton step solves the regression; Newton beats descent on Rosenbrock."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from demos import newton, primer

ROOT = Path(__file__).resolve().parent.parent
NEWTON = ROOT / "demos" / "newton.py"
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_demo(*args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, str(NEWTON), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


# ---- 1. the regression ----


def test_the_data_are_the_primers():
    X, y, theta_0, theta_1 = primer.primer_data(0)  # noqa: N806
    random = np.random.RandomState(0)  # the primer's own draws, written out again
    assert np.array_equal(X, np.linspace(-1, 1, 100))
    assert np.array_equal(y, 2 * X + 1 + random.randn(100) * 0.1)
    assert (theta_0, theta_1) == (random.randn(), random.randn())


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_one_newton_step_is_least_squares(seed):
    result = newton.regression(seed, lr=0.1, steps=1, tol=1e-8)
    X, y, theta_0, theta_1 = primer.primer_data(seed)  # noqa: N806
    assert result.start == (theta_0, theta_1)
    design = np.column_stack([np.ones_like(X), X])
    (intercept, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    assert result.newton == pytest.approx((intercept, slope), abs=1e-12)
    assert result.newton != pytest.approx(result.start, abs=0.1)  # it did move


def test_the_hessian_of_the_mse_is_2_over_n_times_the_normal_matrix():
    X, *_ = primer.primer_data(0)  # noqa: N806
    design = np.column_stack([np.ones_like(X), X])
    expected = 2 / len(X) * design.T @ design  # the MSE's exact Hessian, at any point
    result = newton.regression(0, lr=0.1, steps=1, tol=1e-8)
    assert np.allclose(result.hessian, expected, rtol=1e-12, atol=1e-14)


def test_gradient_descent_needs_hundreds_of_steps_for_what_newton_does_in_one():
    result = newton.regression(0, lr=0.1, steps=10_000, tol=1e-8)
    assert result.gd_steps is not None
    assert 100 < result.gd_steps < 1000
    # the slowest direction shrinks by 1 - lr * (its curvature) per step
    slowest = 1 - 0.1 * min(np.linalg.eigvalsh(result.hessian))
    start_error = newton.distance(result.start, result.least_squares)
    predicted = np.log(1e-8 / start_error) / np.log(slowest)
    assert result.gd_steps == pytest.approx(predicted, rel=0.05)


# ---- 2. Rosenbrock ----


@pytest.fixture(scope="module")
def rosenbrock_runs():
    runs = newton.rosenbrock_runs(lr=1e-3, steps=10_000, tol=1e-8)
    return {run.method.split(" (")[0]: run for run in runs}


def test_rosenbrock_gradient_and_hessian_are_the_exact_ones():
    x, y = -1.2, 1.0
    _value, gradient = newton.value_and_gradient(newton.rosenbrock, [x, y])
    exact_gradient = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
    assert gradient == pytest.approx(exact_gradient, rel=1e-14)
    exact_hessian = [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200]]
    computed = newton.hessian(newton.rosenbrock, [x, y])
    assert np.allclose(computed, exact_hessian, rtol=1e-14, atol=0)


def test_newton_with_line_search_reaches_the_minimum_fast(rosenbrock_runs):
    run = rosenbrock_runs["Newton + line search"]
    assert run.iterations is not None
    assert run.iterations < 30
    assert newton.distance(run.final, (1.0, 1.0)) < 1e-8
    assert run.path[0].tolist() == [-1.2, 1.0]
    # the line search only accepts steps that lower f
    assert np.all(np.diff(run.losses) < 0)


def test_full_newton_steps_get_there_but_climb_on_the_way(rosenbrock_runs):
    run = rosenbrock_runs["Newton, full steps"]
    assert run.iterations is not None
    assert newton.distance(run.final, (1.0, 1.0)) < 1e-8
    assert max(run.losses) > 50 * run.losses[0]  # what the line search prevents


def test_gradient_descent_does_not_get_there_within_its_budget(rosenbrock_runs):
    run = rosenbrock_runs["gradient descent"]
    assert run.iterations is None
    assert len(run.path) == 10_001
    distance = newton.distance(run.final, (1.0, 1.0))
    assert 1e-8 < distance < 0.1  # on its way along the valley, far from converged
    assert run.losses[-1] < run.losses[0]


def test_a_hessian_that_is_not_positive_definite_falls_back_to_the_gradient():
    # at (0, 1) Rosenbrock's Hessian is [[2 - 400, 0], [0, 200]]: a saddle, no bowl
    value, gradient, direction = newton.newton_direction(newton.rosenbrock, [0.0, 1.0])
    assert value == 101.0
    assert direction.tolist() == (-gradient).tolist()


# ---- the command line ----


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the demos extra) is not installed")
def test_the_demo_prints_both_parts_and_writes_a_png_to_demo_output(tmp_path):
    result = run_demo("--steps", "2000", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Newton vs least squares:  distance" in out
    assert "gradient descent (lr=0.1): 279 steps to come within 1e-08 of least squares" in out
    assert "Newton + line search         21 iterations" in out
    assert "gradient descent (lr=0.001)  not converged in 2000 steps" in out
    written = Path("demo-output") / "newton_rosenbrock.png"
    assert f"wrote {written}" in out
    data = (tmp_path / written).read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert b"IEND" in data[-12:]  # the whole file, not a prefix
    assert [path.name for path in (tmp_path / "demo-output").iterdir()] == [written.name]


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the demos extra) is not installed")
def test_plot_path_makes_its_folder_and_no_plot_writes_nothing(tmp_path):
    result = run_demo("--steps", "1", "--plot", "pictures/paths.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not converged in 1 steps" in result.stdout
    assert (tmp_path / "pictures" / "paths.png").read_bytes().startswith(PNG_MAGIC)
    assert [path.name for path in (tmp_path / "pictures").iterdir()] == ["paths.png"]
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    result = run_demo("--steps", "1", "--no-plot", cwd=quiet)
    assert result.returncode == 0, result.stderr
    assert "wrote" not in result.stdout
    assert list(quiet.iterdir()) == []


def test_plot_without_matplotlib_is_a_usage_error(tmp_path):
    code = (
        "import runpy, sys\n"
        "sys.modules['matplotlib'] = None\n"
        f"sys.argv = [{str(NEWTON)!r}, '--plot', 'paths.png']\n"
        f"runpy.run_path({str(NEWTON)!r}, run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "--plot needs matplotlib" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "0"], "argument --lr: must be a finite number > 0, got 0"),
        (["--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
        (["--rosenbrock-lr", "inf"], "argument --rosenbrock-lr: must be a finite number > 0"),
        (["--steps", "0"], "argument --steps: must be >= 1, got 0"),
        (["--steps", "1e3"], "argument --steps: expected a whole number, got '1e3'"),
        (["--tol", "-1"], "argument --tol: must be a finite number > 0"),
        (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["--plot", "a.png", "--no-plot"], "argument --no-plot: not allowed with argument --plot"),
        (["--plot", "."], "--plot: '.' is a folder"),
        (["--plot", "paths.svg"], "--plot: 'paths.svg' must end in .png"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_exit_2_with_one_line_before_any_work(tmp_path, args, message):
    result = run_demo(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing was computed
    assert list(tmp_path.iterdir()) == []


def test_help_lists_the_options(tmp_path):
    result = run_demo("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--seed", "--lr", "--rosenbrock-lr LR", "--steps N", "--tol T", "--plot PATH"):
        assert option in result.stdout
    assert "--no-plot" in result.stdout


def test_the_guide_shows_the_committed_picture():
    picture = ROOT / "docs" / "images" / "newton-rosenbrock.png"
    data = picture.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert b"IEND" in data[-12:]
    guide = (ROOT / "docs" / "higher-order.md").read_text(encoding="utf-8")
    assert "](images/newton-rosenbrock.png)" in guide
