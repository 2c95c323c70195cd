"""The benchmark's workloads: what is asked of every system, and how each system is asked.

A workload is one HTTP request (the same SPARQL text for every peer where it is a query), a group that the
targets refer to (``small``, ``heavy``, ``aggfilter``), and the systems it applies to. The competency queries
are the project's own ``kg/queries/cq*.rq`` files, unchanged.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from kg.iris import Minter

QUERIES_DIR = Path(__file__).resolve().parent.parent / "kg" / "queries"

SELECT_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"

PREFIXES = """PREFIX kg: <https://w3id.org/akg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""

# Systems, by key: our `kg serve`, pyoxigraph in-process (no HTTP), `oxigraph serve-read-only`, Virtuoso 7,
# `kg serve --store` over a private Virtuoso 7 (issue 15), rdflib-endpoint.
OURS, FLOOR, OXIGRAPH, VIRTUOSO, RDFLIB = "kg", "pyoxigraph", "oxigraph", "virtuoso", "rdflib"
OURS_ON_VIRTUOSO = "kg-virtuoso"
#: Our own server, whatever its store: same routes (``/sparql``, entity pages, ``/dumps/``).
KG_SERVERS = (OURS, OURS_ON_VIRTUOSO)
ALL_SYSTEMS = (FLOOR, OURS, OXIGRAPH, VIRTUOSO, OURS_ON_VIRTUOSO, RDFLIB)
HTTP_SYSTEMS = (OURS, OXIGRAPH, VIRTUOSO, OURS_ON_VIRTUOSO, RDFLIB)


@dataclass(frozen=True)
class Workload:
    """One request, repeated.

    Args:
        name: short id, shown in tables.
        title: what it measures.
        group: ``small`` (lookups), ``heavy`` (whole-graph queries), ``aggfilter`` (aggregates and text filters,
            also heavy), ``page``/``dump``: not queries.
        query: the SPARQL text (None for non-query requests).
        accept: the media type asked for.
        path: for non-query requests, the path on our server (peers: the query below, if any).
        systems: the systems it applies to.
        stream: read the body in chunks and record the time to the first byte.
        throughput: also measured with wrk at 1, 4 and 16 connections.
    """

    name: str
    title: str
    group: str
    query: str | None = None
    accept: str = SELECT_JSON
    path: str | None = None
    systems: tuple[str, ...] = ALL_SYSTEMS
    stream: bool = False
    throughput: bool = False
    superlinear: bool = False  # a join whose time grows faster than the data (the skip rule scales it squared)
    method: str = "POST"  # GET sends the query in the URL (our server then also computes its ETag)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


def query_path(system: str) -> str:
    return {OURS: "/sparql", OXIGRAPH: "/query", VIRTUOSO: "/sparql", OURS_ON_VIRTUOSO: "/sparql", RDFLIB: "/"}[system]


def request_for(workload: Workload, system: str) -> Request | None:
    """The HTTP request a system gets for a workload (None: not applicable)."""
    if system not in workload.systems or system == FLOOR:
        return None
    if workload.path is not None and system in KG_SERVERS:
        return Request("GET", workload.path, {"Accept": workload.accept})
    if workload.query is None:
        return None
    if workload.method == "GET":
        return Request(
            "GET", f"{query_path(system)}?query={quote(workload.query, safe='')}", {"Accept": workload.accept}
        )
    if system == VIRTUOSO:
        # Virtuoso's /sparql takes form-encoded POSTs (the protocol's other POST form).
        body = ("query=" + quote(workload.query, safe="")).encode()
        return Request(
            "POST",
            query_path(system),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": workload.accept},
            body,
        )
    return Request(
        "POST",
        query_path(system),
        {"Content-Type": "application/sparql-query", "Accept": workload.accept},
        workload.query.encode(),
    )


def federated(text: str) -> bool:
    """Whether a query calls a SERVICE (outside comments)."""
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return re.search(r"\bSERVICE\b", body, re.IGNORECASE) is not None


def excluded_queries() -> list[str]:
    return [p.stem for p in sorted(QUERIES_DIR.glob("cq*.rq")) if federated(p.read_text(encoding="utf-8"))]


def _cq(path: Path) -> tuple[str, str, str]:
    text = path.read_text(encoding="utf-8")
    number = int(path.name[2:4])
    title = next((line[1:].strip() for line in text.splitlines() if line.startswith("#")), path.stem)
    return f"CQ{number}", title, text


