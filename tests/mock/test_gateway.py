"""Each row of the contract's tables, reached for its real reason, and the order of the checks."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import time
from decimal import Decimal

import httpx
import pytest

from openrouter_stt_mock import (
    KeySpec,
    Limits,
    MockConfig,
    MockHandle,
    ModelSpec,
    ProviderSpec,
    World,
)

from .conftest import ENDPOINT, FORMATS, auth, body, error_of, make_client, sample

TRANSCRIPT = "Hello, this is a test of OpenAI speech-to-text transcription."


def test_reference_sample_gives_the_page_usage(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, json=body("wav"), headers=auth())
    assert response.status_code == 200
    assert response.json() == {
        "text": TRANSCRIPT,
        "usage": {
            "cost": 0.000508,
            "input_tokens": 83,
            "output_tokens": 30,
            "total_tokens": 113,
            "seconds": 9.2,
        },
    }
    assert response.headers["x-generation-id"].startswith("gen-")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_bundled_format_is_transcribed(client: httpx.Client, fmt: str) -> None:
    response = client.post(ENDPOINT, json=body(fmt), headers=auth())
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["text"] == TRANSCRIPT
    assert payload["usage"]["seconds"] == pytest.approx(9.2, abs=0.15)


def test_whisper_1_reports_seconds_and_cost_only(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, json=body("wav", "openai/whisper-1"), headers=auth())
    assert response.status_code == 200
    assert response.json()["usage"] == {"cost": 0.00092, "seconds": 9.2}


def test_generation_ids_differ(client: httpx.Client) -> None:
    ids = {
        client.post(ENDPOINT, json=body(), headers=auth()).headers["x-generation-id"]
        for _ in range(3)
    }
    assert len(ids) == 3


def test_unknown_audio_gets_a_deterministic_description(
    client: httpx.Client, handle: MockHandle
) -> None:
    audio = sample("wav")[:44] + bytes(32000)  # header of the sample, then 1 s of silence
    audio = audio[:4] + (len(audio) - 8).to_bytes(4, "little") + audio[8:40]
    audio += (32000).to_bytes(4, "little") + bytes(32000)
    response = client.post(ENDPOINT, json=body("wav", audio=audio), headers=auth())
    assert response.status_code == 200, response.text
    text = response.json()["text"]
    assert text == "[mock transcript: 1.00 s of wav audio, 32044 bytes]"
    again = client.post(ENDPOINT, json=body("wav", audio=audio), headers=auth())
    assert again.json()["text"] == text
    # No transcript of the default world has that size: the audio was never hashed.
    assert handle.journal.last.request.audio_sha256 is None
    assert handle.journal.last.request.audio_size == 32044


def test_audio_is_hashed_only_when_a_transcript_could_match() -> None:
    wav = sample("wav")
    known = hashlib.sha256(wav).hexdigest()
    default = World.default()
    sized = dataclasses.replace(default, transcripts={known: "sized"})  # sizes kept: the sample's
    unsized = dataclasses.replace(default, transcripts={known: "any"}, transcript_sizes=None)
    empty = dataclasses.replace(default, transcripts={})
    described = "[mock transcript: 9.20 s of wav audio, 294444 bytes]"
    expected = [(sized, "sized", known), (unsized, "any", known), (empty, described, None)]
    for world, text, digest in expected:
        http, handle = make_client(MockConfig(world=world))
        with http:
            answer = http.post(ENDPOINT, json=body("wav"), headers=auth())
        assert answer.json()["text"] == text
        assert handle.journal.last.request.audio_sha256 == digest


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing Authentication header"),
        ({"Authorization": "Basic abc"}, "must be 'Bearer <API key>'"),
        ({"Authorization": "Bearer"}, "must be 'Bearer <API key>'"),
        ({"Authorization": "Bearer sk-or-nobody"}, "Invalid API key"),
        (auth("sk-or-mock-disabled"), "disabled"),
    ],
)
def test_401_each_reason(client: httpx.Client, headers: dict[str, str], message: str) -> None:
    response = client.post(ENDPOINT, json=body(), headers=headers)
    assert response.status_code == 401
    assert message in error_of(response)["message"]


def test_402_broke_key(client: httpx.Client, handle: MockHandle) -> None:
    response = client.post(ENDPOINT, json=body(), headers=auth("sk-or-mock-broke"))
    assert response.status_code == 402
    assert "Insufficient credits" in error_of(response)["message"]
    assert handle.balance("sk-or-mock-broke") == 0


def test_429_on_the_third_request_of_the_limited_key(client: httpx.Client) -> None:
    statuses = [
        client.post(ENDPOINT, json=body(), headers=auth("sk-or-mock-limited")).status_code
        for _ in range(2)
    ]
    assert statuses == [200, 200]
    before = time.time()
    response = client.post(ENDPOINT, json=body(), headers=auth("sk-or-mock-limited"))
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["x-ratelimit-limit"] == "2"
    assert response.headers["x-ratelimit-remaining"] == "0"
    reset_ms = int(response.headers["x-ratelimit-reset"])
    assert before * 1000 < reset_ms <= (before + 61) * 1000


@pytest.mark.parametrize(
    ("model", "status"),
    [
        ("mock/provider-down", 502),
        ("mock/no-provider", 503),
        ("mock/overloaded", 529),
        ("openai/whisper-2000", 404),
    ],
)
def test_model_rows(client: httpx.Client, model: str, status: int) -> None:
    response = client.post(ENDPOINT, json=body("wav", model), headers=auth())
    assert response.status_code == status
    error = error_of(response)
    if status == 502:
        assert set(error["metadata"]) >= {"provider_name", "raw"}
    if status == 503:
        assert int(response.headers["retry-after"]) >= 0


def test_format_the_provider_does_not_take(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, json=body("aac", "openai/whisper-1"), headers=auth())
    assert response.status_code == 400
    error = error_of(response)
    assert error["metadata"]["field"] == "input_audio.format"
    assert "aac" in error["message"]
    assert "wav" in error["metadata"]["accepted"]


def test_524_after_the_upstream_timeout() -> None:
    world = dataclasses.replace(World.default(), limits=Limits(upstream_timeout_seconds=0.05))
    client, _ = make_client(MockConfig(world=world))
    with client:
        start = time.monotonic()
        response = client.post(ENDPOINT, json=body("wav", "mock/slow-provider"), headers=auth())
        elapsed = time.monotonic() - start
    assert response.status_code == 524
    assert error_of(response)["metadata"]["timeout_seconds"] == 0.05
    assert 0.05 <= elapsed < 2


def test_slow_but_in_time_provider_answers() -> None:
    provider = ProviderSpec("Slowish", Decimal("0.0001"), latency_seconds=0.05)
    world = World(
        keys={"k": KeySpec(Decimal(1))},
        models={"m": ModelSpec((provider,))},
        limits=Limits(upstream_timeout_seconds=1.0),
    )
    client, _ = make_client(MockConfig(world=world))
    with client:
        response = client.post(ENDPOINT, json=body("wav", "m"), headers=auth("k"))
    assert response.status_code == 200


def test_falls_back_to_the_next_provider_at_its_price() -> None:
    down = ProviderSpec("Down", Decimal("0.0002"), health="down")
    fine = ProviderSpec("Fine", Decimal("0.0001"))
    world = World(keys={"k": KeySpec(Decimal(1))}, models={"m": ModelSpec((down, fine))})
    client, handle = make_client(MockConfig(world=world))
    with client:
        response = client.post(ENDPOINT, json=body("wav", "m"), headers=auth("k"))
    assert response.status_code == 200
    assert handle.balance("k") == Decimal(1) - Decimal("0.00092")


def test_model_with_no_provider_at_all_is_404() -> None:
    world = World(keys={"k": KeySpec(Decimal(1))}, models={"m": ModelSpec(())})
    client, _ = make_client(MockConfig(world=world))
    with client:
        response = client.post(ENDPOINT, json=body("wav", "m"), headers=auth("k"))
    assert response.status_code == 404


def test_capacity_full_is_529() -> None:
    busy = ProviderSpec("Busy", Decimal("0.0001"), capacity=0)
    world = World(keys={"k": KeySpec(Decimal(1))}, models={"m": ModelSpec((busy,))})
    client, handle = make_client(MockConfig(world=world))
    with client:
        response = client.post(ENDPOINT, json=body("wav", "m"), headers=auth("k"))
    assert response.status_code == 529
    assert handle.balance("k") == 1


class TestOrder:
    """Which error wins when a request has several faults."""

    def test_413_before_401(self) -> None:
        world = World(limits=Limits(max_body_bytes=100))
        client, _ = make_client(MockConfig(world=world))
        with client:
            response = client.post(ENDPOINT, json=body())
        assert response.status_code == 413

    def test_401_before_429_and_400(self, client: httpx.Client) -> None:
        response = client.post(ENDPOINT, content=b"garbage", headers=auth("sk-or-nobody"))
        assert response.status_code == 401

    def test_429_before_400(self, client: httpx.Client) -> None:
        for _ in range(2):
            client.post(ENDPOINT, content=b"{", headers=auth("sk-or-mock-limited"))
        response = client.post(ENDPOINT, content=b"{", headers=auth("sk-or-mock-limited"))
        assert response.status_code == 429

    def test_400_body_before_404(self, client: httpx.Client) -> None:
        request = body("wav", "no/such-model", language="english")
        response = client.post(ENDPOINT, json=request, headers=auth())
        assert response.status_code == 400
        assert error_of(response)["metadata"]["field"] == "language"

    def test_404_before_402(self, client: httpx.Client) -> None:
        response = client.post(
            ENDPOINT, json=body("wav", "no/such"), headers=auth("sk-or-mock-broke")
        )
        assert response.status_code == 404

    def test_format_400_before_402(self, client: httpx.Client) -> None:
        request = body("aac", "openai/whisper-1")
        response = client.post(ENDPOINT, json=request, headers=auth("sk-or-mock-broke"))
        assert response.status_code == 400

    def test_402_before_provider_state(self, client: httpx.Client) -> None:
        request = body("wav", "mock/provider-down")
        response = client.post(ENDPOINT, json=request, headers=auth("sk-or-mock-broke"))
        assert response.status_code == 402


def test_unexpected_fault_is_a_masked_500_and_state_stays_right(
    client: httpx.Client, handle: MockHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openrouter_stt_mock import gateway

    def broken(*args: object) -> str:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(gateway, "transcript_of", broken)
    response = client.post(ENDPOINT, json=body(), headers=auth())
    assert response.status_code == 500
    assert error_of(response)["message"] == "Internal Server Error"
    assert "secret" not in response.text
    assert handle.balance("sk-or-mock-ok") == 1000
    monkeypatch.undo()
    assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200


def test_failed_requests_cost_nothing(client: httpx.Client, handle: MockHandle) -> None:
    for model in ("mock/provider-down", "mock/no-provider", "mock/overloaded"):
        client.post(ENDPOINT, json=body("wav", model), headers=auth())
    assert handle.balance("sk-or-mock-ok") == 1000


@pytest.mark.parametrize(
    "how",
    ["queue", "queue fault", "Prefer", "unknown key", "rate limited"],
)
def test_the_journal_has_the_audio_size_of_requests_answered_before_parsing(
    client: httpx.Client, handle: MockHandle, how: str
) -> None:
    headers = auth("sk-or-mock-nobody" if how == "unknown key" else "sk-or-mock-ok")
    if how == "queue":
        handle.queue(503)
    elif how == "queue fault":
        handle.queue(fault="truncated")
    elif how == "Prefer":
        headers["Prefer"] = "code=429"
    elif how == "rate limited":
        headers = auth("sk-or-mock-limited")
        for _ in range(2):
            client.post(ENDPOINT, json=body("wav"), headers=headers)
    with contextlib.suppress(httpx.RemoteProtocolError):  # the truncated answer
        client.post(ENDPOINT, json=body("mp3"), headers=headers)
    recorded = handle.journal.last.request
    assert recorded.forced_by is not None or how in ("unknown key", "rate limited")
    assert recorded.audio_size == len(sample("mp3"))


def test_the_journal_has_no_audio_size_for_audio_that_is_not_base64(
    client: httpx.Client, handle: MockHandle
) -> None:
    handle.queue(503)
    bad = {"model": "openai/whisper-1", "input_audio": {"format": "wav", "data": "no!"}}
    client.post(ENDPOINT, json=bad, headers=auth())
    assert handle.journal.last.request.audio_size is None
