"""Arguments the client can judge are refused before anything is sent, in either upload form."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import respx

from openrouter_stt import (
    AsyncOpenRouterSTT,
    InvalidRequestError,
    OpenRouterSTT,
    OpenRouterSTTError,
)

from .conftest import ClientAdapter


@pytest.fixture
def stt(stt: ClientAdapter, upload: str) -> ClientAdapter:
    """Every check, for each client and each upload form."""
    stt.upload = upload
    return stt


@pytest.fixture
def wav(data_dir: Path) -> Path:
    return data_dir / "hello.wav"


def refused(
    stt: ClientAdapter, audio: object, field: str, *phrases: str, **kwargs: Any
) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as caught:
        stt.transcribe(audio, **kwargs)
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, OpenRouterSTTError)
    assert error.field == field
    message = str(error)
    assert message.startswith(f"{field}: ")
    for phrase in phrases:
        assert phrase in message
    return error


def test_missing_path(stt: ClientAdapter, no_route: respx.MockRouter, tmp_path: Path) -> None:
    refused(stt, tmp_path / "nope.wav", "audio", "no file at", "nope.wav")


def test_directory(stt: ClientAdapter, no_route: respx.MockRouter, tmp_path: Path) -> None:
    refused(stt, str(tmp_path), "audio", "is a directory")


def test_empty_file(stt: ClientAdapter, no_route: respx.MockRouter, tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    refused(stt, path, "audio", "is empty")


@pytest.mark.parametrize(
    ("empty", "said"),
    [
        (b"", "empty bytes"),
        (bytearray(), "an empty bytearray"),
        (memoryview(b""), "an empty memoryview"),
    ],
)
def test_empty_bytes(
    stt: ClientAdapter, no_route: respx.MockRouter, empty: object, said: str
) -> None:
    # In English: "got empty bytes", never "the bytes is empty".
    refused(stt, empty, "audio", f"audio: got {said}; expected audio bytes")


def test_exhausted_file_object(stt: ClientAdapter, no_route: respx.MockRouter, wav: Path) -> None:
    f = io.BytesIO(wav.read_bytes())
    f.read()
    refused(stt, f, "audio", "no bytes left")


def test_text_mode_file(stt: ClientAdapter, no_route: respx.MockRouter, tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_text("RIFF")
    with path.open() as f:
        refused(stt, f, "audio", "text mode", "'rb'")
    refused(stt, io.StringIO("RIFF...."), "audio", "text mode")


def test_closed_file_object(stt: ClientAdapter, no_route: respx.MockRouter, wav: Path) -> None:
    f = io.BytesIO(wav.read_bytes())
    f.close()
    refused(stt, f, "audio", "cannot be read")


@pytest.mark.parametrize("audio", [None, 42, 3.5, ["a.wav"], {"data": b"RIFF"}, object()])
def test_wrong_type(stt: ClientAdapter, no_route: respx.MockRouter, audio: object) -> None:
    refused(stt, audio, "audio", f"got {type(audio).__name__}", "bytes", "os.PathLike", "'rb'")


def test_unknown_format(stt: ClientAdapter, no_route: respx.MockRouter) -> None:
    refused(
        stt,
        b"\x00\x01\x02",
        "format",
        "'mp4a' is not a known audio format",
        "wav, mp3",
        format="mp4a",
    )


def test_format_of_wrong_type(stt: ClientAdapter, no_route: respx.MockRouter, wav: Path) -> None:
    refused(stt, wav, "format", "expected a string, got int", format=3)


def test_contradicting_format(stt: ClientAdapter, no_route: respx.MockRouter, wav: Path) -> None:
    refused(stt, wav, "format", "'mp3' contradicts the audio", "bytes are wav", format="mp3")


def test_unknowable_format(stt: ClientAdapter, no_route: respx.MockRouter, tmp_path: Path) -> None:
    refused(stt, b"\x00" * 100, "format", "cannot tell", "wav, mp3, flac, m4a, ogg, webm, aac")
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello")
    refused(stt, path, "format", "the name 'notes.txt'")


@pytest.mark.parametrize("model", ["", "   ", None, 7])
def test_bad_model(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, model: object
) -> None:
    refused(stt, wav, "model", "expected a non-empty model id", model=model)


@pytest.mark.parametrize("language", ["EN", "english", "e", "en-US", "xx", "", 1])
def test_bad_language(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, language: object
) -> None:
    refused(stt, wav, "language", "not an ISO-639-1 code", "'en'", language=language)


@pytest.mark.parametrize(
    ("temperature", "phrase"),
    [
        (-0.01, "out of range"),
        (1.01, "out of range"),
        (2, "out of range"),
        (float("nan"), "out of range"),
        (float("inf"), "out of range"),
        (True, "got bool"),
        ("0.5", "got str"),
    ],
)
def test_bad_temperature(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, temperature: object, phrase: str
) -> None:
    refused(stt, wav, "temperature", phrase, "between 0 and 1", temperature=temperature)


@pytest.mark.parametrize("options", [{"openai": 5}, ["openai"], {"openai": ["max_tokens"]}])
def test_bad_provider_options(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, options: object
) -> None:
    refused(stt, wav, "provider_options", "provider slug", provider_options=options)


@pytest.mark.parametrize("response_format", ["text", "srt", "vtt", "JSON", "", 1, ["json"]])
def test_bad_response_format(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, response_format: object
) -> None:
    shown = repr(response_format) if isinstance(response_format, str) else "is not offered"
    refused(
        stt,
        wav,
        "response_format",
        shown,
        "accepted: 'json', 'verbose_json'",
        response_format=response_format,
    )


@pytest.mark.parametrize(
    ("granularities", "phrase"),
    [
        ("word", "got the string 'word'"),
        ({"word"}, "got set"),
        (["words"], "'words' is not a granularity; accepted: 'word', 'segment'"),
        (["segment", None], "NoneType is not a granularity"),
    ],
)
def test_bad_timestamp_granularities(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, granularities: object, phrase: str
) -> None:
    refused(
        stt,
        wav,
        "timestamp_granularities",
        phrase,
        response_format="verbose_json",
        timestamp_granularities=granularities,
    )


@pytest.mark.parametrize("response_format", [None, "json"])
def test_timestamp_granularities_need_verbose_json(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, response_format: str | None
) -> None:
    refused(
        stt,
        wav,
        "timestamp_granularities",
        "only with response_format='verbose_json'",
        f"response_format is {response_format!r}",
        response_format=response_format,
        timestamp_granularities=["segment"],
    )


@pytest.mark.parametrize("form", ["form", "MULTIPART", None, 1])
def test_bad_upload(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path, form: object
) -> None:
    refused(stt, wav, "upload", "accepted: 'auto', 'json', 'multipart'", upload=form)


def test_a_misspelt_argument_is_a_type_error(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path
) -> None:
    # As Python says it of any function: **options must not swallow it.
    with pytest.raises(TypeError, match="unexpected keyword argument 'langauge'"):
        stt.transcribe(wav, langauge="en")


@pytest.mark.parametrize("cls", [OpenRouterSTT, AsyncOpenRouterSTT])
def test_missing_api_key_is_refused_at_construction(
    cls: type[OpenRouterSTT | AsyncOpenRouterSTT], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    for key in (None, "", "   "):
        with pytest.raises(InvalidRequestError) as caught:
            cls(key)
        assert caught.value.field == "api_key"
        assert isinstance(caught.value, ValueError)
        assert "OPENROUTER_API_KEY" in str(caught.value)


class Shrinks(io.BytesIO):
    """A file that loses its second half between being checked and being sent."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > 64:
            self.truncate(len(self.getvalue()) // 2)
        return super().read(size)


def test_file_that_shrinks_while_sent(
    stt: ClientAdapter, no_route: respx.MockRouter, wav: Path
) -> None:
    # The body no longer fits its Content-Length: the upload stops rather than lie.
    refused(stt, Shrinks(wav.read_bytes()), "audio", "ended after", "changed while being sent")
