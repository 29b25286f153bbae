"""The 2026-10-27 additions in the mock: audio by URL, diarize, keyterms, the guardrail's 403, the
gateway's 504, and the routing and tracing fields it validates and journals without acting on."""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from openrouter_stt_mock import (
    Limits,
    MockConfig,
    MockHandle,
    World,
    create_app,
    get_handle,
    sync_transport,
)
from openrouter_stt_mock.in_process import IN_PROCESS_BASE_URL

from .conftest import ENDPOINT, ROOT_URL, auth, body, error_of, sample

SAMPLE_TEXT = "Hello, this is a test of OpenAI speech-to-text transcription."
DIARIZER = "mock/diarizer"
URL = "https://audio.example.com/hello.mp3"


def by_url(url: str = URL, model: str = DIARIZER, **more: Any) -> dict[str, Any]:
    return {"model": model, "input_audio": {"url": url}, **more}


def refused(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return error_of(response)


# --- audio by URL ---------------------------------------------------------------------------


def test_audio_by_url_is_served_from_the_world(client: httpx.Client, handle: MockHandle) -> None:
    response = client.post(ENDPOINT, json=by_url(), headers=auth())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["text"] == SAMPLE_TEXT
    assert 9.2 <= answer["usage"]["seconds"] < 9.3  # the mp3 sample, as mutagen measures it
    entry = handle.journal.last
    assert entry.request.audio_size == len(sample("mp3"))
    assert entry.request.shape["input_audio"] == {"url": URL}
    assert entry.verdict.request_valid, entry.verdict.errors


def test_the_format_comes_from_the_url_or_is_given(client: httpx.Client) -> None:
    bare = "https://audio.example.com/speech"  # the mp3 sample, at a path without extension
    error = refused(client.post(ENDPOINT, json=by_url(bare), headers=auth()))
    assert error["metadata"]["field"] == "input_audio.format"
    assert "extension" in error["message"]
    given = by_url(bare) | {"input_audio": {"url": bare, "format": "mp3"}}
    assert client.post(ENDPOINT, json=given, headers=auth()).status_code == 200
    wrong = by_url(bare) | {"input_audio": {"url": bare, "format": "wav"}}
    error = refused(client.post(ENDPOINT, json=wrong, headers=auth()))
    assert error["metadata"]["field"] == "input_audio.url"
    assert "the bytes are mp3 audio" in error["message"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hello.wav",
        "http://169.254.169.254/latest/meta-data/hello.wav",
        "http://10.0.0.7/hello.wav",
        "https://abc.ngrok-free.app/hello.wav",
        "http://localhost:8000/hello.wav",
    ],
)
def test_hosts_the_provider_does_not_fetch_are_a_400(client: httpx.Client, url: str) -> None:
    error = refused(client.post(ENDPOINT, json=by_url(url), headers=auth()))
    assert error["metadata"]["field"] == "input_audio.url"
    assert "does not fetch" in error["message"]


def test_an_unmapped_public_url_is_a_failed_download(client: httpx.Client) -> None:
    url = "https://audio.example.com/nothing-here.wav"
    error = refused(client.post(ENDPOINT, json=by_url(url), headers=auth()))
    assert error["metadata"]["field"] == "input_audio.url"
    assert "could not download" in error["message"]


def test_a_model_whose_providers_take_no_url_is_a_400(client: httpx.Client) -> None:
    error = refused(client.post(ENDPOINT, json=by_url(model="openai/whisper-1"), headers=auth()))
    assert error["metadata"]["field"] == "input_audio.url"
    assert "audio by URL" in error["message"]


def test_inline_audio_and_a_url_together_are_a_400(client: httpx.Client) -> None:
    both = body(model=DIARIZER)
    both["input_audio"]["url"] = URL
    error = refused(client.post(ENDPOINT, json=both, headers=auth()))
    assert (error["metadata"]["field"], error["metadata"]["problem"]) == (
        "input_audio",
        "both data and url",
    )


def test_a_url_is_held_at_its_longest_price_so_a_small_key_gets_402(client: httpx.Client) -> None:
    small = auth("sk-or-mock-small")
    # The same audio inline costs under a cent, which the key has...
    assert client.post(ENDPOINT, json=body(model=DIARIZER), headers=small).status_code == 200
    # ...but by URL the hour the provider accepts must be covered before it is fetched.
    assert refused(client.post(ENDPOINT, json=by_url(), headers=small), 402)


def test_only_the_fetched_duration_is_charged(client: httpx.Client, handle: MockHandle) -> None:
    before = handle.balance("sk-or-mock-ok")
    answer = client.post(ENDPOINT, json=by_url(), headers=auth()).json()
    spent = before - handle.balance("sk-or-mock-ok")
    assert spent == Decimal(repr(answer["usage"]["cost"]))
    assert answer["usage"]["cost"] == round(answer["usage"]["seconds"] * 0.0001, 6)


