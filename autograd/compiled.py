"""Trace once, run a batch: a scalar graph compiled to a flat program replayed over NumPy arrays.

A scalar graph costs one Python object per op per sample, but its *shape* is
the same for every sample: only the numbers change. ``compile_graph`` calls
your function once on Values, records the graph as a Wengert list (one
statement per op: ``t5 = t3 * t4``), and turns it into Python source that runs
each statement once on whole columns of samples, followed by the adjoint
statements (``g3 += g5 * t4``) that apply the chain rule backwards. The
adjoint statements are written from the same derivative formulas the scalar
ops declare (``autograd.value.DERIVATIVES``), so both engines use one rule.

    >>> from autograd import compile_graph
    >>> import numpy as np
    >>> from autograd import Value
    >>> w = Value(2.0, label="w")
    >>> program = compile_graph(lambda x, y: (w * x - y) ** 2, params=[("w", w)])
    >>> print(program)
    inputs: x, y; parameters: p0 = w
      t0 = p0 * x
      t1 = t0 - y
      t2 = t1 ** 2.0
    adjoints (d t2 / d ...):
      g2 = 1
      g1 = g2 * (2.0*t1**(2.0 - 1))
      g0 = g1
      gp0 = g0 * (x)
    >>> loss, grads = program.run(np.array([1.0, 2.0]), np.array([3.0, 3.0]))
    >>> loss.tolist(), grads["w"].tolist()
    ([1.0, 1.0], [-2.0, 4.0])
"""

from __future__ import annotations

import inspect
import keyword
import math
import numbers
import operator
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from autograd.graph import topological_order
from autograd.modes import enable_grad
from autograd.value import DERIVATIVES, Constant, Value, _to_float, _trace_state

# How each op runs on arrays: a NumPy expression in its operands a and b.
_FORWARD = {
    "+": "{a} + {b}",
    "-": "{a} - {b}",
    "*": "{a} * {b}",
    "/": "{a} / {b}",
    "**": "{a} ** {b}",
    "neg": "-{a}",
    "exp": "np.exp({a})",
    "log": "np.log({a})",
    "log1p": "np.log1p({a})",
    "tanh": "np.tanh({a})",
    "relu": "_relu({a})",
    "sigmoid": "_sigmoid({a})",
    "abs": "np.abs({a})",
    "sqrt": "np.sqrt({a})",
    "sin": "np.sin({a})",
    "cos": "np.cos({a})",
}

# The ops whose scalar version raises for some inputs: the replay checks the
# same condition per sample and raises the same exception, naming the sample.
_DOMAIN_CHECKED = {"/", "**", "log", "log1p", "sqrt", "sin", "cos"}

# How close a fused program's results are to the scalar engine's, relatively: its
# matrix products add a neuron's terms in another order (see docs/compiled.md).
FUSED_TOLERANCE = 1e-9

_DATA = operator.attrgetter("data")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# names the generated code uses itself, and x<k>_, the name a renamed input gets
_RESERVED = re.compile(r"(t|g|gp|p)\d+\Z|x\d+_\Z|np\Z|_\w*")
_PACKAGE_FOLDER = os.path.dirname(os.path.abspath(__file__))


class TraceError(RuntimeError):
    """The function cannot be traced faithfully (its graph depends on the data)."""


class CompiledMismatchError(AssertionError):
    """``Program.check`` found the replay and the scalar graph disagree."""


def data_dependent_branch(what: str) -> TraceError:
    """The error for a truth test or comparison on a Value while tracing, naming the user's line."""
    return _trace_error(
        f"{what} on a Value",
        "The graph would depend on this sample's data, so one trace cannot stand for every "
        "sample; compute both branches with ops (relu, abs, sigmoid) or do not compile this "
        "function",
    )


def number_read_while_tracing() -> TraceError:
    """The error for ``float(x)`` (and so ``math.exp(x)``) on a Value while tracing."""
    return _trace_error(
        "float() on a Value (math.exp, math.log, ... call it)",
        "The program would keep this sample's number as a constant, the same for every "
        "sample, and no gradient would flow through it; use the Value's own ops instead "
        "(x.exp(), x.log(), x.tanh(), x.sqrt())",
    )


def _trace_error(what: str, consequence: str) -> TraceError:
    frame = _user_frame()
    where = f"{frame.filename}, line {frame.lineno}: {frame.line}" if frame else "unknown line"
    error = TraceError(f"compile_graph: {what} while tracing, at {where}. {consequence}")
    _trace_state.branch = error  # raised again after fn returns, should fn catch it
    return error


