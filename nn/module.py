"""Module: the base class that names, saves and loads a model's parameters."""

from __future__ import annotations

import json
import math
import numbers
import os
import pathlib
import reprlib
import stat
from collections.abc import Mapping
from typing import Any

from autograd import Value
from autograd.files import atomic_write
from nn import torch_bridge

# The "format" field of a saved file, so load() can tell our files from other JSON.
FILE_FORMAT = "scalar-autograd state_dict"
FILE_VERSION = 1

# load() refuses a file larger than this before reading it. A saved parameter
# takes about 50 bytes, so this is room for over two million parameters; pass
# max_bytes= to load() for a larger file.
MAX_FILE_BYTES = 128 * 1024 * 1024

# Error messages list at most this many offending names, then say how many more.
_NAMES_SHOWN = 10


class Module:
    """A model: something with named parameters.

    A subclass lists its parameters explicitly by overriding
    ``named_parameters()``; everything else (``parameters``, ``zero_grad``,
    ``state_dict``, ``load_state_dict``, ``save``, ``load``) is built on it.

    >>> from autograd import Value
    >>> class Line(Module):
    ...     def __init__(self):
    ...         self.slope = Value(2.0)
    ...         self.intercept = Value(1.0)
    ...     def named_parameters(self):
    ...         return [("slope", self.slope), ("intercept", self.intercept)]
    >>> Line().state_dict()
    {'slope': 2.0, 'intercept': 1.0}
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its stable dotted name, such as ``layers.0.neurons.3.w.1``."""
        return []

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters()``."""
        return [param for _name, param in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set ``.grad = 0.0`` on every parameter."""
        for param in self.parameters():
            param.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """A dict from each parameter's name to its current value."""
        return {name: param.data for name, param in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``state``, which must hold exactly this module's names.

        Missing or unexpected names, or a value that is not a finite number,
        raise ValueError naming them, and then no parameter is changed.

        For a Neuron, Layer or MLP, ``state`` may also be a PyTorch state dict
        (``torch_module.state_dict()``, keys such as ``0.weight`` holding
        tensors), mapped onto our names as ``to_torch()`` maps them.

        >>> from nn import Neuron
        >>> neuron = Neuron(1, activation=None, seed=0)
        >>> neuron.load_state_dict({"w.0": 2.0, "b": 1.0})
        >>> neuron([3.0]).data
        7.0
        >>> neuron.load_state_dict({"w.0": 2.0})
        Traceback (most recent call last):
        ...
        ValueError: load_state_dict: missing key 'b'
        """
        layout = self._torch_layout()
        if layout is not None and torch_bridge.looks_like_torch_state(state):
            state = torch_bridge.state_from_torch(layout, state)  # type: ignore[arg-type]
        values = _checked_state(self.named_parameters(), state)
        for param, value in values:
            param.data = value

    def to_torch(self) -> Any:
        """The same model as a float64 ``torch.nn.Sequential``, with copies of the parameters.

        Each of our layers becomes a ``torch.nn.Linear`` followed by its
        activation module; docs/pytorch.md maps the names. Needs PyTorch
        (``pip install torch``); without it, an ImportError says so.
        """
        layout = self._torch_layout()
        if layout is None:
            raise NotImplementedError(
                f"{type(self).__name__}.to_torch(): only Neuron, Layer and MLP know their "
                "PyTorch form; build the torch module by hand and copy state_dict() values over"
            )
        return torch_bridge.to_torch(self, layout)

    def _torch_layout(self) -> list[torch_bridge.TorchLinear] | None:
        """Where each layer sits in the PyTorch form; None for a module that has none."""
        return None

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write ``state_dict()`` to ``path`` as JSON, atomically; returns the path.

        The file goes through ``autograd.files.atomic_write``: it is complete
        on disk before it replaces ``path``, so a crash mid-write leaves the
        old file or the new one, never a truncated one; a symlink is followed,
        a read-only file is refused, an existing file keeps its permissions.
        """
        shown = os.fspath(path)
        state = self.state_dict()
        not_finite = [name for name, value in state.items() if not math.isfinite(value)]
        if not_finite:
            raise ValueError(
                f"save {str(shown)!r}: parameters that are not finite numbers cannot be saved "
                f"(JSON has no NaN or inf): {_name_list(not_finite)}"
            )
        document = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "module": repr(self),
            "state_dict": state,
        }
        with atomic_write(path) as file:
            json.dump(document, file, indent=1, allow_nan=False)
            file.write("\n")
        return pathlib.Path(path)

    def load(self, path: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES) -> None:
        """Set the parameters from a file written by ``save``.

        A file that is not such JSON, or whose names or values do not fit this
        module, raises ValueError naming the path and what is wrong (quoting
        at most a short excerpt of the file), and leaves every parameter
        unchanged. A file larger than ``max_bytes`` (``MAX_FILE_BYTES``, 128
        MiB, by default) is refused before it is read; from a device or a
        FIFO at most ``max_bytes + 1`` bytes are read.
        """
        where = f"load {str(os.fspath(path))!r}"
        if type(max_bytes) is not int or max_bytes < 0:
            raise ValueError(f"{where}: max_bytes must be an int >= 0, got {_short(max_bytes)}")
        text = _read_text(path, where, max_bytes)
        try:
            document = json.loads(
                text, object_pairs_hook=_reject_duplicate_keys, parse_int=_parse_json_int
            )
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not valid JSON: {error}") from None
        except _DuplicateKeyError as error:
            raise ValueError(f"{where}: {error}") from None
        except RecursionError:
            raise ValueError(
                f"{where}: not a saved state_dict: its JSON is nested too deeply to read"
            ) from None
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ValueError(
                f"{where}: not a saved state_dict (expected a JSON object with "
                f'"format": "{FILE_FORMAT}", as Module.save writes)'
            )
        version = document.get("version")
        if type(version) is not int or version != FILE_VERSION:  # not 1.0, not true
            raise ValueError(
                f"{where}: unsupported version {_short(version)} "
                f"(this library reads version {FILE_VERSION}, the integer)"
            )
        state = document.get("state_dict")
        if not isinstance(state, dict):
            raise ValueError(f'{where}: "state_dict" must be a JSON object, got {_short(state)}')
        try:
            values = _checked_state(self.named_parameters(), state)
        except ValueError as error:
            saved_from = document.get("module")
            note = f" (the file was saved from {_shown_text(saved_from)})" if saved_from else ""
            raise ValueError(f"{where}: {error}{note}") from None
        for param, value in values:
            param.data = value


