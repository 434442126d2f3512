"""docs/make_images.py makes the pictures of docs/visualizing.md; the committed ones are current."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
SVG_TEXT = "{http://www.w3.org/2000/svg}text"
SCREENSHOTS = (
    "stepper.png",
    *[
        f"{page}-{where}.png"
        for page in ("network-steps", "mlp-steps", "expression-steps")
        for where in ("first", "middle", "last")
    ],
)
# the Chinese guide (docs/*.zh.md) shows this one
CHINESE_SCREENSHOT = "stepper-zh.png"
PICTURES = ("neuron.svg", "square.svg", "cli-graph.svg", "mlp.svg", "network-backprop.svg")


def texts(path: Path) -> list[str]:
    return sorted(element.text or "" for element in ET.parse(path).iter(SVG_TEXT))


def test_make_images_writes_every_picture(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_images.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    for name in (*PICTURES, "backprop.svg"):
        made = tmp_path / name
        # what the committed picture says (labels, data, grads) is what the code draws today
        assert texts(made) == texts(IMAGES / name), (
            f"docs/images/{name} is stale: rerun make_images"
        )
    assert (tmp_path / "neuron-steps.html").read_text().startswith("<!DOCTYPE html>")
    if "skipped stepper.png" not in completed.stderr:
        for name in (*SCREENSHOTS, CHINESE_SCREENSHOT):
            assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_visualizing_doc_shows_only_pictures_that_exist():
    doc = (ROOT / "docs" / "visualizing.md").read_text(encoding="utf-8")
    for name in (*PICTURES, *SCREENSHOTS):
        assert f"](images/{name})" in doc
        assert (IMAGES / name).is_file()
    assert (IMAGES / CHINESE_SCREENSHOT).is_file()


def test_readme_shows_the_animation():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/images/backprop.svg)" in readme
    assert "<script" not in (IMAGES / "backprop.svg").read_text(encoding="utf-8")