def _user_frame() -> traceback.FrameSummary | None:
    # this package's own folder, not any folder named autograd: a user's
    # project may well live in one
    for frame in reversed(traceback.extract_stack()):
        if os.path.dirname(os.path.abspath(frame.filename)) != _PACKAGE_FOLDER:
            return frame
    return None


def compile_graph(
    fn: Callable[..., Value],
    params: Any = (),
    *,
    example: Sequence[float] | None = None,
    fuse: bool = True,
) -> Program:
    """Trace ``fn`` once on Values and compile its graph to a program that runs on arrays.

    ``fn`` takes one sample's inputs as positional arguments (Values while
    tracing) and returns that sample's loss as a Value. ``params`` is a Module
    (anything with ``named_parameters()``) or an iterable of ``(name, Value)``
    pairs: the parameters the gradients are taken for. ``example`` gives the
    sample the trace runs on (default: 0.5 for each input); the program does
    not depend on it unless ``fn`` branches on data, which the trace refuses
    where it can see it (a truth test or a comparison on a Value). It cannot
    see ``if x.data > 0``: such a function gives a program that follows the
    traced branch for every sample (``Program.check`` finds that out).

    With ``fuse`` (the default), repeated structure runs fused: the statements
    of a layer's neurons as one statement over a (lanes x samples) array, each
    neuron's sum of products as one row of a matrix product (see
    ``autograd.fusion``). ``fuse=False`` keeps one statement per op.
    """
    if not callable(fn):
        raise TypeError(f"compile_graph: fn must be callable, got {type(fn).__name__}")
    named = _named_parameters(params)
    names = _input_names(fn, example)
    point = [0.5] * len(names) if example is None else list(example)
    if len(point) != len(names):
        raise ValueError(
            f"compile_graph: example has {len(point)} values, fn takes {len(names)} inputs"
        )
    inputs = [
        Value(_to_float(x, f"compile_graph: example[{index}]"), label=name)
        for index, (x, name) in enumerate(zip(point, names, strict=True))
    ]
    # fn may compile a helper: restore the outer trace's state afterwards
    outer_trace = (getattr(_trace_state, "active", False), getattr(_trace_state, "branch", None))
    _trace_state.active = True
    _trace_state.branch = None
    try:
        with enable_grad():
            output = fn(*inputs)
        branch = _trace_state.branch
    except (ValueError, ZeroDivisionError) as error:
        if example is not None or not str(error).startswith("op '"):
            raise  # the user's own point, or not an op's domain error
        # the error names a value the user never chose: say where it came from
        point_text = ", ".join(f"{name}=0.5" for name in names)
        raise type(error)(
            f"{error} (compile_graph traces fn once, at a trace point; with no example= it is "
            f"0.5 for every input: {point_text}. Pass example=[...] with a sample inside "
            "every op's domain)"
        ) from error
    finally:
        _trace_state.active, _trace_state.branch = outer_trace
    if branch is not None:
        # fn caught the error (a broad except): the trace went on along one branch anyway
        raise TraceError(f"{branch} (fn caught this error and went on)")
    if not isinstance(output, Value):
        raise TypeError(f"compile_graph: fn must return a Value, got {type(output).__name__}")
    return Program(fn, output, inputs, named, fuse=fuse)


