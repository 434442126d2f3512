"""Make the pictures of docs/visualizing.md: python docs/make_images.py [--out DIR].

Every picture is drawn by the code it illustrates; the library's pictures go
through the WebAssembly Graphviz, so they do not depend on which Graphviz the
machine has (the command line's picture uses whichever one it finds).
The stepper screenshots need Chromium and Playwright; without them they are
skipped with a message and the other pictures are still made.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograd import Value, save_animation, save_html
from autograd.files import write_text_atomically
from autograd.render import dot_source, svg_from_dot
from nn import MLP, mse_loss

HERE = Path(__file__).resolve().parent
CLI_EXAMPLE = ["tanh(w*x + b)", "w=-0.7", "x=1.5", "b=0.4"]
XS = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
SCREENSHOT_VIEWPORT = {"width": 1280, "height": 720}
# the Chinese guide's picture of the stepper, at the window the browser tests use
CHINESE_VIEWPORT = {"width": 1280, "height": 800}


def neuron() -> Value:
    """One tanh neuron with two inputs, after backward: the picture at the top of the doc."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    out.backward()
    return out


def mlp_loss(samples: int) -> tuple[Value, MLP]:
    """The loss of a 2-[4]-1 tanh MLP over the first ``samples`` samples."""
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    return mse_loss([model(x) for x in XS[:samples]], YS[:samples]), model


def readme_expression() -> Value:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    return (a * b + b**2).tanh()


def _stepper_pages(folder: Path) -> dict[str, Path]:
    """The pages the browser tests check, to be shown at their first, middle and last step."""
    loss, model = mlp_loss(4)
    title = "MSE of MLP(2, [4, 1]) over 4 samples"
    return {
        # with params=: the network level, a box per neuron per sample
        "network-steps": save_html(loss, folder / "network.html", title=title, params=model),
        # the same loss without params=: every scalar op
        "mlp-steps": save_html(loss, folder / "mlp.html", title=title),
        "expression-steps": save_html(
            readme_expression(), folder / "expression.html", title="tanh(a*b + b**2)"
        ),
    }


def make_svgs(out: Path) -> list[Path]:
    written = []
    root = neuron()
    written.append(write_text_atomically(out / "neuron.svg", _svg(root)))
    x = Value(3.0, label="x")
    y = x * x + 2 * x
    y.label = "y"
    y.backward()
    written.append(write_text_atomically(out / "square.svg", _svg(y)))
    # the command line's own drawing, made by the command line
    cli_svg = out / "cli-graph.svg"
    subprocess.run(
        [sys.executable, "-m", "autograd", *CLI_EXAMPLE, "--svg", str(cli_svg)],
        check=True,
        capture_output=True,
        text=True,
    )
    written.append(cli_svg)
    written.append(save_html(neuron(), out / "neuron-steps.html", title="out = tanh(n)"))
    # a model drawn with params=: parameters, data, a box per neuron and layer
    loss, model = mlp_loss(1)
    loss.backward()
    written.append(
        write_text_atomically(
            out / "mlp.svg", svg_from_dot(dot_source(loss, params=model), backend="wasm")
        )
    )
    # the README's animation: the command line's expression, played by save_animation
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-1.0, label="b")
    written.append(save_animation((w * x + b).tanh(), out / "backprop.svg", title="tanh(w*x + b)"))
    loss, model = mlp_loss(2)
    written.append(save_animation(loss, out / "network-backprop.svg", params=model))
    return written


def _svg(root: Value) -> str:
    return svg_from_dot(dot_source(root), backend="wasm")


def make_stepper_screenshots(out: Path, page_path: Path) -> list[Path]:
    """PNGs of the stepper: the neuron three steps in, and the two pages of _stepper_pages at their
    first, middle and last step; none (with a message) without a browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped stepper.png: Playwright for Python is not installed", file=sys.stderr)
        return []
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("skipped stepper.png: no chromium on PATH", file=sys.stderr)
        return []
    written = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 480})
        page.goto(page_path.resolve().as_uri())
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.screenshot(path=str(out / "stepper.png"))
        written.append(out / "stepper.png")
        page.close()
        page = browser.new_page(viewport=SCREENSHOT_VIEWPORT)
        for name, page_path in _stepper_pages(Path(folder)).items():
            page.goto(page_path.resolve().as_uri())
            count = page.evaluate("window.stepper.count")
            for where, step in (("first", 1), ("middle", count // 2), ("last", count)):
                page.evaluate(f"window.stepper.go({step})")
                target = out / f"{name}-{where}.png"
                page.screenshot(path=str(target))
                written.append(target)
        page.close()
        written.append(_chinese_screenshot(browser, Path(folder), out))
        browser.close()
    return written


def _chinese_screenshot(browser: object, folder: Path, out: Path) -> Path:
    """The stepper in Chinese at 1280x800, inside a neuron's scalar ops, for the Chinese guide."""
    loss, model = mlp_loss(4)
    page_path = save_html(
        loss, folder / "zh.html", title="MLP(2, [4, 1]) 在 4 个样本上的均方误差", params=model,
        lang="zh",
    )  # fmt: skip
    page = browser.new_page(viewport=CHINESE_VIEWPORT)  # type: ignore[attr-defined]
    page.goto(page_path.resolve().as_uri())
    page.evaluate("window.stepper.go(7)")  # the output neuron of the first sample
    target = out / "stepper-zh.png"
    page.screenshot(path=str(target))
    page.close()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "images", help="output folder")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    written = make_svgs(arguments.out)
    written += make_stepper_screenshots(arguments.out, arguments.out / "neuron-steps.html")
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
