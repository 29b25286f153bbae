"""A faithful offline mock of OpenRouter's speech-to-text endpoint.

    >>> import httpx
    >>> from openrouter_stt_mock import DEFAULT_API_KEY, create_app, get_handle, sync_transport
    >>> app = create_app()
    >>> get_handle(app).balance(DEFAULT_API_KEY)
    Decimal('1000')

Serve it with ``openrouter-stt mock`` (or ``python -m openrouter_stt_mock``), or in process with
:func:`sync_transport` / :func:`async_transport`. In pytest, the ``openrouter_mock`` fixture gives a
fresh world per test.
"""

from __future__ import annotations

from .app import ENDPOINT_PATH, create_app, get_handle
from .config import MockConfig
from .handle import MockHandle
from .in_process import async_transport, sync_transport
from .journal import Journal, JournalEntry, Verdict
from .scenarios import Fault, Outcome
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

__all__ = [
    "DEFAULT_API_KEY",
    "ENDPOINT_PATH",
    "Fault",
    "Health",
    "Journal",
    "JournalEntry",
    "KeySpec",
    "Limits",
    "MockConfig",
    "MockHandle",
    "ModelSpec",
    "Outcome",
    "ProviderSpec",
    "RateLimit",
    "Verdict",
    "World",
    "async_transport",
    "create_app",
    "get_handle",
    "sync_transport",
]

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith(__name__ + "."):
        # Tracebacks and reprs show the front door, not the private module.
        _obj.__module__ = __name__
del _name, _obj
