"""Neuron, Layer and MLP: the building blocks of a small fully connected network."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from autograd import Constant, Value
from nn import torch_bridge
from nn.module import Module, prefixed

ACTIVATIONS = ("relu", "tanh", "sigmoid", None)

Input = Value | float


class Neuron(Module):
    """One unit: ``activation(w . x + b)``.

    Weights and bias start uniform in [-1/sqrt(nin), 1/sqrt(nin)], as in
    PyTorch's ``nn.Linear``; the same ``seed`` gives the same start, and with
    no ``seed`` they are drawn from Python's global ``random`` module, so
    ``random.seed(n)`` first makes them repeatable (as micrograd's demo does).

    >>> neuron = Neuron(2, activation=None, seed=0)
    >>> neuron
    Neuron(2, activation=None)
    >>> [name for name, _param in neuron.named_parameters()]
    ['w.0', 'w.1', 'b']
    >>> neuron.load_state_dict({"w.0": 2.0, "w.1": -1.0, "b": 0.5})
    >>> neuron([3.0, 4.0]).data
    2.5
    """

    def __init__(self, nin: int, activation: str | None = "relu", *, seed: int | None = None):
        _check_size("Neuron", "nin", nin)
        _check_activation("Neuron", activation)
        rng = _generator("Neuron", seed)
        bound = 1.0 / math.sqrt(nin)
        self.nin = nin
        self.activation = activation
        self.w = [Value(rng.uniform(-bound, bound), label=f"w.{index}") for index in range(nin)]
        self.b = Value(rng.uniform(-bound, bound), label="b")

    def __call__(self, x: Sequence[Input]) -> Value:
        # checked inline, as this runs once per neuron per sample; the helper says what is wrong
        try:
            count = len(x)
        except TypeError:
            count = -1
        if count != self.nin:
            _check_inputs("Neuron", self.nin, x)
        w = self.w
        try:
            total = w[0] * x[0]
            for index in range(1, self.nin):
                total = total + w[index] * x[index]
        except TypeError:
            _raise_bad_input("Neuron", x)
            raise
        total = total + self.b
        activation = self.activation
        if activation is None:
            return total
        if activation == "relu":
            return total.relu()
        if activation == "tanh":
            return total.tanh()
        return total.sigmoid()

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{index}", weight) for index, weight in enumerate(self.w)]
        named.append(("b", self.b))
        return named

    def _torch_layout(self) -> list[torch_bridge.TorchLinear]:
        return [torch_bridge.TorchLinear(0, self.nin, 1, self.activation, [("", self)])]

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons that each see the same ``nin`` inputs.

    >>> layer = Layer(3, 2, seed=0)
    >>> layer
    Layer(3 -> 2, activation='relu')
    >>> len(layer([1.0, 2.0, 3.0])), len(layer.parameters())
    (2, 8)
    """

    def __init__(
        self, nin: int, nout: int, activation: str | None = "relu", *, seed: int | None = None
    ):
        _check_size("Layer", "nin", nin)
        _check_size("Layer", "nout", nout)
        _check_activation("Layer", activation)
        rng = _generator("Layer", seed)
        self.nin = nin
        self.nout = nout
        self.activation = activation
        self.neurons = [Neuron(nin, activation, seed=rng.getrandbits(64)) for _index in range(nout)]
        _label_parameters(self)

    def __call__(self, x: Sequence[Input]) -> list[Value]:
        """Always a list of ``nout`` Values, even when ``nout`` is 1."""
        _check_inputs("Layer", self.nin, x)
        # numbers become constant leaves once here rather than once in every neuron
        x = [
            item if isinstance(item, Value) else _constant("Layer", index, item)
            for index, item in enumerate(x)
        ]
        return [neuron(x) for neuron in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = []
        for index, neuron in enumerate(self.neurons):
            named.extend(prefixed(f"neurons.{index}", neuron))
        return named

    def _torch_layout(self) -> list[torch_bridge.TorchLinear]:
        neurons = [(f"neurons.{index}.", neuron) for index, neuron in enumerate(self.neurons)]
        return [torch_bridge.TorchLinear(0, self.nin, self.nout, self.activation, neurons)]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: hidden layers use ``activation``, the last layer is linear.

    ``nouts`` lists each layer's width; calling the MLP returns a single
    Value when the last layer has one neuron, else the list of outputs.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> model
    MLP(2 -> [16, 16] -> 1)
    >>> len(model.parameters())
    337
    >>> model.named_parameters()[-1][0]
    'layers.2.neurons.0.b'
    >>> type(model([0.5, -1.0])).__name__
    'Value'
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "relu",
        *,
        seed: int | None = None,
    ):
        _check_size("MLP", "nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(
                f"MLP: nouts must be a non-empty list of layer widths such as [16, 16, 1], "
                f"got {nouts!r}"
            )
        for index, nout in enumerate(nouts):
            _check_size("MLP", f"nouts[{index}]", nout)
        _check_activation("MLP", activation)
        rng = _generator("MLP", seed)
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = activation
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[index],
                sizes[index + 1],
                activation if index < last else None,
                seed=rng.getrandbits(64),
            )
            for index in range(len(nouts))
        ]
        _label_parameters(self)

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        _check_inputs("MLP", self.nin, x)
        for layer in self.layers:
            x = layer(x)
        if len(x) == 1:
            return x[0]
        return x  # type: ignore[return-value]

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = []
        for index, layer in enumerate(self.layers):
            named.extend(prefixed(f"layers.{index}", layer))
        return named

    @classmethod
    def from_torch(cls, sequential: Any) -> MLP:
        """An MLP equal to a ``torch.nn.Sequential`` of Linear layers with ReLU, Tanh or Sigmoid.

        The inverse of ``to_torch()``: ``MLP.from_torch(model.to_torch())``
        has the same ``state_dict()`` as ``model``. A Sequential that is not
        such a stack (another module, a Linear without bias, sizes that do not
        chain, an activation after the last Linear) raises ValueError naming
        the position. Needs PyTorch (``pip install torch``).
        """
        return torch_bridge.mlp_from_torch(cls, sequential)

    def _torch_layout(self) -> list[torch_bridge.TorchLinear]:
        layout = []
        position = 0
        for layer_index, layer in enumerate(self.layers):
            neurons = [
                (f"layers.{layer_index}.neurons.{index}.", neuron)
                for index, neuron in enumerate(layer.neurons)
            ]
            layout.append(
                torch_bridge.TorchLinear(position, layer.nin, layer.nout, layer.activation, neurons)
            )
            position += 1 if layer.activation is None else 2
        return layout

    def __repr__(self) -> str:
        hidden = self.nouts[:-1]
        shape = (
            f"{self.nin} -> {hidden} -> {self.nouts[-1]}"
            if hidden
            else (f"{self.nin} -> {self.nouts[-1]}")
        )
        if self.activation != "relu":
            return f"MLP({shape}, activation={self.activation!r})"
        return f"MLP({shape})"


