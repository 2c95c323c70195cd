"""Linked Data: every IRI under the base dereferences here, as HTML, Turtle, N-Triples, JSON-LD or RDF/XML.

The format comes from ``Accept``, a ``format=`` parameter, or a file extension (``/id/person/x.ttl``), as
Wikidata's entity data does; every answer lists the alternates in ``Link: rel="alternate"`` headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from rdflib.namespace import OWL, RDF, RDFS

from kg.citation import Citation, to_text
from kg.federation import WIKIDATA_SPARQL
from kg.iris import KG, PREFIXES, WD, Minter
from kg.narrow import solutions
from kg.queries import load, pin
from kg.store import GraphStore
from server import conneg, entity_view
from server.citations import WRITERS, read_citation
from server.citations import data_version as citation_version
from server.errors import ProtocolError

router = APIRouter()

WIKIDATA_EXAMPLE = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX schema: <http://schema.org/>
# What Wikidata says of <{entity}>: its description and statements (needs the Wikidata endpoint).
SELECT ?property ?value WHERE {{
  <{entity}> owl:sameAs <{item}> .
  SERVICE <{endpoint}> {{
    {{ <{item}> schema:description ?value . FILTER(LANG(?value) = "en") BIND(schema:description AS ?property) }}
    UNION
    {{ <{item}> ?property ?value . FILTER(STRSTARTS(STR(?property), STR(wdt:))) }}
  }}
}} LIMIT 100"""

ENTITY_OFFERS = (conneg.TURTLE, conneg.HTML, conneg.N_TRIPLES, conneg.JSON_LD, conneg.RDF_XML)
#: A statement is also offered as a citation (its RDF formats stay first: ``*/*`` still gets Turtle).
STATEMENT_OFFERS = (*ENTITY_OFFERS, *conneg.CITATION_OFFERS)
#: The classes of statements (the pages of their instances offer a citation).
STATEMENT_KINDS = frozenset(
    str(k) for k in (KG.DirectQuotation, KG.Paraphrase, KG.AuthorialClaim, KG.AuthorialQuestion)
)
EXTENSIONS = {offer.extension: offer for offer in STATEMENT_OFFERS}


@dataclass(frozen=True)
class Term:
    """An RDF term as a page shows it: text, an optional link, and a note (language or datatype)."""

    text: str
    href: str | None = None
    note: str = ""
    iri: str | None = None


def local_href(iri: str, base: str) -> str:
    """Where an IRI is browsed on this server: IRIs under the base and ontology terms stay local.

    >>> local_href("https://w3id.org/akg/id/person/x", "https://w3id.org/akg/")
    '/id/person/x'
    >>> local_href("https://w3id.org/akg/ontology#Person", "https://w3id.org/akg/")
    '/ontology#Person'
    >>> local_href("http://www.w3.org/ns/prov#Entity", "https://w3id.org/akg/")
    'http://www.w3.org/ns/prov#Entity'
    """
    ontology = str(KG._NS)
    if iri.startswith(ontology):
        return "/ontology#" + iri[len(ontology) :]
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    return iri


def compact(iri: str) -> str:
    """A prefixed name where a known prefix fits, else the IRI.

    >>> compact("http://www.w3.org/2000/01/rdf-schema#label")
    'rdfs:label'
    """
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def to_term(value: object, label: object, base: str) -> Term:
    if isinstance(value, ox.NamedNode):
        text = label.value if isinstance(label, ox.Literal) else compact(value.value)
        return Term(text, local_href(value.value, base), "", value.value)
    if isinstance(value, ox.Literal):
        note = f"@{value.language}" if value.language else compact(value.datatype.value)
        return Term(value.value, None, "" if note == "xsd:string" else note)
    return Term(str(value))


def _alternates(path: str) -> str:
    return ", ".join(f'<{path}.{o.extension}>; rel="alternate"; type="{o.media_type}"' for o in ENTITY_OFFERS)