def test_a_host_slower_than_the_gateway_is_a_504_after_its_timeout() -> None:
    world = World.default()
    world = dataclasses.replace(
        world, limits=dataclasses.replace(world.limits, gateway_timeout_seconds=0.1)
    )
    app = create_app(MockConfig(world=world))
    with httpx.Client(transport=sync_transport(app), base_url=ROOT_URL) as http:
        started = time.monotonic()
        slow = by_url("https://slow.example.com/hello.wav")
        response = http.post(ENDPOINT, json=slow, headers=auth())
        waited = time.monotonic() - started
    error = refused(response, 504)
    assert "did not fetch" in error["message"]
    assert waited >= 0.1
    # Nothing is charged for it.
    assert get_handle(app).balance("sk-or-mock-ok") == 1000


def test_multipart_takes_a_source_url_instead_of_a_file(client: httpx.Client) -> None:
    form = {"model": DIARIZER, "source_url": URL}
    response = client.post(ENDPOINT, files={k: (None, v) for k, v in form.items()}, headers=auth())
    assert response.status_code == 200, response.text
    assert response.json()["text"] == SAMPLE_TEXT
    both = client.post(
        ENDPOINT,
        data=form,
        files={"file": ("hello.wav", sample("wav"), "audio/wav")},
        headers=auth(),
    )
    assert refused(both)["metadata"]["field"] == "source_url"
    neither = client.post(ENDPOINT, files={"model": (None, DIARIZER)}, headers=auth())
    error = refused(neither)
    assert (error["metadata"]["field"], error["metadata"]["problem"]) == ("file", "missing")
    assert "source_url" in error["metadata"]["accepted"]
    refused_host = {"model": DIARIZER, "source_url": "http://127.0.0.1/hello.wav"}
    files = {k: (None, v) for k, v in refused_host.items()}
    assert refused(client.post(ENDPOINT, files=files, headers=auth()))["metadata"]["field"] == (
        "source_url"
    )


# --- diarize and keyterms --------------------------------------------------------------------


def test_a_diarized_answer_has_speakers_stable_by_segment_and_shared_by_words(
    client: httpx.Client,
) -> None:
    request = body(model=DIARIZER, response_format="verbose_json", diarize=True)
    answer = client.post(ENDPOINT, json=request, headers=auth()).json()
    segments, words = answer["segments"], answer["words"]  # words come with diarize
    assert {s["speaker_label"] for s in segments} == {f"speaker_{s['speaker']}" for s in segments}
    for word in words:
        (home,) = [s for s in segments if s["start"] <= word["start"] <= word["end"] <= s["end"]]
        assert (word["speaker"], word["speaker_label"]) == (home["speaker"], home["speaker_label"])
        assert word["type"] == "word"


def test_speakers_take_turns_by_sentence() -> None:
    from openrouter_stt_mock.verbose import verbose_fields
    from openrouter_stt_models import STTRequest

    text = "Hello there. How are you? Fine, thanks! And you."
    request = STTRequest.model_validate(
        {
            "model": "m",
            "input_audio": {"data": "", "format": "wav"},
            "response_format": "verbose_json",
            "diarize": True,
        }
    )
    fields = verbose_fields(text, 4.0, request)
    assert [s["speaker"] for s in fields["segments"]] == [0, 1, 0, 1]
    by_speaker = [(w["word"], w["speaker"]) for w in fields["words"]]
    assert by_speaker[:3] == [("Hello", 0), ("there", 0), ("How", 1)]
    grouped = [k for k, _ in itertools.groupby(w["speaker"] for w in fields["words"])]
    assert grouped == [0, 1, 0, 1]


@pytest.mark.parametrize(
    ("request_extra", "model", "field"),
    [
        ({"diarize": True}, DIARIZER, "diarize"),  # without verbose_json
        ({"diarize": True, "response_format": "verbose_json"}, "openai/whisper-1", "diarize"),
        ({"keyterms": ["OpenAI"]}, "openai/whisper-1", "keyterms"),
        ({"keyterms": ["OpenAI", " "]}, DIARIZER, "keyterms"),
    ],
)
def test_what_the_model_or_request_cannot_do_is_a_400_naming_it(
    client: httpx.Client, request_extra: dict[str, Any], model: str, field: str
) -> None:
    fmt = "mp3"
    response = client.post(ENDPOINT, json=body(fmt, model, **request_extra), headers=auth())
    assert refused(response)["metadata"]["field"] == field


def test_keyterms_in_the_transcript_keep_their_spelling(client: httpx.Client) -> None:
    request = body(model=DIARIZER, keyterms=["OPENAI", "Speech-To-Text", "Scribe"])
    text = client.post(ENDPOINT, json=request, headers=auth()).json()["text"]
    assert text == "Hello, this is a test of OPENAI Speech-To-Text transcription."


def test_keyterms_go_one_part_each_in_a_form(client: httpx.Client, handle: MockHandle) -> None:
    parts = [
        ("file", ("hello.wav", sample("wav"), "audio/wav")),
        ("model", (None, DIARIZER)),
        ("keyterms[]", (None, "OPENAI")),
        ("keyterms[]", (None, "speech, text")),  # a comma inside a term is kept
    ]
    response = client.post(ENDPOINT, files=parts, headers=auth())
    assert response.status_code == 200, response.text
    assert "OPENAI" in response.json()["text"]
    assert handle.journal.last.request.shape["keyterms[]"] == ["OPENAI", "speech, text"]


