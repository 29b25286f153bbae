"""The pytest fixtures: in process, and one real uvicorn server over loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

import openrouter_stt
import openrouter_stt_mock
from openrouter_stt import AudioFormat
from openrouter_stt_mock import (
    IN_PROCESS_BASE_URL,
    SAMPLE_TEXT,
    KeySpec,
    MockConfig,
    World,
    get_handle,
    sample,
)
from openrouter_stt_mock.pytest_plugin import MockFixture, MockServer, ReplayFixture

from .conftest import ENDPOINT, auth, body

needs_client = pytest.mark.skipif(
    not hasattr(openrouter_stt, "OpenRouterSTT"),
    reason="the client package has no OpenRouterSTT yet",
)


def test_fixture_gives_a_fresh_world(openrouter_mock: MockFixture) -> None:
    assert openrouter_mock.handle.balance("sk-or-mock-ok") == 1000
    assert "openai/whisper-large-v3" in openrouter_mock.world.models
    assert len(openrouter_mock.journal) == 0
    assert get_handle(openrouter_mock.app) is openrouter_mock.handle
    assert str(openrouter_mock.http_client().base_url) == IN_PROCESS_BASE_URL + "/"


def test_fixture_is_strict_about_unused_outcomes(openrouter_mock: MockFixture) -> None:
    openrouter_mock.queue(500)
    with pytest.raises(AssertionError, match="never used"):
        openrouter_mock.verify()
    openrouter_mock.assert_all_used = False
    openrouter_mock.verify()


def test_fixture_http_clients(openrouter_mock: MockFixture) -> None:
    client = openrouter_mock.http_client()
    openrouter_mock.queue(503)
    response = client.post("/audio/transcriptions", json=body(), headers=auth())
    assert response.status_code == 503
    assert openrouter_mock.journal.last.response.status == 503


@pytest.mark.anyio
async def test_fixture_async_http_client(openrouter_mock: MockFixture) -> None:
    client = openrouter_mock.async_http_client()
    response = await client.post("/audio/transcriptions", json=body(), headers=auth())
    assert response.status_code == 200


@needs_client
def test_fixture_client(openrouter_mock: MockFixture, data_dir: object) -> None:
    from pathlib import Path

    assert isinstance(data_dir, Path)
    client = openrouter_mock.client(max_retries=0)
    result = client.transcribe(data_dir / "hello.wav", model="openai/whisper-large-v3")
    assert result.text.startswith("Hello, this is a test")
    assert result.usage is not None
    assert result.usage.total_tokens == 113
    assert openrouter_mock.journal.last.verdict.request_valid


@needs_client
@pytest.mark.anyio
async def test_fixture_async_client(openrouter_mock: MockFixture, data_dir: object) -> None:
    from pathlib import Path

    assert isinstance(data_dir, Path)
    client = openrouter_mock.async_client(max_retries=0)
    openrouter_mock.queue(402)
    with pytest.raises(openrouter_stt.PaymentRequiredError):
        await client.transcribe(data_dir / "hello.wav", model="openai/whisper-large-v3")


def test_uvicorn_server_for_real(openrouter_mock_server: MockServer) -> None:
    server = openrouter_mock_server
    assert server.base_url == server.url + "/api/v1"
    assert server.url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(5, read=0.5)) as client:
        response = client.post(ENDPOINT, json=body(), headers=auth())
        assert response.status_code == 200
        assert response.json()["usage"]["cost"] == 0.000508

        server.handle.queue(fault="reset")
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(ENDPOINT, json=body(), headers=auth())

        server.handle.queue(fault="truncated")
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(ENDPOINT, json=body(), headers=auth())

        server.handle.queue(fault="stall")
        with pytest.raises(httpx.ReadTimeout):
            client.post(ENDPOINT, json=body(), headers=auth())

        assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200
        journal = client.get("/_mock/journal").json()
    assert [entry["response"]["fault"] for entry in journal] == [
        None,
        "reset",
        "truncated",
        "stall",
        None,
    ]


def test_uvicorn_413_for_an_honest_big_body(openrouter_mock_server: MockServer) -> None:
    # Streamed without Content-Length: the server counts while reading and stops at the limit.
    limit = openrouter_mock_server.handle.world.limits.max_body_bytes
    chunk = b"a" * 65536
    chunks = iter([b'{"pad": "'] + [chunk] * (limit // len(chunk) + 1) + [b'"}'])
    with httpx.Client(base_url=openrouter_mock_server.url, timeout=10) as client:
        response = client.post(ENDPOINT, content=chunks, headers=auth())
    assert response.status_code == 413
    assert response.json()["error"]["metadata"]["limit_bytes"] == limit


def test_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, openrouter_stt_mock.pytest_plugin as p; "
        "heavy = {'starlette', 'uvicorn', 'httpx', 'jsonschema', 'mutagen', 'openrouter_stt'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run(  # the test's own interpreter, a fixed command
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_server_class_is_plain() -> None:
    assert MockServer.__doc__


@needs_client
@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "m4a", "ogg", "webm", "aac"])
def test_the_shipped_samples_work_from_any_folder(
    openrouter_mock: MockFixture,
    fmt: AudioFormat,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An installed package has no tests/data: the fixture's samples come with the mock itself.
    monkeypatch.chdir(tmp_path)
    path = openrouter_mock.sample(fmt)
    assert path == sample(fmt)
    assert path.is_relative_to(Path(openrouter_stt_mock.__file__).parent)
    result = openrouter_mock.client().transcribe(path, model="openai/whisper-large-v3")
    assert result.text == SAMPLE_TEXT
    assert result.usage is not None
    assert result.usage.seconds == pytest.approx(9.2, abs=0.2)  # codecs pad a little


def test_there_is_no_sample_in_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="no sample in 'opus'; there is one in each of"):
        sample("opus")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fixture", ["openrouter_mock", "openrouter_mock_server", "openrouter_replay"]
)
def test_without_the_mock_extra_the_fixtures_say_what_to_install(
    fixture: str, tmp_path: Path
) -> None:
    # As in a project that installed openrouter-stt without [mock]: starlette cannot be imported.
    (tmp_path / "conftest.py").write_text(
        "import sys\nsys.modules['starlette'] = None\n", encoding="utf-8"
    )
    (tmp_path / "test_it.py").write_text(f"def test_it({fixture}):\n    pass\n", encoding="utf-8")
    result = subprocess.run(  # the test's own interpreter, a fixed command
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_it.py"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"the {fixture} fixture needs the mock extra (starlette is not installed): "
        "pip install 'openrouter-stt[mock]'"
    ) in result.stdout
    assert "ModuleNotFoundError" not in result.stdout


def test_the_fixture_classes_are_importable_from_the_package() -> None:
    assert openrouter_stt_mock.MockFixture is MockFixture
    assert openrouter_stt_mock.MockServer is MockServer


def test_fixture_clients_retry_without_waiting(openrouter_mock: MockFixture) -> None:
    client = openrouter_mock.client()
    started = time.monotonic()
    # No provider of this model is available: 503 with Retry-After 5, retried twice.
    with pytest.raises(openrouter_stt.ServiceUnavailableError):
        client.transcribe(sample("wav"), model="mock/no-provider")
    assert len(openrouter_mock.journal) == 3
    assert openrouter_mock.clock.slept == 10  # what the two retries would have waited
    assert time.monotonic() - started < 5  # and did not: a real wait takes 10 s


@pytest.mark.anyio
async def test_async_fixture_clients_retry_without_waiting(openrouter_mock: MockFixture) -> None:
    client = openrouter_mock.async_client(max_retries=1)
    openrouter_mock.queue(429)
    result = await client.transcribe(sample("wav"), model="openai/whisper-large-v3")
    assert result.text == SAMPLE_TEXT
    assert openrouter_mock.clock.slept == 1  # the forced 429's Retry-After


def test_a_fixture_client_waits_for_real_when_asked(openrouter_mock: MockFixture) -> None:
    client = openrouter_mock.client(wait=True)
    openrouter_mock.queue(503)  # forced: Retry-After 1
    started = time.monotonic()
    assert client.transcribe(sample("wav"), model="openai/whisper-large-v3").text == SAMPLE_TEXT
    assert time.monotonic() - started >= 1
    assert openrouter_mock.clock.slept == 0


_BROKE_ONLY = World(keys={"sk-only": KeySpec(Decimal(0))}, models=World.default().models)


@pytest.mark.openrouter_mock(world=_BROKE_ONLY)
def test_the_marker_chooses_the_world(openrouter_mock: MockFixture) -> None:
    assert set(openrouter_mock.world.keys) == {"sk-only"}
    client = openrouter_mock.client(api_key="sk-only")
    with pytest.raises(openrouter_stt.PaymentRequiredError):
        client.transcribe(sample("wav"), model="openai/whisper-large-v3")


_WORLD_FILE = str(Path(openrouter_stt_mock.__file__).with_name("default_world.toml"))


@pytest.mark.openrouter_mock(world=_WORLD_FILE)
def test_the_marker_takes_a_world_file(openrouter_mock_server: MockServer) -> None:
    assert "sk-or-mock-limited" in openrouter_mock_server.handle.world.keys


@pytest.mark.openrouter_mock(config=MockConfig(control_routes=False))
def test_the_marker_takes_a_whole_configuration(openrouter_mock: MockFixture) -> None:
    response = openrouter_mock.http_client().get("/_mock/journal")
    assert response.status_code == 404


# Recorded once by `openrouter-stt mock --record` in front of the mock (the default world), with
# the shipped samples: a JSON upload, a multipart verbose_json upload, a 402 for a second key,
# and (from an upstream that broke off) an answer cut after 16 bytes.
CASSETTES = "../data/cassettes"


@needs_client
@pytest.mark.openrouter_replay(CASSETTES)
def test_replay_answers_the_recorded_requests(openrouter_replay: ReplayFixture) -> None:
    from openrouter_stt import PaymentRequiredError

    assert [path.name for path in openrouter_replay.cassettes] == [
        "0001-post-200.json",
        "0002-post-200.json",
        "0003-post-402.json",
        "0004-post-200.json",
    ]
    client = openrouter_replay.client()
    audio = openrouter_replay.sample("wav")
    result = client.transcribe(audio, model="openai/whisper-large-v3", language="en", upload="json")
    assert result.text == SAMPLE_TEXT
    verbose = client.transcribe(
        audio,
        model="openai/whisper-1",
        upload="multipart",
        response_format="verbose_json",
        timestamp_granularities=["segment"],
    )
    assert verbose.segments
    # The second key the replay sees plays the second key recorded.
    broke = openrouter_replay.client(api_key="sk-anything-else")
    with pytest.raises(PaymentRequiredError):
        broke.transcribe(audio, model="openai/whisper-large-v3", upload="json")


@needs_client
@pytest.mark.openrouter_replay(directory=CASSETTES)
def test_replay_refuses_what_was_not_recorded(openrouter_replay: ReplayFixture) -> None:
    from openrouter_stt import BadRequestError

    client = openrouter_replay.client()
    with pytest.raises(BadRequestError) as refused:
        client.transcribe(
            openrouter_replay.sample("wav"),
            model="openai/whisper-large-v3",
            language="de",
            upload="json",
        )
    message = str(refused.value)
    assert "the nearest is 0001-post-200.json" in message
    assert 'options (recorded {"language": "en"}, sent {"language": "de"})' in message


@pytest.mark.anyio
@pytest.mark.openrouter_replay(CASSETTES)
async def test_replay_breaks_off_where_the_recording_did(
    openrouter_replay: ReplayFixture,
) -> None:
    import base64

    audio = base64.b64encode(openrouter_replay.sample("mp3").read_bytes()).decode()
    request = {"model": "openai/whisper-1", "input_audio": {"format": "mp3", "data": audio}}
    client = openrouter_replay.async_http_client(headers=auth())
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/audio/transcriptions", json=request)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("", "needs a folder of cassettes"),
        ("@pytest.mark.openrouter_replay('a', 'b')", "takes one folder"),
        ("@pytest.mark.openrouter_replay('missing')", "no such folder of cassettes"),
        ("@pytest.mark.openrouter_replay('.')", "holds no cassettes"),
    ],
)
def test_the_replay_marker_is_checked(marker: str, message: str, tmp_path: Path) -> None:
    (tmp_path / "test_it.py").write_text(
        f"import pytest\n{marker}\ndef test_it(openrouter_replay):\n    pass\n",
        encoding="utf-8",
    )
    result = subprocess.run(  # the test's own interpreter, a fixed command
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_it.py"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout
