"""``response_format`` and ``timestamp_granularities``: sent in either form, and answered with
the model a type checker is told of (``typing_transcribe.py``, checked here by mypy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx

from openrouter_stt import (
    APIResponseValidationError,
    STTResponse,
    STTSegment,
    STTVerboseResponse,
    STTWord,
)

from .conftest import OK_BODY, VERBOSE_BODY, ClientAdapter, sent

HERE = Path(__file__).resolve().parent


@pytest.fixture
def verbose_route(router: respx.MockRouter) -> respx.Route:
    return router.post("/audio/transcriptions").respond(200, json=VERBOSE_BODY)


def test_verbose_json_in_either_form(
    stt_each_form: ClientAdapter, verbose_route: respx.Route, data_dir: Path
) -> None:
    result = stt_each_form.transcribe(
        data_dir / "hello.wav",
        response_format="verbose_json",
        timestamp_granularities=["segment", "word", "segment"],
    )
    assert type(result) is STTVerboseResponse
    assert (result.task, result.language, result.duration) == ("transcribe", "english", 9.2)
    assert result.segments == [STTSegment(id=0, start=0.0, end=9.2, text="hello")]
    assert result.words == [STTWord(word="hello", start=0.4, end=0.9)]
    got = sent(verbose_route.calls.last.request)
    assert got.form == stt_each_form.upload
    # Each granularity once, in the order first given.
    assert got.fields["response_format"] == "verbose_json"
    assert got.fields["timestamp_granularities"] == ["segment", "word"]


@pytest.mark.parametrize("granularities", [None, [], ()])
def test_no_granularities_sends_none(
    stt_each_form: ClientAdapter,
    verbose_route: respx.Route,
    data_dir: Path,
    granularities: list[str] | None,
) -> None:
    stt_each_form.transcribe(
        data_dir / "hello.wav",
        response_format="verbose_json",
        timestamp_granularities=granularities,
    )
    fields = sent(verbose_route.calls.last.request).fields
    assert set(fields) == {"model", "response_format"}


def test_json_is_sent_when_asked_for_and_answered_plainly(
    stt_each_form: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    first = stt_each_form.transcribe(data_dir / "hello.wav", response_format="json")
    second = stt_each_form.transcribe(data_dir / "hello.wav")
    assert type(first) is type(second) is STTResponse
    fields = [sent(call.request).fields for call in route.calls]
    assert fields[0]["response_format"] == "json"
    assert "response_format" not in fields[1]


def test_a_plain_answer_to_verbose_json_is_a_validation_error(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    with pytest.raises(APIResponseValidationError) as caught:
        stt.transcribe(data_dir / "hello.wav", response_format="verbose_json")
    assert "not a valid verbose transcription" in str(caught.value)
    assert caught.value.body == OK_BODY


def test_the_raw_response_parses_to_the_verbose_model(
    stt: ClientAdapter, verbose_route: respx.Route, data_dir: Path
) -> None:
    raw = stt.raw(data_dir / "hello.wav", response_format="verbose_json")
    assert type(raw.parse()) is STTVerboseResponse
    plain = stt.raw(data_dir / "hello.wav")
    assert type(plain.parse()) is STTResponse


def test_a_verbose_answer_to_a_plain_request_keeps_its_extra_fields(
    stt: ClientAdapter, router: respx.MockRouter, data_dir: Path
) -> None:
    router.post("/audio/transcriptions").mock(httpx.Response(200, json=VERBOSE_BODY))
    result = stt.transcribe(data_dir / "hello.wav")
    assert type(result) is STTResponse
    assert result.segments is not None
    assert result.duration == 9.2


def test_a_type_checker_sees_the_verbose_result() -> None:
    """mypy --strict on ``typing_transcribe.py``: every ``assert_type`` holds and every call
    meant to be refused still is."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file=",
            str(HERE / "typing_transcribe.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
