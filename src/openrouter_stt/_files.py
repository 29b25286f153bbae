"""Audio input → a request body streamed in chunks, with its exact length known upfront.

:func:`load_audio` and :func:`aload_audio` check an input and find its size and format without
reading it whole; :class:`AudioBody` then streams ``head + audio + tail`` each time it is
iterated, the audio as base64 (inside a JSON body) or as it is (inside a multipart body), so a
retry sends the same bytes again. The sync and async twins sit side by side and differ only in
how they touch the disk.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR
from typing import IO, Final, TypeAlias, cast

import anyio.to_thread

from ._exceptions import InvalidRequestError
from ._types import ACCEPTED_AUDIO_TYPES
from ._words import arg, setting
from .formats import AUDIO_FORMATS, SNIFF_BYTES, AudioFormat, format_from_suffix, sniff_format

__all__ = [
    "ASYNC_READ_SIZE",
    "CHUNK_SIZE",
    "INLINE_READ_BYTES",
    "AudioBody",
    "AudioSource",
    "FixedBody",
    "RequestBody",
    "aload_audio",
    "base64_length",
    "load_audio",
    "resolve_format",
]

#: Raw bytes encoded per chunk: a multiple of 3, so each chunk encodes to base64 on its own.
#: A chunk and its base64 (448 KiB together) fit a core's L2 cache, so the socket copies the
#: base64 from the cache; at 768 KiB, uploads ran about 30 % slower.
CHUNK_SIZE: Final = 3 * 64 * 1024

#: Raw bytes an async upload reads per worker-thread call, then encodes a chunk at a time.
ASYNC_READ_SIZE: Final = 4 * CHUNK_SIZE


#: Files up to this size are read by async calls without a worker thread.
INLINE_READ_BYTES: Final = 64 * 1024


def base64_length(size: int) -> int:
    """Length of the base64 encoding of ``size`` bytes, padding included."""
    return 4 * ((size + 2) // 3)


# Not frozen: a frozen dataclass takes 2.5 times as long to make, on every call.
@dataclass(eq=False, slots=True)
class AudioSource:
    """Checked audio: where to read it again for each attempt, its size and its format.

    Exactly one of ``data``, ``path`` and ``file`` is set. A file object is read from ``start``,
    the position it had when given, so every attempt sends the same bytes.
    """

    format: AudioFormat
    size: int
    name: str | None = None
    data: memoryview | None = None
    path: Path | None = None
    file: IO[bytes] | None = None
    start: int = 0


#: Each in-memory kind of audio, empty, as a message names it.
_EMPTY: Final = {
    bytes: "empty bytes",
    bytearray: "an empty bytearray",
    memoryview: "an empty memoryview",
}


def _error(message: str) -> InvalidRequestError:
    return InvalidRequestError(f"audio: {message}", field="audio")


#: The formats a message names as accepted.
_ACCEPTED: Final = ", ".join(AUDIO_FORMATS)


def resolve_format(head: bytes, name: str | None, given: object) -> AudioFormat:
    """The audio's format: the one given (when the bytes don't contradict it), else the one the
    bytes' signature shows, else the one the file name's extension stands for."""
    sniffed = sniff_format(head)
    if given is not None:
        if not isinstance(given, str):
            raise InvalidRequestError(
                f"{arg('format')}: expected a string, got {type(given).__name__}; "
                f"accepted: {_ACCEPTED}",
                field="format",
            )
        wanted = given.strip().lower()
        if wanted not in AUDIO_FORMATS:
            raise InvalidRequestError(
                f"{arg('format')}: {given!r} is not a known audio format; accepted: {_ACCEPTED}",
                field="format",
            )
        if sniffed is not None and sniffed != wanted:
            raise InvalidRequestError(
                f"{arg('format')}: {given!r} contradicts the audio, whose bytes are {sniffed}; "
                f"pass {setting('format', sniffed)} or leave {arg('format')} out to infer it",
                field="format",
            )
        return wanted
    if sniffed is not None:
        return sniffed
    from_name = format_from_suffix(name) if name else None
    if from_name is not None:
        return from_name
    named = f" or the name {name!r}" if name else ""
    raise InvalidRequestError(
        f"{arg('format')}: cannot tell the audio format from its bytes{named}; "
        f"pass {setting('format')} with one of: {_ACCEPTED}",
        field="format",
    )


#: How audio files are opened: binary, which on Windows must be asked for.
_OPEN_FLAGS: Final = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def _open_path(path: str) -> tuple[int, int]:
    """Open ``path`` for reading: its descriptor and its size, or the error worded for the
    caller. At the descriptor level, as only a few bytes or one small read follow."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise _error(f"no file at {path!r}") from None
    except OSError as exc:
        if isinstance(exc, IsADirectoryError) or os.path.isdir(path):
            raise _error(f"{path!r} is a directory, not an audio file") from None
        raise _error(f"cannot read {path!r}: {exc.strerror or exc}") from None
    try:
        stat = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise _error(f"cannot read {path!r}: {exc.strerror or exc}") from None
    if S_ISDIR(stat.st_mode):
        os.close(fd)
        raise _error(f"{path!r} is a directory, not an audio file")
    return fd, stat.st_size


