"""The exercises' own tests pass against the reference solutions and fail against the untouched
stubs, every one of them, so none is vacuous (each runs in a subprocess, as a learner runs it).

"Untouched" means the stubs as committed (``git show HEAD:exercises/task_*.py``), run in a
copy of the exercises: a learner who has solved the tasks in place keeps this suite green."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
TASK_TEST_FILES = sorted(path.name for path in EXERCISES.glob("test_*.py"))
TASK_STUBS = sorted(path.name for path in EXERCISES.glob("task_*.py"))
# no -q: the report header says which code is checked
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


def committed_stubs() -> dict[str, str] | str:
    """Each task stub's text as committed at HEAD, or why git cannot tell (a reason to skip)."""
    git = shutil.which("git")
    if git is None:
        return "git is not installed: the stubs as committed cannot be read"
    stubs = {}
    for stub in TASK_STUBS:
        shown = subprocess.run(
            [git, "show", f"HEAD:./exercises/{stub}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if shown.returncode != 0:
            return f"not a git checkout with exercises/{stub} committed: {shown.stderr.strip()}"
        stubs[stub] = shown.stdout
    return stubs


def stubs_checkout(tmp_path: Path, stubs: dict[str, str]) -> Path:
    """A copy of the exercises with the committed stubs in place of the working copy's."""
    checkout = tmp_path / "committed"
    shutil.copytree(EXERCISES, checkout / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", checkout / "pyproject.toml")  # the same pytest setup
    for stub, text in stubs.items():
        (checkout / "exercises" / stub).write_text(text, encoding="utf-8")
    return checkout


def start_exercise_run(tmp_path: Path, name: str, solutions: str, where: Path = ROOT) -> tuple:
    """Start ``python -m pytest exercises`` as a learner would; its JUnit XML lands in tmp_path."""
    report = tmp_path / f"{name}.xml"
    # autograd and nn come from the repository, wherever the exercises are
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "EXERCISES_SOLUTIONS": solutions, "PYTHONPATH": python_path}
    process = subprocess.Popen(
        [*PYTEST, "exercises", f"--junitxml={report}"],
        cwd=where,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, report


def finish(run: tuple) -> tuple[int, str, dict[str, str]]:
    """Wait for a run; return its exit code, its output and each test's outcome by test id."""
    process, report = run
    output, _ = process.communicate(timeout=300)
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[test_id] = "failed"
        elif case.find("skipped") is not None:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = "passed"
    return process.returncode, output, outcomes


def task_of(test_id: str) -> str:
    """'exercises.test_02_topo::test_diamond' -> 'test_02_topo.py'."""
    return test_id.split("::")[0].rsplit(".", 1)[-1] + ".py"


@pytest.fixture(scope="module")
def exercise_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    tmp_path = tmp_path_factory.mktemp("exercises")
    # both runs at once: each is mostly one core's work
    solutions = start_exercise_run(tmp_path, "solutions", "1")
    stubs = committed_stubs()
    if isinstance(stubs, str):
        return {"solutions": finish(solutions), "stubs": stubs}
    checkout = stubs_checkout(tmp_path, stubs)
    stubs_run = start_exercise_run(tmp_path, "stubs", "0", where=checkout)
    return {"solutions": finish(solutions), "stubs": finish(stubs_run)}


def stubs_run(exercise_runs: dict) -> tuple[int, str, dict[str, str]]:
    """The run against the committed stubs; skips, saying why, where git cannot read them."""
    run = exercise_runs["stubs"]
    if isinstance(run, str):
        pytest.skip(run)
    return run


def test_every_task_has_a_stub_a_test_file_and_a_solution() -> None:
    assert TASK_STUBS, "no exercises/task_*.py found"
    for stub in TASK_STUBS:
        number_and_name = stub.removeprefix("task_")
        assert f"test_{number_and_name}" in TASK_TEST_FILES, f"{stub} has no test file"
        assert (EXERCISES / "solutions" / stub).is_file(), f"{stub} has no solution"
    assert len(TASK_TEST_FILES) == len(TASK_STUBS) == 5


def test_exercise_tests_pass_against_the_solutions(exercise_runs: dict) -> None:
    returncode, output, outcomes = exercise_runs["solutions"]
    assert "checking the reference solutions" in output
    assert returncode == 0, output[-3000:]
    assert set(outcomes.values()) == {"passed"}, output[-3000:]
    per_task = Counter(task_of(test_id) for test_id in outcomes)
    assert sorted(per_task) == TASK_TEST_FILES
    assert min(per_task.values()) >= 5, per_task


def test_every_exercise_test_fails_against_the_untouched_stubs(exercise_runs: dict) -> None:
    returncode, output, outcomes = stubs_run(exercise_runs)
    assert "checking your code in exercises/task_*.py" in output
    assert returncode == 1, output[-3000:]
    _, _, solution_outcomes = exercise_runs["solutions"]
    assert set(outcomes) == set(solution_outcomes), "both runs collect the same tests"
    not_failing = sorted(test_id for test_id, outcome in outcomes.items() if outcome != "failed")
    assert not not_failing, f"these pass or skip against the stubs, so check nothing: {not_failing}"
    failing_tasks = {task_of(test_id) for test_id in outcomes}
    assert sorted(failing_tasks) == TASK_TEST_FILES


def test_the_stub_of_task_5_is_the_primers_loop_and_fails_on_its_values(
    exercise_runs: dict,
) -> None:
    # task 5 starts from the primer's buggy loop, not NotImplementedError: its loop tests
    # fail because they catch the bug itself (the parameters come back as arrays)
    _, output, _ = stubs_run(exercise_runs)
    assert "theta_0 came back as an array of shape (100,)" in output


def test_the_solutions_option_selects_the_solutions() -> None:
    result = subprocess.run(
        [*PYTEST, "exercises/test_04_sgd.py", "-k", "zero_grad", "--solutions"],
        cwd=ROOT,
        env={**os.environ, "EXERCISES_SOLUTIONS": "0"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "checking the reference solutions" in result.stdout


def test_a_bad_selection_is_a_clear_error() -> None:
    result = subprocess.run(
        [*PYTEST, "exercises/test_04_sgd.py"],
        cwd=ROOT,
        env={**os.environ, "EXERCISES_SOLUTIONS": "yes"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "EXERCISES_SOLUTIONS must be 0 or 1, got 'yes'" in result.stdout + result.stderr


# Classic mistakes, each written into a copy of one reference solution: the named exercise
# test must catch it. (task file, the solution's line, the mistaken line, the test and its
# arguments). The tests run in this process, on the mistaken module, so this stays fast.
MISTAKES = {
    "mul's local derivatives swapped": (
        "task_01_ops.py",
        '(other.data, self.data), "*")',
        '(self.data, other.data), "*")',
        ("test_01_ops", "test_binary_op_at_a_fixed_point", {"op": "*"}),
    ),
    "tanh's derivative taken from the input, not the output": (
        "task_01_ops.py",
        '(1.0 - result * result,), "tanh")',
        '(1.0 - self.data * self.data,), "tanh")',
        ("test_01_ops", "test_unary_op_at_a_fixed_point", {"op": "tanh"}),
    ),
    "a recursive topological order": (
        "task_02_topo.py",
        "    inputs_first.reverse()\n    return inputs_first\n",
        "    inputs_first.reverse()\n    return inputs_first\n\n\n"
        "def topological_order(root, seen=None) -> list:\n"
        "    seen = set() if seen is None else seen\n"
        "    order = []\n"
        "    for input_node in root.inputs:\n"
        "        if input_node not in seen:\n"
        "            order = topological_order(input_node, seen) + order\n"
        "    seen.add(root)\n"
        "    return [root, *order]\n",
        ("test_02_topo", "test_deep_chain_has_no_recursion_limit", {}),
    ),
    "a node listed once per use": (
        "task_02_topo.py",
        "        if node in visited:\n            continue\n",
        "",
        ("test_02_topo", "test_a_reused_node_is_listed_once", {}),
    ),
    "a contribution overwrites instead of adding": (
        "task_03_backward.py",
        "upstream_of[input_node] = upstream_of.get(input_node, 0.0) + contribution",
        "upstream_of[input_node] = contribution",
        ("test_03_backward", "test_gradients_add_for_a_reused_node", {}),
    ),
    "micrograd's upstream read from .grad": (
        "task_03_backward.py",
        "        upstream = upstream_of.pop(node, 0.0)\n        node.grad += upstream",
        "        node.grad += upstream_of.pop(node, 0.0)\n        upstream = node.grad",
        ("test_03_backward", "test_second_backward_doubles_every_grad", {}),
    ),
    "zero_grad forgotten in the training loop": (
        "task_04_sgd.py",
        "        zero_grad(params)\n",
        "",
        ("test_04_sgd", "test_fit_line_follows_gradient_descent_step_by_step", {"steps": 2}),
    ),
    "gradient ascent": (
        "task_04_sgd.py",
        "param.data -= lr * param.grad",
        "param.data += lr * param.grad",
        ("test_04_sgd", "test_sgd_step_moves_data_against_the_grad", {}),
    ),
    "only the intercept's update summed": (
        "task_05_primer.py",
        "theta_1 = theta_1 - alpha * np.sum(gradients * X)",
        "theta_1 = theta_1 - alpha * gradients * X",
        ("test_05_primer", "test_the_loop_returns_two_numbers", {}),
    ),
    "the loss taken as the plain mean squared error": (
        "task_05_primer.py",
        "np.sum(residuals**2) / (2 * len(X))",
        "np.sum(residuals**2) / len(X)",
        ("test_05_primer", "test_primer_loss_has_the_loops_gradient", {}),
    ),
}


def mistaken_module(task_file: str, line: str, mistaken: str) -> ModuleType:
    """The reference solution with ``line`` replaced by ``mistaken``, as a fresh module."""
    source = (EXERCISES / "solutions" / task_file).read_text(encoding="utf-8")
    assert source.count(line) == 1, f"{line!r} is not exactly once in solutions/{task_file}"
    module = ModuleType(f"mistaken_{task_file.removesuffix('.py')}")
    exec(compile(source.replace(line, mistaken), f"<mistaken {task_file}>", "exec"), vars(module))
    return module


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_classic_mistake_is_caught_by_its_test(
    mistake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_file, line, mistaken, (test_module_name, test_name, arguments) = MISTAKES[mistake]
    monkeypatch.syspath_prepend(str(ROOT))
    test_module = importlib.import_module(f"exercises.{test_module_name}")
    module = mistaken_module(task_file, line, mistaken)
    # point the exercise test module at the mistaken code (monkeypatch restores it)
    monkeypatch.setattr(test_module, "task", module)
    if hasattr(test_module, "Node"):
        monkeypatch.setattr(test_module, "Node", module.Node)
    test = getattr(test_module, test_name)
    with pytest.raises((AssertionError, RecursionError)):
        test(**arguments)
    # and the same test passes on the solution as written
    solution = mistaken_module(task_file, line, line)
    monkeypatch.setattr(test_module, "task", solution)
    if hasattr(test_module, "Node"):
        monkeypatch.setattr(test_module, "Node", solution.Node)
    test(**arguments)
