"""Credit, reservations and rate-limit windows on a Valkey/Redis store, shared by every worker.

The same bookkeeping as :class:`.ledger.Ledger`, each check-and-change one Lua script run on the
store. Keys (see :mod:`.store`): ``balance`` and ``held`` (hashes: API key -> nano-USD),
``leases`` (a sorted set: reservation id -> when it expires), ``lease_key`` and
``lease_amount`` (hashes by reservation id), ``settled`` (a sorted set of recently settled ids),
``window_start`` and ``window_used`` (hashes by API key).

A balance the store does not hold yet is the world's starting credit: the scripts are given it
and write it on first use, so a store that restarts empty serves a fresh world, as a reset does.
A reservation is a lease: a worker that dies before settling leaves it to expire after
``lease_seconds``, and the next reservation on the store releases it. Settling removes the lease
and charges in one step, so a charge is applied once, however often it is retried; a lease that
expired or was reset away is not charged at all. Requests in flight at a provider are counted per
process (they bound one worker's concurrency, as a provider's capacity does per connection).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from .errors import MockError
from .ledger import Clock, Ledger, Reservation
from .state import WaitingAccounts
from .store import Script, Store, from_units, to_units
from .world import KeySpec, World

__all__ = ["StoreLedger", "StoreReservation"]

# Expired leases are released before anything else, by whichever script runs next.
_RELEASE_EXPIRED: Final = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, id in ipairs(expired) do
  local key = redis.call('HGET', KEYS[4], id)
  local amount = redis.call('HGET', KEYS[5], id)
  if key and amount and amount ~= '0' then
    redis.call('HINCRBY', KEYS[2], key, '-' .. amount)
  end
  redis.call('HDEL', KEYS[4], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('ZREM', KEYS[3], id)
end
"""

# KEYS: balance held leases lease_key lease_amount
# ARGV: now, API key, starting credit, amount, reservation id, lease expiry
# -> {1, 0} reserved, or {0, available} refused
_RESERVE: Final = Script(
    _RELEASE_EXPIRED
    + """
local balance = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or ARGV[3])
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
local available = balance - held
if available <= 0 or available < tonumber(ARGV[4]) then
  return {0, available}
end
redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
redis.call('HSET', KEYS[4], ARGV[5], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[5], ARGV[4])
return {1, 0}
"""
)

# KEYS: balance held leases lease_key lease_amount settled
# ARGV: now, API key, starting credit, -amount, reservation id, -charged, settled expiry
# -> 1 settled now, 2 settled before (a retry), 0 no such lease (expired, or reset away)
_SETTLE: Final = Script("""
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', ARGV[1])
if redis.call('ZREM', KEYS[3], ARGV[5]) == 0 then
  if redis.call('ZSCORE', KEYS[6], ARGV[5]) then return 2 end
  return 0
end
redis.call('HDEL', KEYS[4], ARGV[5])
redis.call('HDEL', KEYS[5], ARGV[5])
if ARGV[4] ~= '-0' then redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[4]) end
redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
if ARGV[6] ~= '-0' then redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[6]) end
redis.call('ZADD', KEYS[6], ARGV[7], ARGV[5])
return 1
""")

# KEYS: window_start window_used
# ARGV: API key, now, window seconds, requests allowed
# -> {1, start} counted, or {0, start} refused (start as text: Lua numbers reply as integers)
_ADMIT: Final = Script("""
local start = redis.call('HGET', KEYS[1], ARGV[1])
if not start or tonumber(ARGV[2]) >= tonumber(start) + tonumber(ARGV[3]) then
  start = ARGV[2]
  redis.call('HSET', KEYS[1], ARGV[1], start)
  redis.call('HSET', KEYS[2], ARGV[1], 0)
end
if tonumber(redis.call('HGET', KEYS[2], ARGV[1])) >= tonumber(ARGV[4]) then
  return {0, start}
end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return {1, start}
""")

#: The names of every key this module writes (for a reset).
KEY_NAMES: Final = (
    *("balance", "held", "leases", "lease_key", "lease_amount", "settled"),
    *("window_start", "window_used"),
)


@dataclass(frozen=True)
class StoreReservation(Reservation):
    """A reservation held on the store as a lease named ``ident``."""

    ident: str = ""


