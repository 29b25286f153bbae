"""Fixtures of the contract tests: the OpenAPI documents every exchange is judged against."""

from __future__ import annotations

import pytest

from tests.contract._contract import LATEST_UPSTREAM, OURS, UPSTREAMS, Contract


@pytest.fixture(scope="session")
def ours() -> Contract:
    """Our hand-written fragment."""
    return Contract(OURS)


@pytest.fixture(scope="session", params=sorted(UPSTREAMS))
def upstream(request: pytest.FixtureRequest) -> Contract:
    """Each of OpenRouter's published documents of the endpoint in turn."""
    return Contract(UPSTREAMS[request.param])


@pytest.fixture(scope="session")
def latest_upstream() -> Contract:
    """OpenRouter's newest published document, the one our fragment follows."""
    return Contract(UPSTREAMS[LATEST_UPSTREAM])
