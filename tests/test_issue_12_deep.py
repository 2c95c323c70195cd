"""Issue 12, "Hard edges, round two": one deep query killed a serving process, about 13 stopped the server.

Each shape below crashed pyoxigraph (SIGSEGV, stack overflow) at the size given, or reached rdflib's update
engine; now it is refused with a 400 before any engine sees it (kg/depth.py), and no serving process dies.
(Deep bracket nesting was already refused: tests/test_fuzz.py keeps throwing it.)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kg.build import BuildResult
from kg.cli import app
from tests.conftest import LiveServer, serve

TOKEN = "deep-token"
P = "PREFIX : <http://example.org/> "
G = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"


def _join(separator: str, item: str, n: int) -> str:
    return separator.join([item] * n)


UNIONS = _join(" UNION ", "{}", 8_000)
QUERIES = {
    "plus_chain": f"SELECT * WHERE {{ FILTER({_join('+', '1', 8_000)} > 0) }}",
    "times_chain": f"SELECT * WHERE {{ FILTER({_join('*', '1', 8_000)} > 0) }}",
    "and_chain": f"SELECT * WHERE {{ FILTER({_join('&&', 'true', 10_000)}) }}",
    "or_chain": f"SELECT * WHERE {{ FILTER({_join('||', 'true', 10_000)}) }}",
    "not_prefixes": f"SELECT * WHERE {{ FILTER({'!' * 30_000}true) }}",
    "union_chain": f"SELECT * WHERE {{ {UNIONS} }}",
    "optional_chain": f"SELECT * WHERE {{ {'OPTIONAL {} ' * 7_000} }}",
    "minus_chain": f"SELECT * WHERE {{ {'MINUS {} ' * 3_000} }}",
    "bind_chain": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(3_000)) + " }",
    "path_sequence": f"{P}SELECT * WHERE {{ ?s {_join('/', ':p', 9_000)} ?o }}",
    "path_alternatives": f"{P}SELECT * WHERE {{ ?s {_join('|', ':p', 11_000)} ?o }}",
    "inverse_path_chain": f"{P}SELECT * WHERE {{ ?s {_join('/', '^:p', 9_000)} ?o }}",
    "semicolon_list": f"{P}SELECT * WHERE {{ ?s {_join(' ; ', ':p ?o', 9_000)} }}",
    "comma_list": f"{P}SELECT * WHERE {{ ?s :p {_join(' , ', '?o', 9_000)} }}",
    "triple_patterns": f"{P}SELECT * WHERE {{ {_join(' . ', '?s :p ?o', 9_000)} }}",
    "collection": f"{P}SELECT * WHERE {{ ?s :p ({_join(' ', '1', 5_000)}) }}",
}
UPDATES = {
    "insert_data_collection": f"{P}INSERT DATA {{ GRAPH <{G}> {{ :s :p ({_join(' ', '1', 5_000)}) }} }}",
    "delete_insert_where_union": f"{P}DELETE {{ ?s :p ?o }} INSERT {{ ?s :q ?o }} WHERE {{ {UNIONS} }}",
    "insert_where_plus_chain": f"{P}INSERT {{ :s :p 1 }} WHERE {{ FILTER({_join('+', '1', 8_000)} > 0) }}",
}


def pids(url: str) -> list[int]:
    return sorted(httpx.get(url + "health").json()["processes"])


def assert_still_serving(url: str, before: list[int]) -> None:
    r = httpx.post(url + "sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 200 and r.json()["boolean"] is True, r.text
    assert pids(url) == before, "a serving process died"


@pytest.fixture(scope="module")
def writable(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    copy = tmp_path_factory.mktemp("deep")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    yield from serve(copy, {"KG_WRITE_TOKEN": TOKEN})


@pytest.mark.parametrize("shape", QUERIES)
def test_deep_query_is_refused_400_and_no_serving_process_dies(server_url: str, shape: str) -> None:
    before = pids(server_url)
    with httpx.Client(timeout=60) as client:
        for _ in range(20):
            r = client.post(
                server_url + "sparql", content=QUERIES[shape], headers={"Content-Type": "application/sparql-query"}
            )
            assert r.status_code == 400, r.text[:300]
            assert "Traceback" not in r.text
    assert_still_serving(server_url, before)


@pytest.mark.parametrize("shape", UPDATES)
def test_deep_update_is_refused_400_and_no_process_dies(writable: LiveServer, shape: str) -> None:
    before = pids(writable.url)
    with httpx.Client(timeout=60) as client:
        for _ in range(20):
            r = client.post(
                writable.url + "update",
                content=UPDATES[shape],
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
            )
            assert r.status_code == 400, r.text[:300]
    assert_still_serving(writable.url, before)
    assert writable.process.poll() is None, "the supervisor (which owns the writer) died"


@pytest.mark.parametrize("shape", ["plus_chain", "not_prefixes", "union_chain", "collection"])
def test_cli_query_too_deep_exits_2_with_one_line(built: BuildResult, shape: str) -> None:
    result = CliRunner().invoke(app, ["query", QUERIES[shape], "--build-dir", str(built.store_path.parent)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "error:" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("shape", ["insert_data_collection", "delete_insert_where_union", "insert_where_plus_chain"])
def test_cli_update_too_deep_exits_2_and_writes_nothing(built: BuildResult, tmp_path: Path, shape: str) -> None:
    shutil.copytree(built.store_path, tmp_path / "store")
    result = CliRunner().invoke(app, ["update", UPDATES[shape], "--build-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output
