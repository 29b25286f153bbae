"""The ``openrouter-stt`` command line (also ``python -m openrouter_stt``).

``openrouter-stt transcribe FILE`` (``-`` for stdin, or ``--url URL`` for audio the provider
downloads) prints the transcript (``--json`` the whole response, and ``--response-format
verbose_json`` one timestamped line per segment, or per word, with the speaker when
``--diarize``); ``openrouter-stt mock`` runs the offline mock server. Errors print one line on
stderr, in the command line's words (``--format``, not ``format=``), and exit with 2 for input
the client refuses, 1 for errors from the service or the network.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Final

import httpx

from ._base import DEFAULT_UPLOAD
from ._client import OpenRouterSTT
from ._config import DEFAULT_MAX_RETRIES, DEFAULT_MODEL
from ._exceptions import InvalidRequestError, OpenRouterSTTError
from ._types import UPLOAD_FORMS, AudioInput
from ._url import AudioURL
from ._version import __version__
from ._words import command_line
from .formats import AUDIO_FORMATS

if TYPE_CHECKING:
    from openrouter_stt_models import STTResponse

__all__ = ["main"]

PROG: Final = "openrouter-stt"
MOCK_BASE_URL: Final = "http://openrouter-mock/api/v1"
EXIT_API_ERROR: Final = 1
EXIT_BAD_INPUT: Final = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Transcribe audio with OpenRouter's speech-to-text endpoint.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    transcribe = commands.add_parser(
        "transcribe",
        help="transcribe an audio file and print the text",
        description="Transcribe an audio file. The API key comes from --api-key or "
        "OPENROUTER_API_KEY, the base URL from --base-url or OPENROUTER_BASE_URL.",
    )
    source = transcribe.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "file", metavar="FILE", nargs="?", help="the audio file, or - to read it from stdin"
    )
    source.add_argument(
        "--url",
        metavar="URL",
        help="a public http(s) URL of the audio, downloaded by the provider instead of a file",
    )
    transcribe.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"model id (default: {DEFAULT_MODEL})"
    )
    transcribe.add_argument("--language", help="ISO-639-1 code such as en (default: detect)")
    transcribe.add_argument("--temperature", type=float, help="sampling temperature, 0 to 1")
    transcribe.add_argument(
        "--format",
        choices=AUDIO_FORMATS,
        help="audio format, when neither the bytes nor the file name tell it",
    )
    transcribe.add_argument(
        "--response-format",
        choices=("json", "verbose_json"),
        help="verbose_json adds the language, duration and timestamped segments "
        "(default: json, or verbose_json with --granularity)",
    )
    transcribe.add_argument(
        "--granularity",
        dest="timestamp_granularities",
        action="append",
        choices=("segment", "word"),
        help="timestamps per segment or per word (repeat for both); implies verbose_json",
    )
    transcribe.add_argument(
        "--upload",
        choices=UPLOAD_FORMS,
        default=DEFAULT_UPLOAD,
        help="how the audio goes up: base64 in JSON, or multipart (at most 25 MB); "
        "auto takes multipart when it can (default: %(default)s)",
    )
    transcribe.add_argument(
        "--diarize",
        action="store_true",
        help="label each word and segment with its speaker; implies verbose_json",
    )
    transcribe.add_argument(
        "--keyterm",
        dest="keyterms",
        action="append",
        metavar="TERM",
        help="a name or term to recognise (repeat for more)",
    )
    transcribe.add_argument(
        "--session-id", metavar="ID", help="groups related requests (at most 256 characters)"
    )
    transcribe.add_argument("--user", metavar="ID", help="your end-user's id, for your logs")
    transcribe.add_argument(
        "--trace",
        action="append",
        metavar="KEY=VALUE",
        help="trace metadata such as trace_id=abc (repeat for more), or one JSON object",
    )
    transcribe.add_argument(
        "--zdr",
        dest="provider_zdr",
        action="store_true",
        default=None,
        help="route only to zero-data-retention endpoints",
    )
    transcribe.add_argument(
        "--data-collection",
        dest="provider_data_collection",
        choices=("allow", "deny"),
        help="deny: route only to providers that keep no data",
    )
    transcribe.add_argument("--api-key", help="the API key (default: OPENROUTER_API_KEY)")
    transcribe.add_argument(
        "--base-url",
        metavar="URL",
        help="where requests go (default: OPENROUTER_BASE_URL, else OpenRouter)",
    )
    transcribe.add_argument(
        "--max-retries",
        type=_non_negative,
        metavar="N",
        help=f"retries of a failed request (default: {DEFAULT_MAX_RETRIES})",
    )
    transcribe.add_argument("--json", action="store_true", help="print the whole response as JSON")
    transcribe.add_argument(
        "--mock",
        action="store_true",
        help="use the in-process mock: no API key, no network",
    )
    # Listed for --help only: main() hands everything after "mock" to the mock's own parser.
    commands.add_parser(
        "mock",
        help="run the offline mock server (--host, --port, --world FILE)",
        add_help=False,
    )
    commands.add_parser(
        "contract",
        help="maintainers' tools: excerpt, diff, drift, verify (needs the mock extra)",
        add_help=False,
    )
    return parser


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, got {text!r}")
    return value


def _trace(items: Sequence[str] | None) -> dict[str, object] | None:
    """``--trace`` as a mapping: a JSON object, or ``KEY=VALUE`` pairs (values as strings)."""
    if not items:
        return None
    trace: dict[str, object] = {}
    for item in items:
        if item.lstrip().startswith("{"):
            try:
                value = json.loads(item)
            except ValueError as exc:
                raise InvalidRequestError(
                    f"--trace: {item!r} is not a JSON object ({exc})", field="trace"
                ) from None
            if not isinstance(value, dict):
                raise InvalidRequestError(f"--trace: {item!r} is not a JSON object", field="trace")
            trace.update(value)
            continue
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise InvalidRequestError(
                f"--trace: expected KEY=VALUE (such as trace_id=abc) or a JSON object, "
                f"got {item!r}",
                field="trace",
            )
        trace[key.strip()] = value
    return trace


def _audio(args: argparse.Namespace, stdin: IO[bytes]) -> AudioInput:
    if args.url is not None:
        return AudioURL(args.url)
    return stdin if args.file == "-" else str(args.file)


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def _mock_missing() -> int:
    return _fail(
        "the mock is not installed; install it with: pip install 'openrouter-stt[mock]'",
        EXIT_BAD_INPUT,
    )


def _mock_http_client() -> tuple[str, httpx.Client]:
    """The mock's default key and an httpx client wired to the mock app in-process."""
    mock = importlib.import_module("openrouter_stt_mock")
    transport = mock.sync_transport(mock.create_app())
    return str(mock.DEFAULT_API_KEY), httpx.Client(transport=transport, base_url=MOCK_BASE_URL)


