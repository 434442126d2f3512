"""docs/learn-backprop.md: current, valid pictures in every section, and no unbacked number.

The guide's code blocks are run elsewhere (its pycon blocks as one doctest, in
order, by pytest's --doctest-glob; its python blocks by tests/test_docs.py).
This file checks what those cannot: the pictures and stepper pages, and the
numbers written in the prose.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "learn-backprop.md"
GUIDE_ZH = ROOT / "docs" / "learn-backprop.zh.md"  # the Chinese edition: same sections, same code
GUIDES = [GUIDE, GUIDE_ZH]
IMAGES = ROOT / "docs" / "images"
SVG_TAG = "{http://www.w3.org/2000/svg}svg"
SVG_TEXT = "{http://www.w3.org/2000/svg}text"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "docs"))

import make_guide_images  # noqa: E402
from test_docs import fenced_blocks  # noqa: E402


def guide(path: Path = GUIDE) -> str:
    return path.read_text(encoding="utf-8")


def by_name(path: Path) -> str:
    return path.name


def linked_images(text: str) -> list[str]:
    return re.findall(r"\]\(images/([^)]+)\)", text)


def sections(text: str) -> dict[str, str]:
    """The numbered sections ("## 1. ..." to "## 10. ...") by heading."""
    parts = re.split(r"^(## \d+\. .*)$", text, flags=re.MULTILINE)
    return {parts[index]: parts[index + 1] for index in range(1, len(parts) - 1, 2)}


def svg_texts(svg: str) -> list[str]:
    return sorted(element.text or "" for element in ET.fromstring(svg).iter(SVG_TEXT))


def without_grads(texts: list[str]) -> list[str]:
    return [text for text in texts if not text.startswith("grad ")]


def inline_svg(page: str) -> str:
    return page[page.index("<svg") : page.index("</svg>") + len("</svg>")]


# ---- pictures and stepper pages ----


@pytest.mark.parametrize("path", GUIDES, ids=by_name)
def test_every_linked_picture_and_page_exists_and_is_valid(path):
    links = linked_images(guide(path))
    assert links, "the guide links no pictures"
    for name in links:
        path = IMAGES / name
        assert path.is_file(), f"the guide links images/{name}, which does not exist"
        if name.endswith(".svg"):
            assert ET.parse(path).getroot().tag == SVG_TAG, f"images/{name} is not SVG"
        elif name.endswith(".html"):
            page = path.read_text(encoding="utf-8")
            assert page.startswith("<!DOCTYPE html>"), f"images/{name} is not an HTML page"
            assert ET.fromstring(inline_svg(page)).tag == SVG_TAG
        elif name.endswith(".png"):  # a screenshot (docs/make_images.py), 1280x800
            header = path.read_bytes()[:24]
            assert header[:8] == b"\x89PNG\r\n\x1a\n", f"images/{name} is not a PNG"
            assert (int.from_bytes(header[16:20]), int.from_bytes(header[20:24])) == (1280, 800)
        else:
            pytest.fail(f"images/{name}: expected .svg, .html or a .png screenshot")


@pytest.mark.parametrize("path", GUIDES, ids=by_name)
def test_every_section_shows_a_graph_and_links_its_stepper(path):
    found = sections(guide(path))
    assert len(found) == 10
    for heading, body in found.items():
        links = linked_images(body)
        assert any(name.endswith(".svg") for name in links), f"{heading}: no picture"
        assert any(name.endswith(".html") for name in links), f"{heading}: no stepper link"


@pytest.mark.parametrize("name", list(make_guide_images.EXAMPLES))
def test_the_committed_pictures_are_what_the_script_draws_today(name):
    made = make_guide_images.svg(name)
    committed = (IMAGES / f"{name}.svg").read_text(encoding="utf-8")
    # labels, data and grads: what the picture says, independent of layout details
    assert svg_texts(made) == svg_texts(committed), (
        f"docs/images/{name}.svg is stale: run python docs/make_guide_images.py"
    )
    page = (IMAGES / f"{name}.html").read_text(encoding="utf-8")
    # the page starts its pass from zero grads, so compare all but the grads
    assert without_grads(svg_texts(inline_svg(page))) == without_grads(svg_texts(made)), (
        f"docs/images/{name}.html is stale: run python docs/make_guide_images.py"
    )


def test_the_script_writes_every_picture_and_page(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["make_guide_images.py", "--out", str(tmp_path / "out")])
    make_guide_images.main()
    for name in make_guide_images.EXAMPLES:
        assert ET.parse(tmp_path / "out" / f"{name}.svg").getroot().tag == SVG_TAG
        page = (tmp_path / "out" / f"{name}.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")


def test_the_pictures_show_the_gradients_the_guide_prints():
    # the five-node graph of section 2: the guide prints (1.0, 3.0, -4.0, -4.0, -4.0)
    f = make_guide_images.backprop()
    q, z = f.inputs
    x, y = q.inputs
    assert [node.grad for node in (f, z, q, x, y)] == [1.0, 3.0, -4.0, -4.0, -4.0]
    # section 1: g = x**2 * y at (3, 2) has gradient (12, 9)
    g = make_guide_images.nudge()
    square, y = g.inputs
    assert (square.inputs[0].grad, y.grad) == (12.0, 9.0)
    # section 4: two pulls on one w, -2 and -12
    w = make_guide_images.shared().inputs[0].inputs[0].inputs[0].inputs[0]
    assert (w.label, w.grad) == ("w", -14.0)


# ---- numbers in the prose ----

# a number: optional sign (ASCII or Unicode minus), digits with optional thousands
# commas, optional decimals, optional percent sign; not part of a word or a longer number,
# nor a dotted section number (the primer's 3.2.1). Chinese characters count as spaces
# here, since Chinese prose writes numbers right beside them (第 4 节 or 第4节).
LETTER_NOT_CJK = r"[^\W\u3000-\u9fff\uff00-\uffef]"
NUMBER = re.compile(
    rf"(?<!{LETTER_NOT_CJK})(?<!\.)[-\u2212]?\d+(?:,\d{{3}})*(?:\.\d+)?%?(?!{LETTER_NOT_CJK}|\.\d)"
)
MINUS = "\u2212"  # the typographic minus the prose uses


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """Lines outside fenced blocks and headings, with link targets removed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    in_blocks = set()
    for block in fenced_blocks(path):
        first = block.line - 2  # the opening fence, 0-based
        in_blocks.update(range(first, block.line + block.code.count("\n")))
    kept = []
    for index, line in enumerate(lines):
        if index in in_blocks or line.startswith("#"):
            continue
        line = re.sub(r"\]\([^)]*\)", "]", line)  # link targets such as (#1-a-derivative...)
        line = re.sub(r"<[^>]*>", "", line)  # HTML tags: the anchors <a id="1-a-derivative...">
        line = re.sub(r"^\d+\. ", "", line)  # the numbered contents list
        kept.append((index + 1, line))
    return kept


