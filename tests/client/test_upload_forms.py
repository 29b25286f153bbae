"""The two upload forms on the wire: base64 JSON and multipart/form-data, each read back by a
parser we did not write (json; python-multipart), for every kind of audio input, with an exact
Content-Length, the same bytes on every retry, and the form ``auto`` picks by size and fields."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from openrouter_stt import AsyncOpenRouterSTT, InvalidRequestError, OpenRouterSTT, _body
from openrouter_stt._body import make_body
from openrouter_stt._checks import check_fields
from openrouter_stt._files import CHUNK_SIZE, AudioBody, load_audio
from openrouter_stt._multipart import part_filename
from openrouter_stt.formats import MULTIPART_MAX_BYTES

from .conftest import MODEL, OK_BODY, VERBOSE_BODY, ClientAdapter, sent, sent_form
from .test_requests import Pipe, ShortReads

FORMATS = ["wav", "mp3", "flac", "m4a", "ogg", "webm", "aac"]


@pytest.fixture
def verbose_route(router: respx.MockRouter) -> respx.Route:
    return router.post("/audio/transcriptions").respond(200, json=VERBOSE_BODY)


def test_a_multipart_body_carries_every_field_then_the_file(
    stt: ClientAdapter, verbose_route: respx.Route, data_dir: Path
) -> None:
    path = data_dir / "hello.wav"
    stt.transcribe(
        path,
        upload="multipart",
        language="en",
        temperature=0.25,
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    request = verbose_route.calls.last.request
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.headers.get_list("content-length") == [str(len(request.content))]
    assert "transfer-encoding" not in request.headers
    parts = sent_form(request)
    assert [(p.name, p.filename, p.data) for p in parts[:-1]] == [
        ("model", None, MODEL.encode()),
        ("language", None, b"en"),
        ("temperature", None, b"0.25"),
        ("response_format", None, b"verbose_json"),
        ("timestamp_granularities[]", None, b"word"),
        ("timestamp_granularities[]", None, b"segment"),
    ]
    file = parts[-1]
    assert (file.name, file.filename, file.headers["content-type"]) == (
        "file",
        "hello.wav",
        "audio/wav",
    )
    assert file.data == path.read_bytes()
    assert set(file.headers) == {"content-disposition", "content-type"}


def test_optional_fields_are_left_out_of_the_form(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(data_dir / "hello.mp3", upload="multipart")
    assert [part.name for part in sent_form(route.calls.last.request)] == ["model", "file"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_in_both_forms(
    stt_each_form: ClientAdapter, route: respx.Route, data_dir: Path, fmt: str
) -> None:
    path = data_dir / f"hello.{fmt}"
    stt_each_form.transcribe(path, language="en", temperature=0.2)
    got = sent(route.calls.last.request)
    assert got.form == stt_each_form.upload
    assert (got.audio, got.format) == (path.read_bytes(), fmt)
    assert got.fields == {"model": MODEL, "language": "en", "temperature": 0.2}


class NamedBytesIO(io.BytesIO):
    name = "/somewhere/clip.mp3"


INPUTS = [
    pytest.param(lambda p: str(p), "hello.ogg", id="str-path"),
    pytest.param(lambda p: p, "hello.ogg", id="pathlike"),
    pytest.param(lambda p: p.read_bytes(), "audio.ogg", id="bytes"),
    pytest.param(lambda p: bytearray(p.read_bytes()), "audio.ogg", id="bytearray"),
    pytest.param(lambda p: memoryview(p.read_bytes()), "audio.ogg", id="memoryview"),
    pytest.param(lambda p: io.BytesIO(p.read_bytes()), "audio.ogg", id="bytesio-without-name"),
    # A name whose extension lies: the part is named after what the bytes are.
    pytest.param(lambda p: NamedBytesIO(p.read_bytes()), "clip.ogg", id="misnamed-file"),
    pytest.param(lambda p: ShortReads(p.read_bytes()), "audio.ogg", id="short-reads"),
    pytest.param(lambda p: Pipe(p.read_bytes()), "audio.ogg", id="non-seekable"),
]


@pytest.mark.parametrize(("make_audio", "filename"), INPUTS)
def test_every_input_kind_in_both_forms(
    stt_each_form: ClientAdapter,
    route: respx.Route,
    data_dir: Path,
    make_audio: Any,
    filename: str,
) -> None:
    path = data_dir / "hello.ogg"
    stt_each_form.transcribe(make_audio(path))
    request = route.calls.last.request
    got = sent(request)
    assert (got.form, got.audio, got.format) == (stt_each_form.upload, path.read_bytes(), "ogg")
    if got.form == "multipart":
        assert sent_form(request)[-1].filename == filename


def test_an_open_file_is_sent_from_its_position_and_left_open(
    stt_each_form: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    audio = (data_dir / "hello.flac").read_bytes()
    with io.BytesIO(b"junk" + audio) as f:
        f.seek(4)
        stt_each_form.transcribe(f)
        assert not f.closed
        assert f.tell() == 4 + len(audio)
    assert sent(route.calls.last.request).audio == audio


@pytest.mark.parametrize("size", [1, 2, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE])
@pytest.mark.parametrize("kind", ["path", "bytes", "file"])
def test_audio_of_any_length_arrives_whole(
    stt_each_form: ClientAdapter, route: respx.Route, tmp_path: Path, size: int, kind: str
) -> None:
    audio = (b"fLaC" + bytes(range(256)) * (size // 256 + 1))[: max(size, 4)]
    path = tmp_path / "big.flac"
    path.write_bytes(audio)
    source: Any = {"path": path, "bytes": audio, "file": io.BytesIO(audio)}[kind]
    stt_each_form.transcribe(source)
    assert sent(route.calls.last.request).audio == audio


def test_retries_send_the_very_same_body(
    stt_each_form: ClientAdapter, router: respx.MockRouter, tmp_path: Path
) -> None:
    audio = b"RIFF\x00\x00\x00\x00WAVE" + bytes(range(256)) * (CHUNK_SIZE // 100)
    path = tmp_path / "long.wav"
    path.write_bytes(audio)
    route = router.post("/audio/transcriptions")
    for source in (path, Pipe(audio)):
        before = route.call_count
        route.side_effect = [
            httpx.Response(500),
            httpx.Response(503),
            httpx.Response(200, json=OK_BODY),
        ]
        stt_each_form.transcribe(source)
        requests = [call.request for call in route.calls][before:]
        assert len(requests) == 3
        # The boundary included: one body, made once, iterated once per attempt.
        assert len({request.content for request in requests}) == 1
        assert len({request.headers["content-type"] for request in requests}) == 1
        assert sent(requests[-1]).audio == audio


def test_the_body_names_its_own_type_whatever_the_headers_given(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    stt.transcribe(
        data_dir / "hello.wav",
        upload="multipart",
        client_kwargs={"default_headers": {"Content-Type": "application/json"}},
        extra_headers={"content-type": "text/plain"},
    )
    request = route.calls.last.request
    assert request.headers.get_list("content-type") == [request.headers["content-type"]]
    assert sent(request).form == "multipart"


def test_a_multipart_stream_yields_the_audio_in_chunks(tmp_path: Path) -> None:
    audio = b"fLaC" + bytes(range(200)) * (CHUNK_SIZE // 50)
    path = tmp_path / "long.flac"
    path.write_bytes(audio)
    fields = check_fields(model=MODEL)
    body = make_body(load_audio(path), fields, "multipart")

    async def collect(body: AudioBody) -> list[bytes]:
        try:
            return [chunk async for chunk in body]
        finally:
            await body.aclose()

    try:
        chunks = list(body)
        again = list(body)
    finally:
        body.close()
    assert len(chunks) >= 6  # head, the audio in five pieces or more, tail
    assert max(len(chunk) for chunk in chunks[1:-1]) <= CHUNK_SIZE
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    assert b"".join(chunks) == b"".join(again) == b"".join(anyio.run(collect, body))
    assert sum(map(len, chunks)) == body.content_length
    assert b"".join(chunks[1:-1]) == audio


# --- the form "auto" picks ------------------------------------------------------------------


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    """Multipart's cap made 1000 bytes, so that its edges take no large file."""
    monkeypatch.setattr(_body, "MULTIPART_MAX_BYTES", 1000)
    return 1000


