"""Replay: recorded requests answered with their recorded answers, anything else refused.

A request is matched on its cassettes' ``match`` (method, path, key role, model, audio sha256,
options). Several cassettes with the same match answer in the order recorded, the last one for
every request after. A request no cassette matches gets a 400 in OpenRouter's error shape naming
the nearest recording and each field that differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from ..errors import error_body
from ..faults import RAW_SEND
from ._cassette import KeyRoles, read_cassettes
from ._exchange import abort, answer_lifespan, read_request

__all__ = ["Replayer", "nearest"]


def _canonical(match: dict[str, Any]) -> str:
    return json.dumps(match, sort_keys=True, separators=(",", ":"))


def nearest(
    match: dict[str, Any], recorded: list[tuple[Path, dict[str, Any]]]
) -> tuple[Path, list[str]] | None:
    """The cassette whose match differs from ``match`` in the fewest fields, and those fields
    (recorded value, then sent)."""
    best: tuple[Path, list[str]] | None = None
    for path, cassette in recorded:
        theirs = cassette.get("match", {})
        differs = [
            f"{name} (recorded {json.dumps(theirs.get(name))}, sent {json.dumps(match.get(name))})"
            for name in sorted(set(theirs) | set(match))
            if theirs.get(name) != match.get(name)
        ]
        if best is None or len(differs) < len(best[1]):
            best = (path, differs)
    return best


class Replayer:
    """An ASGI app answering from the cassettes in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.cassettes = read_cassettes(directory)
        self.roles = KeyRoles()
        self._by_match: dict[str, list[dict[str, Any]]] = {}
        for _, cassette in self.cassettes:
            self._by_match.setdefault(_canonical(cassette.get("match", {})), []).append(cassette)
        self._used: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await answer_lifespan(scope, receive, send) or scope["type"] != "http":
            return
        scope.setdefault(RAW_SEND, send)
        _, _, match = await read_request(scope, receive, self.roles, keep_audio=False)
        key = _canonical(match)
        found = self._by_match.get(key)
        if not found:
            await _send(send, 400, [(b"content-type", b"application/json")], self._refusal(match))
            return
        used = self._used.get(key, 0)
        self._used[key] = used + 1
        response = found[min(used, len(found) - 1)]["response"]
        if response["status"] is None:
            await abort(scope, send, answered=False)
            return
        if "json" in response:
            body = json.dumps(response["json"], ensure_ascii=False).encode()
        else:
            body = str(response.get("text", "")).encode()
        headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in response["headers"].items()
            if k != "content-length"
        ]
        if not response.get("complete", True):
            # Promise what upstream promised, send what it sent, then break as it broke.
            promised = response["headers"].get("content-length", str(len(body) + 1))
            headers.append((b"content-length", promised.encode()))
            await send(
                {"type": "http.response.start", "status": response["status"], "headers": headers}
            )
            await send({"type": "http.response.body", "body": body, "more_body": True})
            await abort(scope, send)
            return
        await _send(send, int(response["status"]), headers, body)

    def _refusal(self, match: dict[str, Any]) -> bytes:
        closest = nearest(match, self.cassettes)
        if closest is None:
            message = f"Replay: {self.directory} holds no recordings"
        else:
            path, differs = closest
            message = (
                f"Replay: no recording matches this request; the nearest is {path.name}, "
                f"which differs in {'; '.join(differs)}"
            )
        return error_body(400, message)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
