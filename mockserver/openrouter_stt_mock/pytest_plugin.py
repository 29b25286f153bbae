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

Clients made by ``openrouter_mock.client()`` retry without waiting: their clock counts the time
a retry would have slept (``openrouter_mock.clock.slept``) and moves their deadlines on by it,
so a test of ``Retry-After: 10`` takes no time. ``client(wait=True)`` waits for real.

A test chooses its world (or whole configuration) with a marker::

    @pytest.mark.openrouter_mock(world="tests/world.toml")   # or a World, or config=MockConfig(...)
    def test_with_my_world(openrouter_mock): ...

``openrouter_replay``: cassettes recorded by ``openrouter-stt mock --record DIR`` answer the test
in process, as ``openrouter-stt mock --replay DIR`` answers over a socket; the marker names the
folder, read from the test file's folder when relative::

    @pytest.mark.openrouter_replay("cassettes/transcribe")
    def test_recorded(openrouter_replay):
        client = openrouter_replay.client()   # a request not recorded gets a 400 saying why

All need the package's ``mock`` extra; without it, a test that asks for them fails with one line
saying what to install.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, Generic, TypedDict, TypeVar

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette
    from starlette.types import ASGIApp

    from openrouter_stt import (
        AsyncOpenRouterSTT,
        AudioFormat,
        Clock,
        NotGiven,
        OpenRouterSTT,
        RetryPolicy,
    )

    from .config import MockConfig
    from .contract._replay import Replayer  # noqa: F401  # named as a string in a base class
    from .handle import MockHandle
    from .journal import Journal
    from .no_wait import NoWaitClock
    from .scenarios import Fault
    from .world import World

__all__ = [
    "MockFixture",
    "MockServer",
    "ReplayFixture",
    "openrouter_mock",
    "openrouter_mock_server",
    "openrouter_replay",
]

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


AppT = TypeVar("AppT", bound="ASGIApp")


