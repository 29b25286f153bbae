"""The request reader: one parse by content type, one validation, one decode; every 400 names
its field, what was wrong, and what is accepted."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt_mock import create_app, measure, reader, sync_transport
from openrouter_stt_mock.errors import MockError

from .conftest import ENDPOINT, ROOT_URL, auth, body, error_of, sample

GOOD = body()


def _with(path: str, value: Any) -> dict[str, Any]:
    request: dict[str, Any] = {**GOOD, "input_audio": dict(GOOD["input_audio"])}
    target = request
    *parents, last = path.split(".")
    for parent in parents:
        target = target[parent]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return request


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("model", _DELETE, "model", "missing"),
        ("model", 42, "model", "valid string"),
        ("input_audio", _DELETE, "input_audio", "missing"),
        ("input_audio", "abc", "input_audio", "instead of an object"),
        ("input_audio.data", _DELETE, "input_audio.data", "missing"),
        ("input_audio.data", 7, "input_audio.data", "valid string"),
        ("input_audio.format", _DELETE, "input_audio.format", "missing"),
        ("input_audio.format", "opus", "input_audio.format", "unknown format"),
        ("input_audio.format", "WAV", "input_audio.format", "unknown format"),
        ("input_audio.data", "", "input_audio.data", "empty"),
        ("input_audio.data", "not base64!", "input_audio.data", "invalid base64"),
        ("input_audio.data", "QUJD=", "input_audio.data", "invalid base64"),
        ("input_audio.data", "data:audio/wav;base64,UklGRg==", "input_audio.data", "data URI"),
        ("language", "english", "language", "ISO-639-1"),
        ("language", "EN", "language", "ISO-639-1"),
        ("language", 1, "language", "valid string"),
        ("temperature", 1.5, "temperature", "outside 0..1"),
        ("temperature", -0.1, "temperature", "outside 0..1"),
        ("temperature", "0.5", "temperature", "valid number"),
        ("temperature", True, "temperature", "valid number"),
        ("provider", "openai", "provider", "valid dictionary"),
        # Optional is not nullable: neither upstream's document nor ours allows null here.
        ("language", None, "language", "null"),
        ("temperature", None, "temperature", "null"),
        ("provider", None, "provider", "null"),
        ("provider", {"options": None}, "provider.options", "null"),
    ],
)
def test_each_reason_names_its_field(
    client: httpx.Client, path: str, value: Any, field: str, words: str
) -> None:
    response = client.post(ENDPOINT, json=_with(path, value), headers=auth())
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["metadata"]["field"] == field
    assert words in error["metadata"]["problem"]
    assert error["metadata"]["accepted"]
    assert error["message"].startswith(f"{field}: ")


def test_bytes_of_another_format(client: httpx.Client) -> None:
    request = body("wav", audio=sample("mp3"))
    response = client.post(ENDPOINT, json=request, headers=auth())
    error = error_of(response)
    assert response.status_code == 400
    assert error["metadata"]["field"] == "input_audio.data"
    assert "mp3 audio" in error["message"]
    assert "input_audio.format says wav" in error["message"]


def test_bytes_of_no_format(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, json=body("wav", audio=b"hello world"), headers=auth())
    assert response.status_code == 400
    assert "no recognisable audio format" in error_of(response)["message"]


def test_right_signature_but_broken_file(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, json=body("flac", audio=sample("flac")[:20]), headers=auth())
    assert response.status_code == 400
    assert "cannot decode as flac" in error_of(response)["message"]


@pytest.mark.parametrize("content", [b"", b"{", b"[1, 2]", b'"text"', b"null", b"\xff\xfe"])
def test_bodies_that_are_not_a_json_object(client: httpx.Client, content: bytes) -> None:
    response = client.post(ENDPOINT, content=content, headers=auth())
    assert response.status_code == 400
    assert error_of(response)["metadata"]["field"] == "(body)"


def test_extra_fields_and_provider_options_are_accepted(client: httpx.Client) -> None:
    request = {
        **body(),
        "language": "en",
        "temperature": 0,
        "provider": {"options": {"openai": {"max_tokens": 10}}},
        "something_new": True,
    }
    assert client.post(ENDPOINT, json=request, headers=auth()).status_code == 200


def test_base64_without_padding_is_refused(client: httpx.Client) -> None:
    data = base64.b64encode(sample("wav") + b"x").decode().rstrip("=")
    request = {**GOOD, "input_audio": {"data": data, "format": "wav"}}
    response = client.post(ENDPOINT, json=request, headers=auth())
    assert response.status_code == 400
    assert error_of(response)["metadata"]["field"] == "input_audio.data"


@given(st.binary(max_size=300))
def test_garbage_bodies_get_a_400_in_the_error_shape(garbage: bytes) -> None:
    with httpx.Client(transport=sync_transport(create_app()), base_url=ROOT_URL) as client:
        response = client.post(ENDPOINT, content=garbage, headers=auth())
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        error_of(response)


@given(
    st.dictionaries(
        st.sampled_from(["model", "input_audio", "language", "temperature", "provider", "x"]),
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=8),
    )
)
def test_garbage_documents_get_a_400_naming_a_field(document: dict[str, Any]) -> None:
    with httpx.Client(transport=sync_transport(create_app()), base_url=ROOT_URL) as client:
        response = client.post(ENDPOINT, json=document, headers=auth())
    assert response.status_code == 400
    assert error_of(response)["metadata"]["field"]


_B64_PIECES = st.sampled_from(
    ["QUJD", "QQ==", "QUI=", "=", "==", "A", "-", "_", " ", "\n", "é", "+/"]
)


@given(st.lists(_B64_PIECES, max_size=8).map("".join))
def test_the_fast_decoder_accepts_only_what_strict_mode_accepts(data: str) -> None:
    def outcome(decode: Any) -> bytes | None:
        try:
            return bytes(decode(data))
        except Exception:
            return None

    fast, strict = outcome(measure.b64decode), outcome(measure._strict_b64decode)
    # Beyond strict mode, the reader refuses what decodes to nothing and the excess padding
    # binascii lets through ("QUJD=").
    padding_right = len(data) % 4 == 0 and len(data) - len(data.rstrip("=")) <= 2
    assert fast == (strict if strict and padding_right else None)


@pytest.mark.parametrize("escape", ["/", "\\u0041"])
def test_escaped_base64_is_read_as_json_means_it(client: httpx.Client, escape: str) -> None:
    # "\/" is "/" and "\u0041" is "A" once parsed: the audio must decode as if sent plainly.
    data = base64.b64encode(sample("flac")).decode("ascii")
    plain, where = ("/", data.index("/")) if escape == "/" else ("A", data.index("A"))
    written = "\\/" if escape == "/" else escape
    raw = (
        b'{"model": "openai/whisper-large-v3", "input_audio": {"format": "flac", "data": "'
        + (data[:where] + written + data[where + len(plain) :]).encode()
        + b'"}}'
    )
    answer = client.post(ENDPOINT, content=raw, headers=auth())
    assert answer.status_code == 200, answer.text
    assert answer.json()["text"] == "Hello, this is a test of OpenAI speech-to-text transcription."


def test_an_escaped_quote_in_the_base64_is_invalid_base64(client: httpx.Client) -> None:
    raw = (
        b'{"model": "openai/whisper-large-v3", "input_audio": {"format": "wav", "data": "UklG\\"'
        b'RgAA"}}'
    )
    answer = client.post(ENDPOINT, content=raw, headers=auth())
    assert answer.status_code == 400
    assert error_of(answer)["metadata"]["field"] == "input_audio.data"


_WAV_B64 = base64.b64encode(sample("wav")).decode("ascii")


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        # A "data" key ahead of the audio's (a provider option) is not taken for the audio.
        (
            '{"provider": {"options": {"x": {"data": "QUJD"}}}, "model": "openai/whisper-1", '
            f'"input_audio": {{"format": "wav", "data": "{_WAV_B64}"}}}}',
            200,
            None,
        ),
        # A raw line break inside the string makes the body malformed JSON, not bad base64.
        (
            '{"model": "openai/whisper-1", "input_audio": {"format": "wav", "data": "'
            f'{_WAV_B64[:8]}\n{_WAV_B64[8:]}"}}}}',
            400,
            "(body)",
        ),
        # Plain base64 in a body that is not JSON around it: malformed JSON.
        (
            '{"model": "openai/whisper-1", "input_audio": '
            f'{{"format": "wav", "data": "{_WAV_B64}"}}',
            400,
            "(body)",
        ),
        # Two input_audio objects: JSON keeps the last, and so does the reader.
        (
            '{"model": "openai/whisper-1", "input_audio": '
            f'{{"format": "wav", "data": "{_WAV_B64}"}}, '
            '"input_audio": {"format": "wav", "data": "QUJD"}}',
            400,
            "input_audio.data",
        ),
    ],
    ids=["decoy key", "raw line break", "not JSON around it", "duplicate key"],
)
def test_the_audio_read_in_place_answers_as_a_whole_parse_would(
    client: httpx.Client, raw: str, status: int, field: str | None
) -> None:
    answer = client.post(ENDPOINT, content=raw.encode(), headers=auth())
    assert answer.status_code == status, answer.text
    if field is not None:
        assert error_of(answer)["metadata"]["field"] == field


def _json(document: Any) -> bytes:
    return orjson.dumps(document)


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "Application/JSON; charset=utf-8", "text/plain"]
)
def test_a_json_body_is_read_whatever_content_type_says(content_type: str | None) -> None:
    # As before the reader had branches: JSON is what a body of any other type is read as.
    sent = body("wav", language="en")
    read = reader.read_body(_json(sent), content_type)
    assert read.parse_error is None
    assert read.fields["input_audio"] == {"data": "", "format": "wav"}  # the audio set aside
    assert read.sources == dict.fromkeys(sent, "json body")
    parsed = read.parse()
    assert parsed.request.model == "openai/whisper-large-v3"
    assert parsed.request.language == "en"
    assert parsed.request.input_audio.data == ""  # the audio is read into parsed.audio instead
    assert parsed.audio.format == "wav"
    assert parsed.audio.size == len(sample("wav"))
    assert parsed.audio.sha256 == hashlib.sha256(sample("wav")).hexdigest()
    assert parsed.audio.seconds == pytest.approx(9.2)
    assert parsed.sources["model"] == "json body"


def test_the_audio_is_decoded_once_and_let_go() -> None:
    read = reader.read_body(_json(body("wav")), "application/json")
    read.parse()
    # The base64 is no longer held: a second parse finds the emptied field the journal keeps.
    with pytest.raises(MockError) as caught:
        read.parse()
    assert caught.value.metadata == {
        "field": "input_audio.data",
        "problem": "empty",
        "accepted": "a string of base64 (the raw bytes, not a data URI)",
    }


def test_hashing_only_when_asked() -> None:
    content = _json(body("wav"))
    assert reader.read_body(content, None).parse(hash_if=lambda size: False).audio.sha256 is None
    assert reader.read_body(content, None).parse().audio.sha256


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"{", "malformed JSON"), (b"[1]", "a JSON list instead of an object")],
)
def test_a_body_that_is_not_an_object_is_kept_and_refused(content: bytes, problem: str) -> None:
    read = reader.read_body(content, "application/json")
    assert read.fields == (None if content == b"{" else [1])
    with pytest.raises(MockError) as caught:
        read.parse()
    assert caught.value.status == 400
    assert caught.value.metadata is not None
    assert caught.value.metadata["field"] == "(body)"
    assert problem in caught.value.metadata["problem"]
