"""The values the contract documents beyond its types: audio formats (recognising one from a
file's first bytes, and the media type a multipart file part carries), multipart's size cap, and
ISO-639-1 language codes.

Public, as both sides judge by it: the client (to infer ``format`` and refuse a bad argument before
sending) and the mock (to refuse a request with the same words), so the two can never disagree.
"""

from __future__ import annotations

from typing import Final, Literal, get_args
from urllib.parse import urlsplit

__all__ = [
    "AUDIO_FORMATS",
    "ISO_639_1",
    "MEDIA_TYPES",
    "MULTIPART_MAX_BYTES",
    "SNIFF_BYTES",
    "AudioFormat",
    "format_from_media_type",
    "format_from_suffix",
    "format_from_url",
    "is_iso_639_1",
    "sniff_format",
]

AudioFormat = Literal["wav", "mp3", "flac", "m4a", "ogg", "webm", "aac"]
#: The formats OpenRouter documents for ``input_audio.format``, in its order.
AUDIO_FORMATS: Final[tuple[AudioFormat, ...]] = get_args(AudioFormat)
#: How many leading bytes :func:`sniff_format` needs to see.
SNIFF_BYTES: Final = 64

_SUFFIXES: Final[dict[str, AudioFormat]] = {
    **{fmt: fmt for fmt in AUDIO_FORMATS},
    "wave": "wav",
    "mp4": "m4a",
    "oga": "ogg",
    "opus": "ogg",
    "weba": "webm",
}


#: The media type a multipart file part of each format carries.
MEDIA_TYPES: Final[dict[AudioFormat, str]] = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "webm": "audio/webm",
    "aac": "audio/aac",
}

# Other spellings in use (browsers, Apple, older servers), each read as the format it names.
_MEDIA_TYPE_ALIASES: Final[dict[str, AudioFormat]] = {
    **{media_type: fmt for fmt, media_type in MEDIA_TYPES.items()},
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-flac": "flac",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/opus": "ogg",
    "audio/x-aac": "aac",
    "audio/aacp": "aac",
}

#: The largest audio a multipart upload may carry: upstream documents 25 MB for the file part
#: (larger audio goes as base64 JSON). Read as 25,000,000 bytes, the stricter reading.
MULTIPART_MAX_BYTES: Final = 25_000_000


def format_from_media_type(media_type: str) -> AudioFormat | None:
    """Return the format a file part's ``Content-Type`` names (parameters ignored), or ``None``.

    >>> format_from_media_type("audio/x-wav; codecs=1")
    'wav'
    """
    essence = media_type.partition(";")[0].strip().lower()
    return _MEDIA_TYPE_ALIASES.get(essence)


def sniff_format(head: bytes) -> AudioFormat | None:
    """Return the format whose signature starts ``head`` (at least :data:`SNIFF_BYTES` bytes when
    the data is that long), or ``None`` when no documented format matches.

    >>> sniff_format(b"RIFF\\x24\\x00\\x00\\x00WAVEfmt ")
    'wav'
    """
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM (or Matroska, its superset) audio
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":  # ISO base media: M4A, MP4 audio
        return "m4a"
    if head[:3] == b"ID3":  # an ID3v2 tag leads MP3 files (ADTS AAC never carries one)
        return "mp3"
    if head[:4] == b"ADIF":
        return "aac"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # MPEG frame sync: the layer bits tell MPEG audio layer III (mp3) from ADTS (aac, layer 0).
        layer = (head[1] >> 1) & 0b11
        if layer == 0b01:
            return "mp3"
        if layer == 0b00 and head[1] & 0xF0 == 0xF0:
            return "aac"
    return None


def format_from_suffix(name: str) -> AudioFormat | None:
    """Return the format a file name's extension stands for, or ``None``."""
    _, dot, suffix = name.rpartition(".")
    return _SUFFIXES.get(suffix.lower()) if dot else None


def format_from_url(url: str) -> AudioFormat | None:
    """Return the format the extension of a URL's path stands for (the query and fragment
    ignored), or ``None``: the format a provider assumes for audio by URL when none is given.

    >>> format_from_url("https://audio.example.com/talks/hello.mp3?signature=abc")
    'mp3'
    """
    path = urlsplit(url).path
    return format_from_suffix(path.rsplit("/", 1)[-1]) if path else None


#: Every two-letter code of ISO 639-1 (the 183 current codes).
ISO_639_1: Final[frozenset[str]] = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
    za zh zu
    """.split()
)


def is_iso_639_1(code: str) -> bool:
    """Whether ``code`` is a current ISO 639-1 code, written in lowercase as OpenRouter expects."""
    return code in ISO_639_1
