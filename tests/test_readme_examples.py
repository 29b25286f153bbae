"""The README's examples, run as written, so the README stays true."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from openrouter_stt import APIConnectionError, AudioURL, OpenRouterSTT, PaymentRequiredError
from openrouter_stt_mock import (
    DEFAULT_API_KEY,
    IN_PROCESS_BASE_URL,
    KeySpec,
    World,
    create_app,
    get_handle,
    sync_transport,
)
from openrouter_stt_mock.pytest_plugin import MockFixture, ReplayFixture


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a folder outside the repository, as a project using the package would."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("elsewhere")
def test_transcribes(openrouter_mock: MockFixture) -> None:
    client = openrouter_mock.client()  # OpenRouterSTT wired in-process
    audio = openrouter_mock.sample("wav")  # sample audio shipped with the mock
    assert client.transcribe(audio, model="openai/whisper-large-v3").text


@pytest.mark.usefixtures("elsewhere")
def test_timestamps_with_the_audio_sent_as_multipart(openrouter_mock: MockFixture) -> None:
    """Using the client: the verbose example, with the in-process mock as the service."""
    with openrouter_mock.client() as client:
        result = client.transcribe(
            openrouter_mock.sample("mp3"),
            model="openai/whisper-large-v3",
            response_format="verbose_json",  # a type checker sees an STTVerboseResponse
            timestamp_granularities=["segment", "word"],
            upload="multipart",
        )
        print(result.language, result.duration)
        for segment in result.segments:
            print(f"[{segment.start:.2f} --> {segment.end:.2f}] {segment.text}")
        print([(word.word, word.start) for word in result.words or []])
    assert result.segments
    assert result.words
    (entry,) = openrouter_mock.journal
    assert entry.request.headers["content-type"].startswith("multipart/form-data")


@pytest.mark.usefixtures("elsewhere")
def test_audio_by_url_with_speakers(openrouter_mock: MockFixture) -> None:
    """Using the client: the AudioURL example, with the in-process mock as the service."""
    with openrouter_mock.client() as client:
        result = client.transcribe(
            AudioURL("https://audio.example.com/hello.mp3"),  # format from the path's extension
            model="mock/diarizer",
            response_format="verbose_json",
            diarize=True,  # speaker_label on every segment and word
            keyterms=["OpenRouter", "Kenobi"],
            provider_zdr=True,  # zero-data-retention endpoints only
            provider_data_collection="deny",
            session_id="meeting-42",
            user="user-1234",
            trace={"trace_id": "abc", "span_name": "transcribe", "team": "support"},
        )
        for word in result.words or []:
            print(word.speaker_label, word.word)
    assert result.words
    assert all(word.speaker_label for word in result.words)


@pytest.mark.usefixtures("elsewhere")
def test_retries_a_503(openrouter_mock: MockFixture) -> None:
    openrouter_mock.queue(503)  # the next request gets a 503
    client = openrouter_mock.client(max_retries=1)
    client.transcribe(openrouter_mock.sample("mp3"), model="openai/whisper-1")
    assert [e.response.status for e in openrouter_mock.journal] == [503, 200]
    assert openrouter_mock.clock.slept == 1  # the 503's Retry-After, not waited for


@pytest.mark.usefixtures("elsewhere")
@pytest.mark.openrouter_mock(world=replace(World.default(), keys={"sk-mine": KeySpec(Decimal(0))}))
def test_runs_out_of_credit(openrouter_mock: MockFixture) -> None:
    client = openrouter_mock.client(api_key="sk-mine")
    with pytest.raises(PaymentRequiredError):
        client.transcribe(openrouter_mock.sample("wav"), model="openai/whisper-large-v3")


def test_in_process_without_pytest_fixtures() -> None:
    app = create_app()
    with httpx.Client(transport=sync_transport(app)) as http:
        client = OpenRouterSTT(
            api_key=DEFAULT_API_KEY, base_url=IN_PROCESS_BASE_URL, http_client=http
        )
        get_handle(app).queue(fault="reset")
        with pytest.raises(APIConnectionError):
            client.transcribe("tests/data/hello.wav", model="openai/whisper-1", max_retries=0)
        assert client.transcribe("tests/data/hello.wav", model="openai/whisper-1").text


@pytest.mark.usefixtures("elsewhere")
@pytest.mark.openrouter_replay("data/cassettes")  # the README's "cassettes/transcribe"
def test_transcribes_as_recorded(openrouter_replay: ReplayFixture) -> None:
    client = openrouter_replay.client()  # the key you send plays key-1
    audio = openrouter_replay.sample("wav")  # the shipped samples, if you recorded with them
    result = client.transcribe(audio, model="openai/whisper-large-v3", language="en", upload="json")
    assert result.text
