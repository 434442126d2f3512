"""The interactive stepper: a self-contained page, checked as text and driven in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from autograd import Constant, Value, save_html, show_stepper, topological_order
from autograd.render import format_number

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def small_graph() -> Value:
    """A graph with a repeated operand, a constant, a Value exponent and two-input ops."""
    a = Value(0.8, label="a")
    b = Value(-1.5, label="b")
    c = a * b + b**2
    c.label = "c"
    d = (a * a).sigmoid() * 0.5
    e = c + d + a ** Value(2.0, label="p")
    e.label = "e"
    return e


def positions(root: Value) -> dict[Value, int]:
    """How the drawing names nodes: n<position>, inputs before the ops that use them."""
    order = topological_order(root)
    order.reverse()
    return {node: index for index, node in enumerate(order)}


def expected_states(root: Value) -> list[dict[int, float]]:
    """The grad the page should show on each node, before any step and after each step."""
    where = positions(root)
    shown = dict.fromkeys(where.values(), 0.0)
    states = [dict(shown)]
    steps = list(root.backward_steps())
    for step in steps:
        shown[where[step.node]] = step.upstream
        for item in step.contributions:
            shown[where[item.input]] += item.contribution
        states.append(dict(shown))
    return states


def embedded_data(page: str) -> dict:
    match = re.search(r'<script id="stepper-data" type="application/json">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


def test_page_is_self_contained(tmp_path):
    path = save_html(small_graph(), tmp_path / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "<?xml" not in page
    assert not re.search(r"<(script|img|iframe)[^>]*\bsrc=", page)
    assert "<link" not in page
    assert re.findall(r"https?://[^\s\"']+", page) == [
        url for url in re.findall(r"https?://[^\s\"']+", page) if "www.w3.org" in url
    ]


def test_save_html_returns_the_path_and_leaves_no_temporary(tmp_path):
    written = save_html(small_graph(), str(tmp_path / "steps.html"))
    assert written == tmp_path / "steps.html"
    assert isinstance(written, Path)
    assert os.listdir(tmp_path) == ["steps.html"]


def test_graph_grads_are_left_as_they_were(tmp_path):
    root = small_graph()
    nodes = topological_order(root)
    for number, node in enumerate(nodes):
        node.grad = 0.25 * number - 3.0  # whatever an earlier pass left there
    before = [node.grad for node in nodes]
    save_html(root, tmp_path / "steps.html")
    assert [node.grad for node in nodes] == before


def test_embedded_steps_end_at_backwards_grads(tmp_path):
    page = save_html(small_graph(), tmp_path / "steps.html").read_text(encoding="utf-8")
    data = embedded_data(page)
    reference = small_graph()
    reference.backward()
    final = {index: node.grad for node, index in positions(reference).items()}
    assert len(data["steps"]) == len(list(small_graph().backward_steps()))
    shown = {}
    for step in data["steps"]:
        for index, _, _, text, exact in step["changes"]:
            shown[index] = (text, float(exact))
    assert sorted(shown) == sorted(data["valueNodes"])  # every non-constant node
    for index in data["valueNodes"]:
        assert shown[index] == (format_number(final[index]), final[index])


def test_labels_cannot_break_out_of_the_script(tmp_path):
    x = Value(1.0, label="</script><script>alert(1)</script>")
    page = save_html(x * 2, tmp_path / "steps.html").read_text(encoding="utf-8")
    assert page.count("</script>") == 2
    assert "alert(1)" in embedded_data(page)["steps"][0]["lines"][0]


def test_a_single_leaf_has_no_steps(tmp_path):
    page = save_html(Value(3.0, label="x"), tmp_path / "steps.html").read_text(encoding="utf-8")
    assert embedded_data(page)["steps"] == []


# ---- the same page in headless Chromium ----


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (the dev extra)"
    )
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium found on PATH (looked for "
            + ", ".join(CHROMIUM_NAMES)
            + "); install the Debian package `chromium`, as .ci/run does"
        )
    with sync_api.sync_playwright() as playwright:
        # the system browser: Playwright's own browser download is not available here
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def shown_grads(page, indices):
    """What the page shows for each node: the grad text and the exact value behind it."""
    result = {}
    for index in indices:
        group = page.locator(f"#n{index}")
        texts = group.locator("text").all_text_contents()
        grad_texts = [text for text in texts if text.startswith("grad ")]
        result[index] = (grad_texts[-1].removeprefix("grad "), group.get_attribute("data-grad"))
    return result


def test_browser_steps_through_every_step_and_ends_at_backward(browser, tmp_path):
    root = small_graph()
    path = save_html(root, tmp_path / "steps.html")
    where = positions(root)
    value_indices = sorted(
        index for node, index in where.items() if type(node).__name__ != "Constant"
    )
    states = expected_states(small_graph())
    steps = list(root.backward_steps())  # after the page is written: this fills in root's grads
    final = small_graph()
    final.backward()
    final_grads = {index: node.grad for node, index in positions(final).items()}

    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())

    def check_state(number):
        assert page.locator("body").get_attribute("data-step") == str(number)
        assert page.locator("#counter").text_content() == f"step {number} of {len(steps)}"
        grads = shown_grads(page, value_indices)
        for index in value_indices:
            expected = states[number][index]
            assert grads[index] == (format_number(expected), repr(expected)), (number, index)

    assert page.evaluate("window.stepper.count") == len(steps)
    check_state(0)
    assert page.locator("#prev").is_disabled()
    for number, step in enumerate(steps, start=1):
        if number % 2:
            page.keyboard.press("ArrowRight")
        else:
            page.locator("#next").click()
        check_state(number)
        index = where[step.node]
        # the current node is highlighted, with the edges the gradient flows back along
        assert "current" in page.locator(f"#n{index}").get_attribute("class")
        for input_index, item in enumerate(step.contributions):
            edge_class = page.locator(f"#e{index}_{input_index}").get_attribute("class")
            assert ("flow" in edge_class) == (type(item.input) is not Constant)
        # upstream x local = contribution, for each input; a constant is said to be one
        heading = page.locator("#heading").text_content()
        assert f"upstream = d root / d node = {step.upstream:.6g}" in heading
        lines = page.locator("#lines li").all_text_contents()
        assert len(lines) == len(step.contributions)
        for line, item in zip(lines, step.contributions, strict=True):
            if type(item.input) is Constant:
                assert "is a constant: not differentiated" in line
                assert "upstream" not in line
            else:
                assert (
                    f"upstream {step.upstream:.6g} \u00d7 local {item.local:.6g} = "
                    f"{item.contribution:.6g}" in line
                )
    assert page.locator("#next").is_disabled()
    # the end: every grad the page shows is what backward() gives
    for index, (text, exact) in shown_grads(page, value_indices).items():
        assert float(exact) == final_grads[index]
        assert text == format_number(final_grads[index])
    # and back again, with the keys
    page.keyboard.press("ArrowLeft")
    check_state(len(steps) - 1)
    page.keyboard.press("Home")
    check_state(0)
    page.keyboard.press("ArrowLeft")  # nothing before the start
    check_state(0)
    page.locator("#end").click()
    check_state(len(steps))
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests
    page.close()


# ---- readable at every size: the view follows the step (issue 8) ----

VIEWPORT = {"width": 1280, "height": 800}


def mlp_loss():
    """A 2-[4]-1 tanh MLP with the MSE over 4 samples: about 300 nodes."""
    from nn import MLP, mse_loss

    xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    return mse_loss([model(x) for x in xs[:4]], ys[:4]), model


def readme_expression():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    return (a * b + b**2).tanh()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    loss, model = mlp_loss()
    nodes = topological_order(loss)
    drawn = len(nodes) + sum(1 for node in nodes if not node.is_leaf)  # a Value or an op each
    assert 250 <= drawn <= 350
    return {
        # with params= the page opens at the network level (tests/test_stepper_network.py)
        "mlp": (save_html(loss, folder / "mlp.html", params=model), loss),
        "mlp-scalar": (save_html(loss, folder / "mlp-scalar.html"), loss),
        "small": (save_html(readme_expression(), folder / "small.html"), readme_expression()),
    }


@pytest.fixture
def page(browser):
    opened = browser.new_page(viewport=VIEWPORT)
    errors = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert errors == []
    opened.close()


def current_node_report(page) -> dict:
    """Where the current node is, how tall its text is, and where the graph and panel are."""
    return page.evaluate(
        """() => {
        const box = (element) => {
          const rect = element.getBoundingClientRect();
          return {left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom};
        };
        const current = document.querySelector("g.current");
        return {
          node: box(current),
          inputs: Array.from(document.querySelectorAll("g.node.input")).map(box),
          texts: Array.from(current.querySelectorAll("text")).map(
            (text) => text.getBoundingClientRect().height),
          graph: box(document.getElementById("graph")),
          explain: box(document.getElementById("explain")),
          heading: document.getElementById("heading").textContent,
          legend: document.getElementById("legend").textContent,
          viewport: {width: window.innerWidth, height: window.innerHeight},
        };
      }"""
    )


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["left"] >= outer["left"]
        and inner["top"] >= outer["top"]
        and inner["right"] <= outer["right"]
        and inner["bottom"] <= outer["bottom"]
    )


def check_readable(page, number: int, *, inputs_too: bool) -> None:
    assert page.locator("body").get_attribute("data-step") == str(number)
    report = current_node_report(page)
    screen = {"left": 0, "top": 0, **{"right": 1280, "bottom": 800}}
    assert inside(report["node"], report["graph"]), report  # on screen, not under the panel
    if inputs_too:  # a small graph has room for the inputs too
        assert report["inputs"] and all(inside(box, report["graph"]) for box in report["inputs"])
    assert inside(report["graph"], screen)
    assert report["texts"] and min(report["texts"]) >= 11, report["texts"]
    assert inside(report["explain"], screen), report
    assert report["explain"]["right"] - report["explain"]["left"] > 200
    assert report["heading"].startswith(f"Step {number} of ")
    assert page.locator("#heading").is_visible()
    # a step through a whole neuron shows what its parameters receive as a table
    assert page.locator("#lines li").first.is_visible() or page.locator("#receives").is_visible()


@pytest.mark.parametrize("name", ["mlp", "mlp-scalar", "small"])
def test_every_step_is_readable_first_middle_last(browser, pages, page, name):
    path, root = pages[name]
    page.goto(path.as_uri())
    count = page.evaluate("window.stepper.count")
    level = "network" if name == "mlp" else "scalar"
    assert page.locator("body").get_attribute("data-level") == level
    assert page.locator("body").get_attribute("data-steps") == str(count)
    if level == "scalar":
        assert count == len(list(root.backward_steps()))
    assert page.locator("body").get_attribute("data-step") == "0"  # opens at the start
    inputs_too = name == "small"
    page.keyboard.press("ArrowRight")
    check_readable(page, 1, inputs_too=inputs_too)
    page.keyboard.press("ArrowRight")
    check_readable(page, 2, inputs_too=inputs_too)
    middle = count // 2
    page.evaluate(f"window.stepper.go({middle})")
    check_readable(page, middle, inputs_too=inputs_too)
    page.keyboard.press("End")
    check_readable(page, count, inputs_too=inputs_too)


def view(page) -> dict:
    return page.evaluate("window.stepper.view()")


def test_zoom_keys_wheel_and_drag(pages, page):
    path, _root = pages["mlp"]
    page.goto(path.as_uri() + "#step=3")
    start = view(page)
    page.keyboard.press("+")
    assert view(page)["scale"] == pytest.approx(start["scale"] * 1.25)
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert view(page)["scale"] == pytest.approx(start["scale"] * 0.8)
    page.locator("#zoom-in").click()
    assert view(page)["scale"] == pytest.approx(start["scale"])
    # the wheel zooms around the pointer: the point under it stays put
    graph = page.locator("#graph").bounding_box()
    x, y = graph["x"] + 300, graph["y"] + 200
    before = view(page)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -200)
    page.wait_for_function(f"window.stepper.view().scale > {before['scale']}")
    after = view(page)
    for axis, pointer, origin in (("x", x, graph["x"]), ("y", y, graph["y"])):
        drawing_point_before = (pointer - origin - before[axis]) / before["scale"]
        drawing_point_after = (pointer - origin - after[axis]) / after["scale"]
        assert drawing_point_after == pytest.approx(drawing_point_before, abs=0.5)
    # a drag pans by as much as the pointer moved
    page.mouse.down()
    page.mouse.move(x + 120, y - 80, steps=4)
    page.mouse.up()
    dragged = view(page)
    assert dragged["x"] == pytest.approx(after["x"] + 120, abs=0.5)
    assert dragged["y"] == pytest.approx(after["y"] - 80, abs=0.5)
    assert dragged["scale"] == after["scale"]


def test_fit_and_100_percent_toggle(pages, page):
    path, _root = pages["mlp"]
    page.goto(path.as_uri() + "#step=1")
    fit = page.locator("#fit")
    assert fit.text_content() == "Fit"
    fit.click()
    assert fit.text_content() == "100%"
    assert view(page)["fitted"]
    whole = page.evaluate(
        "(() => { const r = document.querySelector('#canvas svg').getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })()"
    )
    graph = page.evaluate(
        "(() => { const r = document.getElementById('graph').getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })()"
    )
    assert inside(whole, graph)
    fit.click()
    assert fit.text_content() == "Fit"
    assert view(page)["scale"] == 1
    page.keyboard.press("f")
    assert view(page)["fitted"]
    page.keyboard.press("0")
    assert view(page)["scale"] == 1 and not view(page)["fitted"]


def test_the_address_keeps_the_step(pages, page):
    path, root = pages["small"]
    where = positions(root)
    steps = list(root.backward_steps())
    page.goto(path.as_uri() + "#step=3")
    assert page.locator("body").get_attribute("data-step") == "3"
    assert "current" in page.locator(f"#n{where[steps[2].node]}").get_attribute("class")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("location.hash") == "#step=4"
    page.keyboard.press("Home")
    assert page.evaluate("location.hash") == "#step=0"
    page.evaluate("location.hash = '#step=2'")  # a link followed on the open page
    page.wait_for_function("document.body.dataset.step === '2'")
    page.goto(path.as_uri() + "#step=99")  # past the end: the last step
    assert page.locator("body").get_attribute("data-step") == str(len(steps))


def test_highlighted_edges_point_toward_the_inputs(pages, page):
    path, root = pages["small"]
    where = positions(root)
    page.goto(path.as_uri() + "#step=2")  # the + of a*b + b**2
    step = list(root.backward_steps())[1]
    index = where[step.node]
    for input_index, item in enumerate(step.contributions):
        edge = f"#e{index}_{input_index} path"
        style = page.evaluate(
            f"(() => {{ const s = getComputedStyle(document.querySelector('{edge}'));"
            " return [s.markerStart, s.animationName]; })()"
        )
        assert style == ['url("#grad-arrow")', "gradient-flow"]
        # the marker sits at the path's start, which is at the input, and points out of it
        start, end = page.evaluate(
            f"(() => {{ const p = document.querySelector('{edge}'); const n = p.getTotalLength();"
            " const a = p.getPointAtLength(0), b = p.getPointAtLength(n);"
            " return [[a.x, a.y], [b.x, b.y]]; })()"
        )
        input_box = page.evaluate(
            f"(() => {{ const b = document.getElementById('n{where[item.input]}').getBBox();"
            " return [b.x + b.width / 2, b.y + b.height / 2]; })()"
        )

        def distance(point, box=input_box):
            return ((point[0] - box[0]) ** 2 + (point[1] - box[1]) ** 2) ** 0.5

        assert distance(start) < distance(end)
    orient = page.evaluate("document.getElementById('grad-arrow').getAttribute('orient')")
    assert orient == "auto-start-reverse"
    # the edges of other steps keep their plain forward arrows
    assert page.locator("g.edge.flow").count() == len(step.contributions) + 1  # and e<i>_out


def test_a_constant_operand_is_said_to_be_one(tmp_path):
    x = Value(0.5, label="x")
    y = x * 4.0
    data = embedded_data(save_html(y, tmp_path / "steps.html").read_text(encoding="utf-8"))
    (step,) = data["steps"]
    assert step["lines"][1].startswith("v = 4 is a constant: not differentiated")
    assert step["lines"][0].startswith("u = x: upstream 1 \u00d7 local 4 = 4")
    assert step["lines"][0].endswith("\nd out/d u = v = 4")
    assert step["legend"] == "out = u*v, out is x*4, u is x, v is 4"
    assert step["edges"] == ["e2_out", "e2_0"]  # no gradient flows to the constant


def test_the_notebook_view_holds_the_whole_page_escaped(tmp_path):
    import html as html_module

    x = Value(0.5, label='say "hi" & <b>')
    root = (x * x).tanh()
    view = show_stepper(root, height=500)
    shown = view._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" style="([^"]*)" (.*)></iframe>', shown)
    assert match, shown[:200]
    assert html_module.unescape(match.group(1)) == view.page
    assert "height: 500px" in match.group(2)
    assert 'sandbox="allow-scripts"' in match.group(3)
    assert "<" not in match.group(1) and ">" not in match.group(1)
    assert view.page == save_html(root, tmp_path / "same.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="height must be an int of at least 200"):
        show_stepper(root, height=10)


def test_the_notebook_view_runs_in_its_frame(browser, page):
    root = readme_expression()
    page.set_content(show_stepper(root)._repr_html_())
    frame = page.frames[1]
    frame.wait_for_selector("body[data-step='0']")
    frame.locator("#next").click()
    assert frame.locator("body").get_attribute("data-step") == "1"
    assert frame.locator("g.current").count() == 1


def test_past_the_node_limit_the_page_and_the_notebook_view_stop_at_once(tmp_path):
    from autograd.render import GraphTooLargeError

    node = Value(0.5, label="x")
    for _ in range(20):
        node = node.tanh()
    with pytest.raises(GraphTooLargeError, match="more than max_nodes=10 Values"):
        save_html(node, tmp_path / "steps.html", max_nodes=10)
    with pytest.raises(GraphTooLargeError, match="more than max_nodes=10 Values"):
        show_stepper(node, max_nodes=10)
    assert os.listdir(tmp_path) == []
