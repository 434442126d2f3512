"""Build the documentation site, with its Playground, into one folder.

    python docs/build_site.py SITE_DIR

1. ``npm ci``: Pyodide and viz.js at the versions package-lock.json pins.
2. This project's wheel (``pip wheel --no-deps``).
3. ``mkdocs build --strict`` into SITE_DIR.
4. The files the Playground loads, copied into SITE_DIR/assets/playground/:
   Pyodide's core, viz.js, the wheel and ``wheels/wheels.json`` (the list the
   page installs with ``pyodide.unpackArchive``).

The Playground imports nothing outside this package (NumPy is only needed by
compiled replay, graphviz only by ``draw_dot``), so the wheel is all it
installs. Then ``python -m http.server -d SITE_DIR`` serves the whole site,
offline. Needs the ``docs`` extra and Node's ``npm``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND_ASSETS = Path("assets") / "playground"

# what loadPyodide fetches from its indexURL for the core interpreter
PYODIDE_FILES = (
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
# the build of viz.js that defines a global Viz, its WebAssembly inside
VIZ_FILE = Path("@viz-js") / "viz" / "dist" / "viz-global.js"


class BuildError(Exception):
    """A step of the build failed; the message says which and why."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", metavar="SITE_DIR", help="where to build the site")
    arguments = parser.parse_args(argv)
    try:
        build_site(Path(arguments.site_dir))
    except BuildError as error:
        print(f"build_site.py: error: {error}", file=sys.stderr)
        return 1
    print(f"built the site in {arguments.site_dir}; serve it with:")
    print(f"  python -m http.server -d {arguments.site_dir}")
    print("and open http://127.0.0.1:8000/playground/")
    return 0


def build_site(site_dir: Path) -> Path:
    """Everything in the module's docstring; return the Playground page's path."""
    site_dir = site_dir.resolve()
    node_modules = install_node_packages()
    with tempfile.TemporaryDirectory(prefix="wheel-") as wheel_dir:
        wheel = build_wheel(Path(wheel_dir))
        build_docs(site_dir)
        copy_playground_files(site_dir, node_modules, [wheel])
    page = site_dir / "playground" / "index.html"
    if not page.is_file():
        raise BuildError(f"mkdocs did not write {page}: is playground.md in mkdocs.yml's nav?")
    return page


def install_node_packages() -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            "npm is not on PATH: install Node.js (https://nodejs.org, or `apt install npm`)"
        )
    _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], "npm ci")
    return ROOT / "node_modules"


def build_wheel(wheel_dir: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir)]
    if _has_setuptools(77):  # the build backend is here already: no download needed
        command.append("--no-build-isolation")
    _run([*command, str(ROOT)], "pip wheel")
    wheels = sorted(wheel_dir.glob("scalar_autograd-*-py3-none-any.whl"))
    if len(wheels) != 1:
        raise BuildError(f"pip wheel wrote {[path.name for path in wheels]}, not one pure wheel")
    return wheels[0]


def build_docs(site_dir: Path) -> None:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    _run(command, "mkdocs build --strict", {"NO_MKDOCS_2_WARNING": "1"})


def copy_playground_files(site_dir: Path, node_modules: Path, wheels: Sequence[Path]) -> None:
    from autograd.files import write_text_atomically

    assets = site_dir / PLAYGROUND_ASSETS
    pyodide = assets / "vendor" / "pyodide"
    pyodide.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        _copy(node_modules / "pyodide" / name, pyodide / name)
    _copy(node_modules / VIZ_FILE, assets / "vendor" / VIZ_FILE.name)
    wheel_dir = assets / "wheels"
    wheel_dir.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        _copy(wheel, wheel_dir / wheel.name)
    listing = {"wheels": [wheel.name for wheel in wheels]}
    write_text_atomically(wheel_dir / "wheels.json", json.dumps(listing, indent=2) + "\n")


@contextlib.contextmanager
def serving(site_dir: Path) -> Iterator[str]:
    """Serve ``site_dir`` on 127.0.0.1 at a free port, as ``python -m http.server`` does;
    yield its address (``http://127.0.0.1:PORT``). For the tests and the benchmark."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BuildError(f"{source} is missing: did `npm ci` install package-lock.json's versions?")
    shutil.copyfile(source, target)


def _has_setuptools(major: int) -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= major


def _run(command: list[str], what: str, environment: dict[str, str] | None = None) -> None:
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **(environment or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise BuildError(f"{what} failed (exit status {completed.returncode}):\n{output}")


if __name__ == "__main__":
    sys.exit(main())
