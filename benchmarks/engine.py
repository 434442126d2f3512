"""Engine benchmark: scalar-autograd side by side with micrograd and PyTorch, in one process.

    python benchmarks/engine.py            # full run, markdown table on stdout
    python benchmarks/engine.py --quick    # smaller sizes, for a smoke test
    python benchmarks/engine.py --only W1 --engine scalar-autograd --repeats 9
                                           # W1 alone, one engine: a few seconds

W1 (a) a dense 256-input x 256-neuron relu layer, summed (~130k op nodes):
    forward and backward nanoseconds per op node;
W2 (b) a chain 1,000,000 ops deep: forward + backward seconds (micrograd's
    recursive topological sort raises RecursionError; we report the depth);
W3 (c) memory: bytes per op node (tracemalloc) and GC-tracked objects per op node.
Times are medians over repeats, engines interleaved so drift hits all alike.
``--block-open-elsewhere`` keeps a ``no_grad()`` block open in another thread
while W1 runs, so every op of ours takes the slow path (it reads this
thread's grad mode instead of the process-wide "no mode anywhere" flag).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import platform
import random
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import autograd


@dataclass
class Engine:
    name: str
    leaf: Callable[[float], Any]
    available: bool = True
    note: str = ""
    results: dict[str, Any] = field(default_factory=dict)


def make_engines(selected: list[str] | None = None) -> list[Engine]:
    """Ours, micrograd and PyTorch, in that order; those not in ``selected`` are not imported."""

    def skipped(name: str) -> bool:
        return selected is not None and name not in selected

    engines = [Engine("scalar-autograd", lambda x: autograd.Value(x))]
    if skipped("micrograd"):
        engines.append(Engine("micrograd", float, available=False, note="not selected"))
    else:
        try:
            from micrograd.engine import Value as MicrogradValue

            engines.append(Engine("micrograd", lambda x: MicrogradValue(x)))
        except ImportError:
            engines.append(Engine("micrograd", float, available=False, note="not installed"))
    if skipped("PyTorch"):
        engines.append(Engine("PyTorch", float, available=False, note="not selected"))
        return engines
    try:
        import torch

        torch.set_num_threads(1)

        def torch_leaf(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        engines.append(Engine("PyTorch", torch_leaf, note=f"torch {torch.__version__}"))
    except ImportError:
        engines.append(Engine("PyTorch", float, available=False, note="not installed"))
    return engines


# ---- the workloads, written once for every engine ----


def dense_layer_inputs(engine: Engine, n_in: int, n_out: int) -> tuple[list, list, list]:
    rng = random.Random(0)
    xs = [engine.leaf(rng.uniform(-1, 1)) for _ in range(n_in)]
    ws = [[engine.leaf(rng.uniform(-1, 1)) for _ in range(n_in)] for _ in range(n_out)]
    bs = [engine.leaf(0.0) for _ in range(n_out)]
    return xs, ws, bs


def dense_layer_forward(xs: list, ws: list, bs: list) -> Any:
    outputs = []
    for weights, bias in zip(ws, bs, strict=True):
        activation = sum((w * x for w, x in zip(weights, xs, strict=True)), bias)
        outputs.append(activation.relu())
    return sum(outputs[1:], outputs[0])


def dense_layer_op_nodes(n_in: int, n_out: int) -> int:
    # per neuron: n_in products, n_in sums, one relu; then n_out - 1 sums
    return n_out * (2 * n_in + 1) + (n_out - 1)


def chain_forward(start: Any, weight: Any, depth: int) -> Any:
    node = start
    for _ in range(depth // 2):
        node = (node * weight).tanh()
    return node


def run_dense(engine: Engine, n_in: int, n_out: int) -> tuple[float, float]:
    xs, ws, bs = dense_layer_inputs(engine, n_in, n_out)
    gc.collect()
    start = time.perf_counter()
    total = dense_layer_forward(xs, ws, bs)
    forward_done = time.perf_counter()
    total.backward()
    backward_done = time.perf_counter()
    del total, xs, ws, bs
    gc.collect()
    return forward_done - start, backward_done - forward_done


def run_chain(engine: Engine, depth: int, pause_gc: bool = False) -> float:
    """Seconds for forward + backward; ``pause_gc`` turns the cycle collector off meanwhile."""
    start_value, weight = engine.leaf(0.5), engine.leaf(0.999)
    gc.collect()
    if pause_gc:
        gc.disable()
    try:
        start = time.perf_counter()
        node = chain_forward(start_value, weight, depth)
        node.backward()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    del node
    gc.collect()
    return elapsed


def micrograd_recursion_depth() -> int:
    """The deepest chain micrograd's recursive backward handles at the default recursion limit."""
    from micrograd.engine import Value as MicrogradValue

    def works(depth: int) -> bool:
        node = MicrogradValue(1.0)
        for _ in range(depth):
            node = node * 1.0
        try:
            node.backward()
        except RecursionError:
            return False
        return True

    low, high = 1, 4096
    while low < high:
        middle = (low + high + 1) // 2
        if works(middle):
            low = middle
        else:
            high = middle - 1
    return low


