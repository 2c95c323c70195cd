"""Crash safety: SIGKILL the server in the middle of a large write; after a restart the store holds all of
the write or none of it, and still validates. Also `kg backup` / `kg restore`."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from typer.testing import CliRunner

from kg.build import BuildResult
from kg.cli import app
from tests.conftest import serve

TOKEN = "crash-token"
GRAPH = "http://example.org/bulk"
TRIPLES = 20_000
PAYLOAD = "\n".join(f'<http://example.org/s{i}> <http://example.org/p> "value {i}" .' for i in range(TRIPLES))


def graph_size(url: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    return int(httpx.get(url + "sparql", params={"query": query}).json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.5])
def test_sigkill_during_a_large_write_leaves_all_or_nothing(
    built: BuildResult, tmp_path: Path, delay: float, http_server: str
) -> None:
    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copytree(built.dump_dir, tmp_path / "dumps")
    server = serve(tmp_path, {"KG_WRITE_TOKEN": TOKEN, "KG_HTTP_SERVER": http_server})
    live = next(server)
    outcome: dict[str, object] = {}

    def write() -> None:
        try:
            outcome["status"] = httpx.put(
                live.url + "store?graph=" + quote(GRAPH, safe=""),
                content=PAYLOAD,
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/n-triples"},
                timeout=120,
            ).status_code
        except httpx.TransportError as err:
            outcome["error"] = err

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(delay)
    live.process.send_signal(signal.SIGKILL)
    live.process.wait(10)
    thread.join(30)
    server.close()

    restarted = serve(tmp_path, {"KG_HTTP_SERVER": http_server})
    url = next(restarted).url
    try:
        size = graph_size(url)
        assert size in (0, TRIPLES), f"a partial write survived the crash: {size} of {TRIPLES} triples"
        if outcome.get("status") == 201:
            assert size == TRIPLES, "a write acknowledged before the crash was lost"
    finally:
        restarted.close()
    result = CliRunner().invoke(app, ["validate", "--build-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output


def test_backup_and_restore_round_trip(built: BuildResult, tmp_path: Path) -> None:
    shutil.copytree(built.store_path, tmp_path / "store")
    runner = CliRunner()
    assert runner.invoke(app, ["backup", str(tmp_path / "backup"), "--build-dir", str(tmp_path)]).exit_code == 0
    update = (
        "INSERT DATA { GRAPH <https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy> { "
        '<https://w3id.org/akg/id/person/satake-tomohiko> <http://www.w3.org/2004/02/skos/core#altLabel> "S."@en } }'
    )
    changed = runner.invoke(app, ["update", update, "--build-dir", str(tmp_path)])
    assert changed.exit_code == 0, changed.output
    ask = 'ASK { ?s <http://www.w3.org/2004/02/skos/core#altLabel> "S."@en }'
    assert "true" in runner.invoke(app, ["query", ask, "--build-dir", str(tmp_path)]).output
    restored = runner.invoke(app, ["restore", str(tmp_path / "backup"), "--build-dir", str(tmp_path)])
    assert restored.exit_code == 0, restored.output
    assert "false" in runner.invoke(app, ["query", ask, "--build-dir", str(tmp_path)]).output


def test_cli_update_that_breaks_a_shape_exits_1_and_writes_nothing(built: BuildResult, tmp_path: Path) -> None:
    shutil.copytree(built.store_path, tmp_path / "store")
    runner = CliRunner()
    update = (
        "DELETE DATA { GRAPH <https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy> { "
        "<https://w3id.org/akg/id/person/satake-tomohiko> <http://www.w3.org/2000/01/rdf-schema#label> "
        '"Satake Tomohiko"@en } }'
    )
    result = runner.invoke(app, ["update", update, "--build-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    ask = 'ASK { ?s <http://www.w3.org/2000/01/rdf-schema#label> "Satake Tomohiko"@en }'
    assert "true" in runner.invoke(app, ["query", ask, "--build-dir", str(tmp_path)]).output
