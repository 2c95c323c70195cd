"""Issue 15: the same service on an existing SPARQL engine (Virtuoso 7), selected by one setting.

The read side: what the engine's own dataset must not show, loading with its bulk loader, its time limit, and
what a client sees when the engine is down at start or goes away while serving.
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from kg.build import BuildResult
from kg.engines.virtuoso import VirtuosoInstance
from kg.errors import VirtuosoError
from kg.remote_store import SparqlEngineStore
from kg.store import OxigraphStore
from server.settings import SettingError, Settings
from tests.conftest import free_port, serve
from tests.engines import start_virtuoso

SYSTEM_GRAPH = "http://www.openlinksw.com/schemas/virtrdf#"


def query(url: str, sparql: str, **params: str) -> httpx.Response:
    headers = {"Accept": "application/sparql-results+json"}
    return httpx.post(url + "sparql", data={"query": sparql, **params}, headers=headers, timeout=30)


def test_default_dataset_on_virtuoso_is_only_our_graphs(virtuoso_server_url: str, built: BuildResult) -> None:
    listed = query(virtuoso_server_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert listed.status_code == 200, listed.text
    graphs = [row["g"]["value"] for row in listed.json()["results"]["bindings"]]
    assert graphs == sorted(built_graphs(built))
    system = query(virtuoso_server_url, f"ASK {{ ?s a <{SYSTEM_GRAPH}QuadMapFormat> }}")
    assert system.json()["boolean"] is False


def built_graphs(built: BuildResult) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(built.store_path))
    return [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]


def test_virtuoso_holds_one_named_graph_per_source_with_every_quad(
    virtuoso: VirtuosoInstance, built: BuildResult
) -> None:
    store = SparqlEngineStore(virtuoso.sparql_url)
    assert store.graphs() == sorted(built_graphs(built))
    assert len(store) == built.quads


def test_malformed_query_on_the_engine_is_the_same_syntax_error_as_on_the_embedded_store(
    virtuoso: VirtuosoInstance, built: BuildResult
) -> None:
    malformed = "SELEC * WHERE { ?s ?p ?o }"
    with pytest.raises(SyntaxError) as embedded:
        OxigraphStore.open(built.store_path).query(malformed)
    with pytest.raises(SyntaxError, match="1:1") as engine:
        SparqlEngineStore(virtuoso.sparql_url).query(malformed)
    assert str(engine.value) == str(embedded.value)


def test_invalid_query_the_engine_would_accept_is_refused_before_it(virtuoso: VirtuosoInstance) -> None:
    ungrouped = "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?p"  # Virtuoso 7.2 answers it (W3C syn-bad-02)
    with pytest.raises(SyntaxError):
        SparqlEngineStore(virtuoso.sparql_url).query(ungrouped)


def test_query_the_engine_cuts_short_is_503_query_timeout_never_a_partial_200(virtuoso_server_url: str) -> None:
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    answer = query(virtuoso_server_url, heavy, timeout="1")
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "query-timeout"


def test_kg_build_store_loads_through_the_bulk_loader_replaces_our_graphs_and_dumps_what_the_engine_holds(
    tmp_path_factory: pytest.TempPathFactory, built: BuildResult
) -> None:
    build_dir = tmp_path_factory.mktemp("engine-build")
    instance = VirtuosoInstance(build_dir / "db", dirs_allowed=(build_dir / "engine-load",))
    instance.start()
    try:
        env = {**os.environ, "KG_STORE_ISQL": f"127.0.0.1:{instance.sql_port}"}
        argv = [sys.executable, "-m", "kg.cli", "build", "--build-dir", str(build_dir), "--store", instance.sparql_url]
        for _ in range(2):  # the second load replaces the first: the same quads, not twice as many
            done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
            assert done.returncode == 0, done.stderr
        assert f"loaded into {instance.sparql_url}: {built.quads} quads in {built.graphs} named graphs" in done.stdout
        assert f"dumps written from {instance.sparql_url}: the same as the build's" in done.stdout, done.stdout
        store = SparqlEngineStore(instance.sparql_url)
        assert len(store) == built.quads
        assert store.graphs() == sorted(built_graphs(built))
        out = build_dir / "from-engine"
        argv = [sys.executable, "-m", "kg.cli", "dump", "--out", str(out), "--store", instance.sparql_url]
        dumped = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
        assert dumped.returncode == 0, dumped.stderr
        assert (out / "SHA256SUMS").read_text() == (built.store_path.parent / "dumps" / "SHA256SUMS").read_text()
    finally:
        instance.destroy()


def test_serve_with_the_engine_down_exits_2_with_one_line(built: BuildResult) -> None:
    down = f"http://127.0.0.1:{free_port()}/sparql"
    argv = [sys.executable, "-m", "kg.cli", "serve", "--build-dir", str(built.store_path.parent), "--store", down]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**os.environ, "KG_PROCESSES": "1"})
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and down in errors[0], done.stderr
    assert "Traceback" not in done.stderr


def test_kg_store_must_be_an_http_url() -> None:
    with pytest.raises(SettingError, match="KG_STORE"):
        Settings(store_url="ftp://127.0.0.1/sparql")


def test_engine_stopped_while_serving_is_503_store_unavailable_on_queries_and_pages_then_200_once_it_is_back(
    tmp_path_factory: pytest.TempPathFactory, built: BuildResult
) -> None:
    instance = start_virtuoso(tmp_path_factory, built)
    try:
        env = {"KG_STORE": instance.sparql_url, "KG_PROCESSES": "1"}
        for live in serve(built.store_path.parent, env):
            ask = "ASK { ?s ?p ?o }"
            assert query(live.url, ask).status_code == 200
            instance.stop()
            down = query(live.url, ask)
            assert down.status_code == 503, down.text
            assert down.json()["error"] == "store-unavailable"
            page = httpx.get(live.url + "id/person/nakatani-gen", headers={"Accept": "text/turtle"}, timeout=30)
            assert page.status_code == 503, page.text
            assert page.json()["error"] == "store-unavailable"
            health = httpx.get(live.url + "health", timeout=10)
            assert health.status_code == 503
            assert health.json()["failing"] == "store"
            instance.start()  # same ports, same database
            back = query(live.url, ask)
            assert back.status_code == 200, back.text
            assert back.json()["boolean"] is True
            assert httpx.get(live.url + "health", timeout=10).status_code == 200
    finally:
        instance.destroy()


def test_an_isql_script_runs_every_statement_and_fails_loudly_on_a_bad_one(virtuoso: VirtuosoInstance) -> None:
    assert virtuoso.isql.run_script(["SELECT 40 + 2", "SELECT 'two'"]).count("Rows.") == 2
    with pytest.raises(VirtuosoError, match="SELEC"):
        virtuoso.isql.run_script(["SELECT 1", "SELEC nonsense"])
