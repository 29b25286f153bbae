"""The framing of a multipart/form-data request (RFC 7578): the text parts and the file part's
header, which go before the audio, and the closing delimiter, which goes after it.

The audio itself is streamed between the two by :class:`._files.AudioBody`, so the framing is
all this module builds; which fields become parts is decided in :mod:`._body`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Final

from .formats import AudioFormat

__all__ = [
    "FILE_PART",
    "form_head",
    "form_tail",
    "form_text",
    "new_boundary",
    "part_filename",
]

#: The name of the part that carries the audio.
FILE_PART: Final = "file"

# Everything outside a portable file name's characters becomes "_", so a name never needs
# quoting rules that servers read differently (quotes, backslashes, line breaks, non-ASCII).
_UNSAFE_NAME: Final = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM: Final = 64


def new_boundary() -> str:
    """A fresh boundary. Random, so that no audio can be made to contain it (RFC 2046 asks that a
    boundary never appear inside a part) without scanning the audio first."""
    return f"openrouter-stt-{secrets.token_hex(16)}"


def part_filename(name: str | None, fmt: AudioFormat) -> str:
    """The file part's name: the audio's own name (made portable) with the extension of its real
    format, or ``audio.<format>`` for bytes and nameless files, so a server that reads the
    format from the name reads the right one."""
    stem = name.rsplit(".", 1)[0] if name and "." in name.lstrip(".") else (name or "")
    stem = _UNSAFE_NAME.sub("_", stem).strip("._")[:_MAX_STEM]
    return f"{stem or 'audio'}.{fmt}"


def _part_header(name: str, extra: str = "") -> bytes:
    return f'Content-Disposition: form-data; name="{name}"{extra}\r\n'.encode("ascii")


def _text_parts(boundary: str, fields: Sequence[tuple[str, str]]) -> list[bytes]:
    delimiter = f"--{boundary}\r\n".encode("ascii")
    pieces: list[bytes] = []
    for name, value in fields:
        pieces += [delimiter, _part_header(name), b"\r\n", value.encode("utf-8"), b"\r\n"]
    return pieces


def form_head(
    boundary: str, fields: Sequence[tuple[str, str]], filename: str, media_type: str
) -> bytes:
    """Everything before the audio: one part per ``(name, value)`` of ``fields``, in order, then
    the file part's header. Text goes first, so a server can refuse a field before the audio."""
    pieces = _text_parts(boundary, fields)
    pieces += [
        f"--{boundary}\r\n".encode("ascii"),
        _part_header(FILE_PART, f'; filename="{filename}"'),
        f"Content-Type: {media_type}\r\n\r\n".encode("ascii"),
    ]
    return b"".join(pieces)


def form_text(boundary: str, fields: Sequence[tuple[str, str]]) -> bytes:
    """A whole form of text parts only (audio by URL has no file part), closing delimiter
    included."""
    return b"".join([*_text_parts(boundary, fields), f"--{boundary}--\r\n".encode("ascii")])


def form_tail(boundary: str) -> bytes:
    """Everything after the audio: the end of the file part and the closing delimiter."""
    return f"\r\n--{boundary}--\r\n".encode("ascii")
