"""A backward step in words: each op's derivative rule shown with its numbers, constants named."""

from __future__ import annotations

import pytest

from autograd import Value
from autograd.explain import legend, local_rule_texts, pretty, step_lines
from autograd.names import node_names

OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "neg": lambda a, b: -a,
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "log1p": lambda a, b: a.log1p(),
    "tanh": lambda a, b: a.tanh(),
    "relu": lambda a, b: a.relu(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "abs": lambda a, b: a.abs(),
    "sqrt": lambda a, b: a.sqrt(),
    "sin": lambda a, b: a.sin(),
    "cos": lambda a, b: a.cos(),
}


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_shows_its_rule_ending_in_the_recorded_local_derivative(op):
    a = Value(1.7, label="a")
    b = Value(0.6, label="b")
    node = OPS[op](a, b)
    assert node.op == op
    texts = local_rule_texts(node)
    assert len(texts) == len(node.inputs)
    for symbol, text, local in zip(("u", "v"), texts, node.local_grads, strict=False):
        assert not text.constant
        assert text.text.startswith(f"d out/d {symbol} = ")
        assert (
            text.text.endswith(f" = {local:.6g}") or text.text == f"d out/d {symbol} = {local:.6g}"
        )
        assert "**" not in text.text  # shown as a superscript or ^
        # the formula speaks of u, v and out, never of the rule's own a and b
        formula = text.text.split(" = ")[1]
        assert not {"a", "b"} & set(formula.replace("abs", "").replace("sqrt", "").split())


@pytest.mark.parametrize(
    ("build", "constant_index"),
    [
        (lambda x: x * 4.0, 1),
        (lambda x: 4.0 * x, 0),
        (lambda x: 2.0**x, 0),
        (lambda x: x**2, 1),
        (lambda x: 1.0 - x, 0),
        (lambda x: x / 3.0, 1),
    ],
)
def test_a_constant_operand_is_said_to_be_one(build, constant_index):
    x = Value(1.5, label="x")
    node = build(x)
    texts = local_rule_texts(node)
    symbol = ("u", "v")[constant_index]
    assert texts[constant_index].constant
    assert texts[constant_index].text == f"{symbol} is a constant: not differentiated"
    (step,) = list(node.backward_steps())
    lines = step_lines(step.node, step.upstream, step.contributions, node_names(node))
    constant_name = node_names(node)[node.inputs[constant_index]]
    assert f"  {symbol} = {constant_name} is a constant: not differentiated" in lines
    assert not [line for line in lines if "\u00d7 0 = 0" in line]


def test_tanh_reads_as_the_issue_writes_it():
    u = Value(3.0, label="u")
    (text,) = local_rule_texts(u.tanh())
    assert text.text == "d out/d u = 1 - out\u00b2 = 1 - 0.9951\u00b2 = 0.00986604"
    (ascii_text,) = local_rule_texts(u.tanh(), ascii=True)
    assert ascii_text.text == "d out/d u = 1 - out**2 = 1 - 0.9951**2 = 0.00986604"
    assert ascii_text.text.isascii()


def test_pretty_writes_squares_products_and_powers():
    assert pretty("1 - out**2") == "1 - out\u00b2"
    assert pretty("b*a**(b - 1)") == "b\u00d7a^(b - 1)"
    assert pretty("a**3 + a**25") == "a\u00b3 + a^25"
    assert pretty("b*a**(b - 1)", ascii=True) == "b*a**(b - 1)"


def test_legend_names_the_letters():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    inner = a * b + b**2
    out = inner.tanh()
    names = node_names(out)
    assert legend(out, names) == "out = tanh(u), out is tanh(a*b + b**2), u is a*b + b**2"
    assert legend(inner, names) == "out = u + v, out is a*b + b**2, u is a*b, v is b**2"
