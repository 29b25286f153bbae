"""The streamed body is exactly the JSON it claims to be, whatever the audio and the fields:
decoded to the generated ``STTRequest``, and, with chunks made small so that every byte string
crosses many chunk boundaries at every offset, sync and async, from every kind of source,
judged against the spec's ``STTRequest`` schema itself.
"""

from __future__ import annotations

import base64
import io
import json
import math
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any
from unittest import mock

import anyio
import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt import _files
from openrouter_stt._body import make_body
from openrouter_stt._checks import check_fields
from openrouter_stt._files import AudioBody, _aencode, _encode, load_audio
from openrouter_stt_models import STTRequest
from tests.properties._bodies import read_async, read_sync
from tests.properties.strategies import byte_strings, chunk_sizes, languages, schema, temperatures

# A leading zero byte matches no audio signature, so the explicit format always applies.
audio_bytes = st.binary(min_size=0, max_size=4000).map(lambda b: b"\x00" + b)
slugs = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10)
option_values = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
option_maps = st.none() | st.dictionaries(
    slugs, st.dictionaries(st.text(max_size=10), option_values, max_size=3), max_size=3
)


@given(
    audio=audio_bytes,
    as_file=st.booleans(),
    model=st.text(min_size=1, max_size=40).filter(str.strip),
    language=st.none() | languages,
    temperature=st.none() | temperatures,
    options=option_maps,
)
def test_body_decodes_to_the_request(
    audio: bytes,
    as_file: bool,
    model: str,
    language: str | None,
    temperature: float | None,
    options: dict[str, dict[str, object]] | None,
) -> None:
    fields = check_fields(
        model=model, language=language, temperature=temperature, provider_options=options
    )
    source = load_audio(io.BytesIO(audio) if as_file else audio, "flac")
    body = make_body(source, fields, "json")
    try:
        first = b"".join(body)
        second = b"".join(body)  # a retry sends the very same bytes
    finally:
        body.close()
    assert first == second
    assert len(first) == body.content_length
    sent = STTRequest.model_validate(json.loads(first))
    assert base64.b64decode(sent.input_audio.data, validate=True) == audio
    assert sent.input_audio.format == "flac"
    assert (sent.model, sent.language, sent.temperature) == (model, language, temperature)
    if options is None:
        assert sent.provider is None
    else:
        assert sent.provider is not None
        assert sent.provider.options is not None
        assert sent.provider.options == options


def test_bodies_that_differ_only_by_the_sign_of_a_zero_temperature_keep_it() -> None:
    source = load_audio(b"\x00audio", "flac")
    for temperature in (0.0, -0.0, 0.0, -0.0):
        fields = check_fields(
            model="m", language=None, temperature=temperature, provider_options=None
        )
        sent = json.loads(b"".join(make_body(source, fields, "json")))
        assert math.copysign(1, sent["temperature"]) == math.copysign(1, temperature)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return pieces


@given(data=byte_strings, cuts=st.lists(st.integers(0, 5000), max_size=12))
def test_encoding_any_split_of_any_bytes_is_their_base64(data: bytes, cuts: list[int]) -> None:
    pieces = _split(data, cuts)
    assert b"".join(pieces) == data
    expected = base64.b64encode(data)
    assert b"".join(_encode(pieces)) == expected

    async def pieces_async() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in _aencode(pieces_async())])

    assert anyio.run(collect) == expected


REQUEST_SCHEMA = jsonschema.Draft202012Validator(schema("STTRequest"))


def _sources(data: bytes, folder: Path) -> Iterable[tuple[str, Any]]:
    path = folder / "audio.bin"
    path.write_bytes(data)
    yield "bytes", data
    yield "memoryview", memoryview(data)
    yield "path", path
    with path.open("rb") as file:
        yield "file", file
    prefix = b"\x00" * 7
    moved = io.BytesIO(prefix + data)
    moved.seek(len(prefix))  # read from where the caller left it
    yield "file at an offset", moved


@given(
    data=st.binary(min_size=1, max_size=600).map(lambda b: b"\x00" + b)
    | st.binary(max_size=9).map(lambda b: b"\x00" + b),
    chunk=chunk_sizes,
    temperature=st.none() | st.floats(0, 1),
)
def test_the_streamed_body_is_its_base64_and_a_valid_request_at_any_chunk_size(
    data: bytes, chunk: int, temperature: float | None
) -> None:
    fields = check_fields(
        model="openai/whisper-large-v3",
        language="en",
        temperature=temperature,
        provider_options=None,
    )
    expected = base64.b64encode(data).decode()

    def check(how: str, body: AudioBody, sent: bytes) -> None:
        assert len(sent) == body.content_length, how
        # A body whole in memory goes to httpx as bytes: the same bytes as its stream.
        assert body.whole() in (None, sent), how
        document = json.loads(sent)
        REQUEST_SCHEMA.validate(document)
        assert document["input_audio"]["data"] == expected, how
        assert document["input_audio"]["format"] == "flac"
        assert document.get("temperature") == temperature

    async def read_all_async(folder: Path) -> None:
        for how, audio in _sources(data, folder):
            body = make_body(load_audio(audio, "flac"), fields, "json")
            check(f"async {how}", body, await read_async(body))

    with tempfile.TemporaryDirectory() as folder, mock.patch.object(_files, "CHUNK_SIZE", chunk):
        for how, audio in _sources(data, Path(folder)):
            body = make_body(load_audio(audio, "flac"), fields, "json")
            check(how, body, read_sync(body))
        anyio.run(read_all_async, Path(folder))
