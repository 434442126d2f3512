"""The Chinese edition of the docs (page.zh.md beside page.md) keeps up with the English pages:
the same sections in the same order, and links that lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


# ---- docs/debugging.zh.md ----

DEBUGGING = DOCS / "debugging.md"
DEBUGGING_ZH = DOCS / "debugging.zh.md"
DEBUGGING_FENCED_BLOCK = re.compile(r"^```.*?^```$", flags=re.S | re.M)
DEBUGGING_HEADING = re.compile(r"^(#{2,3}) (.+)$", flags=re.M)
# [text](target): the target runs to the closing parenthesis (the pages give links no title)
DEBUGGING_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
DEBUGGING_EXPLICIT_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
DOCS_EXTRA = 'needs the docs extra: pip install -e ".[docs]"'


def debugging_prose(path: Path) -> str:
    """The page without its fenced blocks: a `## ` or a link inside code is not the page's."""
    return DEBUGGING_FENCED_BLOCK.sub("", path.read_text(encoding="utf-8"))


def debugging_heading_levels(path: Path) -> list[str]:
    """The level, ## or ###, of each of the page's section headings, in order."""
    return [level for level, _ in DEBUGGING_HEADING.findall(debugging_prose(path))]


def debugging_heading_ids(path: Path) -> list[tuple[int, str]]:
    """(level, id) of every heading of the page, in order, with the ids the site gives them."""
    markdown = pytest.importorskip("markdown", reason=DOCS_EXTRA)
    slugs = pytest.importorskip("pymdownx.slugs", reason=DOCS_EXTRA)
    # the slugify that mkdocs.yml gives the toc extension
    converter = markdown.Markdown(
        extensions=["toc"], extension_configs={"toc": {"slugify": slugs.slugify(case="lower")}}
    )
    converter.convert(path.read_text(encoding="utf-8"))
    found = []
    pending = list(reversed(converter.toc_tokens))
    while pending:
        token = pending.pop()
        found.append((token["level"], token["id"]))
        pending.extend(reversed(token["children"]))
    return found


def debugging_anchors(path: Path) -> set[str]:
    """The ids a link can jump to on a page: its headings' and its explicit anchors."""
    explicit = DEBUGGING_EXPLICIT_ANCHOR.findall(path.read_text(encoding="utf-8"))
    return {heading_id for _, heading_id in debugging_heading_ids(path)} | set(explicit)


def debugging_relative_links(path: Path) -> list[str]:
    """The page's link targets inside the site (no http:, mailto: or other scheme)."""
    targets = DEBUGGING_LINK.findall(debugging_prose(path))
    return [target for target in targets if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_debugging_zh_has_the_english_sections_in_the_same_order():
    english = debugging_heading_levels(DEBUGGING)
    chinese = debugging_heading_levels(DEBUGGING_ZH)
    assert english, "docs/debugging.md has no ## heading: has the page moved?"
    assert chinese == english, (
        "docs/debugging.zh.md has other sections than docs/debugging.md "
        f"(## and ### in order): Chinese {chinese}, English {english}"
    )


def test_debugging_zh_keeps_the_english_anchors_of_its_sections():
    # a link to debugging.md#a-session lands on the same section in the Chinese edition
    english = [heading_id for level, heading_id in debugging_heading_ids(DEBUGGING) if level > 1]
    chinese = DEBUGGING_EXPLICIT_ANCHOR.findall(DEBUGGING_ZH.read_text(encoding="utf-8"))
    assert chinese == english, (
        'docs/debugging.zh.md needs <a id="..."></a> before each section, with the ids of '
        f"docs/debugging.md's sections: {english}; it has {chinese}"
    )


def test_debugging_zh_links_lead_to_pages_and_anchors_that_exist():
    links = debugging_relative_links(DEBUGGING_ZH)
    assert links, "docs/debugging.zh.md links nowhere: has the link syntax changed?"
    for link in links:
        file_part, _, anchor = link.partition("#")
        target = (DOCS / file_part) if file_part else DEBUGGING_ZH
        assert target.is_file(), f"docs/debugging.zh.md links {link!r}: no file {target}"
        if anchor:
            assert anchor in debugging_anchors(target), (
                f"docs/debugging.zh.md links {link!r}: {target.name} has no anchor {anchor!r}"
            )


def test_debugging_zh_links_the_chinese_edition_of_a_page_that_has_one():
    for link in debugging_relative_links(DEBUGGING_ZH):
        file_part = link.partition("#")[0]
        if file_part.endswith(".md") and not file_part.endswith(".zh.md"):
            chinese = DOCS / file_part.replace(".md", ".zh.md")
            assert not chinese.exists(), (
                f"docs/debugging.zh.md links {link!r}; link its Chinese edition {chinese.name}"
            )
