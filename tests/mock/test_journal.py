"""The journal: what arrived, what was answered, and whether both fit the spec."""

from __future__ import annotations

import hashlib

import httpx

from openrouter_stt_mock import MockHandle
from openrouter_stt_mock.journal import Journal, RecordedRequest, RecordedResponse, redact

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
    assert "format" in joined


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


def test_journal_limit_keeps_the_latest() -> None:
    journal = Journal(limit=2)
    for number in range(3):
        request = RecordedRequest("POST", f"/{number}", {}, 0)
        journal.record(0.0, request, RecordedResponse(200))
    assert [e.request.path for e in journal] == ["/1", "/2"]
    assert len(journal) == 2
    journal.clear()
    assert journal.to_list() == []


def test_undocumented_status_in_response_is_an_error() -> None:
    from openrouter_stt_mock.journal import JournalEntry

    entry = JournalEntry(
        1,
        0.0,
        RecordedRequest("POST", "/", {}, 0, had_bearer=True, shape={"model": "m"}),
        RecordedResponse(418, {"content-type": "application/json"}, b"{}"),
    )
    assert not entry.verdict.response_valid
    assert "not documented" in entry.verdict.errors[-1]


def test_redact() -> None:
    assert redact({"Authorization": "Bearer abc", "X-Title": "t"}) == {
        "authorization": "Bearer [redacted]",
        "x-title": "t",
    }
