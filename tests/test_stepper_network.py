"""The stepper's network level (issue 15): a box per neuron per sample, opened into scalar ops."""

from __future__ import annotations

import html
import math
import re

import pytest
from test_stepper import (
    browser,  # noqa: F401 - a fixture
    current_node_report,
    embedded_data,
    inside,
    mlp_loss,
    page,  # noqa: F401 - a fixture
    readme_expression,
)

from autograd import Value, save_html, to_svg, topological_order
from autograd.names import node_names
from nn import MLP, Neuron, mse_loss

XS = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]


def page_data(root, tmp_path, **options) -> dict:
    return embedded_data(save_html(root, tmp_path / "page.html", **options).read_text("utf-8"))


def test_the_2_4_1_mlp_over_4_samples_has_a_network_level_of_20_to_40_steps(tmp_path):
    loss, model = mlp_loss()
    data = page_data(loss, tmp_path, params=model)
    network = data["network"]["steps"]
    assert 20 <= len(network) <= 40
    neurons = [step for step in network if step["table"]]
    assert len(neurons) == 4 * 4 + 1 * 4  # every neuron once per sample
    # each scalar step belongs to exactly one network step, in the network's order
    inner = [index for step in network for index in step["inner"]]
    assert inner == list(range(len(data["steps"])))
    assert len(data["steps"]) == len(list(loss.backward_steps()))
    headings = " ".join(step["heading"] for step in network)
    for layer, width in ((0, 4), (1, 1)):
        for neuron in range(width):
            for sample in range(4):
                assert f"layer {layer}, neuron {neuron}, sample {sample}:" in headings


def test_a_network_step_table_says_what_each_parameter_receives(tmp_path):
    loss, model = mlp_loss()
    data = page_data(loss, tmp_path, params=model)
    reference, reference_model = mlp_loss()
    reference.backward()
    received: dict[str, float] = {}
    count = 0
    for step in data["network"]["steps"]:
        match = re.match(r"Step \d+ of \d+, (layer \d+, neuron \d+), sample \d+:", step["heading"])
        if not match:
            continue
        count += 1
        for what, receives, _after in step["table"]:
            if what.startswith(("weight ", "bias ")):
                key = match.group(1) + " " + what.split()[1]
                received[key] = received.get(key, 0.0) + float(receives)
    assert count == 20
    # over the samples, what a parameter receives adds up to its grad (6 digits shown each)
    for name, param in reference_model.named_parameters():
        parts = name.split(".")  # layers.0.neurons.2.w.1
        short = parts[4] + (parts[5] if len(parts) > 5 else "")
        key = f"layer {parts[1]}, neuron {parts[3]} {short}"
        assert received[key] == pytest.approx(param.grad, rel=1e-4, abs=1e-6), key


def test_the_network_drawing_has_a_box_per_neuron_per_sample_with_its_data_beside_it(tmp_path):
    loss, model = mlp_loss()
    written = save_html(loss, tmp_path / "page.html", params=model).read_text("utf-8")
    network_svg = html.unescape(
        written[written.index('id="network-drawing"') : written.index('id="scalar-drawing"')]
    )
    assert network_svg.count('class="node neuron') == 20
    # one data box per neuron of the first layer, in the cluster of its sample
    for sample, features in enumerate(XS):
        shown = ", ".join(f"{value:g}" for value in features)
        assert network_svg.count(f"x = ({shown})") == 4, sample
    assert network_svg.count("<title>cluster_sample") == 4
    # the gradient flows back along the edges between neurons, never to the data
    for step in embedded_data(written)["network"]["steps"]:
        assert not any(edge.endswith("_data") for edge in step["edges"])


def test_without_params_the_page_stays_scalar(tmp_path):
    loss, _model = mlp_loss()
    written = save_html(loss, tmp_path / "page.html").read_text("utf-8")
    assert "network" not in embedded_data(written)
    assert '<body data-level="scalar">' in written


def test_the_grouping_comes_from_the_graph_for_a_hand_written_neuron_and_three_layers(tmp_path):
    neuron = Neuron(3, activation="relu", seed=1)
    loss = sum((neuron(x) - 1.0) ** 2 for x in ([1.0, 2.0, 3.0], [0.5, -1.0, 2.0]))
    data = page_data(loss, tmp_path, params=neuron)
    headings = [step["heading"] for step in data["network"]["steps"] if step["table"]]
    # sum() starts from 0: (0 + loss of sample 0) + loss of sample 1, 8 network steps
    assert [heading.split(": ")[0] for heading in headings] == [
        "Step 5 of 8, neuron, sample 0",
        "Step 8 of 8, neuron, sample 1",
    ]
    assert any("out = relu(w\u00b7x + b)" in heading for heading in headings)
    deep = MLP(2, [3, 2, 1], activation="tanh", seed=2)
    loss = mse_loss([deep(x) for x in XS[:2]], [1.0, -1.0])
    data = page_data(loss, tmp_path, params=deep)
    names = [step["group"] for step in data["network"]["steps"] if step["table"]]
    assert len(names) == (3 + 2 + 1) * 2
    assert "layer 2, neuron 0, sample 1" in names and "layer 1, neuron 1, sample 0" in names


