"""Audio by URL, looked up in the world: the mock never opens a connection.

OpenRouter's docs say the provider downloads the URL itself, and that private-network, loopback,
link-local, cloud-metadata and tunnel hosts are refused. :func:`refusal` says why a URL is
refused (in the words of a 400), before anything else is done with it; :func:`format_of_url`
reads the format from the path's extension. The world's ``[urls]`` table then says what each
URL serves (:class:`.world.UrlAudio`); a URL it does not map is a failed download (see
:mod:`.gateway`).
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

from openrouter_stt.formats import AudioFormat, format_from_suffix

__all__ = ["format_of_url", "refusal"]

#: Host names that always mean this machine, a private network or a cloud's metadata service.
_PRIVATE_NAMES: Final = frozenset(
    {"localhost", "metadata", "metadata.google.internal", "instance-data", "kubernetes.default"}
)
#: Domains whose names are private by definition (RFC 6761, 6762, 8375) or cloud-internal.
_PRIVATE_SUFFIXES: Final = (".localhost", ".local", ".internal", ".home.arpa", ".lan")
#: Tunnel services, which expose a private machine under a public name.
_TUNNEL_SUFFIXES: Final = (
    ".ngrok.io",
    ".ngrok.app",
    ".ngrok-free.app",
    ".ngrok.dev",
    ".trycloudflare.com",
    ".loca.lt",
    ".localtunnel.me",
    ".serveo.net",
    ".localhost.run",
    ".lhr.life",
    ".pagekite.me",
    ".telebit.io",
)


def refusal(url: str) -> str | None:
    """Why the provider would refuse to fetch ``url``, or ``None`` when it may.

    >>> refusal("http://169.254.169.254/latest/meta-data")
    'its host 169.254.169.254 is a link-local or cloud-metadata address'
    >>> refusal("https://audio.example.com/hello.mp3") is None
    True
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return f"its scheme is {parts.scheme or 'missing'!r}; only http and https are fetched"
    if not host:
        return "it names no host"
    if parts.username is not None or parts.password is not None:
        return "it carries credentials"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return _name_refusal(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return f"its host {host} is a loopback address"
    if address.is_link_local:
        return f"its host {host} is a link-local or cloud-metadata address"
    if address.is_multicast:
        return f"its host {host} is a multicast address"
    if not address.is_global:  # private, shared (CGNAT), reserved, unspecified, documentation
        return f"its host {host} is a private-network address"
    return None


def _name_refusal(host: str) -> str | None:
    if host in _PRIVATE_NAMES or host.endswith(_PRIVATE_SUFFIXES) or "." not in host:
        return f"its host {host} is a private-network or cloud-metadata name"
    if host.endswith(_TUNNEL_SUFFIXES) or host.lstrip(".") in {s[1:] for s in _TUNNEL_SUFFIXES}:
        return f"its host {host} is a tunnel service"
    return None


def format_of_url(url: str) -> AudioFormat | None:
    """The format the URL path's extension names, or ``None``."""
    path = urlsplit(url).path
    return format_from_suffix(path.rsplit("/", 1)[-1]) if path else None
