"""Record, replay (and verify) as real processes on loopback: an upstream mock, the recorder in
front of it, then the replay of what was recorded; and an upstream that drops mid-answer."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openrouter_stt import BadRequestError, OpenRouterSTT
from openrouter_stt_mock import DEFAULT_API_KEY, sample
from openrouter_stt_mock.contract.cli import main as contract_main
from tests.contract_tools._documents import APRIL

# The installed command, run by the test's own interpreter.
COMMAND = [
    sys.executable,
    "-c",
    "import sys; from openrouter_stt._cli import main; sys.exit(main())",
]
# An upstream mock whose first answer breaks off after 16 bytes of a promised 1024.
DROPPING_UPSTREAM = """
from openrouter_stt_mock import create_app, get_handle, MockConfig
from openrouter_stt_mock.server import bind, uvicorn_server
config = MockConfig(port=0)
app = create_app(config)
get_handle(app).queue(fault="truncated")
sock = bind("127.0.0.1", 0)
url = f"http://127.0.0.1:{sock.getsockname()[1]}"
print(f"upstream on {url} (base URL {url}/api/v1)", flush=True)
uvicorn_server(app, config).run(sockets=[sock])
"""
_URL = re.compile(r" on (http://\S+) \(base URL")


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(  # the test's own interpreter, fixed commands
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = _URL.search(line)
    if match is None:
        process.kill()
        process.communicate()
        pytest.fail(f"no banner: {line!r} {process.communicate()[1]}")
    return process, match.group(1)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _serve(processes: list[subprocess.Popen[str]], args: list[str]) -> str:
    process, url = _start(args)
    processes.append(process)
    return url


def _client(url: str, key: str = DEFAULT_API_KEY) -> OpenRouterSTT:
    return OpenRouterSTT(key, base_url=f"{url}/api/v1", max_retries=0)


def test_record_then_replay_over_loopback(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    cassettes = tmp_path / "cassettes"
    upstream = _serve(processes, [sys.executable, "-m", "openrouter_stt_mock", "--port", "0"])
    recorder = _serve(
        processes,
        [*COMMAND, "mock", "--record", str(cassettes), "--upstream", upstream, "--port", "0"],
    )
    audio = sample("wav").read_bytes()
    with _client(recorder) as client:
        as_json = client.transcribe(
            audio, model="openai/whisper-large-v3", language="en", upload="json"
        )
        as_form = client.transcribe(
            audio, model="openai/whisper-1", upload="multipart", response_format="verbose_json"
        )
    with _client(upstream) as direct:
        assert direct.transcribe(
            audio, model="openai/whisper-large-v3", language="en", upload="json"
        ).text == (as_json.text)
    with _client(recorder, "sk-not-a-key") as stranger, pytest.raises(Exception, match="401"):
        stranger.transcribe(audio, model="openai/whisper-1")
    files = sorted(cassettes.glob("*.json"))
    assert [f.name for f in files] == [
        "0001-post-200.json",
        "0002-post-200.json",
        "0003-post-401.json",
    ]

    # Nothing secret reached the folder: no key, no audio in any encoding.
    for path in files:
        raw = path.read_bytes()
        text = raw.decode()
        assert DEFAULT_API_KEY not in text
        assert "sk-not-a-key" not in text
        assert audio[200:264] not in raw
        assert base64.b64encode(audio)[400:480].decode() not in text
    first = json.loads(files[0].read_text())
    assert list(first) == sorted(first)
    assert first["request"]["headers"]["authorization"] == "Bearer <redacted>"
    assert "user-agent" in first["request"]["dropped_headers"]
    account = first["request"]["body"]["json"]["input_audio"]["data"]
    assert account["size"] == len(audio)
    assert account["format"] == "wav"
    assert account["duration"] == pytest.approx(9.2, abs=0.05)
    assert first["match"]["key"] == "key-1"
    assert json.loads(files[2].read_text())["match"]["key"] == "key-2"
    form = json.loads(files[1].read_text())["request"]["body"]["form"]
    assert form["file"]["sha256"] == account["sha256"]
    assert form["file"]["filename"] == "*.wav"

    replay = _serve(processes, [*COMMAND, "mock", "--replay", str(cassettes), "--port", "0"])
    with _client(replay) as client:
        assert (
            client.transcribe(audio, model="openai/whisper-large-v3", language="en", upload="json")
            == as_json
        )
        again = client.transcribe(
            audio, model="openai/whisper-1", upload="multipart", response_format="verbose_json"
        )
        assert again == as_form
        with pytest.raises(BadRequestError) as refused:
            client.transcribe(audio, model="openai/whisper-large-v3", language="de", upload="json")
    message = str(refused.value)
    assert "no recording matches this request; the nearest is 0001-post-200.json" in message
    assert 'options (recorded {"language": "en"}, sent {"language": "de"})' in message


def test_an_upstream_that_drops_mid_answer_is_passed_through_and_recorded(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    cassettes = tmp_path / "cassettes"
    upstream = _serve(processes, [sys.executable, "-c", DROPPING_UPSTREAM])
    recorder = _serve(
        processes,
        [*COMMAND, "mock", "--record", str(cassettes), "--upstream", upstream, "--port", "0"],
    )
    body = {
        "model": "openai/whisper-1",
        "input_audio": {
            "data": base64.b64encode(sample("wav").read_bytes()).decode(),
            "format": "wav",
        },
    }
    headers = {"authorization": f"Bearer {DEFAULT_API_KEY}"}
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{recorder}/api/v1/audio/transcriptions", json=body, headers=headers)
    (path,) = cassettes.glob("*.json")
    response = json.loads(path.read_text())["response"]
    assert response["complete"] is False
    assert response["error"].startswith("the upstream broke the connection after 16 bytes")
    assert response["text"] == '{"text": "cut sh'
    assert response["headers"]["content-length"] == "1024"

    replay = _serve(processes, [*COMMAND, "mock", "--replay", str(cassettes), "--port", "0"])
    with httpx.stream(
        "POST", f"{replay}/api/v1/audio/transcriptions", json=body, headers=headers
    ) as answer:
        assert answer.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            answer.read()


def test_verify_judges_recordings_and_names_each_deviation(
    tmp_path: Path, processes: list[subprocess.Popen[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    cassettes = tmp_path / "cassettes"
    upstream = _serve(processes, [sys.executable, "-m", "openrouter_stt_mock", "--port", "0"])
    recorder = _serve(
        processes,
        [*COMMAND, "mock", "--record", str(cassettes), "--upstream", upstream, "--port", "0"],
    )
    with _client(recorder) as client:
        client.transcribe(sample("mp3"), model="openai/whisper-1", upload="multipart")
    assert contract_main(["verify", str(cassettes)]) == 0
    assert capsys.readouterr().out == "0001-post-200.json: fits openrouter-stt.yaml (ours)\n"
    april = ["--spec", str(APRIL)]
    assert contract_main(["verify", str(cassettes), *april]) == 1
    assert (
        "request: content type 'multipart/form-data' is not documented" in capsys.readouterr().out
    )

    # A service that changed: another status, a field missing, a required header gone.
    (path,) = cassettes.glob("*.json")
    cassette = json.loads(path.read_text())
    del cassette["response"]["json"]["text"]
    del cassette["response"]["headers"]["x-generation-id"]
    path.write_text(json.dumps(cassette))
    (cassettes / "0002-post-418.json").write_text(
        json.dumps({**cassette, "response": {**cassette["response"], "status": 418}})
    )
    assert contract_main(["verify", str(cassettes)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "0001-post-200.json: deviates from openrouter-stt.yaml (ours)",
        "  response header X-Generation-Id: required but absent",
        "  response (body): 'text' is a required property",
        "0002-post-418.json: deviates from openrouter-stt.yaml (ours)",
        "  status 418 is not documented",
    ]
