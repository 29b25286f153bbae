"""Audio by URL: :class:`AudioURL`, the value that says "the provider downloads this".

A URL is its own type, never a string, so that a string given as ``audio`` is always a path and
an :class:`AudioURL` always a URL: neither can be taken for the other, whatever it looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from ._exceptions import InvalidRequestError
from ._words import arg, setting
from .formats import AUDIO_FORMATS, AudioFormat, format_from_url

__all__ = ["AudioURL", "URLSource", "resolve_url"]

_SCHEMES: Final = ("http", "https")


def _check_format(given: object) -> AudioFormat:
    accepted = ", ".join(AUDIO_FORMATS)
    if not isinstance(given, str) or given.strip().lower() not in AUDIO_FORMATS:
        shown = repr(given) if isinstance(given, str) else type(given).__name__
        raise InvalidRequestError(
            f"{arg('format')}: {shown} is not a known audio format; accepted: {accepted}",
            field="format",
        )
    fmt: AudioFormat = given.strip().lower()  # type: ignore[assignment] # checked just above
    return fmt


@dataclass(frozen=True)
class AudioURL:
    """Audio the provider downloads from a public ``http`` or ``https`` URL, given as ``audio``
    instead of a file: nothing is uploaded, so no size limit applies.

    >>> from openrouter_stt import AudioURL
    >>> client.transcribe(AudioURL("https://example.com/talk.mp3"), model="mock/diarizer")
    ... # doctest: +SKIP

    ``format`` is needed only when the URL's path has no audio extension
    (``AudioURL("https://example.com/stream?id=7", format="mp3")``). A URL without an http(s)
    scheme or a host, or an unknown format, raises :class:`InvalidRequestError` here. Whether
    the host may be fetched (private networks, loopback and tunnels are refused) is the
    service's call: it answers 400. Only some models take audio by URL; others answer 400.
    """

    url: str
    """The audio's address."""
    format: AudioFormat | None = None
    """The audio's format; ``None`` for the one the URL path's extension names."""

    def __post_init__(self) -> None:
        url = self.url
        if not isinstance(url, str):
            raise InvalidRequestError(
                f"{arg('url')}: expected the URL as a string, got {type(url).__name__}",
                field="url",
            )
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            raise InvalidRequestError(
                f"{arg('url')}: {url!r} cannot be parsed ({exc})", field="url"
            ) from None
        if parts.scheme.lower() not in _SCHEMES:
            raise InvalidRequestError(
                f"{arg('url')}: {url!r} has no http:// or https:// scheme; the provider "
                "downloads only from a public http(s) URL (for a local file, pass its path)",
                field="url",
            )
        if not host:
            raise InvalidRequestError(f"{arg('url')}: {url!r} has no host", field="url")
        if self.format is not None:
            object.__setattr__(self, "format", _check_format(self.format))


@dataclass(frozen=True)
class URLSource:
    """An :class:`AudioURL` checked for a call: its URL, the format the audio has, and whether
    that format must be sent (it was given and differs from what the path says, or the path
    says nothing)."""

    url: str
    format: AudioFormat
    format_given: AudioFormat | None

    @property
    def needs_format(self) -> bool:
        """Whether the format must travel with the URL: only the JSON body has a place for it."""
        return self.format_given is not None and self.format_given != format_from_url(self.url)

    def input_audio(self) -> dict[str, str]:
        """The JSON body's ``input_audio``: the URL, and the format when the caller gave one."""
        audio = {"url": self.url}
        if self.format_given is not None:
            audio["format"] = self.format_given
        return audio


def resolve_url(audio: AudioURL, given_format: object) -> URLSource:
    """Check the format of ``audio`` for a call with ``format=given_format``, raising
    :class:`InvalidRequestError` (field ``format``) when the two differ or when neither they nor
    the URL's path name one."""
    given = _check_format(given_format) if given_format is not None else None
    if given is not None and audio.format is not None and given != audio.format:
        raise InvalidRequestError(
            f"{arg('format')}: {given!r} contradicts the AudioURL's format {audio.format!r}; "
            "give the format once",
            field="format",
        )
    given = given or audio.format
    fmt = given or format_from_url(audio.url)
    if fmt is None:
        raise InvalidRequestError(
            f"{arg('format')}: cannot tell the audio format from the URL {audio.url!r}, whose "
            f"path has no audio extension; pass {setting('format')} with one of: "
            f"{', '.join(AUDIO_FORMATS)}",
            field="format",
        )
    return URLSource(url=audio.url, format=fmt, format_given=given)