class Program:
    """A traced graph as a flat list of statements, and the NumPy code generated from it."""

    def __init__(
        self,
        fn: Callable[..., Value],
        output: Value,
        inputs: list[Value],
        params: list[tuple[str, Value]],
        *,
        fuse: bool = True,
    ) -> None:
        self.fn = fn
        self.input_names = [node.label for node in inputs]
        self.param_names = [name for name, _ in params]
        self.params = [value for _, value in params]
        slot: dict[Value, str] = {}
        for node in inputs:
            slot[node] = node.label
        first_named: dict[str, int] = {}
        for index, (name, value) in enumerate(params):
            if name in first_named:
                raise ValueError(
                    f"compile_graph: two parameters are named {name!r} (parameters "
                    f"{first_named[name]} and {index}); their gradients would share one entry"
                )
            first_named[name] = index
            if value in slot:
                other = self.param_names[int(slot[value][1:])]
                raise ValueError(
                    f"compile_graph: parameter {name!r} is the same Value as parameter "
                    f"{other!r}; pass each parameter once"
                )
            slot[value] = f"p{index}"
        self.statements, self._constants = _wengert_list(output, slot)
        self.output = slot[output]
        self.adjoints = self._adjoint_statements()
        self.unfused_source = self._source(self.adjoints)
        self.source = self.unfused_source
        self._replay = _compiled(self.unfused_source)
        self._masked_replay: Callable[..., tuple[Any, ...]] | None = None  # made when needed
        self._fused = None
        if fuse:
            self._fuse()

    def _fuse(self) -> None:
        from autograd.fusion import fuse

        fused = fuse(
            self.statements,
            self._constants,
            input_names=self.input_names,
            param_names=self.param_names,
            output=self.output,
        )
        if fused is None:
            return  # nothing repeats: the unfused program is the program
        self.source, self._fused_text = fused.source(per_sample=False)
        per_sample_source, _ = fused.source(per_sample=True)
        runtime = fused.runtime(_runtime())
        self._fused_summed = _compiled(self.source, runtime)
        self._fused_per_sample = _compiled(per_sample_source, runtime)
        self._fused = fused

    @property
    def fused(self) -> bool:
        """Whether repeated structure runs fused (``str(program)`` then shows the fused form)."""
        return self._fused is not None

    # ---- readable output ----

    def __str__(self) -> str:
        return self.describe()

    def describe(self, *, fused: bool = True) -> str:
        """The program as statements; ``fused=False`` shows one statement per op, for teaching."""
        if fused and self._fused is not None:
            return self._describe_fused()
        parameters = ", ".join(f"p{i} = {name}" for i, name in enumerate(self.param_names))
        lines = [f"inputs: {', '.join(self.input_names)}; parameters: {parameters or 'none'}"]
        for target, op, operands in self.statements:
            lines.append(f"  {target} = {_shown(_FORWARD_TEXT[op].format(*operands))}")
        if not self.adjoints:
            lines.append("adjoints: none (the output does not depend on any parameter)")
            return "\n".join(lines)
        lines.append(f"adjoints (d {_shown(self.output)} / d ...):")
        lines.extend(f"  {_shown(line)}" for line in self.adjoints)
        return "\n".join(lines)

    def _describe_fused(self) -> str:
        from autograd.fusion import parameter_table

        fused = self._fused
        if fused is None:
            return self.describe(fused=False)
        lines = [
            f"inputs: {', '.join(self.input_names)}; {len(self.params)} parameters; "
            f"{len(self.statements)} statements fused into {len(fused.macros)}",
        ]
        lines.extend(f"  {line}" for line in parameter_table(fused))
        forward, _, adjoints = "\n".join(self._fused_text).partition("\nadjoints:\n")
        lines.extend(f"  {_shown(line)}" for line in forward.splitlines())
        lines.append(f"adjoints (d {_shown(fused.slot_code(self.output))} / d ...):")
        lines.extend(f"  {_shown(line)}" for line in adjoints.splitlines())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Program: {len(self.statements)} statements, inputs {self.input_names}, "
            f"{len(self.params)} parameters>"
        )

    def _adjoint_statements(self, *, masked: bool = False) -> list[str]:
        """The reverse pass as statements: ``g<k> = upstream * local`` (then ``+=``).

        ``masked`` writes each product as ``_mask(upstream, local)``, which is 0
        where the local derivative is exactly 0, whatever the upstream: the
        scalar engine's rule for an infinite or NaN upstream (see ``_replay_batch``).
        """
        # only what a parameter flows into needs an adjoint: the sample's data,
        # constants and statements computed from them alone get none
        on_a_path = {f"p{index}" for index in range(len(self.params))}
        for target, _, operands in self.statements:
            if any(operand in on_a_path for operand in operands):
                on_a_path.add(target)
        if self.output not in on_a_path:
            self._assigned: set[str] = set()
            return []  # the output does not depend on any parameter
        lines = [f"{_adjoint(self.output)} = 1"]
        assigned = {self.output}
        for target, op, operands in reversed(self.statements):
            if target not in assigned:
                continue  # the output does not depend on this statement
            names = {"out": target, "a": operands[0]}
            if len(operands) > 1:
                names["b"] = operands[1]
            for operand, formula in zip(operands, DERIVATIVES[op].formulas, strict=False):
                if operand not in on_a_path:
                    continue  # a constant or the sample's data: no gradient needed
                if op == "**" and self._constants.get(operands[1]) == 0.0:
                    continue  # a ** 0 is the constant 1
                local = _substitute(formula, names)
                upstream = _adjoint(target)
                if local == "1":
                    contribution = upstream  # add and subtract pass the gradient on as is
                elif local == "-1":
                    contribution = f"-{upstream}"
                elif masked:
                    contribution = f"_mask({upstream}, {local})"
                else:
                    contribution = f"{upstream} * ({local})"
                symbol = "+=" if operand in assigned else "="
                lines.append(f"{_adjoint(operand)} {symbol} {contribution}")
                assigned.add(operand)
        self._assigned = assigned
        return lines

    def _source(self, adjoints: list[str]) -> str:
        arguments = ", ".join([*self.input_names, *(f"p{i}" for i in range(len(self.params)))])
        body = [f"def replay({arguments}):", "    # forward, one statement per op"]
        for target, op, operands in self.statements:
            expression = _forward_code(op, operands)
            if op == "**" and operands[1] not in self._constants:
                # as the scalar engine: a Value exponent needs base > 0 (d/d b = a**b * ln a)
                body.append(f"    _check_power_of_values({', '.join(operands)}, {target!r})")
            elif op in _DOMAIN_CHECKED and not self._always_in_domain(op, operands):
                body.append(f"    _check_{_CHECK_NAME[op]}({', '.join(operands)}, {target!r})")
            body.append(f"    {target} = {expression}")
        body.append("    # adjoints: the chain rule, output first")
        for line in adjoints:
            body.append(f"    {_as_code(line)}")
        gradients = [
            _adjoint(f"p{i}") if f"p{i}" in self._assigned else "0.0"
            for i in range(len(self.params))
        ]
        body.append(f"    return {self.output}, ({', '.join(gradients)}{',' if gradients else ''})")
        return "\n".join(body) + "\n"

    def _always_in_domain(self, op: str, operands: tuple[str, ...]) -> bool:
        """True for a ** n with n a non-negative whole number: defined for every base."""
        power = self._constants.get(operands[1]) if op == "**" else None
        return power is not None and power >= 0.0 and power.is_integer()

    # ---- running it ----

    def run(self, *columns: Any) -> tuple[Any, dict[str, Any]]:
        """Per-sample losses and per-sample gradients for a batch.

        Each column is an array (or a sequence of numbers) with one entry per
        sample, one column per input of ``fn``. Returns ``(loss, grads)``:
        ``loss`` has one entry per sample and ``grads[name]`` has, per sample,
        d loss / d parameter.
        """
        import numpy as np

        loss, gradients, count = self._replay_batch(columns)
        if not all(np.isfinite(gradient).all() for gradient in gradients):
            loss, gradients, count = self._replay_batch(columns, masked=True)
        if len(gradients) != len(self.params):
            gradients = ()  # no parameters: the fused code's empty gradient array
        loss = np.broadcast_to(np.asarray(loss, dtype=np.float64), (count,)).copy()
        grads = {
            name: np.broadcast_to(np.asarray(gradient, dtype=np.float64), (count,)).copy()
            for name, gradient in zip(self.param_names, gradients, strict=True)
        }
        return loss, grads

    def accumulate(self, *columns: Any, reduction: str = "mean") -> float:
        """Add the batch's gradient to each parameter's ``.grad``, as ``backward()`` would.

        The batch loss is the ``mean`` (or ``sum``) of the per-sample losses;
        each ``param.grad`` grows by d batch loss / d param, so ``SGD`` and the
        other optimizers work unchanged. Returns the batch loss.
        """
        if reduction not in ("mean", "sum"):
            raise ValueError(f"accumulate: reduction must be 'mean' or 'sum', got {reduction!r}")
        loss, gradients, count = self._replay_batch(columns, summed=True)
        if reduction == "mean" and count == 0:
            raise ValueError(
                "accumulate: the mean over an empty batch (0 samples) is undefined; "
                "pass at least one sample, or reduction='sum'"
            )
        import numpy as np

        scale = 1.0 / count if reduction == "mean" else 1.0
        with np.errstate(all="ignore"):  # a sum that overflows is inf, as in the scalar engine
            if isinstance(gradients, np.ndarray):  # the fused program sums over the batch itself
                if np.isfinite(gradients).all():
                    for param, total in zip(self.params, (gradients * scale).tolist(), strict=True):
                        param.grad += total
                    return _total(loss, count) * scale
                totals = [math.nan]
            else:
                totals = [_total(gradient, count) for gradient in gradients]
            if not all(map(math.isfinite, totals)):
                # a NaN or infinite gradient for some sample (a finite sum means none)
                loss, gradients, count = self._replay_batch(columns, masked=True)
                totals = [_total(gradient, count) for gradient in gradients]
            for param, total in zip(self.params, totals, strict=True):
                param.grad += total * scale
            return _total(loss, count) * scale

    def _replay_batch(
        self, columns: Sequence[Any], *, masked: bool = False, summed: bool = False
    ) -> tuple[Any, Any, int]:
        """The generated code run on the columns: the loss and gradients, arrays or scalars.

        A statement that does not depend on the samples stays a scalar, so
        results are broadcast (``run``) or multiplied by the batch size
        (``accumulate``) where they are summed. Parameters enter as NumPy
        floats, so that arithmetic on parameters alone is IEEE arithmetic as
        in the scalar engine (``w**2`` overflows to inf, ``0.0**-0.5`` is inf).

        The plain program multiplies ``upstream * local`` as it comes. Where an
        upstream is inf or NaN and a local derivative is 0, that gives NaN where
        the scalar engine passes 0 (a zero local derivative passes 0, as PyTorch
        masks relu's backward); the NaN, or the inf, reaches the gradients, so
        the callers rerun such a batch with ``masked=True``, the program that
        applies the rule to every product. Finite batches never pay for it.

        A fused program runs first, unless ``masked``: its gradients come as one
        array, summed over the batch when ``summed`` (else one row per
        parameter). An operand outside an op's domain sends the batch to the
        unfused program, which raises the error naming the op and the sample.
        """
        import numpy as np

        arrays = self._columns(columns)
        count = len(arrays[0]) if arrays else 1
        if self._fused is not None and not masked:
            from autograd.fusion import NeedsUnfused

            theta = np.fromiter(map(_DATA, self.params), np.float64, len(self.params))
            fused = self._fused_summed if summed else self._fused_per_sample
            try:
                with np.errstate(all="ignore"):
                    loss, gradients = fused(*arrays, theta, count)
                return loss, gradients, count
            except NeedsUnfused:
                pass
        values = [np.float64(param.data) for param in self.params]
        replay = self._replay
        if masked:
            if self._masked_replay is None:
                masked_source = self._source(self._adjoint_statements(masked=True))
                self._masked_replay = _compiled(masked_source)
            replay = self._masked_replay
        with np.errstate(all="ignore"):  # overflow gives inf, as the scalar engine's IEEE floats
            loss, gradients = replay(*arrays, *values)
        return loss, gradients, count

    def check(self, sample_index: int, *columns: Any, rel: float | None = None) -> bool:
        """Rebuild one sample's scalar graph and compare its loss and gradients with the replay.

        Returns True, or raises CompiledMismatchError naming what differs.
        ``.grad`` fields are left alone. ``rel`` is the relative tolerance:
        1e-12 by default, 1e-9 for a fused program, whose matrix products sum
        in another order than the scalar chain (see docs/compiled.md).
        """
        if rel is None:
            rel = FUSED_TOLERANCE if self._fused is not None else 1e-12
        from autograd.higher import grad

        if isinstance(sample_index, bool) or not isinstance(sample_index, numbers.Integral):
            raise TypeError(
                f"check: sample_index must be an int, got {type(sample_index).__name__} "
                f"{sample_index!r:.60}"
            )
        arrays = self._columns(columns)
        count = len(arrays[0]) if arrays else 1
        if not -count <= sample_index < count:
            raise IndexError(f"check: sample {sample_index} is out of range for {count} samples")
        loss, grads = self.run(*arrays)
        sample = [Value(float(column[sample_index]), label=name)
                  for column, name in zip(arrays, self.input_names, strict=True)]  # fmt: skip
        with enable_grad():
            output = self.fn(*sample)
        expected = grad(output, self.params, allow_unused=True) if self.params else ()
        pairs = [("loss", output.data, float(loss[sample_index]))]
        for name, gradient in zip(self.param_names, expected, strict=True):
            pairs.append((f"d loss / d {name}", gradient or 0.0, float(grads[name][sample_index])))
        for what, scalar, replayed in pairs:
            if not _close(scalar, replayed, rel):
                raise CompiledMismatchError(
                    f"check: sample {sample_index}: {what} is {scalar!r} in the scalar graph but "
                    f"{replayed!r} in the compiled program{self._likely_cause(output, sample)}"
                )
        return True

    def _likely_cause(self, output: Value, sample: list[Value]) -> str:
        """Why this sample's scalar graph may differ from the trace, when its graph shows it."""
        slot: dict[Value, str] = {node: node.label for node in sample}
        for index, param in enumerate(self.params):
            slot.setdefault(param, f"p{index}")
        try:
            statements, constants = _wengert_list(output, slot)
        except ValueError:
            return (
                "; fn made a Value of its own from this sample's numbers (Value(x.data)?), "
                "which the trace kept as the trace point's number"
            )
        if _shape(statements, constants) != _shape(self.statements, self._constants):
            return (
                "; this sample's graph has another shape than the traced one: fn branches on "
                "data (if x.data > 0: ...), which one trace cannot follow"
            )
        if statements != self.statements:
            return (
                "; this sample's graph has the traced shape but other constants: fn reads a "
                "number out of a Value (x.data) into a constant, which the trace kept as it "
                "was at the trace point"
            )
        return ""

    def _columns(self, columns: Sequence[Any]) -> list[Any]:
        import numpy as np

        if len(columns) != len(self.input_names):
            raise TypeError(
                f"the program takes {len(self.input_names)} columns "
                f"({', '.join(self.input_names)}), got {len(columns)}"
            )
        arrays = []
        for name, column in zip(self.input_names, columns, strict=True):
            try:
                array = np.asarray(column)
            except (TypeError, ValueError) as error:
                raise TypeError(f"column {name} must hold numbers: {error}") from None
            if array.dtype.kind == "c":
                raise TypeError(
                    f"column {name} must hold real numbers, got {array.dtype} (complex) values"
                )
            if array.dtype.kind not in "biuf":
                kind = _DTYPE_NAMES.get(array.dtype.kind, str(array.dtype))
                raise TypeError(
                    f"column {name} must hold numbers, got {kind} values: {column!r:.60}"
                )
            array = array.astype(np.float64)
            if array.ndim != 1:
                raise ValueError(
                    f"column {name} must be one-dimensional (one entry per sample), "
                    f"got shape {array.shape}"
                )
            arrays.append(array)
        if arrays and len({len(array) for array in arrays}) != 1:
            lengths = ", ".join(
                f"{n}: {len(a)}" for n, a in zip(self.input_names, arrays, strict=True)
            )
            raise ValueError(f"columns must have the same length, got {lengths}")
        return arrays


