"""What a verbose answer must say about the audio, however a client hands it over.

Each client test reads segments and words out of its own client's models into ``Span`` tuples
and checks them here against the transcript and the decoded duration.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Sequence
from typing import Any, NamedTuple

import pytest

#: hello.mp3 as the mock decodes it: the duration it bills and reports.
MP3_SECONDS = 9.288


class Span(NamedTuple):
    """A segment's or word's text and times."""

    text: str
    start: float
    end: float


def check_timeline(
    transcript: str,
    duration: float,
    segments: Sequence[Span],
    words: Sequence[Span] | None,
) -> None:
    """Segments join to the transcript and cover ``[0, duration]`` in order; words, when given,
    spell the transcript without its punctuation, in order, each inside a segment."""
    assert duration == pytest.approx(MP3_SECONDS)
    assert segments, "a verbose answer without segments"
    assert "".join(segment.text for segment in segments) == transcript
    assert segments[0].start == 0.0
    assert segments[-1].end == pytest.approx(duration)
    for earlier, later in itertools.pairwise(segments):
        assert earlier.start < earlier.end <= later.start
    if words is None:
        return
    spoken = [word.strip(string.punctuation) for word in transcript.split()]
    assert [word.text for word in words] == spoken
    for earlier, later in itertools.pairwise(words):
        assert earlier.start < earlier.end <= later.start
    for word in words:
        assert any(s.start <= word.start and word.end <= s.end for s in segments), word


def check_model_timeline(
    transcript: str,
    duration: float,
    segments: Sequence[Any],
    words: Sequence[Any] | None,
    *,
    words_asked: bool,
    word_type: type,
) -> None:
    """:func:`check_timeline` of a client's typed models (segments with ``text``, words with
    ``word``, both with ``start`` and ``end``): words, of ``word_type``, only when asked for."""
    if words_asked:
        assert words is not None
        assert all(isinstance(word, word_type) for word in words)
    else:
        assert words is None
    check_timeline(
        transcript,
        duration,
        [Span(s.text, s.start, s.end) for s in segments],
        None if words is None else [Span(w.word, w.start, w.end) for w in words],
    )
