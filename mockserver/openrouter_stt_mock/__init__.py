"""A faithful offline mock of OpenRouter's speech-to-text endpoint.

    >>> from openrouter_stt_mock import DEFAULT_API_KEY, create_app, get_handle
    >>> app = create_app()
    >>> get_handle(app).balance(DEFAULT_API_KEY)
    Decimal('1000')

Serve it with ``openrouter-stt mock`` (or ``python -m openrouter_stt_mock``), or in process with
:func:`sync_transport` / :func:`async_transport`. In pytest, the ``openrouter_mock`` fixture gives a
fresh world per test, and ``openrouter_replay`` answers from recorded cassettes.

Names are loaded on first use: the pytest plugin lives in this package and is imported by every
pytest run where the package is installed, so importing the package itself must cost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import ENDPOINT_PATH, create_app
    from .config import MockConfig
    from .handle import MockHandle, get_handle
    from .in_process import IN_PROCESS_BASE_URL, async_transport, sync_transport
    from .journal import Journal, JournalEntry
    from .no_wait import NoWaitClock
    from .pytest_plugin import MockFixture, MockServer, ReplayFixture
    from .samples import SAMPLE_TEXT, sample
    from .scenarios import Fault, Outcome
    from .spec import Verdict
    from .world import (
        DEFAULT_API_KEY,
        Health,
        KeySpec,
        Limits,
        ModelSpec,
        ProviderSpec,
        RateLimit,
        World,
    )
    from .worldfile import WorldFileError

__all__ = [
    "DEFAULT_API_KEY",
    "ENDPOINT_PATH",
    "IN_PROCESS_BASE_URL",
    "SAMPLE_TEXT",
    "Fault",
    "Health",
    "Journal",
    "JournalEntry",
    "KeySpec",
    "Limits",
    "MockConfig",
    "MockFixture",
    "MockHandle",
    "MockServer",
    "ModelSpec",
    "NoWaitClock",
    "Outcome",
    "ProviderSpec",
    "RateLimit",
    "ReplayFixture",
    "Verdict",
    "World",
    "WorldFileError",
    "async_transport",
    "create_app",
    "get_handle",
    "sample",
    "sync_transport",
]

_HOMES = {
    "ENDPOINT_PATH": "app",
    "create_app": "app",
    "MockConfig": "config",
    "MockHandle": "handle",
    "get_handle": "handle",
    "IN_PROCESS_BASE_URL": "in_process",
    "async_transport": "in_process",
    "sync_transport": "in_process",
    "Journal": "journal",
    "JournalEntry": "journal",
    "NoWaitClock": "no_wait",
    "MockFixture": "pytest_plugin",
    "MockServer": "pytest_plugin",
    "ReplayFixture": "pytest_plugin",
    "SAMPLE_TEXT": "samples",
    "sample": "samples",
    "Fault": "scenarios",
    "Outcome": "scenarios",
    "Verdict": "spec",
    "DEFAULT_API_KEY": "world",
    "Health": "world",
    "KeySpec": "world",
    "Limits": "world",
    "ModelSpec": "world",
    "ProviderSpec": "world",
    "RateLimit": "world",
    "World": "world",
    "WorldFileError": "worldfile",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    if isinstance(value, type) and value.__module__.startswith(__name__ + "."):
        # Tracebacks and reprs show the front door, not the private module.
        value.__module__ = __name__
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