def bytes_per_node(engine: Engine, n_in: int, n_out: int) -> float:
    xs, ws, bs = dense_layer_inputs(engine, n_in, n_out)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    total = dense_layer_forward(xs, ws, bs)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del total
    gc.collect()
    return (after - before) / dense_layer_op_nodes(n_in, n_out)


def tracked_objects_per_node(engine: Engine) -> float:
    a, b = engine.leaf(1.0), engine.leaf(2.0)
    count = 10_000
    kept = [None] * count
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        for index in range(count):
            kept[index] = a * b
        after = gc.get_count()[0]
    finally:
        gc.enable()
    return (after - before) / count


@contextlib.contextmanager
def block_open_in_another_thread(wanted: bool) -> Iterator[None]:
    """Keep a ``no_grad()`` block open in a helper thread for the duration, if wanted."""
    if not wanted:
        yield
        return
    entered, release = threading.Event(), threading.Event()

    def hold_block() -> None:
        with autograd.no_grad():
            entered.set()
            release.wait()

    holder = threading.Thread(target=hold_block, name="no_grad holder", daemon=True)
    holder.start()
    entered.wait()
    try:
        probe = autograd.Value(1.0) * 2.0
        if probe.is_leaf:
            raise SystemExit(
                "--block-open-elsewhere: a no_grad() block in another thread turned recording off "
                "in this one: this autograd's grad mode is process-wide, not per thread"
            )
        yield
    finally:
        release.set()
        holder.join()


# ---- reporting ----

W1_ROWS = [
    ("W1 (a) forward, ns per op node", "forward", ".0f", ""),
    ("W1 (a) backward, ns per op node", "backward", ".0f", ""),
    ("W1 (a) forward + backward, ns per op node", "total", ".0f", ">= 5x mg, >= 6x PyTorch"),
]


def print_w1(
    args: argparse.Namespace,
    engines: list[Engine],
    forward: dict[str, list[float]],
    backward: dict[str, list[float]],
    nodes: int,
    n_in: int,
    n_out: int,
    repeats: int,
) -> None:
    """W1 alone: per engine the median and the spread (min-max) of the repeats, ns per op node."""
    elsewhere = ", a no_grad() block open in another thread" if args.block_open_elsewhere else ""
    print(f"## Engine benchmark, W1 only ({'quick' if args.quick else 'full'} size{elsewhere})")
    print()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {repeats} repeats, "
        f"dense layer {n_in}x{n_out} = {nodes:,} op nodes"
    )
    print()
    print("| measure | engine | median | min | max |")
    print("| --- | --- | ---: | ---: | ---: |")
    for engine in engines:
        if not engine.available:
            continue
        samples = {
            "forward": forward[engine.name],
            "backward": backward[engine.name],
            "total": [
                f + b for f, b in zip(forward[engine.name], backward[engine.name], strict=True)
            ],
        }
        for title, key, _fmt, _target in W1_ROWS:
            per_node = [seconds / nodes * 1e9 for seconds in samples[key]]
            print(
                f"| {title} | {engine.name} | {statistics.median(per_node):.0f} "
                f"| {min(per_node):.0f} | {max(per_node):.0f} |"
            )


