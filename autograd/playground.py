"""What the docs site's Playground runs in the browser (Pyodide): the CLI, then the stepper.

The page (``docs/assets/playground/playground.js``) installs this package's
wheel, hands ``@viz-js/viz`` to ``autograd.render.set_svg_renderer``, and calls
``run`` for each expression. Nothing here is the browser's own: ``run`` is the
command line ``python -m autograd EXPR NAME=NUMBER ...`` (the same parser, the
same whitelist, never ``eval``) and the stepper page ``save_html`` writes, so
the suite checks it in CPython too.
"""

from __future__ import annotations

import io
from typing import Any

from autograd.cli import CliError, build_graph, main, parse_assignments
from autograd.render import GraphTooLargeError, RenderError
from autograd.stepper import stepper_page


def run(expression: str, variables: str, lang: str = "en") -> dict[str, Any]:
    """Run the CLI on ``expression`` and ``variables`` (``"w=0.5 x=2"``) and draw its stepper.

    ``lang`` (``"en"`` or ``"zh"``) is the stepper page's language; the CLI's lines are
    the same in both.

    Returns ``{"ok", "lines", "page", "problem"}``: ``lines`` are the CLI's
    standard output (the value, then ``d/dNAME = ...``) when ``ok``, else its
    one-line error; ``page`` is the stepper page for the expression's graph, or
    ``""`` with ``problem`` saying why it could not be drawn.

    >>> result = run("x * y + 1", "x=2 y=3")
    >>> result["ok"], result["lines"]
    (True, ['x * y + 1 = 7.0', 'd/dx = 3.0', 'd/dy = 2.0'])
    >>> run("__import__('os')", "")["lines"]  # doctest: +ELLIPSIS
    ['python -m autograd: error: unknown function __import__: the functions are exp, ...']
    """
    words = variables.split()
    # "--" first, as a shell user would: whatever the boxes hold is an expression and
    # NAME=NUMBER words, never an option such as --svg that writes a file
    arguments = ["--", expression, *words]
    output, errors = io.StringIO(), io.StringIO()
    status = main(arguments, stdout=output, stderr=errors)
    if status != 0:
        return {"ok": False, "lines": errors.getvalue().splitlines(), "page": "", "problem": ""}
    lines = output.getvalue().splitlines()
    try:
        root, _leaves = build_graph(expression, parse_assignments(words))
        page = stepper_page(root, title=expression, lang=lang)
    except (CliError, RenderError, GraphTooLargeError) as error:
        return {"ok": True, "lines": lines, "page": "", "problem": " ".join(str(error).split())}
    return {"ok": True, "lines": lines, "page": page, "problem": ""}
