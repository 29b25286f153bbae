"""The base64 stream, across chunk boundaries, sync and async, from every kind of source.

``tests/client/test_body_properties.py`` shows the body decodes to the request it describes, for
audio that fits one chunk. Here the chunks are made small, so every byte string crosses many
chunk boundaries at every offset, and the body is also judged against the spec's ``STTRequest``
schema itself rather than the generated model.
"""

from __future__ import annotations

import base64
import io
import json
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
from openrouter_stt._base import check_fields, make_body
from openrouter_stt._files import AudioBody, _aencode, _encode, load_audio
from tests.properties.strategies import byte_strings, chunk_sizes, schema


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


def _sync(body: AudioBody) -> bytes:
    try:
        return b"".join(body)
    finally:
        body.close()


async def _async(body: AudioBody) -> bytes:
    try:
        return b"".join([chunk async for chunk in body])
    finally:
        await body.aclose()


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
        document = json.loads(sent)
        REQUEST_SCHEMA.validate(document)
        assert document["input_audio"]["data"] == expected, how
        assert document["input_audio"]["format"] == "flac"
        assert document.get("temperature") == temperature

    async def read_all_async(folder: Path) -> None:
        for how, audio in _sources(data, folder):
            body = make_body(load_audio(audio, "flac"), fields)
            check(f"async {how}", body, await _async(body))

    with tempfile.TemporaryDirectory() as folder, mock.patch.object(_files, "CHUNK_SIZE", chunk):
        for how, audio in _sources(data, Path(folder)):
            body = make_body(load_audio(audio, "flac"), fields)
            check(how, body, _sync(body))
        anyio.run(read_all_async, Path(folder))
