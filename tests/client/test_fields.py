"""The 2026-10-27 request fields in both forms (diarize, keyterms, session_id, trace, user,
provider routing), each checked before sending, and the answer's new fields as the verbose
result types carry them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import respx

from openrouter_stt import InvalidRequestError

from .conftest import MODEL, VERBOSE_BODY, ClientAdapter, sent, sent_form


@pytest.fixture
def wav(data_dir: Path) -> Path:
    return data_dir / "hello.wav"


@pytest.fixture
def verbose_route(router: respx.MockRouter) -> respx.Route:
    return router.post("/audio/transcriptions").respond(200, json=VERBOSE_BODY)


EVERY_FIELD: dict[str, Any] = {
    "response_format": "verbose_json",
    "diarize": True,
    "keyterms": ["OpenRouter", "Scribe, the model", "naïve"],
    "session_id": "s" * 256,
    "user": "user-1234",
    "trace": {"trace_id": "t-1", "span_name": "stt", "custom": {"n": 1, "ok": True}},
    "provider_options": {"openai": {"max_tokens": 10}},
    "provider_zdr": True,
    "provider_data_collection": "deny",
}
EVERY_FIELD_SENT: dict[str, Any] = {
    "model": MODEL,
    "response_format": "verbose_json",
    "diarize": True,
    "keyterms": ["OpenRouter", "Scribe, the model", "naïve"],
    "session_id": "s" * 256,
    "user": "user-1234",
    "trace": {"trace_id": "t-1", "span_name": "stt", "custom": {"n": 1, "ok": True}},
    "provider": {"options": {"openai": {"max_tokens": 10}}, "zdr": True, "data_collection": "deny"},
}


def test_every_field_in_both_forms(
    stt_each_form: ClientAdapter, verbose_route: respx.Route, wav: Path
) -> None:
    stt_each_form.transcribe(wav, **EVERY_FIELD)
    got = sent(verbose_route.calls.last.request)
    assert got.form == stt_each_form.upload
    assert got.fields == EVERY_FIELD_SENT
    assert got.audio == wav.read_bytes()


def test_the_form_spells_each_field_as_the_contract_says(
    stt: ClientAdapter, verbose_route: respx.Route, wav: Path
) -> None:
    stt.transcribe(wav, upload="multipart", **EVERY_FIELD)
    form = sent_form(verbose_route.calls.last.request)
    assert form[-1].name == "file"
    parts = [(p.name, p.data.decode()) for p in form[:-1]]
    assert parts == [
        ("model", MODEL),
        ("response_format", "verbose_json"),
        ("diarize", "true"),
        ("keyterms[]", "OpenRouter"),
        ("keyterms[]", "Scribe, the model"),  # one part per term: a comma stays in its term
        ("keyterms[]", "naïve"),
        ("session_id", "s" * 256),
        ("user", "user-1234"),
        ("trace", '{"trace_id": "t-1", "span_name": "stt", "custom": {"n": 1, "ok": true}}'),
        (
            "provider",
            '{"options": {"openai": {"max_tokens": 10}}, "zdr": true, "data_collection": "deny"}',
        ),
    ]


def test_false_and_empty_values(
    stt_each_form: ClientAdapter, route: respx.Route, wav: Path
) -> None:
    stt_each_form.transcribe(
        wav, diarize=False, keyterms=[], provider_zdr=False, provider_data_collection="allow"
    )
    got = sent(route.calls.last.request)
    # An empty list asks for nothing and is left out; False is a value and is sent.
    assert got.fields == {
        "model": MODEL,
        "diarize": False,
        "provider": {"zdr": False, "data_collection": "allow"},
    }


def test_keyterms_may_be_a_tuple(stt: ClientAdapter, route: respx.Route, wav: Path) -> None:
    stt.transcribe(wav, keyterms=("Scribe",), upload="json")
    assert sent(route.calls.last.request).fields["keyterms"] == ["Scribe"]


BAD: list[Any] = [
    ({"diarize": True}, "diarize", "speaker labels come only with response_format='verbose_json'"),
    (
        {"diarize": True, "response_format": "json"},
        "diarize",
        "and response_format is 'json'; pass response_format='verbose_json' or leave diarize out",
    ),
    ({"diarize": "yes"}, "diarize", "expected True or False, got 'yes'"),
    ({"diarize": 1}, "diarize", "expected True or False, got int"),
    ({"keyterms": "OpenRouter"}, "keyterms", "got the string 'OpenRouter'"),
    ({"keyterms": ["a", 3]}, "keyterms", "every item must be a string, got int"),
    ({"keyterms": {"a"}}, "keyterms", "expected a list such as"),
    ({"keyterms": ["a", " "]}, "keyterms", "an empty term"),
    ({"session_id": "s" * 257}, "session_id", "257 characters, over the 256 allowed"),
    ({"session_id": 12}, "session_id", "expected a string, got int"),
    ({"user": 7}, "user", "expected your end-user's id as a string, got int"),
    ({"trace": "t-1"}, "trace", "expected a mapping of string keys"),
    ({"trace": {1: "x"}}, "trace", "expected a mapping of string keys"),
    ({"trace": {"trace_id": 5}}, "trace", "'trace_id' must be a string"),
    ({"trace": {"custom": object()}}, "trace", "every value must be JSON"),
    ({"trace": {"custom": math.nan}}, "trace", "every value must be JSON"),
    ({"provider_zdr": "true"}, "provider_zdr", "expected True or False, got 'true'"),
    (
        {"provider_data_collection": "never"},
        "provider_data_collection",
        "'never' is not a data collection policy; accepted: 'deny', 'allow'",
    ),
    ({"extra_body": {"input_audio": {}}}, "extra_body", "'input_audio' carries the audio"),
    ({"extra_body": {"source_url": "x"}}, "extra_body", "'source_url' carries the audio"),
    ({"extra_body": {"x": {1, 2}}}, "extra_body", "every value must be JSON"),
]


@pytest.mark.parametrize(("options", "field", "words"), BAD)
def test_bad_values_are_refused_before_sending(
    stt_each_form: ClientAdapter,
    no_route: respx.MockRouter,
    wav: Path,
    options: dict[str, Any],
    field: str,
    words: str,
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        stt_each_form.transcribe(wav, **options)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{field}: ")


def test_the_answers_new_fields_are_typed(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    body = {
        **VERBOSE_BODY,
        "confidence": 0.94,
        "language_confidence": 0.98,
        "entities": [{"start_char": 0, "end_char": 5, "text": "hello", "type": "greeting"}],
        "segments": [
            {
                "id": 0,
                "start": 0.0,
                "end": 9.2,
                "text": "hello",
                "speaker_label": "speaker_1",
                "channel": 0,
            }
        ],
        "words": [
            {
                "word": "hello",
                "start": 0.4,
                "end": 0.9,
                "speaker_label": "speaker_1",
                "channel": 0,
                "confidence": 0.9,
                "type": "word",
            },
            {"word": "(laughter)", "start": 1.0, "end": 1.5, "type": "audio_event"},
        ],
    }
    router.post("/audio/transcriptions").respond(200, json=body)
    result = stt.transcribe(wav, response_format="verbose_json", diarize=True)
    assert (result.confidence, result.language_confidence) == (0.94, 0.98)
    (entity,) = result.entities or []
    assert (entity.start_char, entity.end_char, entity.text, entity.type) == (
        0,
        5,
        "hello",
        "greeting",
    )
    assert (result.segments[0].speaker_label, result.segments[0].channel) == ("speaker_1", 0)
    words = result.words or []
    assert [(w.type, w.confidence, w.speaker_label) for w in words] == [
        ("word", 0.9, "speaker_1"),
        ("audio_event", None, None),
    ]
