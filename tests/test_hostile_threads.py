"""Grad mode and anomaly mode are per thread (issue 7: "grad mode is process-wide and can stick").

Every interleaving here is forced with events, barriers or a command queue,
so each test exercises the same schedule on every run; each wait has a time
limit, so a regression fails instead of hanging.
"""

from __future__ import annotations

import math
import os
import queue
import random
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import (
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from autograd.modes import _Modes

WAIT = 10.0  # seconds: any single wait longer than this is a hang


def wait_for(event: threading.Event) -> None:
    assert event.wait(WAIT), "timed out waiting for another thread"


def run_in_threads(*targets: Callable[[], Any]) -> list[Any]:
    """Run each target in its own thread; re-raise the first failure; return the results."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def runner(index: int, target: Callable[[], Any]) -> None:
        try:
            results[index] = target()
        except BaseException as error:  # handed to the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=runner, args=(index, target), daemon=True)
        for index, target in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(4 * WAIT)
        assert not thread.is_alive(), "a thread did not finish: hang"
    if errors:
        raise errors[0]
    return results


def square_gradient_at_two() -> float:
    w = Value(2.0)
    (w * w).backward()
    return w.grad


def assert_default_modes() -> None:
    assert is_grad_enabled()
    assert not is_anomaly_enabled()
    assert square_gradient_at_two() == 4.0


@pytest.fixture(autouse=True)
def no_block_left_open() -> Iterator[None]:
    assert _Modes.open_blocks == 0 and _Modes.plain, "a test before this one left a block open"
    yield
    leaked = _Modes.open_blocks
    if leaked:  # repair, so one failure does not fail every later test
        _Modes.open_blocks = 0
        _Modes.plain = True
        _Modes.local.__init__()  # type: ignore[misc]
    assert leaked == 0, f"{leaked} mode block(s) left open"
    assert _Modes.plain


class TestOverlappingBlocks:
    """The issue's reproduction: no_grad blocks in two threads that overlap without nesting."""

    @pytest.mark.parametrize("first_out", ["A", "B"])
    def test_no_thread_is_left_without_gradients(self, first_out: str) -> None:
        a_entered, b_entered, a_exited, b_exited = (threading.Event() for _ in range(4))

        def thread_a() -> float:
            with no_grad():
                a_entered.set()
                wait_for(b_entered)
                assert not is_grad_enabled()
                if first_out == "B":
                    wait_for(b_exited)
            a_exited.set()
            if first_out == "A":
                wait_for(b_exited)
            assert_default_modes()
            return square_gradient_at_two()

        def thread_b() -> float:
            wait_for(a_entered)
            assert is_grad_enabled(), "A's no_grad switched recording off in B"
            assert not (Value(2.0) * 3.0).is_leaf
            with no_grad():
                b_entered.set()
                assert (Value(2.0) * 3.0).is_leaf
                if first_out == "A":
                    wait_for(a_exited)
            b_exited.set()
            if first_out == "B":
                wait_for(a_exited)
            assert_default_modes()
            return square_gradient_at_two()

        assert run_in_threads(thread_a, thread_b) == [4.0, 4.0]
        assert_default_modes()
        assert _Modes.plain

    def test_the_same_instance_shared_by_two_threads(self) -> None:
        shared = no_grad()
        a_entered, b_entered, a_exited = (threading.Event() for _ in range(3))

        def thread_a() -> None:
            with shared:
                a_entered.set()
                wait_for(b_entered)
            a_exited.set()
            assert_default_modes()

        def thread_b() -> None:
            wait_for(a_entered)
            with shared:
                b_entered.set()
                wait_for(a_exited)
                assert not is_grad_enabled(), "A's exit ended B's block"
            assert_default_modes()

        run_in_threads(thread_a, thread_b)
        assert_default_modes()


class TestTrainerNextToEvaluator:
    def test_every_training_gradient_is_right(self) -> None:
        """A trainer next to two evaluators looping on no_grad: every gradient stays right.

        The lockstep evaluator holds a no_grad block open through each whole
        training step (the overlap the issue's 3,000-of-3,000 wrong steps came
        from, forced every step); the free-running one enters and leaves its
        blocks at whatever moments the thread switches give it.
        """
        steps = 300
        weight = Value(0.5, label="w")
        trainer_done = threading.Event()
        free_running_started = threading.Event()
        evaluator_inside, step_done = threading.Event(), threading.Event()
        wrong: list[str] = []
        evaluations = {"lockstep": 0, "free": 0}
        # switch threads every 10 microseconds, so the free-running evaluator's
        # blocks open and close in the middle of the trainer's graphs
        old_interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)

        def trainer() -> None:
            rng = random.Random(7)
            try:
                wait_for(free_running_started)
                for step in range(steps):
                    wait_for(evaluator_inside)
                    evaluator_inside.clear()
                    x, target = rng.uniform(-2, 2), rng.uniform(-2, 2)
                    weight.grad = 0.0
                    error = weight * x - target
                    loss = error * error
                    loss.backward()
                    expected = 2.0 * (weight.data * x - target) * x
                    if not math.isclose(weight.grad, expected, rel_tol=1e-12, abs_tol=1e-15):
                        wrong.append(f"step {step}: grad {weight.grad}, expected {expected}")
                    weight.data -= 0.01 * weight.grad
                    step_done.set()
            finally:
                trainer_done.set()
                step_done.set()

        def evaluate(rng: random.Random) -> None:
            prediction = weight * rng.uniform(-2, 2) - 1.0
            if not prediction.is_leaf:
                wrong.append("evaluation recorded a graph inside no_grad")

        def lockstep_evaluator() -> None:
            rng = random.Random(8)
            while not trainer_done.is_set():
                with no_grad():
                    evaluate(rng)
                    evaluator_inside.set()
                    wait_for(step_done)  # the trainer runs a whole step meanwhile
                    step_done.clear()
                evaluations["lockstep"] += 1

        def free_running_evaluator() -> None:
            rng = random.Random(9)
            free_running_started.set()
            while not trainer_done.is_set():
                with no_grad():
                    evaluate(rng)
                evaluations["free"] += 1

        try:
            run_in_threads(trainer, lockstep_evaluator, free_running_evaluator)
        finally:
            sys.setswitchinterval(old_interval)
        assert wrong == []
        assert evaluations["lockstep"] >= steps  # one more if it re-entered before seeing the end
        assert evaluations["free"] > 0
        assert_default_modes()


