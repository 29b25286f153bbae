"""The journal: what arrived, what was answered, and whether both fit the spec."""

from __future__ import annotations

import gc
import hashlib
import tracemalloc

import httpx
import orjson
import pytest

from openrouter_stt_mock import MockHandle
from openrouter_stt_mock.arrival import Arrival
from openrouter_stt_mock.journal import Journal
from openrouter_stt_mock.records import RecordedRequest, RecordedResponse

from .conftest import ENDPOINT, auth, body, sample


def test_valid_exchange_has_a_clean_verdict(client: httpx.Client, handle: MockHandle) -> None:
    client.post(ENDPOINT, json=body("mp3", language="en"), headers=auth())
    entry = handle.journal.last
    assert entry.verdict.request_valid
    assert entry.verdict.response_valid
    assert entry.verdict.errors == ()
    request = entry.request
    assert request.method == "POST"
    assert request.path == ENDPOINT
    assert (request.model, request.format, request.language) == (
        "openai/whisper-large-v3",
        "mp3",
        "en",
    )
    assert request.audio_sha256 == hashlib.sha256(sample("mp3")).hexdigest()
    assert request.audio_size == len(sample("mp3"))
    assert request.body_size > request.audio_size
    assert entry.response.status == 200


def test_every_error_status_for_its_real_reason_fits_the_spec(
    client: httpx.Client, handle: MockHandle
) -> None:
    requests = [
        ({}, body()),
        (auth("sk-or-mock-broke"), body()),
        (auth(), body("wav", "no/model")),
        (auth(), body("wav", "mock/provider-down")),
        (auth(), body("wav", "mock/no-provider")),
        (auth(), body("wav", "mock/overloaded")),
        (auth(), body("aac", "openai/whisper-1")),
    ]
    for headers, request in requests:
        client.post(ENDPOINT, json=request, headers=headers)
    for entry in handle.journal:
        assert entry.verdict.response_valid, entry.verdict.errors


def test_invalid_request_is_listed(client: httpx.Client, handle: MockHandle) -> None:
    client.post(ENDPOINT, json={"model": 3, "input_audio": {"data": "AAAA"}})
    verdict = handle.journal.last.verdict
    assert not verdict.request_valid
    assert verdict.response_valid
    joined = "\n".join(verdict.errors)
    assert "Authorization" in joined
    assert "model" in joined
    # Neither inline audio (no format) nor audio by URL (no url): the oneOf names the member.
    assert "input_audio" in joined


def test_documented_constraints_are_checked(client: httpx.Client, handle: MockHandle) -> None:
    client.post(ENDPOINT, json=body(language="xx", temperature=2), headers=auth())
    errors = "\n".join(handle.journal.last.verdict.errors)
    assert "ISO-639-1" in errors
    assert "outside 0..1" in errors


def test_journal_never_holds_the_key(client: httpx.Client, handle: MockHandle) -> None:
    client.post(ENDPOINT, json=body(), headers=auth("sk-or-mock-ok"))
    client.post(ENDPOINT, json=body(), headers={"Authorization": "sk-or-mock-ok"})
    served = client.get("/_mock/journal")
    assert "sk-or-mock-ok" not in served.text
    assert "sk-or-mock-ok" not in repr(handle.journal.entries)
    assert handle.journal[0].request.headers["authorization"] == "Bearer [redacted]"
    assert handle.journal[1].request.headers["authorization"] == "[redacted]"


def test_journal_keeps_no_audio(client: httpx.Client, handle: MockHandle) -> None:
    request = body()
    client.post(ENDPOINT, json=request, headers=auth())
    assert request["input_audio"]["data"][:40] not in repr(handle.journal.last)


