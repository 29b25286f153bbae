"""openai-python, a client nobody here wrote, against ``openrouter-stt mock`` over loopback.

A user who points ``OpenAI(base_url=...)`` at the mock uploads multipart/form-data with
``client.audio.transcriptions.create``: they must get openai's own result models back (typed
segments and words for ``verbose_json``) and openai's own exception classes for the statuses
the mock answers. openai's retries are off (``max_retries=0``) so that an error is raised at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.audio import (
    Transcription,
    TranscriptionSegment,
    TranscriptionVerbose,
    TranscriptionWord,
)

from openrouter_stt_mock import DEFAULT_API_KEY
from tests.e2e._timeline import MP3_SECONDS, check_model_timeline
from tests.e2e.conftest import Server

DATA = Path(__file__).resolve().parents[1] / "data"
MP3 = DATA / "hello.mp3"
MODEL = "openai/whisper-1"


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    """Closes the clients and files a test opens."""
    with ExitStack() as opened:
        yield opened


@pytest.fixture
def make_client(server: Server, stack: ExitStack) -> Callable[..., openai.OpenAI]:
    """``OpenAI`` for the mock, with a key of the default world; closed after the test."""

    def make(api_key: str = DEFAULT_API_KEY) -> openai.OpenAI:
        made = openai.OpenAI(base_url=server.base_url, api_key=api_key, max_retries=0, timeout=10.0)
        return stack.enter_context(made)

    return make


#: The forms openai takes a file in that carry its format (a name ending ``.mp3``).
FILE_FORMS: dict[str, Callable[[ExitStack], Any]] = {
    "file opened from a path": lambda stack: stack.enter_context(MP3.open("rb")),
    "(name, bytes) tuple": lambda _: ("hello.mp3", MP3.read_bytes()),
    "(name, bytes, content type) tuple": lambda _: ("audio", MP3.read_bytes(), "audio/mpeg"),
    "pathlib.Path": lambda _: MP3,
}


def check_verbose(result: TranscriptionVerbose, transcript: str, *, words: bool) -> None:
    """The answer is openai's typed verbose model, consistent with the transcript and the audio."""
    assert isinstance(result, TranscriptionVerbose)
    assert result.text == transcript
    assert result.language == "english"
    assert result.segments is not None
    assert all(isinstance(segment, TranscriptionSegment) for segment in result.segments)
    assert [segment.id for segment in result.segments] == list(range(len(result.segments)))
    check_model_timeline(
        transcript,
        result.duration,
        result.segments,
        result.words,
        words_asked=words,
        word_type=TranscriptionWord,
    )


@pytest.mark.parametrize("form", FILE_FORMS)
def test_json_answer_for_each_named_file_form(
    make_client: Callable[..., openai.OpenAI], sample_transcript: str, stack: ExitStack, form: str
) -> None:
    result = make_client().audio.transcriptions.create(model=MODEL, file=FILE_FORMS[form](stack))
    assert isinstance(result, Transcription)
    assert result.text == sample_transcript


def test_raw_response_carries_the_generation_id_and_usage(
    make_client: Callable[..., openai.OpenAI], sample_transcript: str
) -> None:
    raw = make_client().audio.transcriptions.with_raw_response.create(
        model=MODEL, file=("hello.mp3", MP3.read_bytes()), response_format="json"
    )
    assert raw.status_code == 200
    assert raw.headers["x-generation-id"].startswith("gen-")
    document = raw.http_response.json()
    assert document["text"] == sample_transcript
    assert document["usage"]["seconds"] == pytest.approx(MP3_SECONDS)
    assert raw.parse().text == sample_transcript


@pytest.mark.parametrize(
    ("granularities", "words"),
    [(["word", "segment"], True), (["segment"], False)],
    ids=["word and segment", "segment only"],
)
def test_verbose_json_comes_back_in_openais_models(
    make_client: Callable[..., openai.OpenAI],
    sample_transcript: str,
    granularities: list[Any],
    words: bool,
) -> None:
    result = make_client().audio.transcriptions.create(
        model="openai/whisper-large-v3",
        file=("hello.mp3", MP3.read_bytes()),
        response_format="verbose_json",
        timestamp_granularities=granularities,
    )
    check_verbose(result, sample_transcript, words=words)


