"""The mock's settings: one object shared by the command line and :func:`create_app`."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from .journal import DEFAULT_JOURNAL_BYTES
from .ledger import Clock
from .world import World

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEAD_TIMEOUT",
    "DEFAULT_HOST",
    "DEFAULT_LEASE",
    "DEFAULT_PORT",
    "DEFAULT_STATE_NAMESPACE",
    "DEFAULT_STATE_TIMEOUT",
    "MockConfig",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8080
#: Seconds a request head may take to arrive whole (served over HTTP).
DEFAULT_HEAD_TIMEOUT: Final = 10.0
#: Seconds the body of a request may go without a byte arriving.
DEFAULT_BODY_TIMEOUT: Final = 30.0
#: The prefix of the mock's keys on a state store.
DEFAULT_STATE_NAMESPACE: Final = "openrouter-stt-mock"
#: Seconds one call to the state store may take (a store on loopback or a LAN takes under 1 ms).
DEFAULT_STATE_TIMEOUT: Final = 0.5
#: Seconds a reservation on the store outlives a worker that died holding it: longer than any
#: request holds one (the default world's upstream timeout is 2 s).
DEFAULT_LEASE: Final = 30.0
# The URL schemes redis-py connects with (redis itself is optional: not imported here).
_STATE_SCHEMES: Final = ("redis", "rediss", "unix")


@dataclass(frozen=True)
class MockConfig:
    """How to build and serve the mock.

    ``world`` wins over ``world_file``; with neither, :meth:`World.default` is used.
    ``control_routes`` switches ``/_mock/journal`` and ``/_mock/reset`` on or off.
    ``journal_limit`` and ``journal_max_bytes`` bound the journal: it keeps the most recent
    entries up to that many, and up to that many bytes (64 MiB by default; see :mod:`.journal`).
    ``stall_seconds`` bounds how long a planned ``stall`` holds a response open.
    ``head_timeout_seconds`` is how long a request head may take to arrive whole, and
    ``body_timeout_seconds`` how long a body may go without a byte arriving: past either, the
    client gets a 408 (when an answer can still be sent) and the connection is closed. The head
    deadline applies when the mock is served by ``openrouter-stt mock`` or the
    ``openrouter_mock_server`` fixture; the body deadline wherever the app runs.
    ``clock`` gives seconds since the epoch (rate-limit windows, journal times, the reset time of
    a forced 429); tests inject their own.

    ``state``: a Valkey/Redis URL (``redis://HOST:PORT/DB``) on which to keep credit,
    reservations, rate windows, the queue and the journal, shared by every worker and process
    pointed at it (``None``: in memory, one process). ``state_namespace`` prefixes its keys;
    ``state_timeout_seconds`` bounds each call to it (past it, or with the store down, a request
    gets a 503 with ``Retry-After``); ``lease_seconds`` is how long a reservation outlives a
    worker that died holding it. ``workers``: processes serving one socket (more than one needs
    ``state``). See :mod:`.store`.

    >>> MockConfig(port=9000).host
    '127.0.0.1'
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    world: World | None = None
    world_file: Path | None = None
    control_routes: bool = True
    journal_limit: int = 10_000
    journal_max_bytes: int = DEFAULT_JOURNAL_BYTES
    stall_seconds: float = 30.0
    head_timeout_seconds: float = DEFAULT_HEAD_TIMEOUT
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT
    log_level: str = "warning"
    clock: Clock = field(default=time.time)
    state: str | None = None
    state_namespace: str = DEFAULT_STATE_NAMESPACE
    state_timeout_seconds: float = DEFAULT_STATE_TIMEOUT
    lease_seconds: float = DEFAULT_LEASE
    workers: int = 1

    def __post_init__(self) -> None:
        for name in (
            *("head_timeout_seconds", "body_timeout_seconds"),
            *("state_timeout_seconds", "lease_seconds"),
        ):
            value = getattr(self, name)
            if not 0 < value < math.inf:
                raise ValueError(f"{name} must be a number of seconds above 0, not {value!r}")
        if self.state is not None and urlsplit(self.state).scheme not in _STATE_SCHEMES:
            raise ValueError(
                "state must be a Valkey/Redis URL such as redis://127.0.0.1:6379/0 "
                f"(schemes: {', '.join(_STATE_SCHEMES)})"
            )
        if not self.state_namespace or any(c in self.state_namespace for c in "{} "):
            raise ValueError("state_namespace must be a non-empty name without spaces or braces")
        if self.workers < 1 or (self.workers > 1 and self.state is None):
            raise ValueError(
                "workers must be 1, or more with state set: workers share nothing in memory"
            )

    def load_world(self) -> World:
        """The world this configuration names."""
        if self.world is not None:
            return self.world
        if self.world_file is not None:
            return World.from_toml(self.world_file)
        return World.default()