def _label_parameters(module: Module) -> None:
    """Label each parameter with its dotted name, so graphs and error messages show it."""
    for name, param in module.named_parameters():
        param.label = name


def _check_size(owner: str, name: str, size: object) -> None:
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"{owner}: {name} must be an int, got {type(size).__name__} {size!r}")
    if size < 1:
        raise ValueError(f"{owner}: {name} must be >= 1, got {size}")


def _check_activation(owner: str, activation: object) -> None:
    if activation is None or (isinstance(activation, str) and activation in ACTIVATIONS):
        return
    raise ValueError(
        f"{owner}: activation must be one of 'relu', 'tanh', 'sigmoid' or None (linear), "
        f"got {activation!r}"
    )


def _generator(owner: str, seed: object) -> random.Random:
    """The random numbers a module starts from: ``seed``'s, or, with no seed, the global ones.

    With ``seed=None`` the generator is seeded from Python's global ``random``
    module, so ``random.seed(n)`` before building a model (as micrograd's demo
    does) makes the run repeatable.
    """
    if seed is None:
        return random.Random(random.getrandbits(64))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{owner}: seed must be an int or None, got {type(seed).__name__} {seed!r}")
    return random.Random(seed)


def _check_inputs(owner: str, nin: int, x: object) -> None:
    try:
        count = len(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{owner} expects a sequence of {nin} numbers or Values, "
            f"got {type(x).__name__} {x!r:.60}"
        ) from None
    if count != nin:
        raise ValueError(f"{owner} expects {nin} inputs, got {count}")


def _raise_bad_input(owner: str, x: Sequence[object]) -> None:
    """Name the input that is neither a number nor a Value (called after a TypeError)."""
    for index, item in enumerate(x):
        if isinstance(item, Value):
            continue
        try:
            Value(item)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"{owner}: input {index} must be a number or a Value, "
                f"got {type(item).__name__} {item!r:.60}"
            ) from None


def _constant(owner: str, index: int, item: object) -> Constant:
    try:
        return Constant(item)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{owner}: input {index} must be a number or a Value, "
            f"got {type(item).__name__} {item!r:.60}"
        ) from None
