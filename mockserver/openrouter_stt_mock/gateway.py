"""The path of one transcription request through the gateway, check by check.

Order, as a real gateway meets them (each step only runs once the ones before it pass):

1. planned latency (queue), then 413: ``Content-Length`` over the limit (the world's, or a
   form's 25 MB cap) is refused before the body is read, and the body is counted while read and
   refused at the limit; a body that goes ``body_timeout_seconds`` without a byte gets 408; the
   body is parsed once as it arrives, by its content type (:mod:`.reader`), for the checks below
   and the journal;
2. planned outcomes: a queued status, body or connection fault, then ``Prefer: code=NNN``
   (an undocumented code is a 400 naming the ``Prefer`` header); these touch no credit or limit;
3. 401: missing header, not ``Bearer``, unknown key (constant-time compare), disabled key;
4. 429: the key's rate-limit window (requests that pass here count against it);
5. 400 (:meth:`.reader.Body.parse`): malformed JSON or form, missing, unknown or mistyped
   fields or parts, unknown format, language, temperature, response format, empty or invalid
   base64, bytes that are not the declared format or do not decode, a URL the provider does not
   fetch, diarize without ``verbose_json``;
6. 403: a model the key's guardrail does not allow;
7. 404: unknown model, or a model with no provider at all;
8. 400: no provider of the model takes the format, or none that takes it can do what the
   request needs (``verbose_json``, diarize, keyterms, audio by URL);
9. 402: the key's credit cannot cover the cost (the dearest candidate's cost is reserved here;
   for audio by URL, its price for the longest audio it takes by URL; only the answering
   provider's cost is charged, and only on success);
10. audio by URL is fetched from the world's ``[urls]`` (no connection is opened): 400 for a URL
    it does not map, 504 after the gateway's timeout for a slower one;
11. provider: down 502, unavailable 503, overloaded or at capacity 529 (falling back to the next
    provider that takes the format), slower than the upstream timeout 524 after that timeout;
12. 200 with ``X-Generation-Id``: ``{text, usage}`` (key terms respelled), and for
    ``verbose_json`` the timed segments (and words, and speakers) of :mod:`.verbose`.

Any other exception becomes a masked 500 in the same error shape, and the state stays right:
reservations are released and in-flight counts restored in ``finally`` blocks.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import anyio
import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from openrouter_stt.formats import AUDIO_FORMATS
from openrouter_stt_models import STTRequest

from .arrival import Arrival
from .deadline import idle_deadline
from .errors import MockError, bad_request, error_response, json_response
from .faults import FaultResponse
from .handle import MockHandle
from .measure import Audio, measure_fetched
from .reader import Body, open_body
from .scenarios import Outcome, forced_response_parts, parse_prefer
from .state import Accounts, admit, reserve, take
from .usage import Bill, transcript_of, url_hold
from .verbose import verbose_fields
from .world import KeySpec, ProviderSpec, World

__all__ = ["transcribe"]

logger = logging.getLogger("openrouter_stt_mock")


@dataclass
class _Seen:
    """What the journal will say arrived, filled in as the checks go."""

    body_size: int = 0
    body: Body | None = None
    audio: Audio | None = None
    forced_by: str | None = None


#: The request headers the gateway reads, gathered in one pass over the scope.
_READ_HEADERS: Final = frozenset({b"content-length", b"content-type", b"prefer", b"authorization"})


def _headers_of(request: Request) -> dict[bytes, str]:
    """The headers the gateway reads; of a repeated one, the first (as Starlette's ``get``)."""
    found: dict[bytes, str] = {}
    for name, value in request.scope["headers"]:
        if name in _READ_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    return found


async def transcribe(request: Request, handle: MockHandle) -> Response | FaultResponse:
    """Answer one request to the endpoint, and record the exchange in the journal."""
    seen = _Seen()
    ledger = handle.ledger  # a reset mid-request must not mix two ledgers in one request
    answer: Response | FaultResponse
    try:
        answer = await _answer(request, handle, seen, ledger)
    except MockError as exc:
        answer = error_response(exc)
    except ClientDisconnect:
        # The client left half-way through its body: its fault, not the gateway's, and no one
        # reads this answer; the journal still shows what came.
        answer = error_response(
            bad_request("(body)", "the client disconnected before the body ended", "a whole body")
        )
    except Exception:
        # Never the key or the body in the log: the traceback alone says what broke.
        logger.exception("unexpected fault while answering a transcription request")
        answer = error_response(MockError(500, "Internal Server Error"))
    _record(request, handle, seen, answer)
    return answer


async def _answer(
    request: Request, handle: MockHandle, seen: _Seen, ledger: Accounts
) -> Response | FaultResponse:
    world = handle.world
    head = _headers_of(request)
    outcome = await take(handle.scenarios)
    if outcome is not None and outcome.latency:
        await anyio.sleep(outcome.latency)
    seen.body = body = await _read_body(
        request,
        head,
        world.limits.max_body_bytes,
        handle.config.body_timeout_seconds,
        seen,
    )

    if outcome is not None and (outcome.status or outcome.fault or outcome.body is not None):
        seen.forced_by = "queue"
        return _planned(outcome, handle)
    prefer = parse_prefer(head.get(b"prefer"))
    if prefer is not None:
        seen.forced_by = f"Prefer: code={prefer}"
        forced, headers = forced_response_parts(prefer, "Prefer", handle.config.clock())
        return json_response(prefer, forced, headers)

    key, spec = _authenticate(head.get(b"authorization"), world)
    await admit(ledger, key, spec)

    parsed = body.parse(hash_if=world.may_know)
    seen.audio = audio = parsed.audio
    fields, url = parsed.request, parsed.url
    url_field = "source_url" if "source_url" in parsed.sources else "input_audio.url"
    del parsed  # the audio is measured: let its base64 go before any waiting

    model_id = fields.model
    if spec.allowed_models is not None and model_id not in spec.allowed_models:
        raise MockError(
            403,
            f"Your request was blocked by a guardrail policy: model {model_id!r} is not allowed "
            "for this key",
            metadata={"allowed_models": sorted(spec.allowed_models)},
        )
    model = world.models.get(model_id)
    if model is None or not model.providers:
        raise MockError(404, f"Model {model_id!r} not found or has no endpoints")
    candidates = _candidates(model_id, model.providers, fields, url_field if url else None)
    verbose = fields.response_format == "verbose_json"
    # Hold the most any candidate could cost; the provider that answers sets the charge. Audio
    # by URL is not measured yet: the hold is its price for the longest audio it accepts.
    bill = Bill(audio) if audio is not None else None
    hold = max(bill.cost(p) if bill else url_hold(p) for _, p in candidates)
    reservation = await reserve(ledger, key, hold)
    charged = Decimal(0)
    try:
        if audio is None:  # audio by URL: fetched and measured now, once held for
            assert url is not None
            seen.audio = audio = await _fetch(url, url_field, fields, world)
            candidates = _long_enough(candidates, audio, url_field)
        bill = bill or Bill(audio)
        provider = await _serve(model_id, candidates, world, ledger)
        text = transcript_of(audio, world.transcripts, fields.keyterms)
        payload = {"text": text, "usage": bill.usage(text, provider)}
        if verbose:
            payload |= verbose_fields(text, float(bill.seconds), fields)
        charged = bill.cost(provider)
    finally:
        ledger.settle(reservation, charged)
    return json_response(
        200, orjson.dumps(payload), {"X-Generation-Id": f"gen-{os.urandom(16).hex()}"}
    )


#: What a request may need of a provider beyond its format: (field, what is needed, the test,
#: what to send instead).
_NEEDS: Final[tuple[tuple[str, str, Callable[[ProviderSpec], bool], str], ...]] = (
    (
        "response_format",
        "an OpenAI-compatible provider (verbose_json needs one)",
        lambda p: p.openai_compatible,
        "'json' with this model, or a model served by an OpenAI-compatible provider",
    ),
    ("diarize", "a provider that diarizes", lambda p: p.diarize, "a model that can diarize"),
    ("keyterms", "a provider that takes keyterms", lambda p: p.keyterms, "no keyterms"),
)


def _candidates(
    model_id: str, providers: Sequence[ProviderSpec], fields: STTRequest, url_field: str | None
) -> list[tuple[int, ProviderSpec]]:
    """The providers of the model that can serve this request, in order, or the 400 naming the
    field no provider can serve."""
    fmt = fields.input_audio.format
    candidates = [(i, p) for i, p in enumerate(providers) if fmt in p.formats]
    if not candidates:
        taken = sorted({f for p in providers for f in p.formats}, key=AUDIO_FORMATS.index)
        raise bad_request(
            "input_audio.format",
            f"model {model_id!r} has no provider that takes {fmt}",
            "one of " + ", ".join(taken),
        )
    asked = {
        "response_format": fields.response_format == "verbose_json",
        "diarize": bool(fields.diarize),
        "keyterms": bool(fields.keyterms),
    }
    needs = [need for need in _NEEDS if asked[need[0]]]
    if url_field is not None:
        needs.insert(
            0,
            (
                url_field,
                "a provider that takes audio by URL",
                lambda p: p.url_input,
                "inline audio",
            ),
        )
    for field, what, able, instead in needs:
        candidates = [(i, p) for i, p in candidates if able(p)]
        if not candidates:
            raise bad_request(field, f"model {model_id!r} has no {what} that takes {fmt}", instead)
    return candidates


async def _fetch(url: str, field: str, fields: STTRequest, world: World) -> Audio:
    """The provider's download of audio by URL, from the world's ``[urls]`` table: no
    connection is opened. A URL the world does not map is a failed download (400); one slower
    than the gateway's timeout is a 504 after that timeout."""
    entry = world.urls.get(url)
    if entry is None:
        raise bad_request(
            field,
            f"the provider could not download {url!r}: nothing is served there (the mock opens "
            "no connection; its world's [urls] table maps none to this URL)",
            "the URL of a reachable audio file (in the mock: one its world's [urls] table maps)",
        )
    timeout = world.limits.gateway_timeout_seconds
    if entry.latency_seconds > timeout:
        await anyio.sleep(timeout)
        raise MockError(
            504,
            "Gateway Timeout: the provider did not fetch the audio before the deadline",
            metadata={"timeout_seconds": timeout},
        )
    if entry.latency_seconds:
        await anyio.sleep(entry.latency_seconds)
    raw = await anyio.to_thread.run_sync(entry.path.read_bytes)
    return measure_fetched(raw, fields, world.may_know, field)


def _long_enough(
    candidates: list[tuple[int, ProviderSpec]], audio: Audio, field: str
) -> list[tuple[int, ProviderSpec]]:
    """The candidates that accept audio by URL as long as this; the hold covered no more."""
    kept = [(i, p) for i, p in candidates if audio.seconds <= p.max_url_seconds]
    if not kept:
        longest = max(p.max_url_seconds for _, p in candidates)
        raise bad_request(
            field,
            f"the audio lasts {audio.seconds:.1f} s, longer than the {longest:g} s a provider "
            "takes by URL",
            f"audio of at most {longest:g} s",
        )
    return kept


async def _read_body(
    request: Request, head: dict[bytes, str], limit: int, idle_limit: float, seen: _Seen
) -> Body:
    reader = open_body(head.get(b"content-type"))
    if reader.max_bytes is not None:
        limit = min(limit, reader.max_bytes)
    declared = head.get(b"content-length", "")
    if declared.isdigit() and int(declared) > limit:
        seen.body_size = int(declared)
        raise MockError(
            413,
            f"Request body too large: {int(declared)} bytes declared, the limit is {limit}",
            metadata={"limit_bytes": limit},
        )
    received = 0
    chunks = request.stream()
    # A body that stalls must not hold the connection: each piece is due within the limit. One
    # deadline that moves on as pieces come, at most every 1% of the limit, so that a piece costs
    # a clock read rather than a timer.
    idle, clock = idle_deadline(idle_limit)
    try:
        async with idle:
            pushed = clock()
            async for chunk in chunks:
                now = clock()
                if now - pushed > idle_limit / 100:
                    idle.reschedule(now + idle_limit)
                    pushed = now
                seen.body_size = received = received + len(chunk)
                if received > limit:
                    raise MockError(
                        413,
                        f"Request body too large: over {limit} bytes",
                        metadata={"limit_bytes": limit},
                    )
                reader.feed(chunk)
            return reader.finish()
    except TimeoutError:
        await chunks.aclose()
    raise MockError(
        408,
        f"Request Timeout: no byte of the body arrived for {idle_limit:g} s",
        metadata={"body_timeout_seconds": idle_limit, "received_bytes": received},
        headers={"Connection": "close"},  # the rest of the body may come yet: not here
    )


def _planned(outcome: Outcome, handle: MockHandle) -> Response | FaultResponse:
    if outcome.fault is not None:
        return FaultResponse(outcome.fault, handle.config.stall_seconds)
    status = outcome.status or 200
    content, headers = forced_response_parts(status, "queue", handle.config.clock())
    return json_response(
        status, content if outcome.body is None else outcome.body, {**headers, **outcome.headers}
    )


def _authenticate(
    header: str | None,
    world: World,
    compare: Callable[[bytes, bytes], bool] = hmac.compare_digest,
) -> tuple[str, KeySpec]:
    """The key the header presents and its spec, or a 401; ``compare`` must take constant time."""
    if header is None:
        raise MockError(401, "Missing Authentication header")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise MockError(401, "Authorization header must be 'Bearer <API key>'")
    found: str | None = None
    presented = token.encode()
    for name in world.keys:
        # Compare against every key, always: the time taken says nothing about which one matched.
        if compare(presented, name.encode()):
            found = name
    if found is None:
        raise MockError(401, "Invalid API key: no such key")
    spec = world.keys[found]
    if spec.disabled:
        raise MockError(401, "API key is disabled")
    return found, spec


async def _serve(
    model: str, candidates: list[tuple[int, ProviderSpec]], world: World, ledger: Accounts
) -> ProviderSpec:
    """Send the request to the first provider that can take it; raise the first one's error."""
    failures: list[MockError] = []
    for index, provider in candidates:
        try:
            _check_health(provider, world)
            ledger.enter(model, index, provider.capacity)
        except MockError as exc:
            failures.append(exc)
            continue
        try:
            timeout = world.limits.upstream_timeout_seconds
            if provider.latency_seconds > timeout:
                await anyio.sleep(timeout)
                raise MockError(
                    524,
                    "Request timed out. Please try again later.",
                    metadata={"provider_name": provider.name, "timeout_seconds": timeout},
                )
            if provider.latency_seconds:
                await anyio.sleep(provider.latency_seconds)
            return provider
        finally:
            ledger.leave(model, index)
    raise failures[0]


def _check_health(provider: ProviderSpec, world: World) -> None:
    name = provider.name
    if provider.health == "down":
        metadata = {"provider_name": name, "raw": "upstream connection reset"}
        raise MockError(502, "Provider returned error", metadata=metadata)
    if provider.health == "unavailable":
        raise MockError(
            503,
            "No available provider for this request",
            metadata={"provider_name": name},
            headers={"Retry-After": str(world.limits.unavailable_retry_after_seconds)},
        )
    if provider.health == "overloaded":
        raise MockError(529, "Provider returned error", metadata={"provider_name": name})


_JSON_HEADERS: Final = [(b"content-type", b"application/json")]


def _record(
    request: Request, handle: MockHandle, seen: _Seen, answer: Response | FaultResponse
) -> None:
    body, audio = seen.body, seen.audio
    if isinstance(answer, FaultResponse):
        # What went out before the break: the start of a 200 (truncated, stall) or nothing.
        started = answer.fault != "reset"
        status, headers, content = (200, _JSON_HEADERS, b"") if started else (None, [], b"")
    else:
        # An exact-size copy: orjson's bytes hold a buffer of 4 KiB or more however short the
        # JSON, which a full journal would keep thousands of.
        content = bytes(memoryview(answer.body))
        status, headers = answer.status_code, answer.raw_headers
    arrival = Arrival(
        method=request.scope["method"],
        path=request.scope["path"],  # what request.url.path says, without building the URL
        headers=request.scope["headers"],
        body_size=seen.body_size,
        shape=None if body is None else body.fields,
        parse_error=None if body is None else body.parse_error,
        audio_sha256=None if audio is None else audio.sha256,
        audio_size=audio.size if audio is not None else _audio_size(body),
        forced_by=seen.forced_by,
        status=status,
        answer_headers=headers,
        answer_body=content,
        fault=answer.fault if isinstance(answer, FaultResponse) else None,
    )
    handle.journal.record_arrival(arrival)


def _audio_size(body: Body | None) -> int | None:
    # Answered before the audio was parsed (forced, 401, 429): its size, when it is base64.
    return None if body is None else body.audio_size()
