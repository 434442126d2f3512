"""Module: the base class that names, saves and loads a model's parameters."""

from __future__ import annotations

import json
import math
import numbers
import os
import pathlib
from collections.abc import Mapping
from typing import Any

from autograd import Value
from autograd.files import atomic_write
from nn import torch_bridge

# The "format" field of a saved file, so load() can tell our files from other JSON.
FILE_FORMAT = "scalar-autograd state_dict"
FILE_VERSION = 1

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

        The file is written next to ``path`` under a temporary name, flushed
        to disk and then renamed over ``path``, so a crash mid-write leaves
        either the old file or the new one, never a truncated one.
        """
        path = pathlib.Path(path)
        state = self.state_dict()
        not_finite = [name for name, value in state.items() if not math.isfinite(value)]
        if not_finite:
            raise ValueError(
                f"save {str(path)!r}: parameters that are not finite numbers cannot be saved "
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
        return path

    def load(self, path: str | os.PathLike[str]) -> None:
        """Set the parameters from a file written by ``save``.

        A file that is not such JSON, or whose names or values do not fit this
        module, raises ValueError naming the path and what is wrong, and
        leaves every parameter unchanged.
        """
        path = pathlib.Path(path)
        where = f"load {str(path)!r}"
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"{where}: not a UTF-8 text file: {error}") from None
        try:
            document = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not valid JSON: {error}") from None
        except _DuplicateKeyError as error:
            raise ValueError(f"{where}: {error}") from None
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ValueError(
                f"{where}: not a saved state_dict (expected a JSON object with "
                f'"format": "{FILE_FORMAT}", as Module.save writes)'
            )
        if document.get("version") != FILE_VERSION:
            raise ValueError(
                f"{where}: unsupported version {document.get('version')!r} "
                f"(this library reads version {FILE_VERSION})"
            )
        state = document.get("state_dict")
        if not isinstance(state, dict):
            raise ValueError(f'{where}: "state_dict" must be a JSON object, got {state!r:.60}')
        try:
            values = _checked_state(self.named_parameters(), state)
        except ValueError as error:
            saved_from = document.get("module")
            note = f" (the file was saved from {saved_from})" if isinstance(saved_from, str) else ""
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
        if _is_real_number(value) and math.isfinite(value):  # type: ignore[arg-type]
            values.append((param, float(value)))  # type: ignore[arg-type]
        else:
            bad.append(f"{name!r}={value!r:.40}")
    if bad:
        shown = ", ".join(bad[:_NAMES_SHOWN])
        more = f" and {len(bad) - _NAMES_SHOWN} more" if len(bad) > _NAMES_SHOWN else ""
        raise ValueError(f"load_state_dict: values that are not finite numbers: {shown}{more}")
    return values


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
    shown = ", ".join(repr(name) for name in names[:_NAMES_SHOWN])
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
            raise _DuplicateKeyError(f"the key {key!r} appears more than once")
        result[key] = value
    return result
