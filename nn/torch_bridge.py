"""The bridge to PyTorch: our Neuron, Layer and MLP as torch.nn.Sequential, and back.

Our ``MLP`` is a list of layers of neurons; PyTorch keeps a layer as one
``torch.nn.Linear`` with a weight matrix (one row per neuron) and a bias
vector. So ``layers.i.neurons.j.w.k`` is ``weight[j, k]`` and
``layers.i.neurons.j.b`` is ``bias[j]`` of the Linear that stands for layer i,
which sits at position ``2 * i`` of the Sequential when the hidden layers
have an activation (a ReLU, Tanh or Sigmoid module follows each hidden
Linear) and at position ``i`` when they have none. docs/pytorch.md shows the
table. torch is imported only inside these functions: ``import nn`` never
needs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autograd import Value

if TYPE_CHECKING:
    from nn.layers import MLP, Neuron
    from nn.module import Module

# our activation names and the torch.nn module class for each
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}

INSTALL_HINT = "pip install torch (see https://pytorch.org/get-started/locally/)"


def require_torch(what: str) -> Any:
    """The torch module, or an ImportError that says ``what`` needs it and how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError(f"{what} needs PyTorch, which is not installed: {INSTALL_HINT}") from None


@dataclass
class TorchLinear:
    """Where one of our layers lives in the torch Sequential, and its neurons with their names."""

    index: int  # the Linear's position in the Sequential: its keys are "{index}.weight"/".bias"
    nin: int
    nout: int
    activation: str | None
    neurons: list[tuple[str, Neuron]]  # (our name prefix such as "layers.0.neurons.3.", neuron)

    @property
    def weight_key(self) -> str:
        return f"{self.index}.weight"

    @property
    def bias_key(self) -> str:
        return f"{self.index}.bias"


def torch_names(layout: list[TorchLinear]) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Each of our parameter names -> (torch state_dict key, index into that tensor)."""
    names: dict[str, tuple[str, tuple[int, ...]]] = {}
    for linear in layout:
        for row, (prefix, neuron) in enumerate(linear.neurons):
            for column in range(neuron.nin):
                names[f"{prefix}w.{column}"] = (linear.weight_key, (row, column))
            names[f"{prefix}b"] = (linear.bias_key, (row,))
    return names


def to_torch(module: Module, layout: list[TorchLinear]) -> Any:
    """A float64 torch.nn.Sequential of Linear and activation modules with ``module``'s values."""
    torch = require_torch(f"{type(module).__name__}.to_torch()")
    layers = []
    state = {}
    for linear in layout:
        if len(layers) != linear.index:
            raise AssertionError(f"layout index {linear.index} is not position {len(layers)}")
        # skip_init: no random initialization (it would move torch's global random state)
        layers.append(
            torch.nn.utils.skip_init(torch.nn.Linear, linear.nin, linear.nout, dtype=torch.float64)
        )
        if linear.activation is not None:
            layers.append(getattr(torch.nn, TORCH_ACTIVATIONS[linear.activation])())
        state[linear.weight_key] = torch.tensor(
            [[weight.data for weight in neuron.w] for _prefix, neuron in linear.neurons],
            dtype=torch.float64,
        )
        state[linear.bias_key] = torch.tensor(
            [neuron.b.data for _prefix, neuron in linear.neurons], dtype=torch.float64
        )
    sequential = torch.nn.Sequential(*layers)
    sequential.load_state_dict(state)
    return sequential


def looks_like_torch_state(state: object) -> bool:
    """A mapping with keys such as ``0.weight``: ours never end in ``.weight`` or ``.bias``."""
    return isinstance(state, Mapping) and any(
        isinstance(key, str) and (key.endswith(".weight") or key.endswith(".bias")) for key in state
    )


def state_from_torch(layout: list[TorchLinear], state: Mapping[str, object]) -> dict[str, object]:
    """Our flat name -> number dict from a torch state dict (tensors, arrays or nested lists).

    Missing or unexpected keys, or a tensor of the wrong shape, raise
    ValueError naming them; values are checked later, with our names.
    """
    expected: dict[str, tuple[int, ...]] = {}
    for linear in layout:
        expected[linear.weight_key] = (linear.nout, linear.nin)
        expected[linear.bias_key] = (linear.nout,)
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    problems = []
    if missing:
        problems.append("missing " + ", ".join(repr(key) for key in missing))
    if unexpected:
        problems.append("unexpected " + ", ".join(repr(key) for key in unexpected))
    if problems:
        raise ValueError(
            "load_state_dict: this looks like a PyTorch state dict (keys such as '0.weight') "
            f"but does not fit this model: {'; '.join(problems)}"
        )
    nested = {}
    for key, shape in expected.items():
        value = state[key]
        as_list = value.tolist() if hasattr(value, "tolist") else value
        found = _shape(as_list)
        if isinstance(found, str):
            raise ValueError(
                f"load_state_dict: {key!r} must hold numbers of shape {shape}, found {found}"
            )
        if found != shape:
            raise ValueError(
                f"load_state_dict: {key!r} has shape {found}, expected {shape} "
                f"({'nout x nin' if len(shape) == 2 else 'nout'} of this layer)"
            )
        nested[key] = as_list
    ours: dict[str, object] = {}
    for linear in layout:
        weights = nested[linear.weight_key]
        biases = nested[linear.bias_key]
        for row, (prefix, neuron) in enumerate(linear.neurons):
            for column in range(neuron.nin):
                ours[f"{prefix}w.{column}"] = weights[row][column]  # type: ignore[index]
            ours[f"{prefix}b"] = biases[row]  # type: ignore[index]
    return ours


