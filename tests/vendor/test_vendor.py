"""A downstream SDK copies the client and its models under its own name, and they keep working."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
_vendor = importlib.import_module("_vendor")

# Runs inside a fresh virtual environment that has httpx and pydantic but not openrouter-stt.
CHECK = textwrap.dedent(
    """
    import base64, importlib.util, json, pathlib, sys
    import httpx

    assert importlib.util.find_spec("openrouter_stt") is None, "openrouter-stt is installed"
    assert importlib.util.find_spec("openrouter_stt_models") is None
    from acme_sdk._vendor import openrouter_stt as stt

    audio = pathlib.Path(sys.argv[1]).read_bytes()
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        seen.append(body)
        if body["model"] == "limited/model":
            return httpx.Response(429, headers={"Retry-After": "0"},
                                  json={"error": {"code": 429, "message": "Rate limit exceeded"}})
        return httpx.Response(200, headers={"X-Generation-Id": "gen-1"}, json={
            "text": "hello", "usage": {"seconds": 9.2, "cost": 0.000508, "input_tokens": 83,
                                       "output_tokens": 30, "total_tokens": 113}})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = stt.OpenRouterSTT(api_key="sk-or-vendored", http_client=http, max_retries=0)
    result = client.transcribe(audio, model="openai/whisper-large-v3", language="en", upload="json")
    assert result.text == "hello" and result.usage.total_tokens == 113, result
    assert type(result).__module__.startswith("acme_sdk._vendor.openrouter_stt_models")
    assert base64.b64decode(seen[0]["input_audio"]["data"]) == audio
    assert seen[0]["input_audio"]["format"] == "wav"
    try:
        client.transcribe(audio, model="limited/model", upload="json")
    except stt.RateLimitError as exc:
        assert exc.status_code == 429 and "Rate limit" in str(exc)
    else:
        raise AssertionError("a 429 must raise RateLimitError")
    try:
        client.transcribe(b"", model="openai/whisper-large-v3")
    except ValueError as exc:
        assert "audio" in str(exc)
    else:
        raise AssertionError("empty audio must be refused before sending")
    assert not any(m.startswith("openrouter_stt") for m in sys.modules), sorted(sys.modules)
    print("vendored copy works")
    """
)


def test_rewrite_moves_only_our_imports() -> None:
    source = textwrap.dedent(
        """
        import openrouter_stt_models
        import openrouter_stt_models as models
        from openrouter_stt_models import STTResponse
        from openrouter_stt.formats import sniff_format
        from openrouter_stt_extras import thing
        import httpx
        name = "openrouter_stt_models"
        """
    )
    out = _vendor.rewrite(source, "acme._vendor")
    assert "import acme._vendor.openrouter_stt_models\n" in out
    assert "import acme._vendor.openrouter_stt_models as models" in out
    assert "from acme._vendor.openrouter_stt_models import STTResponse" in out
    assert "from acme._vendor.openrouter_stt.formats import sniff_format" in out
    assert "from openrouter_stt_extras import thing" in out
    assert 'name = "openrouter_stt_models"' in out
    assert _vendor.leftover_imports(out, "acme._vendor") == ["openrouter_stt_extras"]


def test_vendor_refuses_a_module_it_cannot_rewrite(tmp_path: Path) -> None:
    assert _vendor.leftover_imports("import openrouter_stt_mock.app", "x") != []


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with only httpx and pydantic installed."""
    env = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "httpx>=0.27,<0.29", "pydantic>=2.7,<3"],
        check=True, capture_output=True,
    )  # fmt: skip
    return python


def test_vendored_copy_works_without_the_package(fresh_python: Path, tmp_path: Path) -> None:
    dest = tmp_path / "site" / "acme_sdk" / "_vendor"
    dest.mkdir(parents=True)
    (dest.parent / "__init__.py").write_text("", encoding="utf-8")
    (dest / "__init__.py").write_text("", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "_vendor.py"), str(dest), "acme_sdk._vendor"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not (dest / "openrouter_stt" / "_cli.py").exists()
    assert (dest / "openrouter_stt_models" / "openapi.json").exists()
    assert (dest / "openrouter_stt" / "py.typed").exists()

    script = tmp_path / "check.py"
    script.write_text(CHECK, encoding="utf-8")
    check = subprocess.run(
        [str(fresh_python), "-W", "error", str(script), str(ROOT / "tests" / "data" / "hello.wav")],
        capture_output=True, text=True, check=False, cwd=tmp_path / "site",
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "site")},
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "vendored copy works" in check.stdout


# Runs with the vendored copy on the path: what a downstream user sees of it.
NAMES = textwrap.dedent(
    """
    import logging, sys, traceback
    import httpx
    from acme_sdk._vendor import openrouter_stt as stt

    names = set()

    class Keep(logging.Handler):
        def emit(self, record):
            names.add(record.name)

    logging.getLogger().addHandler(Keep())
    logging.getLogger().setLevel(logging.DEBUG)
    busy = {"error": {"code": 503, "message": "busy"}}
    http = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(503, headers={"Retry-After": "0"}, json=busy)))
    client = stt.OpenRouterSTT(api_key="sk-or-vendored", http_client=http, max_retries=1)
    try:
        client.transcribe(sys.argv[1], model="openai/whisper-1")
    except stt.ServiceUnavailableError as exc:
        print(traceback.format_exception_only(exc)[-1].split(":")[0])
    print(sorted(name for name in names if "openrouter" in name))
    """
)


def test_the_copy_packages_names_and_logs_as_part_of_the_destination(tmp_path: Path) -> None:
    site = tmp_path / "src"
    (site / "acme_sdk").mkdir(parents=True)
    (site / "acme_sdk" / "__init__.py").write_text("", encoding="utf-8")
    dest = site / "acme_sdk" / "_vendor"  # not there yet: the command makes it a package
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "_vendor.py"), str(dest), "acme_sdk._vendor"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""

    # A setuptools build ships the packages find_packages finds, and only those.
    setuptools = pytest.importorskip("setuptools")
    assert set(setuptools.find_packages(site)) == {
        "acme_sdk",
        "acme_sdk._vendor",
        "acme_sdk._vendor.openrouter_stt",
        "acme_sdk._vendor.openrouter_stt_models",
    }
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    for name in ("openrouter_stt", "openrouter_stt_models"):
        assert (dest / name / "LICENSE").read_text(encoding="utf-8") == licence

    script = tmp_path / "names.py"
    script.write_text(NAMES, encoding="utf-8")
    check = subprocess.run(
        [sys.executable, "-W", "error", str(script), str(ROOT / "tests" / "data" / "hello.wav")],
        capture_output=True, text=True, check=False, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)},
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    # The exception and the log name the destination, never the private module or our package.
    assert check.stdout.splitlines() == [
        "acme_sdk._vendor.openrouter_stt.ServiceUnavailableError",
        "['acme_sdk._vendor.openrouter_stt']",
    ]


def test_an_existing_folder_without_init_is_reported(tmp_path: Path) -> None:
    dest = tmp_path / "acme_sdk" / "_vendor"
    dest.mkdir(parents=True)  # acme_sdk exists, without __init__.py: perhaps a namespace package
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "_vendor.py"), str(dest), "acme_sdk._vendor"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (dest / "__init__.py").exists()
    assert not (tmp_path / "acme_sdk" / "__init__.py").exists()
    assert f"note: {tmp_path / 'acme_sdk'} has no __init__.py" in result.stderr
