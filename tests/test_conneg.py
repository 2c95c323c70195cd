"""Content negotiation matrix on the real server: query form x every format x q-values, wildcards, charset.

Peers (QLever, Virtuoso, rdflib-endpoint) have shipped bugs exactly here, so every combination is checked
by parsing the body in the format announced.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from rdflib import Dataset, Graph

from server import conneg


@pytest.fixture(scope="module")
def server_url(backend_url: str) -> str:
    """Every test here runs on each backend: the embedded store and Virtuoso (tests/engines.py)."""
    return backend_url


KG = "https://w3id.org/akg/ontology#"
QUERIES = {
    "select": f"SELECT ?s WHERE {{ ?s a <{KG}Person> }} ORDER BY ?s LIMIT 3",
    "ask": f"ASK {{ ?s a <{KG}Person> }}",
    "construct": f"CONSTRUCT {{ ?s a <{KG}Person> }} WHERE {{ ?s a <{KG}Person> }}",
    "describe": "DESCRIBE <https://w3id.org/akg/id/person/nakatani-gen>",
}
RESULT_TYPES = [o.media_type for o in conneg.RESULT_OFFERS]
RDF_TYPES = [o.media_type for o in conneg.RDF_OFFERS]
RDFLIB = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


def check_body(form: str, media_type: str, body: bytes) -> None:
    """Parse the body as the announced media type, and check it holds the answer."""
    if form in ("construct", "describe"):
        graph = Dataset() if media_type in ("application/n-quads", "application/trig") else Graph()
        graph.parse(data=body, format=RDFLIB[media_type])
        assert len(graph) > 0
    elif media_type in ("application/sparql-results+json", "application/json"):
        data = json.loads(body)
        assert data["boolean"] is True if form == "ask" else len(data["results"]["bindings"]) == 3
    elif media_type in ("application/sparql-results+xml", "application/xml", "text/xml"):
        root = ET.fromstring(body)
        assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    elif media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows == [["true"]] if form == "ask" else rows[0] == ["s"] and len(rows) == 4
    elif media_type == "text/tab-separated-values":
        lines = body.decode().splitlines()
        assert lines == ["true"] if form == "ask" else lines[0] == "?s" and len(lines) == 4
    else:
        pytest.fail(f"unexpected media type {media_type}")


def cases() -> list[tuple[str, str, str]]:
    """(query form, Accept header, expected media type)."""
    out = []
    for form in QUERIES:
        types = RDF_TYPES if form in ("construct", "describe") else RESULT_TYPES
        default = types[0]
        for media_type in types:
            out.append((form, media_type, media_type))
            out.append((form, f"{media_type}; charset=utf-8", media_type))
            out.append((form, f"image/png, {media_type};q=0.5", media_type))
            out.append((form, f"{default};q=0.1, {media_type}", media_type))
        out.append((form, "*/*", default))
        out.append((form, "", default))
        out.append((form, f"{default.split('/')[0]}/*", default if form != "describe" else "text/turtle"))
        out.append((form, "text/html;q=0.9, */*;q=0.8", default))
    return out


@pytest.mark.parametrize(("form", "accept", "expected"), cases())
def test_result_format_follows_accept(server_url: str, form: str, accept: str, expected: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": QUERIES[form]}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == f"{expected}; charset=utf-8"
    check_body(form, expected, r.content)


@pytest.mark.parametrize("form", list(QUERIES))
def test_nothing_acceptable_is_406_listing_what_this_form_offers(server_url: str, form: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": QUERIES[form]}, headers={"Accept": "image/png, text/html"})
    assert r.status_code == 406
    expected = "text/turtle" if form in ("construct", "describe") else "application/sparql-results+json"
    assert expected in r.text


@pytest.mark.parametrize("form", list(QUERIES))
def test_q_zero_excludes_a_type(server_url: str, form: str) -> None:
    types = RDF_TYPES if form in ("construct", "describe") else RESULT_TYPES
    accept = f"{types[0]};q=0, */*;q=0.1"
    r = httpx.get(server_url + "sparql", params={"query": QUERIES[form]}, headers={"Accept": accept})
    assert r.status_code == 200
    assert not r.headers["content-type"].startswith(types[0] + ";")


@pytest.mark.parametrize(
    ("form", "fmt", "expected"),
    [
        ("select", "csv", "text/csv"),
        ("select", "tsv", "text/tab-separated-values"),
        ("ask", "xml", "application/sparql-results+xml"),
        ("construct", "jsonld", "application/ld+json"),
        ("describe", "nt", "application/n-triples"),
        ("construct", "trig", "application/trig"),
    ],
)
def test_format_parameter_overrides_accept(server_url: str, form: str, fmt: str, expected: str) -> None:
    r = httpx.get(
        server_url + "sparql", params={"query": QUERIES[form], "format": fmt}, headers={"Accept": "text/html"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == f"{expected}; charset=utf-8"
    check_body(form, expected, r.content)


def test_malformed_accept_is_406_not_500(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": QUERIES["ask"]}, headers={"Accept": "garbage;;;"})
    assert r.status_code == 406
