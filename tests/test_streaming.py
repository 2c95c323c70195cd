"""Streamed answers on the real server: large results leave in chunks as they are produced, small ones whole."""

from __future__ import annotations

import time

import httpx
import pyoxigraph as ox

from kg.build import BuildResult
from tests.conftest import LiveServer, live_server_each_http_server, server_url_each_http_server
from tests.test_timeouts import becomes_idle

# Every test here runs under each HTTP server a serving process can run (KG_HTTP_SERVER).
live_server = live_server_each_http_server
server_url = server_url_each_http_server

EVERY_TRIPLE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
#: Millions of rows from a few thousand triples: seconds to produce in full.
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 200000"


def test_a_small_answer_is_sent_whole_with_its_length(server_url: str) -> None:
    r = httpx.get(server_url + "sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(r.content))
    assert "transfer-encoding" not in r.headers


def test_a_large_answer_is_chunked_and_complete(server_url: str, built: BuildResult) -> None:
    r = httpx.get(
        server_url + "sparql", params={"query": EVERY_TRIPLE}, headers={"Accept": "text/tab-separated-values"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["transfer-encoding"] == "chunked"
    store = ox.Store.read_only(str(built.store_path))
    expected = store.query(EVERY_TRIPLE, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.TSV)
    assert r.content == expected, "the streamed answer must be byte-identical to the engine's whole serialisation"


def test_the_first_bytes_of_a_large_answer_arrive_long_before_its_end(server_url: str) -> None:
    started = time.monotonic()
    with httpx.stream("GET", server_url + "sparql", params={"query": CROSS, "format": "tsv"}, timeout=60) as r:
        assert r.status_code == 200
        chunks = r.iter_bytes()
        next(chunks)
        first = time.monotonic() - started
        size = sum(len(c) for c in chunks)
    total = time.monotonic() - started
    assert size > 10_000_000
    assert first * 4 < total, f"first byte at {first:.3f} s of {total:.3f} s: the answer was buffered"


def test_a_client_that_leaves_midway_stops_its_query_and_the_server_goes_on(live_server: LiveServer) -> None:
    url = live_server.url
    before = httpx.get(url + "health").json()["processes_recycled"]
    with httpx.stream("GET", url + "sparql", params={"query": CROSS, "format": "tsv"}, timeout=60) as r:
        assert r.status_code == 200
        next(r.iter_bytes())
    # The connection is closed with most of the answer unsent; the query stops at its next write.
    assert becomes_idle(live_server.process.pid, within=10), "the abandoned query is still running"
    assert httpx.get(url + "health").json()["processes_recycled"] == before
    assert httpx.get(url + "sparql", params={"query": "ASK {}"}).status_code == 200
