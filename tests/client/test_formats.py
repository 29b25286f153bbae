"""The contract's values beyond its types that a multipart upload relies on: each format's media
type, the spellings read back as a format, and the size cap."""

from __future__ import annotations

import pytest

from openrouter_stt.formats import (
    AUDIO_FORMATS,
    MEDIA_TYPES,
    MULTIPART_MAX_BYTES,
    format_from_media_type,
    format_from_suffix,
)


def test_every_format_has_a_media_type_that_reads_back_as_it() -> None:
    assert set(MEDIA_TYPES) == set(AUDIO_FORMATS)
    for fmt, media_type in MEDIA_TYPES.items():
        assert media_type.startswith("audio/")
        assert format_from_media_type(media_type) == fmt
        # The file name the client gives a part (audio.<format>) names the same format.
        assert format_from_suffix(f"audio.{fmt}") == fmt


@pytest.mark.parametrize(
    ("media_type", "fmt"),
    [
        ("audio/x-wav", "wav"),
        ("AUDIO/WAVE", "wav"),
        ("audio/mp3", "mp3"),
        ("audio/x-m4a", "m4a"),
        ("audio/ogg; codecs=opus", "ogg"),
        (" audio/flac ; rate=16000", "flac"),
    ],
)
def test_other_spellings_and_parameters(media_type: str, fmt: str) -> None:
    assert format_from_media_type(media_type) == fmt


@pytest.mark.parametrize("media_type", ["application/octet-stream", "", "audio/", "video/mp4"])
def test_media_types_that_name_no_format(media_type: str) -> None:
    assert format_from_media_type(media_type) is None


def test_the_multipart_cap_is_upstreams_25_mb() -> None:
    assert MULTIPART_MAX_BYTES == 25 * 1000 * 1000
