"""Which ops of a graph are one neuron applied to one sample, found from the graph and the model.

A neuron is the innermost module of a parameter's dotted name (``layers.0.neurons.2``
for ``layers.0.neurons.2.w.1``; a hand-written ``Neuron`` passed as ``params`` is
one neuron of its own). One application of it to a sample is a connected set of
ops that each use one of its parameters directly (``w1 * x1``, ``… + b``), that
join two such sets (the sum of the products), or that apply an activation to
one. Each application uses each parameter of the neuron at most once: that is
what tells two samples apart, since they share the parameters and nothing
else. Nothing here knows about MLPs, layers or losses; the loss's ops simply
belong to no neuron.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from autograd.names import ParameterName
from autograd.value import Constant, Value

__all__ = ["ACTIVATIONS", "NeuronApplication", "module_title", "neuron_applications"]

# Ops that finish a neuron when applied to its weighted sum (nn.Neuron's activations)
ACTIVATIONS = frozenset({"tanh", "relu", "sigmoid"})

_ZH_KINDS = {"layer": "第 {index} 层", "neuron": "神经元 {index}"}


class NeuronApplication(NamedTuple):
    """One neuron applied to one sample: its ops, its output and its parameters."""

    group: tuple[str, ...]  # the dotted module names around the neuron: ("layers.0", ...)
    sample: int  # 0 for the first application of this neuron in the forward pass, ...
    nodes: tuple[Value, ...]  # its ops, inputs first (the output last)
    output: Value
    parameters: tuple[Value, ...]  # the parameters it uses, in the model's order
    title: str  # "layer 0, neuron 2"


def module_title(groups: tuple[str, ...], lang: str = "en") -> str:
    """``("layers.0", "layers.0.neurons.2")`` as ``layer 0, neuron 2`` (``第 0 层，神经元 2``)."""
    from autograd.strings import text

    titles = []
    for group in groups:
        parts = group.split(".")
        if len(parts) >= 2 and parts[-1].isdigit() and not parts[-2].isdigit():
            kind = parts[-2]
            if kind.endswith("s") and len(kind) > 1:
                kind = kind[:-1]
            if lang == "zh" and kind in _ZH_KINDS:
                titles.append(_ZH_KINDS[kind].format(index=parts[-1]))
            else:
                titles.append(f"{kind} {parts[-1]}")
        else:
            titles.append(parts[-1])
    if not titles:
        return text(lang, "neuron")
    return text(lang, "list_separator").join(titles)


def neuron_applications(
    nodes: list[Value], parameters: Mapping[Value, ParameterName], lang: str = "en"
) -> list[NeuronApplication]:
    """Every application of a neuron in ``nodes`` (inputs first), in the order they were computed.

    ``parameters`` names the model's parameters (``autograd.names.parameter_names``).
    One pass over the nodes, merging sets as a union-find does, so no recursion.
    """
    group_of: dict[int, tuple[str, ...]] = {}  # set id -> the neuron's module names
    params_of: dict[int, set[Value]] = {}  # set id -> the parameters its ops use directly
    members: dict[int, list[Value]] = {}
    set_of: dict[Value, int] = {}  # an op -> the id of the set it belongs to
    for node in nodes:
        if node._input_a is None:
            continue
        inputs = node.inputs
        direct = [item for item in inputs if item in parameters]
        joined = []  # the sets of this node's inputs
        for item in inputs:
            found = set_of.get(item)
            if found is not None and found not in joined:
                joined.append(found)
        if direct:
            groups = {parameters[item].groups for item in direct}
            if len(groups) != 1 or len(set(direct)) != len(direct):
                continue  # mixes neurons, or uses one weight twice: not one neuron's op
            (group,) = groups
            own = set(direct)
            into = [found for found in joined if group_of[found] == group]
        elif len(joined) >= 2 and len(joined) == len(
            [item for item in inputs if type(item) is not Constant]
        ):
            groups = {group_of[found] for found in joined}
            if len(groups) != 1:
                continue
            (group,) = groups
            own = set()
            into = joined
        elif len(inputs) == 1 and joined and node.op in ACTIVATIONS:
            group = group_of[joined[0]]
            own = set()
            into = joined
        else:
            continue
        used = set(own)
        disjoint = True
        for found in into:
            if used & params_of[found]:
                disjoint = False
                break
            used |= params_of[found]
        if not disjoint:
            continue  # two samples of one neuron meet here (the loss adds them): not a neuron op
        new = len(group_of)
        group_of[new] = group
        params_of[new] = used
        members[new] = [node]
        for found in into:
            members[new] = members.pop(found) + members[new]
            del params_of[found]
            for member in members[new]:
                set_of[member] = new
        set_of[node] = new
    position = {node: index for index, node in enumerate(nodes)}
    reading = _reading_order(nodes[-1]) if nodes else {}
    found_sets = []
    for identity, ops in members.items():
        inside = set(ops)
        # the output: the one op that no other op of the set uses
        used_inside = {item for op in ops for item in op.inputs if item in inside}
        outputs = [op for op in ops if op not in used_inside]
        if len(outputs) != 1:
            continue
        ops.sort(key=position.__getitem__)
        found_sets.append((reading[outputs[0]], identity, ops, outputs[0]))
    found_sets.sort(key=lambda found: found[0])
    order = {param: index for index, param in enumerate(parameters)}
    samples: dict[tuple[str, ...], int] = {}
    applications = []
    for _where, identity, ops, output in found_sets:
        group = group_of[identity]
        sample = samples.get(group, 0)
        samples[group] = sample + 1
        used = sorted(params_of[identity], key=order.__getitem__)
        applications.append(
            NeuronApplication(
                group, sample, tuple(ops), output, tuple(used), module_title(group, lang)
            )
        )
    return applications


def _reading_order(root: Value) -> dict[Value, int]:
    """Each node's place when the graph is read left to right, inputs first.

    ``(d0 + d1) + d2`` lists d0, d1, d2: the order the user wrote the samples in,
    which the backward order (the last input first) is not.
    """
    order: dict[Value, int] = {}
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if node in order:
            continue
        if inputs_done or node._input_a is None:
            order[node] = len(order)
            continue
        stack.append((node, True))
        for item in reversed(node.inputs):  # the first input is read first
            if item not in order:
                stack.append((item, False))
    return order
