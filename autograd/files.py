"""Saving text files safely: the one writer behind save_svg, save_html, Module.save, --svg, --html.

It writes where ``open(path, "w")`` would, without its risks: a regular file
is replaced atomically (a crash leaves the old file or the new one, never
half of one, and no temporary file), and nothing else the path names is ever
replaced. The guarantees are listed in ``atomic_write``'s docstring and in
the README ("Saving files").
"""

from __future__ import annotations

import errno
import os
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

# Linux can create a file with no name (O_TMPFILE) and give it one once it is
# complete (linkat through /proc/self/fd): until then a crash, even kill -9,
# leaves nothing behind. Elsewhere, or on a file system without O_TMPFILE, the
# temporary file has a name from the start. Tests switch this off to exercise that path.
_ANONYMOUS_FILES = hasattr(os, "O_TMPFILE") and hasattr(os, "O_PATH")

# A temporary file's name, ".<hash of the target's name>-<pid>-<random>.tmp": the
# next save of the same target removes temporaries whose process is gone (left by
# kill -9 or a power cut). At most 30 characters whatever the target's name, so it
# fits wherever the target's name fits.
_HEX_DIGITS = frozenset("0123456789abcdef")

# Temporaries this process is writing right now (full paths): another thread
# saving the same target must not take them for leftovers of a dead process.
_WRITING: set[str] = set()

# errno values with which a file system (or an old kernel) refuses O_TMPFILE
_NO_ANONYMOUS_FILES = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL}


