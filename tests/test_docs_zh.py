"""The Chinese editions of the docs pages (page.zh.md beside page.md) stay in step with English.

Their code blocks are run elsewhere (pycon blocks as doctests by pytest's
--doctest-glob, python blocks by tests/test_docs.py, console blocks by
tests/test_cli.py); mkdocs build --strict (tests/test_docs_site.py) checks
their links to other pages. This file checks what those cannot: that a Chinese
page shows the same code, in the same order and under the same outline of
headings, as its English page, and that every picture and file it points to exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "tests"))

from test_docs import fenced_blocks  # noqa: E402
from test_guide import linked_images  # noqa: E402

# ---- shared helpers ----

HEADING = re.compile(r"^(#{1,6}) ")
INLINE_CODE = re.compile(r"`+[^`]*`+")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')


def lines_outside_code(path: Path) -> list[str]:
    """The page's lines that are not inside a fenced code block (nor its fences)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    in_blocks: set[int] = set()
    for block in fenced_blocks(path):
        opening = block.line - 2  # 0-based index of the opening fence
        closing = block.line - 1 + block.code.count("\n")  # 0-based index of the closing fence
        in_blocks.update(range(opening, closing + 1))
    return [line for index, line in enumerate(lines) if index not in in_blocks]


def heading_levels(path: Path) -> list[int]:
    """The level of each heading, in order: [1, 2, 2, 3, ...]."""
    levels = []
    for line in lines_outside_code(path):
        match = HEADING.match(line)
        if match:
            levels.append(len(match.group(1)))
    return levels


def code_blocks(path: Path) -> list[tuple[str, str]]:
    """Each fenced block's language and code, exactly as written."""
    return [(block.language, block.code) for block in fenced_blocks(path)]


def link_targets(path: Path) -> list[str]:
    """Every Markdown link and image target in the prose (inline code set aside)."""
    targets = []
    for line in lines_outside_code(path):
        targets += LINK_TARGET.findall(INLINE_CODE.sub("", line))
    return targets