class TestNewThreads:
    def test_a_new_thread_starts_with_recording_on_and_anomaly_off(self) -> None:
        with no_grad(), detect_anomaly():
            seen = run_in_threads(
                lambda: (is_grad_enabled(), is_anomaly_enabled(), square_gradient_at_two())
            )
            assert not is_grad_enabled() and is_anomaly_enabled()
        assert seen == [(True, False, 4.0)]

    def test_a_thread_pool_keeps_no_mode_between_tasks(self) -> None:
        workers = 4
        barrier = threading.Barrier(workers, timeout=WAIT)

        def meet(index: int) -> None:
            if index < workers:  # the first tasks wait for each other: every worker is busy at once
                barrier.wait()

        def task(index: int) -> tuple[bool, bool, float]:
            kind = index % 3
            if kind == 0:
                with no_grad():
                    meet(index)
                    assert (Value(1.0) * 2.0).is_leaf
            elif kind == 1:
                with pytest.raises(ZeroDivisionError), detect_anomaly():
                    meet(index)
                    _ = Value(1.0) / 0.0
            else:
                meet(index)
            return is_grad_enabled(), is_anomaly_enabled(), square_gradient_at_two()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(task, range(40), timeout=4 * WAIT))
        assert results == [(True, False, 4.0)] * 40
        assert_default_modes()


class TestAnomalyPerThread:
    def test_anomaly_mode_in_one_thread_does_not_make_another_raise(self) -> None:
        entered, other_done = threading.Event(), threading.Event()

        def checking() -> None:
            with detect_anomaly():
                entered.set()
                wait_for(other_done)
                inf = Value(math.inf, label="big")
                with pytest.raises(FloatingPointError, match="op '-' produced NaN"):
                    _ = inf - inf
                x = Value(1.0, label="x")
                a = x * 2.0
                out = a * 1e300 + a * -1e300  # a's upstream is inf - inf: NaN
                with pytest.raises(FloatingPointError, match=r"backward through op '\*'"):
                    out.backward(1e300)
            assert not is_anomaly_enabled()

        def unchecked() -> None:
            wait_for(entered)
            assert not is_anomaly_enabled()
            inf = Value(math.inf)
            assert math.isnan((inf - inf).data)
            x = Value(1.0)
            a = x * 2.0
            out = a * 1e300 + a * -1e300
            out.backward(1e300)  # inf - inf reaches x: NaN, silently, as without anomaly mode
            assert math.isnan(x.grad)
            steps = list(out.backward_steps(1e300))
            assert steps
            other_done.set()

        run_in_threads(checking, unchecked)
        assert not is_anomaly_enabled()


