"""The interactive stepper: a self-contained page, checked as text and driven in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from autograd import Value, save_html, topological_order
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
        # the current node is highlighted, with the edges from its inputs
        assert "current" in page.locator(f"#n{index}").get_attribute("class")
        for input_index in range(len(step.contributions)):
            assert "flow" in page.locator(f"#e{index}_{input_index}").get_attribute("class")
        # upstream x local = contribution, for each input
        heading = page.locator("#heading").text_content()
        assert f"upstream = d root / d node = {step.upstream:.6g}" in heading
        lines = page.locator("#lines li").all_text_contents()
        assert len(lines) == len(step.contributions)
        for line, item in zip(lines, step.contributions, strict=True):
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