def broken_targets(path: Path) -> list[str]:
    """Relative targets naming no file beside the page, and #anchors the page does not define."""
    anchors = set(ANCHOR.findall(path.read_text(encoding="utf-8")))
    problems = []
    for target in link_targets(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not a file here
            continue
        file_part, _, fragment = target.partition("#")
        if not file_part:
            if fragment not in anchors:
                problems.append(f"{target}: no <a id={fragment!r}> on the page")
        elif not (path.parent / file_part).is_file():
            problems.append(f"{target}: no such file beside {path.name}")
    return problems


def english_links_with_a_chinese_edition(path: Path) -> list[str]:
    """Links to page.md where page.zh.md exists: a Chinese reader should land on the latter."""
    problems = []
    for target in link_targets(path):
        file_part = target.partition("#")[0]
        if file_part.endswith(".md") and not file_part.endswith(".zh.md"):
            chinese = path.parent / file_part.replace(".md", ".zh.md")
            if chinese.is_file():
                problems.append(f"{target}: link {chinese.name} instead")
    return problems


def english_anchors(path: Path) -> list[str]:
    """The ids mkdocs gives the English page's ## and ### headings ("Draw a model: `params=`"
    becomes draw-a-model-params)."""
    slugs = []
    for line in lines_outside_code(path):
        match = re.match(r"^#{2,3} (.*)$", line)
        if match:
            words = re.sub(r"[^\w\s-]", "", match.group(1).lower()).split()
            slugs.append("-".join(words))
    return slugs


# ---- docs/visualizing.zh.md ----

VISUALIZING = DOCS / "visualizing.md"
VISUALIZING_ZH = DOCS / "visualizing.zh.md"


def test_visualizing_zh_has_the_english_code_blocks_byte_for_byte_in_order():
    english = code_blocks(VISUALIZING)
    assert len(english) >= 10
    assert code_blocks(VISUALIZING_ZH) == english


def test_visualizing_zh_has_the_english_outline_of_headings():
    english = heading_levels(VISUALIZING)
    assert english.count(2) >= 9 and english.count(3) >= 2
    assert heading_levels(VISUALIZING_ZH) == english


def test_visualizing_zh_shows_the_english_pictures_in_order():
    # it may add pictures of its own, named *-zh.* (the stepper in Chinese)
    chinese = linked_images(VISUALIZING_ZH.read_text(encoding="utf-8"))
    assert [name for name in chinese if "-zh." not in name] == linked_images(
        VISUALIZING.read_text(encoding="utf-8")
    )
    assert "stepper-zh.png" in chinese


def test_visualizing_zh_links_only_files_and_anchors_that_exist():
    targets = link_targets(VISUALIZING_ZH)
    assert any(target.startswith("images/") for target in targets)
    assert broken_targets(VISUALIZING_ZH) == []


def test_visualizing_zh_links_the_chinese_edition_of_a_page_when_there_is_one():
    assert "playground.zh.md" in link_targets(VISUALIZING_ZH)
    assert english_links_with_a_chinese_edition(VISUALIZING_ZH) == []


def test_visualizing_zh_keeps_the_english_anchors():
    # a link to visualizing.md#names from another page lands on the same section in Chinese
    chinese = set(ANCHOR.findall(VISUALIZING_ZH.read_text(encoding="utf-8")))
    missing = [slug for slug in english_anchors(VISUALIZING) if slug not in chinese]
    assert "draw-a-model-params" not in missing
    assert missing == []


# ---- the helpers catch drift (on a made-up pair of pages) ----

ENGLISH_PAGE = """# Title

## One

```pycon
>>> 1 + 1
2

```

![a picture](images/neuron.svg)

### Two: `x=`

```python
x = 1  # a comment
```
"""


@pytest.fixture
def page_pair(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "neuron.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "other.md").write_text("# Other\n", encoding="utf-8")
    (tmp_path / "other.zh.md").write_text("# 其他\n", encoding="utf-8")
    english = tmp_path / "page.md"
    english.write_text(ENGLISH_PAGE, encoding="utf-8")
    chinese = tmp_path / "page.zh.md"
    chinese.write_text(
        ENGLISH_PAGE.replace("# Title", "# 标题")
        .replace("## One", '<a id="one"></a>\n\n## 一')
        .replace("### Two: `x=`", '<a id="two-x"></a>\n\n### 二：`x=`')
        .replace("a picture", "一张图")
        + "\n见[其他](other.zh.md)和[一](#one)。\n",
        encoding="utf-8",
    )
    return english, chinese


def test_the_helpers_pass_a_faithful_translation(page_pair):
    english, chinese = page_pair
    assert code_blocks(chinese) == code_blocks(english)
    assert heading_levels(chinese) == heading_levels(english) == [1, 2, 3]
    assert english_anchors(english) == ["one", "two-x"]
    assert broken_targets(chinese) == []
    assert english_links_with_a_chinese_edition(chinese) == []


def test_the_helpers_catch_a_translated_comment_and_a_lost_heading(page_pair):
    english, chinese = page_pair
    text = chinese.read_text(encoding="utf-8")
    chinese.write_text(text.replace("# a comment", "# 一条注释"), encoding="utf-8")
    assert code_blocks(chinese) != code_blocks(english)
    chinese.write_text(text.replace("### 二", "## 二"), encoding="utf-8")
    assert heading_levels(chinese) == [1, 2, 2]
    # a "# comment" inside a code block is not a heading
    assert heading_levels(english) == [1, 2, 3]


def test_the_helpers_catch_broken_and_english_links(page_pair):
    _, chinese = page_pair
    chinese.write_text(
        chinese.read_text(encoding="utf-8")
        + "![缺](images/missing.svg) [英](other.md) [锚](#nowhere) [外](https://example.org)"
        + " `[code](not-a-link.md)`\n",
        encoding="utf-8",
    )
    assert broken_targets(chinese) == [
        "images/missing.svg: no such file beside page.zh.md",
        "#nowhere: no <a id='nowhere'> on the page",
    ]
    assert english_links_with_a_chinese_edition(chinese) == ["other.md: link other.zh.md instead"]
