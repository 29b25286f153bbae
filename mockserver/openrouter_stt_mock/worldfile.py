"""The world file's schema: a whole file checked at once, and every problem reported together.

:meth:`World.from_toml` and :meth:`World.from_dict` validate their data against the pydantic
models here, then build the frozen :class:`World`. A :class:`WorldFileError` lists each problem on
a line of its own, naming the table, the key and the field, what was wrong and what is accepted::

    [keys."sk-mine"] credit_usd = '-5': should be greater than or equal to 0; accepted: ...
    [keys."sk-mine"] credit: unknown field (did you mean 'credit_usd'?); accepted: credit_usd, ...
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from openrouter_stt.formats import AUDIO_FORMATS, AudioFormat

from .samples import sample
from .world import (
    Health,
    KeySpec,
    Limits,
    ModelSpec,
    ProviderSpec,
    RateLimit,
    UrlAudio,
    UsageField,
    World,
)

__all__ = ["WorldFileError", "world_from_data"]

_DEFAULT_LIMITS: Final = Limits()
_SHA256: Final = "^[0-9a-fA-F]{64}$"
#: A USD amount: TOML numbers are binary floats, so a string keeps the decimals exact.
_USD: Final = 'a number of USD, 0 or more (a string such as "0.001016" keeps exact decimals)'


class _Schema(BaseModel):
    # strict: a string "5" is not a number of requests, nor 1 a boolean; a misspelled field is
    # an error rather than a default silently taken.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _RateLimit(_Schema):
    requests: int = Field(ge=0)
    window_seconds: float = Field(gt=0, allow_inf_nan=False)


class _Key(_Schema):
    credit_usd: Decimal = Field(Decimal(0), ge=0, allow_inf_nan=False, strict=False)
    rate_limit: _RateLimit | None = None
    disabled: bool = False
    allowed_models: list[str] | None = None


class _Provider(_Schema):
    name: str = Field(min_length=1)
    price_per_second: Decimal = Field(Decimal(0), ge=0, allow_inf_nan=False, strict=False)
    formats: list[AudioFormat] = list(AUDIO_FORMATS)
    latency_seconds: float = Field(0.0, ge=0, allow_inf_nan=False)
    health: Health = "healthy"
    capacity: int | None = Field(None, ge=0)
    usage: list[UsageField] = list(get_args(UsageField))
    openai_compatible: bool = True
    diarize: bool = False
    keyterms: bool = False
    url_input: bool = False
    max_url_seconds: float = Field(3600.0, gt=0, allow_inf_nan=False)


class _Model(_Schema):
    providers: list[_Provider] = []


class _Url(_Schema):
    sample: AudioFormat | None = None
    file: str | None = Field(None, min_length=1)
    latency_seconds: float = Field(0.0, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_source(self) -> _Url:
        if (self.sample is None) == (self.file is None):
            raise ValueError("give exactly one of sample and file")
        return self


class _Transcript(_Schema):
    text: str
    size: int | None = Field(None, gt=0)


class _Limits(_Schema):
    max_body_bytes: int = Field(_DEFAULT_LIMITS.max_body_bytes, gt=0)
    upstream_timeout_seconds: float = Field(
        _DEFAULT_LIMITS.upstream_timeout_seconds, ge=0, allow_inf_nan=False
    )
    unavailable_retry_after_seconds: int = Field(
        _DEFAULT_LIMITS.unavailable_retry_after_seconds, ge=0
    )
    gateway_timeout_seconds: float = Field(
        _DEFAULT_LIMITS.gateway_timeout_seconds, ge=0, allow_inf_nan=False
    )


class _WorldFile(_Schema):
    keys: dict[str, _Key] = {}
    models: dict[str, _Model] = {}
    transcripts: dict[Annotated[str, Field(pattern=_SHA256)], _Transcript] = {}
    limits: _Limits = _Limits()
    urls: dict[Annotated[str, Field(pattern=r"^https?://")], _Url] = {}

    @field_validator("transcripts", mode="before")
    @classmethod
    def _plain_text_entries(cls, value: Any) -> Any:
        # `"<sha256>" = "text"` is short for `"<sha256>" = { text = "text" }`.
        if isinstance(value, Mapping):
            return {k: {"text": v} if isinstance(v, str) else v for k, v in value.items()}
        return value


#: What each field accepts, by the schema that holds it.
_ACCEPTED: Final[Mapping[type[_Schema], Mapping[str, str]]] = {
    _WorldFile: {
        "keys": 'a table of keys: [keys."sk-..."]',
        "models": 'a table of models: [[models."vendor/model".providers]]',
        "transcripts": 'a table of "<sha256>" = "text" or { text = "...", size = N }',
        "limits": "a table: [limits]",
        "urls": 'a table of "https://..." = { sample = "mp3" } or { file = "path" }',
    },
    _Key: {
        "credit_usd": _USD,
        "rate_limit": "a table { requests = N, window_seconds = S }",
        "disabled": "true or false",
        "allowed_models": "an array of the model ids its guardrail allows (leave out: any)",
    },
    _RateLimit: {
        "requests": "a whole number of requests, 0 or more",
        "window_seconds": "a number of seconds above 0",
    },
    _Model: {"providers": 'an array of provider tables: [[models."...".providers]]'},
    _Provider: {
        "name": "the provider's name, a non-empty string",
        "price_per_second": _USD + " per second of audio",
        "formats": "an array of " + ", ".join(AUDIO_FORMATS),
        "latency_seconds": "a number of seconds, 0 or more",
        "health": "one of " + ", ".join(get_args(Health)),
        "capacity": "a whole number of requests served at once, 0 or more (leave out: unlimited)",
        "usage": "an array of " + ", ".join(get_args(UsageField)),
        "openai_compatible": "true or false (only OpenAI-compatible providers offer verbose_json)",
        "diarize": "true or false",
        "keyterms": "true or false",
        "url_input": "true or false (whether it takes audio by URL)",
        "max_url_seconds": "a number of seconds above 0: the longest audio it takes by URL",
    },
    _Url: {
        "sample": "one of " + ", ".join(AUDIO_FORMATS) + " (a sample shipped with the mock)",
        "file": "the path of an audio file, relative to the world file",
        "latency_seconds": "a number of seconds, 0 or more: how long the download takes",
    },
    _Transcript: {
        "text": "the transcript, a string",
        "size": "the audio's size in bytes, a whole number above 0",
    },
    _Limits: {
        "max_body_bytes": "a whole number of bytes above 0",
        "upstream_timeout_seconds": "a number of seconds, 0 or more",
        "unavailable_retry_after_seconds": "a whole number of seconds, 0 or more",
        "gateway_timeout_seconds": "a number of seconds, 0 or more",
    },
}


class WorldFileError(ValueError):
    """A world file (or the data of one) that cannot make a world.

    ``problems`` holds one line per problem, each naming the table, key and field, what was
    wrong and what is accepted; the message lists them all.
    """

    problems: tuple[str, ...]

    def __init__(self, problems: Sequence[str], source: str = "the world") -> None:
        self.problems = tuple(problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(f"{count} in {source}:\n" + "\n".join(f"  {p}" for p in self.problems))


def world_from_data(data: Any, source: str = "the world", folder: Path | None = None) -> World:
    """Validate plain data laid out as a world file, and build its :class:`World` (the files
    its URLs serve are found from ``folder``, the world file's).

    Raises :class:`WorldFileError` listing every problem found, not only the first.
    """
    try:
        parsed = _WorldFile.model_validate(data)
    except ValidationError as exc:
        raise WorldFileError([_describe(e) for e in exc.errors()], source) from None
    base = folder or Path.cwd()
    urls = {
        url: UrlAudio(
            sample(entry.sample) if entry.sample is not None else base / str(entry.file),
            entry.latency_seconds,
        )
        for url, entry in parsed.urls.items()
    }
    missing = [
        f'[urls] "{url}" file: no such file {str(audio.path)!r}; accepted: '
        + _ACCEPTED[_Url]["file"]
        for url, audio in urls.items()
        if not audio.path.is_file()
    ]
    if missing:
        raise WorldFileError(missing, source)
    return _build(parsed, urls)


def _build(parsed: _WorldFile, urls: Mapping[str, UrlAudio]) -> World:
    keys = {
        name: KeySpec(
            credit_usd=key.credit_usd,
            rate_limit=None
            if key.rate_limit is None
            else RateLimit(key.rate_limit.requests, key.rate_limit.window_seconds),
            disabled=key.disabled,
            allowed_models=None if key.allowed_models is None else frozenset(key.allowed_models),
        )
        for name, key in parsed.keys.items()
    }
    models = {
        name: ModelSpec(
            tuple(
                # Field for field, the lists as sets: a capability declared in both classes
                # needs nothing here.
                ProviderSpec(
                    **p.model_dump()
                    | {"formats": frozenset(p.formats), "usage": frozenset(p.usage)}
                )
                for p in model.providers
            )
        )
        for name, model in parsed.models.items()
    }
    entries = {digest.lower(): entry for digest, entry in parsed.transcripts.items()}
    sizes = {entry.size for entry in entries.values() if entry.size is not None}
    # One entry without a size, and every upload must be hashed to look it up.
    every_size_known = all(entry.size is not None for entry in entries.values())
    limits = parsed.limits
    return World(
        keys=keys,
        models=models,
        transcripts={digest: entry.text for digest, entry in entries.items()},
        limits=Limits(
            limits.max_body_bytes,
            limits.upstream_timeout_seconds,
            limits.unavailable_retry_after_seconds,
            limits.gateway_timeout_seconds,
        ),
        transcript_sizes=frozenset(sizes) if every_size_known else None,
        urls=urls,
    )


#: What an entry of a table of entries is, when the entry itself is wrong.
_ENTRY: Final = {
    "keys": "a table of credit_usd, rate_limit and disabled",
    "models": "a table with an array of providers",
    "transcripts": 'the transcript as a string, or { text = "...", size = N }',
    "urls": '{ sample = "mp3" } or { file = "path" }, with an optional latency_seconds',
}


#: Problems pydantic words in Python's terms, in the terms of a TOML file.
_IN_TOML_WORDS: Final = {
    "model_type": "should be a table",
    "dict_type": "should be a table",
    "list_type": "should be an array",
}


def _describe(error: ErrorDetails) -> str:
    """One problem as a line: where (table, key, field), what was wrong, what is accepted."""
    loc = list(error["loc"])
    # The index of an array item (a provider's format, say) is shown beside its field.
    index = loc.pop() if len(loc) > 1 and isinstance(loc[-1], int) else None
    where, field, fields = _locate(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(field, fields, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        unknown = "unknown field" if where else "unknown table"
        return f"{where}{field}: {unknown}{hint}; accepted: {', '.join(fields)}"
    if kind == "string_pattern_mismatch":  # only the keys of transcripts and urls have one
        if loc[0] == "urls":
            return (
                f"{where}{field}: not an http(s) URL; accepted: a URL starting https:// or http://"
            )
        return f"{where}{field}: not a sha256; accepted: the audio's sha256, 64 hex digits"
    accepted = fields[field]
    if kind == "missing":
        return f"{where}{field}: missing; accepted: {accepted}"
    problem = _IN_TOML_WORDS.get(kind) or error["msg"].removeprefix("Input ").removeprefix(
        "Decimal input "
    )
    shown = field if index is None else f"{field}[{index}]"
    return f"{where}{shown} = {error['input']!r}: {problem}; accepted: {accepted}"


def _locate(loc: list[int | str]) -> tuple[str, str, Mapping[str, str]]:
    """Where an error is as a TOML file reads, the field, and what each field there accepts.

    ``("keys", "sk-a", "credit_usd")`` is ``('[keys."sk-a"] ', "credit_usd", <_Key's fields>)``.
    """
    table = str(loc[0])
    if len(loc) == 1:
        return "", table, _ACCEPTED[_WorldFile]
    if table == "limits":
        return "[limits] ", str(loc[1]), _ACCEPTED[_Limits]
    name, rest = str(loc[1]), [str(part) for part in loc[2:]]
    if not rest or rest == ["[key]"]:  # the entry itself, or its name
        return f"[{table}] ", f'"{name}"', {f'"{name}"': _ENTRY[table]}
    header = f'[{table}."{name}"] '
    if table == "transcripts":
        return header, rest[0], _ACCEPTED[_Transcript]
    if table == "keys":
        if rest[0] == "rate_limit" and len(rest) > 1:
            return header + "rate_limit.", rest[1], _ACCEPTED[_RateLimit]
        return header, rest[0], _ACCEPTED[_Key]
    if rest[0] == "providers" and len(rest) > 2:  # ("providers", i, field)
        return f'[[models."{name}".providers]] #{int(rest[1]) + 1} ', rest[2], _ACCEPTED[_Provider]
    return header, rest[0], _ACCEPTED[_Model]