@contextmanager
def atomic_write(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[Any]:
    """Open ``path`` for writing UTF-8 text (bytes with ``binary=True``), replacing a regular
    file only when the block succeeds.

    - A regular file (new, or existing) is written as a temporary file in the
      same folder, flushed to disk and renamed over ``path``: readers see the
      old file or the new one, never part of one. If the block raises, the old
      file is left as it was. An existing file keeps its permission bits (and,
      for root, its owner); a new file gets the usual ``0o666`` minus the umask.
    - No temporary file is left behind: on Linux it has no name until it is
      complete (``O_TMPFILE``); elsewhere, or if killed in the instant between
      naming and renaming, the next save of the same ``path`` removes it.
    - A symlink is followed: the file it points to is replaced, the link stays.
    - A device, FIFO or ``/dev/stdout`` (anything that is not a regular file,
      or is reached through ``/proc``) is written directly, as ``open`` would,
      never replaced by a file.
    - A read-only file (no write bit, even for root), or one in a folder this
      process cannot write to, raises PermissionError and is left unchanged;
      a directory raises IsADirectoryError.
    - Every error names ``path`` as given (never a temporary name).

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_write(target) as file:
    ...     _ = file.write("hello\\n")
    >>> target.read_text()
    'hello\\n'
    """
    shown = _path_text(path)
    plan = _plan(shown)
    if plan is None:
        yield from _write_in_place(shown, binary)
    else:
        final, existing = plan
        yield from _write_and_rename(shown, final, existing, binary)


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` with ``atomic_write`` and return the path."""
    with atomic_write(path) as file:
        file.write(text)
    return Path(path)


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` (a PNG, say) to ``path`` with ``atomic_write`` and return the path."""
    with atomic_write(path, binary=True) as file:
        file.write(data)
    return Path(path)


def _path_text(path: str | os.PathLike[str]) -> str:
    shown = os.fsdecode(os.fspath(path))
    if not shown:
        raise FileNotFoundError(errno.ENOENT, "cannot write to an empty path: give a file name", "")
    if "\0" in shown:
        raise ValueError(f"cannot write {shown!r}: a path cannot contain a NUL character")
    return shown


def _plan(shown: str) -> tuple[str, os.stat_result | None] | None:
    """Where to write: ``(file to replace, its stat or None if new)``, or None to write in place."""
    try:
        existing: os.stat_result | None = os.stat(shown)  # follows symlinks, as open() does
    except FileNotFoundError:
        existing = None
    if existing is None:
        if shown.endswith(("/", os.sep)):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
        final = os.path.realpath(shown)  # a dangling symlink: create the file it names
        folder = os.path.dirname(final)
        if not os.path.isdir(folder):
            raise FileNotFoundError(errno.ENOENT, f"folder {folder} does not exist", shown)
        return final, None
    if stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
    if not stat.S_ISREG(existing.st_mode) or _reached_through_proc(shown):
        return None
    final = os.path.realpath(shown)
    try:
        same_file = os.path.samestat(os.stat(final), existing)
    except OSError:
        same_file = False
    if not same_file:  # a link we cannot name the target of: write through it
        return None
    if not existing.st_mode & 0o222:
        mode = stat.S_IMODE(existing.st_mode)
        reason = f"the file is read-only (mode {mode:04o}), so it was left unchanged"
        raise PermissionError(errno.EACCES, reason, shown)
    if not os.access(final, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), shown)
    return final, existing


def _reached_through_proc(shown: str) -> bool:
    """True for /dev/stdout, /dev/fd/1, /proc/self/fd/1...: a process's open file, not a path.

    Replacing the file behind such a link would cut it off from the process
    that has it open, so it is written directly, as ``open(path, "w")`` does.
    """
    current = shown if os.path.isabs(shown) else os.path.join(os.getcwd(), shown)
    for _hop in range(40):  # the kernel's own limit on symlinks in one path
        folder = os.path.realpath(os.path.dirname(current))
        if folder == "/proc" or folder.startswith("/proc/"):
            return True
        try:
            link = os.readlink(os.path.join(folder, os.path.basename(current)))
        except OSError:
            return False
        current = os.path.join(folder, link)
    return False


def _opened(target: str | int, binary: bool) -> Any:
    if binary:
        return open(target, "wb")
    return open(target, "w", encoding="utf-8", newline="\n")


def _write_in_place(shown: str, binary: bool) -> Iterator[Any]:
    """Write to a device, FIFO or terminal as ``open(path, "w")`` does."""
    file = _opened(shown, binary)
    try:
        with file:
            yield file
    except OSError as error:  # say which path a full disk or a closed pipe belongs to
        _name_the_path(error, shown)
        raise


def _write_and_rename(
    shown: str, final: str, existing: os.stat_result | None, binary: bool
) -> Iterator[Any]:
    folder, name = os.path.split(final)
    _remove_stale_temporaries(folder, name)
    # a new file gets 0o666 minus the umask (the kernel applies it); an existing
    # file's own mode is set once the temporary file is complete
    descriptor, temporary = _create_temporary(shown, folder, name, 0o600 if existing else 0o666)
    try:
        with _opened(descriptor, binary) as file:
            yield file
            file.flush()
            if existing is not None:
                _keep_owner_and_mode(file.fileno(), existing)
            os.fsync(file.fileno())
            if temporary is None:
                temporary = _give_a_name(file.fileno(), folder, name)
        os.replace(temporary, final)
    except BaseException as error:
        if temporary is not None:
            _remove(temporary)
        if isinstance(error, OSError):
            _name_the_path(error, shown, temporary, final, folder)
        raise
    finally:
        _WRITING.discard(temporary)  # type: ignore[arg-type]
    _sync_directory(folder)


def _create_temporary(shown: str, folder: str, name: str, mode: int) -> tuple[int, str | None]:
    """An open descriptor for the new content, and its name (None while it has none)."""
    if _ANONYMOUS_FILES and os.path.isdir("/proc/self/fd"):
        try:
            flags = os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC
            return os.open(folder, flags, mode), None
        except OSError as error:
            if error.errno not in _NO_ANONYMOUS_FILES:
                raise _cannot_create(error, shown, folder) from None
    for _attempt in range(100):
        temporary = os.path.join(folder, _temporary_name(name))
        _WRITING.add(temporary)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(temporary, flags, mode), temporary
        except FileExistsError:
            _WRITING.discard(temporary)
        except OSError as error:
            _WRITING.discard(temporary)
            raise _cannot_create(error, shown, folder) from None
    raise FileExistsError(errno.EEXIST, "no free temporary name in its folder", shown)


def _give_a_name(descriptor: int, folder: str, name: str) -> str:
    """Link the finished anonymous file into ``folder`` under a temporary name; return it."""
    # a directory descriptor makes os.link call linkat(AT_SYMLINK_FOLLOW), which
    # links the file behind /proc/self/fd/N rather than the magic link itself
    folder_descriptor = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for _attempt in range(100):
            temporary_name = _temporary_name(name)
            temporary = os.path.join(folder, temporary_name)
            _WRITING.add(temporary)
            try:
                os.link(f"/proc/self/fd/{descriptor}", temporary_name, dst_dir_fd=folder_descriptor)
                return temporary
            except FileExistsError:
                _WRITING.discard(temporary)
            except BaseException:
                _WRITING.discard(temporary)
                raise
        raise FileExistsError(errno.EEXIST, "no free temporary name in its folder", folder)
    finally:
        os.close(folder_descriptor)


def _temporary_name(name: str) -> str:
    return f".{_name_tag(name)}-{os.getpid()}-{os.urandom(4).hex()}.tmp"


def _name_tag(name: str) -> str:
    return f"{zlib.crc32(os.fsencode(name)):08x}"


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Remove temporaries of this target whose writing process no longer exists."""
    if os.name != "posix":  # os.kill(pid, 0) only asks about a process on POSIX
        return
    tag = _name_tag(name)
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        pid = _writer_of(entry, tag)
        if pid is None:
            continue
        temporary = os.path.join(folder, entry)
        if not _still_being_written(pid, temporary):
            _remove(temporary)


def _writer_of(entry: str, tag: str) -> int | None:
    """The pid in ``entry`` if it is a temporary of the target whose name hashes to ``tag``."""
    prefix = f".{tag}-"
    if not (entry.startswith(prefix) and entry.endswith(".tmp")):
        return None
    pid, _dash, random = entry[len(prefix) : -len(".tmp")].partition("-")
    if not (pid.isascii() and pid.isdigit() and len(pid) <= 10):
        return None
    if len(random) != 8 or not _HEX_DIGITS.issuperset(random):
        return None
    return int(pid)


def _still_being_written(pid: int, temporary: str) -> bool:
    if pid == os.getpid():
        return temporary in _WRITING
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def _keep_owner_and_mode(descriptor: int, existing: os.stat_result) -> None:
    """Give the new file the old one's owner (where allowed) and permission bits."""
    if not hasattr(os, "fchown"):  # not POSIX: no owners or modes to keep
        return
    current = os.fstat(descriptor)
    if (current.st_uid, current.st_gid) != (existing.st_uid, existing.st_gid):
        try:
            os.fchown(descriptor, existing.st_uid, existing.st_gid)
        except OSError:
            with suppress(OSError):  # not root: keeping the group is allowed if we are in it
                os.fchown(descriptor, -1, existing.st_gid)
    os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))  # after chown, which clears setuid


def _cannot_create(error: OSError, shown: str, folder: str) -> OSError:
    error.strerror = f"{error.strerror} (saving it needs a new file in folder {folder})"
    error.filename = shown
    error.filename2 = None
    return error


def _name_the_path(error: OSError, shown: str, *ours: str | None) -> None:
    """Make ``error`` name the user's path instead of nothing or one of our own names."""
    if error.filename is None or error.filename in ours:
        error.filename = shown
        error.filename2 = None


def _remove(path: str) -> None:
    with suppress(OSError):
        os.unlink(path)


def _sync_directory(directory: str) -> None:
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
