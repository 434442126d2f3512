"""pytest in docs/: the griffe extension is imported by mkdocs (the docs extra), not tested here."""

from collections.abc import Iterator

import pytest

from autograd import set_language

collect_ignore = ["griffe_doctests.py"]


@pytest.fixture(autouse=True)
def english_after_each_page() -> Iterator[None]:
    """A page that fails before its closing set_language("en") leaves the thread in English.

    The language is per thread and every page's doctest runs in the same one: without this,
    one failing Chinese example would make the next page's English steps fail too.
    """
    yield
    set_language("en")
