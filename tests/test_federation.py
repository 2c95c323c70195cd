"""Federated queries through our endpoint: CQ13 against a local Wikidata stand-in, and the SERVICE allowlist.

Two real servers: the Wikidata stand-in (tests/fixtures/wikidata, a TEST FIXTURE) and `kg serve` on the real
build, started with ``KG_SERVICE_ALLOWLIST`` naming the stand-in (the only way in for a loopback endpoint).
The default server (``server_url``) keeps the default allowlist, Wikidata only. No test sends a request to a
refused address: each refusal is first checked with the pure function, and the server refuses before any
engine runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from kg.build import BuildResult
from kg.federation import WIKIDATA_SPARQL
from kg.queries import load
from server.federation import disallowed_service
from server.settings import Settings
from tests.conftest import serve
from tests.fixtures.wikidata.standin import running_standin

JSON = "application/sparql-results+json"
DEFAULT_ALLOWLIST = Settings().service_allowlist


@pytest.fixture(scope="module")
def standin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_standin(tmp_path_factory.mktemp("standin")) as url:
        yield url


@pytest.fixture(scope="module")
def federating_url(built: BuildResult, standin_url: str) -> Iterator[str]:
    """`kg serve` on the real build, allowed (by configuration only) to federate with the stand-in."""
    for live in serve(built.store_path.parent, {"KG_SERVICE_ALLOWLIST": standin_url}):
        yield live.url


def post(server: str, query: str) -> httpx.Response:
    return httpx.post(server + "sparql", data={"query": query}, headers={"Accept": JSON}, timeout=60)


def short(binding: dict[str, str] | None) -> str | None:
    if binding is None:
        return None
    return binding["value"].rsplit("/", 1)[-1] if binding["type"] == "uri" else binding["value"]


def test_cq13_joins_our_people_with_wikidata_facts_through_the_standin(federating_url: str, standin_url: str) -> None:
    cq13 = load("CQ13").text
    assert f"SERVICE <{WIKIDATA_SPARQL}>" in cq13
    response = post(federating_url, cq13.replace(WIKIDATA_SPARQL, standin_url))
    assert response.status_code == 200, response.text
    columns = ("person", "label", "wikidata", "party", "partyLabel", "born")
    rows = [tuple(short(b.get(c)) for c in columns) for b in response.json()["results"]["bindings"]]
    ldp = ("Q232595", "Liberal Democratic Party")
    assert rows == [
        ("ishiba-shigeru", "Ishiba Shigeru", "Q1335527", *ldp, "1957-02-04T00:00:00Z"),
        ("kobayashi-takayuki", "Kobayashi Takayuki", "Q11461955", *ldp, None),
        ("nakatani-gen", "Nakatani Gen", "Q5530859", *ldp, None),
    ]


def test_the_default_allowlist_is_wikidata_only() -> None:
    assert DEFAULT_ALLOWLIST == (WIKIDATA_SPARQL,)
    assert Settings.from_env().service_allowlist == DEFAULT_ALLOWLIST or "KG_SERVICE_ALLOWLIST" in os.environ


def test_an_explicit_allowlist_replaces_the_default(federating_url: str) -> None:
    """The federating server lists only the stand-in, so even Wikidata is refused there (and never contacted)."""
    response = post(federating_url, load("CQ13").text)
    assert response.status_code == 400
    assert f"SERVICE <{WIKIDATA_SPARQL}> is not allowed" in response.text


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:7878/sparql",
        "http://10.0.0.1/sparql",
        "http://localhost/sparql",
        "http://[::1]:8000/sparql",
        "http://169.254.169.254/latest/meta-data/",
        "https://query.wikidata.org/sparql/",  # not the listed IRI: the match is exact
    ],
)
def test_the_default_server_refuses_services_outside_the_allowlist(server_url: str, target: str) -> None:
    for query in (
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ ?s ?p ?o . service silent <{target}> {{ ?s ?p ?o }} }}",
    ):
        assert disallowed_service(query, DEFAULT_ALLOWLIST) is not None  # never send one the check would let by
        for response in (post(server_url, query), httpx.get(server_url + "sparql", params={"query": query})):
            assert response.status_code == 400, response.text
            assert response.text.startswith(f"SERVICE <{target}> is not allowed")
            assert f"<{WIKIDATA_SPARQL}>" in response.text and "allowlist" in response.text


def test_the_standin_is_reachable_only_through_configuration(server_url: str, standin_url: str) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{standin_url}> {{ ?s ?p ?o }} }}"
    response = post(server_url, query)
    assert response.status_code == 400 and f"SERVICE <{standin_url}> is not allowed" in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "PREFIX wdqs: <https://query.wikidata.org/> SELECT * WHERE { SERVICE wdqs:sparql { ?s ?p ?o } }",
            "SERVICE wdqs:sparql is not allowed: write the endpoint as a full IRI",
        ),
        (
            "SELECT * WHERE { BIND(<http://127.0.0.1/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
            "SERVICE ?e is not allowed: a variable endpoint cannot be checked",
        ),
        ("SELECT * WHERE { SERVICE SILENT $e { ?s ?p ?o } }", "SERVICE $e is not allowed"),
        ("SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }", "SERVICE <sparql> is not allowed: a relative IRI"),
        (  # \u escapes in IRIs are decoded by the engine, so by the check too
            r"SELECT * WHERE { SERVICE <http://127.0.0.\u0031:7878/> { ?s ?p ?o } }",
            r"SERVICE <http://127.0.0.\u0031:7878/> is not allowed",
        ),
        (  # a '<' read as an IRI opening, and a quote after it, must not hide the clause
            "SELECT * WHERE { ?s ?p ?o FILTER(?o<'x>') SERVICE <http://127.0.0.1:7878/> { ?s ?p ?o } FILTER('y') }",
            "SERVICE <http://127.0.0.1:7878/> is not allowed",
        ),
        (
            "SELECT * WHERE { ?s ?p ?o # comment\r SERVICE<http://127.0.0.1:7878/>{ ?s ?p ?o } }",
            "SERVICE <http://127.0.0.1:7878/> is not allowed",
        ),
    ],
)
def test_targets_that_cannot_be_checked_are_refused(server_url: str, query: str, message: str) -> None:
    assert disallowed_service(query, DEFAULT_ALLOWLIST) is not None
    response = post(server_url, query)
    assert response.status_code == 400, response.text
    assert response.text.startswith(message), response.text


def test_the_word_service_elsewhere_is_not_a_service_call(server_url: str) -> None:
    query = 'SELECT ?service WHERE { BIND("customer service <http://x/> desk" AS ?service) }'
    response = post(server_url, query)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"][0]["service"]["value"] == "customer service <http://x/> desk"
