"""autograd.files: the one atomic writer that save_svg, save_html and Module.save share."""

from __future__ import annotations

import os
import stat

import pytest

from autograd.files import atomic_write, write_text_atomically


def test_a_failing_block_keeps_the_old_file_and_leaves_no_temporary(tmp_path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError, match="disk full"), atomic_write(target) as file:
        file.write("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_success_replaces_the_file_and_keeps_its_mode(tmp_path) -> None:
    # issue 7: the writer used to force 0o644, making private files world-readable
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    written = write_text_atomically(target, "new\n")
    assert written == target
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_missing_folder_is_named(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"folder .*nowhere does not exist"):
        write_text_atomically(tmp_path / "nowhere" / "out.txt", "x")
