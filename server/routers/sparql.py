"""``/sparql``: the SPARQL 1.1 Protocol query operation (https://www.w3.org/TR/sparql11-protocol/#query-operation).

GET with ``query=``; POST form-encoded (``query=``) or direct (``application/sparql-query``); the dataset
from ``default-graph-uri`` / ``named-graph-uri``; the result format by ``Accept`` or ``format=``.
Updates are refused: this server is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from kg.iris import PREFIXES
from kg.store import Dataset, GraphStore
from server import conneg
from server.errors import ProtocolError

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
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError) as err:
        raise ProtocolError(400, f"The request body is not valid {charset}: {err}") from err


def _url_params(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query, keep_blank_values=True)


async def read_query_request(request: Request) -> QueryRequest | None:
    """Read a protocol request; None for a GET without ``query`` (the caller describes the service)."""
    url_params = _url_params(request)
    if request.method == "GET":
        if "update" in url_params:
            raise ProtocolError(400, "SPARQL Update is not allowed with GET; POST it instead.")
        query = _single(url_params, "query")
        if query is None:
            return None
        return QueryRequest(query, _dataset(url_params), _single(url_params, "format"))

    media_type = _media_type(request)
    body = await _body(request)
    if media_type == FORM:
        form = parse_qs(_decode(body, request), keep_blank_values=True)
        if "update" in form:
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        query = _single(form, "query")
        if query is None:
            raise ProtocolError(400, "Missing the 'query' parameter in the form body.")
        params = {**url_params, **{k: v for k, v in form.items() if k != "query"}}
        return QueryRequest(query, _dataset(params), _single(params, "format"))
    if media_type == SPARQL_QUERY:
        if "query" in url_params:
            raise ProtocolError(400, "A direct POST carries the query in its body, not in a 'query' parameter.")
        return QueryRequest(_decode(body, request), _dataset(url_params), _single(url_params, "format"))
    if media_type == SPARQL_UPDATE:
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    raise ProtocolError(
        415,
        f"Unsupported Content-Type {media_type or '(none)'!r}: POST a query as {FORM} or {SPARQL_QUERY}.",
    )


def _not_acceptable(offers: tuple[conneg.Offer, ...]) -> ProtocolError:
    return ProtocolError(406, f"No acceptable result format: this query can return {conneg.describe(offers)}.")


def evaluate(store: GraphStore, request: QueryRequest, accept: str | None, max_length: int) -> Response:
    """Run the query and serialise its result in the negotiated format (blocking: call in a thread)."""
    if len(request.query) > max_length:
        raise ProtocolError(413, f"Query too long: the limit is {max_length} characters.")
    result = store.query(request.query, request.dataset)
    if isinstance(result, ox.QueryTriples):
        offer = conneg.negotiate(accept, conneg.RDF_OFFERS, request.format)
        if offer is None:
            raise _not_acceptable(conneg.RDF_OFFERS)
        body = ox.serialize(result, format=offer.format, prefixes=PREFIXES)  # type: ignore[arg-type]
    else:
        offer = conneg.negotiate(accept, conneg.RESULT_OFFERS, request.format)
        if offer is None:
            raise _not_acceptable(conneg.RESULT_OFFERS)
        body = result.serialize(format=offer.format)  # type: ignore[arg-type]
    return Response(body, media_type=offer.content_type, headers={"Vary": "Accept"})


@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 Protocol query endpoint")
async def sparql(request: Request) -> Response:
    parsed = await read_query_request(request)
    if parsed is None:
        raise ProtocolError(400, "Missing the 'query' parameter. Try /sparql?query=ASK%20%7B%7D")
    settings = request.app.state.settings
    return await run_in_threadpool(
        evaluate, request.app.state.store, parsed, request.headers.get("accept"), settings.max_query_length
    )
