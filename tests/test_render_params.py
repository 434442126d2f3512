"""Drawing a model: draw_dot/to_svg/save_svg with params= (parameters, data, neurons boxed)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, draw_dot, save_svg, to_svg
from autograd.render import dot_source
from nn import MLP, Neuron, mse_loss

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def mlp_loss(samples: int = 1) -> tuple[Value, MLP]:
    xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    loss = mse_loss([model(x) for x in xs[:samples]], ys[:samples])
    loss.backward()
    return loss, model


def groups_by_id(svg: str) -> dict[str, ET.Element]:
    tree = ET.fromstring(svg.encode("utf-8"))
    return {element.get("id"): element for element in tree.iter(f"{SVG}g")}


def texts(group: ET.Element) -> list[str]:
    return [element.text or "" for element in group.iter(f"{SVG}text")]


def tooltip(group: ET.Element) -> str | None:
    for element in group.iter(f"{SVG}a"):
        return element.get(XLINK_TITLE)
    return None


def test_parameters_get_short_names_with_the_full_name_as_tooltip():
    loss, model = mlp_loss()
    svg = to_svg(loss, params=model, backend="wasm")
    groups = groups_by_id(svg)
    source = dot_source(loss, params=model)
    param = dict(model.named_parameters())["layers.0.neurons.3.w.1"]
    match = re.search(
        r'(n\d+) \[label="w1 \| data ([^ ]+) \| grad ([^ ]+)" .*"parameter '
        r'layers\.0\.neurons\.3\.w\.1"',
        source,
    )
    assert match, source
    group = groups[match.group(1)]
    assert texts(group)[0] == "w1"
    assert f"data {param.data:.4g}" in texts(group)
    assert tooltip(group) == "parameter layers.0.neurons.3.w.1"
    assert "parameter" in group.get("class").split()
    # no drawn text holds a dotted name: that is what made the picture 5,000 px wide
    all_texts = [text for element in groups.values() for text in texts(element)]
    assert not [text for text in all_texts if "layers." in text]


def test_neurons_are_boxed_inside_their_layers():
    loss, model = mlp_loss()
    source = dot_source(loss, params=model)
    titles = re.findall(r'graph \[label="([^"]+)" tooltip="([^"]+)"', source)
    assert titles == [
        ("layer 1", "layers.1"),
        ("neuron 0", "layers.1.neurons.0"),
        ("layer 0", "layers.0"),
        *[(f"neuron {index}", f"layers.0.neurons.{index}") for index in (3, 2, 1, 0)],
    ]  # in the order they first appear, inputs first
    svg = to_svg(loss, params=model, backend="wasm")
    tree = ET.fromstring(svg.encode("utf-8"))
    clusters = [element for element in tree.iter(f"{SVG}g") if element.get("class") == "cluster"]
    assert len(clusters) == 7
    # every parameter of a neuron sits in that neuron's box, and so do its ops (w*x, +, tanh)
    blocks = _cluster_blocks(source)
    params = dict(model.named_parameters())
    for index in range(4):
        block = blocks[f"layers.0.neurons.{index}"]
        assert block.count("class=parameter") == 3  # w0, w1, b
        assert block.count('label="tanh"') == 1
        assert block.count('label="*"') == 2
    assert "loss" not in blocks
    assert len(params) == sum(block.count("class=parameter") for block in blocks.values())


def _cluster_blocks(source: str) -> dict[str, str]:
    """The node lines directly inside each cluster, by the cluster's dotted name."""
    blocks: dict[str, str] = {}
    stack: list[str] = []
    for line in source.splitlines():
        title = re.search(r'graph \[label="[^"]+" tooltip="([^"]+)"', line)
        if title:
            stack.append(title.group(1))
            blocks[stack[-1]] = ""
        elif line.strip() == "}" and stack:
            stack.pop()
        elif stack and "->" not in line and "subgraph" not in line:
            blocks[stack[-1]] += line + "\n"
    return blocks


def test_data_and_targets_are_drawn_as_data_without_a_grad():
    neuron = Neuron(1, activation=None, seed=0)
    x = Value(2.0, label="x")
    y = Value(1.0, label="y")
    loss = mse_loss(neuron([x]), y)
    loss.backward()
    source = dot_source(loss, params=neuron)
    for name in ("x", "y"):
        (line,) = [line for line in source.splitlines() if f'label="{name} | data' in line]
        assert "class=data" in line and "grad" not in line.split("tooltip")[0]
        assert f'tooltip="data {name}, not a parameter"' in line
    for name in ("w", "b"):
        (line,) = [line for line in source.splitlines() if f'label="{name} | data' in line]
        assert "class=parameter" in line and "| grad " in line
    # without params= the drawing is as before: x and y are blue leaves with a grad
    plain = dot_source(loss)
    assert "class=" not in plain and 'label="x | data 2 | grad' in plain


def test_params_as_pairs_or_dict_draw_the_same():
    loss, model = mlp_loss()
    source = dot_source(loss, params=model)
    assert dot_source(loss, params=model.named_parameters()) == source
    assert dot_source(loss, params=dict(model.named_parameters())) == source
    assert draw_dot(loss, params=model).source == source


def test_top_to_bottom_stacks_fields_with_braces():
    loss, model = mlp_loss()
    source = dot_source(loss, params=model, rankdir="TB")
    assert 'label="{ w1 | data' in source
    assert "rankdir=TB" in source


def test_the_2_4_1_mlp_is_narrower_with_params(tmp_path):
    loss, model = mlp_loss()

    def width(svg: str) -> float:
        return float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))

    with_params = to_svg(loss, params=model, backend="wasm")
    without = to_svg(loss, backend="wasm")
    # both stack name, data and grad; the model's boxes of neurons keep it narrower still
    assert width(with_params) < 0.8 * width(without)
    written = save_svg(loss, tmp_path / "mlp.svg", params=model, backend="wasm")
    assert written.read_text(encoding="utf-8") == with_params


def test_bad_params_are_a_clear_error():
    loss, _model = mlp_loss()
    with pytest.raises(TypeError, match=r"params must be a Module .* got float"):
        dot_source(loss, params=1.5)
