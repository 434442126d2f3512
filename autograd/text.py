"""How numbers and labels are shown, the same in the drawing, the stepper, rules and names."""

from __future__ import annotations

import re

# How much of a label (or op name) is drawn: a longer one is cut, ends in "…",
# and shows in full (up to MAX_TOOLTIP_CHARS) as the node's tooltip. Graphviz
# sizes text in time that grows faster than its length (10 M characters took
# two minutes), and a picture cannot show a paragraph anyway.
MAX_LABEL_CHARS = 100
MAX_TOOLTIP_CHARS = 1000

# XML 1.0 allows no other control characters, nor U+FFFE and U+FFFF: an SVG
# holding one is not a well-formed document, and browsers refuse to show it.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def format_number(number: float) -> str:
    """How a number is shown: 4 significant digits (``-0.07065``, ``6``, ``1e+20``)."""
    if number == 0.0:
        return "0"  # -0.0 too: a sign on zero only confuses a picture
    return f"{number:.4g}"


def display_text(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` as a drawing shows it: at most ``limit`` characters (a cut one ends in "…"),
    and characters XML cannot hold written as escapes (``\\x01``).

    >>> display_text("w\\x01"), display_text("abcdefgh", limit=5)
    ('w\\\\x01', 'abcd…')
    """
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return _NOT_IN_XML.sub(
        lambda match: (
            f"\\u{ord(match.group()):04x}"
            if ord(match.group()) > 0xFF
            else f"\\x{ord(match.group()):02x}"
        ),
        text,
    )
