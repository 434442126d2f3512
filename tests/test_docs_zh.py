"""The Chinese editions of the docs pages (page.zh.md beside page.md) cannot drift from the English.

The code blocks of a Chinese page run in the suite like the English ones (tests/test_docs.py,
the doctests), but nothing there says they are the English page's blocks. Each page's section
here checks that they are, byte for byte and in order, that the headings are the same in
number, level and order, and that every relative link leads to a file that exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "tests"))

from test_docs import fenced_blocks, required_modules  # noqa: E402
from test_guide import linked_images  # noqa: E402

HEADING = re.compile(r"^(?P<level>#{2,3}) (?P<text>.+)$")
ANCHOR = re.compile(r'^<a id="(?P<id>[^"]+)"></a>$')
# [text](target) and ![alt](target); the target ends at the first space (a title may follow)
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)[^)]*\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:


def code_blocks(path: Path) -> list[tuple[str, str, bool]]:
    """Each fenced block's language, exact code, and whether docs-test skips it."""
    return [(block.language, block.code, block.skip) for block in fenced_blocks(path)]


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """The lines outside fenced blocks, 1-based, so a '# comment' in code is no heading."""
    lines = path.read_text(encoding="utf-8").splitlines()
    in_blocks = set()
    for block in fenced_blocks(path):
        opening = block.line - 2  # 0-based index of the opening fence
        in_blocks.update(range(opening, block.line + block.code.count("\n")))
    return [(index + 1, line) for index, line in enumerate(lines) if index not in in_blocks]


def headings(path: Path) -> list[tuple[int, str, str | None]]:
    """Each ## or ### heading: its level, its text and the <a id> on the line before it, if any."""
    found = []
    previous = ""
    for _, line in prose_lines(path):
        match = HEADING.match(line)
        if match:
            anchor = ANCHOR.match(previous)
            found.append((len(match["level"]), match["text"], anchor["id"] if anchor else None))
        if line.strip():
            previous = line.strip()
    return found


def slug(heading: str) -> str:
    """The id mkdocs gives an English heading (pymdownx's slugify, lower case)."""
    return re.sub(r"[^\w\s-]", "", heading.lower()).strip().replace(" ", "-")


def section_number(heading: str) -> str | None:
    """The "3" of "3. Go on there" or of "3. 在那边接着练"; None for an unnumbered heading."""
    match = re.match(r"(\d+)\. ", heading)
    return match[1] if match else None


def heading_drift(english: Path, chinese: Path) -> list[str]:
    """How the Chinese page's headings differ from the English page's, one line per problem.

    Same number, levels and section numbers, in order; each Chinese heading carries the English
    heading's id (an <a id> on the line before it), so a link to page.md#english-id still lands
    on the right section in the Chinese edition of the site.
    """
    english_headings = headings(english)
    chinese_headings = headings(chinese)
    if len(english_headings) != len(chinese_headings):
        return [
            f"{chinese.name} has {len(chinese_headings)} ##/### headings, "
            f"{english.name} has {len(english_headings)}"
        ]
    problems = []
    pairs = zip(english_headings, chinese_headings, strict=True)
    for (english_level, english_text, _), (level, text, anchor) in pairs:
        where = f"{chinese.name}: {text!r} (for {english_text!r})"
        if level != english_level:
            problems.append(f"{where}: level {level}, the English heading is {english_level}")
        if section_number(text) != section_number(english_text):
            problems.append(f"{where}: numbered {section_number(text)}")
        if anchor != slug(english_text):
            problems.append(f'{where}: needs <a id="{slug(english_text)}"></a> before it')
    return problems


def code_drift(english: Path, chinese: Path) -> list[str]:
    """Where the Chinese page's fenced blocks differ from the English page's, in order."""
    english_blocks = code_blocks(english)
    chinese_blocks = code_blocks(chinese)
    problems = []
    if len(english_blocks) != len(chinese_blocks):
        problems.append(
            f"{chinese.name} has {len(chinese_blocks)} fenced blocks, "
            f"{english.name} has {len(english_blocks)}"
        )
    pairs = zip(fenced_blocks(english), fenced_blocks(chinese), strict=False)
    for number, (english_block, block) in enumerate(pairs, start=1):
        english_fields = (english_block.language, english_block.code, english_block.skip)
        if (block.language, block.code, block.skip) != english_fields:
            problems.append(
                f"block {number} ({chinese.name}:{block.line}) differs from "
                f"{english.name}:{english_block.line} (language, code or docs-test: skip)"
            )
    if required_modules(chinese) != required_modules(english):
        problems.append(
            f"{chinese.name} requires {required_modules(chinese)}, "
            f"{english.name} requires {required_modules(english)} (<!-- docs-test: requires -->)"
        )
    return problems


