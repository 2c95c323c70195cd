"""The /sparql endpoint against the real server: SPARQL 1.1 Protocol query operation, formats and errors."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from rdflib import Graph
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.corpus import PERSONS, SELECT_PERSONS


@pytest.fixture(scope="module")
def server_url(backend_url: str) -> str:
    """Every test here runs on each backend: the embedded store and Virtuoso (tests/engines.py)."""
    return backend_url


ASK_NAKATANI = 'ASK { ?p <http://www.w3.org/2000/01/rdf-schema#label> "Nakatani Gen"@en }'
SRX = "{http://www.w3.org/2005/sparql-results#}"


def test_get_query_without_accept_returns_sparql_json(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": SELECT_PERSONS})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    labels = [b["label"]["value"] for b in r.json()["results"]["bindings"]]
    assert labels == PERSONS


def test_get_query_accept_xml_returns_sparql_xml(server_url: str) -> None:
    r = httpx.get(
        server_url + "sparql", params={"query": ASK_NAKATANI}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    assert ET.fromstring(r.content).find(f"{SRX}boolean").text == "true"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml;q=0.5, text/csv;q=0.9", "text/csv"),
        ("*/*", "application/sparql-results+json"),
        ("application/json", "application/json"),
        ("text/*;q=0.1, application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_select_result_format_follows_accept(server_url: str, accept: str, media_type: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": SELECT_PERSONS}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type


def test_select_as_csv_lists_the_persons(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": SELECT_PERSONS, "format": "csv"})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["label"]
    assert [row[0] for row in rows[1:]] == PERSONS


def test_post_form_query_is_answered(server_url: str) -> None:
    r = httpx.post(server_url + "sparql", data={"query": ASK_NAKATANI})
    assert r.status_code == 200, r.text
    assert r.json() == {"head": {}, "boolean": True}


def test_post_direct_query_is_answered(server_url: str) -> None:
    r = httpx.post(
        server_url + "sparql", content=ASK_NAKATANI.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["boolean"] is True


def test_construct_returns_turtle_that_parses(server_url: str) -> None:
    query = 'CONSTRUCT { ?p a ?t } WHERE { ?p a ?t ; <http://www.w3.org/2000/01/rdf-schema#label> "Nakatani Gen"@en }'
    r = httpx.get(server_url + "sparql", params={"query": query})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=r.text, format="turtle")
    assert len(graph) >= 1


def test_malformed_query_is_400_with_the_parser_message(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": "SELECT ?x WHERE { ?x"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "Malformed SPARQL" in r.text and "error at" in r.text


def test_unacceptable_accept_is_406_listing_the_offers(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": SELECT_PERSONS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text


def test_unsupported_post_content_type_is_415(server_url: str) -> None:
    r = httpx.post(server_url + "sparql", content=b"query", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415, r.text


def test_update_is_refused_on_a_read_only_endpoint(server_url: str) -> None:
    r = httpx.post(server_url + "sparql", data={"update": "CLEAR ALL"})
    assert r.status_code == 403, r.text
    assert httpx.get(server_url + "sparql", params={"query": ASK_NAKATANI}).json()["boolean"] is True


def test_oversize_body_is_413(server_url: str) -> None:
    r = httpx.post(
        server_url + "sparql", content=b"#" * 2_000_000, headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 413, r.text


def test_wrong_method_is_405(server_url: str) -> None:
    r = httpx.delete(server_url + "sparql")
    assert r.status_code == 405


def test_sparqlwrapper_client_gets_json_bindings(server_url: str) -> None:
    client = SPARQLWrapper(server_url + "sparql")
    client.setQuery(SELECT_PERSONS)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    assert [b["label"]["value"] for b in result["results"]["bindings"]] == PERSONS
    json.dumps(result)  # a real JSON document


@pytest.mark.parametrize("encoding", ["identity", "gzip"])  # the outer hot path, then the inner one
@pytest.mark.parametrize("query", ["ASK {}", "SELECT * WHERE { ?s ?p ?o }"])  # answered whole, then streamed
def test_head_query_has_the_get_answers_headers_and_no_body(server_url: str, query: str, encoding: str) -> None:
    headers = {"Accept": "text/csv", "Accept-Encoding": encoding}
    with httpx.Client() as client:  # one connection: a body sent after HEAD would garble the next answer
        head = client.head(server_url + "sparql", params={"query": query}, headers=headers)
        get = client.get(server_url + "sparql", params={"query": query}, headers=headers)
    assert head.status_code == get.status_code == 200, head.text
    assert head.content == b""
    for name in ("content-type", "etag", "cache-control", "vary", "content-encoding", "content-length"):
        assert head.headers.get(name) == get.headers.get(name), name
    assert get.content


def test_head_without_query_has_the_service_descriptions_headers(server_url: str) -> None:
    with httpx.Client() as client:
        head = client.head(server_url + "sparql", headers={"Accept": "text/turtle"})
        get = client.get(server_url + "sparql", headers={"Accept": "text/turtle"})
    assert head.status_code == get.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "content-length" in head.headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept-Encoding": "identity"},  # the outer hot path, which skips CORS
        {"Accept-Encoding": "identity", "Origin": "https://example.org"},  # the inner one, inside CORS
        {"Accept-Encoding": "gzip"},
    ],
)
@pytest.mark.parametrize("path", ["sparql?query=ASK%7B%7D", "sparql", "id/person/nakatani-gen", "store?default"])
def test_vary_names_accept_and_origin_once(server_url: str, path: str, headers: dict[str, str]) -> None:
    with httpx.Client(headers={"Accept": "text/turtle, application/sparql-results+json", **headers}) as client:
        answer = client.get(server_url + path)
        tag = answer.headers.get("etag")
        answers = [answer] + ([client.get(server_url + path, headers={"If-None-Match": tag})] if tag else [])
    for r in answers:
        assert r.status_code in (200, 304), r.text
        vary = [token.strip().lower() for token in r.headers["vary"].split(",")]
        assert sorted(set(vary)) == sorted(vary), (r.status_code, r.headers["vary"])
        assert {"accept", "origin"} <= set(vary), (r.status_code, r.headers["vary"])


def test_head_malformed_query_is_400_like_get(server_url: str) -> None:
    r = httpx.head(server_url + "sparql", params={"query": "SELEKT"})
    assert r.status_code == 400


@pytest.mark.parametrize(
    "query_string", ["query=ASK%7B%7D%FF", "query=SELECT%20%22%C3%28%22", "query=ASK%7B%7D&format=%FF"]
)
def test_get_query_with_percent_encoded_invalid_utf8_is_400(server_url: str, query_string: str) -> None:
    for headers in ({}, {"Origin": "https://example.org", "Accept-Encoding": "gzip"}):  # both hot paths
        r = httpx.get(f"{server_url}sparql?{query_string}", headers=headers)
        assert r.status_code == 400, r.text
        assert "UTF-8" in r.text


@pytest.mark.parametrize("path", ["sparql", "update"])
def test_form_body_with_percent_encoded_invalid_utf8_is_400(server_url: str, path: str) -> None:
    field = "query" if path == "sparql" else "update"
    body = f"{field}=ASK%7B%7D%FF".encode()
    r = httpx.post(server_url + path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.text
    assert "UTF-8" in r.text


@pytest.mark.parametrize(
    "target",
    [
        "store?graph=https%3A%2F%2Fw3id.org%2Fakg%2Fgraph%2Fx%FF",
        "store?default&format=tt%FF",
        "id/person/nakatani-gen?format=tt%FF",
        "id/person/%FF",
        "ontology?format=%C3%28",
        "dumps/%FF",
    ],
)
def test_other_routes_refuse_percent_encoded_invalid_utf8_with_400(server_url: str, target: str) -> None:
    r = httpx.get(server_url + target)
    assert r.status_code == 400, r.text
    assert "UTF-8" in r.text