def test_served_journal(client: httpx.Client) -> None:
    client.post(ENDPOINT, json=body(), headers=auth())
    client.post(ENDPOINT, content=b"nope", headers=auth())
    entries = client.get("/_mock/journal").json()
    assert [e["response"]["status"] for e in entries] == [200, 400]
    first, second = entries
    assert first["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}
    assert first["response"]["body"]["usage"]["total_tokens"] == 113
    assert first["request"]["audio_sha256"]
    assert second["verdict"]["request_valid"] is False


def _request(shape: object = None, body_size: int = 0, **extra: object) -> RecordedRequest:
    headers = {"Host": "mock", "Authorization": "Bearer sk-or-secret"}
    return RecordedRequest("POST", ENDPOINT, headers, body_size, shape, **extra)  # type: ignore[arg-type]


_OK = RecordedResponse(200, {"content-type": "application/json"}, b'{"text": "hi"}')


def test_journal_limit_keeps_the_latest_and_stamps_with_its_clock() -> None:
    times = iter([10.0, 20.0, 30.0])
    journal = Journal(limit=2, clock=lambda: next(times))
    for number in range(3):
        journal.record(_request({"model": f"m{number}"}), _OK)
    assert [(e.number, e.time, e.request.model) for e in journal] == [
        (2, 20.0, "m1"),
        (3, 30.0, "m2"),
    ]
    assert len(journal) == 2
    assert journal.last is journal[1]
    journal.clear()
    assert journal.to_list() == []


def test_undocumented_status_in_response_is_an_error() -> None:
    entry = Journal().record(
        _request({"model": "m"}), RecordedResponse(418, {"content-type": "application/json"}, b"{}")
    )
    assert not entry.verdict.response_valid
    assert "not documented" in entry.verdict.errors[-1]
    assert entry.verdict is entry.verdict  # judged once, on first read


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Bearer sk-or-secret", "Bearer [redacted]"),
        ("bearer sk-or-secret", "Bearer [redacted]"),
        ("sk-or-secret", "[redacted]"),
        ("Basic sk-or-secret", "[redacted]"),
        ("Bearer ", "[redacted]"),
    ],
)
def test_a_request_holds_no_key_from_the_moment_it_is_made(sent: str, kept: str) -> None:
    request = RecordedRequest("POST", "/", {"Host": "mock", "Authorization": sent}, 0)
    assert request.headers == {"host": "mock", "authorization": kept}
    assert "sk-or-secret" not in repr(request)


def test_the_redacted_header_still_tells_the_spec_whether_a_bearer_key_came() -> None:
    shape = {"model": "m", "input_audio": {"data": "", "format": "wav"}}
    with_key = Journal().record(_request(shape), _OK)
    assert with_key.verdict.request_valid
    without = Journal().record(
        RecordedRequest("POST", "/", {"authorization": "Bearer"}, 0, shape), _OK
    )
    assert "request Authorization" in without.verdict.errors[0]


def test_fields_are_read_from_the_shape() -> None:
    request = _request(
        {"input_audio": {"data": "", "format": "wav"}, "model": "m", "language": 3},
        audio_sha256="ab12",
        audio_size=6000,
    )
    assert (request.model, request.format, request.language) == ("m", "wav", None)
    assert (request.audio_sha256, request.audio_size) == ("ab12", 6000)
    assert (_request([1]).model, _request(None).format) == (None, None)


def test_only_a_large_body_beside_its_audio_is_cut_down() -> None:
    # 100 options in well under 1 KiB are kept as sent; the same beside a long model name are not;
    # the base64 of decoded audio does not count towards the size.
    options = {f"p{i}": {} for i in range(100)}
    small = {"model": "m", "provider": {"options": options}}
    assert _request(small, 900).shape["provider"]["options"] == options
    beside_audio = _request(small, 900 + 8000, audio_size=6000)
    assert beside_audio.shape["provider"]["options"] == options
    large = {"model": "m" * 5000, "provider": {"options": dict(options)}}
    cut = _request(large, 6000).shape
    assert len(cut["model"]) == 1024
    assert len(cut["provider"]["options"]) < 64


