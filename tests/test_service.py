"""Service-level behaviour of the real server: VoID, service description, GSP reads, caching, CORS, metrics."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, XSD

from kg.link.mappings import LINKS_DIR
from tests.corpus import PERSONS

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
ARTICLE_GRAPH = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"


def test_void_counts_triples_classes_and_links_dumps_and_endpoint(server_url: str) -> None:
    r = httpx.get(server_url + ".well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    dataset = URIRef("https://w3id.org/akg/dataset")
    health = httpx.get(server_url + "health").json()
    assert g.value(dataset, URIRef(VOID + "triples")) == Literal(health["triples"], datatype=XSD.integer)
    assert g.value(dataset, URIRef(VOID + "sparqlEndpoint")) == URIRef(server_url + "sparql")
    assert URIRef(server_url + "dumps/all.ttl") in set(g.objects(dataset, URIRef(VOID + "dataDump")))
    persons = [
        p
        for p in g.objects(dataset, URIRef(VOID + "classPartition"))
        if g.value(p, URIRef(VOID + "class")) == URIRef("https://w3id.org/akg/ontology#Person")
    ]
    assert g.value(persons[0], URIRef(VOID + "entities")) == Literal(len(PERSONS), datatype=XSD.integer)
    assert g.value(dataset, URIRef("http://purl.org/dc/terms/license")) is not None


def test_void_describes_the_wikidata_linkset_with_its_dump_and_sssom_table(server_url: str) -> None:
    """VoID linksets (https://www.w3.org/TR/void/#describing-linksets): only RDF files are void:dataDump; the SSSOM
    table the links are compiled from is the linkset's dcterms:source."""
    r = httpx.get(server_url + ".well-known/void", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    dataset = URIRef("https://w3id.org/akg/dataset")
    linkset = URIRef("https://w3id.org/akg/graph/links-wikidata")
    void = Namespace(VOID)
    rows = [line for line in (LINKS_DIR / "wikidata.sssom.tsv").read_text().splitlines() if "\towl:sameAs\t" in line]
    assert (dataset, void.subset, linkset) in g
    assert (linkset, RDF.type, void.Linkset) in g
    assert g.value(linkset, void.subjectsTarget) == dataset
    assert g.value(linkset, void.objectsTarget) == URIRef("http://www.wikidata.org/entity/")
    assert set(g.objects(linkset, void.linkPredicate)) == {OWL.sameAs}
    assert g.value(linkset, void.triples) == Literal(len(rows), datatype=XSD.integer)
    assert g.value(linkset, void.dataDump) == URIRef(server_url + "dumps/links-wikidata.ttl")
    table = URIRef(server_url + "dumps/wikidata.sssom.tsv")
    assert g.value(linkset, DCTERMS.source) == table
    assert g.value(table, DCTERMS.conformsTo) == URIRef("https://w3id.org/sssom/")
    dumps = {str(d).rsplit("/", 1)[-1] for d in g.objects(dataset, void.dataDump)}
    assert dumps and all(name.endswith((".ttl", ".nq", ".ttl.gz", ".nq.gz")) for name in dumps), dumps


def test_sparql_without_query_is_the_service_description(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    [service] = list(g.subjects(RDF.type, URIRef(SD + "Service")))
    assert g.value(service, URIRef(SD + "endpoint")) == URIRef(server_url + "sparql")
    assert URIRef(SD + "SPARQL11Query") in set(g.objects(service, URIRef(SD + "supportedLanguage")))
    assert URIRef(SD + "UnionDefaultGraph") in set(g.objects(service, URIRef(SD + "feature")))


def test_browser_on_sparql_without_query_is_sent_to_the_editor(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", headers={"Accept": "text/html"})
    assert r.status_code == 303
    assert r.headers["location"] == "/query"


def test_gsp_get_named_graph_returns_turtle(server_url: str) -> None:
    r = httpx.get(server_url + "store?graph=" + quote(ARTICLE_GRAPH, safe=""), headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert len(Graph().parse(data=r.text, format="turtle")) > 1500


def test_gsp_head_has_no_body_and_default_graph_is_the_union(server_url: str) -> None:
    head = httpx.head(server_url + "store?default", headers={"Accept": "text/turtle; charset=utf-8"})
    assert head.status_code == 200 and head.content == b""
    whole = Graph().parse(data=httpx.get(server_url + "store?default").text, format="turtle")
    # The union is a set of triples: a triple held by several source graphs counts once (the store's quad count,
    # /health's "triples", counts it once per graph).
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    answer = httpx.get(server_url + "sparql", params={"query": distinct}, headers={"Accept": "text/csv"})
    assert len(whole) == int(answer.text.splitlines()[1])


def test_gsp_unknown_graph_is_404_and_bad_requests_are_400(server_url: str) -> None:
    assert httpx.get(server_url + "store?graph=" + quote("http://example.org/none", safe="")).status_code == 404
    assert httpx.get(server_url + "store").status_code == 400
    assert httpx.get(server_url + "store?default&graph=x").status_code == 400


def test_get_query_carries_an_etag_and_a_matching_if_none_match_is_304(server_url: str) -> None:
    params = {"query": "SELECT ?s WHERE { ?s a <https://w3id.org/akg/ontology#Person> }"}
    first = httpx.get(server_url + "sparql", params=params)
    tag = first.headers["etag"]
    again = httpx.get(server_url + "sparql", params=params, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other_format = httpx.get(server_url + "sparql", params=params, headers={"Accept": "text/csv", "If-None-Match": tag})
    assert other_format.status_code == 200, "a different representation has a different ETag"


def test_gzip_when_asked(server_url: str) -> None:
    r = httpx.get(server_url + "dumps/all.nq", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    r = httpx.get(
        server_url + "sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept-Encoding": "gzip"}
    )
    assert r.headers.get("content-encoding") == "gzip"


def test_cors_allows_reads_from_any_origin_without_credentials(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    preflight = httpx.options(
        server_url + "sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "authorization" not in preflight.headers.get("access-control-allow-headers", "").lower()


def test_server_timing_header_and_prometheus_metrics(server_url: str) -> None:
    r = httpx.get(server_url + "health")
    assert r.headers["server-timing"].startswith("app;dur=")
    metrics = httpx.get(server_url + "metrics").text
    assert 'kg_http_requests_total{method="GET",route="/health",status="200"}' in metrics
    assert "kg_http_request_duration_seconds_bucket" in metrics
    assert "kg_query_timeouts_total" in metrics


def test_health_reports_the_data_version(server_url: str) -> None:
    health = httpx.get(server_url + "health").json()
    assert health["status"] == "ok" and len(health["data_version"]) == 16
    assert ARTICLE_GRAPH in health["graphs"]


def test_dump_supports_conditional_get_and_ranges(server_url: str) -> None:
    first = httpx.get(server_url + "dumps/all.ttl")
    assert first.headers["etag"] and first.headers["last-modified"]
    assert httpx.get(server_url + "dumps/all.ttl", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    part = httpx.get(server_url + "dumps/all.ttl", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == first.content[:10]
