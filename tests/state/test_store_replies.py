"""A store that answers but refuses (a replica, out of memory, its scripts flushed) on the calls
that block: a 503 with ``Retry-After`` while it cannot serve, the same answers once it can.

redis-py's parser, on the blocking connections, raises these replies as classes of their own
without the code in the message; the event loop's connections keep the code (test_store.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pytest
import redis

from openrouter_stt_mock import DEFAULT_API_KEY, MockConfig, World
from openrouter_stt_mock.errors import MockError
from openrouter_stt_mock.store import PAUSE_SECONDS, Store
from openrouter_stt_mock.store_ledger import StoreLedger

from ..mock.conftest import error_of
from ._valkey import ValkeyProcess
from .conftest import OpenMock, when_served

T = TypeVar("T")

COST = Decimal("0.000508")


def off_asyncio(call: Coroutine[Any, Any, T]) -> T:
    """Run ``call`` outside asyncio, as on trio: the store's calls block there, so it ends
    without ever suspending."""
    try:
        call.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    call.close()
    raise AssertionError("the call waited on an event loop")


def served_again(attempt: Callable[[], T], seconds: float = 5) -> T:
    """``attempt``'s result once it stops failing with a 503 (the store is left alone for
    PAUSE_SECONDS after a failure)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return attempt()
        except MockError as exc:
            if exc.status != 503 or time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@pytest.fixture
def admin(own_valkey: ValkeyProcess) -> Iterator[redis.Redis]:
    """A direct connection to the test's own server, to make it refuse."""
    with redis.Redis.from_url(own_valkey.url) as direct:
        yield direct


@pytest.fixture
def ledger(own_valkey: ValkeyProcess) -> Iterator[StoreLedger]:
    world = World.default()
    store = Store(own_valkey.url, "test", world, timeout_seconds=2)
    yield StoreLedger(store, world, time.time, lease_seconds=600)
    store.close()


def assert_unavailable(refused: pytest.ExceptionInfo[MockError], code: str) -> None:
    assert refused.value.status == 503
    assert refused.value.headers["Retry-After"] == str(PAUSE_SECONDS)
    assert code in refused.value.message


def test_a_replica_cut_off_from_its_primary_is_a_503_then_serves_again(
    own_valkey: ValkeyProcess, admin: redis.Redis, open_mock: OpenMock
):
    client, handle = open_mock(MockConfig(state=own_valkey.url, state_timeout_seconds=0.5))
    with client:
        assert client.get("/_mock/journal").status_code == 200
        admin.execute_command("REPLICAOF", "127.0.0.1", "1")  # a primary that never answers
        admin.config_set("replica-serve-stale-data", "no")  # reads refused too: MASTERDOWN
        try:
            stale = client.get("/_mock/journal")
            assert stale.status_code == 503
            assert stale.headers["retry-after"] == str(PAUSE_SECONDS)
            assert "MasterDownError" in error_of(stale)["message"]
            admin.config_set("replica-serve-stale-data", "yes")  # reads served, writes READONLY
            time.sleep(PAUSE_SECONDS)
            with pytest.raises(MockError) as refused:
                handle.reset()
            assert_unavailable(refused, "ReadOnlyError")
            time.sleep(PAUSE_SECONDS)
            # Over HTTP, the same refusal is a 503 in the error shape, not a server error.
            reset = client.post("/_mock/reset")
            assert reset.status_code == 503
            assert reset.headers["retry-after"] == str(PAUSE_SECONDS)
            assert "ReadOnlyError" in error_of(reset)["message"]
        finally:
            admin.execute_command("REPLICAOF", "NO", "ONE")
            admin.config_set("replica-serve-stale-data", "yes")
        assert when_served(lambda: client.get("/_mock/journal")).status_code == 200
        served_again(handle.reset)


def test_a_store_out_of_memory_is_a_503_then_serves_again(admin: redis.Redis, ledger: StoreLedger):
    before = ledger.reserve(DEFAULT_API_KEY, COST)  # the store has the script from now on
    admin.config_set("maxmemory-policy", "noeviction")
    admin.config_set("maxmemory", 1)  # every write refused: OOM
    try:
        with pytest.raises(MockError) as refused:
            ledger.reserve(DEFAULT_API_KEY, COST)
        assert_unavailable(refused, "OutOfMemoryError")
        time.sleep(PAUSE_SECONDS)
        with pytest.raises(MockError) as refused_soon:
            off_asyncio(ledger.reserve_soon(DEFAULT_API_KEY, COST))
        assert_unavailable(refused_soon, "OutOfMemoryError")
    finally:
        admin.config_set("maxmemory", 0)
    reservation = served_again(lambda: ledger.reserve(DEFAULT_API_KEY, COST))
    ledger.settle(before, COST)
    ledger.settle(reservation, COST)
    assert ledger.balance(DEFAULT_API_KEY) == Decimal(1000) - 2 * COST


def test_a_replica_refuses_a_reservation_off_asyncio_with_a_503(
    admin: redis.Redis, ledger: StoreLedger
):
    before = ledger.reserve(DEFAULT_API_KEY, COST)  # the store has the script from now on
    admin.execute_command("REPLICAOF", "127.0.0.1", "1")
    try:
        with pytest.raises(MockError) as refused:
            off_asyncio(ledger.reserve_soon(DEFAULT_API_KEY, COST))
        assert_unavailable(refused, "ReadOnlyError")
    finally:
        admin.execute_command("REPLICAOF", "NO", "ONE")
    reservation = served_again(lambda: off_asyncio(ledger.reserve_soon(DEFAULT_API_KEY, COST)))
    ledger.settle(before, COST)
    ledger.settle(reservation, COST)
    assert ledger.balance(DEFAULT_API_KEY) == Decimal(1000) - 2 * COST


def test_scripts_flushed_from_the_store_are_sent_again_off_asyncio(
    admin: redis.Redis, ledger: StoreLedger
):
    first = off_asyncio(ledger.reserve_soon(DEFAULT_API_KEY, COST))
    admin.script_flush()  # as a restart does
    second = off_asyncio(ledger.reserve_soon(DEFAULT_API_KEY, COST))
    ledger.settle(first, COST)
    ledger.settle(second, COST)
    assert ledger.balance(DEFAULT_API_KEY) == Decimal(1000) - 2 * COST
