"""The docs site's Playground: its Python side against the real CLI, the layout seam, its
JavaScript, and the built page in headless Chromium, served on 127.0.0.1 with every other
address blocked."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from test_stepper import browser  # noqa: F401 - the fixture: Chromium, launched once per module

from autograd import Value, render
from autograd.playground import run
from autograd.render import RenderError, set_svg_renderer, svg_from_dot
from autograd.stepper import stepper_page

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "docs" / "assets" / "playground"
LOAD_TIMEOUT_MS = 120_000  # two cores shared with other work can make Pyodide slow to start

NEURON = ("tanh(w*x + b)", "w=0.5 x=2 b=-1.5")
HOSTILE = "__import__('os')"


def cli(expression: str, variables: str) -> subprocess.CompletedProcess[str]:
    """The real command line, in its own process, on the same input the page gets."""
    return subprocess.run(
        [sys.executable, "-m", "autograd", "--", expression, *variables.split()],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def assert_same_lines(shown: list[str], printed: list[str]) -> None:
    """The page's lines are the CLI's: the same names in the same order, the same numbers.

    Exactly the same for + - * / **; the browser's C library (musl, in Pyodide) may round
    tanh, exp and log in the last bit differently from the CLI's (glibc), so each number is
    compared to 1e-13 relative: a few units in the last place of 16 digits.
    """
    assert len(shown) == len(printed), (shown, printed)
    for page_line, cli_line in zip(shown, printed, strict=True):
        page_name, _, page_number = page_line.rpartition(" = ")
        cli_name, _, cli_number = cli_line.rpartition(" = ")
        assert page_name == cli_name
        assert math.isclose(float(page_number), float(cli_number), rel_tol=1e-13), (
            page_line,
            cli_line,
        )


@pytest.fixture
def restore_renderer():
    saved = render._svg_renderer
    yield
    set_svg_renderer(saved)


# ---- the Python side, in CPython: what the page runs ----


@pytest.mark.parametrize(
    ("expression", "variables"),
    [
        NEURON,
        ("x * y + 1", "x=2 y=3"),
        ("(x*theta_1 + theta_0 - y)**2", "theta_0=1.883151 theta_1=-1.347759 x=-1 y=-0.823595"),
        ("sqrt(x) / log(y)", "x=4  y=0.5"),
        ("2", ""),
    ],
)
def test_run_prints_what_the_cli_prints(expression, variables):
    result = run(expression, variables)
    completed = cli(expression, variables)
    assert completed.returncode == 0, completed.stderr
    assert result["ok"] is True
    assert result["lines"] == completed.stdout.splitlines()
    assert result["lines"][0].startswith(expression)


@pytest.mark.parametrize(
    ("expression", "variables"),
    [
        (HOSTILE, ""),
        ("x.__class__", "x=1"),
        ("(lambda: 1)()", ""),
        ("x + y", "x=1"),
        ("x", "x=nan"),
        ("log(x)", "x=-1"),
        ("--svg", "x=1"),
        ("x", "--html=/tmp/never-written.html x=1"),
        ("", ""),
    ],
)
def test_run_gives_the_clis_one_line_error(expression, variables):
    result = run(expression, variables)
    completed = cli(expression, variables)
    assert completed.returncode == 2
    assert result == {
        "ok": False,
        "lines": completed.stderr.splitlines(),
        "page": "",
        "problem": "",
    }
    assert len(result["lines"]) == 1
    assert result["lines"][0].startswith("python -m autograd: error: ")


def test_run_never_takes_an_option_from_the_boxes(tmp_path):
    target = tmp_path / "steps.html"
    result = run("x * 2", f"x=1 --html {target}")
    assert not result["ok"]
    assert "expected NAME=NUMBER" in result["lines"][0]
    assert not target.exists()


def test_run_gives_the_stepper_page_of_the_expression():
    result = run(*NEURON)
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-1.5, label="b")
    own = stepper_page((w * x + b).tanh(), title=NEURON[0])
    # the same page but for the title's position of the labels the CLI gives subexpressions
    steps = re.search(r'<script id="stepper-data"[^>]*>(.*?)</script>', result["page"])
    own_steps = re.search(r'<script id="stepper-data"[^>]*>(.*?)</script>', own)
    assert steps and own_steps
    page_data, own_data = json.loads(steps.group(1)), json.loads(own_steps.group(1))
    assert len(page_data["steps"]) == len(own_data["steps"]) == 3
    final = {
        change[0]: float(change[4]) for step in page_data["steps"] for change in step["changes"]
    }
    own_final = {
        change[0]: float(change[4]) for step in own_data["steps"] for change in step["changes"]
    }
    assert final == own_final


def test_run_draws_the_stepper_in_the_language_asked_for():
    english, chinese = run(*NEURON), run(*NEURON, lang="zh")
    assert chinese["lines"] == english["lines"]  # the CLI's lines are the same in both
    assert "下一步" in chinese["page"] and "下一步" not in english["page"]
    assert 'lang="zh"' in chinese["page"]


def final_grads(data: dict) -> dict[int, float]:
    """The grad each node ends with, after the page's last step."""
    return {change[0]: float(change[4]) for step in data["steps"] for change in step["changes"]}


