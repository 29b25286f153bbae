"""``GET /_mock/journal``: pages from a cursor, newest first, filters by status and verdict, a 400
naming a parameter it does not take, and an answer produced a slice at a time."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import anyio
import httpx
import pytest

from openrouter_stt_mock import (
    IN_PROCESS_BASE_URL,
    MockHandle,
    async_transport,
    create_app,
    get_handle,
    journal_feed,
)
from openrouter_stt_mock.journal import Journal
from openrouter_stt_mock.records import RecordedRequest, RecordedResponse
from openrouter_stt_mock.scenarios import Outcome

from .conftest import ENDPOINT, auth, body, error_of


def _numbers(client: httpx.Client, query: str = "") -> list[int]:
    answer = client.get("/_mock/journal" + query)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    entries: list[dict[str, Any]] = answer.json()
    return [entry["number"] for entry in entries]


@pytest.fixture
def six(client: httpx.Client) -> None:
    """Six exchanges: 200, 400 (not JSON), 401 (no key), 200, 404, 200."""
    client.post(ENDPOINT, json=body(), headers=auth())
    client.post(ENDPOINT, content=b"nope", headers=auth())
    client.post(ENDPOINT, json=body())
    client.post(ENDPOINT, json=body(), headers=auth())
    client.post(ENDPOINT, json=body(model="no/model"), headers=auth())
    client.post(ENDPOINT, json=body(), headers=auth())


@pytest.mark.usefixtures("six")
def test_without_a_query_every_entry_oldest_first(client: httpx.Client) -> None:
    assert _numbers(client) == [1, 2, 3, 4, 5, 6]


@pytest.mark.usefixtures("six")
def test_pages_follow_the_cursor_either_way(client: httpx.Client) -> None:
    assert _numbers(client, "?limit=4") == [1, 2, 3, 4]
    assert _numbers(client, "?limit=4&after=4") == [5, 6]
    assert _numbers(client, "?limit=4&after=6") == []
    assert _numbers(client, "?order=newest&limit=4") == [6, 5, 4, 3]
    assert _numbers(client, "?order=newest&limit=4&after=3") == [2, 1]


@pytest.mark.usefixtures("six")
def test_filters_by_status_and_verdict(client: httpx.Client) -> None:
    assert _numbers(client, "?status=200") == [1, 4, 6]
    assert _numbers(client, "?status=400,401&order=newest") == [3, 2]
    # The requests without a key or with a body that is not JSON do not fit the spec.
    assert _numbers(client, "?verdict=invalid") == [2, 3]
    assert _numbers(client, "?verdict=valid&status=200&limit=2&after=1") == [4, 6]


def test_a_dropped_connection_is_status_none(client: httpx.Client, handle: MockHandle) -> None:
    handle.queue(fault="reset")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(ENDPOINT, json=body(), headers=auth())
    client.post(ENDPOINT, json=body(), headers=auth())
    assert _numbers(client, "?status=none") == [1]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=ten", "limit"),
        ("?after=-1", "after"),
        ("?order=random", "order"),
        ("?status=2xx", "status"),
        ("?verdict=maybe", "verdict"),
        ("?limt=5", "limt"),
    ],
)
def test_a_wrong_parameter_is_a_400_naming_it(client: httpx.Client, query: str, field: str) -> None:
    answer = client.get("/_mock/journal" + query)
    assert answer.status_code == 400
    assert error_of(answer)["metadata"]["field"] == field


def test_the_answer_comes_in_pieces_between_which_the_loop_runs(
    client: httpx.Client, handle: MockHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(20):
        client.post(ENDPOINT, json=body(), headers=auth())
    # A slice of no time at all: the feed gives the loop its turn after every entry.
    monkeypatch.setattr(journal_feed, "SLICE_SECONDS", 0.0)
    turns = 0

    async def count_turns() -> None:
        nonlocal turns
        while True:
            turns += 1
            await anyio.lowlevel.checkpoint()

    async def read() -> list[bytes]:
        query = journal_feed.JournalQuery()
        async with anyio.create_task_group() as group:
            group.start_soon(count_turns)
            pieces = [piece async for piece in journal_feed.feed(handle.journal, query)]
            group.cancel_scope.cancel()
        return pieces

    pieces = anyio.run(read)
    assert len(pieces) == 21  # one per entry, the closing bracket last
    assert turns >= 20
    assert b"".join(pieces) == client.get("/_mock/journal").content


def test_the_feed_knows_which_requests_are_being_answered() -> None:
    # The feed gives way while the endpoint answers; the count it reads must follow each request
    # in and out, an error answer's too.
    app = create_app()
    traffic: journal_feed.Traffic = app.state.traffic
    get_handle(app).scenarios.add([Outcome(latency=0.2), Outcome(latency=0.2)])
    seen: list[int] = []

    async def run() -> list[int]:
        transport = async_transport(app)
        async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_BASE_URL) as client:

            async def post(headers: dict[str, str]) -> int:
                answer = await client.post("/audio/transcriptions", json=body(), headers=headers)
                return answer.status_code

            async with anyio.create_task_group() as group:
                group.start_soon(post, auth())
                group.start_soon(post, {})  # no key: a 401, once its planned wait is over
                await anyio.sleep(0.1)
                seen.append(traffic.in_flight)
            seen.append(traffic.in_flight)
        return seen

    assert anyio.run(run) == [2, 0]


def test_an_empty_journal_is_an_empty_list() -> None:
    async def read() -> bytes:
        return b"".join(
            [piece async for piece in journal_feed.feed(Journal(), journal_feed.JournalQuery())]
        )

    assert anyio.run(read) == b"[]"


def test_the_answer_is_never_held_whole() -> None:
    journal = Journal()
    headers = {"content-type": "application/json"}
    for number in range(2000):
        request = RecordedRequest("POST", ENDPOINT, {"host": "mock"}, 10, {"model": f"m{number}"})
        journal.record(request, RecordedResponse(200, headers, b'{"text": "%d"}' % number))
    # Judged beforehand: the verdicts stay with the journal, they are not the answer's.
    assert len([entry.verdict for entry in journal]) == 2000

    async def read() -> int:
        size = 0
        async for piece in journal_feed.feed(journal, journal_feed.JournalQuery()):
            size += len(piece)
        return size

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        size = anyio.run(read)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert size > 500_000
    # The snapshot of entries it walks (a pointer each) and one piece at a time, no more.
    assert peak < size / 10, (peak, size)
