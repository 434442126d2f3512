"""The atomic writer for bytes (plots), and the notebook fallback when a layout times out."""

from __future__ import annotations

import os
import stat

import pytest

from autograd import Value
from autograd.files import atomic_write, write_bytes_atomically

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_bytes_are_written_exactly_and_an_existing_file_keeps_its_mode(tmp_path) -> None:
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    target.chmod(0o640)
    assert write_bytes_atomically(target, PNG) == target
    assert target.read_bytes() == PNG
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["plot.png"]  # no temporary left


def test_bytes_follow_a_symlink_and_a_failed_block_keeps_the_old_file(tmp_path) -> None:
    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    link = tmp_path / "link.png"
    link.symlink_to(real)
    write_bytes_atomically(link, PNG)
    assert link.is_symlink() and real.read_bytes() == PNG
    with pytest.raises(RuntimeError), atomic_write(real, binary=True) as file:
        file.write(b"half")
        raise RuntimeError("crash mid-write")
    assert real.read_bytes() == PNG


def test_a_read_only_file_is_refused_for_bytes_too(tmp_path) -> None:
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match=r"plot\.png"):
        write_bytes_atomically(target, PNG)
    assert target.read_bytes() == b"old"


def test_a_value_whose_layout_times_out_shows_as_text_in_jupyter(monkeypatch) -> None:
    from autograd import render

    def too_slow(*args, **kwargs):
        raise render.RenderTimeoutError("the layout took longer than 60 s")

    monkeypatch.setattr(render, "to_svg", too_slow)
    assert Value(1.0)._repr_svg_() is None  # Jupyter falls back to the repr
