"""The journal on a Valkey/Redis store: every worker's exchanges in one list, bounded as in memory.

Each entry is ``NUMBER|SIZE|JSON`` in the list ``journal``; ``journal_meta`` holds the last number
given and the bytes kept (see :mod:`.store`). One Lua script numbers an entry, appends it and
forgets the oldest while there are more than ``limit`` entries or ``max_bytes`` bytes, so the
bounds hold across workers exactly as :class:`.journal.Journal` holds them in one process; an
entry's size is counted the same way.

Recording never fails a request: when the store cannot take an entry, the answer still goes out
and the entry is lost (logged). Reading raises the store's 503 :class:`~.errors.MockError`.
"""

from __future__ import annotations

import base64
import logging
from functools import partial
from typing import Any, Final

import orjson

from .arrival import Arrival
from .errors import MockError
from .journal import Journal, JournalEntry
from .ledger import Clock
from .records import RecordedRequest, RecordedResponse
from .spec import Verdict, judge
from .store import Script, Store

__all__ = ["KEY_NAMES", "StoreJournal"]

logger = logging.getLogger("openrouter_stt_mock")

#: The names of every key this module writes (for a reset).
KEY_NAMES: Final = ("journal", "journal_meta")
# As Journal.record: only a planned body is longer; it is judged whole, then cut.
_KEPT_BODY: Final = 64 * 1024

# KEYS: journal journal_meta; ARGV: entry, its size, limit, max bytes -> the entry's number
_RECORD: Final = Script("""
local number = redis.call('HINCRBY', KEYS[2], 'count', 1)
redis.call('RPUSH', KEYS[1], number .. '|' .. ARGV[2] .. '|' .. ARGV[1])
local kept = redis.call('HINCRBY', KEYS[2], 'bytes', ARGV[2])
local length = redis.call('LLEN', KEYS[1])
while length > 1 and (length > tonumber(ARGV[3]) or kept > tonumber(ARGV[4])) do
  local oldest = redis.call('LPOP', KEYS[1])
  kept = redis.call('HINCRBY', KEYS[2], 'bytes', '-' .. string.match(oldest, '^%d+|(%d+)|'))
  length = length - 1
end
return number
""")

_REQUEST_FIELDS: Final = (
    *("method", "path", "headers", "body_size", "shape", "parse_error"),
    *("audio_sha256", "audio_size", "forced_by", "cut"),
)


def _encode(time: float, entry: JournalEntry) -> bytes:
    request, response = entry.request, entry.response
    verdict = entry._verdict  # only set when judged before a cut; else judged when read
    document = {
        "time": time,
        "request": {name: getattr(request, name) for name in _REQUEST_FIELDS},
        "response": {
            "status": response.status,
            "headers": response.headers,
            "body": base64.b64encode(response.body).decode(),
            "fault": response.fault,
            "cut": response.cut,
        },
        "verdict": None if verdict is None else verdict.to_dict(),
    }
    # A parsed body holds JSON's types; anything else is kept as its repr.
    return orjson.dumps(document, default=repr, option=orjson.OPT_NON_STR_KEYS)


def _decode(data: bytes) -> JournalEntry:
    number, _, document = data.split(b"|", 2)
    fields: dict[str, Any] = orjson.loads(document)
    request = fields["request"]
    request["cut"] = tuple(request["cut"])
    response = fields["response"]
    response["cut"] = tuple(response["cut"])
    response["body"] = base64.b64decode(response["body"])
    verdict = fields["verdict"]
    return JournalEntry(
        int(number),
        fields["time"],
        (RecordedRequest(**request), RecordedResponse(**response)),
        None if verdict is None else Verdict(**{**verdict, "errors": tuple(verdict["errors"])}),
    )


class StoreJournal(Journal):
    """A :class:`.journal.Journal` whose entries live on a store, shared by every worker."""

    def __init__(self, store: Store, limit: int, clock: Clock, *, max_bytes: int) -> None:
        super().__init__(limit, clock, max_bytes=max_bytes)
        self._store = store
        self._keys = [store.key(name) for name in KEY_NAMES]

    def record(self, request: RecordedRequest, response: RecordedResponse) -> JournalEntry:
        """Add one exchange, stamped now; return its entry, numbered once the store's reply is
        read (0 until then, and when the store failed)."""
        verdict = None
        if len(response.body) > _KEPT_BODY:
            verdict = judge(request, response)
            response = response._body_cut()
        entry = JournalEntry(0, self._clock(), (request, response), verdict)
        args: list[bytes | int] = [
            _encode(entry.time, entry),
            entry.size,
            self.limit,
            self.max_bytes,
        ]
        try:
            self._store.post(_RECORD, self._keys, args, partial(setattr, entry, "number"))
        except MockError as exc:
            logger.warning("journal entry lost: %s", exc.message)
        return entry

    def record_arrival(self, arrival: Arrival) -> JournalEntry:
        """Add one exchange as the gateway saw it: built at once, as the store keeps text."""
        return self.record(*arrival.build())

    @property
    def entries(self) -> list[JournalEntry]:
        """A snapshot of the entries, oldest first."""
        found: Any = self._store.call(lambda client: client.lrange(self._keys[0], 0, -1))
        return [_decode(data) for data in found]

    @property
    def nbytes(self) -> int:
        """The bytes the journal counts as kept (see :attr:`JournalEntry.size`)."""
        found: Any = self._store.call(lambda client: client.hget(self._keys[1], "bytes"))
        return int(found or 0)

    @property
    def last(self) -> JournalEntry:
        """The most recent entry (``IndexError`` when empty)."""
        return self[-1]

    def clear(self) -> None:
        """Forget every entry."""
        self._store.call(lambda client: client.delete(*self._keys))

    def __len__(self) -> int:
        found: Any = self._store.call(lambda client: client.llen(self._keys[0]))
        return int(found)

    def __getitem__(self, index: int) -> JournalEntry:
        found: Any = self._store.call(lambda client: client.lindex(self._keys[0], index))
        if found is None:
            raise IndexError("journal index out of range")
        return _decode(found)
