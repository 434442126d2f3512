"""The demos run as a user runs them (subprocesses), and the numbers they print are checked."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd

ROOT = Path(__file__).resolve().parent.parent
LINEAR_REGRESSION = ROOT / "demos" / "linear_regression.py"
MOONS = ROOT / "demos" / "moons.py"

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
HAS_SAVE_SVG = hasattr(autograd, "save_svg")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(args, cwd, *, python_args=(), stdin=None, hide=()):
    """Run ``python [python_args] args`` in ``cwd``; ``hide`` lists modules made unimportable."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    command = [sys.executable, *python_args]
    if hide:
        # run the script as __main__ with the named modules blocked, as if not installed
        script, *script_args = args
        code = (
            "import runpy, sys\n"
            f"for name in {list(hide)!r}: sys.modules[name] = None\n"
            f"sys.argv = [{str(script)!r}, *{script_args!r}]\n"
            f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
        )
        command += ["-c", code]
    else:
        command += [str(arg) for arg in args]
    return subprocess.run(
        command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=300
    )


def number_after(label, text):
    match = re.search(label + r"\s*(-?[0-9.]+(?:e[-+]?[0-9]+)?)", text)
    assert match, f"no {label!r} in output:\n{text}"
    return float(match.group(1))


def load_demo(path):
    spec = importlib.util.spec_from_file_location(path.stem + "_demo", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- linear regression ----


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """One run of the linear-regression demo with default settings, in an empty folder."""
    cwd = tmp_path_factory.mktemp("linear-regression")
    result = run([LINEAR_REGRESSION], cwd)
    return cwd, result


def test_linear_regression_defaults_match_least_squares(default_run):
    _cwd, result = default_run
    assert result.returncode == 0, result.stderr
    out = result.stdout
    slope_difference = number_after(r"difference:\s*slope", out)
    intercept_difference = number_after(r"intercept", out.split("difference:")[1])
    assert slope_difference < 1e-3
    assert intercept_difference < 1e-3

    learned_slope = number_after(r"learned:\s*slope w =", out)
    learned_intercept = number_after(r"intercept b =", out.split("learned:")[1])
    best_slope = number_after(r"least squares:\s*slope w =", out)
    best_intercept = number_after(r"intercept b =", out.split("least squares:")[1])
    assert abs(learned_slope - best_slope) < 1e-3
    assert abs(learned_intercept - best_intercept) < 1e-3
    assert learned_slope == pytest.approx(2.0, abs=0.05)  # the true line is y = 2x + 1
    assert learned_intercept == pytest.approx(1.0, abs=0.05)

    # the closed form the demo prints is numpy's own answer on the same data
    demo = load_demo(LINEAR_REGRESSION)
    x, y = demo.make_data(0)
    (slope, intercept), *_ = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y)
    assert best_slope == pytest.approx(slope, abs=1e-6)
    assert best_intercept == pytest.approx(intercept, abs=1e-6)

    final = number_after(r"final loss:", out)
    assert final == pytest.approx(0.1**2, rel=0.3)  # the noise variance is all that is left


def test_linear_regression_prints_plain_progress_when_not_on_a_terminal(default_run):
    _cwd, result = default_run
    steps = re.findall(r"^step\s+(\d+)/300\s+loss ([0-9.]+)$", result.stdout, re.MULTILINE)
    assert [int(step) for step, _loss in steps] == list(range(30, 301, 30))
    losses = [float(loss) for _step, loss in steps]
    assert losses == sorted(losses, reverse=True)


