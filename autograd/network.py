"""The stepper's network level: one box per neuron per sample, one step through each whole neuron.

Built from the neuron applications that ``autograd.neurons`` finds in the graph
(so it works for any model whose parameters are named, not only ``nn.MLP``).
Each application is one node of the network drawing, with its data drawn
beside it; every op outside a neuron (the loss's) is a node of its own. A
backward step at this level applies the chain rule through a whole neuron: it
is the neuron's scalar steps taken together, and the page can open them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from autograd.backprop import BackwardStep
from autograd.explain import legend
from autograd.names import NamedGraph
from autograd.render import _escape_record, _escape_text, _markup
from autograd.strings import text
from autograd.text import display_text, format_number
from autograd.value import Constant, Value

__all__ = ["NetworkNode", "network_nodes", "network_steps"]

_FILL_NEURON = "#e0e7ff"
_FILL_OP_VALUE = "#ffffff"
_FILL_DATA = "#dcfce7"
_FILL_CONSTANT = "#f3f4f6"
_FILL_OP = "#fef3c7"


class NetworkNode(NamedTuple):
    """One node of the network level: a neuron applied to a sample, or one op outside neurons."""

    output: Value  # the Value the node stands for: the neuron's output, or the op's result
    application: Any  # autograd.neurons.NeuronApplication, or None for an op of its own
    steps: tuple[BackwardStep, ...]  # its scalar steps, in backward's order
    inputs: tuple[Value, ...]  # the Values it reads that other nodes compute, or leaves


def network_nodes(
    nodes: list[Value], backward_steps: list[BackwardStep], named: NamedGraph
) -> list[NetworkNode]:
    """The network level's nodes in the order its backward pass visits them (the root first).

    A node's output comes after all its inputs in ``nodes`` (inputs first), so
    visiting outputs from the last to the first visits every node after all
    the nodes that use it: a valid order for the chain rule, neuron by neuron.
    """
    position = {node: index for index, node in enumerate(nodes)}
    step_of = {step.node: step for step in backward_steps}
    application_of = {}
    for application in named.applications:
        for op in application.nodes:
            application_of[op] = application
    found = []
    for application in named.applications:
        members = set(application.nodes)
        rank = {param: index for index, param in enumerate(application.parameters)}
        inputs = []
        read_with = {}  # an input -> the place of the parameter it is multiplied by (x1 by w1)
        for op in application.nodes:
            for item in op.inputs:
                if item not in members and item not in inputs:
                    inputs.append(item)
            for item, other in zip(op.inputs, reversed(op.inputs), strict=True):
                if other in rank and item not in rank:
                    read_with[item] = min(read_with.get(item, len(rank)), rank[other])
        inputs.sort(key=lambda item: (read_with.get(item, len(rank)), position[item]))
        steps = tuple(
            step_of[op] for op in sorted(application.nodes, key=position.__getitem__, reverse=True)
        )
        found.append(NetworkNode(application.output, application, steps, tuple(inputs)))
    for node in nodes:
        if node._input_a is None or node in application_of:
            continue
        found.append(NetworkNode(node, None, (step_of[node],), node.inputs))
    found.sort(key=lambda item: position[item.output], reverse=True)
    return found


def network_steps(
    plan: list[NetworkNode],
    nodes: list[Value],
    named: NamedGraph,
    scalar_steps: list[dict[str, Any]],
    parameters: dict[Value, Any],
    rankdir: str,
    lang: str,
) -> tuple[str, dict[str, Any]]:
    """The network drawing's DOT text, and the page's data for the network level.

    ``scalar_steps`` are the page's scalar steps, in the order of ``plan``'s steps.
    """
    position = {node: index for index, node in enumerate(nodes)}
    names = named.names
    represented = {item.output: item for item in plan}  # a Value drawn as a network node
    application_of = {}
    for item in plan:
        if item.application is not None:
            for op in item.application.nodes:
                application_of[op] = item
    # what the network drawing shows: its nodes, and the leaves the loss's ops read
    drawn = set(represented)
    for item in plan:
        if item.application is None:
            drawn.update(value for value in item.output.inputs if value._input_a is None)
    shown: dict[Value, float] = dict.fromkeys(nodes, 0.0)
    widest = dict(shown)
    reads = _neurons_read(plan, nodes)
    steps = []
    inner_start = 0
    for number, item in enumerate(plan, start=1):
        before = {value: shown[value] for value in (item.output, *item.inputs)}
        received: dict[Value, float] = {}
        for step in item.steps:
            shown[step.node] = step.upstream
            for contribution in step.contributions:
                if type(contribution.input) is Constant:
                    continue
                shown[contribution.input] += contribution.contribution
                if contribution.input in item.inputs:
                    received[contribution.input] = (
                        received.get(contribution.input, 0.0) + contribution.contribution
                    )
        for value in (item.output, *item.inputs):
            if len(format_number(shown[value])) > len(format_number(widest[value])):
                widest[value] = shown[value]
        index = position[item.output]
        drawn_inputs = [value for value in item.inputs if value in drawn]
        changes = [
            _change(position[value], before[value], shown[value])
            for value in (item.output, *item.inputs)
            if _has_grad(value) and value in drawn
        ]
        inner = list(range(inner_start, inner_start + len(item.steps)))
        inner_start += len(item.steps)
        upstream = _number(item.steps[0].upstream)
        entry: dict[str, Any] = {
            "node": index,
            "inputs": sorted({position[value] for value in drawn_inputs if _has_grad(value)}),
            "changes": changes,
            "inner": inner,
            "output": index,
        }
        if item.application is not None:
            application = item.application
            entry["group"] = names[item.output]
            entry["heading"] = text(
                lang,
                "net_heading",
                number=number,
                count=len(plan),
                name=names[item.output],
                formula=named.formulas[item.output],
                upstream=upstream,
            )
            entry["legend"] = text(lang, "net_explain", ops=len(item.steps))
            entry["lines"] = []
            entry["table"] = _receives_table(
                item, application, received, shown, names, parameters, lang
            )
            entry["edges"] = [
                f"E{index}_{position[value]}" for value in drawn_inputs if value in represented
            ]
            # no gradient flows to the data (constants): its edge stays plain
        else:
            (scalar,) = [scalar_steps[k] for k in inner]
            node = item.output
            entry["group"] = names[node]
            entry["heading"] = text(
                lang,
                "net_heading_op",
                number=number,
                count=len(plan),
                name=names[node],
                op=node.op,
                upstream=upstream,
            )
            entry["legend"] = legend(node, names, lang=lang)
            if reads[node]:
                what = _neurons_text(reads[node], names, lang)
                entry["legend"] = text(lang, "net_reads", what=what) + " " + entry["legend"]
            entry["lines"] = scalar["lines"]
            entry["table"] = []
            entry["edges"] = [f"E{index}_out"] + [
                f"E{index}_{k}"
                for k, value in enumerate(node.inputs)
                if type(value) is not Constant
            ]
        steps.append(entry)
    source = _network_dot(plan, nodes, named, parameters, represented, widest, rankdir, lang)
    value_nodes = sorted(position[value] for value in drawn if _has_grad(value))
    root = position[plan[0].output] if plan else 0
    return source, {"steps": steps, "valueNodes": value_nodes, "root": root}


def _neurons_read(plan: list[NetworkNode], nodes: list[Value]) -> dict[Value, list[Any]]:
    """For each op outside the neurons, the neuron applications its value is computed from."""
    application_at = {item.output: item.application for item in plan if item.application}
    reads: dict[Value, list[Any]] = {}
    for node in nodes:  # inputs first
        if node._input_a is None or node in application_at:
            continue
        found: list[Any] = []
        for item in node.inputs:
            for application in (
                [application_at[item]] if item in application_at else reads.get(item, [])
            ):
                if application not in found:
                    found.append(application)
        reads[node] = found
    return reads


def _neurons_text(applications: list[Any], names: dict[Value, str], lang: str) -> str:
    """``layer 1, neuron 0 (samples 0, 1, 2, 3)``, or one application's own name."""
    if len(applications) == 1:
        return names[applications[0].output]
    samples: dict[str, list[int]] = {}
    for application in applications:
        samples.setdefault(application.title, []).append(application.sample)
    parts = [
        text(lang, "net_samples", title=title, samples=", ".join(map(str, sorted(numbers))))
        for title, numbers in samples.items()
    ]
    return text(lang, "list_separator").join(parts)


def _receives_table(
    item: NetworkNode,
    application: Any,
    received: dict[Value, float],
    shown: dict[Value, float],
    names: dict[Value, str],
    parameters: dict[Value, Any],
    lang: str,
) -> list[list[str]]:
    """What the neuron's weights, bias and inputs receive in this step, and their grads after."""
    weights = {value for op in application.nodes if op.op == "*" for value in op.inputs} & set(
        application.parameters
    )
    rows = []
    for param in application.parameters:
        short = parameters[param].short
        key = "net_weight" if param in weights else "net_bias"
        rows.append(
            [
                text(lang, key, name=short),
                _number(received.get(param, 0.0)),
                _number(shown[param]),
            ]
        )
    for value in item.inputs:
        if value in parameters:
            continue
        if _is_data(value, parameters):
            continue
        rows.append(
            [
                text(lang, "net_input", name=names[value]),
                _number(received.get(value, 0.0)),
                _number(shown[value]),
            ]
        )
    data = [value for value in item.inputs if _is_data(value, parameters)]
    if data:
        rows.append([text(lang, "net_data", name=_data_text(data, names)), "-", "-"])
    return rows


def _network_dot(
    plan: list[NetworkNode],
    nodes: list[Value],
    named: NamedGraph,
    parameters: dict[Value, Any],
    represented: dict[Value, NetworkNode],
    widest: dict[Value, float],
    rankdir: str,
    lang: str,
) -> str:
    position = {node: index for index, node in enumerate(nodes)}
    names = named.names
    stack = rankdir in ("TB", "BT")
    by_sample: dict[int, list[str]] = {}
    outside: list[str] = []
    edges: list[str] = []
    drawn_leaves: set[Value] = set()
    for item in reversed(plan):  # inputs first, as the scalar drawing
        index = position[item.output]
        node_id = f"N{index}"
        value = item.output
        if item.application is not None:
            fields = [
                _escape_record(_markup(names[value])),
                _escape_record(_markup(named.formulas[value])),
                f"data {_escape_record(format_number(value.data))}",
                f"grad {_escape_record(format_number(widest[value]))}",
            ]
            lines = by_sample.setdefault(item.application.sample, [])
            lines.append(
                f'{node_id} [label="{_record(fields, stack)}" id={node_id} shape=record '
                f'style="rounded,filled" fillcolor="{_FILL_NEURON}" class=neuron '
                f'tooltip="{_escape_text(_markup(names[value]))}"]\n'
            )
            data = [value for value in item.inputs if _is_data(value, parameters)]
            if data:
                # the sample's features beside the neuron that reads them
                data_id = f"D{index}"
                lines.append(
                    f'{data_id} [label="{_escape_text(_markup(_data_text(data, names)))}" '
                    f'id={data_id} shape=box style="rounded,filled" fillcolor="{_FILL_DATA}" '
                    "fontsize=10]\n"
                )
                edges.append(f"\t{data_id} -> {node_id} [id=E{index}_data]\n")
            for input_value in item.inputs:
                if input_value in represented:  # another neuron, or an op: its parameters are
                    edges.append(  # in the step's table, not drawn
                        f"\tN{position[input_value]} -> {node_id} "
                        f"[id=E{index}_{position[input_value]}]\n"
                    )
            continue
        fields = [
            _escape_record(_markup(names[value])),
            f"data {_escape_record(format_number(value.data))}",
            f"grad {_escape_record(format_number(widest[value]))}",
        ]
        width = " penwidth=2" if item is plan[0] else ""
        outside.append(
            f'{node_id} [label="{_record(fields, stack)}" id={node_id} shape=record{width}]\n'
        )
        outside.append(
            f'{node_id}_op [label="{_escape_text(display_text(value.op, 20))}" id={node_id}_op '
            f'shape=ellipse style=filled fillcolor="{_FILL_OP}" fontsize=10 height=0.3 '
            'margin="0.03,0.01"]\n'
        )
        for k, input_value in enumerate(value.inputs):
            if input_value not in represented and input_value not in drawn_leaves:
                outside.append(_leaf_line(input_value, position, names, widest))
                drawn_leaves.add(input_value)
            edges.append(f"\tN{position[input_value]} -> {node_id}_op [id=E{index}_{k}]\n")
        edges.append(f"\t{node_id}_op -> {node_id} [id=E{index}_out]\n")
    lines = [
        "digraph network {\n",
        f"\tgraph [rankdir={rankdir} ranksep=0.3 nodesep=0.15]\n",
        "\tnode [fontname=Helvetica fontsize=11]\n",
        "\tedge [arrowsize=0.7]\n",
    ]
    lines += ["\t" + line for line in outside]
    for sample in sorted(by_sample):
        title = text(lang, "sample", sample=sample)
        lines.append(
            f"\tsubgraph cluster_sample{sample} {{\n"
            f'\t\tgraph [label="{_escape_text(title)}" style="rounded,dashed" color="#94a3b8" '
            'fontname=Helvetica fontsize=10 fontcolor="#475569"]\n'
        )
        lines += ["\t\t" + line for line in by_sample[sample]]
        lines.append("\t}\n")
    lines += edges
    lines.append("}\n")
    return "".join(lines)


