"""Writes: SPARQL 1.1 Update (``/update``, or ``update=`` on ``/sparql``) and the Graph Store Protocol's
PUT/POST/DELETE on ``/store`` — all behind a bearer token, then through the write core (:mod:`kg.writes`).

A write that does not conform raises :class:`kg.errors.ShapeViolation`, answered 422 with the report by
:func:`server.errors.error_response`.
"""

from __future__ import annotations

import hmac

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from kg.changes import Diff
from kg.writes import Committed, Writer
from server import protocol
from server.asgi import request_body, request_text
from server.errors import ProtocolError
from server.multipart import MULTIPART, read_parts
from server.protocol import check_text

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
SPARQL_UPDATE = "application/sparql-update"
PAYLOAD_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


def check_token(authorization: str | None, token: str | None) -> None:
    """Writes need ``Authorization: Bearer <token>``; compared in constant time, never logged.

    Raises:
        ProtocolError: 403 when the server has no token (read-only), 401 when the request's is missing or wrong.
    """
    if token is None:
        raise ProtocolError(403, "This server is read-only: no write token is configured (KG_WRITE_TOKEN).")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ProtocolError(
            401,
            "Writes need a valid bearer token (Authorization: Bearer …).",
            {"WWW-Authenticate": 'Bearer realm="kg"'},
        )


def _writer(request: Request) -> Writer:
    check_token(request.headers.get("authorization"), request.app.state.settings.write_token)
    writer: Writer | None = request.app.state.writer
    if writer is None:
        raise ProtocolError(403, "This store is not writable (it was opened read-only).")
    return writer


