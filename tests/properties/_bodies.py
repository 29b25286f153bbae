"""Reading a streamed request body whole, as a transport would, sync or async; closed after."""

from __future__ import annotations

from openrouter_stt._files import AudioBody

__all__ = ["read_async", "read_sync"]


def read_sync(body: AudioBody) -> bytes:
    """Every byte one iteration of ``body`` yields."""
    try:
        return b"".join(body)
    finally:
        body.close()


async def read_async(body: AudioBody) -> bytes:
    """:func:`read_sync` for async iteration."""
    try:
        return b"".join([chunk async for chunk in body])
    finally:
        await body.aclose()
