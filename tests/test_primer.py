"""demos/primer.py runs the primer's loop as written; the guide's numbers about it are its numbers.

The guide (docs/learn-backprop.md, section 7) quotes the primer's program and
says what it does in words and numbers. Each claim in the prose is a phrase
below, formatted with the numbers computed here; the test fails if the guide's
wording or numbers drift from what the code gives.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd import Value
from nn import Neuron, mse_loss

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "learn-backprop.md"
GUIDE_ZH = ROOT / "docs" / "learn-backprop.zh.md"  # quotes the same program, the same output
GUIDES = pytest.mark.parametrize("guide", [GUIDE, GUIDE_ZH], ids=lambda path: path.name)
PRIMER = ROOT / "demos" / "primer.py"
sys.path.insert(0, str(ROOT / "tests"))

from test_docs import fenced_blocks  # noqa: E402 (the docs' own block reader)

from demos import primer  # noqa: E402 (the guide imports it the same way)


def guide_text() -> str:
    """The guide with every run of whitespace made one space, so phrases may wrap."""
    return " ".join(GUIDE.read_text(encoding="utf-8").split())


def guide_block(starting_with: str, language: str, guide: Path = GUIDE) -> str:
    matches = [
        block.code
        for block in fenced_blocks(guide)
        if block.language == language and block.code.startswith(starting_with)
    ]
    assert len(matches) == 1, f"expected one {language} block starting {starting_with!r}"
    return matches[0]


def quoted_program(guide: Path = GUIDE) -> str:
    return guide_block("import numpy as np\n\n# 生成数据", "python", guide)


@pytest.fixture(scope="module")
def rows():
    return primer.compare()  # the primer's settings, seed 0


@pytest.fixture(scope="module")
def start():
    return primer.primer_data(seed=0)


@pytest.fixture(scope="module")
def as_written(start):
    return primer.primer_loop(*start)


@pytest.fixture(scope="module")
def fixed(start):
    return primer.fixed_loop(*start)


def run_quoted_program() -> tuple[dict, str]:
    """The guide's seed line and quoted program, run as a student runs them; NumPy left as found."""
    seed_block = guide_block("import numpy as np\n\nnp.random.seed(0)", "python")
    namespace: dict = {}
    printed = io.StringIO()
    state = np.random.get_state()
    try:
        with contextlib.redirect_stdout(printed):
            exec(seed_block, namespace)
            exec(quoted_program(), namespace)
    finally:
        np.random.set_state(state)
    return namespace, printed.getvalue()


# ---- the program the guide quotes is the primer's, and the demo runs that loop ----

# SHA-256 of the primer's section-4 code block, the text between its ```python
# fence and the closing fence (468 characters, UTF-8), taken from the primer
# the project came from (../shared/seed/000_74175da339858ad7.txt next to the
# repository). The guide must quote it byte for byte.
PRIMER_PROGRAM_SHA256 = "1e9c99757ae909f73cca786459299b2a725b0217076f0f6cbad961272cd7841e"


@GUIDES
def test_the_guide_quotes_the_primers_program_byte_for_byte(guide):
    quoted = quoted_program(guide)
    assert len(quoted) == 468
    assert hashlib.sha256(quoted.encode("utf-8")).hexdigest() == PRIMER_PROGRAM_SHA256


def test_the_demo_runs_the_quoted_loop_line_for_line():
    loop = inspect.getsource(primer.primer_loop)
    body = loop[loop.index("    for i in range(iterations):") :].splitlines()[:5]
    quoted = quoted_program()
    for line in body:
        line = line.split("  # noqa")[0][4:]  # as in the primer, at its indent
        assert f"\n{line}\n" in quoted, f"the guide's primer loop lacks {line!r}"


@GUIDES
def test_the_fix_the_guide_shows_is_the_demos_fixed_loop(guide):
    shown = guide_block("    theta_0 = theta_0 - alpha * np.sum(gradients)", "text", guide)
    source = inspect.getsource(primer.fixed_loop)
    lines = shown.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert f"\n    {line}\n" in source, f"fixed_loop lacks {line.strip()!r}"
    # the rest of the loop is the primer's, unchanged
    quoted = quoted_program()
    for line in source[source.index("        y_pred") :].splitlines()[:2]:
        assert f"\n{line[4:]}\n" in quoted


def test_the_quoted_program_gives_the_demo_numbers(start, as_written):
    namespace, _printed = run_quoted_program()
    X, y, _theta_0, _theta_1 = start  # noqa: N806
    np.testing.assert_array_equal(namespace["X"], X)
    np.testing.assert_array_equal(namespace["y"], y)
    np.testing.assert_array_equal(namespace["theta_0"], as_written[0])
    np.testing.assert_array_equal(namespace["theta_1"], as_written[1])
    assert (namespace["alpha"], namespace["iterations"]) == (
        primer.PRIMER_ALPHA,
        primer.PRIMER_ITERATIONS,
    )


