"""What ``verbose_json`` adds to an answer: task, language, duration, segments and words.

Deterministic and consistent with the audio and its transcript. Time runs evenly over the
transcript's characters: the character at offset ``i`` of ``n`` is spoken at ``duration * i / n``
(rounded to milliseconds, which keeps the order). So:

- ``duration`` is the decoded duration (as billed, to the millisecond);
- segments are the transcript's sentences, ordered, inside ``[0, duration]``, the last ending at
  ``duration``; concatenated, their texts give ``text`` exactly (each after the first starts
  with the space before it, as OpenAI's segments do);
- words (asked for with the ``word`` granularity, or given with ``diarize``) are the
  transcript's words in order, without the punctuation around them, each inside its segment;
- with ``diarize``, speakers take turns by sentence (``0``, ``1``, ``0``, ...; labels
  ``speaker_0``, ``speaker_1``): a segment has one speaker, and each of its words has that same
  speaker.
"""

from __future__ import annotations

import re
import string
from typing import Any, Final

from openrouter_stt_models import STTRequest

__all__ = ["verbose_fields"]

#: A sentence ends at . ! or ? before whitespace (the whitespace goes with the next sentence).
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])(?=\s)")
_WORD: Final = re.compile(r"\S+")
_PUNCTUATION: Final = string.punctuation + "\u201c\u201d\u2018\u2019\u00ab\u00bb\u2026"
#: The language OpenAI names in a verbose answer, by ISO-639-1 code (the codes Whisper knows
#: best); any other code is given as sent.
_LANGUAGE_NAMES: Final = dict(
    pair.split(":")
    for pair in (
        "af:afrikaans ar:arabic bg:bulgarian ca:catalan cs:czech cy:welsh da:danish de:german "
        "el:greek en:english es:spanish et:estonian fa:persian fi:finnish fr:french he:hebrew "
        "hi:hindi hr:croatian hu:hungarian id:indonesian is:icelandic it:italian ja:japanese "
        "ko:korean lt:lithuanian lv:latvian mk:macedonian ms:malay nl:dutch no:norwegian "
        "pl:polish pt:portuguese ro:romanian ru:russian sk:slovak sl:slovenian sr:serbian "
        "sv:swedish sw:swahili ta:tamil th:thai tl:tagalog tr:turkish uk:ukrainian ur:urdu "
        "vi:vietnamese zh:chinese"
    ).split()
)
#: The language "detected" when none is given: the mock's transcripts are English.
_DETECTED: Final = "en"


def verbose_fields(text: str, duration: float, request: STTRequest) -> dict[str, Any]:
    """The members ``verbose_json`` adds to ``{text, usage}`` for this transcript and request."""
    size = max(len(text), 1)

    def at(offset: int) -> float:
        return round(duration * offset / size, 3)

    temperature = request.temperature or 0.0
    diarize = bool(request.diarize)
    segments: list[dict[str, Any]] = []
    bounds: list[tuple[int, int]] = []  # each segment's character span, for its words
    start = 0
    for index, piece in enumerate(_SENTENCE_END.split(text)):
        end = start + len(piece)
        segment: dict[str, Any] = {
            "id": index,
            "seek": 0,
            "start": at(start),
            "end": at(end),
            "text": piece,
            "tokens": [],
            "temperature": temperature,
            "avg_logprob": -0.25,
            "compression_ratio": 1.0,
            "no_speech_prob": 0.0,
        }
        if diarize:
            segment |= _speaker(index % _SPEAKERS)
        segments.append(segment)
        bounds.append((start, end))
        start = end
    code = request.language or _DETECTED
    fields: dict[str, Any] = {
        "task": "transcribe",
        "language": _LANGUAGE_NAMES.get(code, code),
        "duration": duration,
        "segments": segments,
    }
    if diarize or "word" in (request.timestamp_granularities or ()):
        words: list[dict[str, Any]] = []
        segment_index = 0
        for match in _WORD.finditer(text):
            word = match.group().strip(_PUNCTUATION)
            if not word:
                continue
            while match.start() >= bounds[segment_index][1]:
                segment_index += 1
            entry: dict[str, Any] = {
                "word": word,
                "start": at(match.start()),
                "end": at(match.end()),
            }
            if diarize:
                entry |= _speaker(segment_index % _SPEAKERS) | {"type": "word"}
            words.append(entry)
        fields["words"] = words
    return fields


#: How many speakers a diarized answer has: they take turns by sentence.
_SPEAKERS: Final = 2


def _speaker(number: int) -> dict[str, Any]:
    return {"speaker": number, "speaker_label": f"speaker_{number}"}
