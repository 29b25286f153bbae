"""Fixtures of the contract tests: the OpenAPI documents every exchange is judged against."""

from __future__ import annotations

import pytest

from tests.contract._contract import OURS, UPSTREAM, Contract


@pytest.fixture(scope="session")
def ours() -> Contract:
    """Our hand-written fragment."""
    return Contract(OURS)


@pytest.fixture(scope="session")
def upstream() -> Contract:
    """OpenRouter's first published document of the endpoint."""
    return Contract(UPSTREAM)
