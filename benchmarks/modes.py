"""Forward vs reverse mode: the whole Jacobian of f: R^n -> R^m both ways, passes counted and timed.

    python benchmarks/modes.py             # (n, m) in (1, 50), (50, 1), (10, 10); markdown table
    python benchmarks/modes.py --quick     # fewer repeats, for a smoke test

Forward mode (``autograd.jvp``) gives one column of the Jacobian per pass:
n passes, each evaluating f and pushing one tangent through it. Reverse mode
(``autograd.grad``) gives one row per backward pass: one forward pass to
record the graph, then m backward passes. The function is the same for both,
a small dense network with a shared hidden layer (``layered_function``), so
the only difference is the direction of the chain rule. Also counted, from
the graph itself: the chain-rule products each way (a node's local derivative
times a tangent or an upstream gradient). Times are medians of interleaved
repeats.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from autograd import Value, grad, jvp, topological_order

SHAPES = ((1, 50), (50, 1), (10, 10))
HIDDEN = 10

Function = Callable[..., list[Value]]


def layered_function(n: int, m: int, hidden: int = HIDDEN, seed: int = 0) -> Function:
    """f: R^n -> R^m, ``f(x) = tanh(B tanh(A x))`` with seeded A (hidden x n) and B (m x hidden)."""
    random = np.random.default_rng(seed)
    first = (random.standard_normal((hidden, n)) / math.sqrt(n)).tolist()
    second = (random.standard_normal((m, hidden)) / math.sqrt(hidden)).tolist()

    def f(*xs: Value) -> list[Value]:
        layer = [sum(w * x for w, x in zip(row, xs, strict=True)).tanh() for row in first]
        return [sum(w * h for w, h in zip(row, layer, strict=True)).tanh() for row in second]

    return f


def jacobian_forward(f: Function, point: Sequence[float]) -> tuple[np.ndarray, int]:
    """The Jacobian one column at a time: one jvp along each input direction (n passes)."""
    columns = []
    for index in range(len(point)):
        direction = [1.0 if other == index else 0.0 for other in range(len(point))]
        _values, column = jvp(f, point, direction)
        columns.append(column)
    return np.array(columns).T, len(columns)


def jacobian_reverse(f: Function, point: Sequence[float]) -> tuple[np.ndarray, int]:
    """The Jacobian one row at a time: one forward pass, then one backward per output (m passes)."""
    inputs = [Value(x) for x in point]
    outputs = f(*inputs)
    rows = [grad(output, inputs) for output in outputs]
    return np.array(rows), len(rows)


def chain_rule_products(f: Function, point: Sequence[float]) -> tuple[int, int]:
    """Local derivative times tangent (forward) or upstream gradient (reverse), per Jacobian.

    A forward pass multiplies along every edge of the graph once per input
    direction; a backward pass along every edge its output depends on, once
    per output. Counted from the recorded graph, so the numbers are exact.
    """
    inputs = [Value(x) for x in point]
    outputs = f(*inputs)
    every_edge: set[tuple[int, int]] = set()
    reverse = 0
    for output in outputs:
        edges = {
            (id(node), position)
            for node in topological_order(output)
            for position in range(len(node.inputs))
        }
        reverse += len(edges)
        every_edge |= edges
    return len(inputs) * len(every_edge), reverse


def median_seconds(run: Callable[[], object], repeats: int, number: int) -> float:
    samples = []
    for _repeat in range(repeats):
        start = time.perf_counter()
        for _call in range(number):
            run()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def measure(n: int, m: int, repeats: int, number: int) -> dict[str, float]:
    f = layered_function(n, m)
    point = np.linspace(-1.0, 1.0, n).tolist() if n > 1 else [0.5]
    forward_jacobian, forward_passes = jacobian_forward(f, point)
    reverse_jacobian, reverse_passes = jacobian_reverse(f, point)
    forward_products, reverse_products = chain_rule_products(f, point)
    forward_times, reverse_times = [], []
    for _repeat in range(repeats):  # interleaved, so machine noise hits both alike
        forward_times.append(median_seconds(lambda: jacobian_forward(f, point), 1, number))
        reverse_times.append(median_seconds(lambda: jacobian_reverse(f, point), 1, number))
    return {
        "n": n,
        "m": m,
        "forward_passes": forward_passes,
        "reverse_passes": reverse_passes,
        "forward_products": forward_products,
        "reverse_products": reverse_products,
        "forward_ms": statistics.median(forward_times) * 1e3,
        "reverse_ms": statistics.median(reverse_times) * 1e3,
        "difference": float(np.max(np.abs(forward_jacobian - reverse_jacobian))),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Forward vs reverse mode on f: R^n -> R^m.")
    parser.add_argument("--quick", action="store_true", help="3 repeats of 3 Jacobians")
    args = parser.parse_args(argv)
    repeats, number = (3, 3) if args.quick else (7, 10)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"f(x) = tanh(B tanh(A x)) with {HIDDEN} hidden units, "
        f"medians of {repeats} interleaved repeats of {number} Jacobians each"
    )
    print()
    print(
        "| n inputs | m outputs | forward passes (jvp) | reverse passes (grad) "
        "| chain-rule products fwd / rev | forward, ms | reverse, ms | reverse / forward "
        "| max difference |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, m in SHAPES:
        row = measure(n, m, repeats, number)
        print(
            f"| {n} | {m} | {row['forward_passes']} | 1 forward + {row['reverse_passes']} backward "
            f"| {row['forward_products']:,} / {row['reverse_products']:,} "
            f"| {row['forward_ms']:.2f} | {row['reverse_ms']:.2f} "
            f"| {row['reverse_ms'] / row['forward_ms']:.2f}x | {row['difference']:.1e} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
