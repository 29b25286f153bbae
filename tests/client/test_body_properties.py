"""Whatever the audio and the fields, the streamed body is exactly the JSON it claims to be."""

from __future__ import annotations

import base64
import io
import json
import math

from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt._base import check_fields, make_body
from openrouter_stt._files import load_audio
from openrouter_stt.formats import ISO_639_1
from openrouter_stt_models import STTRequest

# A leading zero byte matches no audio signature, so the explicit format always applies.
audio_bytes = st.binary(min_size=0, max_size=4000).map(lambda b: b"\x00" + b)
slugs = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10)
option_values = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
provider_options = st.none() | st.dictionaries(
    slugs, st.dictionaries(st.text(max_size=10), option_values, max_size=3), max_size=3
)


@given(
    audio=audio_bytes,
    as_file=st.booleans(),
    model=st.text(min_size=1, max_size=40).filter(str.strip),
    language=st.none() | st.sampled_from(sorted(ISO_639_1)),
    temperature=st.none() | st.floats(min_value=0, max_value=1),
    options=provider_options,
)
def test_body_decodes_to_the_request(
    audio: bytes,
    as_file: bool,
    model: str,
    language: str | None,
    temperature: float | None,
    options: dict[str, dict[str, object]] | None,
) -> None:
    fields = check_fields(
        model=model, language=language, temperature=temperature, provider_options=options
    )
    source = load_audio(io.BytesIO(audio) if as_file else audio, "flac")
    body = make_body(source, fields)
    try:
        first = b"".join(body)
        second = b"".join(body)  # a retry sends the very same bytes
    finally:
        body.close()
    assert first == second
    assert len(first) == body.content_length
    sent = STTRequest.model_validate(json.loads(first))
    assert base64.b64decode(sent.input_audio.data, validate=True) == audio
    assert sent.input_audio.format == "flac"
    assert (sent.model, sent.language, sent.temperature) == (model, language, temperature)
    if options is None:
        assert sent.provider is None
    else:
        assert sent.provider is not None
        assert sent.provider.options is not None
        assert sent.provider.options.root == options


def test_bodies_that_differ_only_by_the_sign_of_a_zero_temperature_keep_it() -> None:
    source = load_audio(b"\x00audio", "flac")
    for temperature in (0.0, -0.0, 0.0, -0.0):
        fields = check_fields(
            model="m", language=None, temperature=temperature, provider_options=None
        )
        sent = json.loads(b"".join(make_body(source, fields)))
        assert math.copysign(1, sent["temperature"]) == math.copysign(1, temperature)