def _wav(size: int) -> bytes:
    return (b"RIFF\x00\x00\x00\x00WAVE" + b"\x01" * size)[:size]


@pytest.mark.parametrize(("size", "form"), [(12, "multipart"), (1000, "multipart"), (1001, "json")])
def test_auto_uploads_multipart_up_to_the_cap(
    stt: ClientAdapter, route: respx.Route, small_cap: int, size: int, form: str
) -> None:
    stt.transcribe(_wav(size), upload="auto")
    got = sent(route.calls.last.request)
    assert (got.form, got.audio) == (form, _wav(size))


def test_auto_uploads_provider_options_in_multipart_as_a_json_part(
    stt: ClientAdapter, route: respx.Route, data_dir: Path
) -> None:
    # From 2026-10-27 the form has a provider part: a JSON-encoded object, as in the JSON body.
    options = {"openai": {"max_tokens": 10}}
    stt.transcribe(
        data_dir / "hello.wav",
        upload="auto",
        provider_options=options,
        provider_zdr=True,
        provider_data_collection="deny",
    )
    request = route.calls.last.request
    got = sent(request)
    assert got.form == "multipart"
    assert got.fields["provider"] == {"options": options, "zdr": True, "data_collection": "deny"}
    (part,) = [part for part in sent_form(request) if part.name == "provider"]
    assert "content-type" not in part.headers  # a text part holding JSON, not a JSON file


