"""Every response the mock can give, each produced for its real reason or forced with ``Prefer``.

Each :class:`Case` builds one request and sends it to a fresh in-process mock; the exchange it
returns (request, the bytes sent, response) is then judged against the OpenAPI documents.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from openrouter_stt_mock import (
    DEFAULT_API_KEY,
    IN_PROCESS_BASE_URL,
    Limits,
    MockConfig,
    World,
    async_transport,
    create_app,
    sync_transport,
)

DATA = Path(__file__).resolve().parents[1] / "data"
BASE_URL = IN_PROCESS_BASE_URL
URL = BASE_URL + "/audio/transcriptions"
DOCUMENTED = (200, 400, 401, 402, 403, 404, 408, 413, 429, 500, 502, 503, 504, 524, 529)
#: Documented statuses whose real reason is a stalled connection, which an in-process exchange
#: cannot make: tests/reliability/test_server_input.py makes them over raw sockets.
OVER_SOCKETS = frozenset({408})
#: The default world, with limits small enough that a 413 and a 524 come for real and fast.
SMALL_LIMITS = Limits(
    max_body_bytes=64 * 1024, upstream_timeout_seconds=0.05, gateway_timeout_seconds=0.05
)


def small_world() -> World:
    """The default world with :data:`SMALL_LIMITS`."""
    return dataclasses.replace(World.default(), limits=SMALL_LIMITS)


def audio(fmt: str = "wav") -> bytes:
    """A bundled sample."""
    return (DATA / f"hello.{fmt}").read_bytes()


def short_wav() -> bytes:
    """A quarter of a second of silence: small enough for :data:`SMALL_LIMITS`."""
    import io
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(b"\x00\x00" * 4000)
    return out.getvalue()


def body(
    model: str = "openai/whisper-large-v3", data: bytes | None = None, fmt: str = "wav", **more: Any
) -> dict[str, Any]:
    """A request body; the audio is a short WAV unless given."""
    raw = short_wav() if data is None else data
    return {
        "model": model,
        "input_audio": {"data": base64.b64encode(raw).decode(), "format": fmt},
        **more,
    }


def bearer(key: str = DEFAULT_API_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Exchange:
    """One request and its response, with the bytes the request carried."""

    request: httpx.Request
    sent: bytes
    response: httpx.Response


class Recorder(httpx.BaseTransport):
    """A transport that keeps every exchange passing through it, request bytes included."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = b"".join(request.stream)  # type: ignore[union-attr]
        copy = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=sent,
            extensions=request.extensions,
        )
        response = self.inner.handle_request(copy)
        response.read()
        self.exchanges.append(Exchange(copy, sent, response))
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncRecorder(httpx.AsyncBaseTransport):
    """:class:`Recorder` for async clients."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = b"".join([chunk async for chunk in request.stream])  # type: ignore[union-attr]
        copy = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=sent,
            extensions=request.extensions,
        )
        response = await self.inner.handle_async_request(copy)
        await response.aread()
        self.exchanges.append(Exchange(copy, sent, response))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


Send = Callable[[httpx.Client], httpx.Response]


@dataclass(frozen=True)
class Case:
    """A way to make the mock answer ``status``.

    ``request_fits`` says whether the request itself fits the spec (a 400 for a documented
    constraint the schema leaves in prose does; a request with no key does not).
    ``fits_upstream`` names the upstream documents it fits when they differ from ours: multipart
    came on 2026-08-22, and the first document lets any JSON member through (``verbose_json``,
    or a ``response_format`` outside the later enum).
    """

    name: str
    status: int
    send: Send
    request_fits: bool = True
    world: Callable[[], World] = World.default
    fits_upstream: tuple[str, ...] | None = None

    def fits(self, edition: str) -> bool:
        """Whether the request fits the upstream document of date ``edition``."""
        if self.fits_upstream is None:
            return self.request_fits
        return edition in self.fits_upstream

    def __str__(self) -> str:
        return self.name


def _post(
    document: Any = None, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> Send:
    def send(http: httpx.Client) -> httpx.Response:
        content = raw if raw is not None else json.dumps(document).encode()
        return http.post(
            URL, content=content, headers={"Content-Type": "application/json", **(headers or {})}
        )

    return send


def _form(
    fields: dict[str, Any],
    data: bytes | None = None,
    filename: str = "audio.wav",
    media_type: str = "audio/wav",
) -> Send:
    """A multipart upload, written by httpx's encoder; a list value is one part per item."""

    def send(http: httpx.Client) -> httpx.Response:
        raw = short_wav() if data is None else data
        return http.post(
            URL, files={"file": (filename, raw, media_type)}, data=fields, headers=bearer()
        )

    return send