def link_problems(page: Path) -> list[str]:
    """Relative links of a Chinese page that lead nowhere, or to English where Chinese exists."""
    problems = []
    for line_number, line in prose_lines(page):
        for match in LINK.finditer(line):
            target = match["target"]
            if EXTERNAL.match(target):
                continue
            where = f"{page.name}:{line_number}: {target}"
            path_part, _, fragment = target.partition("#")
            linked = (page.parent / path_part).resolve() if path_part else page
            if not linked.is_file():
                problems.append(f"{where}: no such file")
                continue
            if linked.name.endswith(".md") and not linked.name.endswith(".zh.md"):
                chinese = linked.with_name(linked.name.removesuffix(".md") + ".zh.md")
                if chinese.is_file():
                    problems.append(f"{where}: link the Chinese edition, {chinese.name}")
            if fragment and linked.suffix == ".md" and fragment not in page_ids(linked):
                problems.append(f"{where}: {linked.name} has no id {fragment!r}")
    return problems


def page_ids(path: Path) -> set[str]:
    """The ids a link can point at: the <a id> anchors and the slugs of the headings."""
    text = path.read_text(encoding="utf-8")
    ids = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for _, line in prose_lines(path):
        heading = re.match(r"^#{1,6} (.+)$", line)
        if heading:
            ids.add(slug(heading[1]))
    return ids


# ---- docs/pytorch.md and its Chinese edition, docs/pytorch.zh.md ----

PYTORCH = DOCS / "pytorch.md"
PYTORCH_ZH = DOCS / "pytorch.zh.md"


def test_pytorch_zh_has_the_english_code_blocks_byte_for_byte_in_order():
    assert code_blocks(PYTORCH), "docs/pytorch.md has no fenced blocks to compare"
    assert code_drift(PYTORCH, PYTORCH_ZH) == []


def test_pytorch_zh_needs_torch_as_the_english_page_does():
    # without torch, tests/test_docs.py skips both pages' python blocks, naming the module
    assert required_modules(PYTORCH_ZH) == required_modules(PYTORCH) == ["torch"]


def test_pytorch_zh_has_the_english_headings_in_order_with_their_ids():
    assert len(headings(PYTORCH)) == 6
    assert heading_drift(PYTORCH, PYTORCH_ZH) == []


def test_pytorch_zh_links_lead_to_pages_that_exist_in_chinese_where_there_is_one():
    text = PYTORCH_ZH.read_text(encoding="utf-8")
    # the Chinese readers come from the Chinese guide and use its glossary's terms
    assert "](learn-backprop.zh.md" in text and "](glossary.zh.md" in text
    assert link_problems(PYTORCH_ZH) == []


def test_pytorch_zh_uses_the_glossary_terms_with_pytorch_names_in_code():
    text = PYTORCH_ZH.read_text(encoding="utf-8")
    for term in ("损失函数", "学习率", "优化器", "参数", "梯度", "激活函数", "偏置"):
        assert term in text, term
    assert "张量（`tensor`）" in text  # PyTorch's name beside the Chinese term, the first time


# ---- docs/debugging.md and its Chinese edition (code blocks: tests/test_debugging.py) ----

DEBUGGING = DOCS / "debugging.md"
DEBUGGING_ZH = DOCS / "debugging.zh.md"


def test_debugging_zh_has_the_english_headings_in_order_with_their_ids():
    # a link to debugging.md#a-session lands on the same section in the Chinese edition
    assert headings(DEBUGGING), "docs/debugging.md has no ## heading: has the page moved?"
    assert heading_drift(DEBUGGING, DEBUGGING_ZH) == []


def test_debugging_zh_links_lead_to_pages_that_exist_in_chinese_where_there_is_one():
    text = DEBUGGING_ZH.read_text(encoding="utf-8")
    assert "](glossary.zh.md" in text and "](learn-backprop.zh.md" in text
    assert link_problems(DEBUGGING_ZH) == []


