"""How long a piece of audio lasts, read from its own container.

WAV goes through the standard library's ``wave``; mp3, flac, m4a and ogg through mutagen. ADTS
aac is counted frame by frame (mutagen's length for it is only a bitrate estimate), and WebM is
read from its EBML header, which mutagen does not parse. Bytes that do not parse as the declared
format raise :class:`AudioDecodeError`.
"""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Iterator
from typing import Any, Final

from openrouter_stt.formats import AudioFormat

__all__ = ["AudioDecodeError", "audio_duration"]


class AudioDecodeError(ValueError):
    """The bytes do not parse as the declared audio format."""


def audio_duration(data: bytes | bytearray, fmt: AudioFormat) -> float:
    """Return the duration in seconds of ``data``, audio in format ``fmt``.

    Raises :class:`AudioDecodeError` when the bytes are not a readable file of that format or
    declare no positive duration.
    """
    try:
        seconds = _READERS[fmt](data)
    except AudioDecodeError:
        raise
    except Exception as exc:  # every parser has its own error types; all mean "not this format"
        raise AudioDecodeError(f"not a readable {fmt} file ({exc})") from exc
    if not seconds > 0:
        raise AudioDecodeError(f"the {fmt} file holds no audio")
    return seconds


#: The 44-byte header most WAV files start with: RIFF, a 16-byte PCM ``fmt `` chunk, then ``data``.
_PLAIN_WAV_HEADER: Final = struct.Struct("<4sI4s4sIHHIIHH4sI")
_WAVE_FORMAT_PCM: Final = 1


def _plain_wav(data: bytes | bytearray) -> float | None:
    """The duration of a WAV file laid out plainly, read from its header; ``None`` otherwise.

    ``wave`` reads such a header to the same numbers at several times the cost; any other layout
    is left to it.
    """
    if len(data) < _PLAIN_WAV_HEADER.size:
        return None
    riff, _, kind, fmt, fmt_size, tag, channels, rate, _, _, bits, data_id, data_size = (
        _PLAIN_WAV_HEADER.unpack_from(data)
    )
    plain = (riff, kind, fmt, fmt_size, tag, data_id) == (
        b"RIFF", b"WAVE", b"fmt ", 16, _WAVE_FORMAT_PCM, b"data"
    )  # fmt: skip
    if not plain or not channels or not rate or not bits or bits % 8:
        return None
    frame_size = channels * bits // 8
    present = (len(data) - _PLAIN_WAV_HEADER.size) // frame_size
    seconds: float = min(data_size // frame_size, present) / rate
    return seconds


def _wav(data: bytes | bytearray) -> float:
    plain = _plain_wav(data)
    if plain is not None:
        return plain
    with wave.open(io.BytesIO(data), "rb") as reader:
        rate = reader.getframerate()
        if rate <= 0:
            raise AudioDecodeError("the wav header has no sample rate")
        frame_size = reader.getnchannels() * reader.getsampwidth()
        # The header states a length; a cut file holds fewer frames, and only those are audio.
        present = _wav_data_size(data) // frame_size if frame_size else 0
        return min(reader.getnframes(), present) / rate


def _wav_data_size(data: bytes | bytearray) -> int:
    """How many bytes of the ``data`` chunk the file really holds."""
    pos = 12  # after "RIFF", the size and "WAVE"
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if data[pos : pos + 4] == b"data":
            return len(data) - pos - 8
        pos += 8 + size + (size & 1)  # chunks are padded to an even length
    return 0


def _mutagen(data: bytes | bytearray, fmt: AudioFormat) -> float:
    # Imported here: mutagen is only needed once audio arrives, which keeps importing the app light.
    from mutagen.flac import FLAC
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggflac import OggFLAC
    from mutagen.oggopus import OggOpus
    from mutagen.oggspeex import OggSpeex
    from mutagen.oggvorbis import OggVorbis

    # mutagen is untyped: its file classes are used through Any.
    if fmt == "ogg":
        last: Exception | None = None
        codecs: tuple[Any, ...] = (OggVorbis, OggOpus, OggFLAC, OggSpeex)
        for kind in codecs:
            try:
                return float(kind(io.BytesIO(data)).info.length)
            except Exception as exc:  # not this codec inside the Ogg container: try the next
                last = exc
        raise AudioDecodeError(f"no Vorbis, Opus, FLAC or Speex stream in the ogg file ({last})")
    kinds: dict[str, Any] = {"mp3": MP3, "flac": FLAC, "m4a": MP4}
    return float(kinds[fmt](io.BytesIO(data)).info.length)


_ADTS_RATES: Final = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025,
                      8000, 7350)  # fmt: skip