@dataclass(frozen=True)
class Subjects:
    """IRIs of the corpus that the lookups start from."""

    person: str
    statement: str
    person_path: str


def subjects(triples: int, seed: int, minter: Minter | None = None) -> Subjects:
    """The first article's first speaker and statement (the generator is deterministic for a size and seed)."""
    from corpus import articles, estimate_articles

    minter = minter or Minter()
    first = next(itertools.islice(articles(seed, estimate_articles(triples)), 1))
    statement = next(s for s in first.statements if s.speaker)
    person = next(e for e in first.entities if e.slug == statement.speaker)
    person_iri = minter.entity("person", person.slug)
    return Subjects(
        person=person_iri,
        statement=minter.entity("statement", f"{first.source.slug}/{statement.slug}"),
        person_path="/" + person_iri.removeprefix(minter.base),
    )


def workloads(subj: Subjects) -> list[Workload]:
    """Every workload, in the order they run (cheap ones first)."""
    small = [
        Workload(
            "lookup",
            "entity lookup by IRI: every (p, o) of one person",
            "small",
            f"SELECT ?p ?o WHERE {{ <{subj.person}> ?p ?o }}",
            throughput=True,
        ),
        Workload(
            "two-hop",
            "two-hop join: a statement's speaker and the speaker's labels",
            "small",
            PREFIXES + f"SELECT ?speaker ?label WHERE {{ <{subj.statement}> kg:speaker ?speaker . "
            "?speaker rdfs:label ?label }",
            throughput=True,
        ),
        Workload(
            "two-hop-get",
            "the two-hop join sent as GET (our server answers with an ETag)",
            "small",
            PREFIXES + f"SELECT ?speaker ?label WHERE {{ <{subj.statement}> kg:speaker ?speaker . "
            "?speaker rdfs:label ?label }",
            throughput=True,
            method="GET",
        ),
        Workload("describe", "DESCRIBE one person (Turtle)", "small", f"DESCRIBE <{subj.person}>", accept=TURTLE),
        Workload(
            "entity-page",
            "the entity HTML page (/id/person/…)",
            "page",
            path=subj.person_path,
            accept="text/html",
            systems=KG_SERVERS,
        ),
    ]
    # A competency query that calls a SERVICE (CQ13 asks Wikidata) would leave the machine: not run.
    cqs = [
        Workload(name, title, "heavy", text, superlinear=True)
        for name, title, text in (_cq(p) for p in sorted(QUERIES_DIR.glob("cq*.rq")))
        if not federated(text)
    ]
    heavy = [
        Workload(
            "aggregate",
            "GROUP BY/ORDER BY: statements per speaker, top 20",
            "aggfilter",
            PREFIXES + "SELECT ?speaker (COUNT(?s) AS ?statements) WHERE { ?s kg:speaker ?speaker } "
            "GROUP BY ?speaker ORDER BY DESC(?statements) ?speaker LIMIT 20",
        ),
        Workload(
            "text-contains",
            "FILTER CONTAINS on every quoted text",
            "aggfilter",
            PREFIXES
            + 'SELECT ?s ?text WHERE { ?s oa:exact ?text FILTER(CONTAINS(?text, "healthy sense of caution")) }',
        ),
        Workload(
            "text-regex",
            "FILTER REGEX (case-insensitive) on every quoted text",
            "aggfilter",
            PREFIXES + 'SELECT ?s ?text WHERE { ?s oa:exact ?text FILTER(REGEX(?text, "easier SAID than", "i")) }',
        ),
        Workload(
            "large-select",
            "large SELECT: every triple (?s ?p ?o), streamed to completion",
            "heavy",
            "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
            stream=True,
        ),
        Workload(
            "dump",
            "full Turtle dump (ours: /dumps/all.ttl; peers: CONSTRUCT of everything as Turtle)",
            "dump",
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            accept=TURTLE,
            path="/dumps/all.ttl",
            systems=HTTP_SYSTEMS,
            stream=True,
        ),
    ]
    return small + cqs + heavy


__all__ = [
    "ALL_SYSTEMS",
    "FLOOR",
    "HTTP_SYSTEMS",
    "KG_SERVERS",
    "OURS",
    "OURS_ON_VIRTUOSO",
    "OXIGRAPH",
    "RDFLIB",
    "VIRTUOSO",
    "Request",
    "Subjects",
    "Workload",
    "request_for",
    "subjects",
    "workloads",
]
