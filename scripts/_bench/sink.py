"""A tiny HTTP/1.1 server that reads each request body, drops it, and answers a valid 200.

``python -m _bench.sink PORT`` serves on 127.0.0.1 until terminated. The socket is read into one
reused buffer (:class:`asyncio.BufferedProtocol`), so the sink copies nothing and keeps up with
any client measured against it; what it costs is the same for every client.
"""

from __future__ import annotations

import asyncio
import sys

__all__ = ["RESPONSE_BODY", "serve"]

RESPONSE_BODY = b'{"text":"ok","usage":{"cost":0.0001,"seconds":1.0}}'
_RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-generation-id: gen-sink\r\n"
    b"content-length: %d\r\n\r\n" % len(RESPONSE_BODY)
) + RESPONSE_BODY
_BUFFER = 1 << 20
_MAX_HEAD = 1 << 16


class _Sink(asyncio.BufferedProtocol):
    def __init__(self) -> None:
        self._buffer = memoryview(bytearray(_BUFFER))
        self._head = bytearray()  # the request head, while it is still arriving
        self._left = 0  # body bytes still to drop
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        data = self._buffer[:nbytes]
        while len(data):
            if self._left:
                taken = min(self._left, len(data))
                self._left -= taken
                data = data[taken:]
                if not self._left:
                    self._answer()
                continue
            self._head += data
            data = data[:0]
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                if len(self._head) > _MAX_HEAD:
                    self._close()
                continue
            rest = bytes(self._head[end + 4 :])
            self._left = self._content_length(bytes(self._head[:end]))
            self._head.clear()
            if not self._left:
                self._answer()
            data = memoryview(rest)

    @staticmethod
    def _content_length(head: bytes) -> int:
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return int(value)
        return 0

    def _answer(self) -> None:
        if self._transport is not None:
            self._transport.write(_RESPONSE)

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()


async def serve(port: int) -> None:
    """Serve on 127.0.0.1:``port`` forever."""
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(_Sink, "127.0.0.1", port)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
