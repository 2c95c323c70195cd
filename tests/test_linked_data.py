"""Linked Data: entity IRIs dereference on the real server, by Accept, format= and file extension."""

from __future__ import annotations

import json

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS


@pytest.fixture(scope="module")
def server_url(backend_url: str) -> str:
    """Every test here runs on each backend: the embedded store and Virtuoso (tests/engines.py)."""
    return backend_url


NAKATANI = "https://w3id.org/akg/id/person/nakatani-gen"
PATH = "id/person/nakatani-gen"


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("*/*", "text/turtle", "turtle"),
    ],
)
def test_entity_rdf_by_accept_describes_the_entity(
    server_url: str, accept: str, media_type: str, rdflib_format: str
) -> None:
    r = httpx.get(server_url + PATH, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == f"{media_type}; charset=utf-8"
    graph = Graph().parse(data=r.content, format=rdflib_format)
    assert (URIRef(NAKATANI), RDFS.label, Literal("Nakatani Gen", lang="en")) in graph
    # incoming links are part of the description: the statements he made
    assert any(graph.subjects(URIRef("https://w3id.org/akg/ontology#speaker"), URIRef(NAKATANI)))


@pytest.mark.parametrize(
    ("suffix", "media_type"),
    [
        (".ttl", "text/turtle"),
        (".jsonld", "application/ld+json"),
        (".nt", "application/n-triples"),
        (".rdf", "application/rdf+xml"),
        (".html", "text/html"),
    ],
)
def test_entity_file_extension_picks_the_format(server_url: str, suffix: str, media_type: str) -> None:
    r = httpx.get(server_url + PATH + suffix, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media_type)


def test_entity_format_parameter_overrides_accept(server_url: str) -> None:
    r = httpx.get(server_url + PATH, params={"format": "jsonld"}, headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("application/ld+json")
    assert json.loads(r.text)


def test_browser_gets_an_html_page_with_statements_and_quoted_text(server_url: str) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = httpx.get(server_url + PATH, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Nakatani Gen</h1>" in r.text
    assert "There is a healthy sense of caution" in r.text
    assert 'href="/id/post/japan-minister-of-defense"' in r.text


def test_every_answer_lists_its_alternates_in_link_headers(server_url: str) -> None:
    link = httpx.get(server_url + PATH).headers["link"]
    for suffix, media_type in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".html", "text/html")):
        assert f'</{PATH}{suffix}>; rel="alternate"; type="{media_type}"' in link


def test_unknown_entity_is_404(server_url: str) -> None:
    assert httpx.get(server_url + "id/person/nobody-at-all").status_code == 404
    assert httpx.get(server_url + "id/person/nobody-at-all.ttl").status_code == 404


def test_unacceptable_entity_format_is_406(server_url: str) -> None:
    r = httpx.get(server_url + PATH, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.text


def test_statement_page_shows_its_anchor_text(server_url: str) -> None:
    path = "id/statement/diplomat-2025-06-strategic-autonomy/satake-easier-said-than-done-quote"
    turtle = Graph().parse(data=httpx.get(server_url + path + ".ttl").text, format="turtle")
    exact = URIRef("http://www.w3.org/ns/oa#exact")
    assert Literal("easier said than done") in set(turtle.objects(None, exact))


def test_ontology_terms_dereference_to_the_documentation(server_url: str) -> None:
    r = httpx.get(server_url + "ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "DirectQuotation" in r.text
    turtle = httpx.get(server_url + "ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef("https://w3id.org/akg/ontology#Person"), None, None) in graph


def test_named_graph_iri_dereferences_to_its_triples(server_url: str) -> None:
    r = httpx.get(server_url + "graph/diplomat-2025-06-strategic-autonomy", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert len(r.text.splitlines()) > 1500


def test_entity_page_shows_its_wikidata_item_and_a_federated_example(server_url: str) -> None:
    r = httpx.get(server_url + PATH, headers={"Accept": "text/html"})
    assert 'href="http://www.wikidata.org/entity/Q5530859"' in r.text
    assert "see on Wikidata" in r.text
    assert "SERVICE &lt;https://query.wikidata.org/sparql&gt;" in r.text
    unlinked = httpx.get(server_url + "id/person/satake-tomohiko", headers={"Accept": "text/html"})
    assert "see on Wikidata" not in unlinked.text
