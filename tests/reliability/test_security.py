"""Secrets and exposure: the API key never shows in logs, reprs, error messages or the journal;
keys are compared in constant time, against every key; the server binds loopback unless told
otherwise and warns when it is not; and the control routes can be switched off.
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from openrouter_stt import (
    APIStatusError,
    AsyncOpenRouterSTT,
    AuthenticationError,
    OpenRouterSTT,
    OpenRouterSTTError,
    RetryPolicy,
)
from openrouter_stt_mock import (
    KeySpec,
    MockConfig,
    ModelSpec,
    ProviderSpec,
    World,
    cli,
    create_app,
    gateway,
    get_handle,
    sync_transport,
)
from openrouter_stt_mock.errors import MockError

from ._support import DATA, MODEL, PRICE, ROOT_URL, server_process, thread_server, world_toml

SECRET = "sk-or-v1-reliability-0123456789abcdef-SECRET"
WRONG = "sk-or-v1-reliability-0123456789abcdef-WRONG"
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02, jitter=0.0)


def _world(**keys: KeySpec) -> World:
    return World(keys=keys, models={MODEL: ModelSpec((ProviderSpec("OpenAI", PRICE),))})


@pytest.fixture
def logged_server(caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Any, str]]:
    """A server whose every log record (uvicorn's access log included) reaches ``caplog``."""
    caplog.set_level(logging.DEBUG)
    app = create_app(MockConfig(world=_world(**{SECRET: KeySpec(Decimal(10))})))
    # log_config=None: uvicorn leaves logging alone, so its records reach the root logger.
    with thread_server(app, log_level="debug", access_log=True, log_config=None) as url:
        yield app, url


def _exchanges(url: str, app: Any) -> list[Any]:
    """Calls that succeed, fail, retry and break, sync and async; return what they raised."""
    handle = get_handle(app)
    raised: list[Any] = []
    audio = DATA / "hello.ogg"
    for key in (SECRET, WRONG):
        with OpenRouterSTT(key, base_url=url + "/api/v1", retry_policy=FAST) as client:
            raised.append(repr(client))
            retry_now = {"Retry-After": "0"}
            for plan in ({}, {"status": 503, "headers": retry_now, "times": 3}, {"fault": "reset"}):
                if plan:
                    handle.queue(**plan)
                try:
                    client.transcribe(audio, model=MODEL)
                except OpenRouterSTTError as exc:
                    raised.append(exc)
                handle.scenarios.clear()

        async def run(key: str = key) -> None:
            async with AsyncOpenRouterSTT(key, base_url=url + "/api/v1") as client:
                raised.append(repr(client))
                try:
                    await client.transcribe(audio, model=MODEL)
                except OpenRouterSTTError as exc:
                    raised.append(exc)

        anyio.run(run)
    return raised


def test_the_key_never_shows_in_logs_messages_reprs_or_the_journal(
    logged_server: tuple[Any, str], caplog: pytest.LogCaptureFixture
) -> None:
    app, url = logged_server
    raised = _exchanges(url, app)
    assert any(isinstance(exc, AuthenticationError) for exc in raised)
    assert any(record.name.startswith("uvicorn.access") for record in caplog.records)
    assert any(record.name == "openrouter_stt" for record in caplog.records)  # the retries

    handle = get_handle(app)
    public = [
        caplog.text,
        *(record.getMessage() for record in caplog.records),
        *(repr(record.args) for record in caplog.records),
        *(str(item) for item in raised),
        *(repr(item) for item in raised),
        *(repr(getattr(item, "args", "")) for item in raised),
        repr(handle),
        repr(handle.journal.entries),
        json.dumps(handle.journal.to_list()),
        httpx.get(url + "/_mock/journal").text,
        repr(FAST),
    ]
    for text in public:
        for secret in (SECRET, WRONG, SECRET[-12:], WRONG[-12:]):
            assert secret not in text
    headers = [entry.request.headers.get("authorization") for entry in handle.journal]
    assert set(headers) == {"Bearer [redacted]"}


def test_an_unexpected_fault_logs_no_key(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("validation blew up")

    monkeypatch.setattr(gateway, "open_body", broken)
    app = create_app(MockConfig(world=_world(**{SECRET: KeySpec(Decimal(10))})))
    with httpx.Client(transport=sync_transport(app), base_url=ROOT_URL) as http:
        answer = http.post(
            "/api/v1/audio/transcriptions",
            json={"model": MODEL},
            headers={"Authorization": f"Bearer {SECRET}"},
        )
    assert answer.status_code == 500
    assert answer.json()["error"]["message"] == "Internal Server Error"
    assert "validation blew up" in caplog.text  # the traceback is logged...
    assert SECRET not in caplog.text  # ...without the key
    assert SECRET not in answer.text


class _Spy:
    """A constant-time comparer that notes what each comparison was against."""

    def __init__(self) -> None:
        self.against: list[bytes] = []

    def __call__(self, a: bytes, b: bytes) -> bool:
        self.against.append(bytes(b))
        return hmac.compare_digest(a, b)


def test_keys_are_compared_in_constant_time_by_default() -> None:
    # The gateway's comparer is the standard library's constant-time one unless a caller (the
    # test below) hands it another.
    default = inspect.signature(gateway._authenticate).parameters["compare"].default
    assert default is hmac.compare_digest


@pytest.mark.parametrize("count", [4, 50])
def test_every_key_is_compared_whatever_is_presented(count: int) -> None:
    keys = {f"sk-or-mock-{n:04d}-{'x' * 20}": KeySpec(Decimal(1)) for n in range(count)}
    world = _world(**keys)
    first, last = next(iter(keys)), list(keys)[-1]
    presented = [
        first,  # the first key: a short-circuiting loop would stop here
        last,
        first[:12],  # a prefix of a real key
        first + "extra",
        first[:-1] + "y",  # differs only in the last character
        "sk-or-unrelated",
        "é" * 30,  # not ASCII
    ]
    for token in presented:
        spy = _Spy()
        try:
            found, _ = gateway._authenticate(f"Bearer {token}", world, spy)
        except MockError as exc:
            found, status = None, exc.status
        else:
            status = 200
        assert status == (200 if token in keys else 401)
        assert found == (token if token in keys else None)
        # Every key compared once, in full, whether or not (and wherever) one matched.
        assert sorted(spy.against) == sorted(key.encode() for key in keys), token


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("LocalHost", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_which_hosts_count_as_loopback(host: str, loopback: bool) -> None:
    assert cli._is_loopback(host) is loopback


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``cli.main`` would serve, captured instead of serving it: the address asked for is
    recorded, and a free loopback port bound in its place."""
    import uvicorn

    from openrouter_stt_mock import server

    seen: dict[str, Any] = {}
    real_bind = server.bind

    def fake_bind(host: str, port: int) -> socket.socket:
        seen.update(host=host, port=port)
        return real_bind("127.0.0.1", 0)

    def fake_run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        seen["app"] = self.config.app

    monkeypatch.setattr(server, "bind", fake_bind)
    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    monkeypatch.setattr(cli, "dedicate_process", lambda: None)
    return seen


def test_the_server_binds_loopback_by_default_and_says_nothing(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--port", "9"]) == 0
    assert served["host"] == "127.0.0.1"
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10"])
def test_binding_elsewhere_warns_on_stderr(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert cli.main(["--host", host, "--port", "9"]) == 0
    assert served["host"] == host  # what was asked (the fake binds loopback)
    err = capsys.readouterr().err
    assert "warning" in err
    assert host in err
    assert "127.0.0.1" in err


def test_the_fixture_server_listens_on_loopback(openrouter_mock_server: Any) -> None:
    assert openrouter_mock_server.url.startswith("http://127.0.0.1:")


def _control_statuses(http: httpx.Client) -> list[int]:
    return [
        http.get("/_mock/journal").status_code,
        http.post("/_mock/reset").status_code,
        http.get("/_mock/reset").status_code,
    ]


def test_control_routes_can_be_switched_off_in_python() -> None:
    for switch, expected in ((True, [200, 200, 405]), (False, [404, 404, 404])):
        app = create_app(MockConfig(control_routes=switch))
        with httpx.Client(transport=sync_transport(app), base_url=ROOT_URL) as http:
            assert _control_statuses(http) == expected
            assert http.get("/openapi.json").status_code == 200


def test_control_routes_can_be_switched_off_on_the_command_line(served: dict[str, Any]) -> None:
    assert cli.main(["--no-control-routes"]) == 0
    with httpx.Client(transport=sync_transport(served["app"]), base_url=ROOT_URL) as http:
        assert _control_statuses(http) == [404, 404, 404]


def test_control_routes_switched_off_on_a_real_server(tmp_path: Path) -> None:
    world = world_toml({"k": {"credit": Decimal(1)}})
    with server_process(tmp_path, "--no-control-routes", world=world) as server:
        with httpx.Client(base_url=server.url) as http:
            assert _control_statuses(http) == [404, 404, 404]
            assert http.get("/openapi.json").status_code == 200
        assert "warning" not in server.stderr()


def test_status_errors_keep_the_request_but_do_not_print_its_headers(
    logged_server: tuple[Any, str],
) -> None:
    app, url = logged_server
    with OpenRouterSTT(SECRET, base_url=url + "/api/v1", max_retries=0) as client:
        get_handle(app).queue(402)
        with pytest.raises(APIStatusError) as caught:
            client.transcribe(DATA / "hello.ogg", model=MODEL)
    error = caught.value
    assert SECRET not in f"{error} {error!r} {error.request!r} {error.response!r} {error.body}"