#: The upstream documents that describe multipart upload, and audio by URL.
_FORMS = ("2026-08-22", "2026-10-27")
_URLS = ("2026-10-27",)
_DIARIZER = "mock/diarizer"
_URL = "https://audio.example.com/hello.mp3"
_VERBOSE = {"response_format": "verbose_json", "timestamp_granularities": ["segment", "word"]}


def _form_by_url(fields: dict[str, Any]) -> Send:
    """A multipart form with no file part (audio by ``source_url``)."""

    def send(http: httpx.Client) -> httpx.Response:
        parts = {name: (None, value) for name, value in fields.items()}
        return http.post(URL, files=parts, headers=bearer())

    return send


def _third(document: Any, key: str) -> Send:
    def send(http: httpx.Client) -> httpx.Response:
        for _ in range(2):
            assert _post(document, bearer(key))(http).status_code == 200
        return _post(document, bearer(key))(http)

    return send


def _forced(status: int) -> Send:
    return _post(body(), {**bearer(), "Prefer": f"code={status}"})


#: Every status for its real reason.
REAL: tuple[Case, ...] = (
    Case(
        "200 whisper-large-v3: seconds, tokens and cost", 200, _post(body(data=audio()), bearer())
    ),
    Case(
        "200 whisper-1: seconds and cost",
        200,
        _post(body("openai/whisper-1", audio("mp3"), "mp3"), bearer()),
    ),
    Case(
        "200 verbose_json with segments and words",
        200,
        _post(body(data=audio(), **_VERBOSE), bearer()),
    ),
    Case("200 multipart upload", 200, _form({"model": "openai/whisper-1"}), fits_upstream=_FORMS),
    Case(
        "200 multipart verbose_json with segments and words",
        200,
        _form(
            {
                "model": "openai/whisper-large-v3",
                "response_format": "verbose_json",
                "timestamp_granularities[]": ["segment", "word"],
            },
            audio("mp3"),
            "hello.mp3",
            "audio/mpeg",
        ),
        fits_upstream=_FORMS,
    ),
    Case(
        "400 verbose_json from a provider that is not OpenAI-compatible",
        400,
        _post(body("mock/json-only", response_format="verbose_json"), bearer()),
    ),
    Case(
        "400 response_format outside the enum",
        400,
        _post(body(response_format="srt"), bearer()),
        request_fits=False,
        fits_upstream=("2026-04-30",),
    ),
    Case(
        "400 multipart file part that names no format",
        400,
        _form(
            {"model": "openai/whisper-1"}, filename="upload", media_type="application/octet-stream"
        ),
        fits_upstream=_FORMS,
    ),
    Case(
        "200 audio by URL",
        200,
        _post({"model": _DIARIZER, "input_audio": {"url": _URL}}, bearer()),
        fits_upstream=_URLS,
    ),
    Case(
        "200 diarized verbose_json with keyterms, routing and tracing fields",
        200,
        _post(
            body(
                _DIARIZER,
                audio(),
                response_format="verbose_json",
                diarize=True,
                keyterms=["OpenAI"],
                provider={"zdr": True, "data_collection": "deny"},
                session_id="session-1",
                trace={"trace_id": "t-1", "team": "audio"},
                user="user-1",
            ),
            bearer(),
        ),
    ),
    Case(
        "200 multipart upload by source_url",
        200,
        _form_by_url({"model": _DIARIZER, "source_url": _URL}),
        fits_upstream=_URLS,
    ),
    Case(
        "400 a host the provider does not fetch",
        400,
        _post(
            {"model": _DIARIZER, "input_audio": {"url": "http://169.254.169.254/a.wav"}}, bearer()
        ),
        fits_upstream=_URLS,
    ),
    Case(
        "400 diarize without verbose_json",
        400,
        _post(body(_DIARIZER, diarize=True), bearer()),
    ),
    Case(
        "402 audio by URL held at the longest audio the provider takes",
        402,
        _post({"model": _DIARIZER, "input_audio": {"url": _URL}}, bearer("sk-or-mock-small")),
        fits_upstream=_URLS,
    ),
    Case(
        "403 a model the key's guardrail does not allow",
        403,
        _post(body("openai/whisper-1"), bearer("sk-or-mock-guarded")),
    ),
    Case(
        "504 audio by URL slower to fetch than the gateway waits",
        504,
        _post(
            {"model": _DIARIZER, "input_audio": {"url": "https://slow.example.com/hello.wav"}},
            bearer(),
        ),
        world=small_world,
        fits_upstream=_URLS,
    ),
    Case("400 malformed JSON", 400, _post(raw=b'{"model": ', headers=bearer()), request_fits=False),
    Case(
        "400 missing input_audio",
        400,
        _post({"model": "openai/whisper-1"}, bearer()),
        request_fits=False,
    ),
    Case(
        "400 temperature is a string",
        400,
        _post(body(temperature="0.5"), bearer()),
        request_fits=False,
    ),
    Case(
        "400 invalid base64",
        400,
        _post({**body(), "input_audio": {"data": "abc", "format": "wav"}}, bearer()),
    ),
    Case("400 unknown format", 400, _post(body(fmt="wma"), bearer())),
    Case("400 bytes are not the declared format", 400, _post(body(fmt="mp3"), bearer())),
    Case("400 language not ISO-639-1", 400, _post(body(language="english"), bearer())),
    Case("400 temperature above 1", 400, _post(body(temperature=1.5), bearer())),
    Case(
        "400 format no provider of the model takes",
        400,
        _post(body("openai/whisper-1", audio("aac"), "aac"), bearer()),
    ),
    Case("400 undocumented Prefer code", 400, _post(body(), {**bearer(), "Prefer": "code=418"})),
    Case("401 no Authorization header", 401, _post(body()), request_fits=False),
    Case(
        "401 not Bearer",
        401,
        _post(body(), {"Authorization": f"Basic {DEFAULT_API_KEY}"}),
        request_fits=False,
    ),
    Case("401 unknown key", 401, _post(body(), bearer("sk-or-mock-nobody"))),
    Case("401 disabled key", 401, _post(body(), bearer("sk-or-mock-disabled"))),
    Case("402 no credit", 402, _post(body(), bearer("sk-or-mock-broke"))),
    Case("404 unknown model", 404, _post(body("nobody/no-model"), bearer())),
    Case("413 body over the limit", 413, _post(body(data=audio()), bearer()), world=small_world),
    Case("429 third request in the window", 429, _third(body(), "sk-or-mock-limited")),
    Case("502 provider down", 502, _post(body("mock/provider-down"), bearer())),
    Case("503 no provider available", 503, _post(body("mock/no-provider"), bearer())),
    Case(
        "524 provider slower than the upstream timeout",
        524,
        _post(body("mock/slow-provider"), bearer()),
        world=small_world,
    ),
    Case("529 provider overloaded", 529, _post(body("mock/overloaded"), bearer())),
)
#: 500 has no reason in a healthy mock: the test injects an internal fault.
INTERNAL = Case("500 internal fault", 500, _post(body(), bearer()))
#: Every documented status forced with ``Prefer: code=NNN``.
FORCED: tuple[Case, ...] = tuple(Case(f"{s} forced by Prefer", s, _forced(s)) for s in DOCUMENTED)


