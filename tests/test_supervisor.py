"""`kg serve` as a whole: the port, and how connections spread over its serving processes."""

from __future__ import annotations

import subprocess
import sys

import httpx

from tests.conftest import LiveServer


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
