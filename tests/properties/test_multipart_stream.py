"""The streamed multipart body is exactly the form it claims to be, whatever the audio and the
fields: read back by python-multipart (a parser we did not write) into the generated
``STTMultipartRequest``, from every kind of source, sync and async, at any chunk size, with audio
that looks like the framing around it (line breaks, dashes, boundaries of our own shape) and with
real audio (the bundled samples, generated WAV)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest import mock

import anyio
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt import _files
from openrouter_stt._body import make_body
from openrouter_stt._checks import check_fields
from openrouter_stt._files import AudioBody, load_audio
from openrouter_stt_models import STTMultipartRequest
from tests._forms import Part, parse_form
from tests.properties._bodies import read_async, read_sync
from tests.properties.strategies import (
    bundled_audio,
    languages,
    spec_model_ids,
    temperatures,
    wav_audio,
)

MEDIA_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "webm": "audio/webm",
    "aac": "audio/aac",
}

# Pieces of the framing itself, so the audio looks like part of the form around it.
_LOOKALIKES = st.sampled_from(
    [
        b"\r\n",
        b"--",
        b"\r\n--",
        b"\r\n--openrouter-stt-",
        b"\r\n--openrouter-stt-0123456789abcdef0123456789abcdef--\r\n",
        b'Content-Disposition: form-data; name="model"\r\n\r\n',
        b"\x00",
        b"\xff",
    ]
)
# A leading zero byte matches no audio signature, so format="flac" applies.
framing_like = st.lists(_LOOKALIKES | st.binary(max_size=40), max_size=30).map(
    lambda pieces: b"\x00" + b"".join(pieces)
)
real = (bundled_audio() | wav_audio(max_seconds=0.05)).map(lambda audio: (audio.data, None))
audio_inputs = framing_like.map(lambda data: (data, "flac")) | real


def _sources(data: bytes, folder: Path) -> Iterable[tuple[str, Any]]:
    path = folder / "audio.bin"
    path.write_bytes(data)
    yield "bytes", data
    yield "path", path
    with path.open("rb") as file:
        yield "file", file
    moved = io.BytesIO(b"\x00" * 5 + data)
    moved.seek(5)
    yield "file at an offset", moved


def _form(parts: list[Part]) -> dict[str, Any]:
    """The parts as the generated model's input: repeated ``name[]`` parts as a list."""
    form: dict[str, Any] = {}
    for part in parts:
        value = part.data if part.filename is not None else part.data.decode()
        if part.name.endswith("[]"):
            form.setdefault(part.name, []).append(value)
        else:
            assert part.name not in form, f"{part.name} twice"
            form[part.name] = value
    return form


@given(
    audio=audio_inputs,
    model=spec_model_ids.filter(str.strip),
    language=st.none() | languages,
    temperature=st.none() | temperatures,
    verbose=st.booleans(),
    granularities=st.lists(st.sampled_from(["word", "segment"]), max_size=3),
    data=st.data(),
)
def test_the_streamed_form_is_the_request_at_any_chunk_size(
    audio: tuple[bytes, str | None],
    model: str,
    language: str | None,
    temperature: float | None,
    verbose: bool,
    granularities: list[str],
    data: st.DataObject,
) -> None:
    content, given_format = audio
    # Small chunks put every byte string across chunk edges; never more than ~2,000 chunks.
    chunk = data.draw(st.integers(max(1, len(content) // 2000), max(1, len(content))))
    fields = check_fields(
        model=model,
        language=language,
        temperature=temperature,
        response_format="verbose_json" if verbose else None,
        timestamp_granularities=granularities if verbose else None,
    )

    def check(how: str, body: AudioBody, sent: bytes) -> None:
        assert len(sent) == body.content_length, how
        # A body whole in memory goes to httpx as bytes: the same bytes as its stream.
        assert body.whole() in (None, sent), how
        parts = parse_form(sent, body.content_type)
        file = parts[-1]
        assert [p.name for p in parts].count("file") == 1, how
        assert file.name == "file", how
        assert file.data == content, how
        fmt = load_audio(content, given_format).format
        # Every source is named audio.bin, or has no name: the part is named after its format.
        assert file.filename == f"audio.{fmt}", how
        assert file.headers["content-type"] == MEDIA_TYPES[fmt], how
        request = STTMultipartRequest.model_validate(_form(parts))
        assert (request.model, request.language, request.temperature) == (
            model,
            language,
            temperature,
        ), how
        assert request.response_format == ("verbose_json" if verbose else None)
        expected = list(dict.fromkeys(granularities)) if verbose and granularities else None
        assert request.timestamp_granularities__ == expected, how

    async def read_all_async(folder: Path) -> None:
        for how, source in _sources(content, folder):
            body = make_body(load_audio(source, given_format), fields, "multipart")
            check(f"async {how}", body, await read_async(body))

    with tempfile.TemporaryDirectory() as folder, mock.patch.object(_files, "CHUNK_SIZE", chunk):
        for how, source in _sources(content, Path(folder)):
            body = make_body(load_audio(source, given_format), fields, "multipart")
            first = read_sync(body)
            assert read_sync(body) == first, f"{how}: a retry sends other bytes"
            check(how, body, first)
        anyio.run(read_all_async, Path(folder))
