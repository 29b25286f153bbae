"""The ``openrouter-stt`` command line."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import httpx
import pytest
import respx

from openrouter_stt import __version__
from openrouter_stt._cli import main

from .conftest import API_KEY, BASE_URL, OK_BODY, VERBOSE_BODY, sent
from .test_requests import Pipe


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", API_KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", BASE_URL)
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@pytest.fixture
def wav(data_dir: Path) -> str:
    return str(data_dir / "hello.wav")


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("openrouter-stt: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_prints_the_text(
    env: None, route: respx.Route, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav]) == 0
    out, err = capsys.readouterr()
    assert out == "hello\n"
    assert err == ""
    got = sent(route.calls.last.request)
    assert got.fields["model"] == "openai/whisper-large-v3"
    assert got.format == "wav"


def test_json_prints_the_whole_response(
    env: None, route: respx.Route, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == OK_BODY


def test_options_reach_the_request(
    env: None, route: respx.Route, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(b"\x00\x01\x02\x03")
    code = main(
        [
            "transcribe",
            str(path),
            "--model",
            "openai/whisper-1",
            "--language",
            "ja",
            "--temperature",
            "0.3",
            "--format",
            "aac",
        ]
    )
    assert code == 0
    got = sent(route.calls.last.request)
    assert got.fields == {"model": "openai/whisper-1", "language": "ja", "temperature": 0.3}
    assert got.format == "aac"


@pytest.fixture
def verbose_route(router: respx.MockRouter) -> respx.Route:
    segments = [
        {"id": 0, "start": 0.0, "end": 4.5, "text": " Hello there."},
        {"id": 1, "start": 4.5, "end": 65.25, "text": " General Kenobi."},
    ]
    return router.post("/audio/transcriptions").respond(
        200, json={**VERBOSE_BODY, "segments": segments}
    )


def test_verbose_json_prints_a_line_per_segment(
    env: None, verbose_route: respx.Route, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav, "--response-format", "verbose_json"]) == 0
    assert capsys.readouterr().out == (
        "[00:00.000 --> 00:04.500] Hello there.\n[00:04.500 --> 01:05.250] General Kenobi.\n"
    )
    fields = sent(verbose_route.calls.last.request).fields
    assert fields["response_format"] == "verbose_json"
    assert "timestamp_granularities" not in fields


def test_granularity_word_implies_verbose_json_and_prints_words(
    env: None, verbose_route: respx.Route, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav, "--granularity", "word", "--granularity", "segment"]) == 0
    assert capsys.readouterr().out == "[00:00.400 --> 00:00.900] hello\n"
    fields = sent(verbose_route.calls.last.request).fields
    assert fields["response_format"] == "verbose_json"
    assert fields["timestamp_granularities"] == ["word", "segment"]


def test_verbose_json_with_json_prints_the_whole_answer(
    env: None, verbose_route: respx.Route, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav, "--granularity", "word", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["duration"] == 9.2
    assert [s["text"] for s in printed["segments"]] == [" Hello there.", " General Kenobi."]
    assert printed["words"] == VERBOSE_BODY["words"]


def test_granularity_with_plain_json_is_refused(
    env: None, no_route: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav, "--response-format", "json", "--granularity", "word"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--granularity: timestamps come only with --response-format verbose_json" in line


@pytest.mark.parametrize("form", ["json", "multipart"])
def test_upload_picks_the_form(
    env: None, route: respx.Route, wav: str, form: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav, "--upload", form]) == 0
    got = sent(route.calls.last.request)
    assert (got.form, got.audio) == (form, Path(wav).read_bytes())


def test_upload_over_the_cap_exits_2(
    env: None,
    no_route: respx.MockRouter,
    wav: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("openrouter_stt._body.MULTIPART_MAX_BYTES", 100)
    assert main(["transcribe", wav, "--upload", "multipart"]) == 2
    assert "upload: the audio is" in one_error_line(capsys.readouterr().err)


def test_an_unknown_upload_form_is_an_argparse_error(
    env: None, no_route: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["transcribe", wav, "--upload", "form"])
    assert caught.value.code == 2
    assert "invalid choice: 'form'" in capsys.readouterr().err


def test_bad_input_exits_2_with_one_line(
    env: None, no_route: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", wav, "--language", "english"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "language: 'english' is not an ISO-639-1 code" in line


def test_missing_file_exits_2(
    env: None, no_route: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", str(tmp_path / "gone.wav")]) == 2
    assert "no file at" in one_error_line(capsys.readouterr().err)


def test_api_error_exits_1(
    env: None, router: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    router.post("/audio/transcriptions").respond(
        402, json={"error": {"code": 402, "message": "Insufficient credits"}}
    )
    assert main(["transcribe", wav]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "402 Payment Required: Insufficient credits" in one_error_line(captured.err)


def test_connection_error_exits_1(
    env: None, router: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    route = router.post("/audio/transcriptions").mock(side_effect=httpx.ConnectError("refused"))
    assert main(["transcribe", wav]) == 1
    assert "Connection error" in one_error_line(capsys.readouterr().err)
    assert route.call_count == 3


def test_bad_temperature_is_an_argparse_error(
    env: None, no_route: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["transcribe", wav, "--temperature", "warm"])
    assert caught.value.code == 2
    assert "invalid float value" in capsys.readouterr().err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "transcribe" in err
    assert "mock" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"openrouter-stt {__version__}"


def test_mock_subcommand_delegates_every_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        received.append(argv)
        return 7

    fake = types.ModuleType("openrouter_stt_mock.cli")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "openrouter_stt_mock.cli", fake)
    args = ["--host", "0.0.0.0", "--port", "9000", "--world", "w.toml", "--help"]
    assert main(["mock", *args]) == 7
    assert received == [args]


def test_mock_subcommand_without_the_mock_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "openrouter_stt_mock.cli", None)
    assert main(["mock", "--port", "1"]) == 2
    assert "pip install 'openrouter-stt[mock]'" in one_error_line(capsys.readouterr().err)


def test_mock_flag_without_the_mock_installed(
    monkeypatch: pytest.MonkeyPatch, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "openrouter_stt_mock", None)
    assert main(["transcribe", wav, "--mock"]) == 2
    assert "pip install 'openrouter-stt[mock]'" in one_error_line(capsys.readouterr().err)


def _mock_ready() -> bool:
    try:
        import openrouter_stt_mock
    except ImportError:
        return False
    return all(
        hasattr(openrouter_stt_mock, name)
        for name in ("create_app", "sync_transport", "DEFAULT_API_KEY")
    )


@pytest.mark.skipif(not _mock_ready(), reason="openrouter_stt_mock has no create_app yet")
def test_mock_flag_transcribes_offline(
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    sample_transcript: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.delenv("OPENROUTER_BASE_URL", raising=False)
    assert main(["transcribe", str(data_dir / "hello.wav"), "--mock", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["text"] == sample_transcript
    assert result["usage"]["seconds"] > 0


# --- in the command line's own words, and its 2026-10-27 options ----------------------------

#: An argument as Python spells it, which the command line's messages never show.
PYTHON_KEYWORD = re.compile(
    r"\b(format|language|response_format|timestamp_granularities|diarize|"
    r"session_id|trace|base_url|api_key|upload)=|\bNone\b"
)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--language", "english"], "--language: 'english' is not an ISO-639-1 code"),
        (["--language", "english"], "or no --language to detect the language"),
        (
            ["--response-format", "json", "--granularity", "word"],
            "--granularity: timestamps come only with --response-format verbose_json",
        ),
        (
            ["--response-format", "json", "--diarize"],
            "pass --response-format verbose_json or leave --diarize out",
        ),
        (["--session-id", "s" * 257], "--session-id: 257 characters, over the 256 allowed"),
        (["--trace", "nothing"], "--trace: expected KEY=VALUE"),
        (["--trace", "{not json"], "--trace: '{not json' is not a JSON object"),
        (["--trace", "[1]"], "--trace: expected KEY=VALUE"),
        (["--base-url", "openrouter.ai/api/v1"], "--base-url: 'openrouter.ai/api/v1' has no"),
    ],
)
def test_errors_name_the_options_typed(
    env: None,
    no_route: respx.MockRouter,
    wav: str,
    argv: list[str],
    words: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["transcribe", wav, *argv]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert words in line
    assert not PYTHON_KEYWORD.search(line), line


def test_an_unknown_format_names_the_format_option(
    env: None, no_route: respx.MockRouter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(b"\x00\x01\x02\x03")
    assert main(["transcribe", str(path)]) == 2
    assert "pass --format with one of: wav" in one_error_line(capsys.readouterr().err)


def test_a_missing_key_names_the_api_key_option(
    monkeypatch: pytest.MonkeyPatch,
    no_route: respx.MockRouter,
    wav: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    assert main(["transcribe", wav]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--api-key: no API key; pass --api-key or set the OPENROUTER_API_KEY" in line


def test_python_callers_still_read_keywords(
    env: None, no_route: respx.MockRouter, wav: str
) -> None:
    from openrouter_stt import InvalidRequestError, OpenRouterSTT

    with OpenRouterSTT() as client, pytest.raises(InvalidRequestError) as caught:
        client.transcribe(wav, model="m", language="english")
    assert str(caught.value).startswith("language: 'english'")
    assert "or None to detect" in str(caught.value)


def test_api_key_base_url_and_max_retries(
    monkeypatch: pytest.MonkeyPatch, router: respx.MockRouter, wav: str
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.delenv("OPENROUTER_BASE_URL", raising=False)
    route = router.post("https://gateway.test/v1/audio/transcriptions").respond(503)
    argv = ["transcribe", wav, "--api-key", "sk-cli", "--base-url", "https://gateway.test/v1"]
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    assert main([*argv, "--max-retries", "1"]) == 1
    assert route.call_count == 2
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-cli"


def test_max_retries_must_be_a_whole_number(
    env: None, no_route: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["transcribe", wav, "--max-retries", "-1"])
    assert "--max-retries: expected a whole number, 0 or more, got '-1'" in capsys.readouterr().err


def test_dash_reads_the_audio_from_stdin(
    env: None,
    route: respx.Route,
    wav: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    audio = Path(wav).read_bytes()
    monkeypatch.setattr("sys.stdin", types.SimpleNamespace(buffer=Pipe(audio)))
    assert main(["transcribe", "-"]) == 0
    assert capsys.readouterr().out == "hello\n"
    got = sent(route.calls.last.request)
    assert (got.audio, got.format) == (audio, "wav")


def test_url_sends_the_url(
    env: None, route: respx.Route, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://audio.example.com/hello.mp3"
    assert main(["transcribe", "--url", url]) == 0
    assert sent(route.calls.last.request).fields["source_url"] == url


def test_url_and_file_exclude_each_other(
    env: None, no_route: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["transcribe", wav, "--url", "https://audio.example.com/hello.mp3"])
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["transcribe"])
    assert "one of the arguments FILE --url is required" in capsys.readouterr().err


def test_a_bad_url_names_the_url_option(
    env: None, no_route: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", "--url", "audio.example.com/a.mp3"]) == 2
    assert "--url: 'audio.example.com/a.mp3' has no http://" in one_error_line(
        capsys.readouterr().err
    )


def test_every_new_option_reaches_the_request(
    env: None, router: respx.MockRouter, wav: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {
        **VERBOSE_BODY,
        "words": [
            {"word": "Hello", "start": 0.0, "end": 0.5, "speaker_label": "speaker_0"},
            {"word": "there.", "start": 0.5, "end": 1.0, "speaker_label": "speaker_1"},
        ],
    }
    route = router.post("/audio/transcriptions").respond(200, json=body)
    argv = [
        "transcribe",
        wav,
        "--diarize",
        "--keyterm",
        "Kenobi",
        "--keyterm",
        "General, Kenobi",
        "--session-id",
        "s-1",
        "--user",
        "u-1",
        "--trace",
        "trace_id=t-1",
        "--trace",
        '{"span_name": "cli", "n": 2}',
        "--zdr",
        "--data-collection",
        "deny",
    ]
    assert main(argv) == 0
    got = sent(route.calls.last.request)
    assert got.fields == {
        "model": "openai/whisper-large-v3",
        "response_format": "verbose_json",  # --diarize implies it
        "diarize": True,
        "keyterms": ["Kenobi", "General, Kenobi"],
        "session_id": "s-1",
        "user": "u-1",
        "trace": {"trace_id": "t-1", "span_name": "cli", "n": 2},
        "provider": {"zdr": True, "data_collection": "deny"},
    }
    assert capsys.readouterr().out.splitlines() == [
        "[00:00.000 --> 00:00.500] speaker_0: Hello",
        "[00:00.500 --> 00:01.000] speaker_1: there.",
    ]
