"""Whether HIPS autograd, which installs the same import name ``autograd``, is installed beside us.

HIPS autograd (``pip install autograd``) and scalar-autograd (``pip install
scalar-autograd``) both install a top-level package named ``autograd``. In
one environment, one hides the other (the first on ``sys.path`` wins) or
overwrites its files (both in one site-packages folder). The check looks for
a module that HIPS autograd has and this package does not: one file test
per ``sys.path`` entry, so ``import autograd`` stays fast.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence

HIPS_ONLY_MODULE = "tracer.py"  # autograd/tracer.py is HIPS autograd's tracing core

CONFLICT = (
    "HIPS autograd (the pip package 'autograd') is installed in this environment too, at "
    "{folder}; it and scalar-autograd share the import name 'autograd', so one hides or "
    "overwrites the other: install them in separate virtual environments "
    "(pip uninstall autograd removes HIPS autograd from this one)"
)


def hips_autograd_folders(path: Sequence[str] | None = None) -> list[str]:
    """The ``autograd`` folders on ``path`` (default ``sys.path``) that hold HIPS autograd."""
    folders = []
    for entry in sys.path if path is None else path:
        folder = os.path.join(entry or os.curdir, "autograd")
        if os.path.isfile(os.path.join(folder, HIPS_ONLY_MODULE)):
            folders.append(os.path.abspath(folder))
    return folders


def warn_if_hips_autograd_is_installed() -> None:
    """One RuntimeWarning when HIPS autograd is installed beside this package."""
    folders = hips_autograd_folders()
    if folders:
        warnings.warn(CONFLICT.format(folder=folders[0]), RuntimeWarning, stacklevel=3)
