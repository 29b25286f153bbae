"""The official ``openrouter`` Python SDK, a client nobody here wrote, against the mock process.

Both of its operations on the endpoint, over loopback: ``stt.create_transcription`` (the base64
JSON body) and ``stt.create_transcription_multipart`` (multipart/form-data, where the SDK spells
the granularities ``timestamp_granularities[][]``). Each must give the SDK's own response model,
verbose members included, and the SDK's own error class for a status.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openrouter import OpenRouter, components, errors, operations

from openrouter_stt_mock import DEFAULT_API_KEY
from tests.e2e._timeline import MP3_SECONDS, check_model_timeline
from tests.e2e.conftest import Server

DATA = Path(__file__).resolve().parents[1] / "data"
MP3 = DATA / "hello.mp3"
MODEL = "openai/whisper-1"


@pytest.fixture
def sdk(server: Server) -> Iterator[OpenRouter]:
    with OpenRouter(api_key=DEFAULT_API_KEY, server_url=server.base_url) as client:
        yield client


def as_json(sdk: OpenRouter, model: str = MODEL, **options: Any) -> components.STTResponse:
    audio = components.STTInlineInputAudio(
        data=base64.b64encode(MP3.read_bytes()).decode(), format_="mp3"
    )
    return sdk.stt.create_transcription(model=model, input_audio=audio, **options)


def as_multipart(sdk: OpenRouter, model: str = MODEL, **options: Any) -> components.STTResponse:
    file = operations.CreateAudioTranscriptionsMultipartFile(
        file_name="hello.mp3", content=MP3.read_bytes()
    )
    return sdk.stt.create_transcription_multipart(model=model, file=file, **options)


UPLOADS = {"json": as_json, "multipart": as_multipart}


def check_verbose(result: components.STTResponse, transcript: str, *, words: bool) -> None:
    """The SDK's model holds the verbose members, consistent with the transcript and the audio."""
    assert result.text == transcript
    assert result.task == "transcribe"
    assert result.language == "english"
    assert result.duration is not None
    assert result.segments is not None
    assert all(isinstance(segment, components.STTSegment) for segment in result.segments)
    check_model_timeline(
        transcript,
        result.duration,
        result.segments,
        result.words,
        words_asked=words,
        word_type=components.STTWord,
    )


@pytest.mark.parametrize("upload", UPLOADS)
def test_json_answer(sdk: OpenRouter, sample_transcript: str, upload: str) -> None:
    result = UPLOADS[upload](sdk)
    assert isinstance(result, components.STTResponse)
    assert result.text == sample_transcript
    assert result.usage is not None
    assert result.usage.seconds == pytest.approx(MP3_SECONDS)
    assert result.usage.cost is not None
    assert result.usage.cost > 0
    assert result.segments is None
    assert result.words is None


@pytest.mark.parametrize("upload", UPLOADS)
@pytest.mark.parametrize(
    ("granularities", "words"),
    [(["word", "segment"], True), (["segment"], False)],
    ids=["word and segment", "segment only"],
)
def test_verbose_json(
    sdk: OpenRouter, sample_transcript: str, upload: str, granularities: list[str], words: bool
) -> None:
    result = UPLOADS[upload](
        sdk, response_format="verbose_json", timestamp_granularities=granularities
    )
    check_verbose(result, sample_transcript, words=words)


def test_multipart_file_object_named_by_content_type(
    sdk: OpenRouter, sample_transcript: str
) -> None:
    with MP3.open("rb") as audio:
        file = operations.CreateAudioTranscriptionsMultipartFile(
            file_name="recording", content=audio, content_type="audio/mpeg"
        )
        result = sdk.stt.create_transcription_multipart(
            model=MODEL, file=file, language="en", temperature=0.2
        )
    assert result.text == sample_transcript


def test_multipart_file_that_names_no_format_is_a_bad_request(sdk: OpenRouter) -> None:
    file = operations.CreateAudioTranscriptionsMultipartFile(
        file_name="recording", content=MP3.read_bytes()
    )
    with pytest.raises(errors.BadRequestResponseError) as caught:
        sdk.stt.create_transcription_multipart(model=MODEL, file=file)
    assert caught.value.status_code == 400
    metadata = caught.value.data.error.metadata
    assert isinstance(metadata, dict)
    assert metadata["field"] == "file"


@pytest.mark.parametrize("upload", UPLOADS)
@pytest.mark.parametrize(
    ("api_key", "error_class", "status"),
    [
        ("sk-or-mock-nobody", errors.UnauthorizedResponseError, 401),
        ("sk-or-mock-broke", errors.PaymentRequiredResponseError, 402),
    ],
    ids=["401 unknown key", "402 no credit"],
)
def test_errors_raise_the_sdks_classes(
    server: Server,
    upload: str,
    api_key: str,
    error_class: type[errors.OpenRouterError],
    status: int,
) -> None:
    with (
        OpenRouter(api_key=api_key, server_url=server.base_url) as sdk,
        pytest.raises(error_class) as caught,
    ):
        UPLOADS[upload](sdk)
    error = caught.value
    assert isinstance(error, errors.OpenRouterError)
    assert error.status_code == status
    assert error.data.error.code == status  # type: ignore[attr-defined]
    assert error.message


@pytest.mark.parametrize("upload", UPLOADS)
def test_unknown_model_raises_not_found(sdk: OpenRouter, upload: str) -> None:
    with pytest.raises(errors.NotFoundResponseError) as caught:
        UPLOADS[upload](sdk, model="nobody/no-model")
    assert caught.value.status_code == 404
    assert "nobody/no-model" in caught.value.message


