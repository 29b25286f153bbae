"""Both upload forms and ``verbose_json``, from the real client (sync and async) to
``openrouter-stt mock`` running as its own process, over loopback. The server's body limit is
64 KiB here, so the calls send the 18 KiB OGG sample."""

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


def transcribe(server: Server, kind: str, audio: Any, **kwargs: Any) -> Any:
    """The shared call, to openai/whisper-large-v3 unless ``model`` says otherwise."""
    kwargs.setdefault("model", "openai/whisper-large-v3")
    return calls.transcribe(server, kind, audio, **kwargs)


@KINDS
@FORMS
def test_each_form_transcribes_every_input_kind(server: Server, kind: str, form: str) -> None:
    path = DATA / "hello.ogg"  # 18 KiB: under the JSON limit too
    for audio in (path, path.read_bytes()):
        result = transcribe(server, kind, audio, upload=form, language="en")
        assert type(result) is stt.STTResponse
        assert result.text == SAMPLE_TEXT
        assert result.usage is not None
    with path.open("rb") as f:
        assert transcribe(server, kind, f, upload=form).text == SAMPLE_TEXT
    entries = journal(server)
    assert len(entries) == 3
    for entry in entries:
        request = entry["request"]
        media = "application/json" if form == "json" else "multipart/form-data; boundary="
        assert request["headers"]["content-type"].startswith(media)
        assert request["audio_size"] == path.stat().st_size
        assert int(request["headers"]["content-length"]) == request["body_size"]
        assert entry["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}


@KINDS
@FORMS
def test_verbose_json_with_segments_and_words(server: Server, kind: str, form: str) -> None:
    result = transcribe(
        server,
        kind,
        DATA / "hello.ogg",
        upload=form,
        response_format="verbose_json",
        timestamp_granularities=["segment", "word"],
    )
    assert type(result) is stt.STTVerboseResponse
    assert result.text == SAMPLE_TEXT
    assert result.duration == pytest.approx(9.2, abs=0.1)
    assert result.segments
    assert " ".join(s.text.strip() for s in result.segments) == SAMPLE_TEXT
    ends = [0.0] + [s.end for s in result.segments]
    assert all(a <= s.start <= s.end for a, s in zip(ends, result.segments, strict=False))
    assert result.segments[-1].end <= result.duration
    assert result.words is not None
    spelt = "Hello this is a test of OpenAI speech-to-text transcription"
    assert [w.word for w in result.words] == spelt.split()
    assert all(w.start <= w.end for w in result.words)


@KINDS
@FORMS
def test_verbose_json_from_a_provider_that_cannot_is_a_400(
    server: Server, kind: str, form: str
) -> None:
    with pytest.raises(stt.BadRequestError) as caught:
        transcribe(
            server,
            kind,
            DATA / "hello.ogg",
            model="mock/json-only",
            upload=form,
            response_format="verbose_json",
        )
    assert caught.value.message.startswith("response_format: ")


@KINDS
def test_auto_takes_multipart_for_small_audio(server: Server, kind: str) -> None:
    assert transcribe(server, kind, DATA / "hello.ogg", upload="auto").text == SAMPLE_TEXT
    (entry,) = journal(server)
    assert entry["request"]["headers"]["content-type"].startswith("multipart/form-data")


@KINDS
def test_auto_sends_provider_options_in_multipart_as_a_json_part(server: Server, kind: str) -> None:
    # From 2026-10-27 the form carries provider as a JSON-encoded text part.
    options = {"openai": {"max_tokens": 100}}
    transcribe(
        server, kind, DATA / "hello.ogg", upload="auto", provider_options=options, provider_zdr=True
    )
    (entry,) = journal(server)
    assert entry["request"]["headers"]["content-type"].startswith("multipart/form-data")
    assert entry["response"]["status"] == 200
    assert entry["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}


@FORMS
def test_every_retry_of_either_form_reaches_the_server_whole(server: Server, form: str) -> None:
    with pytest.raises(stt.ServiceUnavailableError):
        transcribe(
            server, "sync", DATA / "hello.ogg", upload=form, extra_headers={"Prefer": "code=503"}
        )
    entries = journal(server)
    assert len(entries) == 3
    first = entries[0]["request"]
    assert {e["request"]["audio_sha256"] for e in entries} == {first["audio_sha256"]}
    assert {e["request"]["body_size"] for e in entries} == {first["body_size"]}
    assert all(e["verdict"]["request_valid"] for e in entries)
