"""Value construction, attributes, repr and identity semantics."""

from __future__ import annotations

import gc
import math
import sys
from fractions import Fraction

import numpy as np
import pytest

from autograd import Value


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (2, 2.0),
        (2.5, 2.5),
        (True, 1.0),
        (False, 0.0),
        (np.float64(1.5), 1.5),
        (np.float32(0.5), 0.5),
        (np.float16(0.25), 0.25),
        (np.int64(-3), -3.0),
        (np.uint8(7), 7.0),
        (np.bool_(True), 1.0),
        (np.array(2.5), 2.5),
        (np.array(4, dtype=np.int32), 4.0),
        (Fraction(1, 4), 0.25),
        (math.inf, math.inf),
        (-math.inf, -math.inf),
    ],
)
def test_data_is_stored_as_python_float(data, expected) -> None:
    value = Value(data)
    assert type(value.data) is float
    assert value.data == expected


def test_nan_is_accepted_as_data() -> None:
    assert math.isnan(Value(math.nan).data)
    assert math.isnan(Value(np.float64("nan")).data)


@pytest.mark.parametrize(
    ("data", "type_name"),
    [
        ("1.0", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0], "list"),
        (np.array([1.0, 2.0]), "ndarray"),
        (np.array("x"), "ndarray"),
        (np.complex128(1), "complex128"),
    ],
)
def test_other_data_raises_type_error_naming_the_type(data, type_name) -> None:
    with pytest.raises(TypeError, match=rf"Value\(\): expected .* got {type_name}"):
        Value(data)


def test_a_value_is_not_valid_data() -> None:
    with pytest.raises(TypeError, match=r"got a Value"):
        Value(Value(1.0))


def test_too_large_int_raises_overflow_error_saying_so() -> None:
    with pytest.raises(OverflowError, match=r"too large for a float"):
        Value(10**400)


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match=r"label must be a str, got int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_attributes_of_a_new_leaf() -> None:
    value = Value(2.0, label="w")
    assert value.data == 2.0
    assert value.grad == 0.0
    assert type(value.grad) is float
    assert value.label == "w"
    assert value.op == ""
    assert value.inputs == ()
    assert value.local_grads == ()
    assert value.is_leaf


def test_data_grad_and_label_are_assignable() -> None:
    value = Value(2.0)
    value.data = 5.0
    value.grad = 1.5
    value.label = "renamed"
    assert (value.data, value.grad, value.label) == (5.0, 1.5, "renamed")


def test_the_engine_keeps_its_fields_in_slots_and_only_grad_in_the_dict() -> None:
    a = Value(1.0)
    node = (a * 2.0 + a).tanh()
    node.backward()
    for item in (a, node, *node.inputs):
        assert item.__dict__ == {"grad": item.grad}  # nothing else of ours per node
    assert Value(1.0, label="a").__dict__ == {"grad": 0.0, "label": "a"}
    assert {"data", "op", "_input_a", "_local_a"} <= set(Value.__slots__)
    assert not {"grad", "label"} & set(Value.__slots__)


@pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11),
    reason="the byte count is CPython 3.11's layout (docs/performance.md)",
)
@pytest.mark.parametrize(
    ("operand", "nodes", "bytes_before"),
    [("a Value", 1, 128), ("a number, made a Constant", 2, 232)],
)
def test_an_op_node_costs_at_most_8_bytes_more_than_before_values_took_attributes(
    operand: str, nodes: int, bytes_before: int
) -> None:
    # regression: the __dict__ for attributes of the user's own cost every node 24 bytes
    # (152, was 128) until grad took the entry CPython keeps free in each instance's dict
    import tracemalloc

    a = Value(1.5)
    b = Value(2.5) if nodes == 1 else 2.5
    count = 20_000
    kept: list[Value | None] = [None] * count
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(count):
            kept[index] = a * b  # the Value and its data float (and the Constant)
        per_product = (tracemalloc.get_traced_memory()[0] - before) / count
    finally:
        tracemalloc.stop()
    assert per_product <= bytes_before + 8 * nodes + 0.5, (operand, per_product)
    assert kept[-1].grad == 0.0 and kept[-1].inputs[1].grad == 0.0  # type: ignore[union-attr]


def test_repeated_operand_is_repeated_in_inputs() -> None:
    a = Value(3.0)
    square = a * a
    assert square.inputs == (a, a)
    assert square.inputs[0] is a
    assert square.inputs[1] is a


def test_inputs_keep_operand_order() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a - b).inputs == (a, b)
    assert (b - a).inputs == (b, a)
    assert (a / b).inputs == (a, b)


def test_repr_shows_label_data_grad_and_op() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    w = Value(-0.31, label="w1")
    w.grad = 0.12
    assert repr(w) == "Value(label='w1', data=-0.31, grad=0.12)"
    assert repr(w * 2) == "Value(data=-0.62, grad=0.0, op='*')"
    assert repr((w * 2).inputs[1]) == "Constant(data=2.0, grad=0.0)"


def test_repr_of_a_deep_graph_does_not_recurse() -> None:
    node = Value(0.0)
    for _ in range(5000):
        node = node + 1.0
    assert repr(node) == "Value(data=5000.0, grad=0.0, op='+')"


def test_values_hash_and_compare_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b
    assert len({a, b, a}) == 2
    lookup = {a: "a", b: "b"}
    assert lookup[a] == "a"
    assert lookup[b] == "b"


def test_float_conversion_reads_data() -> None:
    assert float(Value(2.5) * 2) == 5.0


def tracked_allocations(make, count: int = 1000) -> float:
    """GC-tracked objects that ``make()`` leaves alive per call (what the cycle collector scans)."""
    a, b = Value(1.0), Value(2.0)
    kept = [None] * count
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        for index in range(count):
            kept[index] = make(a, b)
        after = gc.get_count()[0]
    finally:
        gc.enable()
    return (after - before) / count


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b: a * b,
        lambda a, b: a + b,
        lambda a, b: a / b,
        lambda a, b: a.tanh(),
        lambda a, b: a.relu(),
        lambda a, b: a**b,
    ],
)
def test_an_op_node_is_a_single_gc_tracked_allocation(make) -> None:
    assert tracked_allocations(make) == pytest.approx(1.0, abs=0.01)


def test_a_number_operand_adds_one_constant_leaf() -> None:
    assert tracked_allocations(lambda a, b: a * 2.0) == pytest.approx(2.0, abs=0.01)


def test_a_graph_frees_without_the_cycle_collector() -> None:
    # no closure per node means no reference cycle: refcounting alone frees a graph
    gc.disable()
    try:
        gc.collect()
        a = Value(1.0)
        output = (a * 2 + 1).tanh()
        output.backward()
        del output
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_jupyter_shows_a_small_graph_as_svg_and_a_huge_one_as_text() -> None:
    from autograd import render

    x = Value(1.0, label="x")
    small = (x * 2.0).tanh()
    assert small._repr_svg_().lstrip().startswith(("<?xml", "<svg"))
    huge = x
    for _ in range(render.MAX_NODES):
        huge = huge + 1.0
    assert huge._repr_svg_() is None  # IPython then falls back to the text repr
    assert repr(huge).startswith("Value(data=")
