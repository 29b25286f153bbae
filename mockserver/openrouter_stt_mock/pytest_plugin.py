"""pytest plugin registered by the package: the ``openrouter_mock`` fixtures.

Loaded in every pytest run where the package is installed, so it imports nothing heavy at module
level: the mock (starlette and friends), httpx, uvicorn and the client are imported inside the
fixtures, and only when a test asks for one.

``openrouter_mock``: a fresh default world per test, served in process::

    def test_transcribe(openrouter_mock):
        client = openrouter_mock.client()
        openrouter_mock.queue(503)            # the next request gets a 503
        client.transcribe(openrouter_mock.sample("wav"), model="openai/whisper-large-v3")
        assert openrouter_mock.journal.last.verdict.response_valid

``openrouter_mock_server``: the same app served by uvicorn on a free 127.0.0.1 port, for code that
needs a real URL (``.url``, ``.base_url``).

Both need the package's ``mock`` extra; without it, a test that asks for them fails with one line
saying what to install.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

    from openrouter_stt import AsyncOpenRouterSTT, AudioFormat, OpenRouterSTT

    from .handle import MockHandle
    from .journal import Journal
    from .world import World

__all__ = ["MockFixture", "MockServer", "openrouter_mock", "openrouter_mock_server"]

_STARTUP_SECONDS = 10.0
#: The top-level modules the ``mock`` extra installs (and what they pull in to serve).
_MOCK_EXTRA: Final = frozenset(
    {"starlette", "uvicorn", "httptools", "uvloop", "mutagen", "jsonschema", "orjson", "tomli"}
)


@contextlib.contextmanager
def _needs_mock_extra(fixture: str) -> Iterator[None]:
    """Fail the test in one line naming what to install when the ``mock`` extra is missing."""
    try:
        yield
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in _MOCK_EXTRA:
            raise
        pytest.fail(
            f"the {fixture} fixture needs the mock extra ({missing} is not installed): "
            "pip install 'openrouter-stt[mock]'",
            pytrace=False,
        )


class MockFixture:
    """A mock app for one test, with in-process clients wired to it.

    Attributes: ``app`` (the Starlette app), ``handle`` (its :class:`MockHandle`), ``journal``,
    ``world``; methods ``queue(...)`` (as :meth:`MockHandle.queue`), ``client(**kw)``,
    ``async_client(**kw)``, ``http_client(**kw)``, ``async_http_client(**kw)``, and
    ``sample(format)``, the path of the shipped audio the default world knows.

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

    def sample(self, format: AudioFormat = "wav") -> Path:
        """The path of the sample audio shipped with the mock, in ``format``: 9.2 s of speech
        whose transcript the default world knows (see :func:`openrouter_stt_mock.sample`)."""
        from .samples import sample

        return sample(format)

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
    with _needs_mock_extra("openrouter_mock"):
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
    with _needs_mock_extra("openrouter_mock_server"):
        from .app import create_app
        from .handle import get_handle
        from .server import bind, uvicorn_server

    app = create_app()
    sock = bind("127.0.0.1", 0)
    # A stalled response must not hold the test run at shutdown.
    options = {"lifespan": "off", "timeout_graceful_shutdown": 2}
    server = uvicorn_server(app, get_handle(app).config, **options)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="openrouter-mock-server", daemon=True
    )
    thread.start()
    try:
        _wait_for(lambda: server.started or not thread.is_alive(), _STARTUP_SECONDS)
        if not server.started:
            pytest.fail("the mock server did not start")
        yield MockServer(app, f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        server.should_exit = True
        thread.join(_STARTUP_SECONDS)
        sock.close()


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
