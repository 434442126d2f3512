"""One table of sentences per language: the stepper, print(step) and --steps speak Chinese."""

from __future__ import annotations

import html
import io
import re
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from autograd import Value, save_html, show_stepper
from autograd.cli import main, steps_table
from autograd.strings import CHINESE, ENGLISH, LANGUAGES, set_language, text

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "autograd" / "web"


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def expression() -> Value:
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-1.0, label="b")
    return (w * x + b).tanh()


def test_every_language_has_every_sentence_with_the_same_fields():
    assert set(LANGUAGES) == {"en", "zh"}
    assert set(CHINESE) == set(ENGLISH)
    for key, english in ENGLISH.items():
        assert fields(CHINESE[key]) == fields(english), key


def test_the_chinese_table_is_chinese():
    for key, sentence in CHINESE.items():
        words = re.sub(r"\{\w+\}", "", sentence)
        # formulas and key names (d out/d u, Enter, Home) may stay; a sentence may not
        if ENGLISH[key] != "100%" and len(re.sub(r"[^A-Za-z]", "", words)) > 4:
            assert re.search("[\u4e00-\u9fff]", words), (key, sentence)


def test_a_language_that_is_not_there_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match=r"lang must be one of 'en', 'zh', got 'fr'"):
        save_html(expression(), tmp_path / "page.html", lang="fr")
    with pytest.raises(ValueError, match="lang must be one of"):
        show_stepper(expression(), lang="EN")
    with pytest.raises(ValueError, match="lang must be one of"):
        set_language("de")
    assert list(tmp_path.iterdir()) == []


def page_text(page: str) -> str:
    """What a reader of the page sees: the frame's text, its titles, and the script's data."""
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    titles = " ".join(re.findall(r'(?:title|aria-label)="([^"]*)"', body))
    return html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + titles)


def test_the_chinese_page_has_no_english_sentence(tmp_path):
    english = save_html(expression(), tmp_path / "en.html").read_text(encoding="utf-8")
    chinese = save_html(expression(), tmp_path / "zh.html", lang="zh").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and '<html lang="zh">' in chinese
    shown = page_text(chinese)
    for key in ("help_keys", "help_colors", "button_next", "label_next", "graph_label"):
        assert CHINESE[key] in shown
        assert ENGLISH[key] not in shown
    # the steps: Chinese words, the same numbers and formulas
    steps = {lang: _embedded(page)["steps"] for lang, page in (("en", english), ("zh", chinese))}
    assert len(steps["en"]) == len(steps["zh"]) == 3
    for english_step, chinese_step in zip(steps["en"], steps["zh"], strict=True):
        assert chinese_step["heading"].startswith("第 ")
        assert "chain rule" not in chinese_step["heading"]
        assert _numbers(english_step["heading"]) == _numbers(chinese_step["heading"])
        for english_line, chinese_line in zip(
            english_step["lines"], chinese_step["lines"], strict=True
        ):
            assert "upstream" not in chinese_line and "上游梯度" in chinese_line
            assert _numbers(english_line) == _numbers(chinese_line)
            # the derivative rule is a formula: the same in both
            assert english_line.split("\n")[1] == chinese_line.split("\n")[1]
        assert chinese_step["changes"] == english_step["changes"]
    assert _embedded(chinese)["strings"]["counter"] == CHINESE["counter"]


def _embedded(page: str) -> dict:
    import json

    match = re.search(r'<script id="stepper-data" type="application/json">(.*?)</script>', page)
    assert match
    return json.loads(match.group(1))


def _numbers(sentence: str) -> list[str]:
    return re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", sentence)


def test_print_step_in_chinese_on_request():
    step = next(expression().backward_steps())
    english, chinese = str(step), step.explain(lang="zh")
    assert english == step.explain(lang="en")
    assert english.startswith("tanh(w*x + b): out = tanh(u), upstream 1")
    assert chinese.startswith("tanh(w*x + b)：out = tanh(u)，上游梯度 1")
    assert _numbers(english) == _numbers(chinese)
    set_language("zh")
    try:
        assert str(step) == chinese
    finally:
        set_language("en")
    assert str(step) == english


def test_steps_table_in_chinese_has_the_same_cells_of_numbers():
    steps = list(expression().backward_steps())
    english = steps_table(steps).splitlines()
    chinese = steps_table(steps, lang="zh").splitlines()
    assert chinese[0].split()[:4] == ["步", "节点", "(out)", "运算"]
    for english_row, chinese_row in zip(english[1:4], chinese[1:4], strict=True):
        assert english_row.split() == chinese_row.split()  # the rows: names and numbers only
    assert chinese[5] == text("zh", "table_rules", times="\u00d7")
    assert english[6:] == chinese[6:]  # the rules are formulas


def test_the_command_line_speaks_chinese_with_lang_zh(tmp_path):
    out = io.StringIO()
    page = tmp_path / "steps.html"
    status = main(
        ["tanh(w*x + b)", "w=0.5", "x=2", "b=-1", "--steps", "--lang", "zh", "--html", str(page)],
        stdout=out,
        stderr=io.StringIO(),
    )
    assert status == 0
    shown = out.getvalue()
    assert "求导法则" in shown and "上游梯度" in shown and "rules (" not in shown
    assert f"已写入 {page}" in shown
    assert '<html lang="zh">' in page.read_text(encoding="utf-8")
    error = io.StringIO()
    assert main(["x", "x=1", "--lang", "fr"], stdout=io.StringIO(), stderr=error) == 2
    assert "--lang must be one of en, zh, got 'fr'" in error.getvalue()


def test_the_notebook_view_in_chinese():
    view = show_stepper(expression(), lang="zh")
    assert 'title="一步一步看反向传播"' in view._repr_html_()
    assert '<html lang="zh">' in view.page


def test_the_page_script_and_style_are_real_files_inlined_in_every_page(tmp_path):
    page = save_html(expression(), tmp_path / "page.html").read_text(encoding="utf-8")
    script = (WEB / "stepper.js").read_text(encoding="utf-8")
    style = (WEB / "stepper.css").read_text(encoding="utf-8")
    assert f"<script>{script}</script>" in page
    assert f"<style>{style}</style>" in page
    # shipped with the package
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"web/*.js"' in pyproject and '"web/*.css"' in pyproject


def test_the_page_script_is_valid_javascript():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the syntax check of autograd/web/stepper.js needs it")
    completed = subprocess.run(
        [node, "--check", str(WEB / "stepper.js")], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
