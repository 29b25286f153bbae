"""The journal: what arrived, what was answered, and whether both fit the spec."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from openrouter_stt_mock import MockHandle
from openrouter_stt_mock.journal import (
    Exchange,
    Journal,
    JournalEntry,
    RecordedRequest,
    RecordedResponse,
    redact,
)

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


def _exchange(document: object, body_size: int, **extra: object) -> Exchange:
    return Exchange(
        method="POST",
        path="/api/v1/audio/transcriptions",
        headers=[(b"host", b"mock"), (b"authorization", b"Bearer sk-or-secret")],
        body_size=body_size,
        document=document,
        status=200,
        response_headers=[(b"content-type", b"application/json")],
        response_body=b'{"text": "hi"}',
        **extra,  # type: ignore[arg-type]
    )


def test_an_exchange_holds_no_key_from_the_moment_it_is_made() -> None:
    exchange = _exchange({"model": "m"}, 20)
    held = repr([getattr(exchange, name) for name in Exchange.__slots__])
    assert "sk-or-secret" not in held
    request = exchange.request()
    assert request.headers == {"host": "mock", "authorization": "Bearer [redacted]"}
    assert request.had_bearer


def test_an_exchange_blanks_the_audio_it_takes_over() -> None:
    document = {"input_audio": {"data": "UklGRg==" * 1000, "format": "wav"}, "model": "m"}
    entry = JournalEntry(1, 0.0, exchange=_exchange(document, 8100, audio=("ab12", 6000)))
    assert document["input_audio"]["data"] == ""
    assert entry.request.shape == {"input_audio": {"data": "", "format": "wav"}, "model": "m"}
    assert (entry.request.model, entry.request.format) == ("m", "wav")
    assert (entry.request.audio_sha256, entry.request.audio_size) == ("ab12", 6000)
    assert entry.response.headers == {"content-type": "application/json"}
    assert entry.verdict.request_valid
    assert entry.verdict.errors == ("response header X-Generation-Id: required but missing",)


def test_only_a_large_body_beside_its_audio_is_cut_down() -> None:
    # 100 options in well under 1 KiB are kept as sent; the same beside a long model name are not.
    options = {f"p{i}": {} for i in range(100)}
    small = {"model": "m", "provider": {"options": options}}
    kept = _exchange(small, 900).request().shape
    assert kept["provider"]["options"] == options
    large = {"model": "m" * 5000, "provider": {"options": dict(options)}}
    cut = _exchange(large, 6000).request().shape
    assert len(cut["model"]) == 1024
    assert len(cut["provider"]["options"]) < 64


def test_an_entry_needs_a_request_and_a_response_or_an_exchange() -> None:
    with pytest.raises(TypeError, match="exchange"):
        JournalEntry(1, 0.0, RecordedRequest("POST", "/", {}, 0))
