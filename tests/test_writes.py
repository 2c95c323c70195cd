"""Writes on the real server: bearer token, SHACL gate (422 and nothing written), protected data, GSP writes —
on the embedded store and on Virtuoso (issue 15: a private Virtuoso for this module, written through the same core)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from rdflib import Graph

from kg.build import BuildResult
from tests.conftest import LiveServer, serve
from tests.engines import BACKENDS, start_virtuoso

TOKEN = "test-token-4f1c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
NAKATANI = "https://w3id.org/akg/id/person/nakatani-gen"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module", params=BACKENDS)
def writable(
    request: pytest.FixtureRequest, built: BuildResult, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server with a write token, on its own copy of the built store, or on a private Virtuoso holding it."""
    copy = tmp_path_factory.mktemp("writable")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    if request.param == "embedded":
        yield from serve(copy, {"KG_WRITE_TOKEN": TOKEN})
        return
    instance = start_virtuoso(tmp_path_factory, built)
    try:
        yield from serve(copy, {"KG_WRITE_TOKEN": TOKEN, "KG_STORE": instance.sparql_url})
    finally:
        instance.destroy()


def ask(url: str, query: str) -> bool:
    return httpx.get(url + "sparql", params={"query": query}).json()["boolean"]


def count(url: str) -> int:
    return httpx.get(url + "health").json()["triples"]


