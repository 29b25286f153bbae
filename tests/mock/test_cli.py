"""``openrouter-stt mock``: arguments, the start banner, and the warning off loopback."""

from __future__ import annotations

import platform
import subprocess
import sys
from typing import Any

import pytest

from openrouter_stt_mock import cli, get_handle


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Capture what would be served instead of binding a port."""
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app: object, **kwargs: Any) -> None:
        seen["app"] = app
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    # The process settings are for the command's own process, not for the test run's.
    monkeypatch.setattr(cli, "dedicate_process", lambda: seen.setdefault("dedicated", True))
    return seen


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--host" in out
    assert "--port" in out
    assert "--world FILE" in out


def test_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--port", "many"]) == 2
    assert "invalid int value" in capsys.readouterr().err


def test_defaults_serve_on_loopback(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([]) == 0
    assert served["host"] == "127.0.0.1"
    assert served["port"] == 8080
    assert served["workers"] == 1
    captured = capsys.readouterr()
    assert "http://127.0.0.1:8080" in captured.out
    assert "/api/v1" in captured.out
    for key in ("sk-or-mock-ok", "sk-or-mock-broke", "sk-or-mock-limited", "sk-or-mock-disabled"):
        assert key in captured.out
    assert captured.err == ""


def test_warns_off_loopback(served: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--host", "0.0.0.0", "--port", "9000"]) == 0
    assert "warning" in capsys.readouterr().err
    assert served["port"] == 9000


def test_world_file(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    world = tmp_path / "world.toml"
    world.write_text('[keys."sk-mine"]\ncredit_usd = "2.5"\n', encoding="utf-8")
    assert cli.main(["--world", str(world)]) == 0
    assert "sk-mine: 2.5 USD" in capsys.readouterr().out
    assert get_handle(served["app"]).world.keys.keys() == {"sk-mine"}


def test_missing_or_broken_world_file(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    assert cli.main(["--world", str(tmp_path / "nope.toml")]) == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[surprise]\n", encoding="utf-8")
    assert cli.main(["--world", str(broken)]) == 2
    assert "unknown world tables" in capsys.readouterr().err


def test_python_dash_m(tmp_path: Any) -> None:
    import subprocess
    import sys

    result = subprocess.run(  # the test's own interpreter, a fixed command
        [sys.executable, "-m", "openrouter_stt_mock", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "openrouter-stt mock" in result.stdout


def test_the_command_dedicates_its_process_before_serving(served: dict[str, Any]) -> None:
    assert cli.main(["--port", "9123"]) == 0
    assert served["dedicated"] is True


@pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="a glibc setting"
)
def test_kept_heap_still_returns_a_large_upload_to_the_system() -> None:
    # In a process of its own: the setting is process-wide. 64 MiB, touched then freed, must
    # leave the process's resident memory where it was.
    script = """
import resource, sys
from openrouter_stt_mock.cli import _keep_freed_heap, dedicate_process
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()
assert _keep_freed_heap()
dedicate_process()
before = rss()
block = bytearray(64 * 1024 * 1024)
block[::4096] = b"x" * len(block[::4096])
during = rss()
del block
print(before, during, rss())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    before, during, after = map(int, done.stdout.split())
    assert during - before > 60 * 1024 * 1024
    assert after - before < 4 * 1024 * 1024
