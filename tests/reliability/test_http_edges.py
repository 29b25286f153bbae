"""The mock's edges over a real socket, served as ``openrouter-stt mock`` serves it (uvicorn with
httptools): a null where the spec allows none, a wrong method or path, a request head the parser
refuses or that is too large, and a bare line feed inside a header value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from ._support import (
    ENDPOINT,
    ServerProcess,
    check_error_shape,
    raw_exchange,
    request_body,
    server_process,
)

KEY = "sk-or-mock-ok"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with server_process(tmp_path_factory.mktemp("edges")) as running:
        yield running


def _post(server: ServerProcess, document: object) -> httpx.Response:
    return httpx.post(
        server.url + ENDPOINT,
        content=json.dumps(document).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        timeout=10.0,
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"language": None}, "language"),
        ({"temperature": None}, "temperature"),
        ({"provider": None}, "provider"),
        ({"provider": {"options": None}}, "provider.options"),
    ],
)
def test_null_where_the_spec_allows_none_is_a_400_naming_the_field(
    server: ServerProcess, extra: dict[str, object], field: str
) -> None:
    answer = _post(server, request_body("wav", **extra))
    assert answer.status_code == 400, answer.text
    error = check_error_shape(400, answer.json())
    assert error["metadata"]["field"] == field
    assert error["metadata"]["problem"] == "null"
    # Left out, the same field is fine: null is refused, not the field.
    assert _post(server, request_body("wav")).status_code == 200


def _journal_length(server: ServerProcess) -> int:
    entries = httpx.get(server.url + "/_mock/journal", timeout=10.0).json()
    return len(entries)


def test_wrong_method_and_unknown_path_answer_in_the_error_shape(server: ServerProcess) -> None:
    wrong_method = httpx.get(server.url + ENDPOINT, timeout=10.0)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    unknown = httpx.post(server.url + "/api/v1/audio/translations", json={}, timeout=10.0)
    assert unknown.status_code == 404
    for answer in (wrong_method, unknown):
        assert answer.headers["content-type"] == "application/json"
        check_error_shape(answer.status_code, answer.json())


def test_headers_too_large_get_431_in_the_error_shape(server: ServerProcess) -> None:
    before = _journal_length(server)
    headers = {"Authorization": f"Bearer {KEY}", "X-Big": "a" * 100_000}
    answer = httpx.post(server.url + ENDPOINT, json=request_body("wav"), headers=headers)
    assert answer.status_code == 431
    check_error_shape(431, answer.json())
    assert _journal_length(server) == before
    assert _post(server, request_body("wav")).status_code == 200


def _head(*header_lines: bytes, length: int) -> bytes:
    lines = [
        f"POST {ENDPOINT} HTTP/1.1".encode(),
        b"Host: 127.0.0.1",
        b"Content-Type: application/json",
        b"Connection: close",
        f"Content-Length: {length}".encode(),
        *header_lines,
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def test_a_bare_line_feed_in_a_header_value_is_refused_not_split(server: ServerProcess) -> None:
    # h11 reads this as two headers, a key and X-Injected; httptools refuses the request whole.
    document = json.dumps(request_body("wav")).encode()
    before = _journal_length(server)
    split = _head(
        b"Authorization: Bearer " + KEY.encode() + b"\nX-Injected: 1", length=len(document)
    )
    answer = raw_exchange(server.url, split, [document])
    assert answer is not None
    assert answer.status == 400
    assert _journal_length(server) == before  # the endpoint never acted on it
    # The same request with the line ended properly is served: the refusal is the line feed's.
    whole = _head(b"Authorization: Bearer " + KEY.encode(), b"X-Injected: 1", length=len(document))
    answer = raw_exchange(server.url, whole, [document])
    assert answer is not None
    assert answer.status == 200


@pytest.mark.parametrize(
    "head",
    [
        b"GARBAGE\r\n\r\n",
        b"POST " + ENDPOINT.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
        b"POST " + ENDPOINT.encode() + b" HTTP/1.1\r\nHost: x\r\nBad Name: a\r\n\r\n",
    ],
    ids=["not HTTP", "folded header", "space in a name"],
)
def test_a_head_the_parser_refuses_gets_uvicorns_plain_400_and_a_close(
    server: ServerProcess, head: bytes
) -> None:
    # As README's "Reliability and security" says: the app never sees it, so it is no JSON.
    answer = raw_exchange(server.url, head, [])
    assert answer is not None
    assert answer.status == 400
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.headers["connection"] == "close"
    assert answer.body == b"Invalid HTTP request received."