def test_primer_data_is_what_the_global_generator_gives_after_seed_0():
    state = np.random.get_state()
    try:
        np.random.seed(0)
        noise = np.random.randn(100) * 0.1
        theta_0 = np.random.randn()
        theta_1 = np.random.randn()
    finally:
        np.random.set_state(state)
    _X, y, start_0, start_1 = primer.primer_data(seed=0)  # noqa: N806
    np.testing.assert_array_equal(y, 2 * np.linspace(-1, 1, 100) + 1 + noise)
    assert (start_0, start_1) == (theta_0, theta_1)


@GUIDES
def test_the_printed_output_the_guide_shows_is_what_the_program_prints(guide):
    _namespace, printed = run_quoted_program()
    shown = guide_block("theta_0: [", "text", guide)
    lines = [line for line in shown.splitlines() if line != "..."]
    assert len(lines) == 4
    for line in lines:
        assert line in printed.splitlines(), f"the program never prints {line!r}"
    # two arrays of 100 numbers, as the guide says
    arrays = re.findall(r"theta_[01]: \[([^\]]*)\]", printed)
    assert [len(numbers.split()) for numbers in arrays] == [100, 100]


@GUIDES
def test_the_demo_table_in_the_guide_is_what_the_demo_prints(rows, guide):
    printed = primer.report(rows, 0, primer.PRIMER_ALPHA, primer.PRIMER_ITERATIONS)
    assert guide_block("data: the primer's", "text", guide) == printed + "\n"


# the primer's two slips, quoted word for word in section 1 of both editions (its 3.2.2
# and 3.2.1), each beside its correction
PRIMER_SLIPS = {
    "3.2.2": "前向传播。例如，我们可以使用 chain rule 计算每个节点的输出",
    "3.2.1": "从输出层向前传播输入",
}


@GUIDES
def test_section_1_quotes_the_primers_slips_and_corrects_them(guide):
    text = " ".join(guide.read_text(encoding="utf-8").split())
    section_1 = text[text.index("## 1. ") : text.index("## 2. ")]
    for number, words in PRIMER_SLIPS.items():
        assert number in section_1 and words.replace("\n", " ") in section_1, number
    assert "θ ← θ − α ∇J(θ)" in section_1  # noqa: RUF001 (the primer's update rule)
    for name in ("`lr`", "`loss`", "`.grad`", "`w`", "`b`"):
        assert name in section_1, name


# ---- every number the guide's prose quotes about the primer ----


def test_the_bug_makes_both_parameters_arrays_and_the_loss_barely_falls(start, as_written):
    X, y, start_0, start_1 = start  # noqa: N806
    assert np.shape(as_written[0]) == np.shape(as_written[1]) == (100,)
    before = primer.mse(X, y, start_0, start_1)
    after = primer.mse(X, y, *as_written)
    assert 3.0 < after < before < 5.0
    assert f"has only fallen from about {before:.1f} to {after:.1f}" in guide_text()
    assert f"and after {primer.PRIMER_ITERATIONS:,} steps the loss" in guide_text()


def test_each_copy_creeps_by_alpha_over_n_times_its_error(start, as_written):
    X, y, start_0, start_1 = start  # noqa: N806
    alpha = primer.PRIMER_ALPHA
    n = len(X)
    # one step, by hand: copy i moves by alpha/n times its own error
    errors = X * start_1 + start_0 - y
    one_0, one_1 = primer.primer_loop(X, y, start_0, start_1, alpha, iterations=1)
    np.testing.assert_allclose(one_0, start_0 - alpha / n * errors, rtol=0, atol=1e-15)
    np.testing.assert_allclose(one_1, start_1 - alpha / n * errors * X, rtol=0, atol=1e-15)
    # so each error shrinks by the factor shrink_per_step gives, every step
    factor = primer.shrink_per_step(X, alpha)
    errors_after = X * as_written[1] + as_written[0] - y
    np.testing.assert_allclose(errors_after, errors * factor**1000, rtol=1e-9)
    kept = factor**primer.PRIMER_ITERATIONS
    text = guide_text()
    assert f"α/n = {alpha / n:g} that is a crawl" in text  # noqa: RUF001
    assert f"every error is still between {100 * kept.min():.0f}% and {100 * kept.max():.0f}%" in (
        text
    )
    assert "each copy moves by alpha/n times its own sample's error per step" in text


def test_fixed_reaches_the_slope_the_guide_says_against_least_squares(start, fixed):
    X, y, _start_0, _start_1 = start  # noqa: N806
    best_0, best_1 = primer.least_squares(X, y)
    # an independent oracle for least squares: the normal equations, solved by hand
    mean_x, mean_y = X.mean(), y.mean()
    slope = np.sum((X - mean_x) * (y - mean_y)) / np.sum((X - mean_x) ** 2)
    assert best_1 == pytest.approx(slope, abs=1e-12)
    assert best_0 == pytest.approx(mean_y - slope * mean_x, abs=1e-12)
    assert fixed[0] == pytest.approx(best_0, abs=1e-4)  # the intercept has arrived
    assert f"the slope is still near {fixed[1]:.2f}, short of least squares' {best_1:.2f}" in (
        guide_text()
    )