def _entity_page(request: Request, store: GraphStore, iri: str) -> HTMLResponse:
    base = request.app.state.settings.base_iri
    bind = {"entity": ox.NamedNode(iri)}
    outgoing: dict[str, list[Term]] = {}
    labels: list[str] = []
    types: list[Term] = []
    for row in solutions(store.query(pin(load("entity_outgoing").text, bind))):
        prop = row["property"].value
        term = to_term(row["value"], row["valueLabel"], base)
        if prop == str(RDFS.label):
            labels.append(term.text)
        elif prop == str(RDF.type):
            types.append(term)
        else:
            outgoing.setdefault(prop, []).append(term)
    incoming = [
        (
            Term(compact(r["property"].value), local_href(r["property"].value, base)),
            to_term(r["subject"], r["subjectLabel"], base),
        )
        for r in solutions(store.query(pin(load("entity_incoming").text, bind)))
    ]
    href = partial(local_href, base=base)
    groups = entity_view.group_by_source(
        solutions(store.query(pin(load("entity_statements").text, bind))), href, compact
    )
    concepts = [
        to_term(r["concept"], r["conceptLabel"], base)
        for r in solutions(store.query(pin(load("entity_concepts").text, bind)))
    ]
    held = entity_view.offices(solutions(store.query(pin(load("entity_offices").text, bind))), href)
    citation = _citation(request, iri) if any(t.iri in STATEMENT_KINDS for t in types) else None
    same_as = [t.iri for t in outgoing.get(str(OWL.sameAs), []) if t.iri and t.iri.startswith(str(WD))]
    wikidata = [
        {
            "iri": qid,
            "id": qid.rsplit("/", 1)[-1],
            "query": WIKIDATA_EXAMPLE.format(entity=iri, item=qid, endpoint=WIKIDATA_SPARQL),
        }
        for qid in same_as
    ]
    properties = [
        (Term(compact(p), local_href(p, base)), values)
        for p, values in sorted(outgoing.items(), key=lambda i: compact(i[0]))
    ]
    return request.app.state.templates.TemplateResponse(
        request,
        "entity.html",
        {
            "iri": iri,
            "label": labels[0] if labels else compact(iri),
            "types": types,
            "properties": properties,
            "incoming": incoming,
            "groups": groups,
            "timeline": entity_view.timeline(groups),
            "offices": held,
            "concepts": concepts,
            "counts": entity_view.counts(groups, len(concepts)),
            "citation": to_text(citation) if citation else None,
            "citation_formats": conneg.CITATION_OFFERS,
            "wikidata": wikidata,
            "formats": [o for o in ENTITY_OFFERS if o.format is not None],
            "path": request.url.path,
        },
    )


def _citation(request: Request, iri: str) -> Citation | None:
    state = request.app.state
    return read_citation(state.store, iri, citation_version(state.settings.dump_dir, state.data_version))


def cite(request: Request, iri: str, offer: conneg.Offer) -> Response:
    """The statement ``iri`` as a citation in the format of ``offer``; 406 if ``iri`` is not a statement.

    Raises:
        ProtocolError: 406, listing the formats the resource has.
    """
    citation = _citation(request, iri)
    if citation is None:
        raise ProtocolError(
            406, f"No acceptable format: this resource is available as {conneg.describe(ENTITY_OFFERS)}."
        )
    return Response(WRITERS[offer](citation), media_type=offer.content_type)


def describe(request: Request, iri: str, offer: conneg.Offer) -> Response:
    store: GraphStore = request.app.state.store
    if offer in conneg.CITATION_OFFERS:
        return cite(request, iri, offer)
    if offer is conneg.HTML:
        return _entity_page(request, store, iri)
    triples = store.query(pin(load("entity_description").text, {"entity": ox.NamedNode(iri)}))
    body = ox.serialize(triples, format=offer.format, prefixes=PREFIXES)  # type: ignore[arg-type]
    return Response(body, media_type=offer.content_type)


@router.get("/id/{path:path}", summary="Dereference an entity IRI (HTML, Turtle, N-Triples, JSON-LD, RDF/XML)")
def entity(request: Request, path: str, format: str | None = None) -> Response:
    offers = STATEMENT_OFFERS if path.startswith("statement/") else ENTITY_OFFERS
    stem, dot, extension = path.rpartition(".")
    offer = EXTENSIONS.get(extension) if dot and "/" not in extension else None
    if offer is None or offer not in offers:
        stem = path
        offer = conneg.negotiate(request.headers.get("accept"), offers, format)
        if offer is None:
            raise ProtocolError(406, f"No acceptable format: this resource is available as {conneg.describe(offers)}.")
    iri = Minter(request.app.state.settings.base_iri).id_path(stem)
    try:
        node = ox.NamedNode(iri)
    except ValueError as err:
        raise ProtocolError(404, f"No resource {iri!r}: not a valid IRI.") from err
    if not request.app.state.store.query(pin(load("entity_exists").text, {"entity": node})):
        raise ProtocolError(404, f"No resource <{iri}> in this graph.")
    response = describe(request, iri, offer)
    response.headers["Link"] = _alternates("/id/" + stem)
    response.headers["Vary"] = "Accept"
    return response
