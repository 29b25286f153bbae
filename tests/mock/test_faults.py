"""Faults in process: the app raises, naming the fault, after sending what the fault sends."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Message

from openrouter_stt_mock.faults import ConnectionFault, FaultResponse


async def _run(fault: Any) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(ConnectionFault) as caught:
        await FaultResponse(fault, stall_seconds=0.01)({"type": "http"}, receive, send)
    assert caught.value.fault == fault
    return sent


@pytest.mark.anyio
async def test_reset_sends_nothing() -> None:
    assert await _run("reset") == []


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["truncated", "stall"])
async def test_truncated_and_stall_promise_more_than_they_send(fault: str) -> None:
    start, part = await _run(fault)
    promised = int(dict(start["headers"])[b"content-length"])
    assert len(part["body"]) < promised
    assert part["more_body"] is True
