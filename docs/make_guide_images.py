"""Make the pictures and stepper pages of docs/learn-backprop.md: python docs/make_guide_images.py.

Each example is built here exactly as the guide builds it (same numbers, same
labels), after backward(), so the picture shows the gradients the guide's
code prints. Pictures go through the WebAssembly Graphviz, so they do not
depend on which Graphviz the machine has. Options: --out DIR (default
docs/images).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from autograd import Value, save_html
from autograd.files import write_text_atomically
from autograd.render import dot_source, svg_from_dot

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the demos, when run as a script from anywhere

from demos.moons import make_moons  # noqa: E402 (needs the line above)
from demos.primer import primer_data  # noqa: E402
from nn import MLP  # noqa: E402


def _label(value: Value, label: str) -> Value:
    value.label = label
    return value


def nudge() -> Value:
    """Section 1: g(x, y) = x**2 * y at x = 3, y = 2."""
    x = Value(3.0, label="x")
    y = Value(2.0, label="y")
    g = _label(x**2 * y, "g")
    g.backward()
    return g


def backprop() -> Value:
    """Section 2 (and 5): f = (x + y) * z at x = -2, y = 5, z = -4, the five-node graph."""
    x = Value(-2.0, label="x")
    y = Value(5.0, label="y")
    z = Value(-4.0, label="z")
    q = _label(x + y, "q")
    f = _label(q * z, "f")
    f.backward()
    return f


def shared() -> Value:
    """Section 4: one parameter w used by two samples, (w*1 - 2)**2 + (w*3 - 5)**2 at w = 1."""
    w = Value(1.0, label="w")
    first = _label((w * 1.0 - 2.0) ** 2, "loss 1")
    second = _label((w * 3.0 - 5.0) ** 2, "loss 2")
    loss = _label(first + second, "loss")
    loss.backward()
    return loss


def mlp() -> Value:
    """Section 6 (and 8): one point through MLP(2, [3, 1], activation='tanh', seed=0)."""
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    out = _label(model(x), "out")
    out.backward()
    return out


def moons() -> Value:
    """Section 8: the squared error of the first moons point through MLP(2, [4, 1], seed=0)."""
    points, labels = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    point = [Value(float(points[0, 0]), label="x1"), Value(float(points[0, 1]), label="x2")]
    output = _label(model(point), "output")
    loss = _label((output - float(labels[0])) ** 2, "loss")
    loss.backward()
    return loss


def line() -> Value:
    """Section 7: the primer's line on its first sample, at its starting point, squared error."""
    X, y, theta_0, theta_1 = primer_data(seed=0)  # noqa: N806 (the primer's names)
    intercept = Value(theta_0, label="theta_0")
    slope = Value(theta_1, label="theta_1")
    x_0 = Value(float(X[0]), label="x")
    prediction = _label(x_0 * slope + intercept, "y_pred")
    loss = _label((prediction - float(y[0])) ** 2, "loss")
    loss.backward()
    return loss


def halve_or_square(x: Value, steps: int) -> Value:
    """Section 9: ordinary Python control flow decides which graph gets built."""
    y = x
    for _step in range(steps):
        if y.data > 1.0:  # noqa: SIM108 (the guide's if/else, as written there)
            y = y * 0.5
        else:
            y = y * y + 1.0
    return y


def define_by_run() -> Value:
    """Section 9: halve_or_square(x, 3) at x = 0.5."""
    x = Value(0.5, label="x")
    y = _label(halve_or_square(x, 3), "y")
    y.backward()
    return y


def detached() -> Value:
    """Section 10: x * x.data, the bug gradcheck catches (x.data becomes a constant)."""
    x = Value(3.0, label="x")
    y = _label(x * x.data, "y")
    y.backward()
    return y


# name -> (example, title of its stepper page)
EXAMPLES: dict[str, tuple[Callable[[], Value], str]] = {
    "guide-nudge": (nudge, "g = x**2 * y"),
    "guide-backprop": (backprop, "f = (x + y) * z"),
    "guide-shared": (shared, "one w, two samples"),
    "guide-mlp": (mlp, "MLP(2, [3, 1]) on one point"),
    "guide-line": (line, "the primer's line, one sample"),
    "guide-moons": (moons, "MLP(2, [4, 1]) on one moons point"),
    "guide-define-by-run": (define_by_run, "halve_or_square(x, 3)"),
    "guide-detached": (detached, "x * x.data"),
}


def svg(name: str) -> str:
    """The picture of the example called ``name``, drawn by the WebAssembly Graphviz."""
    example, _title = EXAMPLES[name]
    return svg_from_dot(dot_source(example()), backend="wasm")


def make(out: Path) -> list[Path]:
    """Write NAME.svg and NAME.html for every example; return the paths written."""
    written = []
    for name, (example, title) in EXAMPLES.items():
        written.append(write_text_atomically(out / f"{name}.svg", svg(name)))
        written.append(save_html(example(), out / f"{name}.html", title=title))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "images", help="output folder")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    for path in make(arguments.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
