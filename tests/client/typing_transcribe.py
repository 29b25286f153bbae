"""Never run, only type-checked (by ``test_typing.py``): what a type checker sees of
``transcribe``. Each ``assert_type`` must hold, and each ignored line must stay an error, as
strict mypy reports an ignore that is no longer needed."""

from __future__ import annotations

from typing_extensions import assert_type

from openrouter_stt import (
    AsyncOpenRouterSTT,
    OpenRouterSTT,
    RawResponse,
    STTResponse,
    STTSegment,
    STTVerboseResponse,
    STTWord,
)


def sync(client: OpenRouterSTT) -> None:
    assert_type(client.transcribe(b"", model="m"), STTResponse)
    assert_type(client.transcribe(b"", model="m", response_format="json"), STTResponse)
    assert_type(client.transcribe(b"", model="m", response_format=None), STTResponse)
    verbose = client.transcribe(
        "a.wav",
        model="m",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        upload="multipart",
        language="en",
    )
    assert_type(verbose, STTVerboseResponse)
    assert_type(verbose.segments, list[STTSegment])
    assert_type(verbose.duration, float)
    assert_type(verbose.words, list[STTWord] | None)
    raw = client.with_raw_response.transcribe(b"", model="m", response_format="verbose_json")
    assert_type(raw, RawResponse)
    client.transcribe(b"", model="m", response_format="text")  # type: ignore[call-overload]
    client.transcribe(b"", model="m", upload="form")  # type: ignore[call-overload]
    client.transcribe(b"", model="m", langauge="en")  # type: ignore[call-overload]
    client.transcribe(  # type: ignore[call-overload]
        b"", model="m", response_format="verbose_json", timestamp_granularities="word"
    )
    client.with_raw_response.transcribe(b"", model="m", upload="form")  # type: ignore[call-overload]


async def asynchronous(client: AsyncOpenRouterSTT) -> None:
    assert_type(await client.transcribe(b"", model="m"), STTResponse)
    verbose = await client.transcribe(b"", model="m", response_format="verbose_json")
    assert_type(verbose, STTVerboseResponse)
    raw = await client.with_raw_response.transcribe(b"", model="m", response_format="json")
    assert_type(raw, RawResponse)
    await client.transcribe(b"", model="m", response_format="srt")  # type: ignore[call-overload]