def _aac(data: bytes | bytearray) -> float:
    if data[:4] == b"ADIF":
        # ADIF carries no frame headers; mutagen's bitrate estimate is the best there is.
        from mutagen.aac import AAC

        adif: Any = AAC
        return float(adif(io.BytesIO(data)).info.length)
    pos, samples, rate, size = 0, 0, 0, len(data)
    while pos + 7 <= size:
        if data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
            raise AudioDecodeError(f"lost ADTS frame sync at byte {pos}")
        index = (data[pos + 2] >> 2) & 0x0F
        if index >= len(_ADTS_RATES):
            raise AudioDecodeError(f"invalid ADTS sample rate index {index} at byte {pos}")
        rate = _ADTS_RATES[index]
        length = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7:
            raise AudioDecodeError(f"invalid ADTS frame length {length} at byte {pos}")
        if pos + length > size:
            break  # a cut-off last frame: decoders drop it, and so do we
        samples += ((data[pos + 6] & 0x03) + 1) * 1024
        pos += length
    if rate == 0:
        raise AudioDecodeError("no complete ADTS frame")
    return samples / rate


# EBML element ids (with their length marker bits, as written in the file).
_SEGMENT: Final = 0x18538067
_INFO: Final = 0x1549A966
_TIMECODE_SCALE: Final = 0x2AD7B1
_DURATION: Final = 0x4489
_CLUSTER: Final = 0x1F43B675
_CLUSTER_TIMECODE: Final = 0xE7
_SIMPLE_BLOCK: Final = 0xA3
_BLOCK_GROUP: Final = 0xA0
_BLOCK: Final = 0xA1
_UNKNOWN: Final = -1


def _vint(data: bytes | bytearray, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """Read an EBML variable-size integer at ``pos``: (value, next position)."""
    if pos >= len(data):
        raise AudioDecodeError("webm ends inside an element header")
    first = data[pos]
    width = 1
    while width <= 8 and not first & (0x80 >> (width - 1)):
        width += 1
    if width > 8 or pos + width > len(data):
        raise AudioDecodeError(f"invalid EBML number at byte {pos}")
    value = first if keep_marker else first & (0xFF >> width)
    for byte in data[pos + 1 : pos + width]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * width)) - 1:
        value = _UNKNOWN  # all ones: size not known (live streams)
    return value, pos + width


def _elements(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """Yield (id, payload start, payload end) of the elements between ``start`` and ``end``.

    An element of unknown size extends to ``end``; its children are read in its place.
    """
    pos = start
    while pos < end:
        element, pos = _vint(data, pos, keep_marker=True)
        size, pos = _vint(data, pos, keep_marker=False)
        stop = end if size == _UNKNOWN else pos + size
        if stop > end:
            stop = end  # a truncated file: read what is there
        yield element, pos, stop
        pos = stop


def _uint(data: bytes | bytearray, start: int, end: int) -> int:
    return int.from_bytes(data[start:end], "big") if end > start else 0


def _webm(data: bytes | bytearray) -> float:
    scale, duration, last_tick = 1_000_000, None, None
    for top, start, end in _elements(data, 0, len(data)):
        if top != _SEGMENT:
            continue
        for element, s, e in _elements(data, start, end):
            if element == _INFO:
                for child, cs, ce in _elements(data, s, e):
                    if child == _TIMECODE_SCALE:
                        scale = _uint(data, cs, ce)
                    elif child == _DURATION and ce - cs in (4, 8):
                        duration = struct.unpack(">f" if ce - cs == 4 else ">d", data[cs:ce])[0]
            elif element == _CLUSTER and duration is None:
                tick = _cluster_last_tick(data, s, e)
                if tick is not None:
                    last_tick = tick if last_tick is None else max(last_tick, tick)
        break
    else:
        raise AudioDecodeError("no EBML Segment in the webm file")
    if scale <= 0:
        raise AudioDecodeError("the webm TimecodeScale is zero")
    if duration is None:
        # Streams written live carry no Duration: the last block's time is the best measure.
        if last_tick is None:
            raise AudioDecodeError("the webm file has neither a Duration nor audio blocks")
        duration = float(last_tick)
    return float(duration) * scale / 1e9


def _cluster_last_tick(data: bytes | bytearray, start: int, end: int) -> int | None:
    base, last = 0, None
    for element, s, e in _elements(data, start, end):
        if element == _CLUSTER:
            break  # the next cluster, met inside one of unknown size
        if element == _CLUSTER_TIMECODE:
            base = _uint(data, s, e)
        elif element in (_SIMPLE_BLOCK, _BLOCK_GROUP):
            block = s
            if element == _BLOCK_GROUP:
                inner = [(bs, be) for b, bs, be in _elements(data, s, e) if b == _BLOCK]
                if not inner:
                    continue
                block = inner[0][0]
            _, after_track = _vint(data, block, keep_marker=False)
            relative = struct.unpack(">h", data[after_track : after_track + 2])[0]
            last = base + relative if last is None else max(last, base + relative)
    return last


_READERS: Final = {
    "wav": _wav,
    "mp3": lambda data: _mutagen(data, "mp3"),
    "flac": lambda data: _mutagen(data, "flac"),
    "m4a": lambda data: _mutagen(data, "m4a"),
    "ogg": lambda data: _mutagen(data, "ogg"),
    "webm": _webm,
    "aac": _aac,
}
