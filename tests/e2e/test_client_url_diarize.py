"""Audio by URL and diarization, from the real client (sync and async, both forms) to
``openrouter-stt mock`` running as its own process, over loopback: the default world maps
``https://audio.example.com/hello.*`` to the samples, ``mock/diarizer`` can do both, a slow host
gives a 504 (retried), the guarded key a 403 and the small key a 402 on audio by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import openrouter_stt as stt
from openrouter_stt_mock import SAMPLE_TEXT
from tests.e2e import _calls as calls
from tests.e2e._calls import FORMS, KINDS, journal
from tests.e2e.conftest import Server

DATA = Path(__file__).resolve().parents[1] / "data"
DIARIZER = "mock/diarizer"


def transcribe(server: Server, kind: str, audio: Any, **kwargs: Any) -> Any:
    """The shared call, to mock/diarizer unless ``model`` says otherwise."""
    kwargs.setdefault("model", DIARIZER)
    return calls.transcribe(server, kind, audio, **kwargs)


@KINDS
@FORMS
@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg"])
def test_audio_by_url(server: Server, kind: str, form: str, fmt: str) -> None:
    url = f"https://audio.example.com/hello.{fmt}"
    result = transcribe(server, kind, stt.AudioURL(url), upload=form)
    assert result.text == SAMPLE_TEXT
    assert result.usage is not None
    assert result.usage.seconds == pytest.approx(9.2, abs=0.1)
    (entry,) = journal(server)
    media = "application/json" if form == "json" else "multipart/form-data; boundary="
    assert entry["request"]["headers"]["content-type"].startswith(media)
    assert entry["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}


@KINDS
def test_a_url_without_an_extension_takes_its_format_in_json(server: Server, kind: str) -> None:
    result = transcribe(
        server, kind, stt.AudioURL("https://audio.example.com/speech", format="mp3")
    )
    assert result.text == SAMPLE_TEXT
    (entry,) = journal(server)
    assert entry["request"]["headers"]["content-type"] == "application/json"


@FORMS
def test_a_refused_host_is_a_bad_request(server: Server, form: str) -> None:
    with pytest.raises(stt.BadRequestError) as caught:
        transcribe(server, "sync", stt.AudioURL("http://127.0.0.1/hello.wav"), upload=form)
    assert caught.value.status_code == 400


def test_a_host_slower_than_the_gateway_is_a_504_retried(server: Server) -> None:
    with pytest.raises(stt.GatewayTimeoutError) as caught:
        transcribe(
            server, "sync", stt.AudioURL("https://slow.example.com/hello.wav"), max_retries=1
        )
    assert caught.value.status_code == 504
    assert [entry["response"]["status"] for entry in journal(server)] == [504, 504]


def test_the_small_key_cannot_cover_audio_by_url(server: Server) -> None:
    url = stt.AudioURL("https://audio.example.com/hello.wav")
    with pytest.raises(stt.PaymentRequiredError):
        transcribe(server, "sync", url, api_key="sk-or-mock-small")
    # The same key covers the file itself: it is billed on the seconds it has.
    assert transcribe(server, "sync", DATA / "hello.ogg", api_key="sk-or-mock-small").text


def test_the_guardrail_forbids_other_models(server: Server) -> None:
    with pytest.raises(stt.ForbiddenError) as caught:
        transcribe(server, "sync", DATA / "hello.ogg", api_key="sk-or-mock-guarded")
    assert caught.value.status_code == 403
    ok = transcribe(
        server,
        "sync",
        DATA / "hello.ogg",
        api_key="sk-or-mock-guarded",
        model="openai/whisper-large-v3",
    )
    assert ok.text == SAMPLE_TEXT


@KINDS
@FORMS
def test_diarize(server: Server, kind: str, form: str) -> None:
    result = transcribe(
        server,
        kind,
        DATA / "hello.ogg",
        upload=form,
        response_format="verbose_json",
        diarize=True,
        keyterms=["Kenobi"],
        session_id="session-1",
        user="user-1",
        trace={"trace_id": "t-1", "custom": 3},
        provider_zdr=True,
        provider_data_collection="deny",
    )
    assert type(result) is stt.STTVerboseResponse
    assert result.text == SAMPLE_TEXT
    words = result.words or []
    assert words, "diarize brings the words without the word granularity"
    assert all(word.speaker_label for word in words)
    for segment in result.segments:
        assert segment.speaker_label
        inside = [w for w in words if segment.start <= w.start < segment.end]
        assert {w.speaker_label for w in inside} <= {segment.speaker_label}
    (entry,) = journal(server)
    assert entry["verdict"]["response_valid"]
    if form == "json":
        assert entry["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}


def test_the_journal_judges_a_multipart_diarize_valid(server: Server) -> None:
    transcribe(
        server,
        "sync",
        DATA / "hello.ogg",
        upload="multipart",
        response_format="verbose_json",
        diarize=True,
    )
    (entry,) = journal(server)
    assert entry["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}


@KINDS
def test_diarize_from_a_url(server: Server, kind: str) -> None:
    result = transcribe(
        server,
        kind,
        stt.AudioURL("https://audio.example.com/hello.mp3"),
        response_format="verbose_json",
        diarize=True,
    )
    assert result.text == SAMPLE_TEXT
    assert {w.speaker_label for w in result.words or []} - {None}


def test_a_model_that_cannot_diarize_is_a_bad_request(server: Server) -> None:
    with pytest.raises(stt.BadRequestError) as caught:
        transcribe(
            server,
            "sync",
            DATA / "hello.ogg",
            model="openai/whisper-large-v3",
            response_format="verbose_json",
            diarize=True,
        )
    assert "diariz" in caught.value.message.lower()
