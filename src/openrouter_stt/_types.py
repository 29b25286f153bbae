"""The inputs :meth:`OpenRouterSTT.transcribe` accepts, defined once."""

from __future__ import annotations

import os
from typing import IO, Final, TypeAlias

import httpx

__all__ = ["ACCEPTED_AUDIO_TYPES", "AudioInput", "FileContent", "PathInput", "TimeoutTypes"]

#: A path to an audio file.
PathInput: TypeAlias = str | os.PathLike[str]
#: Audio already in memory, or a file object opened in binary mode (``open(path, "rb")``,
#: :class:`io.BytesIO`); a name on the file object is optional.
FileContent: TypeAlias = bytes | bytearray | memoryview | IO[bytes]
#: Everything ``transcribe`` accepts as ``audio``.
AudioInput: TypeAlias = PathInput | FileContent

#: How the accepted types read in an error message.
ACCEPTED_AUDIO_TYPES: Final = (
    "a path (str or os.PathLike), bytes, bytearray, memoryview, "
    "or a binary file object (open(path, 'rb'), io.BytesIO)"
)

#: A timeout: per phase as an :class:`httpx.Timeout`, one number of seconds for every phase, or
#: ``None`` for none at all.
TimeoutTypes: TypeAlias = float | httpx.Timeout | None