def _read_to_end(fd: int, size: int) -> bytes:
    """All that is left to read: one read when the file is the size it was said to be, more
    when it grew or is not a regular file."""
    first = os.read(fd, size + 1)
    if len(first) <= size:
        # Short of what was asked: the end of a regular file, whose size is what was asked
        # for; anything else has a size of 0 and reads short only at its end.
        return first
    parts = [first]
    while parts[-1]:
        parts.append(os.read(fd, CHUNK_SIZE))
    return parts[0] if len(parts) == 2 else b"".join(parts)


def _load_opened(fd: int, size: int, path: str, given_format: object) -> AudioSource:
    """:func:`load_audio` of a path :func:`_open_path` opened; closes ``fd``."""
    try:
        try:
            # A file of one chunk or less is read now, whole: later attempts open nothing.
            content = _read_to_end(fd, size) if size <= CHUNK_SIZE else None
            head = content[:SNIFF_BYTES] if content is not None else os.read(fd, SNIFF_BYTES)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _error(f"cannot read {path!r}: {exc.strerror or exc}") from None
    if content is not None:
        size = len(content)
    if size == 0:
        raise _error(f"{path!r} is empty; expected audio bytes")
    name = os.path.basename(path)
    fmt = resolve_format(head, name, given_format)
    if content is not None:
        return AudioSource(format=fmt, size=size, name=name, data=memoryview(content))
    return AudioSource(format=fmt, size=size, name=name, path=Path(path))


def _load_path(path: str, given_format: object) -> AudioSource:
    fd, size = _open_path(path)
    return _load_opened(fd, size, path, given_format)


def _load_file(file: IO[bytes], given_format: object) -> AudioSource:
    raw_name = getattr(file, "name", None)
    name = os.path.basename(raw_name) if isinstance(raw_name, str) else None
    if isinstance(file, io.TextIOBase):
        raise _error("the file object is open in text mode; open it in binary mode ('rb')")
    try:
        if file.seekable():
            start = file.tell()
            head = file.read(SNIFF_BYTES)
            end = file.seek(0, io.SEEK_END)
            file.seek(start)
            content: bytes | None = None
        else:
            # Without seeking, neither the size nor a second attempt is possible any other way.
            content = file.read()
            head = content
            start = end = 0
    except (OSError, ValueError) as exc:
        raise _error(f"the file object cannot be read: {exc}") from None
    if not isinstance(head, bytes):
        raise _error(
            f"the file object returned {type(head).__name__}, not bytes; "
            "open it in binary mode ('rb')"
        )
    size = len(content) if content is not None else end - start
    if size <= 0:
        raise _error("the file object has no bytes left to read; expected audio bytes")
    fmt = resolve_format(head[:SNIFF_BYTES], name, given_format)
    if content is not None:
        return AudioSource(format=fmt, size=size, name=name, data=memoryview(content))
    return AudioSource(format=fmt, size=size, name=name, file=file, start=start)


