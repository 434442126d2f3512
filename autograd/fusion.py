"""Fusion: a traced Wengert list packed into array-wide and matrix statements.

``compile_graph`` writes one NumPy statement per scalar op, each over a column
of samples. A layer of 16 neurons runs the same statements 16 times on
different weights, and each neuron's ``acc + w_j * x_j`` chain is a dot
product. This pass finds both, on the statements alone (it never looks for an
``nn.MLP``):

1. **Sums of products.** Every tree of ``+`` statements, each used once, is
   one sum; a term ``w * x`` (used once) whose one factor is a parameter or a
   constant and whose other factor is not, is a *product term*. Sums at the
   same level of the graph whose product terms share the same other factors
   ``x_1 .. x_K`` in the same order are the lanes of one matrix statement:
   ``Z[L] = W[LxK] @ X[K] + b[L]``, its weights gathered from the parameters.
2. **Packs.** Statements at the same level with the same op whose operands
   come from a pack (the rows of an earlier fused result), or are the same
   value in every lane, or are parameters or constants, run as one statement
   over a (lanes x samples) array: ``H[16] = relu(Z[16])``.

Whatever does not pack stays one statement per op, as in the unfused program,
so a graph with no repeated structure runs as before. The adjoints follow the
fused statements backwards: ``gX = W.T @ gZ`` and ``gW += gZ @ X.T`` (the sum
over samples of each sample's outer product) for a matrix statement, the op's
own derivative formula over whole packs for the others.

The matrix products sum in another order than the scalar chain, so results
agree with the scalar engine to rounding, not bit for bit (see
``docs/compiled.md``). The fused code does not apply the masking rule or name
a sample in a domain error itself: a non-finite gradient, or an operand outside
an op's domain, sends the batch to the unfused program, which does both.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from autograd.value import DERIVATIVES

Statement = tuple[str, str, tuple[str, ...]]  # (target, op, operands): t2 = t0 * p1

# A matrix statement must replace at least this many multiply-adds (lanes x terms):
# a lone neuron's w*x + b stays scalar code, as it reads best that way.
MIN_MATRIX_TERMS = 4

_DOMAIN_CHECKED = {"/", "**", "log", "log1p", "sqrt", "sin", "cos"}
_BARE_NAME = re.compile(r"[A-Za-z_]\w*\Z")
# the names the fused code gives its arrays (Z1, H2_2, W1, b1, c1, X1, R1, their adjoints gZ1)
_FUSED_NAME = re.compile(r"g?[ZHWXRbc]\d+(_\d+)?\Z|count\Z")


class NeedsUnfused(Exception):  # noqa: N818 -- a signal, caught by Program, never shown
    """An operand left an op's domain: the unfused program reruns the batch and names the sample."""


@dataclass(eq=False)
class Pack:
    """A fused result: one (lanes x samples) array whose rows are statements' values."""

    name: str
    rows: tuple[str, ...]


@dataclass(eq=False)
class Lanes:
    """How a fused statement reads one operand across its lanes.

    ``kind`` is ``same`` (one value for every lane, broadcast), ``pack`` (rows
    ``index`` of ``pack``), ``leaf`` (a parameter or constant per lane,
    gathered) or ``rows`` (values from anywhere, stacked into a new array).
    """

    kind: str
    slots: tuple[str, ...]
    pack: Pack | None = None
    index: tuple[int, ...] = ()
    name: str = ""  # the variable holding it, for leaf and rows operands


@dataclass(eq=False)
class MatrixStatement:
    """``target = weights @ shared + terms...``: a group of sums of products."""

    target: Pack
    weights: Lanes  # kind leaf, L*K slots row-major
    shape: tuple[int, int]
    shared: Lanes  # K values, kind pack or rows
    terms: tuple[Lanes, ...]
    per_sample: bool  # whether ``weights @ shared`` already has a column per sample


@dataclass(eq=False)
class PackStatement:
    """``target = op(operands)``: isomorphic statements over a pack."""

    target: Pack
    op: str
    operands: tuple[Lanes, ...]


@dataclass(frozen=True)
class SumOfProducts:
    root: int  # the statement index of the outermost +
    lane_factors: tuple[str, ...]  # the parameter or constant of each product term
    shared: tuple[str, ...]  # the other factor of each product term
    plain: tuple[str, ...]  # the terms that are not products
    absorbed: tuple[int, ...]  # the + and * statements the sum replaces