@pytest.mark.parametrize("upload", UPLOADS)
def test_the_third_request_in_the_window_raises_too_many_requests(
    server: Server, sample_transcript: str, upload: str
) -> None:
    with OpenRouter(api_key="sk-or-mock-limited", server_url=server.base_url) as sdk:
        for _ in range(2):
            assert UPLOADS[upload](sdk).text == sample_transcript
        with pytest.raises(errors.TooManyRequestsResponseError) as caught:
            UPLOADS[upload](sdk)
    assert caught.value.status_code == 429
    assert int(caught.value.headers["retry-after"]) > 0


@pytest.mark.anyio
async def test_async_multipart_verbose_json(server: Server, sample_transcript: str) -> None:
    async with OpenRouter(api_key=DEFAULT_API_KEY, server_url=server.base_url) as sdk:
        result = await sdk.stt.create_transcription_multipart_async(
            model="openai/whisper-large-v3",
            file={"file_name": "hello.mp3", "content": MP3.read_bytes()},
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
        )
    check_verbose(result, sample_transcript, words=True)


# --- 2026-10-27: audio by URL, diarize, keyterms, provider routing, session, trace, user -----

URL = "https://audio.example.com/hello.mp3"
DIARIZER = "mock/diarizer"


def journal(server: Server) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = httpx.get(server.url + "/_mock/journal", timeout=5.0).json()
    return entries


def test_json_audio_by_url(sdk: OpenRouter, server: Server, sample_transcript: str) -> None:
    audio = components.STTURLInputAudio(url=URL)
    result = sdk.stt.create_transcription(model=DIARIZER, input_audio=audio)
    assert result.text == sample_transcript
    assert result.usage is not None
    assert result.usage.seconds == pytest.approx(MP3_SECONDS)
    (entry,) = journal(server)
    assert entry["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}


def test_json_audio_by_url_with_its_format(sdk: OpenRouter, sample_transcript: str) -> None:
    audio = components.STTURLInputAudio(url="https://audio.example.com/speech", format_="mp3")
    assert sdk.stt.create_transcription(model=DIARIZER, input_audio=audio).text == sample_transcript


def test_multipart_source_url(sdk: OpenRouter, server: Server, sample_transcript: str) -> None:
    # With no file to carry, the SDK sends its form as application/x-www-form-urlencoded
    # (httpx's choice): the mock reads it as the same form, and its verdict says the spec does
    # not document that content type.
    result = sdk.stt.create_transcription_multipart(model=DIARIZER, source_url=URL)
    assert result.text == sample_transcript
    (entry,) = journal(server)
    assert entry["request"]["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert entry["verdict"]["errors"] == [
        "request Content-Type: application/x-www-form-urlencoded is not documented; "
        "the form's is multipart/form-data"
    ]


def test_every_new_field_in_json(sdk: OpenRouter, server: Server, sample_transcript: str) -> None:
    result = as_json(
        sdk,
        model=DIARIZER,
        response_format="verbose_json",
        diarize=True,
        keyterms=["Kenobi", "General"],
        provider=components.STTRequestProvider(zdr=True, data_collection="deny"),
        session_id="session-1",
        trace=components.TraceConfig(trace_id="t-1", span_name="sdk"),
        user="user-1",
    )
    check_diarized(result, sample_transcript)
    (entry,) = journal(server)
    assert entry["verdict"] == {"request_valid": True, "response_valid": True, "errors": []}


def test_every_new_field_in_multipart(
    sdk: OpenRouter, server: Server, sample_transcript: str
) -> None:
    # The SDK takes provider and trace as the JSON strings the form carries.
    result = as_multipart(
        sdk,
        model=DIARIZER,
        response_format="verbose_json",
        diarize=True,
        provider=json.dumps({"zdr": True, "data_collection": "deny"}),
        session_id="session-1",
        trace=json.dumps({"trace_id": "t-1", "span_name": "sdk"}),
        user="user-1",
    )
    check_diarized(result, sample_transcript)
    (entry,) = journal(server)
    assert entry["response"]["status"] == 200


def test_multipart_keyterms(sdk: OpenRouter, sample_transcript: str) -> None:
    result = as_multipart(sdk, model=DIARIZER, keyterms=["Kenobi", "General"])
    assert result.text == sample_transcript


def test_multipart_diarize_from_a_url(sdk: OpenRouter, sample_transcript: str) -> None:
    result = sdk.stt.create_transcription_multipart(
        model=DIARIZER, source_url=URL, response_format="verbose_json", diarize=True
    )
    check_diarized(result, sample_transcript)


def check_diarized(result: components.STTResponse, transcript: str) -> None:
    """Every word carries a speaker, and each segment's words share the segment's speaker."""
    assert result.text == transcript
    assert result.segments is not None
    assert result.words, "diarize brings the words without the word granularity"
    assert all(isinstance(word.speaker_label, str) for word in result.words)
    for segment in result.segments:
        inside = [w for w in result.words if segment.start <= w.start < segment.end]
        assert {w.speaker_label for w in inside} <= {segment.speaker_label}


@pytest.mark.parametrize("upload", UPLOADS)
def test_the_guardrail_raises_the_sdks_forbidden(server: Server, upload: str) -> None:
    with (
        OpenRouter(api_key="sk-or-mock-guarded", server_url=server.base_url) as sdk,
        pytest.raises(errors.ForbiddenResponseError) as caught,
    ):
        UPLOADS[upload](sdk, model=DIARIZER)
    assert caught.value.status_code == 403


def test_a_session_id_over_256_characters_is_a_bad_request(sdk: OpenRouter) -> None:
    with pytest.raises(errors.BadRequestResponseError) as caught:
        as_json(sdk, session_id="s" * 257)
    assert caught.value.status_code == 400