@pytest.mark.skipif(not HAS_SAVE_SVG, reason="autograd.save_svg is not there yet")
def test_linear_regression_writes_the_graph_svg_by_default(default_run):
    cwd, result = default_run
    svg = cwd / "demo-output" / "linear_regression_graph.svg"
    assert f"wrote {Path('demo-output') / 'linear_regression_graph.svg'}" in result.stdout
    text = svg.read_text()
    assert "<svg" in text
    for label in ("loss", "prediction", "w", "b", "x", "y"):
        assert re.search(rf">{re.escape(label)}</text>", text), label
    # drawn with params=model: the weight and bias are parameters, the sample is data
    svg_ns = "{http://www.w3.org/2000/svg}"
    classes = {}
    for group in ET.fromstring(text.encode("utf-8")).iter(f"{svg_ns}g"):
        kinds = (group.get("class") or "").split()
        if kinds[:1] == ["node"]:
            first_text = next(group.iter(f"{svg_ns}text"))
            classes[first_text.text] = " ".join(kinds[1:])
    assert classes["w"] == classes["b"] == "parameter"
    assert classes["x"] == classes["y"] == "data"
    assert classes["prediction"] == classes["loss"] == ""


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the demos extra) is not installed")
def test_linear_regression_writes_the_loss_plot_by_default(default_run):
    cwd, result = default_run
    assert "wrote demo-output/linear_regression_loss.png" in result.stdout
    assert (cwd / "demo-output" / "linear_regression_loss.png").read_bytes()[:8] == PNG_MAGIC


def test_linear_regression_options_under_python_optimize(tmp_path):
    result = run(
        [LINEAR_REGRESSION, "--steps", "150", "--lr", "0.3", "--seed", "7", "--no-files"],
        tmp_path,
        python_args=["-O"],
    )
    assert result.returncode == 0, result.stderr
    assert "(seed 7)" in result.stdout
    assert "SGD(lr=0.3), 150 full-batch steps" in result.stdout
    assert number_after(r"difference:\s*slope", result.stdout) < 1e-3
    assert number_after(r"intercept", result.stdout.split("difference:")[1]) < 1e-3
    assert os.listdir(tmp_path) == []  # --no-files: nothing written