class Fused:
    """The fused program: its statements in order, and the code and text made from them."""

    def __init__(
        self,
        macros: list[Any],
        packs: dict[str, Pack],
        *,
        constants: dict[str, float],
        input_names: list[str],
        param_names: list[str],
        output: str,
        on_a_path: set[str],
    ) -> None:
        self.macros = macros
        self.pack_of: dict[str, tuple[Pack, int]] = {}
        for pack in packs.values():
            for row, slot in enumerate(pack.rows):
                self.pack_of[slot] = (pack, row)
        self.constants = constants
        self.input_names = input_names
        self.param_names = param_names
        self.params = {f"p{index}": index for index in range(len(param_names))}
        self.output = output
        self.on_a_path = on_a_path
        self.indices: dict[str, Any] = {}  # index arrays the code reads, by name
        self.leaf_constants: list[float] = []
        self._name_leaves()
        self.matrices = sum(isinstance(macro, MatrixStatement) for macro in macros)
        self.packed = sum(not isinstance(macro, tuple) for macro in macros)

    def runtime(self, checks: dict[str, Any]) -> dict[str, Any]:
        """What the fused code reads besides NumPy: index arrays and a few helpers."""
        import numpy as np

        def rows(count: int, *values: Any) -> Any:
            stacked = np.empty((len(values), count))
            for row, value in enumerate(values):
                stacked[row] = value
            return stacked

        def guard(check: str, *operands: Any) -> None:
            try:
                checks[f"_check_{check}"](*operands, "fused")
            except (ArithmeticError, ValueError, TypeError):
                raise NeedsUnfused(check) from None

        namespace = dict(self.indices)
        namespace.update(
            _rows=rows, _guard=guard, _leaf_constants=np.array(self.leaf_constants, dtype=float)
        )
        return namespace

    # ---- names and index arrays ----

    def _name_leaves(self) -> None:
        import numpy as np

        constant_position: dict[str, int] = {}
        count = len(self.param_names)

        def leaf_index(slot: str) -> int:
            if slot in self.params:
                return self.params[slot]
            if slot not in constant_position:
                constant_position[slot] = count + len(self.leaf_constants)
                self.leaf_constants.append(self.constants[slot])
            return constant_position[slot]

        vectors = 0
        for macro in self.macros:
            if isinstance(macro, MatrixStatement):
                number = macro.target.name[1:]
                lanes, terms = macro.shape
                macro.weights.name = f"W{number}"
                self.indices[f"_{macro.weights.name}"] = np.array(
                    [leaf_index(slot) for slot in macro.weights.slots], dtype=np.intp
                ).reshape(lanes, terms)
                leaf_terms = [term for term in macro.terms if term.kind == "leaf"]
                for position, term in enumerate(leaf_terms):
                    term.name = f"b{number}" if position == 0 else f"b{number}_{position + 1}"
                operands: tuple[Lanes, ...] = tuple(leaf_terms)
                if macro.shared.kind == "rows":
                    macro.shared.name = f"X{number}"
            elif isinstance(macro, PackStatement):
                operands = tuple(op for op in macro.operands if op.kind == "leaf")
            else:
                continue
            for operand in operands:
                if not operand.name:
                    vectors += 1
                    operand.name = f"c{vectors}"
                self.indices[f"_{operand.name}"] = np.array(
                    [[leaf_index(slot)] for slot in operand.slots], dtype=np.intp
                )
        rows = 0
        for macro in self.macros:
            if isinstance(macro, PackStatement):
                for operand in macro.operands:
                    if operand.kind == "rows" and not operand.name:
                        rows += 1
                        operand.name = f"R{rows}"

    def _index_name(self, index: tuple[int, ...]) -> str:
        import numpy as np

        name = f"_i{len(self.indices)}"
        self.indices[name] = np.array(index, dtype=np.intp)
        return name

    # ---- expressions ----

    def slot_code(self, slot: str) -> str:
        """A single value as the code reads it: a column, a parameter, a row of a pack."""
        if slot in self.pack_of:
            pack, row = self.pack_of[slot]
            return f"{pack.name}[{row}]"
        return slot

    def lanes_code(self, lanes: Lanes) -> str:
        if lanes.kind == "same":
            return self.slot_code(lanes.slots[0])
        if lanes.kind in ("leaf", "rows"):
            return lanes.name
        return self._rows_of(_source(lanes), lanes.index)

    def _rows_of(self, pack: Pack, index: tuple[int, ...]) -> str:
        if index == tuple(range(len(pack.rows))):
            return pack.name
        start = index[0]
        if index == tuple(range(start, start + len(index))):
            return f"{pack.name}[{start}:{start + len(index)}]"
        return f"{pack.name}[{self._index_name(index)}]"

    def lanes_text(self, lanes: Lanes) -> str:
        if lanes.kind == "same":
            return self.slot_code(lanes.slots[0])
        if lanes.kind in ("leaf", "rows"):
            return f"{lanes.name}[{len(lanes.slots)}]"
        code = self._rows_of(_source(lanes), lanes.index)
        if "[_i" in code:
            shown = ", ".join(map(str, lanes.index[:4]))
            code = f"{lanes.pack.name}[{shown}{', ...' if len(lanes.index) > 4 else ''}]"
        return code if "[" in code else f"{code}[{len(lanes.slots)}]"

    # ---- the generated code ----

    def source(self, *, per_sample: bool) -> tuple[str, list[str]]:
        """The replay function's source, and the lines str(program) shows.

        ``per_sample`` gives each sample's gradient (``Program.run``); without
        it, the gradient summed over the batch (``Program.accumulate``).
        """
        from autograd.compiled import _FORWARD

        code: list[str] = []
        text: list[str] = []
        arguments = ", ".join(self.input_names)
        code.append(f"def replay({arguments}{', ' if arguments else ''}_theta, count):")
        leaf = "_theta"
        if self.leaf_constants:
            code.append("    _leaf = np.concatenate((_theta, _leaf_constants))")
            leaf = "_leaf"
        scalar_params = self._scalar_params()
        for index in sorted(scalar_params):
            code.append(f"    p{index} = _theta[{index}]")
        code.append("    # forward: matrix and pack statements over (lanes x samples) arrays")
        for macro in self.macros:
            if isinstance(macro, tuple):
                target, op, operands = macro
                expression = _FORWARD[op].format(
                    a=self.slot_code(operands[0]),
                    b=self.slot_code(operands[1]) if len(operands) > 1 else "",
                )
                exponents = operands[1:] if op == "**" else ()
                self._domain_guard(code, op, [self.slot_code(o) for o in operands], exponents)
                code.append(f"    {target} = {expression}")
                text.append(f"{target} = {_plain(expression)}")
                continue
            if isinstance(macro, MatrixStatement):
                weights = macro.weights
                lanes, terms = macro.shape
                code.append(f"    {weights.name} = {leaf}[_{weights.name}]")
                shared = macro.shared
                if shared.kind == "rows":
                    rows = ", ".join(self.slot_code(slot) for slot in shared.slots)
                    code.append(f"    {shared.name} = _rows(count, {rows})")
                    text.append(f"{shared.name}[{terms}] = [{_plain(rows)}]")
                product = "*" if terms == 1 else "@"  # one term: an outer product
                sum_code = [f"{weights.name} {product} {self.lanes_code(shared)}"]
                sum_text = [f"{weights.name}[{lanes}x{terms}] @ {self.lanes_text(shared)}"]
                for term in macro.terms:
                    if term.kind == "leaf":
                        code.append(f"    {term.name} = {leaf}[_{term.name}]")
                    elif term.kind == "rows":
                        term.name = term.name or f"{macro.target.name}_term"
                        rows = ", ".join(self.slot_code(slot) for slot in term.slots)
                        code.append(f"    {term.name} = _rows(count, {rows})")
                    sum_code.append(self.lanes_code(term))
                    sum_text.append(self.lanes_text(term))
                if macro.per_sample:
                    code.append(f"    {macro.target.name} = {sum_code[0]}")
                    for term_code in sum_code[1:]:  # into the product's own array, no new one
                        code.append(f"    {macro.target.name} += {term_code}")
                else:  # the product is one column for all samples: the terms widen it
                    code.append(f"    {macro.target.name} = {' + '.join(sum_code)}")
                text.append(f"{macro.target.name}[{lanes}] = {' + '.join(sum_text)}")
                continue
            for operand in macro.operands:
                if operand.kind == "leaf":
                    code.append(f"    {operand.name} = {leaf}[_{operand.name}]")
                elif operand.kind == "rows":
                    rows = ", ".join(self.slot_code(slot) for slot in operand.slots)
                    code.append(f"    {operand.name} = _rows(count, {rows})")
            operands_code = [self.lanes_code(op) for op in macro.operands]
            operands_text = [self.lanes_text(op) for op in macro.operands]
            exponents = macro.operands[1].slots if macro.op == "**" else ()
            self._domain_guard(code, macro.op, operands_code, exponents)
            if macro.op == "relu":
                expression = f"np.maximum({operands_code[0]}, 0.0)"
            else:
                expression = _FORWARD[macro.op].format(
                    a=operands_code[0], b=operands_code[1] if len(operands_code) > 1 else ""
                )
            shown = _FORWARD[macro.op].format(
                a=operands_text[0], b=operands_text[1] if len(operands_text) > 1 else ""
            )
            code.append(f"    {macro.target.name} = {expression}")
            text.append(f"{macro.target.name}[{len(macro.target.rows)}] = {_plain(shown)}")
        writer = _AdjointWriter(self, per_sample=per_sample)
        writer.write()
        code.append("    # adjoints: the chain rule over the same statements, output first")
        code.extend(f"    {line}" for line in writer.code)
        output = self.slot_code(self.output)
        code.append(f"    return {output}, _grad")
        return "\n".join(code) + "\n", [*text, "adjoints:", *writer.text]

    def _scalar_params(self) -> set[int]:
        used = set()
        for macro in self.macros:
            if isinstance(macro, tuple):
                slots: tuple[str, ...] = macro[2]
            elif isinstance(macro, PackStatement):
                slots = tuple(op.slots[0] for op in macro.operands if op.kind == "same")
                slots += tuple(
                    slot for op in macro.operands if op.kind == "rows" for slot in op.slots
                )
            else:
                slots = tuple(slot for term in macro.terms if term.kind == "same"
                              for slot in term.slots[:1])  # fmt: skip
                slots += tuple(
                    slot
                    for lanes in (macro.shared, *macro.terms)
                    if lanes.kind == "rows"
                    for slot in lanes.slots
                )
            used.update(self.params[slot] for slot in slots if slot in self.params)
        if self.output in self.params:
            used.add(self.params[self.output])
        return used

    def _domain_guard(
        self, code: list[str], op: str, operands: list[str], exponents: tuple[str, ...]
    ) -> None:
        """A check that sends the batch to the unfused program if an operand leaves the domain."""
        from autograd.compiled import _CHECK_NAME

        if op not in _DOMAIN_CHECKED:
            return
        check = _CHECK_NAME[op]
        if op == "**":
            powers = [self.constants.get(exponent) for exponent in exponents]
            if all(p is not None and p >= 0.0 and p.is_integer() for p in powers):
                return  # a whole, non-negative power is defined for every base
            if any(power is None for power in powers):
                check = "power_of_values"  # as the scalar engine: a Value exponent needs base > 0
        code.append(f"    _guard({check!r}, {', '.join(operands)})")


