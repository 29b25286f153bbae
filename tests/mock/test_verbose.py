"""``verbose_json`` answers: consistent with the audio and the transcript, deterministic, and only
from OpenAI-compatible providers."""

from __future__ import annotations

import itertools
import re
import string
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt_mock.verbose import verbose_fields
from openrouter_stt_models import STTRequest, STTVerboseResponse

from .conftest import ENDPOINT, FORMATS, auth, body, error_of

_EDGES = string.punctuation + "\u201c\u201d\u2018\u2019\u00ab\u00bb\u2026"


def check_consistent(answer: dict[str, Any], words_asked: bool) -> None:
    """Everything a verbose answer promises about its own numbers and texts."""
    STTVerboseResponse.model_validate(answer)
    text, duration = answer["text"], answer["duration"]
    segments = answer["segments"]
    assert [s["id"] for s in segments] == list(range(len(segments)))
    assert "".join(s["text"] for s in segments) == text
    assert segments[0]["start"] == 0
    assert segments[-1]["end"] == duration
    for before, after in itertools.pairwise(segments):
        assert before["end"] <= after["start"]
    for segment in segments:
        assert 0 <= segment["start"] <= segment["end"] <= duration
    if not words_asked:
        assert "words" not in answer
        return
    words = answer["words"]
    spoken = [w.strip(_EDGES) for w in text.split()]
    assert [w["word"] for w in words] == [w for w in spoken if w]
    for before, after in itertools.pairwise(words):
        assert before["end"] <= after["start"]
    for word in words:
        assert any(s["start"] <= word["start"] <= word["end"] <= s["end"] for s in segments)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_verbose_answer_fits_the_decoded_audio(client: httpx.Client, fmt: str) -> None:
    model = "openai/whisper-1" if fmt != "aac" else "openai/whisper-large-v3"
    request = body(
        fmt, model, response_format="verbose_json", timestamp_granularities=["word", "segment"]
    )
    response = client.post(ENDPOINT, json=request, headers=auth())
    assert response.status_code == 200, response.text
    answer = response.json()
    check_consistent(answer, words_asked=True)
    assert answer["duration"] == answer["usage"]["seconds"]
    assert 9.1 < answer["duration"] < 9.3  # the samples are 9.2 s long
    assert (answer["task"], answer["language"]) == ("transcribe", "english")
    # The same audio again: the same answer.
    again = client.post(ENDPOINT, json=request, headers=auth()).json()
    assert again == answer


def test_segments_come_without_words_unless_asked(client: httpx.Client) -> None:
    request = body(response_format="verbose_json", language="fr")
    answer = client.post(ENDPOINT, json=request, headers=auth()).json()
    check_consistent(answer, words_asked=False)
    assert answer["language"] == "french"


def test_json_answers_text_and_usage_only_granularities_or_not(client: httpx.Client) -> None:
    for request in (body(), body(response_format="json", timestamp_granularities=["word"])):
        answer = client.post(ENDPOINT, json=request, headers=auth()).json()
        assert set(answer) == {"text", "usage"}


def test_verbose_json_from_a_provider_that_is_not_openai_compatible_is_a_400(
    client: httpx.Client,
) -> None:
    refused = client.post(
        ENDPOINT, json=body(model="mock/json-only", response_format="verbose_json"), headers=auth()
    )
    assert refused.status_code == 400
    error = error_of(refused)
    assert error["metadata"]["field"] == "response_format"
    assert "OpenAI-compatible" in error["message"]
    served = client.post(ENDPOINT, json=body(model="mock/json-only"), headers=auth())
    assert served.status_code == 200


@pytest.mark.parametrize("value", ["text", "srt", "vtt", "JSON", ""])
def test_response_formats_outside_the_enum_are_refused(client: httpx.Client, value: str) -> None:
    response = client.post(ENDPOINT, json=body(response_format=value), headers=auth())
    assert response.status_code == 400
    assert error_of(response)["metadata"]["field"] == "response_format"


_PIECES = ["a", "b", "x", " ", ".", ",", "!", "?", "\u2019", "\n", "Hello", "world", "..."]
_texts = (
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40)
    .map("".join)
    .filter(lambda t: t.strip() != "")
)


@given(
    text=_texts,
    duration=st.floats(min_value=0.001, max_value=7200).map(lambda d: round(d, 3)),
    granularities=st.lists(st.sampled_from(["word", "segment"]), max_size=2),
)
def test_any_transcript_and_duration_give_a_consistent_answer(
    text: str, duration: float, granularities: list[str]
) -> None:
    request = STTRequest.model_validate(
        {
            "model": "m",
            "input_audio": {"data": "", "format": "wav"},
            "response_format": "verbose_json",
            "timestamp_granularities": granularities,
        }
    )
    answer = {"text": text, **verbose_fields(text, duration, request)}
    check_consistent(answer, words_asked="word" in granularities)
    # Each segment is a sentence: only its last character may end one.
    for segment in answer["segments"][:-1]:
        assert re.search(r"[.!?]$", segment["text"])
