"""Hostile and unlucky options for the demos (issue 7, "Demos"; issue 9, part 6).

Every bad option is one line on stderr and exit status 2 before any work:
the line the demos print before training ("data: ...") never appears and no
file is written. A learning rate that makes the loss run away stops the run
with exit status 1, naming the step, the learning rate and a smaller one.
The demos run as a user runs them, in subprocesses.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINEAR_REGRESSION = ROOT / "demos" / "linear_regression.py"
MOONS = ROOT / "demos" / "moons.py"
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(script, args, cwd, *, user=None):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    command = [sys.executable, str(script), *args]
    if user is not None:  # run as another user (root only): setpriv drops to that uid
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
        home = Path(cwd) / "home"  # root's home is not theirs to write
        home.mkdir(exist_ok=True)
        home.chmod(0o777)
        env["HOME"] = env["MPLCONFIGDIR"] = str(home)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def load_demo(path):
    spec = importlib.util.spec_from_file_location(path.stem + "_hostile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_refused_before_any_work(result, folder, prog, message):
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one line
    assert result.stderr.startswith(f"{prog}: error: "), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # not even the "data:" line printed before training
    assert sorted(os.listdir(folder)) == sorted(KEEP)  # nothing was written


KEEP = ["a-file", "a-folder"]  # what each test folder holds before the run


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "a-folder").mkdir()
    return tmp_path


HUGE = "9" * 5000  # more digits than Python converts to an int by default

LINEAR_REGRESSION_BAD = [
    (["--seed", "-1"], "argument --seed: must be from 0 to 4,294,967,295, got -1"),
    (["--seed", str(2**32)], "argument --seed: must be from 0 to 4,294,967,295"),
    (["--seed", HUGE], "argument --seed: must be from 0 to 4,294,967,295, got a 5,000-digit"),
    (["--seed", "1.5"], "argument --seed: expected a whole number, got '1.5'"),
    (
        ["--steps", str(10**12)],
        "argument --steps: must be from 1 to 100,000, got 1,000,000,000,000",
    ),
    (["--steps", "10**12"], "argument --steps: expected a whole number, got '10**12'"),
    (["--steps", "-3"], "argument --steps: must be from 1 to 100,000, got -3"),
    (["--steps", "nan"], "argument --steps: expected a whole number, got 'nan'"),
    (["--lr", "inf"], "argument --lr: must be a finite number > 0, got inf"),
    (["--lr=-inf"], "argument --lr: must be a finite number > 0, got -inf"),
    (["--lr", "-inf"], "--lr: expected one argument (a value that starts with - goes after ="),
    (["--lr", "nan"], "argument --lr: must be a finite number > 0, got nan"),
    (["--lr", "1e309"], "argument --lr: must be a finite number > 0"),
    (["--lr", ""], "argument --lr: expected a number, got ''"),
    (["--plot", "out.xyz"], "argument --plot: cannot write a .xyz image; use one of .png"),
    (["--plot", "out.pgf"], "argument --plot: cannot write a .pgf image"),
    (["--plot", "a-folder"], "argument --plot: 'a-folder' is a folder; give a file path in it"),
    (["--plot", "a-file/loss.png"], "'a-file' is a file, not a folder"),
    (["--svg", "a-folder"], "argument --svg: 'a-folder' is a folder, not a file"),
    (["--svg", "a-file/graph.svg"], "argument --svg: cannot write 'a-file/graph.svg': 'a-file'"),
    (["--svg", ""], "argument --svg: expected a file path, got an empty one"),
    (["--svg", "x" * 300 + ".svg"], "argument --svg: cannot use 'xxxx"),
    (["--out-dir", "a-file"], "argument --out-dir: 'a-file' is a file, not a folder"),
    (["--out-dir", "a-file/sub"], "argument --out-dir: cannot write 'a-file/sub'"),
    (["--out-dir", ""], "argument --out-dir: expected a folder path, got an empty one"),
    (
        ["--svg", "pictures/"],
        "argument --svg: expected a file path, got the folder path 'pictures/'",
    ),
    (["--plot", "pictures/"], "argument --plot: expected a file path, got the folder path"),
    (["--bogus"], "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize(("args", "message"), LINEAR_REGRESSION_BAD, ids=lambda a: str(a)[:40])
def test_linear_regression_bad_option_is_refused_before_any_work(folder, args, message):
    if "--plot" in args and not HAS_MATPLOTLIB:
        pytest.skip("--plot needs matplotlib (the demos extra)")
    result = run(LINEAR_REGRESSION, args, folder)
    assert_refused_before_any_work(result, folder, "linear_regression.py", message)


def test_linear_regression_default_file_path_taken_by_a_folder(folder):
    (folder / "a-folder" / "linear_regression_graph.svg").mkdir()
    result = run(LINEAR_REGRESSION, ["--out-dir", "a-folder"], folder)
    assert_refused_before_any_work(
        result,
        folder,
        "linear_regression.py",
        "argument --out-dir: 'a-folder/linear_regression_graph.svg' is a folder, not a file",
    )


MOONS_BAD = [
    (["--seed", "-1"], "argument --seed: must be from 0 to 4,294,967,295, got -1"),
    (["--momentum", "1.5"], "argument --momentum: must be a number >= 0 and < 1, got 1.5"),
    (["--momentum", "1"], "argument --momentum: must be a number >= 0 and < 1, got 1"),
    (["--momentum", "nan"], "argument --momentum: must be a number >= 0 and < 1, got nan"),
    (["--noise", "1e308"], "argument --noise: must be a number from 0 to 10, got 1e308"),
    (["--noise", "-0.1"], "argument --noise: must be a number from 0 to 10, got -0.1"),
    (["--noise", "inf"], "argument --noise: must be a number from 0 to 10, got inf"),
    (["--steps", str(10**12)], "argument --steps: must be from 1 to 20,000, got 1,000,000,000,000"),
    (["--samples", str(10**8)], "argument --samples: must be from 2 to 2,000, got 100,000,000"),
    (["--samples", "0"], "argument --samples: must be from 2 to 2,000, got 0"),
    (["--samples", "1"], "argument --samples: must be from 2 to 2,000, got 1"),
    (
        ["--steps", "20000", "--samples", "2000"],
        "--steps 20,000 x --samples 2,000 is 40,000,000 point-steps, more than the 200,000",
    ),
    (["--lr", "inf"], "argument --lr: must be a finite number > 0, got inf"),
    (["--lr", "0"], "argument --lr: must be a finite number > 0, got 0"),
    (["--plot", "out.xyz"], "argument --plot: cannot write a .xyz image; use one of .png"),
    (["--plot", "a-folder"], "argument --plot: 'a-folder' is a folder; give a file path in it"),
    (["--plot", "a-file/moons.png"], "'a-file' is a file, not a folder"),
    (["--plot", "pictures/"], "argument --plot: expected a file path, got the folder path"),
]


@pytest.mark.parametrize(("args", "message"), MOONS_BAD, ids=lambda a: str(a)[:40])
def test_moons_bad_option_is_refused_before_any_work(folder, args, message):
    if "--plot" in args and not HAS_MATPLOTLIB:
        pytest.skip("--plot needs matplotlib (the demos extra)")
    result = run(MOONS, args, folder)
    assert_refused_before_any_work(result, folder, "moons.py", message)


def _user_who_cannot_write():
    """(why the test cannot run here, or None; the uid to run the demo as, or None for us)."""
    if os.geteuid() != 0:
        return None, None  # a 0555 folder stops us
    if shutil.which("setpriv") is None:
        return "running as root, which writes anywhere, and no setpriv to run as nobody", None
    if not _nobody_can_run_the_demos():
        return "nobody cannot run the demos here (the checkout is in a private folder)", None
    return None, 65534  # nobody


@functools.cache
def _nobody_can_run_the_demos() -> bool:
    """True if uid 65534 can start this Python and read both demo scripts."""
    probe = f"for path in {[str(LINEAR_REGRESSION), str(MOONS)]!r}: open(path).close()"
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    result = subprocess.run(
        [*command, sys.executable, "-c", probe], capture_output=True, timeout=60, check=False
    )
    return result.returncode == 0


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        (LINEAR_REGRESSION, ["--out-dir", "locked/out"], "the folder 'locked' is not writable"),
        (LINEAR_REGRESSION, ["--svg", "locked/g.svg", "--no-files"], "'locked' is not writable"),
        (LINEAR_REGRESSION, ["--out-dir", "locked"], "the folder 'locked' is not writable"),
        (MOONS, ["--plot", "locked/moons.png"], "the folder 'locked' is not writable"),
    ],
)
def test_unwritable_folder_is_refused_before_any_work(script, args, message):
    skip_reason, user = _user_who_cannot_write()
    if skip_reason:
        pytest.skip(skip_reason)
    if "--plot" in args and not HAS_MATPLOTLIB:
        pytest.skip("--plot needs matplotlib (the demos extra)")
    base = Path(tempfile.mkdtemp())  # not under pytest's 0700 folder: another user must enter
    try:
        base.chmod(0o755)
        (base / "locked").mkdir()
        (base / "locked").chmod(0o555)
        result = run(script, args, base, user=user)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
        assert result.stdout == ""
        assert os.listdir(base / "locked") == []
        assert sorted(os.listdir(base)) in (["locked"], ["home", "locked"])
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


# ---- the file written is the file named ----


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the demos extra) is not installed")
def test_linear_regression_plot_without_extension_names_the_png_it_writes(tmp_path):
    result = run(LINEAR_REGRESSION, ["--steps", "2", "--no-files", "--plot", "pics/loss"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote pics/loss.png (fitted line and loss curve)" in result.stdout
    assert (tmp_path / "pics" / "loss.png").read_bytes()[:8] == PNG_MAGIC
    assert os.listdir(tmp_path / "pics") == ["loss.png"]


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the demos extra) is not installed")
def test_moons_plot_without_extension_names_the_png_it_writes(tmp_path):
    args = ["--steps", "1", "--samples", "4", "--plot", "boundary"]
    result = run(MOONS, args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "wrote boundary.png (decision boundary)"
    assert (tmp_path / "boundary.png").read_bytes()[:8] == PNG_MAGIC
    assert sorted(os.listdir(tmp_path)) == ["boundary.png"]


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the demos extra) is not installed")
def test_linear_regression_plot_extension_picks_the_format(tmp_path):
    result = run(LINEAR_REGRESSION, ["--steps", "2", "--no-files", "--plot", "LOSS.PDF"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote LOSS.PDF" in result.stdout
    assert (tmp_path / "LOSS.PDF").read_bytes()[:5] == b"%PDF-"


# ---- a learning rate that is too large stops the run ----


def first_diverging_step(lr, seed=0, steps=300, factor=1000.0):
    """An independent oracle: the same full-batch gradient descent in NumPy.

    The first (1-based) step whose loss is not finite or over ``factor`` times
    the first loss, or None.
    """
    demo = load_demo(LINEAR_REGRESSION)
    from nn import Neuron

    x, y = demo.make_data(seed)
    start = Neuron(1, activation=None, seed=seed).state_dict()
    w, b = start["w.0"], start["b"]
    first = None
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            residual = w * x + b - y
            loss = float(np.mean(residual * residual))
            first = loss if first is None else first
            if not math.isfinite(loss) or loss > factor * first:
                return step, loss, first
            w, b = w - lr * float(np.mean(2 * residual * x)), b - lr * float(np.mean(2 * residual))
    return None


@pytest.mark.parametrize(("lr", "suggested"), [("5", "0.5"), ("1.1", "0.11"), ("1e308", "1e+307")])
def test_linear_regression_too_large_a_learning_rate_stops_with_a_clear_message(
    tmp_path, lr, suggested
):
    step, loss, first = first_diverging_step(float(lr))
    result = run(LINEAR_REGRESSION, ["--lr", lr], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"linear_regression.py: error: training diverged at step {step} of 300: "
    )
    if math.isfinite(loss):
        assert f"the loss grew to {loss:.6g}, more than 1,000 times its starting value" in line
    else:
        assert f"the loss became {loss}" in line
    assert f"its starting value {first:.6g}" in line or f"it started at {first:.6g}" in line
    assert f"the learning rate {float(lr):g} is too large" in line
    assert line.endswith(f"try a smaller one, such as --lr {suggested}")
    assert "learned:" not in result.stdout  # no weights hundreds of digits long, no loss inf
    assert os.listdir(tmp_path) == []  # no pictures of a diverged run
    # the smaller learning rate it suggests does converge
    if lr == "1.1":
        assert first_diverging_step(float(suggested)) is None


def test_linear_regression_largest_stable_learning_rates_do_not_trip_the_check(tmp_path):
    assert first_diverging_step(0.9) is None  # the oracle agrees this one converges
    result = run(LINEAR_REGRESSION, ["--lr", "0.9", "--no-files"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "learned:" in result.stdout


def test_moons_too_large_a_learning_rate_stops_with_a_clear_message(tmp_path):
    result = run(MOONS, ["--lr", "5", "--steps", "30", "--samples", "20"], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    match = re.fullmatch(
        r"moons\.py: error: training diverged at step (\d+) of 30: the loss "
        r"(grew to \S+, more than 1,000 times its starting value \S+|became (inf|nan) .*); "
        r"the learning rate 5 is too large: try a smaller one, such as --lr 0\.5",
        line,
    )
    assert match, line
    assert 2 <= int(match.group(1)) <= 30
    assert "training accuracy" not in result.stdout


def test_moons_nan_gradients_stop_with_a_clear_message_not_a_traceback(tmp_path):
    # lr 1e308 once gave FloatingPointError from SGD.step as a traceback
    result = run(MOONS, ["--lr", "1e308", "--steps", "5", "--samples", "10"], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "training diverged at step 2 of 5" in result.stderr
    assert "such as --lr 1e+307" in result.stderr


@pytest.mark.parametrize("script", [LINEAR_REGRESSION, MOONS], ids=["linear", "moons"])
def test_check_loss_thresholds(script):
    demo = load_demo(script)
    demo.check_loss(5, 10, 999.0, 1.0, 0.1)  # under a thousandfold: fine
    demo.check_loss(5, 10, 1000.0, 1.0, 0.1)  # exactly a thousandfold: still fine
    for loss in (1000.5, math.inf, math.nan):
        with pytest.raises(demo.DivergedError, match="at step 5 of 10"):
            demo.check_loss(5, 10, loss, 1.0, 0.1)
    demo.check_loss(5, 10, 1e-9, 0.0, 0.1)  # a perfect start: only non-finite losses stop


# ---- documented bounds ----


@pytest.mark.parametrize(
    ("script", "phrases"),
    [
        (
            LINEAR_REGRESSION,
            ["1 to 100,000", "0 to 2**32 - 1", "a finite number > 0", ".png", "exit status 1"],
        ),
        (
            MOONS,
            [
                "1 to 20,000",
                "2 to 2,000",
                "at most 200,000",
                "0 to 10",
                "up to (not including) 1",
                "0 to 2**32 - 1",
            ],
        ),
    ],
    ids=["linear", "moons"],
)
def test_help_documents_the_bounds(tmp_path, script, phrases):
    result = run(script, ["--help"], tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for phrase in phrases:
        assert phrase in text, phrase


def test_readme_documents_the_bounds_the_demos_enforce():
    readme = " ".join((ROOT / "README.md").read_text().split())
    linear = load_demo(LINEAR_REGRESSION)
    moons = load_demo(MOONS)
    assert f"1 to {linear.MAX_STEPS:,}" in readme
    assert f"1 to {moons.MAX_STEPS:,}" in readme
    assert f"2 to {moons.MAX_SAMPLES:,}" in readme
    assert f"at most {moons.MAX_POINT_STEPS:,}" in readme
    assert f"0 to {moons.MAX_NOISE:g}" in readme
    assert linear.MAX_SEED == moons.MAX_SEED == 2**32 - 1
    assert "0 to 2**32 - 1" in readme
    assert " ".join(f".{name}" for name in linear.PLOT_FORMATS) in readme
    assert linear.PLOT_FORMATS == moons.PLOT_FORMATS


def readme_demo_examples():
    """``$ python demos/...`` lines in the README's console blocks, with the output shown."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = []
    for block in re.findall(r"^```console\n(.*?)^```$", text, flags=re.S | re.M):
        for line in block.splitlines():
            if line.startswith("$ "):
                examples.append((line.removeprefix("$ "), []))
            elif examples:
                examples[-1][1].append(line)
    return [example for example in examples if example[0].startswith("python demos/")]


def test_readme_diverging_example_prints_what_the_readme_shows(tmp_path):
    examples = readme_demo_examples()
    assert [command for command, _ in examples] == ["python demos/linear_regression.py --lr 5"]
    command, expected = examples[0]
    result = run(ROOT / command.split()[1], command.split()[2:], tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() + result.stderr.splitlines() == expected


def test_out_dir_with_a_trailing_slash_is_a_folder(tmp_path):
    result = run(LINEAR_REGRESSION, ["--steps", "2", "--out-dir", "pictures/"], tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (tmp_path / "pictures").iterdir())
    assert "linear_regression_graph.svg" in written
    assert f"wrote {Path('pictures') / 'linear_regression_graph.svg'}" in result.stdout