class _AdjointWriter:
    """The adjoint statements of a fused program, in reverse order of its statements."""

    def __init__(self, fused: Fused, *, per_sample: bool) -> None:
        self.fused = fused
        self.per_sample = per_sample
        self.code: list[str] = []
        self.text: list[str] = []
        self.assigned: set[str] = set()
        self.owned: set[str] = set()
        self.temporaries = 0

    def write(self) -> None:
        fused = self.fused
        shape = "(len(_theta), count)" if self.per_sample else "len(_theta)"
        self.code.append(f"_grad = np.zeros({shape})")
        output = fused.output
        if output not in fused.on_a_path:
            self.text.append("none (the output does not depend on any parameter)")
            return
        if output in fused.pack_of:
            pack, row = fused.pack_of[output]
            self._add_row(pack, row, "1.0", f"g{pack.name}[{row}] = 1")
        else:
            name = _adjoint(output)
            self.code.append(f"{name} = 1")
            self.text.append(f"{name} = 1")
            self.assigned.add(name)
        for macro in reversed(fused.macros):
            if isinstance(macro, tuple):
                self._scalar(macro)
            elif isinstance(macro, MatrixStatement):
                self._matrix(macro)
            else:
                self._pack(macro)
        for index in range(len(fused.param_names)):
            name = f"gp{index}"
            if name in self.assigned:
                if self.per_sample:
                    self.code.append(f"_grad[{index}] += {name}")
                else:
                    self.code.append(f"_grad[{index}] += _total({name}, count)")

    # ---- one statement's adjoints ----

    def _scalar(self, statement: Statement) -> None:
        from autograd.compiled import _substitute

        target, op, operands = statement
        upstream = _adjoint(target)
        if upstream not in self.assigned:
            return
        fused = self.fused
        names = {"out": target, "a": fused.slot_code(operands[0])}
        if len(operands) > 1:
            names["b"] = fused.slot_code(operands[1])
        for operand, formula in zip(operands, DERIVATIVES[op].formulas, strict=False):
            if operand not in fused.on_a_path:
                continue
            if op == "**" and fused.constants.get(operands[1]) == 0.0:
                continue  # a ** 0 is the constant 1
            contribution = _product(upstream, _code(_substitute(formula, names)))
            self._add_value(operand, contribution)

    def _pack(self, macro: PackStatement) -> None:
        from autograd.compiled import _substitute

        target = macro.target.name
        upstream = f"g{target}"
        if upstream not in self.assigned:
            return
        fused = self.fused
        operands = [fused.lanes_code(lanes) for lanes in macro.operands]
        names = {"out": target, "a": operands[0]}
        if len(operands) > 1:
            names["b"] = operands[1]
        for lanes, formula in zip(macro.operands, DERIVATIVES[macro.op].formulas, strict=False):
            if not any(slot in fused.on_a_path for slot in lanes.slots):
                continue
            exponents = macro.operands[1].slots if macro.op == "**" else ()
            if exponents and all(fused.constants.get(e) == 0.0 for e in exponents):
                continue  # a ** 0 is the constant 1
            if macro.op == "relu":
                # step(a) read off the output: relu(a) is 0 exactly where a <= 0, and NaN
                # (step 1) where a is NaN. An inf upstream times 0 gives NaN here, which
                # sends the batch to the masked unfused program (np.where would cost 5x).
                contribution = f"{upstream} * ({target} != 0.0)"
            else:
                contribution = _product(upstream, _code(_substitute(formula, names)))
            self._add_lanes(lanes, contribution)

    def _matrix(self, macro: MatrixStatement) -> None:
        upstream = f"g{macro.target.name}"
        if upstream not in self.assigned:
            return
        fused = self.fused
        for term in macro.terms:
            if any(slot in fused.on_a_path for slot in term.slots):
                self._add_lanes(term, upstream)
        weights = macro.weights.name
        shared = fused.lanes_code(macro.shared)
        if any(slot in fused.on_a_path for slot in macro.shared.slots):
            # one lane: the product is an outer product, which broadcasting does faster
            product = "*" if macro.shape[0] == 1 else "@"
            self._add_lanes(macro.shared, f"{weights}.T {product} {upstream}")
        if any(slot in fused.params for slot in macro.weights.slots):
            if self.per_sample:
                outer = f"({upstream}[:, None, :] * {shared}[None, :, :]).reshape(-1, count)"
            else:
                outer = f"({upstream} @ {shared}.T).ravel()"
            self._scatter(macro.weights, outer, f"g{weights} += {upstream} @ {shared}.T")

    # ---- adding a contribution to an operand's adjoint ----

    def _add_lanes(self, lanes: Lanes, contribution: str) -> None:
        fused = self.fused
        if lanes.kind == "same":
            self._add_value(lanes.slots[0], f"np.sum({contribution}, axis=0)")
        elif lanes.kind == "pack":
            pack = _source(lanes)
            index = lanes.index
            variable = f"g{pack.name}"
            if index == tuple(range(len(pack.rows))):
                self._add_whole(variable, contribution)
                return
            rows = fused._rows_of(pack, index)[len(pack.name) :]  # "[a:b]" or "[_i3]"
            self._own(variable, len(pack.rows))
            if len(set(index)) < len(index):
                self._emit(f"np.add.at({variable}, {rows[1:-1]}, {contribution})",
                           f"{variable}{rows} += {_plain(contribution)}")  # fmt: skip
            else:
                self._emit(f"{variable}{rows} += {contribution}",
                           f"{variable}{rows} += {_plain(contribution)}")  # fmt: skip
        elif lanes.kind == "leaf":
            values = contribution if self.per_sample else f"np.sum({contribution}, axis=1)"
            self._scatter(lanes, values, f"g{lanes.name} += sum({_plain(contribution)})")
        else:  # rows: one adjoint per stacked value
            temporary = self._temporary(contribution)
            for row, slot in enumerate(lanes.slots):
                if slot in fused.on_a_path:
                    self._add_value(slot, f"{temporary}[{row}]")

    def _add_value(self, slot: str, contribution: str) -> None:
        fused = self.fused
        if slot not in fused.on_a_path:
            return  # a constant or the sample's data: no gradient needed
        if slot in fused.pack_of:
            pack, row = fused.pack_of[slot]
            self._add_row(pack, row, contribution, None)
        else:
            self._add_whole(_adjoint(slot), contribution)

    def _add_row(self, pack: Pack, row: int, contribution: str, shown: str | None) -> None:
        variable = f"g{pack.name}"
        self._own(variable, len(pack.rows))
        self._emit(f"{variable}[{row}] += {contribution}",
                   shown or f"{variable}[{row}] += {_plain(contribution)}")  # fmt: skip

    def _add_whole(self, variable: str, contribution: str) -> None:
        if variable in self.assigned:
            self._emit(f"{variable} = {variable} + {contribution}",
                       f"{variable} += {_plain(contribution)}")  # fmt: skip
            self.owned.add(variable)
            return
        self._emit(f"{variable} = {contribution}", f"{variable} = {_plain(contribution)}")
        self.assigned.add(variable)
        if not _BARE_NAME.match(contribution):
            self.owned.add(variable)  # a new array: later rows may be added in place

    def _own(self, variable: str, rows: int) -> None:
        """Make ``variable`` an array of this pack's shape that no other name shares."""
        if variable not in self.assigned:
            self.code.append(f"{variable} = np.zeros(({rows}, count))")
            self.assigned.add(variable)
            self.owned.add(variable)
        elif variable not in self.owned:
            self.code.append(f"{variable} = {variable} + 0.0")  # a copy, broadcast to full
            self.owned.add(variable)

    def _scatter(self, lanes: Lanes, values: str, shown: str) -> None:
        """Add per-lane values (flattened, in the lanes' order) to the parameters' gradients."""
        fused = self.fused
        positions = [i for i, slot in enumerate(lanes.slots) if slot in fused.params]
        indices = tuple(fused.params[lanes.slots[i]] for i in positions)
        if not positions:
            return
        index_name = fused._index_name(indices)
        if len(positions) < len(lanes.slots):
            values = f"{values}[{fused._index_name(tuple(positions))}]"
        if len(set(indices)) < len(indices):
            self._emit(f"np.add.at(_grad, {index_name}, {values})", shown)
        else:
            self._emit(f"_grad[{index_name}] += {values}", shown)

    def _temporary(self, expression: str) -> str:
        self.temporaries += 1
        name = f"_c{self.temporaries}"
        self._emit(f"{name} = {expression}", f"{name} = {_plain(expression)}")
        return name

    def _emit(self, code: str, text: str) -> None:
        self.code.append(code)
        self.text.append(text)


