"""Issue 12, items 5 and 8 (part): big writes pass the gate in time, a write queued behind a long one is told to
come back (503 + Retry-After) instead of hanging, and a write of what is already there changes nothing.

Against `kg serve` with a write token on its own copy of the built store.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from kg.build import BuildResult
from tests.conftest import LiveServer, serve

TOKEN = "test-token-issue-12"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
SOURCE = "https://w3id.org/akg/id/source/diplomat-2025-06-strategic-autonomy"
NAKATANI = "https://w3id.org/akg/id/person/nakatani-gen"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
EXISTING = f'<{NAKATANI}> <{LABEL}> "Nakatani Gen"@en .'
#: A write waits this long (seconds) for the one before it, then gets 503.
WRITE_WAIT = 1


@pytest.fixture(scope="module")
def writable(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    copy = tmp_path_factory.mktemp("issue-12-writes")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    env = {
        "KG_WRITE_TOKEN": TOKEN,
        "KG_WRITE_WAIT": str(WRITE_WAIT),
        "KG_MAX_BODY_BYTES": "20000000",
        "KG_PROCESSES": "1",
    }
    yield from serve(copy, env)


def persons(prefix: str, triples: int) -> str:
    """N-Triples of new, valid persons (four triples each), all derived from the article."""
    lines = []
    for i in range(triples // 4):
        person = f"<https://w3id.org/akg/id/person/{prefix}-{i}>"
        name = f'"{prefix} person {i}"@en'
        lines += [
            f"{person} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/akg/ontology#Person> .",
            f"{person} <{LABEL}> {name} .",
            f"{person} <http://www.w3.org/2004/02/skos/core#prefLabel> {name} .",
            f"{person} <http://www.w3.org/ns/prov#wasDerivedFrom> <{SOURCE}> .",
        ]
    return "\n".join(lines) + "\n"


def store_url(server: LiveServer, graph: str) -> str:
    return server.url + "store?graph=" + quote(graph, safe="")


def version(server: LiveServer) -> str:
    return httpx.get(server.url + "health").json()["data_version"]


def test_a_5000_triple_write_validates_and_commits_in_seconds(writable: LiveServer) -> None:
    graph = "http://example.org/issue-12/big"
    headers = {**AUTH, "Content-Type": "application/n-triples"}
    # Before the gate was linear, this write took minutes: the client's time limit is the assertion.
    r = httpx.put(store_url(writable, graph), content=persons("bulk", 5000), headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    assert r.json()["added"] == 5000
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    answer = httpx.get(writable.url + "sparql", params={"query": query}).json()
    assert answer["results"]["bindings"][0]["n"]["value"] == "5000"


def test_a_write_queued_behind_a_long_write_gets_503_with_retry_after(writable: LiveServer) -> None:
    headers = {**AUTH, "Content-Type": "application/n-triples"}
    long_write: dict[str, httpx.Response] = {}

    def put_many() -> None:
        payload = persons("queued", 8000)
        long_write["response"] = httpx.put(
            store_url(writable, "http://example.org/issue-12/long"), content=payload, headers=headers, timeout=120
        )

    thread = threading.Thread(target=put_many)
    thread.start()
    busy = None
    deadline = time.monotonic() + 60
    # A write of a triple already there takes the lock for a moment and changes nothing: repeated until one
    # arrives while the long write holds the lock.
    while thread.is_alive() and busy is None and time.monotonic() < deadline:
        update = f"INSERT DATA {{ GRAPH <{ARTICLE}> {{ {EXISTING} }} }}"
        started = time.monotonic()
        r = httpx.post(writable.url + "update", data={"update": update}, headers=AUTH, timeout=30)
        if r.status_code == 503:
            busy, waited = r, time.monotonic() - started
        else:
            assert r.status_code == 200, r.text
    thread.join(timeout=120)
    assert busy is not None, "no write was refused while the long write held the lock"
    assert busy.headers["content-type"].startswith("application/json")
    assert busy.json()["error"] == "writer-busy"
    assert int(busy.headers["retry-after"]) >= 1
    assert waited < WRITE_WAIT + 10, "the queued write waited about KG_WRITE_WAIT, not for the long write"
    assert long_write["response"].status_code == 201, long_write["response"].text


def test_writes_of_what_is_already_there_leave_the_data_version_and_etags_alone(writable: LiveServer) -> None:
    url = writable.url
    query = {"query": f"ASK {{ {EXISTING.removesuffix(' .')} }}"}
    etag = httpx.get(url + "sparql", params=query).headers["etag"]
    before = version(writable)

    r = httpx.post(
        url + "update", data={"update": f"INSERT DATA {{ GRAPH <{ARTICLE}> {{ {EXISTING} }} }}"}, headers=AUTH
    )
    assert r.status_code == 200, r.text
    assert (r.json()["added"], r.json()["removed"], r.json()["data_version"]) == (0, 0, before)

    absent = f'<{NAKATANI}> <{LABEL}> "not there"@en .'
    r = httpx.post(url + "update", data={"update": f"DELETE DATA {{ GRAPH <{ARTICLE}> {{ {absent} }} }}"}, headers=AUTH)
    assert (r.status_code, r.json()["removed"], r.json()["data_version"]) == (200, 0, before)

    r = httpx.post(
        store_url(writable, ARTICLE), content=EXISTING, headers={**AUTH, "Content-Type": "application/n-triples"}
    )
    assert (r.status_code, r.json()["added"], r.json()["data_version"]) == (200, 0, before)

    assert version(writable) == before
    assert httpx.get(url + "sparql", params=query).headers["etag"] == etag
