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
