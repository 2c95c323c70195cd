"""Serialise an rdflib graph in a negotiated RDF format, with the project's prefixes (via pyoxigraph)."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request, Response
from rdflib import Graph

from kg.iris import PREFIXES
from server import conneg
from server.errors import ProtocolError

GRAPH_OFFERS = (*conneg.TRIPLE_OFFERS, conneg.PLAIN_N_TRIPLES)


def negotiate_rdf(request: Request, offers: tuple[conneg.Offer, ...] = GRAPH_OFFERS) -> conneg.Offer:
    """The RDF format the request accepts (``format=`` first), or a 406 listing the offers."""
    offer = conneg.negotiate(request.headers.get("accept"), offers, request.query_params.get("format"))
    if offer is None:
        raise ProtocolError(406, f"No acceptable format: this resource is available as {conneg.describe(offers)}.")
    return offer


def rdf_response(request: Request, graph: Graph, offers: tuple[conneg.Offer, ...] = GRAPH_OFFERS) -> Response:
    offer = negotiate_rdf(request, offers)
    # Sorted, so that the triples of one subject are written together.
    triples = sorted(ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES), key=str)
    body = ox.serialize(triples, format=offer.format, prefixes=PREFIXES)  # type: ignore[arg-type]
    return Response(body, media_type=offer.content_type, headers={"Vary": "Accept"})