# --- 403 and the fields the mock validates without acting on them ----------------------------


def test_the_guardrail_blocks_the_models_it_does_not_allow(client: httpx.Client) -> None:
    guarded = auth("sk-or-mock-guarded")
    blocked = client.post(ENDPOINT, json=body("mp3", "openai/whisper-1"), headers=guarded)
    assert "guardrail" in refused(blocked, 403)["message"]
    allowed = client.post(ENDPOINT, json=body("mp3"), headers=guarded)
    assert allowed.status_code == 200


_ROUTING = {
    "provider": {"zdr": True, "data_collection": "deny", "options": {"openai": {"x": 1}}},
    "session_id": "s" * 256,
    "trace": {"trace_id": "t-1", "span_name": "stt", "team": "audio"},
    "user": "user-1234",
}


def test_routing_and_tracing_fields_are_accepted_and_journaled(
    client: httpx.Client, handle: MockHandle
) -> None:
    assert client.post(ENDPOINT, json=body(**_ROUTING), headers=auth()).status_code == 200
    entry = handle.journal.last
    assert {k: entry.request.shape[k] for k in _ROUTING} == _ROUTING
    assert entry.verdict.request_valid, entry.verdict.errors


def test_in_a_form_provider_and_trace_are_json_strings(
    client: httpx.Client, handle: MockHandle
) -> None:
    form = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in _ROUTING.items()}
    files = {"file": ("hello.wav", sample("wav"), "audio/wav")}
    response = client.post(
        ENDPOINT, data={"model": "openai/whisper-1", **form}, files=files, headers=auth()
    )
    assert response.status_code == 200, response.text
    assert handle.journal.last.verdict.request_valid, handle.journal.last.verdict.errors
    bad = client.post(
        ENDPOINT, data={"model": "openai/whisper-1", "trace": "[1]"}, files=files, headers=auth()
    )
    assert refused(bad)["metadata"]["field"] == "trace"
    bad = client.post(
        ENDPOINT, data={"model": "openai/whisper-1", "provider": "{"}, files=files, headers=auth()
    )
    assert refused(bad)["metadata"]["field"] == "provider"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"session_id": "s" * 257}, "session_id"),
        ({"provider": {"data_collection": "maybe"}}, "provider.data_collection"),
        ({"provider": {"zdr": "yes"}}, "provider.zdr"),
        ({"trace": "t-1"}, "trace"),
        ({"trace": {"trace_id": 7}}, "trace.trace_id"),
        ({"user": 5}, "user"),
        ({"keyterms": "OpenAI"}, "keyterms"),
        ({"diarize": "yes"}, "diarize"),
    ],
)
def test_each_new_field_is_checked(client: httpx.Client, extra: dict[str, Any], field: str) -> None:
    error = refused(client.post(ENDPOINT, json=body(**extra), headers=auth()))
    assert error["metadata"]["field"] == field


def test_zdr_and_data_collection_may_be_null(client: httpx.Client) -> None:
    routing = {"provider": {"zdr": None, "data_collection": None}}
    assert client.post(ENDPOINT, json=body(**routing), headers=auth()).status_code == 200


def test_the_in_process_base_url_serves_url_audio() -> None:
    app = create_app(MockConfig(world=World.default()))
    with httpx.Client(transport=sync_transport(app), base_url=IN_PROCESS_BASE_URL) as http:
        response = http.post("/audio/transcriptions", json=by_url(), headers=auth())
    assert response.status_code == 200


def test_limits_default_the_gateway_timeout() -> None:
    assert Limits().gateway_timeout_seconds == World.default().limits.gateway_timeout_seconds


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"diarize": "maybe"}, "diarize"),
        ({"diarize": "true"}, "diarize"),  # without verbose_json
        ({"keyterms[]": " "}, "keyterms"),
        ({"session_id": "s" * 257}, "session_id"),
        ({"provider": "[1]"}, "provider"),
        ({"provider": '{"zdr": "yes"}'}, "provider.zdr"),
        ({"provider": '{"data_collection": "maybe"}'}, "provider.data_collection"),
        ({"trace": "not json"}, "trace"),
        ({"trace": '{"trace_id": 7}'}, "trace.trace_id"),
        ({"source_url": "ftp://audio.example.com/a.wav"}, "source_url"),
    ],
)
def test_each_new_part_is_checked_in_a_form(
    client: httpx.Client, parts: dict[str, str], field: str
) -> None:
    files = {"file": ("hello.wav", sample("wav"), "audio/wav")}
    if "source_url" in parts:
        files = {}
    response = client.post(
        ENDPOINT, data={"model": DIARIZER, **parts}, files=files or None, headers=auth()
    )
    assert refused(response)["metadata"]["field"] == field