def committed_response(result: Committed, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = {"removed": result.removed, "added": result.added, "data_version": result.version}
    return JSONResponse(body, status_code=status, headers=headers)


async def run_update(request: Request, update: protocol.UpdateRequest) -> Response:
    """Authenticate, then evaluate an update through the gate (in a thread: validation takes CPU)."""
    writer = _writer(request)
    settings = request.app.state.settings
    text = update.update
    check_text(text, settings.max_query_length, "Update")
    base = str(request.url.replace(query="", fragment=""))
    result = await run_in_threadpool(
        writer.update,
        text,
        base,
        settings.load_allowlist,
        settings.service_allowlist,
        using=update.using,
        using_named=update.using_named,
    )
    return committed_response(result)


@router.post("/update", summary="SPARQL 1.1 Update (bearer token; SHACL-gated)")
async def update(request: Request) -> Response:
    media_type = protocol.media_type(request.headers.get("content-type", ""))
    body = await request_text(request)
    url_params = protocol.parse_params(request.url.query)
    if media_type == FORM:
        form = protocol.parse_params(body)
        values = form.get("update", [])
        if len(values) != 1:
            raise ProtocolError(400, "Give exactly one 'update' parameter in the form body.")
        return await run_update(request, protocol.update_request(values[0], {**url_params, **form}))
    if media_type == SPARQL_UPDATE:
        return await run_update(request, protocol.update_request(body, url_params))
    raise ProtocolError(415, f"Unsupported Content-Type {media_type or '(none)'!r}: POST {FORM} or {SPARQL_UPDATE}.")


# --- Graph Store Protocol writes -------------------------------------------------------------------------


def _target(request: Request) -> ox.NamedNode | ox.DefaultGraph | None:
    """The graph a GSP request names: ``?default``, ``?graph=IRI``, or None for the store itself (POST only)."""
    params = request.query_params
    graphs = params.getlist("graph")
    if "default" in params and not graphs:
        return ox.DefaultGraph()
    if len(graphs) == 1 and "default" not in params:
        try:
            return ox.NamedNode(graphs[0])
        except ValueError as err:
            raise ProtocolError(400, f"Not a valid graph IRI: {graphs[0]!r}.") from err
    if not graphs and "default" not in params:
        return None
    raise ProtocolError(400, "Name exactly one graph: ?default or ?graph=IRI (percent-encoded).")


async def _payload(request: Request, graph: ox.NamedNode | ox.DefaultGraph, multipart: bool = False) -> list[ox.Quad]:
    """The quads of the request's RDF document, or of every part of a ``multipart/form-data`` body (allowed for
    POST, GSP §5.5), put in ``graph``."""
    content_type = request.headers.get("content-type", "")
    base = graph.value if isinstance(graph, ox.NamedNode) else str(request.url.replace(query=""))
    if multipart and protocol.media_type(content_type) == MULTIPART:
        parts = read_parts(await request_body(request), content_type)
        return [quad for part in parts for quad in _document(bytes(part.body), part.content_type, graph, base)]
    return _document(await request_body(request), content_type, graph, base)


def _document(body: bytes, content_type: str, graph: ox.NamedNode | ox.DefaultGraph, base: str) -> list[ox.Quad]:
    media_type = protocol.media_type(content_type)
    rdf_format = PAYLOAD_FORMATS.get(media_type)
    if rdf_format is None:
        raise ProtocolError(
            415, f"Unsupported RDF Content-Type {media_type or '(none)'!r}: use {', '.join(PAYLOAD_FORMATS)}."
        )
    try:
        return [
            ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(body, format=rdf_format, base_iri=base)
        ]
    except (SyntaxError, ValueError) as err:
        raise ProtocolError(400, f"Bad RDF payload ({media_type}): {err}") from err


def _existing(writer: Writer, graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    return list(writer.store.write_view().quads_for_pattern(None, None, None, graph))


def _exists(writer: Writer, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
    return isinstance(graph, ox.DefaultGraph) or writer.store.write_view().contains_named_graph(graph)


async def _gsp_apply(
    writer: Writer,
    diff: Diff,
    created: bool,
    location: str | None = None,
    drop_graphs: tuple[ox.NamedNode, ...] = (),
) -> Response:
    result = await run_in_threadpool(writer.apply, diff, drop_graphs)
    headers = {"Location": location} if location else None
    return committed_response(result, 201 if created else 200, headers)


@router.put("/store", summary="Graph Store Protocol: replace a graph (bearer token; SHACL-gated)")
async def put_graph(request: Request) -> Response:
    writer = _writer(request)
    graph = _target(request)
    if graph is None:
        raise ProtocolError(400, "PUT needs ?default or ?graph=IRI.")
    payload = await _payload(request, graph)
    existed = _exists(writer, graph)
    diff = Diff(
        removed=set(_existing(writer, graph)) - set(payload), added=set(payload) - set(_existing(writer, graph))
    )
    return await _gsp_apply(writer, diff, created=not existed)


@router.post("/store", summary="Graph Store Protocol: add to a graph, or create one (bearer token; SHACL-gated)")
async def post_graph(request: Request) -> Response:
    writer = _writer(request)
    graph = _target(request)
    location = None
    if graph is None:  # POST to the store itself creates a new graph (GSP §5.5)
        graph = ox.NamedNode(writer.minter.new_graph())
        location = graph.value  # the new graph's IRI (GSP §5.5); it dereferences under /graph/ on this server
    existed = _exists(writer, graph)
    payload = await _payload(request, graph, multipart=True)
    diff = Diff(added=set(payload) - set(_existing(writer, graph)))
    return await _gsp_apply(writer, diff, created=location is not None or not existed, location=location)


@router.delete("/store", summary="Graph Store Protocol: delete a graph (bearer token; SHACL-gated)")
async def delete_graph(request: Request) -> Response:
    writer = _writer(request)
    graph = _target(request)
    if graph is None:
        raise ProtocolError(400, "DELETE needs ?default or ?graph=IRI.")
    if not _exists(writer, graph):
        raise ProtocolError(404, f"No graph {graph} in this store.")
    diff = Diff(removed=set(_existing(writer, graph)))
    dropped = (graph,) if isinstance(graph, ox.NamedNode) else ()
    return await _gsp_apply(writer, diff, created=False, drop_graphs=dropped)