def test_an_entry_keeps_bounded_headers_and_says_what_it_cut() -> None:
    # The spec's headers come first, however many others came before them.
    headers = {f"x-filler-{n}": "v" * 100 for n in range(200)}
    headers |= {"x-huge": "h" * 100_000, "Authorization": "Bearer sk-or-secret"}
    request = RecordedRequest("POST", ENDPOINT, headers, 0)
    kept = request.headers
    assert kept["authorization"] == "Bearer [redacted]"
    assert len(kept) <= 64
    assert sum(len(name) + len(value) for name, value in kept.items()) <= 8 * 1024
    entry = Journal().record(request, _OK)
    assert entry.cut == ("request headers: 138 of 202 left out",)
    assert entry.to_dict()["cut"] == list(entry.cut)
    assert entry.size < 16 * 1024


def test_a_long_header_value_is_cut_to_1_kib() -> None:
    request = RecordedRequest("POST", ENDPOINT, {"X-Long": "a" * 5000, "Host": "mock"}, 0)
    assert request.headers == {"x-long": "a" * 1024, "host": "mock"}
    assert request.cut == ("request headers: 1 cut to 1024 characters",)


def test_an_ordinary_entry_cuts_nothing(client: httpx.Client, handle: MockHandle) -> None:
    client.post(ENDPOINT, json=body(language="en"), headers=auth())
    entry = handle.journal.last
    assert entry.cut == ()
    assert client.get("/_mock/journal").json()[0]["cut"] == []


def test_a_long_planned_body_is_judged_whole_then_cut(
    client: httpx.Client, handle: MockHandle
) -> None:
    long_text = orjson.dumps({"text": "word " * 40_000})
    handle.queue(200, body=long_text)
    client.post(ENDPOINT, json=body(), headers=auth())
    entry = handle.journal.last
    assert len(entry.response.body) == 64 * 1024
    assert entry.cut == (f"response body: {len(long_text)} bytes, 65536 kept",)
    # Judged before the cut: the whole body fits the spec, the cut one would not parse.
    assert entry.verdict.response_valid, entry.verdict.errors


def test_the_journal_keeps_the_newest_entries_within_its_bytes() -> None:
    journal = Journal(max_bytes=100 * 1024)
    fat = {f"x-{n}": "v" * 1000 for n in range(7)}  # about 7 KiB of headers each
    for number in range(100):
        journal.record(RecordedRequest("POST", ENDPOINT, {**fat, "n": str(number)}, 0), _OK)
    assert 0 < journal.nbytes <= 100 * 1024
    assert journal.nbytes == sum(entry.size for entry in journal)
    numbers = [entry.number for entry in journal]
    assert numbers == list(range(101 - len(numbers), 101))
    assert 5 < len(numbers) < 20
    journal.clear()
    assert journal.nbytes == 0


def test_an_entry_over_the_whole_bound_is_still_kept_alone() -> None:
    journal = Journal(max_bytes=1)
    journal.record(_request({"model": "a"}), _OK)
    journal.record(_request({"model": "b"}), _OK)
    assert [entry.request.model for entry in journal] == ["b"]


def test_the_byte_bound_is_close_to_the_memory_kept() -> None:
    # What the journal counts is what it holds, within a small factor, for entries as small as
    # they come and as large as an entry may be (every header bound and the body fields cut).
    def small(number: int) -> RecordedRequest:
        # As httpx sends it: a few short headers, a body of little besides its audio.
        headers = {"host": "mock", "user-agent": "python-httpx/0.28.1", "accept": "*/*"}
        headers |= {"content-type": "application/json", "authorization": "Bearer sk-or-mock-ok"}
        shape = {"model": "openai/whisper-1", "input_audio": {"data": "", "format": "wav"}}
        return RecordedRequest(
            "POST", ENDPOINT, {**headers, "content-length": "30000"}, 30_000, shape
        )

    def large(number: int) -> RecordedRequest:
        headers = {f"x-{n}-{number}": "v" * 1000 for n in range(100)}
        options = {f"p{n}-{number}": "o" * 2000 for n in range(99)}
        shape = {"model": "m" * 5000, "provider": {"options": options}}
        return RecordedRequest("POST", ENDPOINT, headers, 300_000, shape)

    for make, count in ((small, 2000), (large, 100)):
        journal = Journal(limit=10**6, max_bytes=10**9)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for number in range(count):
                headers = {"content-type": "application/json", "x-generation-id": f"gen-{number}"}
                response = RecordedResponse(200, headers, b'{"text": "%d"}' % number)
                journal.record(make(number), response)
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert 0.5 < held / journal.nbytes < 2.0, (make.__name__, held, journal.nbytes)


