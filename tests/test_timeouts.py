"""Query time limits on the real server: a runaway query is stopped, answered with 503, and its CPU reclaimed."""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, live_server_each_http_server, server_url_each_http_server

# Every test here runs under each HTTP server a serving process can run (KG_HTTP_SERVER).
live_server = live_server_each_http_server
server_url = server_url_each_http_server

# Three unconstrained triple patterns over ~2,000 triples: about 10^10 solutions to count.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children that still run."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def becomes_idle(pid: int, within: float) -> bool:
    """Whether a process tree uses under 0.3 s of CPU in some 1-second window within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        start_cpu = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - start_cpu < 0.3:
            return True
    return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _health(url: str) -> dict:
    return httpx.get(url + "health", timeout=10).json()


def wait_for_recycle(url: str, before: dict, within: float = 30, count: int = 1) -> dict:
    """Wait until ``count`` more serving processes have been recycled and replaced; returns /health then.

    Every test that leaves a query stuck in the engine waits for this, so that no later test has a request cut
    off by the recycling process's exit.
    """
    deadline = time.monotonic() + within
    while True:
        after = _health(url)
        recycled = after["processes_recycled"] == before["processes_recycled"] + count
        if recycled and len(after["processes"]) == len(before["processes"]):
            return after
        assert time.monotonic() < deadline, f"no process was recycled: {after}"
        time.sleep(0.1)


def test_runaway_query_is_answered_503_at_its_limit_with_a_json_body(server_url: str) -> None:
    before = _health(server_url)
    started = time.monotonic()
    r = httpx.get(server_url + "sparql", params={"query": RUNAWAY, "timeout": "1"}, timeout=30)
    elapsed = time.monotonic() - started
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"] == "query-timeout"
    assert r.json()["limit_seconds"] == 1
    assert 0.9 < elapsed < 5
    wait_for_recycle(server_url, before)


def test_a_query_stuck_past_its_limit_recycles_its_process_and_the_cpu_is_reclaimed(live_server: LiveServer) -> None:
    url = live_server.url
    before = _health(url)
    r = httpx.get(url + "sparql", params={"query": RUNAWAY, "timeout": "1.5"}, timeout=30)
    assert r.status_code == 503
    # The process that ran it cannot stop the engine: it recycles (grace, then drain), and a replacement starts.
    after = wait_for_recycle(url, before)
    gone = set(before["processes"]) - set(after["processes"])
    assert len(gone) == 1 and not alive(gone.pop()), "the process that ran the query must be gone"
    # Once the replacement has started, the server's process tree goes idle: a runaway would burn a whole core.
    assert becomes_idle(live_server.process.pid, within=20), "CPU is still being burned after the timeout"


def test_a_streamed_answer_past_its_limit_is_cut_off_and_stops_without_recycling(live_server: LiveServer) -> None:
    """Cooperative stop: a query that is writing its answer stops at its next write, no process is lost."""
    url = live_server.url
    before = _health(url)["processes_recycled"]
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^10 rows, streamed as they come
    received = 0
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "GET", url + "sparql", params={"query": endless, "timeout": "1", "format": "tsv"}, timeout=30
        ) as r,
    ):
        assert r.status_code == 200
        assert r.headers.get("transfer-encoding") == "chunked"
        for chunk in r.iter_bytes():
            received += len(chunk)
    assert received > 64 * 1024, "the first chunks arrived before the query was stopped"
    time.sleep(2.5)  # past the grace: a stuck query would have recycled its process by now
    assert _health(url)["processes_recycled"] == before


def _ask_slowly(host: str, port: int, delay: float) -> str:
    """GET /health on a fresh connection whose request comes ``delay`` seconds after connecting; the
    status line, or what went wrong."""
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            time.sleep(delay)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except OSError as error:
        return repr(error)
    return answer.split(b"\r\n", 1)[0].decode() or "closed without an answer"


def test_no_request_is_lost_while_a_process_recycles(server_url: str, request: pytest.FixtureRequest) -> None:
    """Clients on fresh connections all through a recycle, some sending their request a few ms after
    connecting: every one is answered, none is reset or closed unanswered."""
    if request.getfixturevalue("http_server") == "granian":
        # granian stops accepting and shuts its connections down in one step (hyper's graceful_shutdown), which
        # closes at once a connection accepted a moment ago whose request has not arrived yet (1 in ~1,300 here);
        # uvicorn waits LATE_REQUEST_WAIT for such requests (server/supervisor.py, docs/performance.md).
        request.applymarker(pytest.mark.xfail(reason="granian closes just-accepted idle connections", strict=False))
    before = _health(server_url)
    host, port = httpx.URL(server_url).host, httpx.URL(server_url).port or 80
    stop = threading.Event()
    answers: list[str] = []

    def keep_asking(seed: int) -> None:
        delays = random.Random(seed)
        while not stop.is_set():
            answers.append(_ask_slowly(host, port, delays.uniform(0, 0.02)))

    clients = [threading.Thread(target=keep_asking, args=(seed,)) for seed in range(4)]
    for client in clients:
        client.start()
    try:
        runaway = httpx.get(server_url + "sparql", params={"query": RUNAWAY, "timeout": "1"}, timeout=30)
        assert runaway.status_code == 503
        wait_for_recycle(server_url, before)
        time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join()
    lost = [answer for answer in answers if answer != "HTTP/1.1 200 OK"]
    assert not lost, f"{len(lost)} of {len(answers)} requests lost: {sorted(set(lost))}"
    assert len(answers) > 50


def test_other_requests_are_served_while_a_runaway_query_runs(server_url: str) -> None:
    before = _health(server_url)
    results: dict[str, int] = {}

    def runaway() -> None:
        results["runaway"] = httpx.get(
            server_url + "sparql", params={"query": RUNAWAY, "timeout": "3"}, timeout=30
        ).status_code

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    quick = httpx.get(server_url + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert time.monotonic() - started < 1.0
    thread.join()
    assert results["runaway"] == 503
    wait_for_recycle(server_url, before)


def test_timeout_parameter_must_be_a_positive_number(server_url: str) -> None:
    for bad in ("soon", "-1", "0"):
        r = httpx.get(server_url + "sparql", params={"query": "ASK {}", "timeout": bad})
        assert r.status_code == 400, bad
