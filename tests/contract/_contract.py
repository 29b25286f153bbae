"""Contract checks against OpenAPI documents themselves, independent of the generated models.

``Contract.response_errors(request, body, response)`` validates one HTTP exchange with openapi-core
against a whole document: status documented, body schema, content type and headers. The same
exchanges are checked against our fragment and against each of OpenRouter's published documents
(``openapi/upstream/``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "openapi" / "openrouter-stt.yaml"
#: OpenRouter's documents of the endpoint, by date, oldest first: the two published, and the one
#: rebuilt from the official SDK of 2026-10-27 (its header says how).
UPSTREAMS = {
    "2026-04-30": ROOT / "openapi" / "upstream" / "openrouter-stt-2026-04-30.yaml",
    "2026-08-22": ROOT / "openapi" / "upstream" / "openrouter-stt-2026-08-22.yaml",
    "2026-10-27": ROOT / "openapi" / "upstream" / "openrouter-stt-2026-10-27.reconstructed.yaml",
}
LATEST_UPSTREAM = "2026-10-27"
# Both documents name this server; the exchange is judged on its shape, not on which host served it.
HOST_URL = "https://openrouter.ai"
PATH = "/api/v1/audio/transcriptions"


@dataclass
class _Request:
    """An httpx request seen through openapi-core's request protocol."""

    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = HOST_URL
    path: str = PATH


@dataclass
class _Response:
    """An httpx response seen through openapi-core's response protocol."""

    status_code: int
    data: bytes | None
    content_type: str
    headers: Mapping[str, Any]


def as_openapi_request(request: httpx.Request, body: bytes) -> _Request:
    headers = Headers(list(request.headers.items()))
    return _Request(
        method=request.method.lower(),
        body=body,
        content_type=request.headers.get("content-type", ""),
        parameters=RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=headers,
        ),
    )


def as_openapi_response(response: httpx.Response) -> _Response:
    return _Response(
        status_code=response.status_code,
        data=response.content,
        content_type=response.headers.get("content-type", ""),
        headers=Headers(list(response.headers.items())),
    )


class Contract:
    """One OpenAPI document, able to judge exchanges with the transcription endpoint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.edition = path.stem.removeprefix("openrouter-stt-").removesuffix(".reconstructed")
        self.document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._openapi = OpenAPI.from_dict(self.document)

    def response_errors(
        self, request: httpx.Request, body: bytes, response: httpx.Response
    ) -> list[str]:
        """Why ``response`` does not fit the document (empty when it does)."""
        found = self._openapi.iter_response_errors(
            as_openapi_request(request, body), as_openapi_response(response)
        )
        return [_describe(error) for error in found]

    def request_errors(self, request: httpx.Request, body: bytes) -> list[str]:
        """Why ``request`` does not fit the document (empty when it does).

        One error is not the request's: openapi-core decodes a multipart file part to bytes,
        then checks them against ``type: string`` with the 3.1 validator, which no bytes pass
        (python-openapi/openapi-core#854). Only that message, about those bytes, is dropped.
        """
        found = self._openapi.iter_request_errors(as_openapi_request(request, body))
        described = [_describe(error) for error in found]
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            described = [_without_file_part_type_error(d) for d in described]
        return [d for d in described if d]


#: One leaf error openapi-core#854 gives a file part: the bytes' repr (whose quotes are escaped
#: inside it, and which may hold "; " like any bytes), then the complaint.
_BYTES_NOT_STRING = re.compile(
    r"""(?:; )?b(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") is not of type 'string'""", re.DOTALL
)


def _without_file_part_type_error(description: str) -> str:
    """``description`` without the leaf errors openapi-core#854 gives a file part."""
    kind, _, leaves = description.partition(": ")
    kept = _BYTES_NOT_STRING.sub("", leaves).removeprefix("; ")
    return f"{kind}: {kept}" if kept else ""


def _describe(error: Exception) -> str:
    """The most precise account openapi-core gives: leaf schema errors when there are any."""
    for candidate in (error, error.__cause__):
        leaves = getattr(candidate, "schema_errors", None)
        if leaves:
            return f"{type(error).__name__}: " + "; ".join(leaf.message for leaf in leaves)
    return f"{type(error).__name__}: {error}"
