"""Task 3: the backward pass, a plain loop over the topological order.

``backward(root)`` adds d root / d node to ``node.grad`` for every node
reachable from ``root`` (``root`` itself gets 1.0). It works on any node with
``inputs``, ``local_grads`` (one number per input: d node / d input, taken
when the op ran) and a ``grad`` you may add to: autograd's ``Value`` and your
``Node`` from task 1 alike.

The chain rule, one node at a time: walk the nodes root first, each before
its inputs. The ``topological_order`` imported below is task 2's reference
solution, which, like yours, works on anything with ``inputs``; once yours
passes its tests you may import it instead (``autograd.topological_order``
would not do: it reads the engine's own slots, so it works on ``Value`` only).
When you reach a node, every node that used it has already passed its share
back, so its gradient for this pass (its *upstream*) is complete. Add it to
``node.grad``, then pass it on to each input of the node::

    contribution = upstream * local_grad     # the chain rule
    upstream of the input += contribution    # an input used twice gets both shares

Rules the tests check:
- gradients *add*: ``a + a`` gives ``a`` the gradient 2, and a node used by
  several others gets the sum of what each passes back;
- calling ``backward`` a second time adds the same gradients again, on every
  node, intermediate ones included, as PyTorch does. So keep this pass's
  upstream values apart from ``.grad`` (a dict keyed by node is fine): if
  you read ``node.grad`` as the upstream, a second call adds twice what the
  first one left in intermediate nodes, which is micrograd's known bug;
- no recursion: a chain 20,000 nodes deep must work.

Check your work:  .venv/bin/python -m pytest exercises/test_03_backward.py
"""

from __future__ import annotations

# or yours, once it passes: from exercises.task_02_topo import topological_order
from exercises.solutions.task_02_topo import topological_order  # noqa: F401


def backward(root) -> None:
    """Add d root / d node to ``node.grad`` for every node reachable from ``root``."""
    raise NotImplementedError("task 3: write backward (a plain loop over the topological order)")