class _InProcessClients(Generic[AppT]):
    """Clients served in process by one ASGI app, closed after the test; what the mock's and
    the replay's fixtures share."""

    def __init__(self, app: AppT) -> None:
        from .no_wait import NoWaitClock

        self.app = app
        #: The clock of the clients this fixture makes: their retries do not wait.
        self.clock: NoWaitClock = NoWaitClock()
        self._sync: list[httpx.Client] = []
        self._async: list[httpx.AsyncClient] = []

    def sample(self, format: AudioFormat = "wav") -> Path:
        """The path of the sample audio shipped with the mock, in ``format``: 9.2 s of speech
        whose transcript the default world knows (see :func:`openrouter_stt_mock.sample`)."""
        from .samples import sample

        return sample(format)

    def http_client(
        self, *, headers: Mapping[str, str] | None = None, timeout: float = 5.0
    ) -> httpx.Client:
        """An ``httpx.Client`` served by the app in process (closed after the test)."""
        import httpx

        from .in_process import IN_PROCESS_BASE_URL, sync_transport

        client = httpx.Client(
            transport=sync_transport(self.app),
            base_url=IN_PROCESS_BASE_URL,
            headers=headers,
            timeout=timeout,
        )
        self._sync.append(client)
        return client

    def async_http_client(
        self, *, headers: Mapping[str, str] | None = None, timeout: float = 5.0
    ) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` served by the app in process (closed after the test)."""
        import httpx

        from .in_process import IN_PROCESS_BASE_URL, async_transport

        client = httpx.AsyncClient(
            transport=async_transport(self.app),
            base_url=IN_PROCESS_BASE_URL,
            headers=headers,
            timeout=timeout,
        )
        self._async.append(client)
        return client

    def client(
        self,
        *,
        api_key: str | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = None,
        default_headers: Mapping[str, str] | None = None,
        wait: bool = False,
    ) -> OpenRouterSTT:
        """An ``OpenRouterSTT`` served in process, with the default world's key unless
        ``api_key`` says otherwise; its retries wait for real only with ``wait=True``."""
        from openrouter_stt import OpenRouterSTT

        return OpenRouterSTT(
            **self._client_options(api_key, max_retries, retry_policy, timeout, wait),
            default_headers=default_headers,
            http_client=self.http_client(),
        )

    def async_client(
        self,
        *,
        api_key: str | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = None,
        default_headers: Mapping[str, str] | None = None,
        wait: bool = False,
    ) -> AsyncOpenRouterSTT:
        """:meth:`client` for async code: an ``AsyncOpenRouterSTT``."""
        from openrouter_stt import AsyncOpenRouterSTT

        return AsyncOpenRouterSTT(
            **self._client_options(api_key, max_retries, retry_policy, timeout, wait),
            default_headers=default_headers,
            http_client=self.async_http_client(),
        )

    def _client_options(
        self,
        api_key: str | None,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        timeout: float | httpx.Timeout | None,
        wait: bool,
    ) -> _ClientOptions:
        from openrouter_stt import DEFAULT_TIMEOUT, NOT_GIVEN, Clock

        from .in_process import IN_PROCESS_BASE_URL
        from .world import DEFAULT_API_KEY

        return {
            "api_key": api_key or DEFAULT_API_KEY,
            "base_url": IN_PROCESS_BASE_URL,
            "max_retries": NOT_GIVEN if max_retries is None else max_retries,
            "retry_policy": retry_policy,
            "timeout": DEFAULT_TIMEOUT if timeout is None else timeout,
            "clock": Clock() if wait else self.clock,
        }

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


class MockFixture(_InProcessClients["Starlette"]):
    """A mock app for one test, with in-process clients wired to it.

    Attributes: ``app`` (the Starlette app), ``handle`` (its :class:`MockHandle`), ``journal``,
    ``world``, ``clock`` (the :class:`NoWaitClock` of the clients it makes); methods
    ``queue(...)`` (as :meth:`MockHandle.queue`), ``client(...)``, ``async_client(...)``,
    ``http_client(...)``, ``async_http_client(...)``, and ``sample(format)``, the path of the
    shipped audio the default world knows.

    Strict by default: a test that queues outcomes it never uses fails at teardown, since the
    requests it meant to shape did not happen. Set ``assert_all_used = False`` to allow it.
    """

    def __init__(self, app: Starlette) -> None:
        from .handle import get_handle

        super().__init__(app)
        self.handle: MockHandle = get_handle(app)
        #: Fail the test at teardown when planned outcomes were left unused.
        self.assert_all_used = True

    @property
    def journal(self) -> Journal:
        """Every exchange so far, with verdicts."""
        return self.handle.journal

    @property
    def world(self) -> World:
        """The world being served."""
        return self.handle.world

    def queue(
        self,
        status: int | None = None,
        *,
        latency: float = 0.0,
        fault: Fault | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        times: int = 1,
    ) -> None:
        """Plan the outcome of the next ``times`` requests (see :meth:`MockHandle.queue`)."""
        self.handle.queue(
            status, latency=latency, fault=fault, headers=headers, body=body, times=times
        )

    def verify(self) -> None:
        """Raise ``AssertionError`` if planned outcomes were left unused (when strict)."""
        pending = self.handle.scenarios.pending()
        if self.assert_all_used and pending:
            raise AssertionError(
                f"{len(pending)} planned outcome(s) never used: {list(pending)}; "
                "set openrouter_mock.assert_all_used = False to allow this"
            )


class ReplayFixture(_InProcessClients["Replayer"]):
    """Recorded cassettes (``openrouter-stt mock --record DIR``) answering one test in process.

    Attributes: ``directory``, ``app`` (the replay, an ASGI app), ``cassettes`` (their paths, in
    the order recorded), ``clock``; methods ``client(...)``, ``async_client(...)``,
    ``http_client(...)``, ``async_http_client(...)`` and ``sample(format)``, as
    :class:`MockFixture` has them. A request no cassette matches gets a 400 naming the nearest
    recording and what differed; a recording that broke off breaks off again (as
    ``httpx.RemoteProtocolError``). Key roles are counted afresh for each test: send the keys in
    the order they were recorded.
    """

    def __init__(self, directory: Path) -> None:
        from .contract._replay import Replayer

        replayer = Replayer(directory)
        super().__init__(replayer)
        self.directory = directory
        self.cassettes: list[Path] = [path for path, _ in replayer.cassettes]


class MockServer:
    """A mock served by uvicorn in a thread: ``url``, ``base_url`` (``url + "/api/v1"``),
    ``app`` and ``handle``."""

    def __init__(self, app: Starlette, url: str) -> None:
        from .handle import get_handle

        self.app = app
        self.url = url
        self.base_url = url + "/api/v1"
        self.handle: MockHandle = get_handle(app)


class _ClientOptions(TypedDict):
    api_key: str
    base_url: str
    max_retries: int | NotGiven
    retry_policy: RetryPolicy | None
    timeout: float | httpx.Timeout | None
    clock: Clock


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "openrouter_mock(world=None, config=None): the world (a World, or the path of a world "
        "file) or the whole MockConfig the openrouter_mock fixtures serve",
    )
    config.addinivalue_line(
        "markers",
        "openrouter_replay(directory): the folder of recorded cassettes (mock --record DIR) the "
        "openrouter_replay fixture answers from; a relative path is read from the test file's "
        "folder",
    )


def _marked_config(request: pytest.FixtureRequest) -> MockConfig:
    """The configuration a test's ``openrouter_mock`` marker asks for (default: the default)."""
    from .config import MockConfig
    from .world import World

    marker = request.node.get_closest_marker("openrouter_mock")
    options = dict(marker.kwargs) if marker is not None else {}
    config = options.pop("config", None)
    world = options.pop("world", None)
    if options or (marker is not None and marker.args):
        pytest.fail(
            "the openrouter_mock marker takes world= and config= only, "
            f"got {sorted(options) or list(marker.args if marker else ())}",
            pytrace=False,
        )
    if config is not None and world is not None:
        pytest.fail("the openrouter_mock marker takes world= or config=, not both", pytrace=False)
    if isinstance(world, str | os.PathLike):
        world = World.from_toml(Path(world))
    if config is None:
        config = MockConfig() if world is None else MockConfig(world=world)
    if not isinstance(config, MockConfig):
        pytest.fail(f"config= must be a MockConfig, got {type(config).__name__}", pytrace=False)
    return config


@pytest.fixture
def openrouter_mock(request: pytest.FixtureRequest) -> Iterator[MockFixture]:
    """A fresh mock (the default world, or the marker's), served in process; clients are
    closed afterwards."""
    with _needs_mock_extra("openrouter_mock"):
        from .app import create_app

    fixture = MockFixture(create_app(_marked_config(request)))
    try:
        yield fixture
    finally:
        fixture.close()
    fixture.verify()


@pytest.fixture
def openrouter_mock_server(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """A fresh mock (the default world, or the marker's), served by uvicorn on a free 127.0.0.1
    port."""
    with _needs_mock_extra("openrouter_mock_server"):
        from .app import create_app
        from .handle import get_handle
        from .server import bind, uvicorn_server

    app = create_app(_marked_config(request))
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


def _marked_cassettes(request: pytest.FixtureRequest) -> Path:
    """The folder a test's ``openrouter_replay`` marker names, read from the test file's folder
    when relative (so it holds wherever pytest runs from)."""
    marker = request.node.get_closest_marker("openrouter_replay")
    if marker is None:
        pytest.fail(
            "the openrouter_replay fixture needs a folder of cassettes: "
            '@pytest.mark.openrouter_replay("path/to/cassettes")',
            pytrace=False,
        )
    args, kwargs = list(marker.args), dict(marker.kwargs)
    if not args and kwargs.keys() == {"directory"}:
        args = [kwargs.pop("directory")]
    if len(args) != 1 or kwargs or not isinstance(args[0], str | os.PathLike):
        pytest.fail(
            "the openrouter_replay marker takes one folder (a path), "
            f"got {list(marker.args)} {dict(marker.kwargs)}",
            pytrace=False,
        )
    directory = Path(request.path).parent / Path(args[0])
    if not directory.is_dir():
        pytest.fail(f"openrouter_replay: no such folder of cassettes: {directory}", pytrace=False)
    return directory


@pytest.fixture
def openrouter_replay(request: pytest.FixtureRequest) -> Iterator[ReplayFixture]:
    """The cassettes the test's ``openrouter_replay`` marker names, answering in process;
    clients are closed afterwards."""
    with _needs_mock_extra("openrouter_replay"):
        from .contract import _replay  # noqa: F401  # the extra is checked before the marker

    fixture = ReplayFixture(_marked_cassettes(request))
    if not fixture.cassettes:
        pytest.fail(f"openrouter_replay: {fixture.directory} holds no cassettes", pytrace=False)
    try:
        yield fixture
    finally:
        fixture.close()


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
