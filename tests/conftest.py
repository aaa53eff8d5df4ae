"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from unspin import default_analyzer


@pytest.fixture(scope="session")
def analyzer():
    """The real pipeline over the shipped resources, loaded once for the whole run."""
    return default_analyzer()


@pytest.fixture(scope="session")
def lexicon(analyzer):
    return analyzer.lexicon
