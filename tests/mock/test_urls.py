"""Which audio URLs the provider refuses to fetch, and the format a URL's path names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt_mock.urls import format_of_url, refusal


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/a.wav", "loopback"),
        ("http://[::1]/a.wav", "loopback"),
        ("http://localhost:8080/a.wav", "private-network or cloud-metadata name"),
        ("http://api.localhost/a.wav", "private-network or cloud-metadata name"),
        ("http://10.1.2.3/a.wav", "private-network address"),
        ("http://192.168.0.10/a.wav", "private-network address"),
        ("http://172.16.5.4/a.wav", "private-network address"),
        ("http://[fd00::1]/a.wav", "private-network address"),
        ("http://[::ffff:10.0.0.1]/a.wav", "private-network address"),
        ("http://169.254.169.254/latest/meta-data", "link-local or cloud-metadata address"),
        ("http://metadata.google.internal/computeMetadata/v1", "cloud-metadata name"),
        ("http://printer.local/a.wav", "private-network or cloud-metadata name"),
        ("https://abcd-1234.ngrok-free.app/a.wav", "tunnel service"),
        ("https://quiet-sky.trycloudflare.com/a.wav", "tunnel service"),
        ("http://0.0.0.0/a.wav", "private-network address"),
        ("ftp://audio.example.com/a.wav", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("https:///a.wav", "names no host"),
        ("https://user:pw@audio.example.com/a.wav", "credentials"),
        ("https://audio.example.com:99999/a.wav", "not a valid URL"),
        ("http://intranet/a.wav", "private-network or cloud-metadata name"),
    ],
)
def test_hosts_the_provider_will_not_fetch_are_refused(url: str, why: str) -> None:
    reason = refusal(url)
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize(
    "url",
    [
        "https://audio.example.com/hello.mp3",
        "http://8.8.8.8/a.wav",
        "https://[2606:4700::1111]/a.wav",
        "https://cdn.example.org:8443/x/y/speech",
    ],
)
def test_public_hosts_may_be_fetched(url: str) -> None:
    assert refusal(url) is None


@given(st.ip_addresses(v=4))
def test_any_ipv4_host_is_refused_exactly_when_it_is_not_global(address: object) -> None:
    import ipaddress

    ip = ipaddress.ip_address(str(address))
    refused = refusal(f"http://{ip}/a.wav") is not None
    assert refused == (not ip.is_global or ip.is_multicast)  # multicast may count as global


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("https://a.example.com/x/hello.MP3", "mp3"),
        ("https://a.example.com/hello.wav?sig=1#t", "wav"),
        ("https://a.example.com/speech", None),
        ("https://a.example.com/", None),
        ("https://a.example.com/notes.txt", None),
    ],
)
def test_the_format_comes_from_the_paths_extension(url: str, fmt: str | None) -> None:
    assert format_of_url(url) == fmt