def mlp_from_torch(mlp_class: type[MLP], sequential: object) -> MLP:
    """An MLP with the layers and values of a Sequential of Linear and activation modules."""
    torch = require_torch("MLP.from_torch()")
    where = "MLP.from_torch"
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"{where}: expected a torch.nn.Sequential of Linear and activation modules, "
            f"got {type(sequential).__name__}"
            + (
                "; wrap it: torch.nn.Sequential(linear)"
                if isinstance(sequential, torch.nn.Linear)
                else ""
            )
        )
    activation_of = {name: ours for ours, name in TORCH_ACTIVATIONS.items()}
    linears = []
    activations = []
    # the Sequential's state by position ("2.weight"), which is how our layers map to it; a
    # Sequential built from an OrderedDict names its modules (fc1, act, fc2) instead
    state: dict[str, object] = {}
    previous_was_linear = False
    for position, (name, module) in enumerate(sequential.named_children()):
        index = name if name == str(position) else f"{position}: {name!r}"
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            if previous_was_linear and activations:
                raise ValueError(
                    f"{where}: [{index}] Linear follows a Linear with no activation between, "
                    "but other hidden layers have one; an MLP uses one activation throughout"
                )
            if module.bias is None:
                raise ValueError(
                    f"{where}: [{index}] Linear has no bias (bias=False); every neuron here has one"
                )
            if linears and module.in_features != linears[-1].out_features:
                raise ValueError(
                    f"{where}: [{index}] Linear takes {module.in_features} inputs but the layer "
                    f"before gives {linears[-1].out_features}"
                )
            linears.append(module)
            state[f"{position}.weight"] = module.weight.detach()
            state[f"{position}.bias"] = module.bias.detach()
            previous_was_linear = True
        elif kind in activation_of and type(module) is getattr(torch.nn, kind):
            if not previous_was_linear:
                raise ValueError(
                    f"{where}: [{index}] {kind} must follow a Linear (one activation per layer)"
                )
            activations.append(activation_of[kind])
            previous_was_linear = False
        else:
            raise ValueError(
                f"{where}: [{index}] {kind} is not supported; an MLP is Linear layers with "
                "ReLU, Tanh or Sigmoid between them"
            )
    if not linears:
        raise ValueError(f"{where}: the Sequential has no Linear layer")
    if not previous_was_linear:
        raise ValueError(
            f"{where}: the Sequential ends with {type(sequential[-1]).__name__}; "
            "the last layer of an MLP is linear (no activation after it)"
        )
    hidden = len(linears) - 1
    if activations and len(activations) != hidden:
        raise ValueError(
            f"{where}: {hidden} hidden layers but {len(activations)} activations; "
            "an MLP has one after every hidden layer or none at all"
        )
    if len(set(activations)) > 1:
        raise ValueError(
            f"{where}: the hidden layers use different activations ({', '.join(activations)}); "
            "an MLP uses one activation throughout"
        )
    if activations:
        activation: str | None = activations[0]
    elif hidden:
        activation = None
    else:
        activation = "relu"  # one Linear: no hidden layer, so the activation plays no part
    model = mlp_class(
        linears[0].in_features,
        [linear.out_features for linear in linears],
        activation,
        seed=0,
    )
    model.load_state_dict(state)
    return model


def _shape(nested: object) -> tuple[int, ...] | str:
    """The shape of a nested list of numbers, or a short description of what it is instead."""
    if isinstance(nested, (list, tuple)):
        if not nested:
            return (0,)
        inner = [_shape(item) for item in nested]
        for item in inner:
            if isinstance(item, str):
                return item  # what is there instead of a number says more than a ragged shape
        first = inner[0]
        if any(item != first for item in inner):
            return "rows of different lengths"
        return (len(nested), *first)
    if isinstance(nested, (int, float, Value)) and not isinstance(nested, bool):
        return ()
    return f"a {type(nested).__name__} ({nested!r:.40})"
