"""Bad input at volume, in process: every malformed request gets a 4xx in the spec's error shape,
naming the field at fault, and never a 5xx; huge fields are not echoed back at size.

Hypothesis draws the requests; the ``ci`` profile keeps each property to a bounded number of
examples, and the ``slow`` test (or ``HYPOTHESIS_PROFILE=thorough``) runs many more.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrouter_stt_mock import (
    DEFAULT_API_KEY,
    Limits,
    MockConfig,
    MockHandle,
    World,
    create_app,
    get_handle,
    sync_transport,
)

from ._support import ENDPOINT, FORMATS, ROOT_URL, auth, check_error_shape, request_body, sample

FIELDS = ("model", "input_audio", "input_audio.data", "input_audio.format", "language")
FIELDS += ("temperature", "provider")
_SHARED = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


class Mock:
    """One app for the module, an httpx client on it, and its handle."""

    def __init__(self) -> None:
        self.app = create_app()
        self.handle: MockHandle = get_handle(self.app)
        self.http = httpx.Client(transport=sync_transport(self.app), base_url=ROOT_URL)

    def post(self, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        merged = {"Content-Type": "application/json", **auth(DEFAULT_API_KEY), **(headers or {})}
        return self.http.post(ENDPOINT, content=content, headers=merged)


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    served = Mock()
    with served.http:
        yield served


def check(
    mock: Mock, answer: httpx.Response, *, field: str | None = None, ok: bool = False
) -> dict[str, Any] | None:
    """No 5xx; the error shape on every error; ``field`` named on a 400 when given; a 200 only
    when ``ok``; and the journal finds the answer valid against the spec."""
    assert answer.status_code < 500, answer.text[:500]
    entry = mock.handle.journal.last
    assert entry.verdict.response_valid, entry.verdict.errors
    if answer.status_code == 200:
        assert ok, answer.text[:500]
        assert isinstance(answer.json()["text"], str)
        return None
    error = check_error_shape(answer.status_code, answer.json())
    if answer.status_code == 400:
        named = error["metadata"]["field"]
        assert isinstance(named, str)
        assert named
        assert named in error["message"]
        if field is not None:
            assert named == field or named.startswith(field + "."), (named, field)
    return error


def dumps(document: Any) -> bytes:
    # Python's encoder writes NaN and Infinity, which strict JSON parsers refuse: so do we.
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
# Strings of every kind: any code point (lone surrogates too), empty, long.
any_text = st.text(st.characters(codec=None), max_size=60) | st.just("") | st.just("é" * 5000)
wrong_types = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.lists(st.integers(), max_size=3)
    | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)
)


@_SHARED
@given(raw=st.binary(max_size=3000))
def test_random_bytes_as_the_body(mock: Mock, raw: bytes) -> None:
    answer = mock.post(raw)
    assert answer.status_code == 400
    check(mock, answer)


@_SHARED
@given(document=json_values)
def test_any_json_value_as_the_body(mock: Mock, document: Any) -> None:
    answer = mock.post(dumps(document))
    assert answer.status_code == 400
    check(mock, answer)


@_SHARED
@given(field=st.sampled_from(FIELDS), value=wrong_types)
def test_a_wrong_type_in_one_field_is_named(mock: Mock, field: str, value: Any) -> None:
    document = request_body("ogg")
    if field.startswith("input_audio."):
        document["input_audio"][field.split(".")[1]] = value
    else:
        document[field] = value
    answer = mock.post(dumps(document))
    if value is None and field in ("language", "temperature", "provider"):
        check(mock, answer, ok=True)  # optional fields may be null
    elif field == "temperature" and not isinstance(value, bool) and isinstance(value, int | float):
        check(mock, answer, field=field, ok=0 <= value <= 1)
    elif field == "provider" and isinstance(value, dict) and "options" not in value:
        check(mock, answer, ok=True)  # provider objects take fields we do not know
    else:
        assert answer.status_code == 400
        check(mock, answer, field=field)


@_SHARED
@given(field=st.sampled_from(("model", "language", "input_audio.format")), value=any_text)
def test_any_text_in_a_string_field(mock: Mock, field: str, value: str) -> None:
    document = request_body("ogg")
    if field == "input_audio.format":
        document["input_audio"]["format"] = value
    else:
        document[field] = value
    answer = mock.post(dumps(document))
    if any("\ud800" <= c <= "\udfff" for c in value):
        assert answer.status_code == 400  # a lone surrogate is not valid UTF-8 JSON
        check(mock, answer)
    elif field == "model" and not value.strip():
        assert answer.status_code == 400  # a blank id names no model at all
        check(mock, answer, field="model")
    elif field == "model":
        # Any other string is a model id; unknown ones are a 404 that names the model.
        assert answer.status_code == (200 if value == "openai/whisper-large-v3" else 404)
        check(mock, answer, ok=answer.status_code == 200)
    elif field == "language":
        check(mock, answer, field="language", ok=value in ("en", "fr") or len(value) == 2)
    else:
        # An unknown format, or a known one the bytes are not.
        check(mock, answer, ok=value == "ogg")
        if answer.status_code == 400:
            assert answer.json()["error"]["metadata"]["field"] in (
                "input_audio.format",
                "input_audio.data",
            )


@_SHARED
@given(
    data=st.text(max_size=200)
    | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", max_size=200)
)
def test_invalid_or_foreign_base64_names_the_data(mock: Mock, data: str) -> None:
    document = request_body("ogg")
    document["input_audio"]["data"] = data
    answer = mock.post(dumps(document))
    assert answer.status_code == 400
    check(mock, answer, field="input_audio.data")


@_SHARED
@given(fmt=st.sampled_from(FORMATS), cut=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated_audio_is_refused_or_measured(mock: Mock, fmt: str, cut: float) -> None:
    whole = sample(fmt)
    document = request_body(fmt, audio=whole[: int(len(whole) * cut)])
    answer = mock.post(dumps(document))
    # A cut file is a 400 naming the data, unless its container still says how long it lasts.
    check(mock, answer, field="input_audio.data", ok=True)


# An ADTS (aac) header is 7 bytes, and the sample's first frames are tiny and whole.
@pytest.mark.parametrize(
    ("fmt", "cut"),
    [(f, c) for f in FORMATS for c in (1, 4, 6, 8, 12, 16) if f != "aac" or c < 7],
)
def test_cut_inside_the_header(mock: Mock, fmt: str, cut: int) -> None:
    document = request_body(fmt, audio=sample(fmt)[:cut])
    answer = mock.post(dumps(document))
    assert answer.status_code == 400
    check(mock, answer, field="input_audio.data")


def test_a_wav_header_with_no_frames_is_not_billed(mock: Mock) -> None:
    # The header promises 9.2 s; the 44 bytes hold none of it.
    answer = mock.post(dumps(request_body("wav", audio=sample("wav")[:44])))
    assert answer.status_code == 400
    check(mock, answer, field="input_audio.data")


def test_a_cut_wav_is_billed_for_what_it_holds(mock: Mock) -> None:
    whole = sample("wav")
    answer = mock.post(dumps(request_body("wav", audio=whole[: len(whole) // 2])))
    check(mock, answer, ok=True)
    assert answer.json()["usage"]["seconds"] < 4.7


@_SHARED
@given(fmt=st.sampled_from(FORMATS), raw=st.binary(min_size=1, max_size=4000))
def test_random_bytes_declared_as_each_format(mock: Mock, fmt: str, raw: bytes) -> None:
    answer = mock.post(dumps(request_body(fmt, audio=raw)))
    check(mock, answer, field="input_audio.data")


HUGE = 4 * 1024 * 1024


@pytest.mark.parametrize("field", ["model", "language", "input_audio.format", "provider", "extra"])
def test_a_huge_field_is_not_echoed_back_at_size(mock: Mock, field: str) -> None:
    document = request_body("ogg")
    huge = "ü" * HUGE
    if field == "input_audio.format":
        document["input_audio"]["format"] = huge
    elif field == "provider":
        document["provider"] = {"options": {huge: 1}}
    else:
        document[field] = huge
    answer = mock.post(dumps(document))
    check(mock, answer, ok=field == "extra")  # unknown top-level fields are allowed upstream
    assert len(answer.content) < 4096
    recorded = mock.handle.journal.last.to_dict()
    assert len(json.dumps(recorded)) < 16_384
    assert len(json.dumps(mock.handle.journal.last.request.shape)) < 16_384


def test_many_small_fields_are_not_kept_whole(mock: Mock) -> None:
    document = request_body("ogg")
    document["provider"] = {"options": {f"p{i}": {"x": i} for i in range(100_000)}}
    answer = mock.post(dumps(document))
    check(mock, answer, ok=True)
    assert len(json.dumps(mock.handle.journal.last.request.shape)) < 16_384


def test_nesting_beyond_the_parser_limit(mock: Mock) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    answer = mock.post(b'{"model": "x", "provider": ' + deep.encode() + b"}")
    assert answer.status_code == 400
    check(mock, answer, field="(body)")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("field", ["temperature", "model"])
def test_numbers_json_cannot_hold_refuse_the_body(mock: Mock, field: str, literal: str) -> None:
    document = request_body("ogg")
    document[field] = "@"
    raw = dumps(document).replace(b'"@"', literal.encode())
    answer = mock.post(raw)
    assert answer.status_code == 400
    check(mock, answer, field="(body)")


@pytest.mark.parametrize("extra", [0, 1, 4096])
def test_bodies_over_the_limit_get_413(extra: int) -> None:
    limit = 64 * 1024
    world = World.default()
    small = World(world.keys, world.models, world.transcripts, Limits(max_body_bytes=limit))
    app = create_app(MockConfig(world=small))
    with httpx.Client(transport=sync_transport(app), base_url=ROOT_URL) as http:
        answer = http.post(ENDPOINT, content=b"x" * (limit + extra), headers=auth(DEFAULT_API_KEY))
    if extra == 0:
        assert answer.status_code == 400  # at the limit is allowed: then it is just not JSON
        return
    assert answer.status_code == 413
    assert check_error_shape(413, answer.json())["metadata"]["limit_bytes"] == limit


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mixed_bad_input_at_volume(mock: Mock, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["bytes", "json", "base64", "random-audio", "cut"]))
    if kind == "bytes":
        answer = mock.post(data.draw(st.binary(max_size=20_000)))
        check(mock, answer)
    elif kind == "json":
        check(mock, mock.post(dumps(data.draw(json_values))))
    elif kind == "base64":
        document = request_body("ogg")
        document["input_audio"]["data"] = data.draw(st.text(max_size=2000))
        check(mock, mock.post(dumps(document)), field="input_audio.data")
    else:
        fmt = data.draw(st.sampled_from(FORMATS))
        if kind == "cut":
            whole = sample(fmt)
            raw = whole[: data.draw(st.integers(0, len(whole) - 1))]
            check(
                mock,
                mock.post(dumps(request_body(fmt, audio=raw))),
                field="input_audio.data",
                ok=True,
            )
        else:
            raw = data.draw(st.binary(min_size=1, max_size=50_000))
            check(mock, mock.post(dumps(request_body(fmt, audio=raw))), field="input_audio.data")
