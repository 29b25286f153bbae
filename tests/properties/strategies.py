"""Every Hypothesis strategy of the suite, built from the spec's own schemas where they fit.

The schemas are read from ``openapi/openrouter-stt.yaml`` (``$ref``s inlined, OpenAPI-only
keywords dropped) and handed to :func:`hypothesis_jsonschema.from_schema`; what the schemas leave
open (real audio, the documented constraints stated in prose, the mock's world) is built here by
hand from the same sources the client and the mock use.
"""

from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from openrouter_stt._config import RetryPolicy
from openrouter_stt._retry import RETRYABLE_STATUS_CODES
from openrouter_stt.formats import AUDIO_FORMATS, ISO_639_1
from openrouter_stt_mock import World

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "openrouter-stt.yaml"
DATA = ROOT / "tests" / "data"
#: The duration of every bundled ``tests/data/hello.*`` sample.
HELLO_SECONDS = 9.2
#: The longest codec frame among the bundled compressed samples (AAC: 1024 samples at 16 kHz is
#: 64 ms; MP3 pads to 1152-sample frames), plus rounding.
CODEC_FRAME_SECONDS = 0.1


# --- the spec's schemas ------------------------------------------------------------------------


@cache
def spec() -> dict[str, Any]:
    """Our OpenAPI fragment, parsed."""
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def _inline(node: Any) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec()
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target)
        return {
            key: _inline(value)
            for key, value in node.items()
            # OpenAPI's "format: double" means nothing to JSON Schema; examples are not rules.
            if key not in ("example", "examples", "description")
            and not (key == "format" and value == "double")
        }
    if isinstance(node, list):
        return [_inline(item) for item in node]
    return node


@cache
def schema(name: str) -> dict[str, Any]:
    """``components.schemas[name]`` as a self-contained JSON Schema (refs inlined)."""
    inlined: dict[str, Any] = _inline(spec()["components"]["schemas"][name])
    return inlined


_JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
#: Any JSON value, as ``additionalProperties: true`` allows.
json_values = st.recursive(
    _JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


def from_spec_schema(node: dict[str, Any] | bool) -> st.SearchStrategy[Any]:
    """Values a schema of the spec allows.

    Scalars go to :func:`hypothesis_jsonschema.from_schema`. Objects are put together here, from
    their ``properties``, ``required`` and ``additionalProperties``: hypothesis-jsonschema 0.23's
    object generator relies on a Hypothesis internal (``many.more``) that current Hypothesis no
    longer has.
    """
    if node is True or node == {}:
        return json_values
    assert isinstance(node, dict)
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "object" in kinds:
        others = [k for k in kinds if k != "object"]
        objects = _object_strategy(node)
        if others:
            return objects | from_schema({**node, "type": others if len(others) > 1 else others[0]})
        return objects
    if kind == "array" and isinstance(node.get("items"), dict):
        # Items are put together here too: an array of objects would reach the same generator.
        return st.lists(
            from_spec_schema(node["items"]),
            min_size=node.get("minItems", 0),
            max_size=node.get("maxItems", 5),
        )
    return from_schema(node)


def _object_strategy(node: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties: dict[str, Any] = node.get("properties", {})
    required = set(node.get("required", []))
    fixed = {name: from_spec_schema(sub) for name, sub in properties.items() if name in required}
    optional = {
        name: from_spec_schema(sub) for name, sub in properties.items() if name not in required
    }
    extra = node.get("additionalProperties", not properties)
    extras: st.SearchStrategy[dict[str, Any]] = st.just({})
    if extra is not False:
        extras = st.dictionaries(
            st.text(max_size=12).filter(lambda k: k not in properties),
            from_spec_schema(extra),
            max_size=3,
        )
    return st.builds(
        lambda e, f: {**e, **f}, extras, st.fixed_dictionaries(fixed, optional=optional)
    )


def _property(schema_name: str, prop: str) -> dict[str, Any]:
    found: dict[str, Any] = schema(schema_name)["properties"][prop]
    return found


# --- the mock's default world -------------------------------------------------------------------

WORLD = World.default()
#: Models that answer 200, with the usage fields their provider reports.
SUCCESS_MODELS = ("openai/whisper-large-v3", "openai/whisper-1")


def price_per_second(model: str) -> Decimal:
    """What ``model``'s (only) provider charges per second of audio in the default world."""
    return WORLD.models[model].providers[0].price_per_second


def expected_cost(seconds: float, model: str) -> float:
    """``round(seconds * price per second, 6)``, half up, as the service bills."""
    exact = Decimal(repr(seconds)) * price_per_second(model)
    return float(exact.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


# --- audio ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audio:
    """Audio bytes, their format and their real duration in seconds."""

    data: bytes
    format: str
    seconds: float
    name: str = field(default="audio")
    #: How far a measured duration may be from ``seconds``: half a millisecond of rounding for
    #: PCM; for compressed audio also one codec frame, since encoders pad to whole frames.
    tolerance: float = 0.0005

    def __repr__(self) -> str:
        return f"Audio({self.name}, {self.format}, {len(self.data)} bytes, {self.seconds} s)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def make_wav(frames: int, rate: int, channels: int, sample_width: int, fill: int = 0) -> bytes:
    """A WAV file of ``frames`` frames written with the stdlib ``wave`` module."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(sample_width)
        writer.setframerate(rate)
        writer.writeframes(bytes([fill % 256]) * (frames * channels * sample_width))
    return out.getvalue()


@st.composite
def wav_audio(draw: st.DrawFn, max_seconds: float = 1.5) -> Audio:
    """A WAV file of random rate, channels, sample width and (non-zero) duration."""
    rate = draw(st.sampled_from((8000, 11025, 16000, 22050, 44100, 48000)))
    channels = draw(st.integers(1, 2))
    width = draw(st.integers(1, 2))
    frames = draw(st.integers(1, int(rate * max_seconds)))
    fill = draw(st.integers(0, 255))
    data = make_wav(frames, rate, channels, width, fill)
    return Audio(data, "wav", frames / rate, f"{frames}f@{rate}Hz/{channels}ch/{width * 8}bit")


@cache
def bundled(fmt: str) -> Audio:
    """The bundled ``hello.<fmt>`` sample."""
    path = DATA / f"hello.{fmt}"
    tolerance = 0.0005 if fmt == "wav" else CODEC_FRAME_SECONDS
    return Audio(path.read_bytes(), fmt, HELLO_SECONDS, path.name, tolerance)


def bundled_audio(formats: tuple[str, ...] = AUDIO_FORMATS) -> st.SearchStrategy[Audio]:
    """One of the bundled 9.2 s samples."""
    return st.sampled_from(formats).map(bundled)


def audio_for(model: str, small: bool = False) -> st.SearchStrategy[Audio]:
    """Audio ``model``'s provider takes: a generated WAV, or a bundled sample it supports
    (``small``: only short generated WAVs)."""
    if small:
        return wav_audio(max_seconds=0.25)
    formats = tuple(f for f in AUDIO_FORMATS if f in WORLD.models[model].providers[0].formats)
    return st.one_of(wav_audio(), bundled_audio(formats))


# --- request fields ---------------------------------------------------------------------------

#: Model ids as the spec types them: any string.
spec_model_ids = from_schema(_property("STTRequest", "model"))
#: Model ids the client accepts (not blank) that the default world does not serve.
unknown_model_ids = spec_model_ids.filter(lambda m: bool(m.strip()) and m not in WORLD.models)
#: Provider options as the spec allows them: a map from slug to an object of anything.
provider_options = from_spec_schema(schema("ProviderOptions"))
#: Languages: the spec says string; the documented constraint is ISO-639-1.
languages = st.sampled_from(sorted(ISO_639_1))
spec_languages = from_schema(_property("STTRequest", "language"))
bad_languages = spec_languages.filter(lambda s: s not in ISO_639_1) | st.sampled_from(
    ["EN", "eng", "english", "", "e", "xx", "en-US", " en"]
)
temperatures = st.floats(min_value=0, max_value=1)
bad_temperatures = st.one_of(
    st.floats(max_value=0, exclude_max=True, allow_infinity=False),
    st.floats(min_value=1, exclude_min=True, allow_infinity=False),
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
)
bad_formats = from_schema(_property("STTInlineInputAudio", "format")).filter(
    lambda f: f.strip().lower() not in AUDIO_FORMATS
)


@dataclass(frozen=True)
class ValidRequest:
    """Arguments of one valid ``transcribe`` call, and the audio it sends."""

    audio: Audio
    model: str
    language: str | None
    temperature: float | None
    provider_options: dict[str, dict[str, Any]] | None
    give_format: bool

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"ValidRequest({self.audio!r}, {self.kwargs()!r})")

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``transcribe`` (besides the audio)."""
        found: dict[str, Any] = {"model": self.model}
        if self.language is not None:
            found["language"] = self.language
        if self.temperature is not None:
            found["temperature"] = self.temperature
        if self.provider_options is not None:
            found["provider_options"] = self.provider_options
        if self.give_format:
            found["format"] = self.audio.format
        return found


@st.composite
def valid_requests(draw: st.DrawFn, small: bool = False) -> ValidRequest:
    """A request the client and the mock both accept, with audio the model's provider takes
    (``small``: short audio only)."""
    model = draw(st.sampled_from(SUCCESS_MODELS))
    return ValidRequest(
        audio=draw(audio_for(model, small)),
        model=model,
        language=draw(st.none() | languages),
        temperature=draw(st.none() | temperatures),
        provider_options=draw(st.none() | provider_options),
        give_format=draw(st.booleans()),
    )


# --- one field broken at a time ---------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """One field of a valid request broken.

    ``client_kwargs`` replace ``transcribe``'s arguments and ``audio`` its audio; the client must
    refuse with ``InvalidRequestError.field == client_field``. ``raw`` is the same request as a
    hand-built JSON text; the mock must answer 400 naming ``mock_field``.
    """

    what: str
    audio: Any
    client_kwargs: dict[str, Any]
    client_field: str
    raw: bytes
    mock_field: str

    def __repr__(self) -> str:
        audio = f"{len(self.audio)} bytes" if isinstance(self.audio, bytes) else repr(self.audio)
        return f"Broken({self.what}: audio={audio}, {self.client_kwargs!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def _json_value(value: Any) -> str:
    """A JSON literal written by hand (NaN and infinities as Python's json would write them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        escaped = "".join(c if ord(c) >= 0x20 else f"\\u{ord(c):04x}" for c in escaped)
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_value(k)}:{_json_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value).__name__)


def raw_body(fields: dict[str, Any]) -> bytes:
    """A JSON object written by hand, member by member."""
    return _json_value(fields).encode("utf-8")


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


#: Each way to break one field: what to draw, the ``transcribe`` argument it goes to, and where
#: it sits in the JSON body. The client must name the argument, the mock the body's path.
_BREAKS: dict[str, tuple[st.SearchStrategy[Any], str, tuple[str, ...]]] = {
    "empty model": (st.sampled_from(["", " ", "\t", "  \n"]), "model", ("model",)),
    "model type": (
        st.integers() | st.none() | st.lists(st.integers(), max_size=2),
        "model",
        ("model",),
    ),
    "language": (bad_languages, "language", ("language",)),
    "language type": (
        st.integers() | st.booleans() | st.lists(st.just("en"), min_size=1, max_size=2),
        "language",
        ("language",),
    ),
    "temperature": (bad_temperatures, "temperature", ("temperature",)),
    "temperature type": (
        st.sampled_from(["0.5", "hot", True, [0.5]]),
        "temperature",
        ("temperature",),
    ),
    "unknown format": (bad_formats, "format", ("input_audio", "format")),
    "contradicting format": (
        st.sampled_from([f for f in AUDIO_FORMATS if f != "wav"]),
        "format",
        ("input_audio", "format"),
    ),
    "empty audio": (st.just(b""), "audio", ("input_audio", "data")),
    "audio type": (
        st.integers() | st.none() | st.lists(st.integers(0, 255), max_size=3),
        "audio",
        ("input_audio", "data"),
    ),
    "provider options type": (
        st.sampled_from([["openai"], "openai", 3, {"openai": 1}, {"openai": ["x"]}]),
        "provider_options",
        ("provider", "options"),
    ),
}
BROKEN_KINDS = tuple(_BREAKS)


def _replaced(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``document`` with the member at ``path`` set to ``value``."""
    head, *rest = path
    inner = _replaced(document.get(head, {}), tuple(rest), value) if rest else value
    return {**document, head: inner}


def _mock_field(path: tuple[str, ...], value: Any) -> str:
    """The field the mock names for ``value`` sent at ``path``."""
    if isinstance(value, float) and not math.isfinite(value):
        return "(body)"  # JSON has no NaN or infinity: on the wire the body is not JSON at all
    if path == ("provider", "options") and isinstance(value, dict):
        return "provider.options." + next(iter(value))  # the map is right, one slug's value is not
    return ".".join(path)


@st.composite
def broken_requests(draw: st.DrawFn, kinds: tuple[str, ...] = BROKEN_KINDS) -> Broken:
    """A valid request with exactly one field broken, for the client and for the raw wire."""
    audio = draw(wav_audio(max_seconds=0.2))
    model = draw(st.sampled_from(SUCCESS_MODELS))
    base: dict[str, Any] = {
        "model": model,
        "input_audio": {"data": _b64(audio.data), "format": "wav"},
    }
    kind = draw(st.sampled_from(kinds))
    strategy, argument, path = _BREAKS[kind]
    value = draw(strategy)
    if argument == "audio":
        sent_audio, client_kwargs = value, {"model": model}
        wire_value = "" if value == b"" else value
    else:
        sent_audio, client_kwargs = audio.data, {"model": model, argument: value}
        wire_value = value
    return Broken(
        kind,
        sent_audio,
        client_kwargs,
        argument,
        raw_body(_replaced(base, path, wire_value)),
        _mock_field(path, value),
    )


# --- responses the spec allows ------------------------------------------------------------------

#: Usage objects as the spec allows them.
spec_usages = from_spec_schema(schema("STTUsage"))
#: Success bodies as the spec allows them.
spec_success_bodies = from_spec_schema(schema("STTResponse"))
#: Error bodies as the spec allows them.
spec_error_bodies = from_spec_schema(schema("ErrorResponse"))


# --- retry decisions --------------------------------------------------------------------------

retry_policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(0, 10),
    initial_delay=st.floats(0, 30, allow_nan=False),
    max_delay=st.floats(0, 120, allow_nan=False),
    jitter=st.floats(0, 1),
    max_retry_after=st.floats(0, 3600, allow_nan=False),
    total_timeout=st.none() | st.floats(0.001, 3600, allow_nan=False),
)
statuses = st.none() | st.sampled_from(sorted(RETRYABLE_STATUS_CODES)) | st.integers(100, 599)
retry_after_values = st.one_of(
    st.integers(-10, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " 5 ", "nan", "inf", "-0", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT"]),
    st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
)
retry_headers = st.none() | st.dictionaries(
    st.sampled_from(["Retry-After", "retry-after", "retry-after-ms"]),
    retry_after_values,
    max_size=2,
)
elapsed_seconds = st.floats(0, 7200, allow_nan=False)
unix_times = st.floats(0, 4e9, allow_nan=False)
random_fractions = st.floats(0, 1, exclude_max=True)


# --- byte strings for the base64 stream -------------------------------------------------------

byte_strings = st.one_of(
    st.binary(max_size=10),
    st.binary(min_size=11, max_size=5000),
)
chunk_sizes = st.integers(1, 64)


# --- the 2026-10-27 request fields, drawn from the spec's own schemas ----------------------------

#: Key terms: the spec's array of strings, each with a character besides spaces (the service
#: refuses a blank term).
spec_keyterms = from_schema(_property("STTRequest", "keyterms")).filter(
    lambda terms: all(term.strip() for term in terms)
)
#: Session ids within the spec's 256 characters, and just over.
spec_session_ids = from_schema(_property("STTRequest", "session_id"))
long_session_ids = st.integers(257, 400).map(lambda n: "s" * n)
spec_users = from_schema(_property("STTRequest", "user"))
#: Trace metadata: the known keys as strings, with JSON values under keys of the caller's own.
spec_traces = st.builds(
    lambda known, custom: {**custom, **known},
    st.fixed_dictionaries(
        {},
        optional={
            key: st.text(max_size=40)
            for key in ("trace_id", "trace_name", "span_name", "generation_name", "parent_span_id")
        },
    ),
    st.dictionaries(
        st.text(min_size=1, max_size=12).filter(
            lambda k: not k.startswith(("trace_", "span_", "generation_", "parent_"))
        ),
        json_values,
        max_size=3,
    ),
)
data_collections = st.sampled_from(["allow", "deny"])


@st.composite
def new_fields(draw: st.DrawFn) -> dict[str, Any]:
    """Any valid combination of the 2026-10-27 arguments of ``transcribe`` (``None`` left out)."""
    candidates = {
        "diarize": st.booleans(),
        "keyterms": spec_keyterms,
        "session_id": spec_session_ids,
        "user": spec_users,
        "trace": spec_traces,
        "provider_zdr": st.booleans(),
        "provider_data_collection": data_collections,
    }
    chosen = draw(st.sets(st.sampled_from(sorted(candidates))))
    return {name: draw(candidates[name]) for name in sorted(chosen)}
