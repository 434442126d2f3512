"""save_animation and --animate: one self-contained animated SVG of the backward pass, no script."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from test_stepper import CHROMIUM_ARGS, find_chromium, mlp_loss, readme_expression

from autograd import Value, save_animation
from autograd.animation import MAX_ANIMATION_STEPS, SECONDS_PER_STEP, animation_svg
from autograd.cli import main

SVG = "{http://www.w3.org/2000/svg}"


def names_of(step) -> str:
    return step.explain().split(":")[0]


def test_the_animation_is_one_svg_without_script_or_network(tmp_path):
    path = save_animation(readme_expression(), tmp_path / "pass.svg")
    picture = path.read_text(encoding="utf-8")
    tree = ET.parse(path)  # well-formed XML, as an <img> needs
    assert tree.getroot().tag == SVG + "svg"
    assert "<script" not in picture and "onload" not in picture and 'href="http' not in picture
    assert "@keyframes" in picture and "infinite" in picture
    # one caption per step, plus the start; the period is a step's time per frame
    captions = [text.text for text in tree.iter(SVG + "text") if "caption" in text.get("class", "")]
    assert captions[0] == "before backward: every grad is 0"
    # in backward's order, named as the stepper and print(step) name them
    steps = list(readme_expression().backward_steps())
    expected = [f"step {k} of 4: {names_of(step)}" for k, step in enumerate(steps, start=1)]
    assert captions[1:5] == expected
    assert captions[5] == captions[4]  # the finished grads are held before the loop restarts
    period = float(re.search(r"animation: \w+ ([\d.]+)s infinite", picture).group(1))
    assert period == pytest.approx((4 + 3) * SECONDS_PER_STEP)


def test_every_grad_the_pass_gives_appears_in_the_animation(tmp_path):
    root = readme_expression()
    picture = animation_svg(root)
    root.backward()
    a, b = root.inputs[0].inputs[0].inputs
    for value in (root.grad, a.grad, b.grad):
        assert f"grad {value:.4g}" in picture


def test_a_model_plays_its_network_level_and_long_passes_are_cut(tmp_path):
    loss, model = mlp_loss()
    picture = animation_svg(loss, params=model)
    assert "layer 0, neuron 2, sample 1" in picture
    assert "step 32 of 32" in picture
    cut = animation_svg(loss, max_steps=10)
    assert "step 10 of 124" in cut and "step 11 of 124" not in cut
    assert "(the first 10 of 124 steps)" in cut
    assert MAX_ANIMATION_STEPS <= 60
    chinese = animation_svg(readme_expression(), lang="zh")
    assert "第 1 步（共 4 步）" in chinese


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seconds_per_step": 0}, "seconds_per_step must be a number from 0.1 to 60"),
        ({"max_steps": 0}, "max_steps must be a positive int"),
        ({"lang": "xx"}, "lang must be one of"),
    ],
)
def test_bad_options_are_refused_by_name(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        save_animation(Value(1.0) * 2, tmp_path / "pass.svg", **options)
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_writes_the_animation(tmp_path):
    path = tmp_path / "backprop.svg"
    out = io.StringIO()
    status = main(
        ["tanh(w*x + b)", "w=0.5", "x=2", "b=-1", "--animate", str(path)],
        stdout=out,
        stderr=io.StringIO(),
    )
    assert status == 0
    assert f"wrote {path}" in out.getvalue()
    assert "@keyframes" in path.read_text(encoding="utf-8")
    error = io.StringIO()
    assert main(["x*2", "x=1", "--animate"], stdout=io.StringIO(), stderr=error) == 2
    assert "--animate needs a file path" in error.getvalue()


def test_chromium_sees_the_picture_change_over_time(tmp_path):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (the dev extra)"
    )
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found on PATH; install the Debian package `chromium`")
    path = save_animation(readme_expression(), tmp_path / "pass.svg", seconds_per_step=0.5)
    holder = tmp_path / "holder.html"
    holder.write_text(f'<img id="picture" src="{path.name}">', encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 400})
        page.goto(holder.as_uri())
        page.wait_for_function("document.getElementById('picture').complete")
        shots = []
        for _ in range(3):
            shots.append(page.locator("#picture").screenshot())
            page.wait_for_timeout(600)
        browser.close()
    assert shots[0] != shots[1] or shots[1] != shots[2]
    assert len(set(shots)) >= 2
