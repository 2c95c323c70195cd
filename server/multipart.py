"""The parts of a ``multipart/form-data`` body (RFC 7578), read with python-multipart, the parser Starlette uses.

The Graph Store Protocol lets a POST carry several RDF documents at once, one per part, each with its own
``Content-Type`` (https://www.w3.org/TR/sparql11-http-rdf-update/#http-post). Starlette's form API keeps the
content type of file parts only, so the parts are read here from the parser's callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from server.errors import ProtocolError

MULTIPART = "multipart/form-data"


@dataclass
class Part:
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def read_parts(body: bytes, content_type: str) -> list[Part]:
    """The parts of a ``multipart/form-data`` body, with their headers (names lower-cased).

    >>> body = b'--b\\r\\nContent-Type: text/turtle\\r\\n\\r\\n<a> <b> <c> .\\r\\n--b--\\r\\n'
    >>> [(p.content_type, bytes(p.body)) for p in read_parts(body, "multipart/form-data; boundary=b")]
    [('text/turtle', b'<a> <b> <c> .')]

    Raises:
        ProtocolError: 400 for a body without a boundary, or one that is not well-formed multipart.
    """
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        raise ProtocolError(400, "A multipart/form-data body needs a boundary parameter in its Content-Type.")
    parts: list[Part] = []
    name = bytearray()
    value = bytearray()

    def header_end() -> None:
        parts[-1].headers[name.decode("latin-1").lower()] = value.decode("latin-1").strip()
        name.clear()
        value.clear()

    callbacks = {
        "on_part_begin": lambda: parts.append(Part()),
        "on_part_data": lambda data, start, end: parts[-1].body.extend(data[start:end]),
        "on_header_field": lambda data, start, end: name.extend(data[start:end]),
        "on_header_value": lambda data, start, end: value.extend(data[start:end]),
        "on_header_end": header_end,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as err:
        raise ProtocolError(400, f"Malformed multipart/form-data body: {err}") from err
    return parts
