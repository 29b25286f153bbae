"""Planned outcomes on a Valkey/Redis store: one list shared by every worker.

Each outcome is a JSON document in the list ``queue`` (see :mod:`.store`); adding is one
``RPUSH``, taking one ``LPOP``, so two workers never take the same outcome.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

import orjson

from .scenarios import Outcome
from .state import WaitingOutcomes
from .store import Store

__all__ = ["KEY_NAMES", "StoreScenarios", "decode_outcome", "encode_outcome"]

#: The names of every key this module writes (for a reset).
KEY_NAMES = ("queue",)


def encode_outcome(outcome: Outcome) -> bytes:
    """``outcome`` as the JSON the store keeps."""
    body = None if outcome.body is None else base64.b64encode(outcome.body).decode()
    return orjson.dumps(
        {
            "status": outcome.status,
            "latency": outcome.latency,
            "fault": outcome.fault,
            "headers": dict(outcome.headers),
            "body": body,
        }
    )


def decode_outcome(data: bytes) -> Outcome:
    """The outcome :func:`encode_outcome` wrote."""
    fields: dict[str, Any] = orjson.loads(data)
    body = fields.pop("body")
    return Outcome(**fields, body=None if body is None else base64.b64decode(body))


class StoreScenarios(WaitingOutcomes):
    """The :class:`~.state.PlannedOutcomes` of one world on a store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._key = store.key(KEY_NAMES[0])

    def add(self, outcomes: Iterable[Outcome]) -> None:
        """Append outcomes to the queue."""
        encoded = [encode_outcome(outcome) for outcome in outcomes]
        if encoded:
            self._store.call(lambda client: client.rpush(self._key, *encoded))

    def take(self) -> Outcome | None:
        """Remove and return the next outcome, or ``None`` when nothing is planned."""
        data: Any = self._store.run("LPOP", self._key)
        return None if data is None else decode_outcome(data)

    async def take_soon(self) -> Outcome | None:
        """:meth:`take`, waiting on the store without blocking the event loop."""
        data: Any = await self._store.fetch("LPOP", self._key)
        return None if data is None else decode_outcome(data)

    def pending(self) -> tuple[Outcome, ...]:
        """The outcomes not used yet, in order."""
        found: Any = self._store.call(lambda client: client.lrange(self._key, 0, -1))
        return tuple(decode_outcome(data) for data in found)

    def clear(self) -> None:
        """Forget every planned outcome."""
        self._store.call(lambda client: client.delete(self._key))