def test_select_pages_from_a_cursor_either_way() -> None:
    journal = Journal(limit=5)
    for number in range(8):
        journal.record(_request({"model": f"m{number}"}), _OK)
    numbers = [entry.number for entry in journal.select()]
    assert numbers == [4, 5, 6, 7, 8]
    assert [e.number for e in journal.select(after=5)] == [6, 7, 8]
    assert [e.number for e in journal.select(after=1)] == [4, 5, 6, 7, 8]
    assert [e.number for e in journal.select(newest_first=True)] == [8, 7, 6, 5, 4]
    assert [e.number for e in journal.select(after=6, newest_first=True)] == [5, 4]
    assert [e.number for e in journal.select(after=99, newest_first=True)] == [8, 7, 6, 5, 4]
    assert journal.select(after=8) == []


def _arrival(number: int, **changes: object) -> Arrival:
    fields: dict[str, object] = {
        "method": "POST",
        "path": ENDPOINT,
        # Objects of their own, as a server makes them for each request.
        "headers": [
            (name.encode(), value.encode())
            for name, value in (
                ("host", "mock"),
                ("authorization", "Bearer sk-or-secret"),
                ("content-type", "application/json"),
                ("content-length", "30000"),
            )
        ],
        "body_size": 30_000,
        "shape": {"model": f"m{number}", "input_audio": {"data": "", "format": "wav"}},
        "parse_error": None,
        "audio_sha256": None,
        "audio_size": 22_000,
        "forced_by": None,
        "status": 200,
        "answer_headers": [
            (b"content-type", b"application/json"),
            (b"x-generation-id", f"gen-{number}".encode()),
        ],
        "answer_body": b'{"text": "%d"}' % number,
    }
    return Arrival(**(fields | changes))  # type: ignore[arg-type]


def test_an_arrival_reads_as_the_exchange_recorded_at_once() -> None:
    journal = Journal(clock=lambda: 5.0)
    later = journal.record_arrival(_arrival(1))
    at_once = journal.record(*_arrival(1).build())
    assert later.to_dict() | {"number": 0} == at_once.to_dict() | {"number": 0}
    assert later.request.headers["authorization"] == "Bearer [redacted]"
    assert later.request.model == "m1"
    assert later.verdict.request_valid
    # Until it is read, it counts the raw text it holds, which is more than it keeps once built.
    assert journal.nbytes == later.size + at_once.size
    assert later.size >= at_once.size


def test_an_arrival_that_must_be_cut_is_built_at_once() -> None:
    long_model = "m" * 5000
    entry = Journal().record_arrival(_arrival(1, shape={"model": long_model}))
    assert entry.request.cut  # cut when recorded: the long field is not held until read
    assert entry.size < 16 * 1024
    planned = Journal().record_arrival(_arrival(2, answer_body=b'"' + b"x" * 70_000 + b'"'))
    assert planned.response.cut


def test_arrivals_count_about_the_memory_they_hold() -> None:
    journal = Journal(limit=10**6, max_bytes=10**9)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(2000):
            journal.record_arrival(_arrival(number))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.5 < held / journal.nbytes < 2.0, (held, journal.nbytes)