def test_auto_uploads_json_when_a_field_has_no_part(
    stt: ClientAdapter, route: respx.Route, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    # A field the form has no part for (none today: the contract's form carries every field).
    monkeypatch.setattr(_body, "_form_part_names", lambda: frozenset({"model", "file"}))
    stt.transcribe(data_dir / "hello.wav", upload="auto", language="en")
    got = sent(route.calls.last.request)
    assert (got.form, got.fields["language"]) == ("json", "en")


def test_the_default_upload_is_auto(stt: ClientAdapter, route: respx.Route, small_cap: int) -> None:
    stt.transcribe(_wav(1000))
    stt.transcribe(_wav(1001))
    assert [sent(call.request).form for call in route.calls] == ["multipart", "json"]


def test_multipart_over_the_cap_is_refused_before_sending(
    stt: ClientAdapter, no_route: respx.MockRouter, small_cap: int
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        stt.transcribe(_wav(1001), upload="multipart")
    assert caught.value.field == "upload"
    assert str(caught.value).startswith("upload: the audio is 1,001 bytes, over the 1,000 bytes")
    assert "upload='json'" in str(caught.value)


def test_multipart_with_a_field_it_has_no_part_for_is_refused_before_sending(
    stt: ClientAdapter,
    no_route: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
) -> None:
    monkeypatch.setattr(_body, "_form_part_names", lambda: frozenset({"model", "file"}))
    with pytest.raises(InvalidRequestError) as caught:
        stt.transcribe(data_dir / "hello.wav", upload="multipart", provider_options={"openai": {}})
    assert caught.value.field == "upload"
    assert "no part for provider_options" in str(caught.value)


class Counter(httpx.BaseTransport):
    """A transport that reads the body a chunk at a time, keeping only its head and its size."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        size, head = 0, b""
        for chunk in request.stream:
            head = head or bytes(chunk[:64])
            size += len(chunk)
        length = int(request.headers["content-length"])
        self.seen.append((request.headers["content-type"], length, size, head))
        return httpx.Response(200, json=OK_BODY)


@pytest.fixture
def sparse(tmp_path: Path) -> Any:
    """Files of a given size that take no disk: a WAV header, then a hole."""

    def make(size: int) -> Path:
        path = tmp_path / f"{size}.wav"
        with path.open("wb") as f:
            f.write(_wav(12))
            f.truncate(size)
        return path

    return make


def test_real_sizes_at_upstreams_25_mb_cap(sparse: Any) -> None:
    at_cap, over = sparse(MULTIPART_MAX_BYTES), sparse(MULTIPART_MAX_BYTES + 1)
    transport = Counter()
    with OpenRouterSTT("k", http_client=httpx.Client(transport=transport)) as client:
        client.transcribe(at_cap, model=MODEL, upload="auto")
        client.transcribe(over, model=MODEL, upload="auto")
        with pytest.raises(InvalidRequestError, match="25,000,001 bytes, over the 25,000,000"):
            client.transcribe(over, model=MODEL, upload="multipart")
    (multipart, json_) = transport.seen
    assert multipart[0].startswith("multipart/form-data; boundary=")
    assert multipart[1] == multipart[2] > MULTIPART_MAX_BYTES
    assert multipart[1] - MULTIPART_MAX_BYTES < 1024  # the framing is all it adds
    assert json_[0] == "application/json"
    assert json_[1] == json_[2] > MULTIPART_MAX_BYTES * 4 // 3
    assert json_[3].startswith(b'{"input_audio":{"data":"')


def test_the_async_client_picks_the_same(small_cap: int) -> None:
    seen: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        await request.aread()
        seen.append(sent(request).form)
        return httpx.Response(200, json=OK_BODY)

    async def run() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        async with AsyncOpenRouterSTT("k", http_client=http) as client:
            await client.transcribe(_wav(1000), model=MODEL, upload="auto")
            await client.transcribe(_wav(1001), model=MODEL, upload="auto")
            await client.transcribe(_wav(12), model=MODEL, upload="json")
        await http.aclose()

    anyio.run(run)
    assert seen == ["multipart", "json", "json"]


# --- the file part's name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        (None, "wav", "audio.wav"),
        ("", "mp3", "audio.mp3"),
        ("meeting.mp3", "mp3", "meeting.mp3"),
        ("actually-wav.mp3", "wav", "actually-wav.wav"),
        ("take.2.final.flac", "flac", "take.2.final.flac"),
        ("no-extension", "ogg", "no-extension.ogg"),
        (".hidden", "webm", "hidden.webm"),
        ("réunion d'équipe.m4a", "m4a", "r_union_d_quipe.m4a"),
        ('quo"te\r\nname.aac', "aac", "quo_te_name.aac"),
        ("x" * 300 + ".wav", "wav", "x" * 64 + ".wav"),
        ("...", "wav", "audio.wav"),
    ],
)
def test_part_filename(name: str | None, fmt: Any, expected: str) -> None:
    assert part_filename(name, fmt) == expected