def test_names_from_the_model_are_the_same_in_print_step_and_the_drawing():
    loss, model = mlp_loss()
    names = node_names(loss, params=model)
    output = next(node for node, name in names.items() if name == "layer 0, neuron 2, sample 1")
    assert output.op == "tanh"
    assert names[output.inputs[0]] == "w\u00b7x + b"
    svg = to_svg(loss, params=model, backend="wasm")
    assert ">layer 0, neuron 2, sample 1</text>" in svg
    assert ">w\u00b7x + b</text>" in svg
    step = next(step for step in loss.backward_steps() if step.node is output)
    explained = step.explain(params=model, root=loss)
    assert explained.startswith("layer 0, neuron 2, sample 1: out = tanh(u)")
    assert "u = w\u00b7x + b: " in explained
    # no name made only of ellipses, with or without the model
    for with_params in (model, None):
        for node, name in node_names(loss, params=with_params).items():
            if not node.is_leaf:
                assert any(char.isalpha() for char in name), name
    # the loss speaks of each sample's prediction
    loss_name = node_names(loss, params=model)[loss]
    assert "(ŷ3 - 1)*(ŷ3 - 1)" in loss_name and loss_name.endswith("/4"), loss_name


def test_intermediate_boxes_show_their_name_in_to_svg():
    svg = to_svg(readme_expression(), backend="wasm")
    for name in ("a*b", "b**2", "a*b + b**2", "tanh(a*b + b**2)"):
        assert f">{name}</text>" in svg


# ---- in the browser, at 1280x800 ----


def body(page, name: str) -> str:  # noqa: F811 - a page the fixture opened
    return page.locator("body").get_attribute(f"data-{name}")


def test_the_network_level_in_the_browser(page, tmp_path):  # noqa: F811 - the fixture
    loss, model = mlp_loss()
    path = save_html(loss, tmp_path / "mlp.html", params=model)
    page.goto(path.as_uri())
    assert (body(page, "level"), body(page, "step")) == ("network", "0")
    count = int(body(page, "steps"))
    assert 20 <= count <= 40
    for number in (1, count // 2, count):
        page.evaluate(f"window.stepper.go({number})")
        assert body(page, "step") == str(number)
        shown = current_node_report(page)
        panel = shown["heading"] + " " + shown["legend"]
        assert inside(shown["node"], shown["graph"]), (number, shown)
        assert min(shown["texts"]) >= 11, (number, shown["texts"])
        assert re.search(r"layer \d+, neuron \d+", panel), (number, panel)
    # Enter opens the current neuron's scalar ops; a step; Escape comes back to the same step
    page.evaluate(f"window.stepper.go({count // 2})")
    page.keyboard.press("Enter")
    assert body(page, "level") == "scalar"
    assert body(page, "step") == "0"
    inner = int(body(page, "steps"))
    assert 1 <= inner <= 8
    page.keyboard.press("ArrowRight")
    assert body(page, "step") == "1"
    shown = current_node_report(page)
    assert inside(shown["node"], shown["graph"]) and min(shown["texts"]) >= 11
    assert "inside layer" in shown["heading"] + " " + shown["legend"]
    page.keyboard.press("Escape")
    assert (body(page, "level"), body(page, "step")) == ("network", str(count // 2))
    assert body(page, "steps") == str(count)
    # a click on the current neuron opens it too
    page.evaluate("window.stepper.go(7)")
    page.locator("g.current").click()
    assert body(page, "level") == "scalar"
    page.keyboard.press("End")
    page.keyboard.press("Escape")
    page.keyboard.press("End")
    # at the end, the grads the scalar drawing shows are what backward() gives
    reference, _ = mlp_loss()
    reference.backward()
    order = topological_order(reference)
    order.reverse()
    for index, node in enumerate(order):
        if type(node).__name__ == "Constant":
            continue
        exact = page.locator(f"#n{index}").get_attribute("data-grad")
        assert math.isclose(float(exact), node.grad, rel_tol=1e-9, abs_tol=1e-12), index


def test_a_small_graph_opens_whole_with_its_boxes_named(page, tmp_path):  # noqa: F811
    path = save_html(readme_expression(), tmp_path / "small.html")
    page.goto(path.as_uri())
    for number in (0, 1):
        page.evaluate(f"window.stepper.go({number})")
        boxes = page.evaluate(
            """() => Array.from(document.querySelectorAll('#scalar-drawing g.node')).map((n) => {
              const r = n.getBoundingClientRect();
              return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
            })"""
        )
        graph = page.locator("#graph").bounding_box()
        area = {
            "left": graph["x"],
            "top": graph["y"],
            "right": graph["x"] + graph["width"],
            "bottom": graph["y"] + graph["height"],
        }
        assert len(boxes) == 11 and all(inside(box, area) for box in boxes), number
        heights = page.evaluate(
            "Array.from(document.querySelectorAll('#scalar-drawing text'))"
            ".map((t) => t.getBoundingClientRect().height)"
        )
        assert min(heights) >= 11
    named = page.locator("#scalar-drawing g.node", has_text="a*b").first
    assert "data -6" in named.text_content()


def test_a_value_in_the_loss_that_is_not_a_neuron_stays_a_node(tmp_path):
    neuron = Neuron(2, activation="tanh", seed=3)
    target = Value(0.5, label="target")
    loss = (neuron([1.0, 2.0]) - target) ** 2
    data = page_data(loss, tmp_path, params=neuron)
    steps = data["network"]["steps"]
    assert [bool(step["table"]) for step in steps] == [False, False, True]
    assert "target" in steps[1]["legend"]


def test_the_page_walks_the_graph_once_for_drawing_steps_and_names(tmp_path, monkeypatch):
    import autograd.names
    import autograd.render
    import autograd.stepper

    calls = []
    real = autograd.stepper.topological_order

    def counted(root):
        calls.append(root)
        return real(root)

    def refused(root):
        raise AssertionError("the page walked the graph again")

    monkeypatch.setattr(autograd.stepper, "topological_order", counted)
    monkeypatch.setattr(autograd.render, "topological_order", refused)
    monkeypatch.setattr(autograd.names, "topological_order", refused)
    loss, model = mlp_loss()
    save_html(loss, tmp_path / "page.html", params=model)
    assert calls == [loss]  # one view: order, names, neurons, both drawings
