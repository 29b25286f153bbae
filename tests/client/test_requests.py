"""What goes over the wire: headers, the streamed body (in the default form, and JSON where the
test says so), and every kind of audio input."""

from __future__ import annotations

import base64
import gc
import io
import math
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from openrouter_stt import (
    APIConnectionError,
    AsyncOpenRouterSTT,
    Clock,
    InvalidRequestError,
    OpenRouterSTT,
    STTResponse,
    STTUsage,
    __version__,
)
from openrouter_stt._files import (
    CHUNK_SIZE,
    INLINE_READ_BYTES,
    AudioBody,
    aload_audio,
    base64_length,
    load_audio,
)
from openrouter_stt_models import STTRequest

from .conftest import (
    API_KEY,
    MODEL,
    OK_BODY,
    ClientAdapter,
    sent,
    sent_audio,
    sent_format,
    sent_json,
)

FORMATS = ["wav", "mp3", "flac", "m4a", "ogg", "webm", "aac"]


def test_response_is_parsed(stt: ClientAdapter, route: respx.Route, data_dir: Path) -> None:
    result = stt.transcribe(data_dir / "hello.wav")
    assert result == STTResponse(text="hello", usage=STTUsage(cost=0.000508, seconds=9.2))


def test_raw_response_exposes_status_headers_and_generation_id(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    raw = stt.raw(data_dir / "hello.wav")
    assert raw.status_code == 200
    assert raw.generation_id == "gen-ok"
    assert raw.headers["content-type"] == "application/json"
    assert raw.http_response.json() == OK_BODY
    assert raw.parse().text == "hello"


def test_headers(stt: ClientAdapter, route: respx.Route, data_dir: Path) -> None:
    stt.transcribe(
        data_dir / "hello.wav",
        client_kwargs={
            "http_referer": "https://example.app",
            "app_title": "Example App",
            "app_categories": ["cli-agent", "transcription"],
            "default_headers": {"X-Custom": "1"},
        },
        extra_headers={"X-Per-Call": "2"},
        upload="json",
    )
    headers = route.calls.last.request.headers
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == f"openrouter-stt/{__version__}"
    assert headers["http-referer"] == "https://example.app"
    assert headers["x-openrouter-title"] == "Example App"
    assert headers["x-openrouter-categories"] == "cli-agent,transcription"
    assert headers["x-custom"] == "1"
    assert headers["x-per-call"] == "2"


def test_headers_the_http_client_gains_between_calls_are_sent(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    audio = data_dir / "hello.wav"
    if stt.kind == "sync":
        with httpx.Client() as http:
            client = stt.make(http_client=http)
            assert isinstance(client, OpenRouterSTT)
            client.transcribe(audio, model=MODEL)
            http.headers["X-Later"] = "yes"
            client.transcribe(audio, model=MODEL)
    else:

        async def run() -> None:
            async with httpx.AsyncClient() as http:
                client = stt.make(http_client=http)
                assert isinstance(client, AsyncOpenRouterSTT)
                await client.transcribe(audio, model=MODEL)
                http.headers["X-Later"] = "yes"
                await client.transcribe(audio, model=MODEL)

        anyio.run(run)
    first, second = (call.request.headers for call in route.calls)
    assert "x-later" not in first
    assert second["x-later"] == "yes"
    assert second["authorization"] == f"Bearer {API_KEY}"
    assert int(second["content-length"]) == len(route.calls.last.request.content)


def test_attribution_headers_absent_unless_given(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(data_dir / "hello.wav")
    headers = route.calls.last.request.headers
    for name in ("http-referer", "x-openrouter-title", "x-openrouter-categories", "x-title"):
        assert name not in headers


def test_content_length_is_exact_and_not_chunked(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(data_dir / "hello.flac")
    request = route.calls.last.request
    assert int(request.headers["content-length"]) == len(request.content)
    assert "transfer-encoding" not in request.headers


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_sample_format_round_trips(
    stt: ClientAdapter, route: respx.Route, data_dir: Path, fmt: str
) -> None:
    path = data_dir / f"hello.{fmt}"
    stt.transcribe(path, language="en", temperature=0.2, upload="json")
    request = route.calls.last.request
    assert sent_audio(request) == path.read_bytes()
    sent = STTRequest.model_validate(sent_json(request))
    assert sent.input_audio.format == fmt
    assert (sent.model, sent.language, sent.temperature) == (MODEL, "en", 0.2)
    assert sent.provider is None


def test_optional_fields_are_left_out(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(data_dir / "hello.wav", upload="json")
    body = sent_json(route.calls.last.request)
    assert set(body) == {"input_audio", "model"}
    assert set(body["input_audio"]) == {"data", "format"}


def test_provider_options_are_sent(
    stt_each_form: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    # A provider option named "data" must not be mistaken for the audio.
    options = {"openai": {"data": "", "max_tokens": 1000}}
    stt_each_form.transcribe(data_dir / "hello.wav", provider_options=options)
    got = sent(route.calls.last.request)
    assert got.form == stt_each_form.upload
    assert got.fields["provider"] == {"options": options}
    assert got.audio == (data_dir / "hello.wav").read_bytes()


def test_temperature_zero_and_integer_are_sent(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(data_dir / "hello.wav", temperature=0)
    stt.transcribe(data_dir / "hello.wav", temperature=1, upload="json")
    assert [sent(call.request).fields["temperature"] for call in route.calls] == [0, 1]


class NamedBytesIO(io.BytesIO):
    name = "clip.mp3"


@pytest.mark.parametrize(
    "make_audio",
    [
        pytest.param(lambda p: str(p), id="str-path"),
        pytest.param(lambda p: p, id="pathlike"),
        pytest.param(lambda p: p.read_bytes(), id="bytes"),
        pytest.param(lambda p: bytearray(p.read_bytes()), id="bytearray"),
        pytest.param(lambda p: memoryview(p.read_bytes()), id="memoryview"),
        pytest.param(lambda p: io.BytesIO(p.read_bytes()), id="bytesio-without-name"),
    ],
)
def test_every_input_kind(
    stt: ClientAdapter, route: respx.Route, data_dir: Path, make_audio: object
) -> None:
    path = data_dir / "hello.ogg"
    assert callable(make_audio)
    stt.transcribe(make_audio(path))
    request = route.calls.last.request
    assert sent_audio(request) == path.read_bytes()
    assert sent_format(request) == "ogg"


def test_open_file_object_is_read_and_left_open(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    path = data_dir / "hello.m4a"
    with path.open("rb") as f:
        stt.transcribe(f)
        assert not f.closed
    assert sent_audio(route.calls.last.request) == path.read_bytes()


def test_file_object_is_sent_from_its_current_position(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    audio = (data_dir / "hello.wav").read_bytes()
    f = io.BytesIO(b"junk" + audio)
    f.seek(4)
    stt.transcribe(f)
    assert sent_audio(route.calls.last.request) == audio


def test_format_from_the_name_when_bytes_have_no_signature(
    stt: ClientAdapter, route: respx.Route
) -> None:
    stt.transcribe(NamedBytesIO(b"\x00" * 300))
    assert sent_format(route.calls.last.request) == "mp3"


def test_format_from_the_path_suffix(
    stt: ClientAdapter, route: respx.Route, tmp_path: Path
) -> None:
    path = tmp_path / "noise.webm"
    path.write_bytes(b"\x01\x02\x03" * 50)
    stt.transcribe(path)
    assert sent_format(route.calls.last.request) == "webm"


def test_explicit_format_for_unsigned_bytes(stt: ClientAdapter, route: respx.Route) -> None:
    stt.transcribe(b"\x01\x02\x03\x04", format="AAC")
    assert sent_format(route.calls.last.request) == "aac"


def test_bytes_win_over_a_misleading_name(
    stt: ClientAdapter, route: respx.Route, data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "actually-wav.mp3"
    path.write_bytes((data_dir / "hello.wav").read_bytes())
    stt.transcribe(path)
    assert sent_format(route.calls.last.request) == "wav"


@pytest.mark.parametrize("size", [1, 2, 3, 4, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE * 2 + 1])
def test_large_files_stream_in_chunks_and_decode_exactly(
    stt: ClientAdapter, route: respx.Route, tmp_path: Path, size: int
) -> None:
    audio = b"RIFF\x00\x00\x00\x00WAVE" + bytes(range(256)) * (size // 256 + 1)
    audio = audio[: max(size, 12)]
    path = tmp_path / "big.wav"
    path.write_bytes(audio)
    stt.transcribe(path)
    request = route.calls.last.request
    assert sent_audio(request) == audio
    assert int(request.headers["content-length"]) == len(request.content)


def test_body_is_streamed_not_built_whole(tmp_path: Path) -> None:
    audio = b"fLaC" + b"\x07" * (CHUNK_SIZE * 3)
    path = tmp_path / "long.flac"
    path.write_bytes(audio)
    body = AudioBody(b'{"input_audio":{"data":"', load_audio(path), b'"}}')
    try:
        chunks = list(body)
    finally:
        body.close()
    assert body.whole() is None
    assert len(chunks) >= 5  # head, at least three pieces of audio, tail
    assert max(len(chunk) for chunk in chunks) <= base64_length(CHUNK_SIZE)
    assert sum(map(len, chunks)) == body.content_length


def test_a_body_of_one_chunk_goes_out_in_one_piece(
    stt: ClientAdapter, route: respx.Route, tmp_path: Path
) -> None:
    audio = b"fLaC" + b"\x07" * 1000
    path = tmp_path / "short.flac"
    path.write_bytes(audio)
    head, tail = b'{"input_audio":{"data":"', b'"}}'
    expected = head + base64.b64encode(audio) + tail
    # A path this short is read whole when loaded; bytes are already in memory.
    for source in (load_audio(path), load_audio(audio)):
        body = AudioBody(head, source, tail)
        assert body.whole() == expected
        assert b"".join(body) == expected
    for given in (path, audio):
        stt.transcribe(given, upload="json")
        request = route.calls.last.request
        # httpx holds it as bytes, written at once, not as pieces to iterate.
        assert isinstance(request.stream, httpx.ByteStream)
        assert sent_audio(request) == audio


def test_async_loading_hands_only_larger_files_to_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    small, large = tmp_path / "small.flac", tmp_path / "large.flac"
    small.write_bytes(b"fLaC" + b"\x07" * (INLINE_READ_BYTES - 4))
    large.write_bytes(b"fLaC" + b"\x07" * (INLINE_READ_BYTES - 3))

    async def load(audio: Any) -> tuple[int, int]:
        before = len(hops)
        source = await aload_audio(audio)
        return source.size, len(hops) - before

    assert anyio.run(load, small) == (INLINE_READ_BYTES, 0)
    assert anyio.run(load, small.read_bytes()) == (INLINE_READ_BYTES, 0)
    assert anyio.run(load, large) == (INLINE_READ_BYTES + 1, 1)
    with pytest.raises(InvalidRequestError, match="no file at"):
        anyio.run(load, tmp_path / "missing.flac")
    assert len(hops) == 1


class ShortReads(io.RawIOBase):
    """A binary file that hands out at most 1000 bytes per read, as raw files may."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(min(len(buffer), 1000))
        buffer[: len(data)] = data
        return len(data)


def test_short_reads_still_encode_correctly(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    audio = (data_dir / "hello.mp3").read_bytes()
    stt.transcribe(ShortReads(audio))
    assert sent_audio(route.calls.last.request) == audio


class Pipe(io.RawIOBase):
    """A binary stream that cannot seek, like a pipe or a socket."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def test_non_seekable_stream_is_buffered_and_retried(
    stt: ClientAdapter, router: respx.MockRouter, data_dir: Path
) -> None:
    audio = (data_dir / "hello.aac").read_bytes()
    route = router.post("/audio/transcriptions")
    route.side_effect = [httpx.Response(500), httpx.Response(200, json=OK_BODY)]
    stt.transcribe(Pipe(audio))
    assert route.call_count == 2
    assert [sent_audio(call.request) for call in route.calls] == [audio, audio]


def test_base64_length() -> None:
    for size in range(50):
        assert base64_length(size) == 4 * math.ceil(size / 3)


class BreaksMidUpload(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport whose connection drops after sending the first two pieces of the body."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        chunks = iter(request.stream)
        self.sent.append(len(next(chunks)) + len(next(chunks)))
        raise httpx.WriteError("broken pipe")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        chunks = request.stream.__aiter__()
        self.sent.append(len(await chunks.__anext__()) + len(await chunks.__anext__()))
        raise httpx.WriteError("broken pipe")


class NoWait(Clock):
    def sleep(self, seconds: float) -> None:
        pass

    async def asleep(self, seconds: float) -> None:
        pass


def test_files_are_closed_when_the_upload_breaks_half_way(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVE" + b"\x00" * (CHUNK_SIZE * 3))
    transport = BreaksMidUpload()

    http = httpx.Client(transport=transport)
    with (
        OpenRouterSTT("k", http_client=http, clock=NoWait()) as client,
        pytest.raises(APIConnectionError) as caught,
    ):
        client.transcribe(path, model="m")
    assert isinstance(caught.value.__cause__, httpx.WriteError)

    async def run_async() -> None:
        async with AsyncOpenRouterSTT(
            "k", http_client=httpx.AsyncClient(transport=transport), clock=NoWait()
        ) as aclient:
            with pytest.raises(APIConnectionError):
                await aclient.transcribe(path, model="m")

    anyio.run(run_async)
    gc.collect()  # an unclosed file would warn here, and warnings are errors
    # Each of the 3 attempts per client got past the JSON head into the audio.
    assert len(transport.sent) == 6
    assert all(n > CHUNK_SIZE for n in transport.sent)


def test_requests_carry_host_and_exactly_one_content_length(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(data_dir / "hello.wav", extra_headers={"X-Per-Call": "1"})
    request = route.calls.last.request
    assert request.headers.get_list("host") == ["openrouter.test"]
    assert request.headers.get_list("content-length") == [str(len(request.content))]
    assert "transfer-encoding" not in request.headers


def test_extra_headers_replace_ours_whatever_their_case(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(
        data_dir / "hello.wav",
        client_kwargs={"default_headers": {"user-agent": "my-app/1"}},
        extra_headers={"authorization": "Bearer sk-or-v1-other", "ACCEPT": "*/*"},
    )
    headers = route.calls.last.request.headers
    assert headers.get_list("authorization") == ["Bearer sk-or-v1-other"]
    assert headers.get_list("user-agent") == ["my-app/1"]
    assert headers.get_list("accept") == ["*/*"]


def test_a_transport_that_reads_the_request_sees_the_whole_body(
    stt: ClientAdapter, data_dir: Path
) -> None:
    """``request.read()`` in a transport (as ``httpx.MockTransport`` handlers do) gets the body
    that goes out, not an empty placeholder."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json=OK_BODY)

    async def aanswer(request: httpx.Request) -> httpx.Response:
        await request.aread()
        seen.append(request)
        return httpx.Response(200, json=OK_BODY)

    audio = data_dir / "hello.wav"
    if stt.kind == "sync":
        with httpx.Client(transport=httpx.MockTransport(answer)) as http:
            stt.make(http_client=http).transcribe(audio, model=MODEL)
    else:

        async def run() -> None:
            async with httpx.AsyncClient(transport=httpx.MockTransport(aanswer)) as http:
                client = stt.make(http_client=http)
                assert isinstance(client, AsyncOpenRouterSTT)
                await client.transcribe(audio, model=MODEL)

        anyio.run(run)
    (request,) = seen
    assert sent_audio(request) == audio.read_bytes()
    assert int(request.headers["content-length"]) == len(request.content)