class TestEdgeCases:
    def test_an_exception_in_a_block_restores_the_mode_while_another_thread_holds_one(
        self,
    ) -> None:
        entered, release = threading.Event(), threading.Event()

        def holder() -> None:
            with enable_grad():
                entered.set()
                wait_for(release)

        thread = threading.Thread(target=holder, daemon=True)
        thread.start()
        try:
            wait_for(entered)
            with pytest.raises(ZeroDivisionError), no_grad(), detect_anomaly():
                _ = Value(1.0) / 0.0
            assert_default_modes()
            assert not _Modes.plain  # the holder's block is still open
        finally:
            release.set()
            thread.join(WAIT)
        assert _Modes.plain

    def test_one_instance_nested_and_reused(self) -> None:
        switch = no_grad()
        with switch:
            with switch:
                assert not is_grad_enabled()
            assert not is_grad_enabled(), "the inner exit ended the outer block"
            with enable_grad():
                assert not (Value(1.0) * 2.0).is_leaf
            assert (Value(1.0) * 2.0).is_leaf
        assert_default_modes()
        with switch:
            assert not is_grad_enabled()
        assert_default_modes()

    def test_exit_without_enter_is_refused(self) -> None:
        switch = no_grad()
        with pytest.raises(RuntimeError, match=r"no_grad: __exit__ called more often"):
            switch.__exit__(None, None, None)
        assert_default_modes()

    def test_a_decorated_function_called_from_many_threads_at_once(self) -> None:
        callers = 8
        inside = threading.Barrier(callers, timeout=WAIT)

        @no_grad()
        def evaluate(x: float) -> Value:
            inside.wait()  # every caller is inside its own no_grad block at once
            assert not is_grad_enabled()
            return Value(x) * 2.0

        def call(index: int) -> Callable[[], tuple[bool, float, float]]:
            def caller() -> tuple[bool, float, float]:
                result = evaluate(float(index))
                return result.is_leaf, result.data, square_gradient_at_two()

            return caller

        results = run_in_threads(*(call(index) for index in range(callers)))
        assert results == [(True, 2.0 * index, 4.0) for index in range(callers)]
        assert_default_modes()

    def test_a_generator_resumed_in_another_thread(self) -> None:
        """The block belongs to the thread that entered it; closing it elsewhere ends it there.

        As in PyTorch, a block inside a suspended generator stays in force in
        the thread that ran it. When another thread resumes the generator, the
        code runs under that thread's own modes; when the generator leaves the
        block, the block ends in the thread that entered it, and the
        resuming thread's modes stay as they were.
        """

        def evaluations() -> Iterator[Value]:
            with no_grad():
                yield Value(1.0) * 2.0
                yield Value(1.0) * 2.0

        generator = evaluations()
        first = next(generator)
        assert first.is_leaf
        assert not is_grad_enabled()  # suspended inside its block, as in PyTorch

        def resume() -> tuple[bool, list[Value], bool]:
            second = next(generator)
            rest = list(generator)  # leaves the block here, in this thread
            return second.is_leaf, rest, is_grad_enabled()

        [(second_is_leaf, rest, grad_enabled_there)] = run_in_threads(resume)
        assert rest == []
        assert not second_is_leaf  # recorded under the resuming thread's own mode
        assert grad_enabled_there
        assert_default_modes()  # the block ended in this thread too: nothing stuck
        assert _Modes.plain

    def test_a_block_entered_in_one_thread_and_exited_in_another(self) -> None:
        switch = detect_anomaly()
        with no_grad():
            switch.__enter__()
            assert is_anomaly_enabled()

            def exit_elsewhere() -> tuple[bool, bool]:
                switch.__exit__(None, None, None)
                return is_grad_enabled(), is_anomaly_enabled()

            assert run_in_threads(exit_elsewhere) == [(True, False)]
            assert not is_anomaly_enabled()
            assert not is_grad_enabled()  # the outer no_grad of this thread is untouched
        assert_default_modes()
        assert _Modes.plain


# ---- random interleavings, against a model ----

SWITCHES: list[Callable[[], Any]] = [no_grad, no_grad, enable_grad, detect_anomaly]
THREADS = 3


class Worker:
    """A thread that runs the commands it is sent, one at a time, and answers each."""

    def __init__(self) -> None:
        self.commands: queue.Queue[Callable[[], Any] | None] = queue.Queue()
        self.answers: queue.Queue[tuple[bool, Any]] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            command = self.commands.get()
            if command is None:
                return
            try:
                self.answers.put((True, command()))
            except BaseException as error:  # handed to the test
                self.answers.put((False, error))

    def run(self, command: Callable[[], Any]) -> Any:
        self.commands.put(command)
        succeeded, answer = self.answers.get(timeout=WAIT)
        if not succeeded:
            raise answer
        return answer

    def stop(self) -> None:
        self.commands.put(None)
        self.thread.join(WAIT)


