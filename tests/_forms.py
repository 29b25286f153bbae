"""Reading multipart/form-data bodies in tests with python-multipart, a parser we did not write."""

from __future__ import annotations

from dataclasses import dataclass

from python_multipart.multipart import MultipartParser, parse_options_header

__all__ = ["Part", "parse_form"]


@dataclass
class Part:
    """One part of a multipart body, as python-multipart's parser saw it."""

    headers: dict[str, str]
    data: bytes

    def _disposition(self) -> dict[bytes, bytes]:
        kind, options = parse_options_header(self.headers["content-disposition"])
        assert kind == b"form-data"
        return options

    @property
    def name(self) -> str:
        return self._disposition()[b"name"].decode()

    @property
    def filename(self) -> str | None:
        value = self._disposition().get(b"filename")
        return value.decode() if value is not None else None


def parse_form(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/form-data ``body``, read by python-multipart (a parser we did not
    write), which must also find the closing delimiter."""
    kind, options = parse_options_header(content_type)
    assert kind == b"multipart/form-data"
    parts: list[Part] = []
    header: list[bytes] = [b"", b""]
    ended: list[bool] = []

    def on_part_begin() -> None:
        parts.append(Part({}, b""))

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        parts[-1].headers[header[0].decode().lower()] = header[1].decode()
        header[:] = [b"", b""]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data += data[start:end]

    parser = MultipartParser(
        options[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_end": lambda: ended.append(True),
        },
    )
    assert parser.write(body) == len(body)
    parser.finalize()
    assert ended == [True], "the body has no closing delimiter"
    return parts
