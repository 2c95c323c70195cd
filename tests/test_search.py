"""Full-text search (issue 16, item 1): /search as JSON and HTML, the search SERVICE inside SPARQL, the index
kept in step with every write (/update and `kg update`), and rebuilt deterministically by `kg build`.

Every test runs against the real server (`kg serve` on a free loopback port) over the real built store.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kg.build import BuildResult, build
from kg.cli import app
from kg.iris import Minter
from tests.conftest import LiveServer, serve

TOKEN = "search-token-9a1e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ID = "https://w3id.org/akg/id/"
ARTICLE = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
CAUTION = ID + "statement/diplomat-2025-06-strategic-autonomy/nakatani-healthy-sense-of-caution"
NAKATANI = ID + "person/nakatani-gen"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: Nakatani without his rdfs:label: the shapes refuse it (tests/test_writes.py), and so the whole write.
UNLABEL = f'DELETE DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{LABEL}> "Nakatani Gen"@en }} }}'

PREFIXES = """PREFIX kg: <https://w3id.org/akg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kgsearch: <https://w3id.org/akg/search#>
"""
WHO_SAID = (
    PREFIXES
    + """SELECT ?speaker ?s WHERE {
  SERVICE <https://w3id.org/akg/search> { ?s kgsearch:matches "healthy sense of caution" ; kgsearch:kind "statement" }
  ?s kg:speaker/rdfs:label ?speaker .
}"""
)


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    """The real `kg` command, as a process (it holds the store's lock until it exits)."""
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=120)