# ---- finding what fuses ----


def fuse(
    statements: list[Statement],
    constants: dict[str, float],
    *,
    input_names: list[str],
    param_names: list[str],
    output: str,
) -> Fused | None:
    """The fused program for a Wengert list, or None when nothing in it repeats."""
    if any(_FUSED_NAME.match(name) for name in input_names):
        return None  # an input named like the fused code's arrays (b1, Z2, count): keep it unfused
    params = {f"p{index}" for index in range(len(param_names))}

    def is_leaf(slot: str) -> bool:
        return slot in params or slot in constants

    producer = {target: index for index, (target, _, _) in enumerate(statements)}
    users: dict[str, list[int]] = defaultdict(list)
    for index, (_, _, operands) in enumerate(statements):
        for operand in operands:
            users[operand].append(index)
    users[output].append(-1)  # the output is used by the caller

    per_sample = set(input_names)
    on_a_path = set(params)
    for target, _, operands in statements:
        if any(operand in per_sample for operand in operands):
            per_sample.add(target)
        if any(operand in on_a_path for operand in operands):
            on_a_path.add(target)

    sums = _sums_of_products(statements, users, producer, is_leaf, per_sample)
    accepted = dict(sums)
    for _ in range(2):  # group, drop the groups too small to pay, group again
        groups = _group_sums(statements, accepted)
        accepted = {
            found.root: found
            for members in groups.values()
            if len(members) * len(members[0].shared) >= MIN_MATRIX_TERMS
            for found in members
        }
    groups = _group_sums(statements, accepted)
    levels = _levels(statements, accepted)
    absorbed = {index for found in accepted.values() for index in found.absorbed} - set(accepted)

    # statements (and groups) level by level: a level only reads lower ones
    by_level: dict[int, list[Any]] = defaultdict(list)
    for key, members in sorted(groups.items(), key=lambda item: min(f.root for f in item[1])):
        by_level[key[0]].append(members)
    for index, statement in enumerate(statements):
        if index not in absorbed and index not in accepted:
            by_level[levels[statement[0]]].append(index)

    rank = _preferred_rows(statements, accepted)
    packs: dict[str, Pack] = {}
    pack_of: dict[str, tuple[Pack, int]] = {}
    macros: list[Any] = []
    derived: dict[str, int] = defaultdict(int)
    matrices = 0

    def lanes_of(slots: tuple[str, ...], *, broadcast: bool = True) -> Lanes:
        if broadcast and all(slot == slots[0] for slot in slots):
            return Lanes("same", slots)
        if all(slot in pack_of for slot in slots):
            pack = pack_of[slots[0]][0]
            if all(pack_of[slot][0] is pack for slot in slots):
                return Lanes("pack", slots, pack, tuple(pack_of[slot][1] for slot in slots))
        if all(is_leaf(slot) for slot in slots):
            return Lanes("leaf", slots)
        return Lanes("rows", slots)

    def new_pack(name: str, rows: tuple[str, ...]) -> Pack:
        pack = Pack(name, rows)
        packs[name] = pack
        for row, slot in enumerate(rows):
            pack_of[slot] = (pack, row)
        return pack

    for level in sorted(by_level):
        pending: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for item in by_level[level]:
            if isinstance(item, list):  # a group of sums: one matrix statement
                matrices += 1
                members = sorted(item, key=lambda f: (rank.get(statements[f.root][0], -1), f.root))
                shape = (len(members), len(members[0].shared))
                weights = Lanes("leaf", tuple(s for f in members for s in f.lane_factors))
                shared = lanes_of(members[0].shared, broadcast=False)
                terms = tuple(
                    lanes_of(tuple(found.plain[j] for found in members))
                    for j in range(len(members[0].plain))
                )
                roots = tuple(statements[found.root][0] for found in members)
                target = new_pack(f"Z{matrices}", roots)
                varies = any(slot in per_sample for slot in shared.slots)
                macros.append(MatrixStatement(target, weights, shape, shared, terms, varies))
                continue
            target, op, operands = statements[item]
            if target not in per_sample:
                macros.append(statements[item])
                continue
            sources = tuple(
                ("pack", id(pack_of[o][0])) if o in pack_of else ("leaf",) if is_leaf(o) else o
                for o in operands
            )
            pending[(op, sources)].append(item)
        for (op, sources), members in pending.items():
            members.sort(key=lambda index: (rank.get(statements[index][0], -1), index))
            if len(members) < 2 or not any(source[0] == "pack" for source in sources
                                           if isinstance(source, tuple)):  # fmt: skip
                macros.extend(statements[index] for index in members)
                continue
            operand_lanes = tuple(
                lanes_of(tuple(statements[index][2][j] for index in members))
                for j in range(len(statements[members[0]][2]))
            )
            base = next(_source(lanes) for lanes in operand_lanes if lanes.kind == "pack")
            number = re.sub(r"\D", "", base.name.split("_")[0]) or "0"
            derived[number] += 1
            suffix = "" if derived[number] == 1 else f"_{derived[number]}"
            target = new_pack(f"H{number}{suffix}", tuple(statements[i][0] for i in members))
            macros.append(PackStatement(target, op, operand_lanes))
    if not packs:
        return None
    return Fused(
        macros,
        packs,
        constants=constants,
        input_names=input_names,
        param_names=param_names,
        output=output,
        on_a_path=on_a_path,
    )