def _transcribe(args: argparse.Namespace) -> int:
    http_client: httpx.Client | None = None
    response_format = args.response_format
    if response_format is None and (args.timestamp_granularities or args.diarize):
        response_format = "verbose_json"
    try:
        api_key: str | None = args.api_key
        base_url: str | None = args.base_url
        if args.mock:
            try:
                mock_key, http_client = _mock_http_client()
            except (ImportError, AttributeError):
                return _mock_missing()
            api_key, base_url = api_key or mock_key, MOCK_BASE_URL
        # Messages name --format, --api-key, ...: the options the user typed.
        with (
            command_line(),
            OpenRouterSTT(api_key, base_url=base_url, http_client=http_client) as client,
        ):
            result = client.transcribe(
                _audio(args, sys.stdin.buffer),
                model=args.model,
                language=args.language,
                temperature=args.temperature,
                format=args.format,
                response_format=response_format,
                timestamp_granularities=args.timestamp_granularities,
                diarize=args.diarize or None,
                keyterms=args.keyterms,
                session_id=args.session_id,
                user=args.user,
                trace=_trace(args.trace),
                provider_zdr=args.provider_zdr,
                provider_data_collection=args.provider_data_collection,
                upload=args.upload,
                **({} if args.max_retries is None else {"max_retries": args.max_retries}),
            )
    except InvalidRequestError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except OpenRouterSTTError as exc:
        return _fail(str(exc), EXIT_API_ERROR)
    finally:
        if http_client is not None:
            http_client.close()
    if args.json:
        print(result.model_dump_json(indent=2, exclude_none=True))
    elif response_format == "verbose_json":
        words = args.diarize or "word" in (args.timestamp_granularities or ())
        print(_timestamped(result, words=words))
    else:
        print(result.text)
    return 0


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:06.3f}"


def _timestamped(result: STTResponse, *, words: bool) -> str:
    """A verbose answer as one ``[start --> end] text`` line per word (when asked for) or per
    segment, led by the speaker when the answer names one; the plain text when it has
    neither."""
    rows = [(w.start, w.end, w.speaker_label, w.word) for w in result.words or ()] if words else []
    rows = rows or [
        (s.start, s.end, s.speaker_label, s.text.strip()) for s in result.segments or ()
    ]
    if not rows:
        return result.text
    return "\n".join(
        f"[{_clock(start)} --> {_clock(end)}] {f'{speaker}: ' if speaker else ''}{text}"
        for start, end, speaker, text in rows
    )


def _mock(argv: list[str]) -> int:
    try:
        mock_cli = importlib.import_module("openrouter_stt_mock.cli")
    except ImportError:
        return _mock_missing()
    return int(mock_cli.main(argv))


def _contract(argv: list[str]) -> int:
    try:
        contract_cli = importlib.import_module("openrouter_stt_mock.contract.cli")
    except ImportError:
        return _mock_missing()
    return int(contract_cli.main(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["mock"]:
        return _mock(arguments[1:])
    if arguments[:1] == ["contract"]:
        return _contract(arguments[1:])
    args = _parser().parse_args(arguments)
    if args.command is None:
        _parser().print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _transcribe(args)
    except KeyboardInterrupt:
        return 130