def hits(url: str, q: str, **params: object) -> list[dict[str, object]]:
    r = httpx.get(url + "search", params={"q": q, **params}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()["hits"]


def nodes(url: str, q: str, **params: object) -> list[str]:
    return [str(h["node"]) for h in hits(url, q, **params)]


def select(url: str, query: str) -> list[dict[str, str]]:
    r = httpx.get(url + "sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in row.items()} for row in r.json()["results"]["bindings"]]


# --- searching -------------------------------------------------------------------------------------------------


def test_search_ranks_the_statement_of_those_words_above_the_source_that_holds_them(server_url: str) -> None:
    found = hits(server_url, "healthy sense of caution")
    assert found[0]["node"] == CAUTION and found[0]["kind"] == "statement"
    source = next(h for h in found if h["kind"] == "source")
    assert float(found[0]["score"]) > float(source["score"])  # type: ignore[arg-type]
    assert "<mark>healthy</mark>" in str(found[0]["snippet"])


def test_search_phrase_matches_only_the_words_in_that_order(server_url: str) -> None:
    assert CAUTION in nodes(server_url, '"healthy sense of caution"')
    assert nodes(server_url, '"caution of sense healthy"') == []
    assert CAUTION in nodes(server_url, "caution of sense healthy")


def test_search_prefix_finds_every_word_that_starts_so(server_url: str) -> None:
    found = nodes(server_url, "nucl*", kind="concept")
    assert {ID + "concept/nuclear-umbrella", ID + "concept/nuclear-disarmament"} <= set(found)
    assert nodes(server_url, "nucl", kind="concept") == []


def test_search_boolean_operators_and_or_not(server_url: str) -> None:
    umbrella, disarmament = ID + "concept/nuclear-umbrella", ID + "concept/nuclear-disarmament"
    found = set(nodes(server_url, "nuclear NOT umbrella", kind="concept"))
    assert disarmament in found and umbrella not in found
    assert {umbrella, disarmament} <= set(nodes(server_url, "umbrella OR disarmament", kind="concept"))
    assert set(nodes(server_url, "nuclear AND umbrella", kind="concept")) == {umbrella}


def test_search_kind_filter_keeps_only_that_kind(server_url: str) -> None:
    for kind in ("statement", "entity", "concept", "source"):
        found = hits(server_url, "Japan", kind=kind)
        assert found and {h["kind"] for h in found} == {kind}
    r = httpx.get(
        server_url + "search", params={"q": "Japan", "kind": "person"}, headers={"Accept": "application/json"}
    )
    assert r.status_code == 400 and "statement, entity, concept, source" in r.text


def test_search_accent_and_case_do_not_matter(server_url: str) -> None:
    assert CAUTION in nodes(server_url, "HEALTHY SÉNSE of CAUTÏON")


@pytest.mark.parametrize("q", ['"nuclear sharing', "nuclear AND", "(nuclear"])
def test_search_malformed_syntax_is_400_with_a_clear_message(server_url: str, q: str) -> None:
    for accept in ("application/json", "text/html"):
        r = httpx.get(server_url + "search", params={"q": q}, headers={"Accept": accept})
        assert r.status_code == 400, r.text
        assert r.text.startswith("Malformed search text")


def test_search_answers_json_by_accept_and_html_to_browsers(server_url: str) -> None:
    r = httpx.get(server_url + "search", params={"q": "Nakatani"}, headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("application/json")
    first = r.json()["hits"][0]
    assert set(first) >= {"node", "kind", "label", "score", "snippet"}
    page = httpx.get(server_url + "search", params={"q": "Nakatani"}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "Accept" in r.headers["vary"].split(", ") and "Accept" in page.headers["vary"].split(", ")


def test_search_page_links_to_the_statement_and_entity_pages_and_escapes_the_query(server_url: str) -> None:
    page = httpx.get(server_url + "search", params={"q": "healthy sense of caution"}, headers={"Accept": "text/html"})
    assert '<a href="/id/statement/diplomat-2025-06-strategic-autonomy/nakatani-healthy-sense-of-caution"' in page.text
    assert "<mark>healthy</mark>" in page.text
    people = httpx.get(
        server_url + "search", params={"q": "Nakatani", "kind": "entity"}, headers={"Accept": "text/html"}
    )
    assert '<a href="/id/person/nakatani-gen"' in people.text
    q = "<script>alert</script> & Nakatani"
    hostile = httpx.get(server_url + "search", params={"q": q}, headers={"Accept": "text/html"})
    assert hostile.status_code == 200, hostile.text
    assert "<script>alert" not in hostile.text
    assert "&lt;script&gt;alert&lt;/script&gt; &amp; Nakatani" in hostile.text


def test_every_page_header_has_a_search_box(server_url: str) -> None:
    page = httpx.get(server_url, headers={"Accept": "text/html"}).text
    assert '<form class="site-search" action="/search" method="get"' in page


# --- SPARQL ------------------------------------------------------------------------------------------------------


def test_search_service_joins_with_the_graph_who_said_healthy_sense_of_caution(server_url: str) -> None:
    assert select(server_url, WHO_SAID) == [{"speaker": "Nakatani Gen", "s": CAUTION}]


def test_search_service_binds_score_and_snippet_and_takes_a_constant_node(server_url: str) -> None:
    query = PREFIXES + (
        "SELECT ?score ?snippet WHERE { SERVICE <https://w3id.org/akg/search> "
        f'{{ <{CAUTION}> kgsearch:matches "caution" ; kgsearch:score ?score ; kgsearch:snippet ?snippet }} }}'
    )
    [row] = select(server_url, query)
    assert float(row["score"]) > 0
    assert "<mark>caution</mark>" in row["snippet"]


def test_search_service_with_a_variable_search_text_is_400(server_url: str) -> None:
    query = (
        PREFIXES + 'SELECT * WHERE { BIND("x" AS ?t) SERVICE <https://w3id.org/akg/search> { ?s kgsearch:matches ?t } }'
    )
    r = httpx.get(server_url + "sparql", params={"query": query})
    assert r.status_code == 400, r.text
    assert "must be a literal" in r.text


@pytest.mark.parametrize(
    "target", ["https://w3id.org/akg/search2", "https://w3id.org/akg/search#x", "http://127.0.0.1:1/sparql"]
)
def test_allowlist_accepts_the_search_service_and_still_refuses_every_other(server_url: str, target: str) -> None:
    assert select(server_url, WHO_SAID)  # the reserved IRI: evaluated here, never sent anywhere
    query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
    r = httpx.get(server_url + "sparql", params={"query": query})
    assert r.status_code == 400, r.text
    assert "is not allowed" in r.text
    update = "INSERT { ?s ?p ?o } WHERE { SERVICE <https://w3id.org/akg/search> { ?s ?p ?o } }"
    r = httpx.post(server_url + "update", data={"update": update})
    assert r.status_code in (400, 403), r.text


# --- the index in step with writes --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def writable(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with a write token, on its own copy of the built store and index."""
    copy = tmp_path_factory.mktemp("searchable")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    shutil.copy(built.search_path, copy / "search.sqlite")
    yield from serve(copy, {"KG_WRITE_TOKEN": TOKEN})


def update(url: str, text: str) -> httpx.Response:
    return httpx.post(url + "update", data={"update": text}, headers=AUTH)


def test_update_renaming_a_statement_is_searchable_at_once_under_its_new_iri_only(writable: LiveServer) -> None:
    url, renamed = writable.url, CAUTION + "-renamed"
    r = update(
        url,
        f"DELETE {{ GRAPH ?g {{ <{CAUTION}> ?p ?o }} }} INSERT {{ GRAPH ?g {{ <{renamed}> ?p ?o }} }} "
        f"WHERE {{ GRAPH ?g {{ <{CAUTION}> ?p ?o }} }}",
    )
    assert r.status_code == 200, r.text
    found = nodes(url, '"healthy sense of caution"', kind="statement")
    assert found == [renamed]
    assert select(url, WHO_SAID) == [{"speaker": "Nakatani Gen", "s": renamed}]


def test_update_of_a_label_is_found_and_a_deleted_label_is_gone(writable: LiveServer) -> None:
    url = writable.url
    r = update(url, f'INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{ALT}> "Zorblax Nakatani"@en }} }}')
    assert r.status_code == 200, r.text
    assert nodes(url, "zorblax") == [NAKATANI]
    r = update(url, f'DELETE DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{ALT}> "Zorblax Nakatani"@en }} }}')
    assert r.status_code == 200, r.text
    assert nodes(url, "zorblax") == []


def test_refused_write_changes_nothing_in_the_index(writable: LiveServer) -> None:
    url = writable.url
    r = update(url, f'{UNLABEL} ; INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{ALT}> "Quuxplorer"@en }} }}')
    assert r.status_code == 422, r.text
    assert nodes(url, "Quuxplorer") == []


def test_written_label_is_escaped_on_the_search_page(writable: LiveServer) -> None:
    url = writable.url
    hostile = "<img src=x onerror=alert(1)> Glimmerfen & co"
    r = update(url, f'INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{ALT}> "{hostile}"@en }} }}')
    assert r.status_code == 200, r.text
    page = httpx.get(url + "search", params={"q": "Glimmerfen"}, headers={"Accept": "text/html"}).text
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>Glimmerfen</mark> &amp; co" in page


def test_kg_update_keeps_the_index_in_step_and_kg_query_searches(built: BuildResult, tmp_path: Path) -> None:
    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copy(built.search_path, tmp_path / "search.sqlite")
    where = ("--build-dir", str(tmp_path))
    insert = f'INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{ALT}> "Frobnicated Gen"@en }} }}'
    assert kg("update", insert, *where).returncode == 0
    query = PREFIXES + (
        'SELECT ?label WHERE { SERVICE <https://w3id.org/akg/search> { ?n kgsearch:matches "frobnicated" } '
        "?n rdfs:label ?label }"
    )
    found = kg("query", query, *where)
    assert found.returncode == 0 and "Nakatani Gen" in found.stdout, found.stderr
    refused = f'{UNLABEL} ; INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{ALT}> "Snorkelwick"@en }} }}'
    assert kg("update", refused, *where).returncode == 1
    found = kg("query", query.replace("frobnicated", "snorkelwick"), *where)
    assert found.returncode == 0 and "Nakatani Gen" not in found.stdout, found.stderr


# --- the index file ------------------------------------------------------------------------------------------------


def test_kg_build_writes_the_same_index_bytes_every_time(built: BuildResult, tmp_path: Path) -> None:
    again = build(tmp_path, Minter())
    assert again.search_path.read_bytes() == built.search_path.read_bytes()


def test_missing_index_is_503_over_http_and_one_line_in_kg_query(built: BuildResult, tmp_path: Path) -> None:
    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copytree(built.dump_dir, tmp_path / "dumps")
    result = CliRunner().invoke(app, ["query", WHO_SAID, "--build-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "search index" in result.output and "Traceback" not in result.output
    server = serve(tmp_path)
    live = next(server)
    try:
        r = httpx.get(live.url + "search", params={"q": "Japan"}, headers={"Accept": "application/json"})
        assert r.status_code == 503 and r.json()["error"] == "search-index-missing"
        r = httpx.get(live.url + "sparql", params={"query": WHO_SAID})
        assert r.status_code == 503 and "kg build" in r.text
    finally:
        server.close()