# ---- code generation helpers ----

Statement = tuple[str, str, tuple[str, ...]]  # (target, op, operands): t2 = t0 * p1


def _wengert_list(
    output: Value, slot: dict[Value, str]
) -> tuple[list[Statement], dict[str, float]]:
    """``output``'s graph as statements, inputs first, and the constants they use.

    ``slot`` names the inputs and parameters (``x``, ``p0``) and receives a
    name for every other node: ``t<k>`` for the k-th statement, a literal for a
    constant. Constants appear in the code as literals: ``(-2.0)`` in
    parentheses, so that ``(-2.0) ** x`` is not read as ``-(2.0 ** x)``; inf
    and nan as names the runtime defines.
    """
    constants: dict[str, float] = {}
    statements: list[Statement] = []
    order = topological_order(output)
    order.reverse()  # inputs first
    for node in order:
        if node in slot:
            continue
        if node.is_leaf:
            if type(node) is Constant:
                slot[node] = _literal(node.data)
                constants[slot[node]] = node.data
                continue
            raise ValueError(
                f"compile_graph: {_describe(node)} is used by fn but is neither one of its "
                "arguments nor a parameter; pass it in params (or as an argument)"
            )
        target = f"t{len(statements)}"
        slot[node] = target
        statements.append((target, node.op, tuple(slot[item] for item in node.inputs)))
    return statements, constants