def test_linear_regression_too_few_steps_is_visibly_off(tmp_path):
    # the printed difference is a real measurement, not a constant
    result = run([LINEAR_REGRESSION, "--steps", "3", "--no-files"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert number_after(r"difference:\s*slope", result.stdout) > 1e-2


@pytest.mark.skipif(not HAS_SAVE_SVG, reason="autograd.save_svg is not there yet")
def test_linear_regression_svg_and_plot_paths(tmp_path):
    args = [LINEAR_REGRESSION, "--steps", "20", "--svg", "out/graph.svg", "--no-files"]
    if HAS_MATPLOTLIB:
        args += ["--plot", "plots/loss.png"]
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "<svg" in (tmp_path / "out" / "graph.svg").read_text()
    if HAS_MATPLOTLIB:
        assert (tmp_path / "plots" / "loss.png").read_bytes()[:8] == PNG_MAGIC
    assert not (tmp_path / "demo-output").exists()


def test_linear_regression_out_dir(tmp_path):
    result = run([LINEAR_REGRESSION, "--steps", "5", "--out-dir", "pictures"], tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (tmp_path / "pictures").iterdir())
    expected = []
    if HAS_SAVE_SVG:
        expected.append("linear_regression_graph.svg")
    if HAS_MATPLOTLIB:
        expected.append("linear_regression_loss.png")
    assert written == sorted(expected)


def test_linear_regression_without_matplotlib_or_tqdm(tmp_path):
    result = run([LINEAR_REGRESSION, "--steps", "10"], tmp_path, hide=["matplotlib", "tqdm"])
    assert result.returncode == 0, result.stderr
    assert "linear_regression_loss.png" not in result.stdout
    assert not (tmp_path / "demo-output" / "linear_regression_loss.png").exists()
    assert "step    10/10" in result.stdout


def test_linear_regression_plot_without_matplotlib_is_a_usage_error(tmp_path):
    result = run([LINEAR_REGRESSION, "--plot", "loss.png"], tmp_path, hide=["matplotlib"])
    assert result.returncode == 2
    assert "--plot needs matplotlib" in result.stderr
    assert "Traceback" not in result.stderr


def test_linear_regression_svg_folder_is_refused_before_training(tmp_path):
    # a folder where the SVG file should go: refused before any training step
    (tmp_path / "taken.svg").mkdir()
    result = run([LINEAR_REGRESSION, "--steps", "5", "--svg", "taken.svg", "--no-files"], tmp_path)
    assert result.returncode == 2
    assert "argument --svg: 'taken.svg' is a folder, not a file" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # not even the data line: nothing ran


def test_linear_regression_svg_failure_is_reported_not_a_traceback(tmp_path, monkeypatch, capsys):
    # the path passes the checks but drawing fails: reported after the results, exit 1
    demo = load_demo(LINEAR_REGRESSION)

    def broken(path, loss, params=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(demo, "save_graph", broken)
    monkeypatch.chdir(tmp_path)
    status = demo.main(["--steps", "5", "--svg", "graph.svg", "--no-files"])
    captured = capsys.readouterr()
    assert status == 1
    assert "could not write the graph SVG 'graph.svg'" in captured.err
    assert "No space left on device" in captured.err
    assert "learned:" in captured.out  # the results are still printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "0"], "argument --lr: must be a finite number > 0, got 0"),
        (["--lr", "-1"], "argument --lr: must be a finite number > 0"),
        (["--lr", "nan"], "argument --lr: must be a finite number > 0"),
        (["--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
        (["--steps", "0"], "argument --steps: must be from 1 to 100,000, got 0"),
        (["--steps", "1.5"], "argument --steps: expected a whole number, got '1.5'"),
        (["--seed", "x"], "argument --seed: expected a whole number, got 'x'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_linear_regression_bad_options(tmp_path, args, message):
    result = run([LINEAR_REGRESSION, *args], tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_linear_regression_runs_under_pdb(tmp_path):
    result = run(
        ["-m", "pdb", LINEAR_REGRESSION, "--steps", "5", "--no-files"],
        tmp_path,
        stdin="continue\nquit\n",
    )
    assert result.returncode == 0, result.stderr
    assert "learned:" in result.stdout


def test_linear_regression_train_in_process():
    demo = load_demo(LINEAR_REGRESSION)
    x, y = demo.make_data(3)
    assert len(x) == 100
    assert (x[0], x[-1]) == (-1.0, 1.0)
    np.testing.assert_allclose(np.diff(x), 2 / 99)
    _x_again, y_again = demo.make_data(3)
    assert (y == y_again).all()
    assert not (y == demo.make_data(4)[1]).all()
    reported = []
    steps = demo.DEFAULT_STEPS
    model, losses = demo.train(
        x, y, steps, demo.DEFAULT_LR, 3, report=lambda step, loss: reported.append(step)
    )
    assert reported == list(range(steps))
    assert len(losses) == steps
    slope, intercept = demo.closed_form(x, y)
    assert abs(model.w[0].data - slope) < 1e-6
    assert abs(model.b.data - intercept) < 1e-6


def test_linear_regression_progress_bar_on_a_terminal(capsys):
    pytest.importorskip("tqdm")
    demo = load_demo(LINEAR_REGRESSION)
    progress = demo.Progress(4, use_bar=True)
    for step in range(4):
        progress(step, 1.0 / (step + 1))
    progress.close()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "4/4" in captured.err
    assert "loss 0.250000" in captured.err


def test_sample_loss_graph_has_the_gradients():
    demo = load_demo(LINEAR_REGRESSION)
    from nn import Neuron

    model = Neuron(1, activation=None, seed=0)
    model.load_state_dict({"w.0": 2.0, "b": 1.0})
    loss = demo.sample_loss_graph(model, 0.5, 1.5)
    # prediction = 2 * 0.5 + 1 = 2, loss = (2 - 1.5)**2 = 0.25, d loss/d w = 2 * 0.5 * 0.5
    assert loss.label == "loss"
    assert loss.data == 0.25
    assert (model.w[0].grad, model.b.grad) == (0.5, 1.0)


# ---- two moons ----


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("moons")
    args = [MOONS]
    if HAS_MATPLOTLIB:
        args += ["--plot", "boundary.png"]
    return cwd, run(args, cwd)


def test_moons_reaches_95_percent_training_accuracy(moons_run):
    _cwd, result = moons_run
    assert result.returncode == 0, result.stderr
    assert "model: MLP(2, [16, 16, 1])" in result.stdout
    accuracy = number_after(r"training accuracy:", result.stdout)
    assert accuracy >= 95.0
    correct, total = re.search(r"\((\d+)/(\d+) points\)", result.stdout).groups()
    assert int(total) == 100
    assert int(correct) == round(accuracy)


def test_moons_progress_lines(moons_run):
    _cwd, result = moons_run
    lines = re.findall(r"^step\s+(\d+)/100\s+loss ([0-9.]+)\s+accuracy", result.stdout, re.M)
    assert [int(step) for step, _loss in lines] == list(range(10, 101, 10))
    assert float(lines[-1][1]) < float(lines[0][1])


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the demos extra) is not installed")
def test_moons_plot(moons_run):
    cwd, result = moons_run
    assert "wrote boundary.png" in result.stdout
    assert (cwd / "boundary.png").read_bytes()[:8] == PNG_MAGIC


def test_moons_few_steps_is_worse(tmp_path):
    result = run([MOONS, "--steps", "2", "--samples", "40"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert number_after(r"training accuracy:", result.stdout) < 95.0


def test_moons_data_in_process():
    demo = load_demo(MOONS)
    points, labels = demo.make_moons(101, 0.0, seed=0)
    assert points.shape == (101, 2)
    assert sorted(set(labels.tolist())) == [-1.0, 1.0]
    upper = points[labels < 0]
    lower = points[labels > 0]
    # without noise: the upper arc is the unit half-circle, the lower one shifted by (1, 0.5)
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    noisy, _labels = demo.make_moons(100, 0.1, seed=0)
    assert (noisy == demo.make_moons(100, 0.1, seed=0)[0]).all()
    assert demo.accuracy([0.5, -0.2, 0.1], [1.0, -1.0, -1.0]) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "0"], "argument --lr: must be a finite number > 0, got 0"),
        (["--momentum", "-0.1"], "argument --momentum: must be a number >= 0 and < 1"),
        (["--samples", "1"], "argument --samples: must be from 2 to 2,000, got 1"),
        (["--steps", "many"], "argument --steps: expected a whole number"),
    ],
)
def test_moons_bad_options(tmp_path, args, message):
    result = run([MOONS, *args], tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("loss", ["bce", "hinge", "ce"])  # mse, the default: tests above
def test_moons_trains_with_each_loss(tmp_path, loss):
    result = run(
        [MOONS, "--loss", loss, "--samples", "24", "--steps", "40", "--lr", "0.3"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    outputs = 2 if loss == "ce" else 1
    assert f"model: MLP(2, [16, 16, {outputs}])" in result.stdout
    assert f"loss {loss}" in result.stdout
    assert number_after(r"training accuracy:", result.stdout) >= 95.0


def test_moons_loss_choice_is_checked(tmp_path):
    result = run([MOONS, "--loss", "l1"], tmp_path)
    assert result.returncode == 2
    assert "argument --loss: invalid choice: 'l1'" in result.stderr
    assert "Traceback" not in result.stderr


def test_moons_losses_see_the_labels_in_their_own_form():
    import math

    from autograd import Value

    demo = load_demo(MOONS)
    outputs = [Value(2.0), Value(-1.0)]
    labels = [1.0, -1.0]
    # bce sees 0/1 targets, ce class indices, hinge and mse the -1/+1 labels themselves
    assert demo.classification_loss("bce", outputs, labels).data == pytest.approx(
        (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0))) / 2, rel=1e-15
    )
    assert demo.classification_loss("hinge", outputs, labels).data == 0.0
    assert demo.classification_loss("mse", outputs, labels).data == 0.5  # ((2 - 1)**2 + 0) / 2
    pairs = [[Value(0.0), Value(3.0)], [Value(1.0), Value(-1.0)]]
    assert demo.classification_loss("ce", pairs, labels).data == pytest.approx(
        (math.log1p(math.exp(-3.0)) + math.log1p(math.exp(-2.0))) / 2, rel=1e-15
    )
    assert [demo.score(pair).data for pair in pairs] == [3.0, -2.0]