def _sums_of_products(
    statements: list[Statement],
    users: dict[str, list[int]],
    producer: dict[str, int],
    is_leaf: Any,
    per_sample: set[str],
) -> dict[int, SumOfProducts]:
    """Every tree of + statements with at least one product term, by its root's index."""

    def used_once_by(slot: str, op: str) -> bool:
        uses = users.get(slot, [])
        return len(uses) == 1 and uses[0] >= 0 and statements[uses[0]][1] == op

    found: dict[int, SumOfProducts] = {}
    for index, (target, op, operands) in enumerate(statements):
        if op != "+" or used_once_by(target, "+"):
            continue  # not a +, or an inner + of a larger sum
        terms: list[str] = []
        absorbed = [index]
        stack = list(reversed(operands))
        while stack:  # left to right, without recursion
            slot = stack.pop()
            inner = producer.get(slot)
            if inner is not None and statements[inner][1] == "+" and used_once_by(slot, "+"):
                absorbed.append(inner)
                stack.extend(reversed(statements[inner][2]))
            else:
                terms.append(slot)
        lane_factors, shared, plain = [], [], []
        for slot in terms:
            product = producer.get(slot)
            if product is not None and statements[product][1] == "*" and len(users[slot]) == 1:
                left, right = statements[product][2]
                if is_leaf(left) != is_leaf(right):
                    leaf, other = (left, right) if is_leaf(left) else (right, left)
                    lane_factors.append(leaf)
                    shared.append(other)
                    absorbed.append(product)
                    continue
            plain.append(slot)
        if shared and target in per_sample:
            found[index] = SumOfProducts(
                index, tuple(lane_factors), tuple(shared), tuple(plain), tuple(absorbed)
            )
    return found