def ratio(slower: float | None, faster: float | None) -> str:
    if not slower or not faster:
        return "n/a"
    return f"{slower / faster:.1f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per engine")
    parser.add_argument(
        "--only", choices=["W1"], default=None, help="run only this workload (W1: the dense layer)"
    )
    parser.add_argument(
        "--engine",
        action="append",
        choices=["scalar-autograd", "micrograd", "PyTorch"],
        default=None,
        help="time only this engine (repeatable; default: all)",
    )
    parser.add_argument(
        "--block-open-elsewhere",
        action="store_true",
        help="keep a no_grad() block open in another thread while W1 runs (our slow path)",
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    n_in = n_out = 64 if args.quick else 256
    depth = 20_000 if args.quick else 1_000_000
    repeats = args.repeats or (2 if args.quick else 5)
    chain_repeats = 1 if args.quick else 3

    engines = make_engines(args.engine)
    ours, micrograd, torch_engine = engines
    if args.engine and ours.name not in args.engine:
        ours.available = False
        ours.note = "not selected"
    live = [engine for engine in engines if engine.available]
    nodes = dense_layer_op_nodes(n_in, n_out)

    forward: dict[str, list[float]] = {engine.name: [] for engine in live}
    backward: dict[str, list[float]] = {engine.name: [] for engine in live}
    with block_open_in_another_thread(args.block_open_elsewhere):
        for _ in range(repeats):
            for engine in live:
                forward_seconds, backward_seconds = run_dense(engine, n_in, n_out)
                forward[engine.name].append(forward_seconds)
                backward[engine.name].append(backward_seconds)
    if args.only == "W1":
        print_w1(args, engines, forward, backward, nodes, n_in, n_out, repeats)
        return 0

    chain: dict[str, list[float]] = {ours.name: []} if ours.available else {}
    if torch_engine.available:
        chain[torch_engine.name] = []
    chain_without_gc: dict[str, list[float]] = {name: [] for name in chain}
    for _ in range(chain_repeats):
        for name in chain:
            engine = next(engine for engine in live if engine.name == name)
            chain[name].append(run_chain(engine, depth))
            chain_without_gc[name].append(run_chain(engine, depth, pause_gc=True))
    micrograd_depth = micrograd_recursion_depth() if micrograd.available else None

    memory = {engine.name: bytes_per_node(engine, n_in, n_out) for engine in live}
    tracked = {engine.name: tracked_objects_per_node(engine) for engine in live}

    def per_node(samples: list[float]) -> float:
        return statistics.median(samples) / nodes * 1e9

    table: dict[str, dict[str, float | None]] = {}
    for engine in engines:
        name = engine.name
        available = engine.available
        table[name] = {
            "forward": per_node(forward[name]) if available else None,
            "backward": per_node(backward[name]) if available else None,
            "total": (
                statistics.median(
                    [f + b for f, b in zip(forward[name], backward[name], strict=True)]
                )
                / nodes
                * 1e9
                if available
                else None
            ),
            "chain": statistics.median(chain[name]) if name in chain else None,
            "chain_no_gc": (
                statistics.median(chain_without_gc[name]) if name in chain_without_gc else None
            ),
            "bytes": memory.get(name) if name != torch_engine.name else None,
            "tracked": tracked.get(name) if name != torch_engine.name else None,
        }

    us, mg, pt = (table[engine.name] for engine in engines)

    def cell(value: float | None, fmt: str) -> str:
        return "n/a" if value is None else format(value, fmt)

    elsewhere = (
        "; a no_grad() block open in another thread during W1" if args.block_open_elsewhere else ""
    )
    print(f"## Engine benchmark ({'quick' if args.quick else 'full'} run{elsewhere})")
    print()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{repeats} repeats (median), dense layer {n_in}x{n_out} = {nodes:,} op nodes, "
        f"chain {depth:,} ops deep; "
        + ", ".join(f"{engine.name}: {engine.note}" for engine in engines if engine.note)
    )
    print()
    print(
        "| measure | scalar-autograd | micrograd | PyTorch | vs micrograd | vs PyTorch | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for title, key, fmt, target in W1_ROWS:
        print(
            f"| {title} | {cell(us[key], fmt)} | {cell(mg[key], fmt)} | {cell(pt[key], fmt)} "
            f"| {ratio(mg[key], us[key])} | {ratio(pt[key], us[key])} | {target} |"
        )
    micrograd_chain = f"RecursionError past depth {micrograd_depth:,}" if micrograd_depth else "n/a"
    print(
        f"| W2 (b) {depth:,}-deep chain, forward + backward, s | {cell(us['chain'], '.2f')} "
        f"| {micrograd_chain} | {cell(pt['chain'], '.2f')} | completes "
        f"| {ratio(pt['chain'], us['chain'])} | completes, >= 8x PyTorch |"
    )
    print(
        f"| W2 (b) the same, cycle collector paused (informational) "
        f"| {cell(us['chain_no_gc'], '.2f')} | n/a | {cell(pt['chain_no_gc'], '.2f')} | "
        f"| {ratio(pt['chain_no_gc'], us['chain_no_gc'])} | |"
    )
    bytes_ratio = f"1/{mg['bytes'] / us['bytes']:.1f}" if us["bytes"] and mg["bytes"] else "n/a"
    print(
        f"| W3 (c) bytes per op node (tracemalloc) | {cell(us['bytes'], '.0f')} "
        f"| {cell(mg['bytes'], '.0f')} | n/a (C++ heap) | {bytes_ratio} | | <= 1/4 micrograd |"
    )
    print(
        f"| W3 (c) GC-tracked objects per op node | {cell(us['tracked'], '.0f')} "
        f"| {cell(mg['tracked'], '.0f')} | n/a | {ratio(mg['tracked'], us['tracked'])} | "
        f"| 1 is the floor |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
