"""The app closes its store connections when the server serving it stops (the ASGI lifespan)."""

from __future__ import annotations

import threading
import time

import httpx
import redis

from openrouter_stt_mock import MockConfig, create_app
from openrouter_stt_mock.server import bind, uvicorn_server
from openrouter_stt_mock.store import CLIENT_NAME

from ..mock.conftest import auth, body
from ._valkey import ValkeyProcess


def _mock_connections(valkey: ValkeyProcess) -> int:
    """How many connections the store has from the mock (they name themselves)."""
    with redis.Redis.from_url(valkey.url) as direct:
        clients = direct.client_list()
    return sum(client.get("name") == CLIENT_NAME for client in clients)


def _settles_at(valkey: ValkeyProcess, count: int, seconds: float = 3.0) -> int:
    """The mock's connection count once it reaches ``count`` (or after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while (found := _mock_connections(valkey)) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_stopping_uvicorn_leaves_no_connection_open_on_the_store(own_valkey: ValkeyProcess):
    config = MockConfig(state=own_valkey.url)
    app = create_app(config)
    sock = bind("127.0.0.1", 0)
    server = uvicorn_server(app, config)  # the lifespan on, as uvicorn's default
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.started
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with httpx.Client(base_url=url, timeout=10) as http:
            for _ in range(3):
                answer = http.post("/api/v1/audio/transcriptions", json=body(), headers=auth())
                assert answer.status_code == 200
            assert http.get("/_mock/journal").status_code == 200
        assert _mock_connections(own_valkey) >= 1
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    assert not thread.is_alive()
    assert _settles_at(own_valkey, 0) == 0