def test_read_only_server_refuses_writes_with_403(backend_url: str) -> None:
    r = httpx.post(backend_url + "update", data={"update": "CLEAR ALL"}, headers=AUTH)
    assert r.status_code == 403
    assert "read-only" in r.text


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic dGVzdA==", f"Bearer {TOKEN}x"])
def test_write_without_the_right_token_is_401_and_changes_nothing(
    writable: LiveServer, authorization: str | None
) -> None:
    before = count(writable.url)
    headers = {"Authorization": authorization} if authorization else {}
    r = httpx.post(writable.url + "update", data={"update": "CLEAR ALL"}, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert count(writable.url) == before


def test_valid_update_is_committed_and_seen_by_every_reader(writable: LiveServer) -> None:
    url = writable.url
    query = f'ASK {{ <{NAKATANI}> <{ALT}> "Gen Nakatani"@en }}'
    etag = httpx.get(url + "sparql", params={"query": query}).headers["etag"]
    version = httpx.get(url + "health").json()["data_version"]
    update = f'INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{ALT}> "Gen Nakatani"@en }} }}'
    r = httpx.post(url + "sparql", data={"update": update}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1
    assert ask(url, query), "the query workers must see the write"
    assert httpx.get(url + "sparql", params={"query": query}).headers["etag"] != etag
    assert httpx.get(url + "health").json()["data_version"] != version
    assert "Gen Nakatani" in httpx.get(url + "id/person/nakatani-gen.ttl").text
    deadline = time.monotonic() + 20
    while "Gen Nakatani" not in httpx.get(url + "dumps/all.nq").text:
        assert time.monotonic() < deadline, "the dumps were not rewritten after the write"
        time.sleep(0.2)


def test_update_that_breaks_a_shape_is_422_with_the_report_and_writes_nothing(writable: LiveServer) -> None:
    url = writable.url
    before = httpx.get(url + "store?default", headers={"Accept": "application/n-triples"}).text
    update = f'DELETE DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{LABEL}> "Nakatani Gen"@en }} }}'
    r = httpx.post(url + "update", content=update, headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["conforms"] is False
    assert any(v["focus"] == NAKATANI and v["path"] == LABEL for v in body["results"])
    after = httpx.get(url + "store?default", headers={"Accept": "application/n-triples"}).text
    assert sorted(after.splitlines()) == sorted(before.splitlines())


def test_rejection_report_comes_as_turtle_when_asked(writable: LiveServer) -> None:
    update = f"DELETE WHERE {{ GRAPH <{ARTICLE}> {{ ?s <https://w3id.org/akg/ontology#speaker> ?o }} }}"
    r = httpx.post(writable.url + "update", data={"update": update}, headers={**AUTH, "Accept": "text/turtle"})
    assert r.status_code == 422
    report = Graph().parse(data=r.text, format="turtle")
    assert len(report) > 10


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        (
            f"INSERT DATA {{ GRAPH <{ARTICLE}> {{ <https://w3id.org/akg/id/source/diplomat-2025-06-strategic-autonomy> "
            '<https://w3id.org/akg/ontology#fullText> "forged" } }',
            "source texts are read-only",
        ),
        ("CLEAR GRAPH <https://w3id.org/akg/graph/ontology>", "ontology graph"),
        ("LOAD <http://127.0.0.1:1/evil.ttl>", "LOAD"),
        ("LOAD <http://169.254.169.254/latest/meta-data/>", "LOAD"),
    ],
)
def test_protected_data_and_load_are_refused_with_403(writable: LiveServer, update: str, reason: str) -> None:
    before = count(writable.url)
    r = httpx.post(writable.url + "update", data={"update": update}, headers=AUTH)
    assert r.status_code == 403, r.text
    assert reason in r.text
    assert count(writable.url) == before


def test_blank_node_labels_are_scoped_to_their_request(writable: LiveServer) -> None:
    graph = "http://example.org/bnodes"
    for value in ("one", "two"):
        update = f'INSERT DATA {{ GRAPH <{graph}> {{ _:b1 <http://example.org/p> "{value}" }} }}'
        assert httpx.post(writable.url + "update", data={"update": update}, headers=AUTH).status_code == 200
    query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    n = httpx.get(writable.url + "sparql", params={"query": query}).json()["results"]["bindings"][0]["n"]["value"]
    assert n == "2", "two requests, two blank nodes"


def test_malformed_update_is_400(writable: LiveServer) -> None:
    r = httpx.post(writable.url + "update", data={"update": "INSERT DATA { <a> "}, headers=AUTH)
    assert r.status_code == 400
    assert "Update" in r.text


def test_graph_store_put_get_post_delete_cycle(writable: LiveServer) -> None:
    url = writable.url
    graph = "http://example.org/notes/1"
    target = url + "store?graph=" + quote(graph, safe="")
    turtle = '<http://example.org/n1> <http://purl.org/dc/terms/title> "A curator note" .'
    r = httpx.put(target, content=turtle, headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code == 201, r.text
    assert len(Graph().parse(data=httpx.get(target).text, format="turtle")) == 1
    r = httpx.put(target, content=turtle, headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code == 200
    more = '<http://example.org/n1> <http://purl.org/dc/terms/creator> "curator" .'
    assert (
        httpx.post(target, content=more, headers={**AUTH, "Content-Type": "application/n-triples"}).status_code == 200
    )
    assert len(Graph().parse(data=httpx.get(target).text, format="turtle")) == 2
    assert httpx.delete(target, headers=AUTH).status_code == 200
    assert httpx.get(target).status_code == 404
    assert httpx.delete(target, headers=AUTH).status_code == 404


def test_post_to_the_store_creates_a_graph_and_says_where(writable: LiveServer) -> None:
    r = httpx.post(
        writable.url + "store",
        content='<http://example.org/n2> <http://purl.org/dc/terms/title> "x" .',
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    assert location.startswith("https://w3id.org/akg/graph/"), "the Location is the new graph's IRI"
    assert httpx.get(writable.url + "store?graph=" + quote(location, safe="")).status_code == 200
    assert httpx.get(writable.url + location.removeprefix("https://w3id.org/akg/")).status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [("<a> <b> .", "text/turtle", 400), ("@prefix : .", "text/turtle", 400), ("{}", "image/png", 415)],
)
def test_bad_graph_payloads_are_refused(writable: LiveServer, content: str, content_type: str, status: int) -> None:
    target = writable.url + "store?graph=" + quote("http://example.org/bad", safe="")
    r = httpx.put(target, content=content, headers={**AUTH, "Content-Type": content_type})
    assert r.status_code == status, r.text
    assert httpx.get(target).status_code == 404


def test_gsp_write_that_breaks_a_shape_is_422(writable: LiveServer) -> None:
    target = writable.url + "store?graph=" + quote("http://example.org/bad-person", safe="")
    payload = "<http://example.org/p> a <https://w3id.org/akg/ontology#Person> ."  # no label, no source
    r = httpx.put(target, content=payload, headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code == 422
    assert httpx.get(target).status_code == 404


def test_token_file_is_read(built: BuildResult, tmp_path: Path) -> None:
    from server.settings import Settings

    token_file = tmp_path / "token"
    token_file.write_text("from-a-file\n")
    import os

    os.environ["KG_WRITE_TOKEN_FILE"] = str(token_file)
    try:
        settings = Settings.from_env()
    finally:
        del os.environ["KG_WRITE_TOKEN_FILE"]
    assert settings.write_token == "from-a-file"
    assert "from-a-file" not in repr(settings)