def _preferred_rows(statements: list[Statement], sums: dict[int, SumOfProducts]) -> dict[str, int]:
    """The row each value would best have in its pack: its term's place in the sums it feeds.

    A matrix statement reads its shared factors as a whole pack when their
    rows are in its terms' order; the values they are computed from (a
    relu's operand, ...) take the same row, so that each pack reads the
    previous one whole instead of gathering its rows.
    """
    rank: dict[str, int] = {}
    for index in range(len(statements) - 1, -1, -1):  # users before the values they read
        target, _, operands = statements[index]
        if index in sums:
            for position, slot in enumerate(sums[index].shared):
                rank.setdefault(slot, position)
            continue
        if target in rank:
            for operand in operands:
                rank.setdefault(operand, rank[target])
    return rank


def _group_sums(
    statements: list[Statement], sums: dict[int, SumOfProducts]
) -> dict[tuple[Any, ...], list[SumOfProducts]]:
    """Sums at one level with the same shared factors and as many plain terms: one matrix each."""
    levels = _levels(statements, sums)
    groups: dict[tuple[Any, ...], list[SumOfProducts]] = defaultdict(list)
    for root, found in sums.items():
        groups[(levels[statements[root][0]], found.shared, len(found.plain))].append(found)
    return groups


def _levels(statements: list[Statement], sums: dict[int, SumOfProducts]) -> dict[str, int]:
    """Each statement's level: 1 + its operands' highest, a sum counting as one statement."""
    inside = {index for found in sums.values() for index in found.absorbed} - set(sums)
    level: dict[str, int] = defaultdict(int)
    for index, (target, _, operands) in enumerate(statements):
        if index in inside:
            continue
        reads = operands
        if index in sums:
            reads = sums[index].shared + sums[index].plain
        level[target] = 1 + max((level[slot] for slot in reads), default=0)
    return level


