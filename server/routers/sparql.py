"""``/sparql``: the SPARQL 1.1 Protocol query operation (https://www.w3.org/TR/sparql11-protocol/#query-operation).

GET with ``query=``; POST form-encoded (``query=``) or direct (``application/sparql-query``); the dataset
from ``default-graph-uri`` / ``named-graph-uri``; the result format by ``Accept`` or ``format=``.
Updates are refused: this server is read-only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from kg.store import Dataset
from server import conneg
from server.errors import ProtocolError
from server.federation import refuse_disallowed_service
from server.results import Job
from server.routers.meta import service_description

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class QueryRequest:
    """A protocol request, once its parameters are read and checked."""

    query: str
    dataset: Dataset
    format: str | None
    timeout: str | None = None


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ProtocolError(400, f"The parameter '{name}' must be given at most once.")
    return values[0] if values else None


def _dataset(params: dict[str, list[str]]) -> Dataset:
    return Dataset(tuple(params.get("default-graph-uri", [])), tuple(params.get("named-graph-uri", [])))


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _body(request: Request) -> bytes:
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, f"Request body too large: the limit is {limit} bytes.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ProtocolError(413, f"Request body too large: the limit is {limit} bytes.")
    return body


def _decode(body: bytes, request: Request) -> str:
    charset = "utf-8"
    for part in request.headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"Unsupported charset {charset!r}: SPARQL requests must be UTF-8.")
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError) as err:
        raise ProtocolError(400, f"The request body is not valid {charset}: {err}") from err


def _url_params(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query, keep_blank_values=True)


@dataclass(frozen=True)
class UpdateRequest:
    """A SPARQL Update sent to /sparql (POST form ``update=`` or ``application/sparql-update``)."""

    update: str


async def read_query_request(request: Request) -> QueryRequest | UpdateRequest | None:
    """Read a protocol request; None for a GET without ``query`` (the caller describes the service)."""
    url_params = _url_params(request)
    if request.method == "GET":
        if "update" in url_params:
            raise ProtocolError(400, "SPARQL Update is not allowed with GET; POST it instead.")
        query = _single(url_params, "query")
        if query is None:
            return None
        return QueryRequest(query, _dataset(url_params), _single(url_params, "format"), _single(url_params, "timeout"))

    media_type = _media_type(request)
    body = await _body(request)
    if media_type == FORM:
        form = parse_qs(_decode(body, request), keep_blank_values=True)
        if "update" in form:
            if "query" in form or len(form["update"]) != 1:
                raise ProtocolError(400, "Give exactly one 'update' parameter, and no 'query', in the form body.")
            return UpdateRequest(form["update"][0])
        query = _single(form, "query")
        if query is None:
            raise ProtocolError(400, "Missing the 'query' parameter in the form body.")
        params = {**url_params, **{k: v for k, v in form.items() if k != "query"}}
        return QueryRequest(query, _dataset(params), _single(params, "format"), _single(params, "timeout"))
    if media_type == SPARQL_QUERY:
        if "query" in url_params:
            raise ProtocolError(400, "A direct POST carries the query in its body, not in a 'query' parameter.")
        return QueryRequest(
            _decode(body, request), _dataset(url_params), _single(url_params, "format"), _single(url_params, "timeout")
        )
    if media_type == SPARQL_UPDATE:
        return UpdateRequest(_decode(body, request))
    raise ProtocolError(
        415,
        f"Unsupported Content-Type {media_type or '(none)'!r}: POST a query as {FORM} or {SPARQL_QUERY}.",
    )


MAX_NESTING = 200


def nesting_depth(text: str) -> int:
    """The deepest nesting of brackets in a query (string literals included: a cheap, safe upper bound).

    The engine's parser recurses on nesting and a deep enough query overflows its stack, so deep queries are
    refused before parsing.

    >>> nesting_depth("SELECT * WHERE { { ?s ?p (1 + (2)) } }")
    4
    """
    depth = deepest = 0
    for char in text:
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth = max(0, depth - 1)
    return deepest


def check_nesting(text: str) -> None:
    """Raises ProtocolError(400) for a request nested deeper than :data:`MAX_NESTING`."""
    if nesting_depth(text) > MAX_NESTING:
        raise ProtocolError(400, f"The request is nested more than {MAX_NESTING} levels deep: refused.")


def _time_limit(requested: str | None, limit: float) -> float:
    """The per-request ``timeout`` (seconds), capped by the server's limit."""
    if requested is None or requested == "":
        return limit
    try:
        value = float(requested)
    except ValueError as err:
        raise ProtocolError(400, f"The 'timeout' parameter must be a number of seconds, not {requested!r}.") from err
    if not value > 0:
        raise ProtocolError(400, "The 'timeout' parameter must be a positive number of seconds.")
    return min(value, limit)


def etag(request: Request) -> str:
    """A strong ETag for a GET query: the data version, the query string and the negotiation inputs."""
    key = "\n".join((request.app.state.data_version, request.url.query, request.headers.get("accept", "")))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    return if_none_match.strip() == "*" or tag in (t.strip().removeprefix("W/") for t in if_none_match.split(","))


@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 Protocol query endpoint")
async def sparql(request: Request) -> Response:
    parsed = await read_query_request(request)
    refuse_disallowed_service(parsed, request.app.state.settings.service_allowlist)  # before any engine sees it
    if isinstance(parsed, UpdateRequest):
        from server.routers.writes import run_update

        return await run_update(request, parsed.update)
    if parsed is None:
        accept = request.headers.get("accept", "")
        if conneg.negotiate(accept, (conneg.HTML, *conneg.RDF_OFFERS)) is conneg.HTML and "text/html" in accept:
            return RedirectResponse("/query", status_code=303)
        return service_description(request)
    settings = request.app.state.settings
    tag = etag(request) if request.method == "GET" else None
    if tag and _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag, "Vary": "Accept"})
    if len(parsed.query) > settings.max_query_length:
        raise ProtocolError(413, f"Query too long: the limit is {settings.max_query_length} characters.")
    limit = _time_limit(parsed.timeout, settings.query_timeout)
    # Relative IRIs in a query resolve against the endpoint's own URL (SPARQL 1.1 Query §4.1.1.1).
    base = str(request.url.replace(query="", fragment=""))
    job = Job(parsed.query, parsed.dataset, request.headers.get("accept"), parsed.format, base)
    outcome = await run_in_threadpool(request.app.state.executor.run, job, limit)
    headers = {"Vary": "Accept"}
    if tag and outcome.status == 200:
        headers["ETag"] = tag
        headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    return Response(outcome.body, status_code=outcome.status, media_type=outcome.media_type, headers=headers)
