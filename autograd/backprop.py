"""The backward pass: the chain rule applied to every node in reverse topological order."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import NamedTuple

from autograd.graph import topological_order
from autograd.modes import _Modes
from autograd.value import Value, _describe, _describe_all

# Held while a backward pass adds into .grad. A plain pass uses .grad as its running
# sum, and create_graph adds Values (Python code between reading .grad and writing it
# back): either would lose another thread's updates to a shared parameter without it.
accumulating = threading.RLock()


class Contribution(NamedTuple):
    """What one input of a node receives in one backward step."""

    input: Value
    local: float  # d node / d input, taken at forward time
    contribution: float  # upstream * local


class BackwardStep(NamedTuple):
    """The chain rule applied at one non-leaf node."""

    node: Value
    upstream: float  # d root / d node for this pass, times the seed gradient
    contributions: tuple[Contribution, ...]

    def __str__(self) -> str:
        """The step in words, in ``set_language``'s language: see ``explain``."""
        return self.explain()

    def explain(
        self, *, lang: str | None = None, params: object = None, root: Value | None = None
    ) -> str:
        """The step in words, as ``--steps`` and the stepper say it: ``lang`` "en" or "zh"
        (``set_language``'s by default), names from ``params``; see ``explain_step``."""
        from autograd.explain import explain_step

        return explain_step(self, lang=lang, params=params, root=root)


def backward(root: Value, seed: float) -> None:
    """Add ``seed * d root / d node`` to ``node.grad`` for every node reachable from root."""
    if not _Modes.plain and _Modes.local.current.anomaly:
        for _step in backward_steps(root, seed):
            pass
        return
    order = topological_order(root)
    with accumulating:  # another thread's pass must not add into .grad while this one uses it
        # This pass sums each node's d root / d node in .grad itself, starting from 0.0.
        # Gradients an earlier pass left are set aside first and added back at the end,
        # so they never feed into this pass (and a Value needs no slot of its own for it).
        earlier = [node.grad for node in order]
        carried = any(earlier)  # usually not: a training step zeroes the gradients first
        try:
            if carried:
                for node in order:
                    node.grad = 0.0
            root.grad = seed
            for node in order:
                upstream = node.grad  # complete: every consumer of node came earlier
                input_a = node._input_a
                if input_a is None:
                    continue  # a leaf: nothing to pass on
                if upstream - upstream != 0.0:
                    # inf or NaN arrived (inf - inf is NaN): a zero local derivative passes 0
                    _pass_on_masked(node, upstream)
                    continue
                contribution = upstream * node._local_a  # the chain rule
                input_a.grad += contribution
                input_b = node._input_b
                if input_b is not None:
                    contribution = upstream * node._local_b  # the chain rule
                    input_b.grad += contribution
        except BaseException:
            # interrupted midway (Ctrl-C, MemoryError): every .grad goes back to what it was
            for node, before in zip(order, earlier, strict=True):
                node.grad = before
            raise
        if carried:
            _add_back(order, earlier)


def _add_back(order: list[Value], earlier: list[float]) -> None:
    """Add each node's gradient from earlier passes to this pass's, as PyTorch accumulates.

    Every one of them, even if interrupted midway (Ctrl-C): until they are
    added back, the earlier gradients live only in ``earlier``.
    """
    added = 0
    try:
        for node, before in zip(order, earlier, strict=True):
            node.grad = before + node.grad
            added += 1
    finally:
        for node, before in zip(order[added:], earlier[added:], strict=True):
            node.grad = before + node.grad  # only after an interruption: the rest


def _pass_on_masked(node: Value, upstream: float) -> None:
    """Pass an infinite or NaN upstream on to ``node``'s inputs, masked where the local is 0.

    A local derivative that is exactly 0 passes 0, whatever arrives (inf * 0 would be
    NaN): sqrt(relu(x)) at x = -1 gives x.grad 0, as PyTorch masks relu's backward,
    and a constant, whose local is always 0, never receives a NaN.
    """
    for input_node, local_grad in zip(node.inputs, node.local_grads, strict=True):
        input_node.grad += masked_product(upstream, local_grad)


def masked_product(upstream: float, local_grad: float) -> float:
    """The chain rule's ``upstream * local``, except that a local of exactly 0 passes 0."""
    if local_grad == 0.0:
        return 0.0
    return upstream * local_grad


def backward_steps(root: Value, seed: float) -> Iterator[BackwardStep]:
    """The same pass as ``backward``, yielding a BackwardStep after applying each non-leaf node.

    Under ``detect_anomaly`` it also stops at the first NaN gradient.
    """
    for node, upstream, contributions in chain_rule(root, seed):
        with accumulating:
            node.grad += upstream
        if contributions:
            yield BackwardStep(node, upstream, contributions)


def chain_rule(root: Value, seed: float) -> Iterator[tuple[Value, float, tuple[Contribution, ...]]]:
    """Each node in backward's order, with ``seed * d root / d node`` and what its inputs receive.

    The pass without touching any ``.grad``: ``backward_steps`` adds to
    ``.grad`` as it goes, ``autograd.grad`` only collects.
    """
    order = topological_order(root)
    upstream_of = {root: seed}
    for node in order:
        upstream = upstream_of.pop(node)  # complete: every consumer of node came earlier
        contributions = []
        for input_node, local_grad in zip(node.inputs, node.local_grads, strict=True):
            contribution = masked_product(upstream, local_grad)  # the chain rule
            if contribution != contribution and _Modes.local.current.anomaly:
                _raise_nan_gradient(node, input_node, upstream, local_grad)
            upstream_of[input_node] = upstream_of.get(input_node, 0.0) + contribution
            contributions.append(Contribution(input_node, local_grad, contribution))
        yield node, upstream, tuple(contributions)


def _raise_nan_gradient(node: Value, input_node: Value, upstream: float, local_grad: float) -> None:
    raise FloatingPointError(
        f"backward through op {node.op!r} produced a NaN gradient for input "
        f"{_describe(input_node)}: upstream {upstream!r} x local derivative {local_grad!r} "
        f"(op inputs: {_describe_all(node.inputs)})"
    )
