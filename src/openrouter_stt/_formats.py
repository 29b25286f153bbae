"""Audio formats: the documented set, and recognising a format from the first bytes of a file.

Shared by the client (to infer ``format`` and refuse a contradicting one before sending) and the
mock (to refuse audio whose bytes are not the declared format), so both judge audio the same way.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = ["AUDIO_FORMATS", "SNIFF_BYTES", "AudioFormat", "format_from_suffix", "sniff_format"]

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
