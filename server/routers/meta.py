"""Service-level resources: landing page, health, VoID, the SPARQL service description, the ontology."""

from __future__ import annotations

import os
from functools import cache

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg.errors import StoreUnavailable
from kg.iris import FORMATS, SD, VOID, Minter
from kg.queries import examples
from kg.remote_store import SparqlEngineStore
from kg.validate import ONTOLOGY_FILE
from kg.void import void_description
from server import conneg
from server.html import content_security_policy, inline_hashes
from server.rdf import negotiate_rdf, rdf_response
from server.readers import read_processes

router = APIRouter()

RESULT_FORMATS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/ld+json": FORMATS["JSON-LD"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "application/n-quads": FORMATS["N-Quads"],
    "application/trig": FORMATS.TriG,
}


def _root(request: Request) -> str:
    return str(request.base_url)


@router.get("/health", summary="Liveness and data version")
def health(request: Request) -> JSONResponse:
    """200 with the data version and the serving processes; 503 naming the dependency that fails (the store's
    engine), so that a load balancer takes this server out until the engine is back."""
    store = request.app.state.store
    processes = read_processes(request.app.state.settings.runtime_dir)
    if isinstance(store, SparqlEngineStore):
        try:
            store.ping()
        except StoreUnavailable as err:
            failing = {"status": "unavailable", "failing": "store", "store": store.url, "message": str(err)}
            return JSONResponse(failing, status_code=503, headers={"Cache-Control": "no-store"})
    return JSONResponse(
        {
            "status": "ok",
            "data_version": request.app.state.data_version,
            "triples": len(store),
            "graphs": store.graphs(),
            "process": os.getpid(),  # the serving process that answered
            "processes": processes["pids"],
            "processes_recycled": processes["recycled"],
        }
    )


@router.get("/", response_class=HTMLResponse, summary="Landing page")
def landing(request: Request) -> HTMLResponse:
    store = request.app.state.store
    return request.app.state.templates.TemplateResponse(
        request,
        "index.html",
        {"triples": len(store), "graphs": store.graphs(), "queries": examples()},
    )


def _void_graph(request: Request) -> Graph:
    """VoID is computed once per data version: counting is a full scan."""
    cached = request.app.state.cache.get("void")
    if cached and cached[0] == request.app.state.data_version:
        return cached[1]
    dumps_dir = request.app.state.settings.dump_dir
    dumps = [f"{_root(request)}dumps/{p.name}" for p in sorted(dumps_dir.glob("*"))] if dumps_dir.is_dir() else []
    graph = void_description(
        request.app.state.store, Minter(request.app.state.settings.base_iri), f"{_root(request)}sparql", dumps
    )
    request.app.state.cache["void"] = (request.app.state.data_version, graph)
    return graph


@router.get("/.well-known/void", summary="VoID description of the dataset")
def void(request: Request) -> Response:
    return rdf_response(request, _void_graph(request))


def service_description(request: Request) -> Response:
    """The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/)."""
    g = Graph(bind_namespaces="none")
    service = URIRef(f"{_root(request)}sparql#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(f"{_root(request)}sparql")))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for feature in (SD.UnionDefaultGraph, SD.BasicFederatedQuery):
        g.add((service, SD.feature, feature))
    for media_type in dict.fromkeys(o.media_type for o in conneg.RESULT_OFFERS + conneg.RDF_OFFERS):
        if media_type in RESULT_FORMATS:
            g.add((service, SD.resultFormat, RESULT_FORMATS[media_type]))
    dataset, default_graph = BNode("dataset"), BNode("defaultGraph")
    store = request.app.state.store
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, Literal(len(store), datatype=XSD.integer)))
    for name in store.graphs():
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
    g.add((service, RDFS.seeAlso, URIRef(f"{_root(request)}.well-known/void")))
    return rdf_response(request, g)


@cache
def _ontology_html() -> str:
    """The ontology's documentation, made by pyLODE once per process."""
    from pylode import OntPub

    return OntPub(ontology=str(ONTOLOGY_FILE)).make_html()


@router.get("/ontology", summary="The ontology: HTML documentation or RDF")
def ontology(request: Request) -> Response:
    offers = (conneg.HTML, *conneg.TRIPLE_OFFERS)
    offer = negotiate_rdf(request, offers)
    if offer.format is None:
        page = _ontology_html()
        policy = content_security_policy(inline_hashes(page))  # pyLODE's page has an inline <style>
        return HTMLResponse(page, headers={"Vary": "Accept", "Content-Security-Policy": policy})
    return rdf_response(request, Graph().parse(ONTOLOGY_FILE), conneg.TRIPLE_OFFERS)
