"""Writing files atomically: a crash mid-write leaves the old file (or none), never half a file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """Open a temporary file beside ``path`` for writing text; on success rename it onto ``path``.

    The file is flushed to disk before the rename, and the rename itself is
    flushed where the platform allows. If the block raises, the temporary
    file is removed and ``path`` is left as it was.

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_write(target) as file:
    ...     _ = file.write("hello\\n")
    >>> target.read_text()
    'hello\\n'
    """
    import tempfile  # here, not at the top: `import autograd` stays fast

    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {target}: folder {directory} does not exist")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; these files are not secrets
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(directory)


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` with ``atomic_write`` and return the path."""
    with atomic_write(path) as file:
        file.write(text)
    return Path(path)


def _sync_directory(directory: Path) -> None:
    """Flush the rename itself to disk, where the platform allows opening a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
