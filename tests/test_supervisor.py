"""`kg serve` as a whole: the port, how connections spread over its serving processes, and their replacement."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from kg.build import BuildResult
from server.supervisor import START_FAILURES
from tests.conftest import LiveServer, live_server_each_http_server, serve

# Every test here runs under each HTTP server a serving process can run (KG_HTTP_SERVER).
live_server = live_server_each_http_server


def test_connections_are_spread_over_the_serving_processes(live_server: LiveServer) -> None:
    # Each client is its own keep-alive connection; SO_REUSEPORT spreads new connections over the processes.
    clients = [httpx.Client(base_url=live_server.url) for _ in range(16)]
    try:
        answered_by = {client.get("health").json()["process"] for client in clients}
        processes = set(clients[0].get("health").json()["processes"])
    finally:
        for client in clients:
            client.close()
    assert len(processes) > 1, "kg serve starts one process per core (two here)"
    assert answered_by <= processes
    assert len(answered_by) > 1, "every connection went to the same process"


def test_the_serving_processes_run_the_http_server_kg_http_server_names(
    live_server: LiveServer, http_server: str
) -> None:
    """Issue 17: ``KG_HTTP_SERVER=granian`` puts granian in the serving processes (each server names itself in
    ``Server``), so the tests run under it really test it."""
    r = httpx.get(live_server.url + "health")
    assert r.status_code == 200, r.text
    assert r.headers.get("server") == http_server, r.headers


def test_a_second_server_on_a_taken_port_is_refused(live_server: LiveServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = live_server.url.rsplit(":", 1)[1].strip("/")
    build_dir = tmp_path  # not even read: the port is checked first
    (build_dir / "store").mkdir()
    (build_dir / "store" / "CURRENT").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--build-dir", str(build_dir), "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "error:" in result.stderr and "in use" in result.stderr
    assert httpx.get(live_server.url + "health").status_code == 200, "the running server is untouched"


def answering_process(url: str, not_one_of: set[int], within: float = 60) -> int:
    """The pid of a serving process, not in ``not_one_of``, that answers ``/health`` (waits for it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            pid = httpx.get(url + "health", timeout=5).json()["process"]
            if pid not in not_one_of:
                return pid
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no new serving process answered within {within} s")


def test_processes_crashing_while_serving_are_replaced_and_never_stop_the_server(
    built: BuildResult, http_server: str
) -> None:
    """Issue 12: a request that crashes the engine kills its process; that is no start-up failure."""
    server = serve(built.store_path.parent, {"KG_PROCESSES": "1", "KG_HTTP_SERVER": http_server})
    live = next(server)
    try:
        crashed: set[int] = set()
        for _ in range(START_FAILURES + 2):  # each replacement dies moments after it is ready
            pid = answering_process(live.url, crashed)
            os.kill(pid, signal.SIGSEGV)
            crashed.add(pid)
        answering_process(live.url, crashed)
        assert live.process.poll() is None, "the supervisor stopped"
        r = httpx.post(live.url + "sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 200, r.text
    finally:
        server.close()