def run(case: Case) -> list[Exchange]:
    """Send ``case`` to a fresh mock and return every exchange it made (the last one is judged)."""
    app = create_app(MockConfig(world=case.world()))
    recorder = Recorder(sync_transport(app))
    with httpx.Client(transport=recorder, base_url=BASE_URL) as http:
        case.send(http)
    return recorder.exchanges


def async_recorder(app: Any) -> AsyncRecorder:
    """An async recording transport in front of ``app``."""
    return AsyncRecorder(async_transport(app))


# --- judging an exchange beyond what openapi-core checks ------------------------------------


#: Where an answer of the mock fits our fragment but not an upstream document, on purpose; by
#: the document's date.
def _undocumented(status: int) -> tuple[str, str]:
    return ("ResponseNotFound", f"Unknown response http status: {status}")


UPSTREAM_DIFFERENCES = {
    "2026-04-30": {
        # Upstream's docs say a multipart upload over 25 MB gets 413; this schema lists no 413.
        "413 is not documented": _undocumented(413),
        # 403 and 504 came with the 2026-10 contract.
        "403 is not documented": _undocumented(403),
        "504 is not documented": _undocumented(504),
        # 408 is the mock's own, for clients that stall (no upstream document lists it).
        "408 is not documented": _undocumented(408),
        # This document writes OpenAPI 3.0's `nullable: true` inside a 3.1 document, where it
        # means nothing, so a null `user_id` (a string) or `error.metadata` (an object) fails
        # its schema. Ours says `type: [string, 'null']` / `[object, 'null']`, as the service
        # sends them (and as the later documents say too).
        "user_id is null": ("InvalidData", "None is not of type 'string'"),
        "error.metadata is null": ("InvalidData", "None is not of type 'object'"),
    },
    "2026-08-22": {
        "413 is not documented": _undocumented(413),
        "403 is not documented": _undocumented(403),
        "504 is not documented": _undocumented(504),
        "408 is not documented": _undocumented(408),
    },
    "2026-10-27": {
        "408 is not documented": _undocumented(408),
    },
}


