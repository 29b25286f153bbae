"""Cassettes: one recorded exchange per JSON file, keys sorted, nothing secret in it.

A cassette holds ``format`` (``openrouter-stt-cassette/1``), ``request``, ``response`` and
``match``. The request keeps its method, path, query, a few headers (``authorization`` only as
``Bearer <redacted>``; headers that identify the caller or its software are dropped, their names
listed in ``dropped_headers``) and its body, with the audio replaced by its account: ``sha256``,
``size``, ``format`` and ``duration`` in seconds (the bytes only with ``keep_audio``). A multipart
file part keeps only its file name's extension. ``match`` is what decides the answer and what a
replay compares: method, path, the key's role (``key-1`` for the first key a recorder or replay
sees, ``key-2`` for the next; ``none`` without one; the keys themselves are never written),
model, audio sha256 and every other option. The response keeps status, headers (``set-cookie``
dropped), the body (``json`` when it parses, else ``text``), ``complete`` and, when the upstream
failed, ``error``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from openrouter_stt.formats import AUDIO_FORMATS, format_from_media_type, format_from_suffix

from ..audio import AudioDecodeError, audio_duration

__all__ = [
    "FORMAT",
    "KeyRoles",
    "describe_request",
    "describe_response",
    "read_cassettes",
    "write_cassette",
]

FORMAT: Final = "openrouter-stt-cassette/1"
#: The request headers a cassette keeps (``authorization`` redacted); all others are dropped.
_KEPT_REQUEST_HEADERS: Final = frozenset({"content-type", "content-length", "accept", "prefer"})
_DROPPED_RESPONSE_HEADERS: Final = frozenset({"set-cookie"})
_AUDIO_FIELDS: Final = frozenset({"input_audio", "file"})
_NAME: Final = re.compile(r"^(\d+)-")


class KeyRoles:
    """Each distinct key a process sees, named by the order it first came: ``key-1``, ... The
    mapping stays in memory; only the role is written."""

    def __init__(self) -> None:
        self._roles: dict[str, str] = {}

    def role(self, authorization: str | None) -> str:
        """The role of the key in an ``Authorization`` header."""
        if not authorization:
            return "none"
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return "malformed"
        return self._roles.setdefault(key.strip(), f"key-{len(self._roles) + 1}")


def _audio(data: bytes, fmt: str | None, keep: bool) -> dict[str, Any]:
    duration: float | None = None
    if fmt in AUDIO_FORMATS:
        try:
            duration = round(audio_duration(data, fmt), 3)
        except AudioDecodeError:
            duration = None
    account: dict[str, Any] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "format": fmt,
        "duration": duration,
    }
    if keep:
        account["base64"] = base64.b64encode(data).decode("ascii")
    return account


def _json_body(body: bytes, keep_audio: bool) -> tuple[dict[str, Any], str | None]:
    """The body with its audio replaced by its account, and the audio's sha256."""
    parsed = json.loads(body)
    if not isinstance(parsed, dict):
        return {"json": parsed}, None
    audio = parsed.get("input_audio")
    sha: str | None = None
    if isinstance(audio, dict) and isinstance(audio.get("data"), str):
        try:
            data = base64.b64decode(audio["data"], validate=True)
        except (binascii.Error, ValueError):
            data = audio["data"].encode()
        fmt = audio.get("format")
        account = _audio(data, fmt if isinstance(fmt, str) else None, keep_audio)
        parsed["input_audio"] = {**audio, "data": account}
        sha = account["sha256"]
    return {"json": parsed}, sha


def _form_body(
    fields: Iterable[tuple[str, str | tuple[str, str, bytes]]], keep_audio: bool
) -> tuple[dict[str, Any], str | None]:
    """A form's parts, text as text and each file part as its audio's account."""
    form: dict[str, Any] = {}
    sha: str | None = None
    for name, value in fields:
        if isinstance(value, tuple):
            filename, media_type, data = value
            fmt = format_from_suffix(filename) or format_from_media_type(media_type)
            account = _audio(data, fmt, keep_audio)
            account["filename"] = "*" + Path(filename).suffix if filename else None
            account["content_type"] = media_type
            sha = sha or account["sha256"]
            entry: Any = account
        else:
            entry = value
        if name in form:
            previous = form[name]
            form[name] = [*previous, entry] if isinstance(previous, list) else [previous, entry]
        else:
            form[name] = entry
    return {"form": form}, sha