_CHECK_NAME = {"/": "divide", "**": "power", "log": "log", "log1p": "log1p", "sqrt": "sqrt",
               "sin": "sin", "cos": "cos"}  # fmt: skip


def _forward_code(op: str, operands: tuple[str, ...]) -> str:
    a = operands[0]
    b = operands[1] if len(operands) > 1 else ""
    return _FORWARD[op].format(a=a, b=b)


_DTYPE_NAMES = {"O": "object", "U": "str", "S": "bytes", "M": "datetime", "m": "timedelta"}

# How str(program) shows each op: the NumPy expression without np. and _.
_FORWARD_TEXT = {
    op: re.sub(r"np\.|_(?=relu|sigmoid)", "", code).replace("{a}", "{0}").replace("{b}", "{1}")
    for op, code in _FORWARD.items()
}


def _shape(statements: list[Statement], constants: dict[str, float]) -> list[Statement]:
    """The statements with every constant written as ``c``: what two traces share in shape."""
    return [
        (target, op, tuple("c" if operand in constants else operand for operand in operands))
        for target, op, operands in statements
    ]


def _compiled(source: str, extra: dict[str, Any] | None = None) -> Callable[..., tuple[Any, ...]]:
    """The ``replay`` function that ``source`` defines, run with the runtime's helpers."""
    namespace: dict[str, Any] = {}
    helpers = _runtime()
    helpers["_total"] = _total
    helpers.update(extra or {})
    exec(compile(source, "<compiled program>", "exec"), helpers, namespace)
    return namespace["replay"]