def test_run_still_prints_when_the_graph_cannot_be_drawn(restore_renderer):
    def broken(dot: str) -> str:
        raise RuntimeError("no layout today")

    set_svg_renderer(broken)
    result = run(*NEURON)
    assert result["ok"] and result["page"] == ""
    assert result["lines"] == cli(*NEURON).stdout.splitlines()
    assert "no layout today" in result["problem"]


# ---- the layout seam: one function from DOT to SVG ----


def test_a_set_renderer_lays_out_everything_drawn_with_auto(restore_renderer):
    calls = []

    def renderer(dot: str) -> str:
        calls.append(dot)
        return svg_from_dot(dot, backend="wasm")

    set_svg_renderer(renderer)
    x = Value(0.5, label="x")
    page = stepper_page((x * x).tanh())
    assert len(calls) == 1 and calls[0].startswith("digraph autograd")
    assert '<g id="n0"' in page
    assert render.to_svg(x * 3) and len(calls) == 2


def test_the_two_builds_are_still_chosen_by_name(restore_renderer):
    def refuse(dot: str) -> str:
        raise AssertionError("backend='wasm' must not use the set renderer")

    set_svg_renderer(refuse)
    assert "<svg" in svg_from_dot("digraph { a -> b }", backend="wasm")
    if shutil.which("dot"):
        assert "<svg" in svg_from_dot("digraph { a -> b }", backend="system")
    set_svg_renderer(None)
    assert "<svg" in svg_from_dot("digraph { a -> b }")


def test_a_failing_renderer_is_a_render_error_naming_it(restore_renderer):
    def failing(dot: str) -> str:
        raise ValueError("syntax error in line 1\nnear 'digraph'")

    set_svg_renderer(failing)
    with pytest.raises(RenderError, match="set_svg_renderer failed: syntax error in line 1 near"):
        svg_from_dot("digraph {")
    set_svg_renderer(lambda dot: b"<svg/>")
    with pytest.raises(RenderError, match="returned bytes, not SVG text"):
        svg_from_dot("digraph {}")
    with pytest.raises(TypeError, match="expected a function from DOT text to SVG text"):
        set_svg_renderer("dot")  # type: ignore[arg-type]


# ---- the page's own files ----


def test_package_json_pins_exact_versions_and_the_lockfile_agrees():
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert set(package["dependencies"]) == {"pyodide", "@viz-js/viz"}
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} {version} is not pinned"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        assert lock["packages"][""]["dependencies"][name] == version
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "node_modules/" in ignored and "/site/" in ignored


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js (`node`) to check the playground's JavaScript")
    return node


