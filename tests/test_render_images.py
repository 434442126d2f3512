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
        for page in ("mlp-steps", "expression-steps")
        for where in ("first", "middle", "last")
    ],
)


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
    for name in ("neuron.svg", "square.svg", "cli-graph.svg", "mlp.svg"):
        made = tmp_path / name
        # what the committed picture says (labels, data, grads) is what the code draws today
        assert texts(made) == texts(IMAGES / name), (
            f"docs/images/{name} is stale: rerun make_images"
        )
    assert (tmp_path / "neuron-steps.html").read_text().startswith("<!DOCTYPE html>")
    if "skipped stepper.png" not in completed.stderr:
        for name in SCREENSHOTS:
            assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_visualizing_doc_shows_only_pictures_that_exist():
    doc = (ROOT / "docs" / "visualizing.md").read_text(encoding="utf-8")
    for name in ("neuron.svg", "square.svg", "cli-graph.svg", "mlp.svg", *SCREENSHOTS):
        assert f"](images/{name})" in doc
        assert (IMAGES / name).is_file()
