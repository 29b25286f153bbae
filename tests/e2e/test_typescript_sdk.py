"""The official TypeScript SDK (``@openrouter/sdk``), run by node, against the mock process.

``node/stt.mjs`` makes the SDK's calls (``stt.createTranscription``, base64 JSON, and
``stt.createTranscriptionMultipart``, multipart/form-data) and prints what the SDK returned or
raised. The SDK is pinned in ``node/package.json`` and ``node/package-lock.json``. On first use
they are copied to ``.venv/e2e-node`` (or ``$E2E_NODE_DIR``) and installed there by ``npm ci``,
again only when they change: like the Python dependencies, the packages live in the environment,
which git and the sdist leave out (hatch reads only the root ``.gitignore``). Without node 18+
and npm the module is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openrouter_stt_mock import DEFAULT_API_KEY
from tests.e2e._timeline import MP3_SECONDS, Span, check_timeline
from tests.e2e.conftest import Server

SOURCE = Path(__file__).with_name("node")
MANIFESTS = ("package.json", "package-lock.json")
ROOT = Path(__file__).resolve().parents[2]
INSTALL_DIR = Path(os.environ.get("E2E_NODE_DIR") or ROOT / ".venv" / "e2e-node")
SCRIPT = INSTALL_DIR / "stt.mjs"
#: Written after a successful install: the sha256 of the manifests it installed.
STAMP = INSTALL_DIR / "node_modules" / ".installed-sha256"
MP3 = Path(__file__).resolve().parents[1] / "data" / "hello.mp3"
MODEL = "openai/whisper-1"
#: The SDK uses the global fetch, FormData and Blob of node 18 and later.
NODE_MAJOR = 18
INSTALL_SECONDS = 300
RUN_SECONDS = 60


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One installer at a time: another pytest may run the suite on the same checkout."""
    INSTALL_DIR.mkdir(parents=True, exist_ok=True)
    with (INSTALL_DIR / ".install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest() -> str:
    return hashlib.sha256(b"".join((SOURCE / name).read_bytes() for name in MANIFESTS)).hexdigest()


def _installed() -> bool:
    return STAMP.is_file() and STAMP.read_text(encoding="utf-8").strip() == _digest()


@pytest.fixture(scope="module")
def node() -> str:
    """The node command, with the pinned SDK installed beside ``stt.mjs``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not on PATH (install Node.js 18+ with npm)")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.strip()
    found = re.match(r"v(\d+)\.", version)
    if found is None or int(found.group(1)) < NODE_MAJOR:
        pytest.skip(f"the SDK needs node {NODE_MAJOR}+, found {version!r}")
    with _install_lock():
        if not _installed():
            for name in MANIFESTS:
                shutil.copyfile(SOURCE / name, INSTALL_DIR / name)
            # --ignore-scripts: the SDK's only install script checks its own types, and may fail.
            done = subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=INSTALL_DIR,
                capture_output=True,
                text=True,
                timeout=INSTALL_SECONDS,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(f"npm ci in {INSTALL_DIR} failed ({done.returncode}):\n{done.stderr}")
            STAMP.write_text(_digest() + "\n", encoding="utf-8")
        # Beside its node_modules, where node looks for the SDK the script imports.
        shutil.copyfile(SOURCE / "stt.mjs", SCRIPT)
    return node


def run_sdk(node: str, server: Server, calls: list[dict[str, Any]], api_key: str) -> list[Any]:
    """Each call made in order by one node process; what the SDK returned or raised for each."""
    document = {"serverURL": server.base_url, "apiKey": api_key, "calls": calls}
    done = subprocess.run(
        [node, str(SCRIPT)],
        cwd=INSTALL_DIR,
        input=json.dumps(document),
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[Any] = json.loads(done.stdout)
    assert len(results) == len(calls)
    return results


def as_json(**request: Any) -> dict[str, Any]:
    return {
        "op": "json",
        "request": {"model": MODEL, **request},
        "audio": {"path": str(MP3), "format": "mp3"},
    }


def as_multipart(**request: Any) -> dict[str, Any]:
    return {
        "op": "multipart",
        "request": {"model": MODEL, **request},
        "audio": {"path": str(MP3), "fileName": "hello.mp3"},
    }


UPLOADS = {"json": as_json, "multipart": as_multipart}


def answer(result: dict[str, Any]) -> dict[str, Any]:
    assert result["ok"], result["error"]
    value: dict[str, Any] = result["value"]
    return value


def check_verbose(value: dict[str, Any], transcript: str, *, words: bool) -> None:
    assert value["text"] == transcript
    assert value["task"] == "transcribe"
    assert value["language"] == "english"
    assert ("words" in value) is words
    check_timeline(
        transcript,
        value["duration"],
        [Span(s["text"], s["start"], s["end"]) for s in value["segments"]],
        [Span(w["word"], w["start"], w["end"]) for w in value["words"]] if words else None,
    )


def test_json_answer_from_both_operations(
    node: str, server: Server, sample_transcript: str
) -> None:
    results = run_sdk(node, server, [as_json(), as_multipart()], DEFAULT_API_KEY)
    for result in results:
        value = answer(result)
        assert value["text"] == sample_transcript
        assert value["usage"]["seconds"] == MP3_SECONDS
        assert value["usage"]["cost"] > 0
        assert "segments" not in value


def test_verbose_json_with_segments(node: str, server: Server, sample_transcript: str) -> None:
    calls = [
        upload(responseFormat="verbose_json", timestampGranularities=["segment"])
        for upload in UPLOADS.values()
    ]
    for result in run_sdk(node, server, calls, DEFAULT_API_KEY):
        check_verbose(answer(result), sample_transcript, words=False)


def test_verbose_json_with_words_in_json(node: str, server: Server, sample_transcript: str) -> None:
    call = as_json(responseFormat="verbose_json", timestampGranularities=["word", "segment"])
    [result] = run_sdk(node, server, [call], DEFAULT_API_KEY)
    check_verbose(answer(result), sample_transcript, words=True)


def test_verbose_json_with_words_in_multipart(
    node: str, server: Server, sample_transcript: str
) -> None:
    call = as_multipart(responseFormat="verbose_json", timestampGranularities=["word", "segment"])
    [result] = run_sdk(node, server, [call], DEFAULT_API_KEY)
    check_verbose(answer(result), sample_transcript, words=True)


@pytest.mark.parametrize(
    ("api_key", "model", "name", "status"),
    [
        ("sk-or-mock-nobody", MODEL, "UnauthorizedResponseError", 401),
        ("sk-or-mock-broke", MODEL, "PaymentRequiredResponseError", 402),
        (DEFAULT_API_KEY, "nobody/no-model", "NotFoundResponseError", 404),
    ],
    ids=["401 unknown key", "402 no credit", "404 unknown model"],
)
def test_errors_raise_the_sdks_classes(
    node: str, server: Server, api_key: str, model: str, name: str, status: int
) -> None:
    calls = [upload(model=model) for upload in UPLOADS.values()]
    for result in run_sdk(node, server, calls, api_key):
        assert not result["ok"], result["value"]
        error = result["error"]
        assert error["name"] == name
        assert error["isOpenRouterError"]
        assert error["statusCode"] == status
        assert error["error"]["code"] == status
        assert error["message"] == error["error"]["message"]


@pytest.mark.parametrize("upload", UPLOADS)
def test_the_third_request_in_the_window_raises_too_many_requests(
    node: str, server: Server, sample_transcript: str, upload: str
) -> None:
    calls = [UPLOADS[upload]() for _ in range(3)]
    first, second, third = run_sdk(node, server, calls, "sk-or-mock-limited")
    assert answer(first)["text"] == answer(second)["text"] == sample_transcript
    assert not third["ok"]
    assert third["error"]["name"] == "TooManyRequestsResponseError"
    assert third["error"]["statusCode"] == 429
