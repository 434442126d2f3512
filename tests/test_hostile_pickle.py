"""pickle and copy.deepcopy of Value graphs: any depth, the same structure, the same gradients.

Issue 7: both raised RecursionError on a graph 100,000 ops deep, because the
default reduction pickles a node's inputs from inside the node's own.
"""

from __future__ import annotations

import copy
import io
import math
import pickle
import sys

import pytest
from engines import ours
from hypothesis import given, settings
from hypothesis import strategies as st
from programs import points, programs

from autograd import Constant, Value, no_grad, topological_order
from nn import MLP, mse_loss

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def _round_trip(method: str, thing, protocol: int = pickle.HIGHEST_PROTOCOL):
    if method == "pickle":
        return pickle.loads(pickle.dumps(thing, protocol=protocol))
    return copy.deepcopy(thing)


def _same_float(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _assert_same_graph(original: Value, copied: Value) -> None:
    """Walk both graphs side by side: same fields, same shape, shared exactly where shared."""
    twin_of: dict[int, Value] = {}
    originals_seen: dict[int, Value] = {}
    stack = [(original, copied)]
    while stack:
        node, twin = stack.pop()
        if id(node) in twin_of:
            assert twin_of[id(node)] is twin, f"{node!r} was copied twice"
            continue
        assert id(twin) not in originals_seen, f"two nodes were merged into {twin!r}"
        assert twin is not node
        twin_of[id(node)] = twin
        originals_seen[id(twin)] = node
        assert type(twin) is type(node)
        assert _same_float(twin.data, node.data)
        assert _same_float(twin.grad, node.grad)
        assert (twin.label, twin.op, twin.is_leaf) == (node.label, node.op, node.is_leaf)
        assert len(twin.local_grads) == len(node.local_grads)
        for local, twin_local in zip(node.local_grads, twin.local_grads, strict=True):
            assert _same_float(twin_local, local)
        assert len(twin.inputs) == len(node.inputs)
        stack.extend(zip(node.inputs, twin.inputs, strict=True))


def _deep_chain(depth: int) -> tuple[Value, Value, Value]:
    """x and w leaves, and a graph ``depth`` ops deep that uses both all along the way."""
    x = Value(0.3, label="x")
    w = Value(0.999, label="w")
    y = x
    for step in range(depth):
        if step % 4 == 0:
            y = y * w
        elif step % 4 == 1:
            y = y + x  # a leaf shared by every level
        elif step % 4 == 2:
            y = y.tanh()
        else:
            y = y * 0.5  # a Constant
    y.label = "y"
    return x, w, y


@pytest.mark.parametrize("method", ["pickle", "deepcopy"])
def test_a_100000_deep_graph_round_trips_without_recursion(method):
    x, w, y = _deep_chain(100_000)
    depth = 0
    node = y
    while node.inputs:
        node = node.inputs[0]
        depth += 1
    assert depth >= 100_000 > sys.getrecursionlimit()  # deep enough to have failed before

    x2, w2, y2 = _round_trip(method, [x, w, y])
    _assert_same_graph(y, y2)
    y.backward()
    y2.backward()
    assert (x2.grad, w2.grad) == (x.grad, w.grad)
    assert x2.grad != 0.0 and w2.grad != 0.0
    # the leaves pickled beside the graph are the leaves inside it
    node = y2
    while node.inputs:
        node = node.inputs[0]
    assert node is x2
    assert {id(leaf) for leaf in topological_order(y2) if leaf.label == "w"} == {id(w2)}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_protocol_keeps_shared_inputs_shared(protocol):
    a = Value(2.0, label="a")
    square = a * a
    loaded = pickle.loads(pickle.dumps(square, protocol=protocol))
    assert loaded.inputs[0] is loaded.inputs[1]
    assert loaded.local_grads == (2.0, 2.0)
    assert (loaded.data, loaded.op) == (4.0, "*")


@pytest.mark.parametrize("method", ["pickle", "deepcopy"])
def test_constants_labels_grads_and_local_derivatives_survive(method):
    x = Value(0.5, label="x")
    y = (3 * x).tanh() ** 2 - x.exp() / 2
    y.label = "y"
    y.backward()
    copied = _round_trip(method, y)
    _assert_same_graph(y, copied)
    constants = [node for node in topological_order(copied) if type(node) is Constant]
    assert sorted(node.data for node in constants) == [2.0, 2.0, 3.0]


@pytest.mark.parametrize("method", ["pickle", "deepcopy"])
@pytest.mark.parametrize("order", ["leaves first", "graph first"])
def test_leaves_and_intermediates_pickled_together_keep_their_identity(method, order):
    a = Value(1.5, label="a")
    b = Value(-0.5, label="b")
    middle = (a * b).tanh()
    loss = (middle + a) ** 2
    things = [a, b, middle, loss] if order == "leaves first" else [loss, middle, b, a]
    copied = dict(zip(map(id, things), _round_trip(method, things), strict=True))
    a2, b2, middle2, loss2 = (copied[id(thing)] for thing in (a, b, middle, loss))
    assert loss2.inputs[0].inputs[0] is middle2
    assert loss2.inputs[0].inputs[1] is a2
    assert middle2.inputs[0].inputs == (a2, b2)
    loss2.backward()
    loss.backward()
    assert (a2.grad, b2.grad) == (a.grad, b.grad)


@pytest.mark.parametrize("method", ["pickle", "deepcopy"])
def test_backward_on_the_copy_leaves_the_original_alone(method):
    x = Value(0.25, label="x")
    y = x.sigmoid() * x
    copied = _round_trip(method, y)
    copied.backward()
    assert x.grad == 0.0
    y.backward()
    copied_x = copied.inputs[1]
    assert copied_x.grad == x.grad


@settings(deadline=None, max_examples=40)
@given(program=programs(max_inputs=3, max_length=10), data=st.data())
def test_random_graphs_round_trip_exactly(program, data):
    point = data.draw(points(program.n_inputs))
    inputs = [Value(value, label=f"x{index}") for index, value in enumerate(point)]
    try:
        output = program(ours, *inputs)
    except (ValueError, ZeroDivisionError, OverflowError):
        return  # outside an op's domain: nothing to copy
    output.backward()
    protocol = data.draw(st.sampled_from(list(PROTOCOLS)))
    for method in ("pickle", "deepcopy"):
        copied_inputs, copied = _round_trip(method, (inputs, output), protocol)
        _assert_same_graph(output, copied)
        reached = {id(node) for node in topological_order(copied)}
        assert all(id(leaf) in reached for leaf in copied_inputs if leaf.grad != 0.0)
        for leaf, twin in zip(inputs, copied_inputs, strict=True):
            leaf.grad = twin.grad = 0.0
        output.zero_grad()
        copied.zero_grad()
        output.backward()
        copied.backward()
        for leaf, twin in zip(inputs, copied_inputs, strict=True):
            assert _same_float(twin.grad, leaf.grad)


def test_one_pickler_writing_a_graph_in_two_parts_stays_shallow():
    """A Pickler's memo outlives one dump(): the second part refers to the first."""
    _x, _w, middle = _deep_chain(5_000)
    top = middle
    for _ in range(5_000):
        top = top * 1.0
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dump(middle)
    pickler.dump(top)
    buffer.seek(0)
    unpickler = pickle.Unpickler(buffer)
    middle2 = unpickler.load()
    top2 = unpickler.load()
    node = top2
    for _ in range(5_000):
        node = node.inputs[0]
    assert node is middle2


def test_pickling_the_same_deep_graph_again_and_in_a_new_pickler_works():
    _x, _w, y = _deep_chain(5_000)
    first = pickle.dumps(y)
    second = pickle.dumps(y)
    assert first == second
    _assert_same_graph(y, pickle.loads(second))


class Tagged(Value):
    """A user's subclass without __slots__: its own attributes travel too."""


def test_a_subclass_keeps_its_class_and_attributes():
    tagged = Tagged(2.0, label="t")
    tagged.note = "kept"
    y = (tagged * 3.0).tanh()
    for method in ("pickle", "deepcopy"):
        copied = _round_trip(method, y)
        _assert_same_graph(y, copied)
        assert copied.inputs[0].inputs[0].note == "kept"


def test_a_failed_pickle_does_not_spoil_the_next_one():
    """Half-written bookkeeping from a pickle that raised must not make the next one recurse."""
    _x, _w, y = _deep_chain(5_000)
    bad = Tagged(1.0)
    bad.note = lambda: None  # cannot be pickled
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps([y, bad * y])
    for _attempt in range(2):
        _assert_same_graph(y, pickle.loads(pickle.dumps(y)))


def test_nodes_made_under_no_grad_and_leaves_without_local_grads_round_trip():
    x = Value(1.0, label="x")
    with no_grad():
        detached = x * 2.0
    assert detached.is_leaf
    for method in ("pickle", "deepcopy"):
        copied = _round_trip(method, detached)
        assert copied.is_leaf and copied.data == 2.0 and copied.local_grads == ()
        _assert_same_graph(detached, copied)


def test_copy_copy_is_shallow():
    a = Value(1.0)
    b = Value(2.0)
    c = a * b
    shallow = copy.copy(c)
    assert shallow is not c
    assert shallow.inputs[0] is a and shallow.inputs[1] is b
    assert (shallow.data, shallow.op, shallow.local_grads) == (2.0, "*", (2.0, 1.0))


@pytest.mark.parametrize("method", ["pickle", "deepcopy"])
def test_models_pickle_with_their_parameters_and_graphs(method):
    model = MLP(2, [4, 1], seed=0)
    xs = [[0.5, -1.0], [1.0, 2.0]]
    loss = mse_loss([model(x) for x in xs], [1.0, -1.0])
    loss.backward()
    model2, loss2 = _round_trip(method, [model, loss])
    assert repr(model2) == repr(model)
    assert model2.state_dict() == model.state_dict()
    assert [param.grad for param in model2.parameters()] == [
        param.grad for param in model.parameters()
    ]
    in_graph = {id(node) for node in topological_order(loss2)}
    assert all(id(param) in in_graph for param in model2.parameters())
    assert not {id(param) for param in model.parameters()} & in_graph
    assert model2([0.5, -1.0]).data == model([0.5, -1.0]).data