def _leaf_line(
    value: Value, position: dict[Value, int], names: dict[Value, str], widest: dict[Value, float]
) -> str:
    node_id = f"N{position[value]}"
    if type(value) is Constant:
        return (
            f'{node_id} [label="{_escape_text(format_number(value.data))}" id={node_id} '
            f'shape=box style="dashed,filled" fillcolor="{_FILL_CONSTANT}"]\n'
        )
    fields = [
        _escape_record(_markup(names[value])),
        f"data {_escape_record(format_number(value.data))}",
        f"grad {_escape_record(format_number(widest[value]))}",
    ]
    return (
        f'{node_id} [label="{" | ".join(fields)}" id={node_id} shape=record style=filled '
        'fillcolor="#dbeafe"]\n'
    )


def _record(fields: list[str], stack: bool) -> str:
    label = " | ".join(fields)
    return "{ " + label + " }" if stack else label


def _data_text(data: list[Value], names: dict[Value, str]) -> str:
    """A sample's features as one line: ``x = (2, 3)``, or the data's own names."""
    if all(type(value) is Constant for value in data):
        numbers = ", ".join(format_number(value.data) for value in data)
        return f"x = ({numbers})" if len(data) > 1 else f"x = {numbers}"
    return ", ".join(f"{names[value]} = {format_number(value.data)}" for value in data)


def _is_data(value: Value, parameters: dict[Value, Any]) -> bool:
    """A leaf that is not a parameter: a constant or a Value of the data."""
    return value._input_a is None and value not in parameters


def _has_grad(value: Value) -> bool:
    return type(value) is not Constant


def _change(index: int, before: float, after: float) -> list[Any]:
    return [index, format_number(before), repr(before), format_number(after), repr(after)]


def _number(number: float) -> str:
    return f"{number:.6g}"