def observed_modes() -> tuple[bool, bool, bool, bool]:
    """This thread's modes as reported, and as the ops behave."""
    records = not (Value(2.0) * 3.0).is_leaf
    try:
        _ = Value(math.inf) - math.inf
        raises = False
    except FloatingPointError:
        raises = True
    return is_grad_enabled(), is_anomaly_enabled(), records, raises


def model_modes(open_blocks: list[tuple[int, int]]) -> tuple[bool, bool, bool, bool]:
    """What a thread's modes must be, from its open blocks (instance index), innermost last."""
    grad, anomaly = True, False
    for instance, _serial in open_blocks:
        if SWITCHES[instance] is detect_anomaly:
            anomaly = True
        else:
            grad = SWITCHES[instance] is enable_grad
    return grad, anomaly, grad, anomaly


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["enter", "exit"]),
            st.integers(0, THREADS - 1),
            st.integers(0, len(SWITCHES) - 1),
        ),
        max_size=25,
    )
)
def test_random_interleavings_never_leave_a_mode_wrong(
    actions: list[tuple[str, int, int]],
) -> None:
    instances = [make() for make in SWITCHES]
    workers = [Worker() for _ in range(THREADS)]
    # the model: per thread its open blocks (instance, serial); per instance its blocks in order
    open_in_thread: list[list[tuple[int, int]]] = [[] for _ in range(THREADS)]
    open_of_instance: list[list[tuple[int, int]]] = [[] for _ in instances]
    serial = 0
    try:
        for kind, thread, instance in actions:
            switch = instances[instance]
            if kind == "enter":
                workers[thread].run(switch.__enter__)
                serial += 1
                open_in_thread[thread].append((instance, serial))
                open_of_instance[instance].append((thread, serial))
            elif open_of_instance[instance]:
                workers[thread].run(lambda switch=switch: switch.__exit__(None, None, None))
                # closes this thread's innermost block of the instance, else its latest anywhere
                mine = [block for block in open_of_instance[instance] if block[0] == thread]
                owner, closed = (mine or open_of_instance[instance])[-1]
                open_of_instance[instance].remove((owner, closed))
                open_in_thread[owner].remove((instance, closed))
            for index, worker in enumerate(workers):
                assert worker.run(observed_modes) == model_modes(open_in_thread[index])
            total_open = sum(len(blocks) for blocks in open_in_thread)
            assert _Modes.open_blocks == total_open
            assert _Modes.plain == (total_open == 0)
        for instance, blocks in enumerate(open_of_instance):
            for owner, _serial in reversed(blocks):
                workers[owner].run(lambda i=instance: instances[i].__exit__(None, None, None))
        for worker in workers:
            assert worker.run(observed_modes) == (True, False, True, False)
        assert _Modes.plain and _Modes.open_blocks == 0
    finally:
        for worker in workers:
            worker.stop()


def test_random_nested_blocks_in_racing_threads() -> None:
    """Threads racing through random properly nested blocks each see exactly their own modes."""
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)

    def racer(seed: int) -> int:
        rng = random.Random(seed)
        checks = 0

        def descend(depth: int, grad: bool, anomaly: bool) -> None:
            nonlocal checks
            assert observed_modes() == (grad, anomaly, grad, anomaly)
            checks += 1
            if depth == 4:
                return
            for _ in range(rng.randint(0, 2)):
                choice = rng.randrange(3)
                if choice == 0:
                    with no_grad():
                        descend(depth + 1, False, anomaly)
                elif choice == 1:
                    with enable_grad():
                        descend(depth + 1, True, anomaly)
                else:
                    with detect_anomaly():
                        descend(depth + 1, grad, True)
            assert observed_modes() == (grad, anomaly, grad, anomaly)

        for _ in range(30):
            descend(0, True, False)
        return checks

    try:
        counts = run_in_threads(*(lambda seed=seed: racer(seed) for seed in range(4)))
    finally:
        sys.setswitchinterval(old_interval)
    assert all(count > 30 for count in counts)
    assert _Modes.plain and _Modes.open_blocks == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_a_child_forked_while_another_thread_holds_the_lock_can_still_switch_modes() -> None:
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with _Modes.lock:
            held.set()
            wait_for(release)

    thread = threading.Thread(target=holder, daemon=True)
    thread.start()
    try:
        wait_for(held)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
            child = os.fork()
        if child == 0:  # the child: exit code 0 only if a block opens and closes
            code = 1
            try:
                with no_grad():
                    code = 0 if (Value(1.0) * 2.0).is_leaf else 2
            finally:
                os._exit(code)
        status = wait_for_child(child)
    finally:
        release.set()
        thread.join(WAIT)
    assert status == 0