# ---- docs/visualizing.md and its Chinese edition, docs/visualizing.zh.md ----

VISUALIZING = DOCS / "visualizing.md"
VISUALIZING_ZH = DOCS / "visualizing.zh.md"


def test_visualizing_zh_has_the_english_code_blocks_byte_for_byte_in_order():
    assert len(code_blocks(VISUALIZING)) >= 10
    assert code_drift(VISUALIZING, VISUALIZING_ZH) == []


def test_visualizing_zh_has_the_english_headings_in_order_with_their_ids():
    # a link to visualizing.md#draw-a-model-params lands on the same section in Chinese
    assert len(headings(VISUALIZING)) >= 11
    assert heading_drift(VISUALIZING, VISUALIZING_ZH) == []


def test_visualizing_zh_shows_the_english_pictures_in_order():
    # it may add pictures of its own, named *-zh.* (the stepper in Chinese)
    chinese = linked_images(VISUALIZING_ZH.read_text(encoding="utf-8"))
    english = linked_images(VISUALIZING.read_text(encoding="utf-8"))
    assert [name for name in chinese if "-zh." not in name] == english
    assert "stepper-zh.png" in chinese


def test_visualizing_zh_links_lead_to_pages_that_exist_in_chinese_where_there_is_one():
    text = VISUALIZING_ZH.read_text(encoding="utf-8")
    assert "](playground.zh.md" in text and "](learn-backprop.zh.md" in text
    assert link_problems(VISUALIZING_ZH) == []


# ---- docs/compiled.md and its Chinese edition, docs/compiled.zh.md ----

COMPILED = DOCS / "compiled.md"
COMPILED_ZH = DOCS / "compiled.zh.md"


def test_compiled_zh_has_the_english_code_blocks_byte_for_byte_in_order():
    # the doctests: the printed programs, the batch's numbers and the TraceError
    assert len(code_blocks(COMPILED)) >= 6
    assert code_drift(COMPILED, COMPILED_ZH) == []


def test_compiled_zh_has_the_english_headings_in_order_with_their_ids():
    # the Chinese guide links compiled.zh.md#what-it-cannot-do
    assert len(headings(COMPILED)) >= 8
    assert heading_drift(COMPILED, COMPILED_ZH) == []
    guide = (DOCS / "learn-backprop.zh.md").read_text(encoding="utf-8")
    assert "](compiled.zh.md#what-it-cannot-do)" in guide


def test_compiled_zh_links_lead_to_pages_that_exist_in_chinese_where_there_is_one():
    text = COMPILED_ZH.read_text(encoding="utf-8")
    assert "](learn-backprop.zh.md" in text and "](glossary.zh.md" in text
    # performance.md has no Chinese edition: the link says it leads to English
    assert "](performance.md#compiled-replay)（英文）" in text
    assert link_problems(COMPILED_ZH) == []


# ---- docs/higher-order.md and its Chinese edition, docs/higher-order.zh.md ----

HIGHER_ORDER = DOCS / "higher-order.md"
HIGHER_ORDER_ZH = DOCS / "higher-order.zh.md"


def test_higher_order_zh_has_the_english_code_blocks_byte_for_byte_in_order():
    # the doctests, the 200-input hvp script and the demo's printed table
    assert len(code_blocks(HIGHER_ORDER)) >= 15
    assert code_drift(HIGHER_ORDER, HIGHER_ORDER_ZH) == []


def test_higher_order_zh_has_the_english_headings_in_order_with_their_ids():
    # a link to higher-order.md#5-newtons-method lands on the same section in Chinese
    assert len(headings(HIGHER_ORDER)) == 7
    assert heading_drift(HIGHER_ORDER, HIGHER_ORDER_ZH) == []


def test_higher_order_zh_shows_the_english_pictures_in_order():
    chinese = linked_images(HIGHER_ORDER_ZH.read_text(encoding="utf-8"))
    english = linked_images(HIGHER_ORDER.read_text(encoding="utf-8"))
    assert chinese == english == ["newton-rosenbrock.png"]