def _adjoint(name: str) -> str:
    if name.startswith("t") and name[1:].isdigit():
        return f"g{name[1:]}"
    if name.startswith("p") and name[1:].isdigit():
        return f"gp{name[1:]}"
    return f"g_{name}"


def _total(values: Any, count: int) -> float:
    """The sum over the batch of a result that is one array, or one scalar shared by all."""
    import numpy as np

    if isinstance(values, np.ndarray) and values.ndim == 1:
        return float(values.sum())
    return float(values) * count


def _substitute(formula: str, names: dict[str, str]) -> str:
    """A derivative formula with the op's variables a, b, out replaced by slot names."""
    return re.sub(r"\b(a|b|out)\b", lambda match: names[match.group(1)], formula)


def _as_code(line: str) -> str:
    # g += ... would change in place an array that another adjoint may share (g0 = g1)
    target, symbol, expression = line.split(" ", 2)
    if symbol == "+=":
        line = f"{target} = {target} + {expression}"
    line = re.sub(r"\b(step|sign)\(", r"_\1(", line)
    return re.sub(r"\b(exp|log|sin|cos)\(", r"np.\1(", line)


def _literal(number: float) -> str:
    """A constant as the generated code writes it."""
    if math.isnan(number):
        return "_nan"
    if math.isinf(number):
        return "_inf" if number > 0.0 else "(-_inf)"
    return repr(number) if math.copysign(1.0, number) > 0.0 else f"({number!r})"