def load_audio(audio: object, given_format: object = None) -> AudioSource:
    """Check ``audio`` and find its size and format, reading only its first bytes.

    Raises :class:`InvalidRequestError` (field ``audio`` or ``format``) for anything that cannot
    be sent: a missing path, a directory, an empty input, a text-mode file, an unknown type, or a
    format that is unknown, contradicted by the bytes, or impossible to tell.
    """
    if isinstance(audio, bytes | bytearray | memoryview):
        data = memoryview(audio).cast("B")
        if data.nbytes == 0:
            raise _error(f"got {_EMPTY[type(audio)]}; expected audio bytes")
        fmt = resolve_format(bytes(data[:SNIFF_BYTES]), None, given_format)
        return AudioSource(format=fmt, size=data.nbytes, data=data)
    if isinstance(audio, str | os.PathLike):
        return _load_path(os.fsdecode(audio), given_format)
    if callable(getattr(audio, "read", None)) and callable(getattr(audio, "seekable", None)):
        return _load_file(cast(IO[bytes], audio), given_format)
    raise _error(f"got {type(audio).__name__}; expected {ACCEPTED_AUDIO_TYPES}")


async def aload_audio(audio: object, given_format: object = None) -> AudioSource:
    """:func:`load_audio` for async code: disk and file-object reads run in a worker thread,
    except for a file of :data:`INLINE_READ_BYTES` or less, which is quicker to read than a
    thread is to hand the work to. A path is opened at once, to learn its size."""
    if isinstance(audio, bytes | bytearray | memoryview):
        return load_audio(audio, given_format)
    if isinstance(audio, str | os.PathLike):
        path = os.fsdecode(audio)
        fd, size = _open_path(path)
        if size <= INLINE_READ_BYTES:
            return _load_opened(fd, size, path, given_format)
        # The thread opens the file again: a descriptor handed to a thread that a
        # cancellation stops from starting would never be closed.
        os.close(fd)
        return await anyio.to_thread.run_sync(_load_path, path, given_format)
    return await anyio.to_thread.run_sync(load_audio, audio, given_format)


def _split(carry: bytes, chunk: bytes | memoryview) -> tuple[bytes | memoryview, bytes]:
    """The part of ``carry + chunk`` that encodes on its own (a multiple of 3 bytes), and the
    rest to carry over. Whole chunks, the usual case, pass through without a copy."""
    data = carry + chunk if carry else chunk
    cut = len(data) - len(data) % 3
    if cut == len(data):
        return data, b""
    return data[:cut], bytes(data[cut:])


