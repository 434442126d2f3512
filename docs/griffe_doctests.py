"""A griffe extension for the API reference: doctest examples in docstrings render as code.

The docstrings here show ``>>>`` examples in running prose (pytest runs them),
not under an ``Examples:`` heading, so mkdocstrings would read them as Markdown
(``['tanh', '*']`` as a link, ``>>>`` as a quote). This wraps each run of
example lines, up to the next blank line, in a ```pycon fence.
"""

from __future__ import annotations

from typing import Any

import griffe

PROMPT = ">>>"
FENCE = "```"


def fence_doctests(text: str) -> str:
    """Wrap every run of doctest lines (a ``>>>`` line up to a blank line) in a pycon fence."""
    fenced: list[str] = []
    in_code_block = False
    example_indent = None  # the indent of the open example's fence, None outside one
    for line in text.split("\n"):
        stripped = line.lstrip()
        if example_indent is not None and not stripped:
            fenced.append(example_indent + FENCE)
            example_indent = None
        elif example_indent is None and stripped.startswith(FENCE):
            in_code_block = not in_code_block
        elif example_indent is None and not in_code_block and stripped.startswith(PROMPT):
            example_indent = line[: len(line) - len(stripped)]
            fenced.append(example_indent + FENCE + "pycon")
        fenced.append(line)
    if example_indent is not None:
        fenced.append(example_indent + FENCE)
    return "\n".join(fenced)


class DoctestBlocks(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
