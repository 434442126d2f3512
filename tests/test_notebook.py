"""docs/learn-backprop.ipynb runs top to bottom in a fresh kernel with no system Graphviz on PATH,
and shows what it says: the right gradients, graphs as inline SVG, the stepper inline.
Its Chinese edition, docs/learn-backprop.zh.ipynb, runs through the same checks (the stepper
and print(step) in Chinese), and a drift check keeps its code cells the English ones.

The notebook is stored without outputs (a test checks that): its outputs are made by
running it, here, on every test run, so stored outputs could only drift from the code
and bloat every diff with SVG. The pictures are in the docs pages for readers who do
not run it.
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {
    "en": ROOT / "docs" / "learn-backprop.ipynb",
    "zh": ROOT / "docs" / "learn-backprop.zh.ipynb",
}
NEEDS_DEV = 'needs the dev extra: pip install -e ".[dev]"'
GRADIENTS = {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0, "e": -2.0, "d": -2.0, "L": 1.0}


# What each edition shows in words: its stepper page, its first steps printed by print(step)
STEPPER_PAGE = {
    "en": {"html": '<html lang="en">', "next": "Next \u25b6", "frame": "step through backprop"},
    "zh": {"html": '<html lang="zh">', "next": "下一步 \u25b6", "frame": "一步一步看反向传播"},
}
FIRST_STEP = {
    "en": [
        "L: out = u*v, upstream 1",
        "  u = d: 1 \u00d7 -2 = -2; d out/d u = v = -2",
        "  v = f: 1 \u00d7 4 = 4; d out/d v = u = 4",
    ],
    "zh": [
        "L：out = u*v，上游梯度 1",
        "  u = d：1 \u00d7 -2 = -2；d out/d u = v = -2",
        "  v = f：1 \u00d7 4 = 4；d out/d v = u = 4",
    ],
}
# How the opening names the primer, and how it lists the parameters
OPENING = {"en": ("Chinese primer", "`w`, `b`"), "zh": ("中文入门文章", "`w`、`b`")}


@pytest.fixture(scope="module", params=sorted(NOTEBOOKS))
def lang(request: pytest.FixtureRequest) -> str:
    """Which edition of the notebook: each test runs on both ("en", "zh")."""
    return request.param


def read_notebook(lang: str = "en"):
    nbformat = pytest.importorskip("nbformat", reason=NEEDS_DEV)
    return nbformat.read(NOTEBOOKS[lang], as_version=4)


def test_notebook_is_stored_valid_and_without_outputs(lang: str) -> None:
    nbformat = pytest.importorskip("nbformat", reason=NEEDS_DEV)
    notebook = read_notebook(lang)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has stored outputs: clear them"
            assert cell.execution_count is None, f"cell {index} has an execution count"


@pytest.fixture(scope="module")
def executed(lang: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """Run the notebook in a fresh kernel without `dot` on PATH; outputs by cell tag.

    Once per edition: the module scope keeps one run of each for all the tests below."""
    nbformat = pytest.importorskip("nbformat", reason=NEEDS_DEV)
    nbclient = pytest.importorskip("nbclient", reason=NEEDS_DEV)
    pytest.importorskip("ipykernel", reason=NEEDS_DEV)
    notebook = read_notebook(lang)
    # the kernel's own view of PATH, checked in a cell appended to this copy only
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            'import shutil\nprint(shutil.which("dot"))', metadata={"tags": ["which-dot"]}
        )
    )
    work = tmp_path_factory.mktemp(f"notebook-{lang}")
    no_dot = work / "bin"  # PATH is this empty folder: no system Graphviz to find
    no_dot.mkdir()
    assert shutil.which("dot", path=str(no_dot)) is None
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PATH": str(no_dot), "PYTHONPATH": python_path}
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(work)}},
    )
    client.execute(env=environment)  # a cell that raises fails here, naming the cell
    outputs: dict[str, list] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert not [output for output in cell.outputs if output.get("name") == "stderr"], (
            f"cell printed to stderr (a warning?):\n{cell.source}\n{cell.outputs}"
        )
        for tag in cell.metadata.get("tags", []):
            outputs[tag] = cell.outputs
    return outputs


def text_of(outputs: list) -> str:
    return "".join(output["text"] for output in outputs if output.output_type == "stream")


def data_of(outputs: list, mime: str) -> str:
    found = [output.data[mime] for output in outputs if mime in output.get("data", {})]
    assert len(found) == 1, f"expected one {mime} output, got {len(found)}: {outputs}"
    return found[0]


def test_the_kernel_had_no_system_graphviz(executed: dict[str, list]) -> None:
    assert text_of(executed["which-dot"]).strip() == "None"


def test_a_nudge_gives_the_derivative(executed: dict[str, list]) -> None:
    assert "(f(5 + h) - f(5)) / h = 7.0000" in text_of(executed["nudge-one"])
    nudged = dict(re.findall(r"dL/d(\w) ~ (-?[\d.]+)", text_of(executed["nudge-many"])))
    assert {name: float(value) for name, value in nudged.items()} == {
        name: GRADIENTS[name] for name in "abcf"
    }


def test_backward_gives_the_gradients_worked_by_hand(executed: dict[str, list]) -> None:
    assert ast.literal_eval(text_of(executed["backward"]).strip()) == GRADIENTS


def test_a_value_displays_as_its_graph_in_svg(executed: dict[str, list]) -> None:
    svg = html.unescape(data_of(executed["graph"], "image/svg+xml"))
    assert "<svg" in svg
    texts = re.findall(r">([^<]*)</text>", svg)
    for label, grad in GRADIENTS.items():
        index = texts.index(label)
        assert texts[index + 2] == f"grad {grad:g}", (label, texts[index : index + 3])
    assert "<svg" in data_of(executed["neuron"], "image/svg+xml")


def test_the_stepper_shows_inline(executed: dict[str, list], lang: str) -> None:
    page = data_of(executed["stepper"], "text/html")  # show_stepper's _repr_html_
    assert page.startswith("<iframe srcdoc=")
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', page)[1])
    assert "<svg" in inner
    assert "height: 480px" in page
    # the page speaks the edition's language: its html tag, its Next button, the frame's title
    words = STEPPER_PAGE[lang]
    assert words["html"] in inner
    next_button = re.search(r'<button id="next"[^>]*>([^<]*)<', inner)
    assert next_button is not None, "the stepper has no Next button"
    assert html.unescape(next_button[1]) == words["next"]
    assert f'title="{words["frame"]}"></iframe>' in page
    steps = text_of(executed["steps-text"]).splitlines()
    assert steps[:3] == FIRST_STEP[lang]
    assert len(steps) == 9  # three op nodes, each with two inputs


def test_gradcheck_passes(executed: dict[str, list]) -> None:
    assert data_of(executed["gradcheck"], "text/plain") == "True"


def test_the_models_train(executed: dict[str, list]) -> None:
    training = text_of(executed["train"])
    losses = [float(loss) for loss in re.findall(r"loss (\d\.\d+)", training)]
    assert losses[0] > 0.5
    assert losses[-1] < 0.01
    predictions = ast.literal_eval(re.search(r"predictions: (\[.*?\])", training)[1])
    assert [1.0 if p > 0 else -1.0 for p in predictions] == [-1.0, 1.0, 1.0, -1.0]
    final = float(re.search(r"final loss (\S+)", text_of(executed["train-nn"]))[1])
    assert final < 1e-3


def test_the_notebook_opens_with_the_primer_it_comes_from(lang: str) -> None:
    opening = read_notebook(lang).cells[0].source
    primer, parameters = OPENING[lang]
    assert primer in opening
    # the primer's notation, tied to the names in the code
    for symbol, name in [
        ("θ", parameters),
        ("\u03b1", "`lr`"),  # alpha
        ("J(θ)", "`loss`"),
        ("∇J(θ)", "`.grad`"),
    ]:
        assert symbol in opening and name in opening, (symbol, name)


def test_the_primers_loop_and_its_fix(executed: dict[str, list]) -> None:
    # the numbers of the guide's section 7: the loop as written makes 100 lines, the fix one
    printed = text_of(executed["primer"])
    assert "theta_0 has shape (100,), theta_1 has shape (100,)" in printed
    assert "sums fixed: theta_0 = 1.0060, theta_1 = 1.8746" in printed
    assert "least squares: theta_0 = 1.0060, theta_1 = 1.9851" in printed


# ---- the Chinese edition cannot drift from the English one ----

CHINESE_ONLY_LINES = {"from autograd import set_language", 'set_language("zh")'}
CJK = re.compile(r"[\u4e00-\u9fff]")


def as_in_english(code: str) -> str:
    """A Chinese-edition code cell without what makes it speak Chinese: lang="zh" and set_language.

    Blank lines left at the top or bottom go too (the import had one after it)."""
    code = code.replace(', lang="zh"', "")
    kept = [line for line in code.splitlines() if line.strip() not in CHINESE_ONLY_LINES]
    return "\n".join(kept).strip("\n")


def test_the_chinese_notebook_has_the_english_cells_with_only_its_language_changed() -> None:
    english, chinese = read_notebook("en").cells, read_notebook("zh").cells
    assert [cell.cell_type for cell in chinese] == [cell.cell_type for cell in english]
    for index, (english_cell, cell) in enumerate(zip(english, chinese, strict=True)):
        where = f"cell {index}"
        # the checks above find the outputs by tag
        assert cell.metadata.get("tags") == english_cell.metadata.get("tags"), where
        if cell.cell_type == "code":
            assert as_in_english(cell.source) == english_cell.source, where
        else:
            assert CJK.search(cell.source), f"{where} is not translated:\n{cell.source}"
    # what the check above forgives is there: the stepper and print(step) do speak Chinese
    changed = [cell.source for cell in chinese if cell.cell_type == "code"]
    assert sum(code.count('lang="zh"') for code in changed) == 1
    assert sum(code.count('set_language("zh")') for code in changed) == 1


@pytest.mark.parametrize(
    "edit",
    [
        lambda code: code.replace("height=480", "height=500"),
        lambda code: code.replace("print(step)", "print(step.node)"),
        lambda code: code + "\nprint(L)",
    ],
    ids=["argument", "line", "added-line"],
)
def test_the_drift_check_catches_a_changed_code_cell(edit) -> None:
    english = [cell.source for cell in read_notebook("en").cells if cell.cell_type == "code"]
    chinese = [cell.source for cell in read_notebook("zh").cells if cell.cell_type == "code"]
    edited = [edit(code) for code in chinese]
    assert edited != chinese, "the edit changed nothing: pick another"
    assert [as_in_english(code) for code in chinese] == english
    assert [as_in_english(code) for code in edited] != english


def test_the_chinese_pages_link_the_chinese_notebook() -> None:
    # the guide (in its last section) and the Chinese README send their readers to it
    guide = (ROOT / "docs" / "learn-backprop.zh.md").read_text(encoding="utf-8")
    last_section = guide[guide.index("\n## 接下来去哪") :]
    assert "](learn-backprop.zh.ipynb)" in last_section
    readme = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    assert "](docs/learn-backprop.zh.ipynb)" in readme
    # and no Chinese page links the English notebook (the site would serve the Chinese one
    # under that name anyway: the i18n plugin swaps the .zh. file in)
    chinese_pages = [ROOT / "README.zh-CN.md", *sorted((ROOT / "docs").glob("*.zh.md"))]
    english_links = [
        page.name
        for page in chinese_pages
        if re.search(r"\]\((docs/)?learn-backprop\.ipynb\)", page.read_text(encoding="utf-8"))
    ]
    assert english_links == [], f"link learn-backprop.zh.ipynb from {english_links}"
