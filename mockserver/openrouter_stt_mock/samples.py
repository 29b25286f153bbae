"""The sample audio shipped with the mock: 9.2 s of speech in each of the seven formats.

The default world knows each file's transcript, so a test in any project can send real audio
and get a real answer (cost 0.000508 and 113 tokens with ``openai/whisper-large-v3``)::

    from openrouter_stt_mock import sample

    client.transcribe(sample("mp3"), model="openai/whisper-large-v3").text
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from openrouter_stt.formats import AUDIO_FORMATS, AudioFormat

__all__ = ["SAMPLE_TEXT", "sample"]

#: What every sample says: its transcript in the default world.
SAMPLE_TEXT: Final = "Hello, this is a test of OpenAI speech-to-text transcription."

_FOLDER: Final = Path(__file__).with_name("samples")


def sample(format: AudioFormat = "wav") -> Path:
    """The path of the sample in ``format`` (wav, mp3, flac, m4a, ogg, webm or aac).

    >>> sample("wav").name
    'hello.wav'
    """
    if format not in AUDIO_FORMATS:
        raise ValueError(f"no sample in {format!r}; there is one in each of {list(AUDIO_FORMATS)}")
    return _FOLDER / f"hello.{format}"
