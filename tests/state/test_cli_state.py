"""``openrouter-stt mock --state URL [--workers N]``: what is refused before serving."""

from __future__ import annotations

import pytest

from openrouter_stt_mock.cli import build_parser, main

from ._valkey import _free_port


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "2"], "workers must be 1, or more with state set"),
        (["--state", "http://127.0.0.1:1/0"], "Valkey/Redis URL"),
        (["--state", "redis://127.0.0.1:1/0", "--state-lease", "1"], "lease_seconds"),
    ],
)
def test_refused_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]):
    assert main(["--port", "0", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_store_that_does_not_answer_stops_the_start(capsys: pytest.CaptureFixture[str]):
    url = f"redis://127.0.0.1:{_free_port()}/0"
    assert main(["--port", "0", "--state", url, "--state-timeout", "0.5"]) == 1
    err = capsys.readouterr().err
    assert "state store cannot be reached" in err
    assert url in err


def test_workers_must_be_a_count():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--workers", "0"])
