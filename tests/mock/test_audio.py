"""Durations read from each container, and bytes that are not their declared format."""

from __future__ import annotations

import struct

import pytest

from openrouter_stt_mock.audio import AudioDecodeError, audio_duration

from .conftest import FORMATS, sample


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_bundled_format_lasts_about_9_2_seconds(fmt: str) -> None:
    # Encoders pad the start and end; 0.15 s covers every one bundled.
    assert audio_duration(sample(fmt), fmt) == pytest.approx(9.2, abs=0.15)  # type: ignore[arg-type]


def test_wav_is_exact() -> None:
    assert audio_duration(sample("wav"), "wav") == 9.2


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_header_is_refused(fmt: str) -> None:
    with pytest.raises(AudioDecodeError):
        audio_duration(sample(fmt)[:6], fmt)  # type: ignore[arg-type]


def test_aac_counts_frames_not_bitrate() -> None:
    # 144 frames of 1024 samples at 16 kHz, give or take the encoder's priming frame.
    assert 9.2 <= audio_duration(sample("aac"), "aac") <= 9.3


def test_aac_with_garbage_between_frames_is_refused() -> None:
    data = sample("aac")
    with pytest.raises(AudioDecodeError, match="sync"):
        audio_duration(data[:500] + b"\x00" * 50 + data[500:], "aac")


def _ebml(element_id: int, payload: bytes) -> bytes:
    size = len(payload)
    return (
        element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
        + bytes([0x01, 0, 0, 0, 0, 0, 0, 0])[:1]
        + size.to_bytes(7, "big")
        + payload
    )


def test_webm_without_duration_uses_the_last_block() -> None:
    info = _ebml(0x1549A966, _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big")))
    block = b"\x81" + struct.pack(">h", 500) + b"\x00" + b"opus"
    cluster = _ebml(0x1F43B675, _ebml(0xE7, (2000).to_bytes(2, "big")) + _ebml(0xA3, block))
    data = _ebml(0x1A45DFA3, b"") + _ebml(0x18538067, info + cluster)
    assert audio_duration(data, "webm") == pytest.approx(2.5)


def test_webm_reads_duration_and_scale() -> None:
    info = _ebml(
        0x1549A966,
        _ebml(0x2AD7B1, (500_000).to_bytes(3, "big")) + _ebml(0x4489, struct.pack(">d", 4000.0)),
    )
    data = _ebml(0x1A45DFA3, b"") + _ebml(0x18538067, info)
    assert audio_duration(data, "webm") == pytest.approx(2.0)


def test_webm_without_segment_is_refused() -> None:
    with pytest.raises(AudioDecodeError, match="Segment"):
        audio_duration(_ebml(0x1A45DFA3, b""), "webm")


def test_silent_wav_is_refused() -> None:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
    with pytest.raises(AudioDecodeError, match="no audio"):
        audio_duration(buffer.getvalue(), "wav")


def _wav_file(channels: int, width: int, rate: int, frames: int, cut: int) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(b"\x01" * (frames * channels * width))
    data = buffer.getvalue()
    return data[: len(data) - cut]


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("width", [1, 2, 3])
@pytest.mark.parametrize("cut", [0, 1, 7, 500])
def test_a_plain_wav_header_reads_as_wave_reads_it(channels: int, width: int, cut: int) -> None:
    from openrouter_stt_mock import audio

    data = _wav_file(channels, width, 8000, 1000, cut)
    assert audio._plain_wav(data) is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audio, "_plain_wav", lambda data: None)
        by_wave = audio_duration(data, "wav")
    assert audio_duration(data, "wav") == by_wave
