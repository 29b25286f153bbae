"""pytest plugin registered by the package: the ``openrouter_mock`` fixtures.

Loaded in every pytest run where the package is installed, so it imports nothing heavy at module
level: the mock (starlette and friends), httpx, uvicorn and the client are imported inside the
fixtures, and only when a test asks for one.

``openrouter_mock``: a fresh default world per test, served in process::

    def test_transcribe(openrouter_mock):
        client = openrouter_mock.client()
        openrouter_mock.queue(503)            # the next request gets a 503
        ...
        assert openrouter_mock.journal.last.verdict.response_valid

``openrouter_mock_server``: the same app served by uvicorn on a free 127.0.0.1 port, for code that
needs a real URL (``.url``, ``.base_url``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

    from openrouter_stt import AsyncOpenRouterSTT, OpenRouterSTT

    from .handle import MockHandle
    from .journal import Journal
    from .world import World

__all__ = ["MockFixture", "MockServer", "openrouter_mock", "openrouter_mock_server"]

_STARTUP_SECONDS = 10.0


class MockFixture:
    """A mock app for one test, with in-process clients wired to it.

    Attributes: ``app`` (the Starlette app), ``handle`` (its :class:`MockHandle`), ``journal``,
    ``world``; methods ``queue(...)`` (as :meth:`MockHandle.queue`), ``client(**kw)``,
    ``async_client(**kw)``, ``http_client(**kw)``, ``async_http_client(**kw)``.

    Strict by default: a test that queues outcomes it never uses fails at teardown, since the
    requests it meant to shape did not happen. Set ``assert_all_used = False`` to allow it.
    """

    def __init__(self, app: Starlette) -> None:
        from .handle import get_handle

        self.app = app
        self.handle: MockHandle = get_handle(app)
        #: Fail the test at teardown when planned outcomes were left unused.
        self.assert_all_used = True
        self._sync: list[httpx.Client] = []
        self._async: list[httpx.AsyncClient] = []

    @property
    def journal(self) -> Journal:
        """Every exchange so far, with verdicts."""
        return self.handle.journal

    @property
    def world(self) -> World:
        """The world being served."""
        return self.handle.world

    def queue(self, status: int | None = None, **kwargs: Any) -> None:
        """Plan the next outcomes (see :meth:`MockHandle.queue`)."""
        self.handle.queue(status, **kwargs)

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` served by the app in process (closed after the test)."""
        import httpx

        from .in_process import IN_PROCESS_BASE_URL, sync_transport

        kwargs.setdefault("base_url", IN_PROCESS_BASE_URL)
        client = httpx.Client(transport=sync_transport(self.app), **kwargs)
        self._sync.append(client)
        return client

    def async_http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` served by the app in process (closed after the test)."""
        import httpx

        from .in_process import IN_PROCESS_BASE_URL, async_transport

        kwargs.setdefault("base_url", IN_PROCESS_BASE_URL)
        client = httpx.AsyncClient(transport=async_transport(self.app), **kwargs)
        self._async.append(client)
        return client

    def client(self, **kwargs: Any) -> OpenRouterSTT:
        """An ``OpenRouterSTT`` with the default key, served in process."""
        from openrouter_stt import OpenRouterSTT

        from .in_process import IN_PROCESS_BASE_URL
        from .world import DEFAULT_API_KEY

        kwargs.setdefault("api_key", DEFAULT_API_KEY)
        kwargs.setdefault("base_url", IN_PROCESS_BASE_URL)
        kwargs.setdefault("http_client", self.http_client())
        return OpenRouterSTT(**kwargs)

    def async_client(self, **kwargs: Any) -> AsyncOpenRouterSTT:
        """An ``AsyncOpenRouterSTT`` with the default key, served in process."""
        from openrouter_stt import AsyncOpenRouterSTT

        from .in_process import IN_PROCESS_BASE_URL
        from .world import DEFAULT_API_KEY

        kwargs.setdefault("api_key", DEFAULT_API_KEY)
        kwargs.setdefault("base_url", IN_PROCESS_BASE_URL)
        kwargs.setdefault("http_client", self.async_http_client())
        return AsyncOpenRouterSTT(**kwargs)

    def verify(self) -> None:
        """Raise ``AssertionError`` if planned outcomes were left unused (when strict)."""
        pending = self.handle.scenarios.pending()
        if self.assert_all_used and pending:
            raise AssertionError(
                f"{len(pending)} planned outcome(s) never used: {list(pending)}; "
                "set openrouter_mock.assert_all_used = False to allow this"
            )

    def close(self) -> None:
        """Close every client handed out."""
        for client in self._sync:
            client.close()
        pending = [client for client in self._async if not client.is_closed]
        if pending:
            import anyio

            async def close_all() -> None:
                for client in pending:
                    await client.aclose()

            anyio.run(close_all)


class MockServer:
    """A mock served by uvicorn in a thread: ``url``, ``base_url`` (``url + "/api/v1"``),
    ``app`` and ``handle``."""

    def __init__(self, app: Starlette, url: str) -> None:
        from .handle import get_handle

        self.app = app
        self.url = url
        self.base_url = url + "/api/v1"
        self.handle: MockHandle = get_handle(app)


@pytest.fixture
def openrouter_mock() -> Iterator[MockFixture]:
    """A fresh mock with the default world, served in process; clients are closed afterwards."""
    from .app import create_app

    fixture = MockFixture(create_app())
    try:
        yield fixture
    finally:
        fixture.close()
    fixture.verify()


@pytest.fixture
def openrouter_mock_server() -> Iterator[MockServer]:
    """A fresh mock with the default world, served by uvicorn on a free 127.0.0.1 port."""
    import uvicorn

    from .app import create_app

    app = create_app()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            # A stalled response must not hold the test run at shutdown.
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, name="openrouter-mock-server", daemon=True)
    thread.start()
    try:
        _wait_for(lambda: server.started or not thread.is_alive(), _STARTUP_SECONDS)
        if not server.started:
            pytest.fail("the mock server did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield MockServer(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(_STARTUP_SECONDS)


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