def wait_for_child(pid: int) -> int:
    """The child's exit code; a child that hangs is killed and fails the test."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung: the mode lock was still held")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, THREADS - 1), st.sampled_from(["no_grad", "enable_grad", "exit"])),
        max_size=25,
    )
)
def test_grad_mode_per_thread_matches_pytorch(actions: list[tuple[int, str]]) -> None:
    """PyTorch's grad mode is per thread: after every step, every thread agrees with it.

    Each thread's blocks nest properly here and each ``with`` gets a new
    instance: PyTorch leaves grad mode off after a reused instance is nested
    (its instance keeps one saved value), and its anomaly mode is process-wide.
    """
    torch = pytest.importorskip("torch")
    ours = {"no_grad": no_grad, "enable_grad": enable_grad}
    theirs = {"no_grad": torch.no_grad, "enable_grad": torch.enable_grad}
    workers = [Worker() for _ in range(THREADS)]
    stacks: list[list[tuple[Any, Any]]] = [[] for _ in range(THREADS)]

    def enter(pair: tuple[Any, Any]) -> None:
        pair[0].__enter__()
        pair[1].__enter__()

    def leave(pair: tuple[Any, Any]) -> None:
        pair[1].__exit__(None, None, None)
        pair[0].__exit__(None, None, None)

    def both_modes() -> tuple[bool, bool]:
        return is_grad_enabled(), torch.is_grad_enabled()

    try:
        for thread, action in actions:
            if action == "exit":
                if stacks[thread]:
                    pair = stacks[thread].pop()
                    workers[thread].run(lambda pair=pair: leave(pair))
            else:
                pair = (ours[action](), theirs[action]())
                workers[thread].run(lambda pair=pair: enter(pair))
                stacks[thread].append(pair)
            for worker in workers:
                ours_now, theirs_now = worker.run(both_modes)
                assert ours_now == theirs_now
        for thread, stack in enumerate(stacks):
            while stack:
                pair = stack.pop()
                workers[thread].run(lambda pair=pair: leave(pair))
        assert all(worker.run(both_modes) == (True, True) for worker in workers)
    finally:
        for worker in workers:
            worker.stop()


class TestConcurrentBackward:
    @pytest.mark.parametrize("how", ["create_graph", "plain", "steps", "mixed"])
    def test_summed_gradients_from_32_threads_are_exact(self, how: str) -> None:
        """Passes in 32 threads, into shared parameters, sum exactly.

        ``.grad = .grad + g`` on Values runs Python code between the read and the
        write: without a lock, 32 threads lost 16-26% of the sum. A plain pass sums in
        .grad itself, with earlier gradients set aside: without the lock, another
        thread's pass adds into a sum that is then set back. Each thread's loss
        differs, so a lost update changes the total.
        """
        weights = [Value(0.01 * (index + 1), label=f"w{index}") for index in range(24)]
        bias = Value(-0.3, label="b")
        samples = [[(thread + 1) * 0.01 * (k + 1) for k in range(24)] for thread in range(32)]

        def loss_for(sample: list[float]) -> Value:
            total = bias
            for weight, x in zip(weights, sample, strict=True):
                total = total + weight * x
            return total.tanh() ** 2

        expected = dict.fromkeys([*weights, bias], 0.0)
        for sample in samples:
            for param in expected:
                param.grad = 0.0
            loss_for(sample).backward()
            for param in expected:
                expected[param] += param.grad
        barrier = threading.Barrier(len(samples))

        def worker(index: int, sample: list[float]) -> Callable[[], None]:
            way = how if how != "mixed" else ("create_graph", "plain", "steps")[index % 3]

            def run() -> None:
                loss = loss_for(sample)
                barrier.wait(WAIT)
                if way == "create_graph":
                    loss.backward(create_graph=True)
                elif way == "plain":
                    loss.backward()
                else:
                    for _step in loss.backward_steps():
                        pass

            return run

        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads as often as possible
        try:
            for _round in range(15):
                for param in expected:
                    param.grad = 0.0
                run_in_threads(*(worker(index, sample) for index, sample in enumerate(samples)))
                for param, total in expected.items():
                    if how in ("create_graph", "mixed"):
                        assert isinstance(param.grad, Value)
                    summed = param.grad.data if isinstance(param.grad, Value) else param.grad
                    assert math.isclose(summed, total, rel_tol=1e-12), param.label
        finally:
            sys.setswitchinterval(interval)