def _shown(text: str) -> str:
    """Code as str(program) shows it: inf and nan for the runtime's names."""
    return re.sub(r"\b_(inf|nan)\b", r"\1", text)


def _runtime() -> dict[str, Any]:
    import numpy as np

    def sample_of(mask: Any) -> int:
        return int(np.flatnonzero(np.broadcast_to(mask, np.shape(mask)))[0]) if np.ndim(mask) else 0

    def value_at(array: Any, index: int) -> float:
        return float(array[index]) if np.ndim(array) else float(array)

    def where(target: str) -> str:
        return f"(statement {target}, sample {{}})"

    def check_divide(a: Any, b: Any, target: str) -> None:
        bad = np.asarray(b) == 0.0
        if bad.any():
            index = sample_of(bad)
            raise ZeroDivisionError(
                f"op '/': division by zero: divisor {value_at(b, index)!r}, dividend "
                f"{value_at(a, index)!r} {where(target).format(index)}"
            )

    def check_power(a: Any, b: Any, target: str) -> None:
        a_array, b_array = np.asarray(a), np.asarray(b)
        zero_negative = (a_array == 0.0) & (b_array < 0.0)
        fractional = (a_array < 0.0) & np.isfinite(b_array) & (b_array != np.round(b_array))
        for bad, message in ((zero_negative, "0.0 cannot be raised to a negative power"),
                             (fractional, "math domain error: negative base to a fractional "
                              "power")):  # fmt: skip
            if bad.any():
                index = sample_of(bad)
                error = ZeroDivisionError if bad is zero_negative else ValueError
                raise error(
                    f"op '**': {message}: base {value_at(a, index)!r}, exponent "
                    f"{value_at(b, index)!r} {where(target).format(index)}"
                )

    def check_above(a: Any, target: str, op: str, bound: float, strict: bool) -> None:
        array = np.asarray(a)
        bad = array <= bound if strict else array < bound  # NaN passes, as in the scalar engine
        if bad.any():
            index = sample_of(bad)
            bound_text = f"{'>' if strict else '>='} {bound:g}"
            raise ValueError(
                f"op '{op}': math domain error: input {value_at(a, index)!r} must be {bound_text} "
                f"{where(target).format(index)}"
            )

    def check_power_of_values(a: Any, b: Any, target: str) -> None:
        bad = np.asarray(a) <= 0.0
        if bad.any():
            index = sample_of(bad)
            raise ValueError(
                f"op '**': math domain error: base {value_at(a, index)!r} must be > 0 when the "
                f"exponent is a Value ({value_at(b, index)!r}), since d/d exponent = a**b * ln a "
                f"{where(target).format(index)}"
            )

    def check_finite(a: Any, target: str, op: str) -> None:
        bad = np.isinf(np.asarray(a))
        if bad.any():
            index = sample_of(bad)
            raise ValueError(
                f"op '{op}': math domain error: input {value_at(a, index)!r} must be finite "
                f"{where(target).format(index)}"
            )

    def relu(a: Any) -> Any:
        return np.where(a > 0.0, a, np.where(np.isnan(a), a, 0.0))

    def sigmoid(a: Any) -> Any:
        exp_a = np.exp(np.minimum(a, 0.0))  # never overflows
        return np.where(a >= 0.0, 1.0 / (1.0 + np.exp(-np.maximum(a, 0.0))), exp_a / (1.0 + exp_a))

    def step(a: Any) -> Any:
        return np.where(np.asarray(a) <= 0.0, 0.0, 1.0)  # 1 at NaN, as the scalar relu

    def mask(upstream: Any, local: Any) -> Any:
        # the chain rule's product, 0 where the local derivative is exactly 0 (inf * 0 is NaN)
        return np.where(local == 0.0, 0.0, upstream * local)

    def sign(a: Any) -> Any:
        # np.sign(nan) is nan; the scalar abs records 0.0 there, as it does at 0
        return np.where(np.isnan(a), 0.0, np.sign(a))

    return {
        "np": np,
        "_relu": relu,
        "_sigmoid": sigmoid,
        "_step": step,
        "_sign": sign,
        "_mask": mask,
        "_inf": math.inf,
        "_nan": math.nan,
        "_check_divide": check_divide,
        "_check_power": check_power,
        "_check_power_of_values": check_power_of_values,
        "_check_log": lambda a, target: check_above(a, target, "log", 0.0, True),
        "_check_log1p": lambda a, target: check_above(a, target, "log1p", -1.0, True),
        "_check_sqrt": lambda a, target: check_above(a, target, "sqrt", 0.0, False),
        "_check_sin": lambda a, target: check_finite(a, target, "sin"),
        "_check_cos": lambda a, target: check_finite(a, target, "cos"),
    }


