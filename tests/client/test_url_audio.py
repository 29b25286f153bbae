"""Audio by URL: an AudioURL goes as input_audio.url (JSON) or the source_url part (multipart),
checked before sending; a string is never taken for a URL, nor an AudioURL for a path."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx

from openrouter_stt import AudioURL, InvalidRequestError
from openrouter_stt.formats import format_from_url

from .conftest import MODEL, VERBOSE_BODY, ClientAdapter, sent, sent_form, sent_json

URL = "https://audio.example.com/talks/hello.mp3"


def test_json_carries_the_url_and_no_audio(stt: ClientAdapter, route: respx.Route) -> None:
    stt.transcribe(AudioURL(URL), upload="json", language="en")
    body = sent_json(route.calls.last.request)
    # The format is the path's: left to the service, which reads it the same way.
    assert body == {"input_audio": {"url": URL}, "model": MODEL, "language": "en"}


def test_a_format_given_goes_with_the_url(stt: ClientAdapter, route: respx.Route) -> None:
    stt.transcribe(AudioURL("https://cdn.example.com/stream?id=7", format="ogg"), upload="json")
    assert sent_json(route.calls.last.request)["input_audio"] == {
        "url": "https://cdn.example.com/stream?id=7",
        "format": "ogg",
    }


def test_multipart_carries_source_url_and_no_file(stt: ClientAdapter, route: respx.Route) -> None:
    stt.transcribe(AudioURL(URL), upload="multipart", temperature=0.5)
    request = route.calls.last.request
    parts = sent_form(request)
    assert [(p.name, p.filename, p.data) for p in parts] == [
        ("model", None, MODEL.encode()),
        ("temperature", None, b"0.5"),
        ("source_url", None, URL.encode()),
    ]
    assert int(request.headers["content-length"]) == len(request.content)


def test_auto_takes_multipart_for_a_url_whatever_the_size(
    stt: ClientAdapter, route: respx.Route
) -> None:
    stt.transcribe(AudioURL(URL))
    assert sent(route.calls.last.request).fields["source_url"] == URL


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("https://cdn.example.com/stream", "mp3"),  # no extension: only JSON can say it
        ("https://cdn.example.com/a.wav", "mp3"),  # the path says otherwise
    ],
)
def test_a_format_the_path_does_not_say_takes_json(
    stt: ClientAdapter, route: respx.Route, url: str, fmt: str
) -> None:
    stt.transcribe(AudioURL(url, format=fmt))  # type: ignore[arg-type]
    got = sent(route.calls.last.request)
    assert (got.form, got.fields["url"]) == ("json", {"url": url, "format": fmt})


def test_multipart_refuses_a_format_the_path_does_not_say(
    stt: ClientAdapter, no_route: respx.MockRouter
) -> None:
    with pytest.raises(InvalidRequestError, match="no part for format") as caught:
        stt.transcribe(AudioURL("https://cdn.example.com/stream", format="mp3"), upload="multipart")
    assert caught.value.field == "upload"


def test_a_format_the_path_says_fits_multipart(stt: ClientAdapter, route: respx.Route) -> None:
    stt.transcribe(AudioURL(URL, format="mp3"), upload="multipart")
    assert sent(route.calls.last.request).fields["source_url"] == URL


def test_transcribes_format_serves_a_url_too(stt: ClientAdapter, route: respx.Route) -> None:
    stt.transcribe(AudioURL("https://cdn.example.com/stream"), format="flac")
    assert sent(route.calls.last.request).fields["url"]["format"] == "flac"


@pytest.mark.parametrize(
    ("make", "field", "words"),
    [
        (lambda: AudioURL("ftp://example.com/a.mp3"), "url", "no http:// or https:// scheme"),
        (lambda: AudioURL("example.com/a.mp3"), "url", "no http:// or https:// scheme"),
        (lambda: AudioURL("/tmp/a.mp3"), "url", "for a local file, pass its path"),
        (lambda: AudioURL("https:///a.mp3"), "url", "has no host"),
        (lambda: AudioURL("http://[::1/a.mp3"), "url", "cannot be parsed"),
        (lambda: AudioURL(b"https://example.com/a.mp3"), "url", "got bytes"),  # type: ignore[arg-type]
        (lambda: AudioURL(URL, format="midi"), "format", "'midi' is not a known audio format"),
    ],
)
def test_a_bad_url_is_refused_when_made(make: object, field: str, words: str) -> None:
    with pytest.raises(InvalidRequestError, match=words) as caught:
        make()  # type: ignore[operator]
    assert caught.value.field == field


def test_a_url_with_no_format_anywhere_is_refused_before_sending(
    stt: ClientAdapter, no_route: respx.MockRouter
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        stt.transcribe(AudioURL("https://cdn.example.com/stream?id=7.mp3"))
    assert caught.value.field == "format"
    assert "path has no audio extension; pass format= with one of: wav" in str(caught.value)


def test_formats_that_contradict_each_other_are_refused(
    stt: ClientAdapter, no_route: respx.MockRouter
) -> None:
    with pytest.raises(InvalidRequestError, match="contradicts the AudioURL's format 'ogg'"):
        stt.transcribe(AudioURL(URL, format="ogg"), format="wav")


def test_the_format_is_normalised() -> None:
    assert AudioURL(URL, format=" MP3 ").format == "mp3"  # type: ignore[arg-type]


def test_a_string_that_looks_like_a_url_is_a_path(
    stt: ClientAdapter, no_route: respx.MockRouter
) -> None:
    with pytest.raises(InvalidRequestError, match="no file at 'https://"):
        stt.transcribe(URL)


def test_a_path_in_an_audio_url_is_refused(stt: ClientAdapter, data_dir: Path) -> None:
    with pytest.raises(InvalidRequestError, match="pass its path"):
        AudioURL(str(data_dir / "hello.wav"))


def test_private_hosts_are_the_services_call(stt: ClientAdapter, route: respx.Route) -> None:
    # The client cannot tell what a name resolves to where the provider runs; the service
    # answers 400 for hosts it will not fetch.
    stt.transcribe(AudioURL("http://127.0.0.1/a.wav"))
    assert sent(route.calls.last.request).fields["source_url"] == "http://127.0.0.1/a.wav"


def test_diarized_verbose_answer_from_a_url(stt: ClientAdapter, router: respx.MockRouter) -> None:
    body = {
        **VERBOSE_BODY,
        "segments": [{**VERBOSE_BODY["segments"][0], "speaker_label": "speaker_0"}],  # type: ignore[index]
        "words": [
            {
                "word": "hello",
                "start": 0.4,
                "end": 0.9,
                "speaker_label": "speaker_0",
                "type": "word",
            }
        ],
    }
    route = router.post("/audio/transcriptions").respond(200, json=body)
    result = stt.transcribe(AudioURL(URL), response_format="verbose_json", diarize=True)
    assert [w.speaker_label for w in result.words or []] == ["speaker_0"]
    assert sent(route.calls.last.request).fields["diarize"] is True


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("https://a.example/x.WAV", "wav"),
        ("https://a.example/dir.mp3/x", None),
        ("https://a.example/x.mp4?download=1#t=3", "m4a"),
        ("https://a.example/", None),
        ("https://a.example", None),
    ],
)
def test_format_from_url(url: str, fmt: str | None) -> None:
    assert format_from_url(url) == fmt
