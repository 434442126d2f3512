"""autograd.files against what a path can name: devices, FIFOs, symlinks, read-only files, kill -9.

Issue 7: the writer behind --svg, --html, save_svg, save_html and Module.save
replaced whatever the path named with a regular file (as root, /dev/null
itself), replaced symlinks, read-only files and modes, failed on 255-character
names, said EBUSY for "" and named its temporary file in errors, and left
temporaries behind after kill -9.

Most checks are scenarios run twice: as root in this process, and as the
non-root user 65534 in a child process that drops its privileges after its
imports (the interpreter may live where that user cannot read). Run by a
non-root user, the suite runs them in-process as that user and skips the
root case.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from autograd import files
from autograd.files import atomic_write, write_text_atomically
from nn import Neuron

TESTS = Path(__file__).resolve().parent
REPOSITORY = TESTS.parent
NOBODY = 65534
TEXT = "<svg>a picture</svg>\n" * 1000


# ---- running a scenario as root and as a non-root user ----

CHILD = """
import os, sys
sys.path[:0] = [{tests!r}, {repository!r}]
import test_hostile_files as scenarios
scenario = getattr(scenarios, sys.argv[1])
if os.geteuid() != {nobody}:
    try:
        os.setgroups([])
        os.setgid({nobody})
        os.setuid({nobody})
    except OSError:  # no CAP_SETUID, or no such user in this user namespace
        sys.exit(77)