def test_verbose_json_from_a_provider_without_it_is_a_bad_request(
    make_client: Callable[..., openai.OpenAI],
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        make_client().audio.transcriptions.create(
            model="mock/json-only",
            file=("hello.mp3", MP3.read_bytes()),
            response_format="verbose_json",
        )
    assert caught.value.status_code == 400
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["metadata"]["field"] == "response_format"


def test_bare_bytes_are_refused_naming_the_file_part(
    make_client: Callable[..., openai.OpenAI],
) -> None:
    # openai sends bare bytes as a part named ``upload`` typed application/octet-stream, which
    # names no format: the mock cannot tell the format and says so, as a 400 about ``file``.
    with pytest.raises(openai.BadRequestError) as caught:
        make_client().audio.transcriptions.create(model=MODEL, file=MP3.read_bytes())
    error = caught.value
    assert error.status_code == 400
    assert isinstance(error.body, dict)
    assert error.body["metadata"]["field"] == "file"
    assert error.body["message"].startswith("file: ")
    assert "'upload'" in error.body["message"]
    assert "application/octet-stream" in error.body["message"]
    assert "mp3 (audio/mpeg)" in error.body["metadata"]["accepted"]


@pytest.mark.parametrize(
    ("api_key", "model", "error_class", "status"),
    [
        ("sk-or-mock-nobody", MODEL, openai.AuthenticationError, 401),
        ("sk-or-mock-broke", MODEL, openai.APIStatusError, 402),
        (DEFAULT_API_KEY, "nobody/no-model", openai.NotFoundError, 404),
    ],
    ids=["401 unknown key", "402 no credit", "404 unknown model"],
)
def test_errors_raise_openais_classes(
    make_client: Callable[..., openai.OpenAI],
    api_key: str,
    model: str,
    error_class: type[openai.APIStatusError],
    status: int,
) -> None:
    with pytest.raises(error_class) as caught:
        make_client(api_key).audio.transcriptions.create(
            model=model, file=("hello.mp3", MP3.read_bytes())
        )
    error = caught.value
    assert error.status_code == status
    assert isinstance(error.body, dict)
    assert error.body["code"] == status
    assert error.body["message"]
    assert error.response.headers["content-type"].startswith("application/json")


def test_the_third_request_in_the_window_raises_rate_limit_error(
    make_client: Callable[..., openai.OpenAI], sample_transcript: str
) -> None:
    limited = make_client("sk-or-mock-limited")
    for _ in range(2):
        result = limited.audio.transcriptions.create(
            model=MODEL, file=("hello.mp3", MP3.read_bytes())
        )
        assert result.text == sample_transcript
    with pytest.raises(openai.RateLimitError) as caught:
        limited.audio.transcriptions.create(model=MODEL, file=("hello.mp3", MP3.read_bytes()))
    error = caught.value
    assert error.status_code == 429
    assert int(error.response.headers["retry-after"]) > 0


@pytest.mark.anyio
async def test_async_client_verbose_json_and_an_error(
    server: Server, sample_transcript: str
) -> None:
    async with openai.AsyncOpenAI(
        base_url=server.base_url, api_key=DEFAULT_API_KEY, max_retries=0, timeout=10.0
    ) as aclient:
        with MP3.open("rb") as audio:
            result = await aclient.audio.transcriptions.create(
                model=MODEL,
                file=audio,
                response_format="verbose_json",
                timestamp_granularities=["word", "segment"],
            )
        check_verbose(result, sample_transcript, words=True)
        with pytest.raises(openai.NotFoundError):
            await aclient.audio.transcriptions.create(
                model="nobody/no-model", file=("hello.mp3", MP3.read_bytes())
            )
