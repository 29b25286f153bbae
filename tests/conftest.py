"""Settings shared by every test folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

# CI runs a bounded slice; `HYPOTHESIS_PROFILE=thorough` runs many more examples locally.
settings.register_profile(
    "ci", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of bundled audio samples (``hello.*``, 9.2 s of speech) and their transcript."""
    return DATA


@pytest.fixture(scope="session")
def sample_transcript() -> str:
    """What the bundled ``hello.*`` samples say."""
    return (DATA / "hello.txt").read_text(encoding="utf-8").strip()
