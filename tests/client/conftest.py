"""Fixtures of the client tests: a strict respx router, one adapter that runs the same test body
through the sync and the async client, with a fake clock so retries never really sleep, and
readers of what was sent: JSON by the json module, multipart by python-multipart's parser."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
import respx

from openrouter_stt import AsyncOpenRouterSTT, Clock, OpenRouterSTT, RawResponse, STTResponse
from tests._forms import Part, parse_form

API_KEY = "sk-or-v1-test-0123456789abcdef"
BASE_URL = "https://openrouter.test/api/v1"
URL = BASE_URL + "/audio/transcriptions"
MODEL = "openai/whisper-large-v3"
OK_BODY = {"text": "hello", "usage": {"cost": 0.000508, "seconds": 9.2}}
VERBOSE_BODY = {
    **OK_BODY,
    "task": "transcribe",
    "language": "english",
    "duration": 9.2,
    "segments": [{"id": 0, "start": 0.0, "end": 9.2, "text": "hello"}],
    "words": [{"word": "hello", "start": 0.4, "end": 0.9}],
}


class FakeClock(Clock):
    """A clock that only moves when the client sleeps (or a test says so), and no jitter."""

    #: The Unix time when the monotonic clock reads 0.
    EPOCH = 1_700_000_000.0

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.EPOCH + self.now

    def jitter(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class ClientAdapter:
    """Calls ``transcribe`` on a sync or an async client with the same, synchronous, spelling."""

    def __init__(self, kind: str, upload: str | None = None) -> None:
        self.kind = kind
        self.clock = FakeClock()
        #: The ``upload`` every call passes, unless the test gives one (``None``: none given).
        self.upload = upload

    def make(self, **kwargs: Any) -> OpenRouterSTT | AsyncOpenRouterSTT:
        """A client of this adapter's kind with the fake clock and no jitter."""
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("base_url", BASE_URL)
        kwargs.setdefault("clock", self.clock)
        if self.kind == "sync":
            return OpenRouterSTT(**kwargs)
        return AsyncOpenRouterSTT(**kwargs)

    def call(self, method: str, audio: Any, client_kwargs: dict[str, Any], **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        if self.upload is not None:
            kwargs.setdefault("upload", self.upload)
        client = self.make(**client_kwargs)
        if isinstance(client, OpenRouterSTT):
            with client:
                target = client.with_raw_response if method == "raw" else client
                return target.transcribe(audio, **kwargs)

        async def run() -> Any:
            assert isinstance(client, AsyncOpenRouterSTT)
            async with client:
                target = client.with_raw_response if method == "raw" else client
                return await target.transcribe(audio, **kwargs)

        return anyio.run(run)

    def transcribe(
        self, audio: Any, *, client_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> STTResponse:
        result = self.call("parsed", audio, client_kwargs or {}, **kwargs)
        assert isinstance(result, STTResponse)
        return result

    def raw(
        self, audio: Any, *, client_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> RawResponse:
        result = self.call("raw", audio, client_kwargs or {}, **kwargs)
        assert isinstance(result, RawResponse)
        return result


@pytest.fixture(params=["sync", "async"])
def stt(request: pytest.FixtureRequest) -> ClientAdapter:
    """The same test, once with :class:`OpenRouterSTT` and once with the async client."""
    return ClientAdapter(request.param)


@pytest.fixture(params=["json", "multipart"])
def upload(request: pytest.FixtureRequest) -> str:
    """The same test, once for each upload form."""
    form: str = request.param
    return form


@pytest.fixture
def stt_each_form(stt: ClientAdapter, upload: str) -> ClientAdapter:
    """:func:`stt` with every call forced to one upload form, then the other."""
    stt.upload = upload
    return stt


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """respx at its strictest: every request must match a route, and every route be called."""
    with respx.mock(base_url=BASE_URL, assert_all_called=True, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def route(router: respx.MockRouter) -> respx.Route:
    """The transcription route, answering 200 with a transcript unless a test says otherwise."""
    return router.post("/audio/transcriptions").respond(
        200, json=OK_BODY, headers={"X-Generation-Id": "gen-ok"}
    )


@pytest.fixture
def no_route(router: respx.MockRouter) -> Iterator[respx.MockRouter]:
    """A router with no route at all: the test fails if anything is sent."""
    yield router
    assert router.calls.call_count == 0


def sent_json(request: httpx.Request) -> dict[str, Any]:
    """The JSON body a request carried."""
    body = json.loads(request.content)
    assert isinstance(body, dict)
    return body


def sent_form(request: httpx.Request) -> list[Part]:
    """The parts of the multipart body a request carried."""
    return parse_form(request.content, request.headers["content-type"])


@dataclass
class Sent:
    """What a request carried, whichever its form: the fields as ``STTRequest`` names them (a
    list for a repeated part), the audio and the format it was declared as."""

    form: str
    fields: dict[str, Any]
    audio: bytes
    format: str


#: What a multipart file part's content type says of its format (by the media types' registry,
#: not by the client's table).
MEDIA_TYPE_FORMATS = {
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
    "audio/flac": "flac",
    "audio/mp4": "m4a",
    "audio/ogg": "ogg",
    "audio/webm": "webm",
    "audio/aac": "aac",
}


def sent(request: httpx.Request) -> Sent:
    """What ``request`` carried, read by content type; a multipart file part's name and type
    must name the same format."""
    assert int(request.headers["content-length"]) == len(request.content)
    if request.headers["content-type"] == "application/json":
        body = sent_json(request)
        audio = body.pop("input_audio")
        if "url" in audio:
            return Sent("json", {**body, "url": audio}, b"", audio.get("format", ""))
        return Sent("json", body, base64.b64decode(audio["data"], validate=True), audio["format"])
    fields: dict[str, Any] = {}
    files = []
    for part in sent_form(request):
        if part.filename is not None:
            files.append(part)
        elif part.name.endswith("[]"):
            fields.setdefault(part.name[:-2], []).append(part.data.decode())
        else:
            assert part.name not in fields, f"{part.name} sent twice"
            fields[part.name] = part.data.decode()
    if "temperature" in fields:
        fields["temperature"] = float(fields["temperature"])
    # The parts the contract says are JSON-encoded, read back as what they encode.
    for name in ("provider", "trace", "diarize"):
        if name in fields:
            fields[name] = json.loads(fields[name])
    if "source_url" in fields:
        assert not files, "both a file and source_url"
        return Sent("multipart", fields, b"", "")
    (file,) = files
    assert file.name == "file"
    assert file.filename is not None
    fmt = MEDIA_TYPE_FORMATS[file.headers["content-type"]]
    assert file.filename.rpartition(".")[2] == fmt
    return Sent("multipart", fields, file.data, fmt)


def sent_audio(request: httpx.Request) -> bytes:
    """The audio bytes a request carried, in either form."""
    return sent(request).audio


def sent_format(request: httpx.Request) -> str:
    """The format a request declared its audio as, in either form."""
    return sent(request).format
