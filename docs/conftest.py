"""pytest in docs/: the griffe extension is imported by mkdocs (the docs extra), not tested here."""

collect_ignore = ["griffe_doctests.py"]