def prefixed(prefix: str, module: Module) -> list[tuple[str, Value]]:
    """``module``'s named parameters with ``prefix.`` in front of each name.

    >>> from nn import Neuron
    >>> [name for name, _param in prefixed("neurons.0", Neuron(2, seed=0))]
    ['neurons.0.w.0', 'neurons.0.w.1', 'neurons.0.b']
    """
    return [(f"{prefix}.{name}", param) for name, param in module.named_parameters()]


def _checked_state(
    named_parameters: list[tuple[str, Value]], state: object
) -> list[tuple[Value, float]]:
    """Pair each parameter with its new value from ``state``, or raise before changing anything."""
    if not isinstance(state, Mapping):
        raise TypeError(
            f"load_state_dict: expected a mapping from names to numbers, got {type(state).__name__}"
        )
    expected = {name: param for name, param in named_parameters}
    missing = [name for name in expected if name not in state]
    unexpected = [key for key in state if key not in expected]
    problems = []
    if missing:
        problems.append(f"missing {_plural('key', missing)} {_name_list(missing)}")
    if unexpected:
        problems.append(f"unexpected {_plural('key', unexpected)} {_name_list(unexpected)}")
    if problems:
        raise ValueError("load_state_dict: " + "; ".join(problems))

    values = []
    bad = []
    for name, param in named_parameters:
        value = state[name]
        number = _finite_float(value)
        if number is None:
            bad.append(f"{name!r}={_short(value)}")
        else:
            values.append((param, number))
    if bad:
        shown = ", ".join(bad[:_NAMES_SHOWN])
        more = f" and {len(bad) - _NAMES_SHOWN} more" if len(bad) > _NAMES_SHOWN else ""
        raise ValueError(f"load_state_dict: values that are not finite numbers: {shown}{more}")
    return values


def _finite_float(value: object) -> float | None:
    """``value`` as a finite float, or None if it is not a real number or does not fit one."""
    if not _is_real_number(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (OverflowError, ValueError):  # an int such as 10**400 has no float
        return None
    return number if math.isfinite(number) else None


def _is_real_number(value: object) -> bool:
    """An int or float (NumPy's included), but not a bool, a string or None."""
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real):
        return True
    return getattr(getattr(value, "dtype", None), "kind", None) in ("i", "u", "f") and (
        getattr(value, "ndim", None) == 0
    )


def _plural(word: str, items: list[object]) -> str:
    return word if len(items) == 1 else word + "s"


def _name_list(names: list[str]) -> str:
    shown = ", ".join(_short(name) for name in names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        shown += f" and {len(names) - _NAMES_SHOWN} more"
    return shown


class _DuplicateKeyError(ValueError):
    pass


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """json's object hook: a key given twice is an error, not a silent last-one-wins."""
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"the key {_short(key)} appears more than once")
        result[key] = value
    return result


def _read_text(path: str | os.PathLike[str], where: str, max_bytes: int) -> str:
    """The file's text, refusing a file over ``max_bytes`` before reading it."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno())
        if stat.S_ISREG(size.st_mode) and size.st_size > max_bytes:
            raise ValueError(
                f"{where}: the file is {size.st_size:,} bytes, more than the {max_bytes:,} "
                "bytes load() reads (pass max_bytes= to load a larger file)"
            )
        raw = file.read(max_bytes + 1)  # bounded even for /dev/zero or a FIFO
    if len(raw) > max_bytes:
        raise ValueError(
            f"{where}: more than the {max_bytes:,} bytes load() reads "
            "(pass max_bytes= to load a larger file)"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: not a UTF-8 text file: {error}") from None


# Digits beyond which a JSON integer cannot be a float (1e308 has 309), and
# beyond which int() itself refuses (Python's 4,300-digit limit).
_MAX_INT_DIGITS = 400


class _HugeInteger:
    """A JSON integer too long to be a parameter, kept short for the error message."""

    __slots__ = ("digits",)

    def __init__(self, digits: str) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"{self.digits[:12]}...({len(self.digits.lstrip('-')):,} digits)"


def _parse_json_int(digits: str) -> int | _HugeInteger:
    if len(digits) > _MAX_INT_DIGITS:
        return _HugeInteger(digits)
    return int(digits)


# How error messages quote what a file holds: short, escaped, never deeply nested.
_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlong = 40
_SHORT.maxlevel = 2
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = 4


def _short(value: object) -> str:
    """A repr of at most 80 characters, with control characters escaped."""
    try:
        shown = _SHORT.repr(value)
    except ValueError:  # an int too long for repr()
        return f"<{type(value).__name__} too long to show>"
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _shown_text(text: object) -> str:
    """A name from the file: as is when short and printable, else as a short repr."""
    if isinstance(text, str) and len(text) <= 80 and text.isprintable():
        return text
    return _short(text)
