"""The documentation site builds with ``mkdocs build --strict`` (no broken link, no warning),
with the README as its home page and the API reference generated from the docstrings."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS_EXTRA = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "griffe")
INCLUDE_MARKDOWN = "mkdocs_include_markdown_plugin"
I18N = "mkdocs_static_i18n"  # the Chinese edition: page.zh.md beside page.md


def require_docs_extra() -> None:
    for module in (*DOCS_EXTRA, INCLUDE_MARKDOWN, I18N):
        pytest.importorskip(module, reason='needs the docs extra: pip install -e ".[docs]"')


def load_griffe_extension():
    require_docs_extra()
    spec = importlib.util.spec_from_file_location(
        "griffe_doctests", ROOT / "docs" / "griffe_doctests.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Build the site once, strictly, into a temporary folder; return it and mkdocs' output."""
    require_docs_extra()
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{output}"
    return site_dir, output


def test_mkdocs_build_strict_passes_without_warnings(site: tuple[Path, str]) -> None:
    _, output = site
    assert "WARNING" not in output, output
    assert "Documentation built" in output


def test_home_page_is_the_readme_with_links_that_work_in_the_site(site: tuple[Path, str]) -> None:
    site_dir, _ = site
    home = (site_dir / "index.html").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for heading in re.findall(r"^## (.+)$", readme, flags=re.MULTILINE):
        assert heading in home, f"README section {heading!r} missing from the home page"
    # README's docs/x.md links (right on GitHub) point at the site's pages here
    assert 'href="api/"' in home
    assert 'href="performance/"' in home
    assert 'src="images/neuron.svg"' in home
    assert "docs/api.md" not in re.findall(r'href="([^"]+)"', home)


def test_every_docs_page_is_in_the_nav() -> None:
    mkdocs_yml = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav_pages = set(re.findall(r"^  - [^:]+: (\S+\.md)$", mkdocs_yml, flags=re.MULTILINE))
    # a Chinese page (page.zh.md) is the nav entry page.md in the Chinese edition
    pages = {path.name.replace(".zh.md", ".md") for path in (ROOT / "docs").glob("*.md")}
    assert pages == nav_pages, (
        f"pages missing from the nav in mkdocs.yml: {sorted(pages - nav_pages)}; "
        f"nav entries with no page: {sorted(nav_pages - pages)}"
    )


def test_the_chinese_edition_is_built_with_a_language_switch(site: tuple[Path, str]) -> None:
    site_dir, _ = site
    for page in (
        "index.html",
        "learn-backprop/index.html",
        "exercises/index.html",
        "glossary/index.html",
        "visualizing/index.html",
        "debugging/index.html",
        "pytorch/index.html",
        "compiled/index.html",
        "higher-order/index.html",
    ):
        chinese = (site_dir / "zh" / page).read_text(encoding="utf-8")
        assert '<html lang="zh"' in chinese, page
        english = (site_dir / page).read_text(encoding="utf-8")
        assert '<html lang="en"' in english, page
        # the switch: each edition links the other
        assert 'hreflang="zh"' in english and 'hreflang="en"' in chinese, page
    guide = (site_dir / "zh" / "learn-backprop" / "index.html").read_text(encoding="utf-8")
    assert "链式法则" in guide and "反向传播" in guide
    # the English anchors other pages link to are on the Chinese guide too
    assert 'id="7-the-primers-linear-regression-and-its-bug"' in guide
    home = (site_dir / "zh" / "index.html").read_text(encoding="utf-8")
    readme = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    for heading in re.findall(r"^## (.+)$", readme, flags=re.MULTILINE):
        assert heading in home, f"README.zh-CN.md section {heading!r} missing from the home page"
    assert 'href="learn-backprop/"' in home and 'href="glossary/"' in home
    # the README's line of language links stays on GitHub: the site has its switch
    for page in (home, (site_dir / "index.html").read_text(encoding="utf-8")):
        assert not re.search(r'href="[^"]*README', page)


def test_api_reference_documents_the_public_api(site: tuple[Path, str]) -> None:
    import autograd
    import nn

    site_dir, _ = site
    api = (site_dir / "api" / "index.html").read_text(encoding="utf-8")
    for package in (autograd, nn):
        for name in package.__all__:
            if name.startswith("__"):
                continue
            # the id is the path griffe found it at: the package, or a module (gradcheck)
            anchor = rf'id="{package.__name__}\.(\w+\.)?{name}"'
            assert re.search(anchor, api), f"{package.__name__}.{name} is not in the reference"
    # every docstring's doctest renders as highlighted code (a prompt span), none as Markdown
    # text (where >>> would be a quote and ['a'] a link)
    prompts = api.count("&gt;&gt;&gt;")
    assert prompts > 20
    assert api.count('<span class="gp">&gt;&gt;&gt; </span>') == prompts
    assert "<blockquote>" not in api


def test_readme_links_the_api_contract_to_the_reference_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "described in the [API contract](docs/api.md)" in readme
    assert (ROOT / "docs" / "api.md").is_file()


def test_ci_installs_the_docs_extra_so_the_site_test_never_skips_there() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert '.venv/bin/python -m pip install -q -e ".[docs]"' in ci_lines


@pytest.mark.parametrize(
    ("docstring", "expected"),
    [
        ("Text.\n\n>>> 1 + 1\n2\n\nMore.", "Text.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nMore."),
        (">>> x = 1\n>>> x\n1", "```pycon\n>>> x = 1\n>>> x\n1\n```"),
        ("```python\n>>> fenced already\n```", "```python\n>>> fenced already\n```"),
        ("- item:\n\n    >>> 2\n    2\n", "- item:\n\n    ```pycon\n    >>> 2\n    2\n    ```\n"),
        ("no examples", "no examples"),
    ],
)
def test_griffe_extension_fences_doctest_examples(docstring: str, expected: str) -> None:
    extension = load_griffe_extension()
    assert extension.fence_doctests(docstring) == expected
