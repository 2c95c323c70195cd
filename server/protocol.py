"""Reading a SPARQL 1.1 Protocol request (https://www.w3.org/TR/sparql11-protocol/): pure functions over the
raw request parts, shared by the ASGI hot path (:mod:`server.hotpath`) and the FastAPI routes.

Nothing here knows ASGI or Starlette: a request is its method, query string, ``Content-Type`` and body, so
the hot path can answer a query without building a framework request object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_to_bytes

import pyoxigraph as ox

from kg.depth import check_depth
from kg.errors import QueryTooDeep
from kg.store import Dataset
from server.errors import ProtocolError

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class QueryRequest:
    """A protocol query request, once its parameters are read and checked."""

    query: str
    dataset: Dataset
    format: str | None
    timeout: str | None = None


@dataclass(frozen=True)
class UpdateRequest:
    """A SPARQL Update (POST form ``update=`` or ``application/sparql-update``) and the dataset its parameters
    give its WHERE clauses (``using-graph-uri``, ``using-named-graph-uri``: SPARQL 1.1 Protocol §2.2)."""

    update: str
    using: tuple[str, ...] = ()
    using_named: tuple[str, ...] = ()


def update_request(update: str, params: dict[str, list[str]]) -> UpdateRequest:
    """An update with the dataset parameters of its request (query string, and form body for a form POST).

    >>> update_request("CLEAR ALL", {"using-graph-uri": ["http://a"], "update": ["CLEAR ALL"]})
    UpdateRequest(update='CLEAR ALL', using=('http://a',), using_named=())

    Raises:
        ProtocolError: 400 for a parameter that is not an absolute IRI.
    """
    iris = {}
    for name in ("using-graph-uri", "using-named-graph-uri"):
        for value in params.get(name, []):
            try:
                ox.NamedNode(value)
            except ValueError as err:
                raise ProtocolError(400, f"The parameter '{name}' is not a valid IRI: {value!r}.") from err
        iris[name] = tuple(params.get(name, []))
    return UpdateRequest(update, iris["using-graph-uri"], iris["using-named-graph-uri"])


def media_type(content_type: str) -> str:
    """The bare, lower-cased media type of a ``Content-Type`` value.

    >>> media_type("Application/SPARQL-Query; charset=UTF-8")
    'application/sparql-query'
    """
    return content_type.split(";", 1)[0].strip().lower()


def decode(body: bytes, content_type: str) -> str:
    """The body as text; SPARQL requests are UTF-8 (415 for another charset, 400 for bad bytes).

    >>> decode("é".encode(), "application/sparql-query; charset=utf-8")
    'é'
    """
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"Unsupported charset {charset!r}: SPARQL requests must be UTF-8.")
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError) as err:
        raise ProtocolError(400, f"The request body is not valid {charset}: {err}") from err


def parse_params(text: str) -> dict[str, list[str]]:
    """URL or form parameters, percent-decoded as UTF-8: 400 for bytes that are not, never U+FFFD.

    >>> parse_params("query=ASK%7B%7D&format=")
    {'query': ['ASK{}'], 'format': ['']}

    Raises:
        ProtocolError: 400 if a percent-encoded parameter is not UTF-8 (e.g. ``%FF``).
    """
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as err:
        raise ProtocolError(400, f"A parameter is not valid UTF-8 once percent-decoded: {err}") from err


def check_target(raw_path: bytes, query_string: str) -> None:
    """Raises ProtocolError(400) unless the request's path and parameters are UTF-8 once percent-decoded.

    The ASGI server and Starlette decode them replacing bad bytes with U+FFFD, which would name another resource.

    >>> check_target(b"/id/person/%C3%A9", "graph=x%C3%A9")
    >>> check_target(b"/id/person/%FF", "")
    Traceback (most recent call last):
    server.errors.ProtocolError: The request path is not valid UTF-8 once percent-decoded: ...
    """
    try:
        unquote_to_bytes(raw_path).decode()
    except UnicodeDecodeError as err:
        raise ProtocolError(400, f"The request path is not valid UTF-8 once percent-decoded: {err}") from err
    parse_params(query_string)


def body_too_large(limit: int) -> ProtocolError:
    return ProtocolError(413, f"Request body too large: the limit is {limit} bytes.")


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ProtocolError(400, f"The parameter '{name}' must be given at most once.")
    return values[0] if values else None


def _dataset(params: dict[str, list[str]]) -> Dataset:
    return Dataset(tuple(params.get("default-graph-uri", [])), tuple(params.get("named-graph-uri", [])))


def _query(query: str, params: dict[str, list[str]]) -> QueryRequest:
    return QueryRequest(query, _dataset(params), _single(params, "format"), _single(params, "timeout"))


def parse_request(
    method: str, query_string: str, content_type: str, body: bytes
) -> QueryRequest | UpdateRequest | None:
    """Read a protocol request; None for a GET without ``query`` (the caller describes the service).

    >>> parse_request("GET", "query=ASK%7B%7D&format=csv", "", b"")
    QueryRequest(query='ASK{}', dataset=Dataset(default_graphs=(), named_graphs=()), format='csv', timeout=None)
    >>> parse_request("POST", "", "application/sparql-update", b"CLEAR ALL")
    UpdateRequest(update='CLEAR ALL', using=(), using_named=())

    Raises:
        ProtocolError: 400 for a malformed request, 415 for a Content-Type the protocol does not define.
    """
    url_params = parse_params(query_string)
    if method in ("GET", "HEAD"):
        if "update" in url_params:
            raise ProtocolError(400, "SPARQL Update is not allowed with GET; POST it instead.")
        query = _single(url_params, "query")
        return None if query is None else _query(query, url_params)

    kind = media_type(content_type)
    if kind == FORM:
        form = parse_params(decode(body, content_type))
        if "update" in form:
            if "query" in form or len(form["update"]) != 1:
                raise ProtocolError(400, "Give exactly one 'update' parameter, and no 'query', in the form body.")
            return update_request(form["update"][0], {**url_params, **form})
        query = _single(form, "query")
        if query is None:
            raise ProtocolError(400, "Missing the 'query' parameter in the form body.")
        return _query(query, {**url_params, **{k: v for k, v in form.items() if k != "query"}})
    if kind == SPARQL_QUERY:
        if "query" in url_params:
            raise ProtocolError(400, "A direct POST carries the query in its body, not in a 'query' parameter.")
        return _query(decode(body, content_type), url_params)
    if kind == SPARQL_UPDATE:
        return update_request(decode(body, content_type), url_params)
    raise ProtocolError(
        415,
        f"Unsupported Content-Type {kind or '(none)'!r}: POST a query as {FORM} or {SPARQL_QUERY}.",
    )


def check_nesting(text: str) -> None:
    """Raises ProtocolError(400) for a query or update that could overflow the engine's stack (:mod:`kg.depth`:
    too deeply nested, or too long a chain of operators, blocks or triple patterns)."""
    try:
        check_depth(text)
    except QueryTooDeep as err:
        raise ProtocolError(400, str(err)) from err


def check_text(text: str, max_length: int, kind: str = "Query") -> None:
    """Refuse a query or update (``kind``) longer than ``max_length`` characters, or nested too deeply to run.

    Raises:
        ProtocolError: 413 when too long, 400 when too deep (:func:`check_nesting`).
    """
    if len(text) > max_length:
        raise ProtocolError(413, f"{kind} too long: the limit is {max_length} characters.")
    check_nesting(text)


def check_query(parsed: QueryRequest, max_length: int, max_seconds: float) -> float:
    """Every check of a query before it runs (length, nesting, ``timeout``); returns its time limit in seconds.

    >>> check_query(QueryRequest("ASK {}", Dataset((), ()), None, "2"), 100, 30.0)
    2.0

    Raises:
        ProtocolError: 413 for a query too long, 400 for one too deep or a bad ``timeout``.
    """
    check_text(parsed.query, max_length, "Query")
    return time_limit(parsed.timeout, max_seconds)


def time_limit(requested: str | None, limit: float) -> float:
    """The per-request ``timeout`` (seconds), capped by the server's limit.

    >>> time_limit("2.5", 30.0), time_limit(None, 30.0), time_limit("99", 30.0)
    (2.5, 30.0, 30.0)
    """
    if requested is None or requested == "":
        return limit
    try:
        value = float(requested)
    except ValueError as err:
        raise ProtocolError(400, f"The 'timeout' parameter must be a number of seconds, not {requested!r}.") from err
    if not value > 0:
        raise ProtocolError(400, "The 'timeout' parameter must be a positive number of seconds.")
    return min(value, limit)


def etag(data_version: str, query_string: str, accept: str) -> str:
    """A strong ETag for a GET query: the data version, the query string and the negotiation inputs."""
    key = "\n".join((data_version, query_string, accept))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header matches ``tag`` (weak comparison, RFC 9110 §13.1.2).

    >>> matches('W/"a", "b"', '"b"'), matches(None, '"b"'), matches("*", '"b"')
    (True, False, True)
    """
    if not if_none_match:
        return False
    return if_none_match.strip() == "*" or tag in (t.strip().removeprefix("W/") for t in if_none_match.split(","))