def _named_parameters(params: Any) -> list[tuple[str, Value]]:
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    elif isinstance(params, Mapping):
        params = list(params.items())  # {name: Value}
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            "compile_graph: params must be a Module or (name, Value) pairs, "
            f"got {type(params).__name__}"
        )
    named = []
    for index, item in enumerate(params):
        if isinstance(item, Value):
            item = (item.label or f"param{index}", item)
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Value)):
            raise TypeError(
                f"compile_graph: params[{index}] must be a (name, Value) pair or a Value, "
                f"got {item!r:.60}"
            )
        if type(item[1]) is Constant:
            raise TypeError(
                f"compile_graph: params[{index}] ({item[0]}) is a Constant, which is never "
                "differentiated; make it a Value to get its gradient"
            )
        named.append((str(item[0]), item[1]))
    return named


def _input_names(fn: Callable[..., Any], example: Sequence[float] | None) -> list[str]:
    """One name per input of ``fn``: its parameter names (``*args``: as many as ``example``)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise TypeError("compile_graph: cannot read fn's signature; pass a def or lambda") from None
    names = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL and example is not None:
            extra = len(example) - len(names)
            names.extend(f"{parameter.name}{index}" for index in range(max(extra, 0)))
        elif parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            names.append(parameter.name)
        elif parameter.default is parameter.empty:
            raise TypeError(
                f"compile_graph: fn's inputs must be positional parameters (or *args with "
                f"example= giving their number), got {parameter}"
            )
    usable = []
    for index, name in enumerate(names):
        valid = _IDENTIFIER.match(name) and not keyword.iskeyword(name)
        if not valid or _RESERVED.match(name) or name in usable:
            name = f"x{index}_"  # reserved for renamed inputs, so unique
        usable.append(name)
    return usable


def _describe(node: Value) -> str:
    return f"the Value {node.label}={node.data!r}" if node.label else f"a Value {node.data!r}"


def _close(a: float, b: float, rel: float) -> bool:
    if a == b or (a != a and b != b):
        return True  # equal, or NaN in both
    return abs(a - b) <= rel * max(abs(a), abs(b), sys.float_info.min)