def test_higher_order_zh_links_lead_to_pages_that_exist_in_chinese_where_there_is_one():
    text = HIGHER_ORDER_ZH.read_text(encoding="utf-8")
    # the primer's line of section 5 is the guide's section 7, in Chinese
    assert "](learn-backprop.zh.md#7-the-primers-linear-regression-and-its-bug)" in text
    assert "](glossary.zh.md" in text
    assert "](performance.md)（英文）" in text  # English only, and the reader is told so
    assert link_problems(HIGHER_ORDER_ZH) == []


def test_higher_order_zh_uses_the_glossary_terms_and_names_the_new_ones_in_english():
    text = HIGHER_ORDER_ZH.read_text(encoding="utf-8")
    terms = ("梯度下降", "学习率", "上游梯度", "局部导数", "中心差分", "最小二乘法", "均方误差")
    for term in terms:  # the glossary's, as the guide uses them
        assert term in text, term
    for new_term in ("曲率**（curvature）", "雅可比矩阵**（Jacobian）", "对偶数（dual number）"):
        assert new_term in text, new_term


# ---- the checks above can fail ----


@pytest.fixture
def pages(tmp_path: Path) -> tuple[Path, Path]:
    """A small English page and a faithful Chinese edition of it, to break in each test."""
    english = tmp_path / "page.md"
    english.write_text(
        "# Title\n\n<!-- docs-test: requires torch -->\n\n## 1. First\n\n"
        "```python\nx = 1  # one\n```\n\n### Detail\n\n"
        "<!-- docs-test: skip -->\n```python\ny = 2\n```\n\n## The end\n\nSee [other](other.md).\n",
        encoding="utf-8",
    )
    (tmp_path / "other.md").write_text("# Other\n\n## Part two\n", encoding="utf-8")
    chinese = tmp_path / "page.zh.md"
    chinese.write_text(
        "# 标题\n\n<!-- docs-test: requires torch -->\n\n"
        '<a id="1-first"></a>\n\n## 1. 第一\n\n```python\nx = 1  # one\n```\n\n'
        '<a id="detail"></a>\n\n### 细节\n\n<!-- docs-test: skip -->\n```python\ny = 2\n```\n\n'
        '<a id="the-end"></a>\n\n## 结尾\n\n见[另一页](other.md#part-two)。\n',
        encoding="utf-8",
    )
    return english, chinese


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_faithful_edition_passes(pages):
    english, chinese = pages
    assert code_drift(english, chinese) == []
    assert heading_drift(english, chinese) == []
    assert link_problems(chinese) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("x = 1  # one", "x = 1  # 一"),  # a translated comment is a different block here
        ("x = 1  # one\n", "x = 1  # one \n"),  # one trailing space
        ("```python\ny = 2", "```py\ny = 2"),
        ("<!-- docs-test: skip -->\n", ""),
        ("<!-- docs-test: requires torch -->", ""),
        ("```python\nx = 1  # one\n```\n\n", ""),
    ],
)
def test_code_drift_catches_a_changed_block(pages, old, new):
    english, chinese = pages
    edit(chinese, old, new)
    assert code_drift(english, chinese)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("### 细节", "## 细节"),
        ("## 1. 第一", "## 2. 第一"),
        ('<a id="the-end"></a>', '<a id="end"></a>'),
        ('<a id="detail"></a>\n\n### 细节\n\n', ""),
    ],
)
def test_heading_drift_catches_a_changed_heading(pages, old, new):
    english, chinese = pages
    edit(chinese, old, new)
    assert heading_drift(english, chinese)


def test_a_heading_inside_a_code_block_is_not_a_heading(pages):
    english, chinese = pages
    for path in (english, chinese):
        edit(path, "y = 2", "## not a heading\ny = 2")
    assert heading_drift(english, chinese) == []
    assert code_drift(english, chinese) == []


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("missing.md", "no such file"),
        ("other.md#part-three", "has no id 'part-three'"),
        ("page.md#1-first", "link the Chinese edition, page.zh.md"),
        ("#nowhere", "has no id 'nowhere'"),
    ],
)
def test_link_problems_catches_a_bad_link(pages, target, problem):
    _, chinese = pages
    edit(chinese, "other.md#part-two", target)
    [found] = link_problems(chinese)
    assert found.endswith(problem), found
    assert found.startswith("page.zh.md:"), found
