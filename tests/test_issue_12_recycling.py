"""Issue 12, "Hard edges, round two", item 4: recycling turned innocent requests into 500s.

With runaway queries stuck in every query thread of a serving process, requests it had accepted queued behind
them until uvicorn's graceful-shutdown timeout cancelled them with a plain-text 500. Every request must get its
real answer or a 503 with a JSON body, and a small query must not wait behind the runaways.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from kg.build import BuildResult
from tests.conftest import LiveServer, serve
from tests.test_timeouts import RUNAWAY, wait_for_recycle


@pytest.fixture(scope="module")
def two_processes(built: BuildResult, http_server: str) -> Iterator[LiveServer]:
    """`kg serve` with two serving processes of four query threads each, for this module alone (it recycles),
    under each HTTP server."""
    env = {"KG_PROCESSES": "2", "KG_QUERY_THREADS": "4", "KG_HTTP_SERVER": http_server}
    yield from serve(built.store_path.parent, env)


@dataclass(frozen=True)
class Probe:
    seconds: float
    status: int
    media_type: str
    body: str


def _probe(client: httpx.Client, probes: list[Probe]) -> None:
    started = time.monotonic()
    try:
        r = client.get("sparql", params={"query": "ASK {}"})
    except httpx.HTTPError as error:
        probes.append(Probe(time.monotonic() - started, 0, "", repr(error)))
        return
    probes.append(Probe(time.monotonic() - started, r.status_code, r.headers.get("content-type", ""), r.text))


def _is_503_json(probe: Probe) -> bool:
    if probe.status != 503 or probe.media_type != "application/json":
        return False
    return '"error"' in probe.body


def test_probes_during_recycling_get_200_within_a_second_or_503_json_never_500(two_processes: LiveServer) -> None:
    url = two_processes.url
    before = httpx.get(url + "health", timeout=10).json()
    runaway_statuses: list[int] = []
    # Every request on a connection of its own, as curl would; one client, so that the test's own CPU (an
    # httpx.Client each time costs ~0.1 s of it, and the runaways take the cores) does not count as latency.
    client = httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0))

    def runaway() -> None:
        params = {"query": RUNAWAY, "timeout": "2"}
        runaway_statuses.append(client.get("sparql", params=params).status_code)

    runaways = [threading.Thread(target=runaway) for _ in range(8)]
    for thread in runaways:
        thread.start()
    probes: list[Probe] = []
    probers: list[threading.Thread] = []
    recycling: set[int] | None = None
    started = time.monotonic()
    # An ASK {} every 0.2 s, each on its own connection, until 40 have been sent and every process that had
    # a runaway stuck in it (it has a new pid by then: its replacement is starting) has gone.
    while len(probers) < 40 or recycling is None or runaway_statuses.count(503) < 8:
        prober = threading.Thread(target=_probe, args=(client, probes))
        prober.start()
        probers.append(prober)
        time.sleep(0.2)
        if recycling is None and time.monotonic() - started > 5:  # runaways stuck at 2 s, recycling at 3 s
            recycling = set(before["processes"]) - set(httpx.get(url + "health", timeout=10).json()["processes"])
        assert time.monotonic() - started < 120, "the runaway queries were never answered"
    for thread in runaways + probers:
        thread.join()
    assert recycling, "the runaway queries recycled no process"
    wait_for_recycle(url, before, count=len(recycling), within=60)
    # Once the replacements serve, small queries are answered again at once (on a loaded machine every probe
    # sent while both processes were held may have got the 503 instead).
    for _ in range(5):
        _probe(client, probes)
    client.close()

    answered = sorted(p.seconds for p in probes if p.status == 200)
    refused = sorted(p.seconds for p in probes if p.status == 503)
    print(  # the distribution, for the report (pytest -s)
        f"\n{len(probes)} probes: {len(answered)} x 200 (median {statistics.median(answered or [0]):.3f} s,"
        f" max {max(answered or [0]):.3f} s), {len(refused)} x 503 (max {max(refused or [0]):.3f} s),"
        f" others {[(p.status, p.body[:60]) for p in probes if p.status not in (200, 503)]}"
    )
    assert runaway_statuses == [503] * 8
    assert not [p for p in probes if p.status == 500], "a probe got a 500"
    assert all(p.status == 200 or _is_503_json(p) for p in probes), [p for p in probes if p.status != 200]
    assert [p.status for p in probes[-5:]] == [200] * 5, "small queries are answered once the processes are back"
    assert max(answered) < 1.0, f"an answered probe took {max(answered):.3f} s"


def _two_clients_on_one_process(url: str) -> tuple[httpx.Client, httpx.Client, list[httpx.Client]]:
    """Two keep-alive connections served by the same process (found through /health), and every client opened."""
    clients: list[httpx.Client] = []
    by_process: dict[int, httpx.Client] = {}
    while len(clients) < 32:
        client = httpx.Client(base_url=url, timeout=60)
        clients.append(client)
        process = client.get("health").json()["process"]
        if process in by_process:
            return by_process[process], client, clients
        by_process[process] = client
    raise AssertionError("32 connections, each to a different process")


def test_a_query_still_running_when_its_process_leaves_gets_503_json_not_500(two_processes: LiveServer) -> None:
    """The recycling process drains for a bounded time; a query still running then is cut with a 503 JSON."""
    url = two_processes.url
    before = httpx.get(url + "health", timeout=10).json()
    patient, stuck, clients = _two_clients_on_one_process(url)
    result: dict[str, httpx.Response] = {}

    def long_query() -> None:  # within its limit, but longer than the process has left
        result["patient"] = patient.get("sparql", params={"query": RUNAWAY, "timeout": "60"})

    try:
        thread = threading.Thread(target=long_query)
        thread.start()
        time.sleep(0.3)
        assert stuck.get("sparql", params={"query": RUNAWAY, "timeout": "1"}).status_code == 503
        thread.join(90)
        wait_for_recycle(url, before, within=60)
    finally:
        for client in clients:
            client.close()
    r = result["patient"]
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.headers["retry-after"]
    assert r.json()["error"] and r.json()["message"]