scenario(sys.argv[2])
print(f"scenario passed as uid {{os.geteuid()}}")
"""


def _child_command(scenario_name: str, *arguments: str) -> list[str]:
    code = CHILD.format(tests=str(TESTS), repository=str(REPOSITORY), nobody=NOBODY)
    return [sys.executable, "-c", code, scenario_name, *arguments]


@pytest.fixture(params=["root", "non-root"])
def user(request) -> str:
    return request.param


@pytest.fixture
def folder() -> Iterator[Path]:
    """A fresh folder any user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="hostile-files-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _run(user: str, scenario: Callable[[str], None], folder: Path) -> None:
    """Run ``scenario(folder)`` as root here, or as a non-root user (in a child if we are root)."""
    if user == "root":
        if os.geteuid() != 0:
            pytest.skip("the root case needs the suite to run as root")
        scenario(str(folder))
        return
    if os.geteuid() != 0:
        scenario(str(folder))  # this suite already runs as a non-root user
        return
    os.chown(folder, NOBODY, NOBODY)
    result = subprocess.run(
        _child_command(scenario.__name__, str(folder)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 77:
        pytest.skip(f"cannot switch to uid {NOBODY} on this machine")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith(f"scenario passed as uid {NOBODY}\n"), result.stdout


@contextlib.contextmanager
def _named_temporaries() -> Iterator[None]:
    """Use the fallback path: a named temporary file, as without O_TMPFILE."""
    saved = files._ANONYMOUS_FILES
    files._ANONYMOUS_FILES = False
    try:
        yield
    finally:
        files._ANONYMOUS_FILES = saved


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    saved = os.umask(mask)
    try:
        yield
    finally:
        os.umask(saved)


def _write_text(path: str | os.PathLike[str]) -> object:
    return write_text_atomically(path, TEXT)


def _save_model(path: str | os.PathLike[str]) -> object:
    return Neuron(1, seed=0).save(path)


def _expect_error(
    kind: type[OSError], path: str | os.PathLike[str], save: Callable[[str], object] = _write_text
) -> OSError:
    """``save(path)`` raises ``kind``, naming ``path`` as given and never a temporary file."""
    try:
        save(path)
    except kind as error:
        assert error.filename == os.fspath(path), (error.filename, path)
        assert error.filename2 is None
        assert repr(os.fspath(path)) in str(error), str(error)
        assert ".tmp" not in str(error)
        return error
    raise AssertionError(f"expected {kind.__name__} for {path!r}")


def _ls(folder: str | Path) -> set[str]:
    return set(os.listdir(folder))


# ---- scenarios: each raises AssertionError if the writer misbehaves ----


def scenario_a_device_is_written_in_place_not_replaced(folder: str) -> None:
    device = _a_null_device(folder)
    before = os.stat(device)
    write_text_atomically(device, TEXT)
    Neuron(2, seed=0).save(device)
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert _ls(folder) <= {"null"}


def scenario_a_fifo_is_written_in_place(folder: str) -> None:
    fifo = Path(folder, "pipe")
    os.mkfifo(fifo)
    received: list[str] = []
    # a daemon: if the writer replaced the FIFO, this reader would wait forever
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    write_text_atomically(fifo, TEXT)
    reader.join(timeout=30)
    assert received == [TEXT]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert _ls(folder) == {"pipe"}


def scenario_a_symlink_is_followed_and_its_target_replaced(folder: str) -> None:
    target = Path(folder, "real.svg")
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = Path(folder, "link.svg")
    link.symlink_to("real.svg")
    chain = Path(folder, "chain.svg")
    chain.symlink_to("link.svg")
    old_inode = os.stat(target).st_ino
    write_text_atomically(chain, TEXT)
    assert os.readlink(chain) == "link.svg" and os.readlink(link) == "real.svg"
    assert target.read_text() == TEXT
    assert os.stat(target).st_ino != old_inode  # replaced atomically, not rewritten in place
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert _ls(folder) == {"real.svg", "link.svg", "chain.svg"}

    # a link into another folder replaces the file there, and leaves nothing here
    os.mkdir(Path(folder, "elsewhere"))
    Path(folder, "elsewhere", "model.json").write_text("{}")
    Path(folder, "away.json").symlink_to(Path(folder, "elsewhere", "model.json"))
    Neuron(1, seed=0).save(Path(folder, "away.json"))
    assert '"state_dict"' in Path(folder, "elsewhere", "model.json").read_text()
    assert Path(folder, "away.json").is_symlink()
    assert _ls(Path(folder, "elsewhere")) == {"model.json"}

    # a dangling link: the file it names is created, as open() would
    Path(folder, "dangling.svg").symlink_to("created.svg")
    write_text_atomically(Path(folder, "dangling.svg"), "new\n")
    assert Path(folder, "created.svg").read_text() == "new\n"
    assert Path(folder, "dangling.svg").is_symlink()

    # a link to a folder, and a loop, are errors naming the link
    Path(folder, "to-folder").symlink_to("elsewhere")
    _expect_error(IsADirectoryError, Path(folder, "to-folder"))
    Path(folder, "loop-a").symlink_to("loop-b")
    Path(folder, "loop-b").symlink_to("loop-a")
    error = _expect_error(OSError, Path(folder, "loop-a"))
    assert error.errno == errno.ELOOP


def scenario_a_read_only_file_is_refused_and_kept(folder: str) -> None:
    for mode in (0o444, 0o400, 0o000):
        path = Path(folder, f"read-only-{mode:o}.svg")
        path.write_text("keep\n")
        os.chmod(path, mode)
        error = _expect_error(PermissionError, path)
        assert "read-only" in str(error) and f"{mode:04o}" in str(error)
        _expect_error(PermissionError, path, _save_model)
        os.chmod(path, 0o600)
        assert path.read_text() == "keep\n"
    assert all(name.startswith("read-only-") for name in _ls(folder))


def scenario_an_existing_file_keeps_its_mode(folder: str) -> None:
    for named in (False, True):
        for mode in (0o600, 0o640, 0o604, 0o755, 0o664):
            path = Path(folder, f"kept-{mode:o}-{named}.json")
            path.write_text("old")
            os.chmod(path, mode)
            with _named_temporaries() if named else contextlib.nullcontext():
                Neuron(1, seed=0).save(path)
            assert stat.S_IMODE(os.stat(path).st_mode) == mode, (oct(mode), named)
    assert len(_ls(folder)) == 10


def scenario_new_files_honour_the_umask(folder: str) -> None:
    for named in (False, True):
        for mask in (0o077, 0o022, 0o002, 0o027):
            path = Path(folder, f"new-{mask:o}-{named}.json")
            with _umask(mask), _named_temporaries() if named else contextlib.nullcontext():
                Neuron(1, seed=0).save(path)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask, (oct(mask), named)
    assert len(_ls(folder)) == 8


def scenario_any_valid_file_name_works(folder: str) -> None:
    names = ["a" * 255, "é" * 127 + "a", "x", "-rf", " spaced .svg", "new\nline", ".hidden"]
    assert len(os.fsencode(names[1])) == 255
    for named in (False, True):
        with _named_temporaries() if named else contextlib.nullcontext():
            for name in names:
                path = Path(folder, name)
                write_text_atomically(path, "first\n")
                write_text_atomically(path, TEXT)  # and again, replacing it
                assert path.read_text() == TEXT
    assert _ls(folder) == set(names)
    too_long = Path(folder, "b" * 256)
    error = _expect_error(OSError, too_long)
    assert error.errno == errno.ENAMETOOLONG


def scenario_empty_paths_and_folders_are_clear_errors(folder: str) -> None:
    for save in (_write_text, _save_model):
        error = _expect_error(FileNotFoundError, "", save)
        assert "empty path" in str(error) and error.errno != errno.EBUSY
    _expect_error(IsADirectoryError, folder)
    _expect_error(IsADirectoryError, Path(folder), _save_model)
    _expect_error(IsADirectoryError, ".")
    slash = os.path.join(folder, "new-folder") + "/"
    _expect_error(IsADirectoryError, slash)
    plain = Path(folder, "plain.txt")
    plain.write_text("keep")
    for below in (str(plain) + "/", str(plain / "inside.svg")):
        _expect_error(NotADirectoryError, below)
    error = _expect_error(FileNotFoundError, Path(folder, "missing", "x.svg"))
    assert "missing does not exist" in str(error)
    with pytest.raises(ValueError, match="cannot contain a NUL"):
        write_text_atomically(os.path.join(folder, "nul\0byte"), "x")
    assert _ls(folder) == {"plain.txt"} and plain.read_text() == "keep"


def scenario_a_failed_write_keeps_the_old_file_and_leaves_nothing(folder: str) -> None:
    path = Path(folder, "model.json")
    path.write_text("old\n")
    for named in (False, True):
        with (
            _named_temporaries() if named else contextlib.nullcontext(),
            contextlib.suppress(RuntimeError),
            atomic_write(path) as file,
        ):
            file.write(TEXT)
            raise RuntimeError("the block failed")
        assert path.read_text() == "old\n"
        assert _ls(folder) == {"model.json"}


def scenario_stale_temporaries_of_the_target_are_removed(folder: str) -> None:
    path = Path(folder, "model.json")
    tag = f"{zlib.crc32(b'model.json'):08x}"
    other_tag = f"{zlib.crc32(b'other.json'):08x}"
    dead = _a_dead_pid()
    stale = [f".{tag}-{dead}-0123abcd.tmp", f".{tag}-{dead}-89abcdef.tmp"]
    kept = [
        f".{tag}-{os.getppid()}-0123abcd.tmp",  # its process is alive: maybe still writing
        f".{other_tag}-{dead}-0123abcd.tmp",  # another target's: left for its next save
        ".model.json.tmp",  # not one of ours
        "notes.txt",
    ]
    for name in stale + kept:
        Path(folder, name).write_text("leftover")
    Neuron(1, seed=0).save(path)
    assert _ls(folder) == {"model.json", *kept}


def scenario_a_folder_we_cannot_write_is_named(folder: str) -> None:
    locked = Path(folder, "locked")
    locked.mkdir()
    existing = locked / "model.json"
    existing.write_text("keep")
    os.chmod(existing, 0o666)
    if os.geteuid() == 0:  # root ignores permission bits, but not an immutable folder
        lock = ["chattr", "+i", str(locked)]
        unlock = ["chattr", "-i", str(locked)]
        if shutil.which("chattr") is None or subprocess.run(lock, capture_output=True).returncode:
            pytest.skip("root writes in any folder, and chattr +i does not work here")
    else:
        os.chmod(locked, 0o555)
        unlock = []
    try:
        for path in (locked / "new.json", existing):
            error = _expect_error(PermissionError, path, _save_model)
            assert "locked" in str(error)
        assert existing.read_text() == "keep" and _ls(locked) == {"model.json"}
    finally:
        if unlock:
            subprocess.run(unlock, check=True)
        os.chmod(locked, 0o755)


def _a_null_device(folder: str) -> Path:
    """As root, a twin of /dev/null in ``folder``: if the writer regresses, only it is replaced."""
    if os.geteuid() == 0:
        twin = Path(folder, "null")
        with contextlib.suppress(OSError):  # no CAP_MKNOD: the real one it is
            os.mknod(twin, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            return twin
    return Path("/dev/null")


def _a_dead_pid() -> int:
    for pid in range(4_000_000, 3_000_000, -7):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            continue
    raise AssertionError("no free pid found")


# ---- the scenarios, as root and as a non-root user ----

SCENARIOS = [value for name, value in sorted(globals().items()) if name.startswith("scenario_")]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.__name__[9:])
def test_writer_scenario(scenario, user, folder):
    _run(user, scenario, folder)


# ---- in this process only ----


@pytest.mark.parametrize("spelling", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
@pytest.mark.parametrize("stdout_is", ["a pipe", "a file"])
def test_dev_stdout_is_written_not_replaced(tmp_path, spelling, stdout_is):
    if not os.path.exists(spelling):
        pytest.skip(f"{spelling} does not exist on this system")
    code = (
        "import sys; from autograd.files import write_text_atomically; "
        f"write_text_atomically({spelling!r}, 'hello\\n')"
    )
    command = [sys.executable, "-c", code]
    if stdout_is == "a pipe":
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "hello\n"
        return
    output = tmp_path / "out.txt"
    output.write_text("")
    inode = output.stat().st_ino
    with open(output, "a") as stdout:
        result = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 0, result.stderr
    assert output.read_text() == "hello\n"
    assert output.stat().st_ino == inode
    assert _ls(tmp_path) == {"out.txt"}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_device_names_the_path():
    error = _expect_error(OSError, "/dev/full")
    assert error.errno == errno.ENOSPC
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_failing_rename_names_the_users_path(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text("old")

    def failing_replace(source, destination):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), source, destination)

    monkeypatch.setattr(files.os, "replace", failing_replace)
    _expect_error(OSError, path)
    assert path.read_text() == "old" and _ls(tmp_path) == {"model.json"}


def _anonymous_files_work_in(directory: str) -> bool:
    try:
        descriptor = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except (AttributeError, OSError):
        return False
    os.close(descriptor)
    return True


@pytest.mark.parametrize("base", ["/tmp", "/dev/shm"], ids=["disk", "tmpfs"])
def test_while_writing_nothing_has_a_name_where_o_tmpfile_works(base):
    if not os.path.isdir(base):
        pytest.skip(f"no {base} on this machine")
    folder = tempfile.mkdtemp(dir=base)
    try:
        path = Path(folder, "picture.svg")
        anonymous = _anonymous_files_work_in(folder)
        with atomic_write(path) as file:
            file.write(TEXT)
            during = _ls(folder)
        assert path.read_text() == TEXT and _ls(folder) == {"picture.svg"}
        if anonymous:
            assert during == set()  # the temporary file has no name until it is complete
        else:
            assert len(during) == 1  # the fallback: a named temporary file
        with _named_temporaries(), atomic_write(path) as file:
            file.write("named\n")
            assert len(_ls(folder)) == 2
        assert _ls(folder) == {"picture.svg"} and path.read_text() == "named\n"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_file_system_without_o_tmpfile_falls_back(tmp_path, monkeypatch):
    real_open = os.open

    def open_without_o_tmpfile(path, flags, *args, **kwargs):
        if flags & getattr(os, "O_TMPFILE", 0) == getattr(os, "O_TMPFILE", -1):
            raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", open_without_o_tmpfile)
    path = tmp_path / "model.json"
    with atomic_write(path) as file:
        file.write("x")
        assert len(_ls(tmp_path)) == 1  # a named temporary
    assert path.read_text() == "x" and _ls(tmp_path) == {"model.json"}


def test_a_thread_saving_the_same_target_keeps_anothers_temporary(tmp_path):
    """Stale means "its process is gone": our own in-progress temporaries are not stale."""
    path = tmp_path / "model.json"
    with _named_temporaries():
        with atomic_write(path) as file:
            file.write("first\n")
            (ours,) = _ls(tmp_path)
            other = threading.Thread(target=write_text_atomically, args=(path, "second\n"))
            other.start()
            other.join()
            assert ours in _ls(tmp_path)
        assert path.read_text() == "first\n"  # the later rename wins
    assert _ls(tmp_path) == {"model.json"}


def test_root_keeps_the_owner_of_a_file_it_rewrites(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file another owner")
    path = tmp_path / "theirs.json"
    path.write_text("{}")
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, 0o640)
    Neuron(1, seed=0).save(path)
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o640)


def test_save_svg_save_html_and_the_cli_go_through_the_same_rules(tmp_path):
    from autograd import Value, save_html, save_svg

    x = Value(0.5, label="x")
    y = (x * 2).tanh()
    y.backward()
    real = tmp_path / "real.svg"
    real.write_text("old")
    os.chmod(real, 0o600)
    (tmp_path / "link.svg").symlink_to("real.svg")
    save_svg(y, tmp_path / "link.svg")
    assert real.read_text().lstrip().startswith("<?xml")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    locked = tmp_path / "locked.html"
    locked.write_text("keep")
    os.chmod(locked, 0o444)
    with pytest.raises(PermissionError, match=r"locked\.html"):
        save_html(y, locked)
    assert locked.read_text() == "keep"
    device = _a_null_device(str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "autograd", "x*2", "x=1", "--svg", str(device)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(device.stat().st_mode)


# ---- kill -9 in the middle of a save ----

SAVER = """
import os, sys, time
sys.path[:0] = [{repository!r}]
from autograd import files
if sys.argv[2] == "named":
    files._ANONYMOUS_FILES = False
if os.geteuid() == 0 and sys.argv[3] == "non-root":
    try:
        os.setgroups([]); os.setgid({nobody}); os.setuid({nobody})
    except OSError:
        sys.exit(77)
chunk = "x" * (1 << 18)
while True:
    with files.atomic_write(sys.argv[1]) as file:
        print("writing", flush=True)
        for _ in range(CHUNKS):  # slowly enough to be killed in the middle
            file.write(chunk)
            file.flush()
            time.sleep(0.01)
        print("written", flush=True)  # next: fsync, name, rename
"""
CHUNKS = 24
SAVED_SIZE = CHUNKS << 18  # 6 MiB


def _kill_mid_save(path: Path, mode: str, user: str) -> None:
    """Start a process saving ``path`` over and over; SIGKILL it in the middle of writing a save.

    A save is killed only after one has completed. If this process was too
    slow and the kill came after the writing ("written" was printed), it tries again.
    """
    code = SAVER.format(repository=str(REPOSITORY), nobody=NOBODY).replace("CHUNKS", str(CHUNKS))
    for _attempt in range(5):
        saver = subprocess.Popen(
            [sys.executable, "-c", code, str(path), mode, user],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            expected = ["writing\n", "written\n", "writing\n"]  # one whole save, then the next
            for line in expected:
                read = saver.stdout.readline()
                if not read and saver.wait(timeout=30) == 77:
                    pytest.skip(f"cannot switch to uid {NOBODY} on this machine")
                assert read == line, read + saver.stderr.read()
            time.sleep(0.05)
        finally:
            saver.send_signal(signal.SIGKILL)
            saver.wait(timeout=30)
            rest = saver.stdout.read()
            saver.stdout.close()
            saver.stderr.close()
        assert saver.returncode == -signal.SIGKILL
        if "written" not in rest:
            return  # killed while writing
    raise AssertionError("could not kill the saver in the middle of writing in 5 attempts")


@pytest.mark.parametrize("repeats", [5])
def test_kill_9_mid_save_leaves_no_temporary_file(user, folder, repeats):
    if user == "root" and os.geteuid() != 0:
        pytest.skip("the root case needs the suite to run as root")
    if not _anonymous_files_work_in(str(folder)):
        pytest.skip("no O_TMPFILE here: see the named-temporary test below")
    if user == "non-root" and os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
    path = folder / "big.svg"
    for _kill in range(repeats):
        _kill_mid_save(path, "anonymous", user)
        assert _ls(folder) == {"big.svg"}  # nothing left, not even for a moment
        assert path.stat().st_size == SAVED_SIZE  # the last complete save, whole


def test_kill_9_with_named_temporaries_is_cleaned_by_the_next_save(user, folder):
    """Without O_TMPFILE, kill -9 leaves a temporary; the next save of that file removes it."""
    if user == "root" and os.geteuid() != 0:
        pytest.skip("the root case needs the suite to run as root")
    if user == "non-root" and os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
    path = folder / "big.svg"
    _kill_mid_save(path, "named", user)
    leftovers = _ls(folder) - {"big.svg"}
    assert len(leftovers) == 1  # the killed save's temporary, as the issue saw
    assert path.stat().st_size == SAVED_SIZE
    (leftover,) = leftovers
    assert leftover.startswith(".") and leftover.endswith(".tmp") and len(leftover) <= 30
    other = folder / "other.svg"
    write_text_atomically(other, "x")  # another file's save leaves it alone
    assert leftover in _ls(folder)
    with _named_temporaries():
        write_text_atomically(path, "small\n")
    assert _ls(folder) == {"big.svg", "other.svg"}
    assert path.read_text() == "small\n"


def test_other_hard_links_keep_the_old_content_as_documented(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    os.link(path, tmp_path / "backup.json")
    write_text_atomically(path, "new")
    assert path.read_text() == "new"
    assert (tmp_path / "backup.json").read_text() == "old"


def test_the_readme_states_the_guarantees_these_tests_check():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Saving files") :]
    section = " ".join(section[: section.index("\n## ")].split())
    for claim in (
        "No temporary file is left behind, even by `kill -9`",
        "the next save of the same file, which removes it",
        "keeps its permission bits",
        "`0o666` minus your umask",
        "A symlink is followed",
        "A device, a FIFO or `/dev/stdout` is written directly",
        "A read-only file raises `PermissionError`",
        "128 MiB",
    ):
        assert claim in section, claim