# ---- small helpers ----


def _source(lanes: Lanes) -> Pack:
    """The pack a ``pack`` operand reads its rows from."""
    if lanes.pack is None:
        raise TypeError(f"fusion: a {lanes.kind} operand reads no pack")
    return lanes.pack


def _adjoint(name: str) -> str:
    from autograd.compiled import _adjoint as adjoint

    return adjoint(name)


def _product(upstream: str, local: str) -> str:
    if local == "1":
        return upstream
    if local == "-1":
        return f"-{upstream}"
    return f"{upstream} * ({local})"


def _code(expression: str) -> str:
    expression = re.sub(r"\b(step|sign)\(", r"_\1(", expression)
    return re.sub(r"\b(exp|log|sin|cos)\(", r"np.\1(", expression)


def _plain(code: str) -> str:
    """Code as str(program) shows it: without np. and the runtime's underscores."""
    code = re.sub(r"np\.maximum\((.*), 0\.0\)\Z", r"relu(\1)", code)
    code = re.sub(r"\bnp\.|\b_(?=relu|sigmoid|step|sign|inf|nan)", "", code)
    code = re.sub(r"\((\w+) != 0\.0\)", r"(\1 > 0)", code)
    return re.sub(r"\bsum\((.*), axis=0\)", r"sum(\1)", code)