class StoreLedger(WaitingAccounts):
    """The :class:`~.state.Accounts` of one world on a store (see the module's docstring)."""

    def __init__(self, store: Store, world: World, clock: Clock, *, lease_seconds: float) -> None:
        if lease_seconds <= world.limits.upstream_timeout_seconds:
            raise ValueError(
                f"lease_seconds ({lease_seconds:g}) must be longer than the world's upstream "
                f"timeout ({world.limits.upstream_timeout_seconds:g} s), the longest a request "
                "holds a reservation"
            )
        self._store = store
        self._world = world
        self._clock = clock
        self._lease_seconds = lease_seconds
        # Checked once, here: a credit the store cannot hold exactly is refused at start.
        self._credit = {name: str(to_units(spec.credit_usd)) for name, spec in world.keys.items()}
        self._local = Ledger(world, clock)
        self.enter = self._local.enter
        self.leave = self._local.leave
        key = store.key
        self._accounts = [key(name) for name in KEY_NAMES[:6]]
        self._windows = [key(name) for name in KEY_NAMES[6:]]

    def balance(self, key: str) -> Decimal:
        """The key's credit in USD (charges included, open reservations not)."""
        found: Any = self._store.run("HGET", self._accounts[0], key)
        return from_units(found if found is not None else self._credit[key])

    def admit(self, key: str, spec: KeySpec) -> None:
        """Count one request against the key's rate limit, or raise a 429 :class:`MockError`."""
        if spec.rate_limit is not None:
            now = self._clock()
            _admitted(
                spec, now, self._store.eval(_ADMIT, self._windows, _admit_args(key, spec, now))
            )

    async def admit_soon(self, key: str, spec: KeySpec) -> None:
        """:meth:`admit`, waiting on the store without blocking the event loop."""
        if spec.rate_limit is not None:
            now = self._clock()
            args = _admit_args(key, spec, now)
            _admitted(spec, now, await self._store.eval_soon(_ADMIT, self._windows, args))

    def reserve(self, key: str, amount: Decimal) -> StoreReservation:
        """Set ``amount`` aside, or raise a 402 :class:`MockError` when credit falls short."""
        ident, args = self._reserve_args(key, amount)
        _reserved(amount, self._store.eval(_RESERVE, self._accounts[:5], args))
        return StoreReservation(key, amount, ident)

    async def reserve_soon(self, key: str, amount: Decimal) -> StoreReservation:
        """:meth:`reserve`, waiting on the store without blocking the event loop."""
        ident, args = self._reserve_args(key, amount)
        _reserved(amount, await self._store.eval_soon(_RESERVE, self._accounts[:5], args))
        return StoreReservation(key, amount, ident)

    def _reserve_args(self, key: str, amount: Decimal) -> tuple[str, list[str | int]]:
        ident = os.urandom(12).hex()
        now = self._clock()
        args: list[str | int] = [
            repr(now),
            key,
            self._credit[key],
            to_units(amount),
            ident,
            repr(now + self._lease_seconds),
        ]
        return ident, args

    def settle(self, reservation: Reservation, charged: Decimal) -> None:
        """End a reservation, charging ``charged`` (at most the amount held; zero on failure).

        Posted and held (:meth:`.Store.post`): the journal's write that follows carries it. A
        settlement lost on the way leaves the lease to expire by itself, uncharged; one sent
        twice charges once.
        """
        if not 0 <= charged <= reservation.amount:
            raise ValueError(f"cannot charge {charged} against {reservation.amount} held")
        assert isinstance(reservation, StoreReservation), "a reservation of another ledger"
        now = self._clock()
        args = [
            repr(now),
            reservation.key,
            self._credit[reservation.key],
            f"-{to_units(reservation.amount)}",
            reservation.ident,
            f"-{to_units(charged)}",
            repr(now + self._lease_seconds),
        ]
        self._store.post(_SETTLE, self._accounts, args, hold=True)


def _admit_args(key: str, spec: KeySpec, now: float) -> list[str | int]:
    assert spec.rate_limit is not None
    return [key, repr(now), repr(spec.rate_limit.window_seconds), spec.rate_limit.requests]


def _admitted(spec: KeySpec, now: float, reply: Any) -> None:
    """Nothing when ``_ADMIT`` counted the request, else its 429."""
    counted, start = reply
    limit = spec.rate_limit
    if counted or limit is None:
        return
    reset = float(start) + limit.window_seconds
    raise MockError(
        429,
        f"Rate limit exceeded: {limit.requests} requests per {limit.window_seconds:g} s "
        "for this key",
        headers={
            "Retry-After": str(max(1, math.ceil(reset - now))),
            "X-RateLimit-Limit": str(limit.requests),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(math.ceil(reset * 1000)),
        },
    )


def _reserved(amount: Decimal, reply: Any) -> None:
    """Nothing when ``_RESERVE`` set ``amount`` aside, else its 402."""
    reserved, available = reply
    if not reserved:
        raise MockError(
            402,
            "Insufficient credits. Add more using https://openrouter.ai/credits",
            metadata={"balance_usd": str(from_units(available)), "required_usd": str(amount)},
        )
