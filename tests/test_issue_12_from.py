"""Issue 12, item 6: a query's own ``FROM`` / ``FROM NAMED`` defines its dataset, over the union default graph.

The store serves the union of its named graphs as the default graph; SPARQL 1.1 Query §13.2 says a query's
dataset clause replaces it, and SPARQL 1.1 Protocol §2.1.4 says ``default-graph-uri``/``named-graph-uri``
replace the query's. Checked on the real ``kg serve`` (GET and POST) and on ``kg query``.
"""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.build import BuildResult
from kg.cli import app
from kg.iris import Minter

LINKS = Minter().links_graph("wikidata")
NOWHERE = "http://nonexistent.example/"
NAKATANI = "https://w3id.org/akg/id/person/nakatani-gen"


def ask(url: str, method: str, query: str, **params: str) -> httpx.Response:
    headers = {"Accept": "application/sparql-results+json, application/n-triples;q=0.9"}
    if method == "GET":
        return httpx.get(url + "sparql", params={"query": query, **params}, headers=headers, timeout=60)
    return httpx.post(url + "sparql", params=params, data={"query": query}, headers=headers, timeout=60)


def count(url: str, method: str, query: str, **params: str) -> int:
    response = ask(url, method, query, **params)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def links_size(server_url: str) -> int:
    """The links graph's own size, read with GRAPH (which never depended on the default graph)."""
    size = count(server_url, "GET", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LINKS}> {{ ?s ?p ?o }} }}")
    total = count(server_url, "GET", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert 0 < size < total
    return size


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_select_from_a_nonexistent_graph_counts_nothing(server_url: str, method: str) -> None:
    assert count(server_url, method, f"SELECT (COUNT(*) AS ?n) FROM <{NOWHERE}> WHERE {{ ?s ?p ?o }}") == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_select_from_the_links_graph_counts_exactly_that_graph(server_url: str, method: str, links_size: int) -> None:
    assert count(server_url, method, f"SELECT (COUNT(*) AS ?n) FROM <{LINKS}> WHERE {{ ?s ?p ?o }}") == links_size


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_from_named_alone_gives_an_empty_default_graph_and_graph_sees_only_the_named_one(
    server_url: str, method: str, links_size: int
) -> None:
    assert count(server_url, method, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{LINKS}> WHERE {{ ?s ?p ?o }}") == 0
    query = f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{LINKS}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    response = ask(server_url, method, query)
    assert response.status_code == 200, response.text
    rows = [(b["g"]["value"], int(b["n"]["value"])) for b in response.json()["results"]["bindings"]]
    assert rows == [(LINKS, links_size)]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_construct_ask_and_describe_honour_from(server_url: str, method: str, links_size: int) -> None:
    construct = ask(server_url, method, f"CONSTRUCT {{ ?s ?p ?o }} FROM <{LINKS}> WHERE {{ ?s ?p ?o }}")
    assert construct.status_code == 200, construct.text
    assert len(list(ox.parse(construct.content, format=ox.RdfFormat.N_TRIPLES))) == links_size
    for query, expected in ((f"ASK FROM <{NOWHERE}> {{ ?s ?p ?o }}", False), (f"ASK FROM <{LINKS}> {{}}", True)):
        response = ask(server_url, method, query)
        assert response.status_code == 200 and response.json()["boolean"] is expected, (query, response.text)
    describe = ask(server_url, method, f"DESCRIBE <{NAKATANI}> FROM <{NOWHERE}>")
    assert describe.status_code == 200, describe.text
    assert list(ox.parse(describe.content, format=ox.RdfFormat.N_TRIPLES)) == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_default_graph_uri_overrides_the_querys_from(server_url: str, method: str, links_size: int) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{NOWHERE}> WHERE {{ ?s ?p ?o }}"
    assert count(server_url, method, query) == 0
    assert count(server_url, method, query, **{"default-graph-uri": LINKS}) == links_size
    named_only = f"SELECT (COUNT(*) AS ?n) FROM <{LINKS}> WHERE {{ ?s ?p ?o }}"
    assert count(server_url, method, named_only, **{"named-graph-uri": LINKS}) == 0  # the protocol's dataset


def kg_count(built: BuildResult, query: str) -> int:
    result = CliRunner().invoke(app, ["query", query, "--build-dir", str(built.store_path.parent)])
    assert result.exit_code == 0, result.output
    return int(result.output.splitlines()[2].strip())  # the header, the rule, then the value


def test_kg_query_honours_from(built: BuildResult) -> None:
    assert kg_count(built, f"SELECT (COUNT(*) AS ?n) FROM <{NOWHERE}> WHERE {{ ?s ?p ?o }}") == 0
    links = kg_count(built, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LINKS}> {{ ?s ?p ?o }} }}")
    assert kg_count(built, f"SELECT (COUNT(*) AS ?n) FROM <{LINKS}> WHERE {{ ?s ?p ?o }}") == links > 0
