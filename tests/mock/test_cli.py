"""``openrouter-stt mock``: arguments, the start banner, and the warning off loopback."""

from __future__ import annotations

import platform
import re
import signal
import socket
import subprocess
import sys
from typing import Any

import httpx
import pytest

from openrouter_stt_mock import cli, get_handle


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Capture what would be served instead of serving it; the port asked for is recorded and
    a free one bound in its place."""
    import uvicorn

    from openrouter_stt_mock import server

    seen: dict[str, Any] = {}
    real_bind = server.bind

    def fake_bind(host: str, port: int) -> socket.socket:
        seen.update(host=host, port=port)
        return real_bind(host, 0)

    def fake_run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        seen["app"] = self.config.app
        seen["config"] = self.config
        seen["bound"] = None if sockets is None else sockets[0].getsockname()[1]

    monkeypatch.setattr(server, "bind", fake_bind)
    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
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
    assert served["config"].workers == 1
    captured = capsys.readouterr()
    assert (
        f"http://127.0.0.1:{served['bound']}" in captured.out
    )  # the port bound, not the one asked for
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
    out = capsys.readouterr().out
    # A world file's keys may be real secrets of someone's tests: counted, not shown.
    assert "sk-mine" not in out
    assert "1 key (--list-keys to show them)" in out
    assert get_handle(served["app"]).world.keys.keys() == {"sk-mine"}

    assert cli.main(["--world", str(world), "--list-keys"]) == 0
    assert "key sk-mine: 2.5 USD" in capsys.readouterr().out


def test_a_broken_world_file_lists_every_problem_without_a_traceback(tmp_path: Any) -> None:
    world = tmp_path / "world.toml"
    world.write_text(
        '[keys."sk-a"]\ncredit_usd = "abc"\n[keys."sk-b"]\ncredit = 5\n'
        "[limits]\nmax_body_byts = 1\n",
        encoding="utf-8",
    )
    result = subprocess.run(  # the test's own interpreter, a fixed command
        [sys.executable, "-m", "openrouter_stt_mock", "--world", str(world), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"openrouter-stt mock: cannot load the world: 3 problems in {world}:"
    assert lines[1].startswith("  [keys.\"sk-a\"] credit_usd = 'abc': should be a valid decimal")
    assert lines[2].startswith('  [keys."sk-b"] credit: unknown field (did you mean')
    assert lines[3].startswith("  [limits] max_body_byts: unknown field (did you mean")


def test_a_port_in_use_is_one_line_and_no_banner(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["--port", str(port)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # no banner for a server that never served
    assert captured.err == (
        f"openrouter-stt mock: cannot listen on 127.0.0.1:{port}: address already in use; "
        "pick another with --port, or --port 0 for a free one\n"
    )


def test_port_0_serves_on_a_free_port_and_says_which() -> None:
    # A real server: the banner is printed once the port is bound, and names it.
    server = subprocess.Popen(  # the test's own interpreter, a fixed command
        [sys.executable, "-m", "openrouter_stt_mock", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        match = re.fullmatch(
            r"openrouter-stt mock on http://127\.0\.0\.1:(\d+) \(base URL (\S+)\)\n", first
        )
        assert match, first
        port = int(match[1])
        assert port != 0
        assert match[2] == f"http://127.0.0.1:{port}/api/v1"
        response = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=10)
        assert response.status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "Traceback" not in err


def test_missing_or_broken_world_file(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    assert cli.main(["--world", str(tmp_path / "nope.toml")]) == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[surprise]\n", encoding="utf-8")
    assert cli.main(["--world", str(broken)]) == 2
    assert "surprise: unknown table; accepted: keys, models" in capsys.readouterr().err


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