def code_numbers(path: Path) -> list[float]:
    """Every number in the file's code blocks: typed, printed or shown as output."""
    numbers = []
    for block in fenced_blocks(path):
        for match in NUMBER.finditer(block.code.replace("_", "")):
            numbers.append(_as_float(match.group()))
    return numbers


def _as_float(token: str) -> float:
    return float(token.replace(MINUS, "-").replace(",", "").rstrip("%"))


def backed(token: str, numbers: list[float]) -> bool:
    """Whether the prose number is a number of the code, rounded as the prose writes it."""
    text = token.replace(MINUS, "-").replace(",", "").rstrip("%")
    decimals = len(text.split(".")[1]) if "." in text else 0
    value = float(text)
    scale = 100.0 if token.endswith("%") else 1.0
    return any(abs(round(number * scale, decimals) - value) < 1e-9 for number in numbers)


def unbacked_numbers(path: Path) -> list[str]:
    numbers = code_numbers(path)
    problems = []
    for line_number, line in prose_lines(path):
        for match in NUMBER.finditer(line):
            if not backed(match.group(), numbers):
                problems.append(f"{path.name}:{line_number}: {match.group()!r} in {line.strip()!r}")
    return problems


@pytest.mark.parametrize("path", GUIDES, ids=by_name)
def test_every_number_in_the_prose_is_one_the_code_shows(path):
    """Each number the text states is, rounded as written, one that a code block shows.

    The code blocks are all checked (doctest compares every printed line), so a
    number that appears only in prose is an unchecked claim. The primer's
    numbers are also checked phrase by phrase in tests/test_primer.py.
    """
    problems = unbacked_numbers(path)
    assert not problems, "numbers no code block shows:\n" + "\n".join(problems)


def test_the_number_check_catches_an_unbacked_number(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# 1. Title\n\nThe slope is 1.87, about 2, and 82% of 3.3 is left (its 1.2.3).\n"
        "斜率约为1.87\uff0c剩下3.3的82%。\n\n"
        "```pycon\n>>> round(1.8746, 4), 0.819, 3.33\n(1.8746, 0.819, 3.33)\n\n```\n",
        encoding="utf-8",
    )
    assert unbacked_numbers(page) == []
    page.write_text(
        page.read_text().replace("1.87,", "1.88,").replace("1.87\uff0c", "1.88\uff0c"),
        encoding="utf-8",
    )
    assert unbacked_numbers(page) == [
        "page.md:3: '1.88' in 'The slope is 1.88, about 2, and 82% of 3.3 is left (its 1.2.3).'",
        "page.md:4: '1.88' in '斜率约为1.88\uff0c剩下3.3的82%。'",
    ]


def fence_languages_and_code(path: Path) -> list[tuple[str, str]]:
    """Each block's language and code without comments (the Chinese edition translates them)."""
    blocks = []
    for block in fenced_blocks(path):
        code = "\n".join(re.sub(r"\s+# .*$", "", line) for line in block.code.splitlines())
        blocks.append((block.language, code))
    return blocks


def test_the_chinese_edition_has_the_same_sections_and_code_blocks():
    english, chinese = sections(guide(GUIDE)), sections(guide(GUIDE_ZH))
    assert [heading.split(".")[0] for heading in chinese] == [
        heading.split(".")[0] for heading in english
    ]
    for english_body, (chinese_heading, chinese_body) in zip(
        english.values(), chinese.items(), strict=True
    ):
        # the Chinese edition may add pictures of its own (named *-zh.*): the stepper in Chinese
        chinese_images = [name for name in linked_images(chinese_body) if "-zh." not in name]
        assert chinese_images == linked_images(english_body), chinese_heading
    assert "stepper-zh.png" in linked_images(GUIDE_ZH.read_text(encoding="utf-8"))
    # every block of the English guide is in the Chinese one, in order; only comments differ
    # (the Chinese edition adds one: the primer's notation beside the training loop)
    english_blocks = fence_languages_and_code(GUIDE)
    chinese_blocks = fence_languages_and_code(GUIDE_ZH)
    assert english_blocks == chinese_blocks


def test_the_chinese_edition_keeps_the_english_anchors():
    # pages without a Chinese edition (performance.md, say) link the guide's English anchors
    english_ids = re.findall(r"^## (\d+\. .*)$", guide(GUIDE), flags=re.MULTILINE)
    chinese = guide(GUIDE_ZH)
    for heading in english_ids:
        slug = re.sub(r"[^\w\s-]", "", heading.lower()).strip().replace(" ", "-")
        assert f'<a id="{slug}"></a>' in chinese, slug