def _encode(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    carry = b""
    for chunk in chunks:
        ready, carry = _split(carry, chunk)
        if ready:
            yield base64.b64encode(ready)
    if carry:
        yield base64.b64encode(carry)


async def _aencode(chunks: AsyncIterator[bytes | memoryview]) -> AsyncIterator[bytes]:
    carry = b""
    async for chunk in chunks:
        ready, carry = _split(carry, chunk)
        if ready:
            yield base64.b64encode(ready)
    if carry:
        yield base64.b64encode(carry)


# The audio as it is: each chunk copied out of the read buffer, which the next read reuses,
# since a transport may keep the chunks it was given (httpx's ``Request.read()`` joins them).
def _copy(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    for chunk in chunks:
        yield bytes(chunk)


async def _acopy(chunks: AsyncIterator[bytes | memoryview]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield bytes(chunk)


class AudioBody:
    """The request body ``head + base64(audio) + tail`` (or ``head + audio + tail`` when
    ``encode`` is false), streamed, re-iterable for retries.

    Iterate it (sync or async) once per attempt, then :meth:`close` (or :meth:`aclose`) it:
    that closes any file it opened even when the transport gave up half-way.
    """

    def __init__(
        self,
        head: bytes,
        source: AudioSource,
        tail: bytes,
        *,
        content_type: str = "application/json",
        encode: bool = True,
    ) -> None:
        self._head = head
        self._source = source
        self._tail = tail
        self._encode = encode
        self._opened: list[IO[bytes]] = []
        self.content_type = content_type
        """The body's ``Content-Type``."""

    @property
    def content_length(self) -> int:
        """The exact number of bytes one iteration yields."""
        size = self._source.size
        audio = base64_length(size) if self._encode else size
        return len(self._head) + audio + len(self._tail)

    def _reader(self, block: int = CHUNK_SIZE) -> Callable[[int], bytes | memoryview]:
        """A function reading the audio's next bytes, at most ``n`` of them.

        A file the body opens itself is read into one buffer, reused: each chunk is encoded
        before the next read, so nothing holds on to it, and no chunk is allocated anew.
        """
        source = self._source
        if source.path is None:
            assert source.file is not None
            source.file.seek(source.start)
            return source.file.read
        f = source.path.open("rb", buffering=0)
        self._opened.append(f)
        buffer = memoryview(bytearray(min(block, source.size)))

        def read(n: int) -> memoryview:
            return buffer[: f.readinto(buffer[:n])]

        return read

    def _short(self, got: int) -> InvalidRequestError:
        return _error(
            f"ended after {got} of {self._source.size} bytes; it changed while being sent"
        )

    def whole(self) -> bytes | None:
        """The body in one piece when the audio is in memory and fits one chunk, else ``None``.

        httpx sends it as it sends any bytes, in one write and without iterating; the copy it
        costs is at most a chunk's base64.
        """
        data = self._source.data
        if data is None or self._source.size > CHUNK_SIZE:
            return None
        audio = base64.b64encode(data) if self._encode else data
        return b"".join((self._head, audio, self._tail))

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        yield from (_encode if self._encode else _copy)(self._iter_raw())
        yield self._tail

    def _iter_raw(self) -> Iterator[bytes | memoryview]:
        size = self._source.size
        if self._source.data is not None:
            for at in range(0, size, CHUNK_SIZE):
                yield self._source.data[at : at + CHUNK_SIZE]
            return
        read = self._reader()
        sent = 0
        while sent < size:
            chunk = read(min(CHUNK_SIZE, size - sent))
            if not chunk:
                raise self._short(sent)
            sent += len(chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._head
        async for chunk in (_aencode if self._encode else _acopy)(self._aiter_raw()):
            yield chunk
        yield self._tail

    async def _aiter_raw(self) -> AsyncIterator[bytes | memoryview]:
        size = self._source.size
        if self._source.data is not None:
            for at in range(0, size, CHUNK_SIZE):
                yield self._source.data[at : at + CHUNK_SIZE]
            return
        read = await anyio.to_thread.run_sync(self._reader, ASYNC_READ_SIZE)
        sent = 0
        while sent < size:
            # One thread hop per block; each chunk is encoded before the next block is read.
            block = memoryview(
                await anyio.to_thread.run_sync(read, min(ASYNC_READ_SIZE, size - sent))
            )
            if not block:
                raise self._short(sent)
            sent += len(block)
            for at in range(0, len(block), CHUNK_SIZE):
                yield block[at : at + CHUNK_SIZE]

    def close(self) -> None:
        """Close the files this body opened (never a file object the caller passed in)."""
        while self._opened:
            self._opened.pop().close()

    async def aclose(self) -> None:
        """Async spelling of :meth:`close`."""
        self.close()


class FixedBody:
    """A request body already whole, with the interface of :class:`AudioBody`: that of audio by
    URL, which carries no audio bytes."""

    def __init__(self, content: bytes, *, content_type: str) -> None:
        self._content = content
        self.content_type = content_type
        """The body's ``Content-Type``."""

    @property
    def content_length(self) -> int:
        """The body's length in bytes."""
        return len(self._content)

    def whole(self) -> bytes:
        """The body in one piece."""
        return self._content

    def __iter__(self) -> Iterator[bytes]:
        yield self._content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._content

    def close(self) -> None:
        """Nothing to close: the body holds no file."""

    async def aclose(self) -> None:
        """Nothing to close: the body holds no file."""


#: A request body, whichever the audio.
RequestBody: TypeAlias = AudioBody | FixedBody
