"""Fixtures of the reliability tests: load, faults, bad input and secrets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ._support import sample_cost


@pytest.fixture(scope="session")
def cost() -> Decimal:
    """What one request with the bundled ogg sample costs (a ``Decimal``)."""
    return sample_cost("ogg")