def parameter_table(fused: Fused) -> list[str]:
    """Which parameters each gathered matrix or vector holds, as a name pattern."""
    lines = []
    for macro in fused.macros:
        if isinstance(macro, MatrixStatement):
            lanes, terms = macro.shape
            gathered = [(f"{macro.weights.name}[{lanes}x{terms}]", macro.weights)]
            gathered += [(f"{t.name}[{lanes}]", t) for t in macro.terms if t.kind == "leaf"]
        elif isinstance(macro, PackStatement):
            gathered = [(f"{op.name}[{len(op.slots)}]", op) for op in macro.operands
                        if op.kind == "leaf"]  # fmt: skip
        else:
            continue
        for shown, lanes in gathered:
            lines.append(f"{shown} = {_pattern(fused, lanes.slots)}")
    for index in sorted(fused._scalar_params()):
        lines.append(f"p{index} = {fused.param_names[index]}")
    return lines


def _pattern(fused: Fused, slots: tuple[str, ...]) -> str:
    """``layers.0.neurons.*.w.*`` for the names of a gathered block, or its first and last."""
    names = [
        fused.param_names[fused.params[slot]] if slot in fused.params else slot for slot in slots
    ]
    pieces = [re.split(r"(\d+)", name) for name in names]
    if len({len(piece) for piece in pieces}) == 1:
        shown = []
        for position, parts in enumerate(zip(*pieces, strict=True)):
            if len(set(parts)) == 1:
                shown.append(parts[0])
            elif position % 2 == 1:  # a number that differs between entries
                shown.append("*")
            else:
                break
        else:
            return "".join(shown)
    return names[0] if len(names) == 1 else f"{names[0]} ... {names[-1]}"
