"""``/store``: the read side of the SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

``GET``/``HEAD /store?graph=IRI`` returns one named graph, ``?default`` the default graph — the union of
all named graphs, as the query service sees it. Graph IRIs under the base (``/graph/…``) dereference here too.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from kg.iris import PREFIXES, Minter
from server.errors import ProtocolError
from server.rdf import negotiate_rdf

router = APIRouter()


def graph_response(request: Request, graph: str | None) -> Response:
    """Serialise the default graph (``graph=None``) or a named graph, 404 if the store has no such graph."""
    store = request.app.state.store
    offer = negotiate_rdf(request)
    if graph is None:
        # The default graph as the query service sees it: the union of all graphs, or the real default graph.
        union = getattr(store, "union_default_graph", True)
        quads = store.quads() if union else store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())
        triples = sorted({q.triple for q in quads}, key=str)
    else:
        if graph not in store.graphs():
            raise ProtocolError(404, f"No graph <{graph}> in this store; GET /store?default for the default graph.")
        triples = sorted((q.triple for q in store.quads(graph)), key=str)
    body = ox.serialize(triples, format=offer.format, prefixes=PREFIXES)  # type: ignore[arg-type]
    return Response(body, media_type=offer.content_type, headers={"Vary": "Accept"})


@router.get("/store", summary="Graph Store Protocol: read a graph")
def read_graph(request: Request) -> Response:
    params = request.query_params
    has_default, graphs = "default" in params, params.getlist("graph")
    if has_default == bool(graphs) or len(graphs) > 1:
        raise ProtocolError(400, "Name exactly one graph: ?default or ?graph=IRI (percent-encoded).")
    if graphs:
        try:
            ox.NamedNode(graphs[0])
        except ValueError as err:
            raise ProtocolError(400, f"Not a valid graph IRI: {graphs[0]!r}.") from err
    return graph_response(request, graphs[0] if graphs else None)


@router.get("/graph/{name}", summary="Dereference a named graph IRI")
def named_graph(request: Request, name: str) -> Response:
    return graph_response(request, Minter(request.app.state.settings.base_iri).graph(name))