def split_errors(errors: list[str]) -> set[tuple[str, str]]:
    found = set()
    for error in errors:
        kind, _, rest = error.partition(": ")
        if kind == "ResponseNotFound":
            found.add((kind, rest))
        else:
            found |= {(kind, message) for message in rest.split("; ")}
    return found


def expected_upstream_differences(status: int, document: Any, edition: str) -> set[tuple[str, str]]:
    """The differences :data:`UPSTREAM_DIFFERENCES` predicts for this answer under the upstream
    document of date ``edition``."""
    named = UPSTREAM_DIFFERENCES[edition]
    undocumented = named.get(f"{status} is not documented")
    if undocumented is not None:
        return {undocumented}
    found = set()
    if status >= 400:
        if document.get("user_id", "") is None and "user_id is null" in named:
            found.add(named["user_id is null"])
        metadata_null = "metadata" in document["error"] and document["error"]["metadata"] is None
        if metadata_null and "error.metadata is null" in named:
            found.add(named["error.metadata is null"])
    return found


def without_nulls(response: httpx.Response) -> httpx.Response:
    """The same response with its null members left out, as upstream's schema would have them."""
    document = json.loads(response.content)
    document = {k: v for k, v in document.items() if v is not None}
    if isinstance(document.get("error"), dict):
        document["error"] = {k: v for k, v in document["error"].items() if v is not None}
    content = json.dumps(document).encode()
    headers = {**response.headers, "content-length": str(len(content))}
    return httpx.Response(response.status_code, headers=headers, content=content)


def check_headers(exchange: Exchange) -> None:
    """The headers each status carries beyond what the schemas require."""
    response = exchange.response
    status = response.status_code
    assert response.headers["content-type"].split(";")[0].strip() == "application/json"
    if status == 200:
        assert response.headers.get("x-generation-id"), "200 without X-Generation-Id"
    if status in (429, 503):
        assert response.headers["retry-after"].isdigit(), response.headers
    if status == 429:
        for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
            assert response.headers[name].isdigit(), (name, response.headers)


def check_body(exchange: Exchange) -> Any:
    response = exchange.response
    document = json.loads(response.content)
    if response.status_code >= 400:
        assert document["error"]["code"] == response.status_code
        assert document["error"]["message"]
    return document