@pytest.mark.parametrize("name", ["playground.js", "strings.js"])
def test_javascript_parses(name):
    completed = subprocess.run(
        [node_or_skip(), "--check", str(ASSETS / name)], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr


def string_tables() -> dict[str, dict[str, str]]:
    script = (
        "globalThis.window = {};"
        f"require({json.dumps(str(ASSETS / 'strings.js'))});"
        "process.stdout.write(JSON.stringify(window.PLAYGROUND_STRINGS));"
    )
    completed = subprocess.run(
        [node_or_skip(), "-e", script], capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


def test_every_sentence_is_in_both_tables():
    tables = string_tables()
    assert set(tables) == {"en", "zh"}
    assert set(tables["en"]) == set(tables["zh"])
    script = (ASSETS / "playground.js").read_text(encoding="utf-8")
    page = (ROOT / "docs" / "playground.md").read_text(encoding="utf-8")
    used = set(re.findall(r'(?:setStatus|setTiming|setNote|text)\("(\w+)"', script))
    used |= set(re.findall(r'key: "(\w+)"', script))
    used |= set(re.findall(r'data-text="(\w+)"', page))
    assert used and used <= set(tables["en"]), sorted(used - set(tables["en"]))
    for language, table in tables.items():
        for key, sentence in table.items():
            placeholders = set(re.findall(r"\{(\d+)\}", sentence))
            english = set(re.findall(r"\{(\d+)\}", tables["en"][key]))
            assert placeholders == english, (language, key)
    assert all(re.search(r"[\u4e00-\u9fff]", sentence) for sentence in tables["zh"].values())


# ---- the built site in a browser ----


def load_build_site():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "docs" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The whole site, built by docs/build_site.py and served on 127.0.0.1."""
    for module in ("mkdocs", "material", "mkdocstrings"):
        pytest.importorskip(module, reason='needs the docs extra: pip install -e ".[docs]"')
    if shutil.which("npm") is None:
        pytest.skip("needs Node's npm to install Pyodide and viz.js (.ci/run installs it)")
    build_site = load_build_site()
    site = tmp_path_factory.mktemp("site")
    page = build_site.build_site(site)
    assert page == site / "playground" / "index.html"
    with build_site.serving(site) as address:
        yield address, site


class Visit:
    """A fresh browser context on the site: every address but the site's is aborted."""

    def __init__(self, browser, address: str) -> None:  # noqa: F811 - the fixture's browser
        self.address = address
        self.context = browser.new_context()
        self.requested: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route) -> None:
        url = route.request.url
        self.requested.append(url)
        if url.startswith(self.address + "/"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, query: str = "", hash_: str = "", edition: str = "") -> None:
        self.page.goto(f"{self.address}/{edition}playground/{query}{hash_}")
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_selector(
            "#playground-app[data-ready=true], #playground-app[data-state=failed]",
            timeout=LOAD_TIMEOUT_MS,
        )
        assert self.page.get_attribute("#playground-app", "data-state") != "failed", (
            self.page.inner_text("#status")
        )
        self.wait_stepper()

    def wait_stepper(self) -> None:
        self.page.wait_for_function(
            "() => { const app = document.getElementById('playground-app');"
            " return app.dataset.state === 'done' && (app.dataset.stepper === 'ready'"
            " || document.getElementById('stepper').hidden); }"
        )

    def result(self) -> list[str]:
        return self.page.inner_text("#result").splitlines()

    def run(self, expression: str, variables: str) -> list[str]:
        self.page.fill("#expr", expression)
        self.page.fill("#vars", variables)
        runs = int(self.page.get_attribute("#playground-app", "data-runs"))
        self.page.click("#run")
        self.page.wait_for_selector(f"#playground-app[data-runs='{runs + 1}']")
        self.wait_stepper()
        return self.result()

    def frame(self):
        return self.page.frame_locator("#stepper")

    def step(self) -> int:
        return int(self.frame().locator("body").get_attribute("data-step"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def visit(browser, served):  # noqa: F811 - the fixture imported above
    address, _site = served
    opened = Visit(browser, address)
    # every text the progress line shows, in order (the main thread is too busy while Python
    # starts to be asked in the middle)
    opened.page.add_init_script(
        "window.statusTexts = [];"
        "document.addEventListener('DOMContentLoaded', () => {"
        "  const status = document.getElementById('status');"
        "  if (!status) return;"  # the stepper's frame gets this script too
        "  window.statusTexts.push(status.textContent);"
        "  new MutationObserver(() => window.statusTexts.push(status.textContent))"
        "    .observe(status, { childList: true, characterData: true, subtree: true });"
        "});"
    )
    opened.open()
    yield opened
    opened.close()


def test_the_page_loads_the_package_from_the_site_alone(visit):
    shown = visit.page.evaluate("window.statusTexts")
    assert shown[0].startswith("Loading Python (Pyodide)"), shown
    assert any(text.startswith("Installing scalar-autograd") for text in shown), shown
    assert shown[-1].startswith("Ready:") and visit.page.inner_text("#status") == shown[-1]
    assert_same_lines(visit.result(), cli(*NEURON).stdout.splitlines())
    local = [url for url in visit.requested if url.startswith(visit.address + "/")]
    for needed in ("pyodide.asm.wasm", "python_stdlib.zip", "viz-global.js", ".whl"):
        assert any(url.endswith(needed) for url in local), needed
    assert not any("micropip" in url or "cdn" in url for url in visit.requested)
    # nothing was even asked for elsewhere (the theme uses the system fonts)
    assert visit.blocked == []
    assert visit.errors == []


def test_the_presets_give_the_clis_gradients(visit):
    presets = visit.page.evaluate("window.playground.presets")
    assert [preset["key"] for preset in presets] == ["presetNeuron", "presetMlp", "presetPrimer"]
    for preset in presets:
        runs = int(visit.page.get_attribute("#playground-app", "data-runs"))
        visit.page.click(f"#presets button[data-preset={preset['key']}]")
        visit.page.wait_for_selector(f"#playground-app[data-runs='{runs + 1}']")
        visit.wait_stepper()
        completed = cli(preset["expr"], preset["vars"])
        assert completed.returncode == 0, completed.stderr
        assert_same_lines(visit.result(), completed.stdout.splitlines())
        assert visit.page.input_value("#expr") == preset["expr"]
    mlp = next(preset for preset in presets if preset["key"] == "presetMlp")
    names = [word.split("=")[0] for word in mlp["vars"].split()]
    assert len(names) == 2 * 4 + 4 + 4 + 1  # 2-[4]-1: weights and biases of both layers


def test_typed_input_gives_the_clis_lines(visit):
    expression, variables = "sigmoid(a*b) + b**2 / a", "a=1.5  b=-0.25"
    assert_same_lines(
        visit.run(expression, variables), cli(expression, variables).stdout.splitlines()
    )
    assert visit.frame().locator("#n0").count() == 1


def test_next_walks_the_steps_and_the_address_follows(visit):
    visit.run(*NEURON)
    assert visit.step() == 0
    frame = visit.frame()
    currents = []
    for expected in (1, 2, 3):
        frame.locator("#next").click()
        assert visit.step() == expected
        currents.append(frame.locator("g.current").first.get_attribute("id"))
        visit.page.wait_for_function(f"() => location.hash === '#step={expected}'")
    assert len(set(currents)) == 3  # a different node each step
    frame.locator("#prev").click()
    assert visit.step() == 2
    frame.locator("body").press("ArrowRight")
    assert visit.step() == 3
    assert frame.locator("#next").is_disabled()


def test_a_hostile_expression_shows_the_clis_error_and_the_page_keeps_working(visit):
    completed = cli(HOSTILE, "")
    assert visit.run(HOSTILE, "") == completed.stderr.splitlines()
    assert "error" in visit.page.get_attribute("#result", "class")
    assert visit.page.locator("#stepper").is_hidden()
    attribute = "x.__class__.__mro__"
    assert visit.run(attribute, "x=1") == cli(attribute, "x=1").stderr.splitlines()
    assert_same_lines(visit.run(*NEURON), cli(*NEURON).stdout.splitlines())
    assert "error" not in (visit.page.get_attribute("#result", "class") or "")
    assert visit.page.locator("#stepper").is_visible()
    assert visit.errors == []


def test_the_address_fills_runs_and_restores_the_step(browser, served):  # noqa: F811
    address, _site = served
    expression, variables = "(x*theta_1 + theta_0 - y)**2", "theta_0=1 theta_1=-1 x=-1 y=-0.5"
    visit = Visit(browser, address)
    try:
        visit.open("?" + urlencode({"expr": expression, "vars": variables}), "#step=2")
        assert visit.page.input_value("#expr") == expression
        assert visit.page.input_value("#vars") == variables
        assert_same_lines(visit.result(), cli(expression, variables).stdout.splitlines())
        assert visit.step() == 2
        visit.frame().locator("#next").click()
        visit.page.wait_for_function("() => location.hash === '#step=3'")
        visit.page.reload()
        visit.wait_ready()
        assert visit.page.input_value("#expr") == expression
        assert_same_lines(visit.result(), cli(expression, variables).stdout.splitlines())
        assert visit.step() == 3
        assert visit.errors == []
    finally:
        visit.close()


def test_chinese_follows_the_site_language_and_the_switch(browser, served):  # noqa: F811
    address, _site = served
    visit = Visit(browser, address)
    try:
        # the Chinese edition of the site, as mkdocs builds it: its own address, its own
        # relative paths to the same assets, and <html lang="zh">
        visit.open(edition="zh/")
        assert visit.page.get_attribute("html", "lang") == "zh"
        assert visit.blocked == [] and visit.errors == []
        assert visit.page.inner_text("#run") == "运行"
        assert visit.page.inner_text("#status").startswith("就绪")
        assert_same_lines(visit.result(), cli(*NEURON).stdout.splitlines())  # the CLI's own lines
        assert "下一步" in visit.frame().locator("#next").inner_text()  # the stepper too
        runs = int(visit.page.get_attribute("#playground-app", "data-runs"))
        visit.page.select_option("#language", "en")
        visit.page.wait_for_selector(f"#playground-app[data-runs='{runs + 1}']")
        visit.wait_stepper()
        assert "Next" in visit.frame().locator("#next").inner_text()
        assert visit.page.inner_text("#run") == "Run"
        assert visit.page.inner_text("#status").startswith("Ready:")
    finally:
        visit.close()