def test_why_the_slope_lags(start, fixed):
    X, y, _start_0, start_1 = start  # noqa: N806
    _best_0, best_1 = primer.least_squares(X, y)
    alpha = primer.PRIMER_ALPHA
    slope_factor = (1 - alpha * np.mean(X**2)) ** primer.PRIMER_ITERATIONS
    distance = best_1 - start_1
    # with mean(x) = 0 the slope's distance shrinks by exactly that factor
    assert abs(np.mean(X)) < 1e-15
    assert best_1 - fixed[1] == pytest.approx(distance * slope_factor, rel=1e-6)
    assert np.mean(X**2) == pytest.approx(1 / 3, abs=0.01)  # "about a third"
    assert "`mean(x²)` is only about a third here" in guide_text()
    assert (
        f"after {primer.PRIMER_ITERATIONS:,} steps {100 * slope_factor:.1f}% of the slope's "
        f"starting distance of {distance:.2f} is left"
    ) in guide_text()


def test_the_fixed_loop_is_stable_below_alpha_2_and_diverges_above(start):
    X, y, _start_0, _start_1 = start  # noqa: N806
    best_loss = primer.mse(X, y, *primer.least_squares(X, y))
    converged = primer.fixed_loop(*start, alpha=1.99, iterations=5000)
    assert primer.mse(X, y, *converged) == pytest.approx(best_loss, rel=1e-9)
    diverged = primer.fixed_loop(*start, alpha=2.01, iterations=5000)
    assert primer.mse(X, y, *diverged) > 1e6
    assert "beyond α = 2 the intercept's factor `1 − α` is below −1" in guide_text()  # noqa: RUF001


def test_the_primers_gradient_is_half_the_mse_gradient(start):
    """1/n against 2/n: the engine's d MSE / d param is twice the primer's summed gradient."""
    X, y, start_0, start_1 = start  # noqa: N806
    model = Neuron(1, activation=None)
    model.load_state_dict({"w.0": start_1, "b": start_0})
    loss = mse_loss([model([Value(x_i)]) for x_i in X.tolist()], y.tolist())
    loss.backward()
    gradients = (X * start_1 + start_0 - y) / len(X)  # the primer's line
    assert model.b.grad == pytest.approx(2 * np.sum(gradients), abs=1e-12)
    assert model.w[0].grad == pytest.approx(2 * np.sum(gradients * X), abs=1e-12)
    alpha = primer.PRIMER_ALPHA
    phrase = f"the primer's α = {alpha:g} is a learning rate of {alpha / 2:g} on the MSE"  # noqa: RUF001
    assert phrase in guide_text()


def test_the_engine_at_half_alpha_retraces_the_fixed_loop(rows, fixed):
    by_method = {row.method: row for row in rows}
    same_step = by_method["engine, SGD(lr=0.005) on mse_loss"]
    assert same_step.theta_0 == pytest.approx(fixed[0], abs=1e-12)
    assert same_step.theta_1 == pytest.approx(fixed[1], abs=1e-12)
    full_step = by_method["engine, SGD(lr=0.01) on mse_loss"]
    best = by_method["least squares (np.linalg.lstsq)"]
    assert abs(full_step.theta_1 - best.theta_1) < abs(fixed[1] - best.theta_1)


# ---- the demo as a user runs it ----


def run_demo(*args):
    return subprocess.run(
        [sys.executable, str(PRIMER), *args], capture_output=True, text=True, timeout=120
    )


def test_help_lists_the_options():
    completed = run_demo("--help")
    assert completed.returncode == 0
    for option in ("--lr ALPHA, --alpha ALPHA", "--steps N, --iterations N", "--seed"):
        assert option in completed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "0"], "argument --lr/--alpha: must be a finite number > 0, got 0"),
        (["--alpha", "fast"], "argument --lr/--alpha: expected a number, got 'fast'"),
        (["--steps", "0"], "argument --steps/--iterations: must be >= 1, got 0"),
        (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
    ],
)
def test_bad_options_say_what_is_wrong(args, message):
    completed = run_demo(*args)
    assert completed.returncode == 2
    assert message in completed.stderr


def test_other_settings_print_their_own_table():
    completed = run_demo("--alpha", "0.5", "--iterations", "5", "--seed", "1")
    assert completed.stdout == run_demo("--lr", "0.5", "--steps", "5", "--seed", "1").stdout
    assert completed.returncode == 0, completed.stderr
    assert "alpha = 0.5, 5 iterations" in completed.stdout
    assert "(seed 1)" in completed.stdout
    assert "engine, SGD(lr=0.25) on mse_loss" in completed.stdout
    assert "100 numbers" in completed.stdout  # the bug still turns both into arrays