def _options(body: Mapping[str, Any]) -> dict[str, Any]:
    """The request's options in one spelling for both forms of body: ``name[]`` parts read as
    ``name``, a number sent as text as a number, a single value of a list part as a list."""
    fields = body.get("json") if "json" in body else body.get("form")
    if not isinstance(fields, Mapping):
        return {"body": fields}
    options: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _AUDIO_FIELDS or name == "model":
            continue
        if name.endswith("[]"):
            name = name.removesuffix("[]")
            value = value if isinstance(value, list) else [value]
        if isinstance(value, str) and "form" in body:
            with contextlib.suppress(ValueError):  # a form's numbers and flags come as text
                value = json.loads(value) if name != "language" else value
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        options[name] = value
    return options


def describe_request(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    form: Iterable[tuple[str, str | tuple[str, str, bytes]]] | None,
    roles: KeyRoles,
    keep_audio: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request as a cassette keeps it, and what decides its answer (``match``).

    ``headers`` have lower-case names; ``form`` is the parsed multipart form when the body is
    one (file parts as ``(filename, content_type, bytes)``)."""
    kept = {k: v for k, v in headers.items() if k in _KEPT_REQUEST_HEADERS}
    dropped = sorted(k for k in headers if k not in _KEPT_REQUEST_HEADERS and k != "authorization")
    authorization = headers.get("authorization")
    if authorization is not None:
        kept["authorization"] = authorization.partition(" ")[0] + " <redacted>"
    sha: str | None = None
    described: dict[str, Any]
    if form is not None:
        described, sha = _form_body(form, keep_audio)
    elif not body:
        described = {}
    else:
        try:
            described, sha = _json_body(body, keep_audio)
        except ValueError:
            # Not JSON: kept only as its account, since it may be audio.
            described = {
                "unparsed": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
            }
            sha = described["unparsed"]["sha256"]
    fields = described.get("json") or described.get("form") or {}
    model = fields.get("model") if isinstance(fields, Mapping) else None
    request = {
        "method": method,
        "path": path,
        "query": query,
        "headers": kept,
        "dropped_headers": dropped,
        "body": described,
    }
    match = {
        "method": method,
        "path": path,
        "key": roles.role(authorization),
        "model": model,
        "audio_sha256": sha,
        "options": _options(described),
        "prefer": headers.get("prefer"),
    }
    return request, match


def describe_response(
    status: int | None,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    error: str | None,
) -> dict[str, Any]:
    """The response as a cassette keeps it (``status`` ``None``: no answer came)."""
    kept: dict[str, str] = {}
    for name, value in headers:
        name = name.lower()
        if name not in _DROPPED_RESPONSE_HEADERS:
            kept[name] = f"{kept[name]}, {value}" if name in kept else value
    described: dict[str, Any] = {
        "status": status,
        "headers": kept,
        "complete": error is None,
        "error": error,
        "size": len(body),
    }
    try:
        described["json"] = json.loads(body) if error is None else None
    except ValueError:
        described["json"] = None
    if described["json"] is None:
        described.pop("json")
        described["text"] = body.decode("utf-8", errors="replace")
    return described


def write_cassette(directory: Path, cassette: Mapping[str, Any]) -> Path:
    """Write ``cassette`` as the next file of ``directory`` (``0001-post-200.json``, ...)."""
    directory.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in directory.glob("*.json") if (m := _NAME.match(p.name))]
    number = max(numbers, default=0) + 1
    status = cassette["response"]["status"] if cassette.get("response") else None
    method = str(cassette["request"]["method"]).lower()
    path = directory / f"{number:04d}-{method}-{status or 'failed'}.json"
    text = json.dumps({"format": FORMAT, **cassette}, indent=2, sort_keys=True, ensure_ascii=False)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_cassettes(directory: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every cassette of ``directory``, in the order recorded."""
    found: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("format") == FORMAT:
            found.append((path, data))
    return found
