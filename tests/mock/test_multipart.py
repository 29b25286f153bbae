"""Multipart/form-data uploads to the mock: the same checks as JSON, each 400 naming the part.

Bodies are written by httpx's own multipart encoder (``files=``/``data=``), as a client we did
not write would send them; malformed ones are written by hand.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from openrouter_stt.formats import MULTIPART_MAX_BYTES
from openrouter_stt_mock import DEFAULT_API_KEY, MockHandle

from .conftest import ENDPOINT, FORMATS, auth, error_of, sample

MODEL = "openai/whisper-large-v3"
SAMPLE_TEXT = "Hello, this is a test of OpenAI speech-to-text transcription."


def post_form(
    client: httpx.Client,
    *,
    audio: bytes | None = None,
    filename: str | None = "hello.wav",
    media_type: str | None = "audio/wav",
    data: dict[str, Any] | None = None,
    files: list[tuple[str, Any]] | None = None,
) -> httpx.Response:
    """POST a form: ``file`` (unless ``files`` says otherwise) and the text parts in ``data``."""
    parts = files
    if parts is None:
        content = sample("wav") if audio is None else audio
        parts = [("file", (filename, content, media_type))]
    fields = {"model": MODEL} if data is None else data
    return client.post(ENDPOINT, files=parts, data=fields, headers=auth())


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return error_of(response)


def post_raw(client: httpx.Client, content: bytes, content_type: str) -> httpx.Response:
    return client.post(ENDPOINT, content=content, headers={**auth(), "Content-Type": content_type})


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_uploaded_as_a_file_part_is_transcribed(client: httpx.Client, fmt: str) -> None:
    response = post_form(
        client, audio=sample(fmt), filename=f"hello.{fmt}", media_type="application/octet-stream"
    )
    assert response.status_code == 200, response.text
    assert response.json()["text"] == SAMPLE_TEXT


def test_the_format_comes_from_the_content_type_when_the_name_has_none(
    client: httpx.Client,
) -> None:
    response = post_form(client, audio=sample("mp3"), filename="upload", media_type="audio/mpeg")
    assert response.status_code == 200, response.text


def test_a_file_part_that_names_no_format_is_refused(client: httpx.Client) -> None:
    # What the OpenAI SDKs send for bytes with no name: the server cannot tell the format.
    response = post_form(client, filename="upload", media_type="application/octet-stream")
    error = _error(response, 400)
    assert error["metadata"]["field"] == "file"
    assert "'upload'" in error["message"]
    assert "application/octet-stream" in error["message"]


def test_bytes_that_are_not_the_named_format_are_refused(client: httpx.Client) -> None:
    response = post_form(client, audio=sample("flac"), filename="hello.wav")
    error = _error(response, 400)
    assert error["metadata"]["field"] == "file"
    assert "the bytes are flac audio" in error["message"]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({}, "model", "missing"),
        ({"model": MODEL, "temperature": "warm"}, "temperature", "number"),
        ({"model": MODEL, "temperature": "1.5"}, "temperature", "outside 0..1"),
        ({"model": MODEL, "language": "english"}, "language", "ISO-639-1"),
        ({"model": MODEL, "response_format": "srt"}, "response_format", "verbose_json"),
        ({"model": MODEL, "voice": "alloy"}, "voice", "unknown part"),
        ({"model": MODEL, "timestamp_granularities[]": "line"}, "timestamp_granularities[]", ""),
    ],
)
def test_each_bad_text_part_is_a_400_naming_it(
    client: httpx.Client, data: dict[str, Any], field: str, words: str
) -> None:
    error = _error(post_form(client, data=data), 400)
    assert error["metadata"]["field"].startswith(field)
    assert words in error["message"]


def test_a_form_without_a_file_part_is_refused(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, files={"model": (None, MODEL)}, headers=auth())
    error = _error(response, 400)
    assert (error["metadata"]["field"], error["metadata"]["problem"]) == ("file", "missing")


def test_a_repeated_part_is_refused(client: httpx.Client) -> None:
    files = [("file", ("a.wav", sample("wav"), "audio/wav")), ("model", (None, MODEL))]
    response = client.post(
        ENDPOINT, files=[*files, ("model", (None, "openai/whisper-1"))], headers=auth()
    )
    error = _error(response, 400)
    assert (error["metadata"]["field"], error["metadata"]["problem"]) == ("model", "sent twice")


def test_prompt_is_accepted_and_ignored(client: httpx.Client) -> None:
    response = post_form(client, data={"model": MODEL, "prompt": "a greeting"})
    assert response.status_code == 200
    assert response.json()["text"] == SAMPLE_TEXT


@pytest.mark.parametrize(
    "files",
    [
        [
            ("timestamp_granularities[]", (None, "word")),
            ("timestamp_granularities[]", (None, "segment")),
        ],
        [
            ("timestamp_granularities[][]", (None, "word")),
            ("timestamp_granularities[][]", (None, "segment")),
        ],
        [("timestamp_granularities[]", (None, "word,segment"))],
        [("timestamp_granularities", (None, "word, segment"))],
    ],
    ids=["openai-python", "official python sdk", "official typescript sdk", "bare name"],
)
def test_the_granularities_are_read_in_each_spelling_the_clients_send(
    client: httpx.Client, handle: MockHandle, files: list[tuple[str, Any]]
) -> None:
    parts = [
        ("file", ("a.wav", sample("wav"), "audio/wav")),
        ("model", (None, MODEL)),
        ("response_format", (None, "verbose_json")),
        *files,
    ]
    response = client.post(ENDPOINT, files=parts, headers=auth())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["segments"]
    assert answer["words"]
    (entry,) = handle.journal.entries
    assert entry.request.shape["timestamp_granularities[]"] == ["word", "segment"]


def _form(boundary: str, *parts: bytes, end: bool = True) -> bytes:
    body = b"".join(b"--%s\r\n%s\r\n" % (boundary.encode(), part) for part in parts)
    return body + (b"--%s--\r\n" % boundary.encode() if end else b"")


_MODEL_PART = b'Content-Disposition: form-data; name="model"\r\n\r\n' + MODEL.encode()


def _file_part(content: bytes) -> bytes:
    head = b'Content-Disposition: form-data; name="file"; filename="a.wav"\r\n'
    return head + b"Content-Type: audio/wav\r\n\r\n" + content


@pytest.mark.parametrize(
    ("content", "content_type", "words"),
    [
        (_form("xyz", _MODEL_PART), "multipart/form-data", "without a boundary"),
        (b"not a form at all", "multipart/form-data; boundary=xyz", "malformed multipart"),
        (
            _form("xyz", _MODEL_PART, _file_part(b"RIFF"), end=False),
            "multipart/form-data; boundary=xyz",
            "before its last boundary",
        ),
        (
            _form("xyz", b"Content-Disposition: attachment\r\n\r\nx"),
            "multipart/form-data; boundary=xyz",
            "without Content-Disposition",
        ),
    ],
    ids=["no boundary", "garbage", "truncated", "part without a name"],
)
def test_a_malformed_form_is_a_clear_400(
    client: httpx.Client, content: bytes, content_type: str, words: str
) -> None:
    error = _error(post_raw(client, content, content_type), 400)
    assert words in error["message"]


def test_a_text_part_that_is_not_utf8_is_refused(client: httpx.Client) -> None:
    part = b'Content-Disposition: form-data; name="model"\r\n\r\n\xff\xfe'
    content = _form("xyz", part, _file_part(sample("wav")))
    error = _error(post_raw(client, content, "multipart/form-data; boundary=xyz"), 400)
    assert (error["metadata"]["field"], error["metadata"]["problem"]) == ("model", "not UTF-8 text")


def test_a_file_part_over_the_cap_is_413_while_it_streams(
    client: httpx.Client, handle: MockHandle
) -> None:
    chunk = b"\0" * (1024 * 1024)
    sent = 0

    def stream() -> Any:
        # No Content-Length: the cap is found while reading, not from the header.
        nonlocal sent
        yield b"--xyz\r\n" + _file_part(b"RIFF")
        while sent <= MULTIPART_MAX_BYTES:
            sent += len(chunk)
            yield chunk
        yield b"\r\n--xyz--\r\n"

    response = client.post(
        ENDPOINT,
        content=stream(),
        headers={**auth(), "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    error = _error(response, 413)
    assert "base64 JSON" in error["message"]
    assert error["metadata"]["part"] == "file"


def test_a_declared_form_over_the_cap_is_413_before_it_is_read(client: httpx.Client) -> None:
    response = client.post(
        ENDPOINT,
        content=b"x",
        headers={
            **auth(),
            "Content-Type": "multipart/form-data; boundary=xyz",
            "Content-Length": str(MULTIPART_MAX_BYTES * 2),
        },
    )
    assert _error(response, 413)


def test_the_journal_keeps_the_form_but_not_the_audio(
    client: httpx.Client, handle: MockHandle
) -> None:
    assert post_form(client, data={"model": MODEL, "language": "en"}).status_code == 200
    (entry,) = handle.journal.entries
    shape = entry.request.shape
    assert shape["model"] == MODEL
    assert shape["language"] == "en"
    assert shape["file"] == {
        "filename": "hello.wav",
        "content_type": "audio/wav",
        "size": len(sample("wav")),
        "format": "wav",
    }
    assert entry.request.format == "wav"
    assert entry.request.audio_size == len(sample("wav"))
    assert entry.verdict.request_valid, entry.verdict.errors
    assert DEFAULT_API_KEY not in json.dumps(entry.to_dict())


def test_a_urlencoded_form_by_source_url_is_read_as_a_form(
    client: httpx.Client, handle: MockHandle
) -> None:
    # What a client sends for a form with no file part (the official Python SDK does).
    fields = {"model": "mock/diarizer", "source_url": "https://audio.example.com/hello.ogg"}
    response = client.post(ENDPOINT, data=fields, headers=auth())
    assert response.status_code == 200, response.text
    assert response.json()["text"] == SAMPLE_TEXT
    verdict = handle.journal.last.verdict
    assert verdict.errors == (
        "request Content-Type: application/x-www-form-urlencoded is not documented; "
        "the form's is multipart/form-data",
    )
    unknown = client.post(ENDPOINT, data={**fields, "voice": "x"}, headers=auth())
    assert _error(unknown, 400)["metadata"]["field"] == "voice"
    no_audio = client.post(ENDPOINT, data={"model": "mock/diarizer"}, headers=auth())
    assert _error(no_audio, 400)["metadata"]["field"] == "file"


def test_keyterms_come_in_each_spelling(client: httpx.Client, handle: MockHandle) -> None:
    parts = [
        ("file", ("hello.wav", sample("wav"), "audio/wav")),
        ("model", (None, "mock/diarizer")),
        ("keyterms[]", (None, "OPENAI")),
        ("keyterms[][]", (None, "Speech-To-Text")),  # the official Python SDK's spelling
        ("keyterms", (None, "Test")),
    ]
    response = client.post(ENDPOINT, files=parts, headers=auth())
    assert response.status_code == 200, response.text
    expected = "Hello, this is a Test of OPENAI Speech-To-Text transcription."
    assert response.json()["text"] == expected
    assert handle.journal.last.request.shape["keyterms[]"] == ["OPENAI", "Speech-To-Text", "Test"]


def test_prefer_and_queued_outcomes_answer_a_form_as_they_answer_json(
    client: httpx.Client, handle: MockHandle
) -> None:
    files = {"file": ("hello.wav", sample("wav"), "audio/wav")}
    forced = client.post(
        ENDPOINT, data={"model": MODEL}, files=files, headers={**auth(), "Prefer": "code=429"}
    )
    assert forced.status_code == 429
    assert forced.headers["retry-after"].isdigit()
    handle.queue(503)
    queued = client.post(ENDPOINT, data={"model": MODEL}, files=files, headers=auth())
    assert queued.status_code == 503
    broke = client.post(
        ENDPOINT, data={"model": MODEL}, files=files, headers=auth("sk-or-mock-broke")
    )
    assert broke.status_code == 402
    entries = handle.journal.entries
    assert [e.request.forced_by for e in entries] == ["Prefer: code=429", "queue", None]
    # The journal keeps the form's account and its size for each, forced or not.
    assert all(e.request.audio_size == len(sample("wav")) for e in entries)
    assert all(e.verdict.request_valid and e.verdict.response_valid for e in entries)
