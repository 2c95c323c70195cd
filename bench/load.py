"""A bounded load test of a running server: concurrent clients mixing competency queries, entity pages, dump
downloads and a trickle of authenticated, SHACL-gated writes. Loopback only; stops by itself.

    python bench/load.py --url http://127.0.0.1:8000/ --token SECRET --clients 50 --seconds 60
    python bench/load.py --url http://127.0.0.1:8001/,http://127.0.0.1:8002/ --clients 16 --seconds 20

Several URLs (comma-separated) are several `kg serve` in front of one engine (docs/deployment.md): the clients
are spread over them, as a reverse proxy would spread them. Reports requests, errors (any 5xx, transport error,
or unexpected status), p50/p99 latency per kind, and checks that every acknowledged write is in the store
afterwards, as every URL answers it (no lost write, no reader left behind).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kg.queries import examples

ARTICLE_GRAPH = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
PERSON = "https://w3id.org/akg/id/person/satake-tomohiko"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
ENTITIES = ["id/person/nakatani-gen", "id/person/nagashima-akihisa", "id/state/japan", "id/concept/strategic-autonomy"]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    writes_acknowledged: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _client(
    client: httpx.AsyncClient, url: str, token: str | None, deadline: float, stats: Stats, number: int, write_every: int
) -> None:
    queries = [q.text for q in examples() if q.cq_id != "CQ13"]  # CQ13 needs Wikidata
    for step in itertools.count():
        if time.monotonic() >= deadline:
            return
        kind = ("query", "entity", "query", "dump", "query", "entity")[step % 6]
        if token and write_every and step % write_every == write_every - 1:
            kind = "write"
        started = time.perf_counter()
        try:
            if kind == "query":
                r = await client.get(url + "sparql", params={"query": queries[(number + step) % len(queries)]})
                ok = r.status_code == 200
            elif kind == "entity":
                r = await client.get(url + ENTITIES[step % len(ENTITIES)], headers={"Accept": "text/html"})
                ok = r.status_code == 200
            elif kind == "dump":
                r = await client.get(url + "dumps/all.ttl.gz")
                ok = r.status_code == 200
            else:
                label = f"load test {number}-{step}"
                update = f'INSERT DATA {{ GRAPH <{ARTICLE_GRAPH}> {{ <{PERSON}> <{ALT}> "{label}"@en }} }}'
                r = await client.post(
                    url + "update", data={"update": update}, headers={"Authorization": f"Bearer {token}"}
                )
                ok = r.status_code == 200
                if ok:
                    stats.writes_acknowledged.append(label)
            if not ok:
                stats.errors.append(f"{kind}: {r.status_code} {r.text[:120]}")
        except httpx.HTTPError as err:
            stats.errors.append(f"{kind}: {type(err).__name__} {err}")
        stats.record(kind, time.perf_counter() - started)


async def run_load(
    url: str | Sequence[str], token: str | None, clients: int, seconds: float, write_every: int = 40
) -> Stats:
    """Run the mix against ``url`` (loopback addresses only; several: client n uses the n-th, round robin) and
    check the writes afterwards on every one."""
    urls = [url] if isinstance(url, str) else list(url)
    for each in urls:
        host = urlparse(each).hostname or ""
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            raise SystemExit(f"refusing to load {host}: loopback addresses only")
    stats = Stats()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(
            *(_client(client, urls[n % len(urls)], token, deadline, stats, n, write_every) for n in range(clients))
        )
        if stats.writes_acknowledged:
            query = f"SELECT ?l WHERE {{ <{PERSON}> <{ALT}> ?l }}"
            for each in urls:
                r = await client.get(each + "sparql", params={"query": query})
                present = {b["l"]["value"] for b in r.json()["results"]["bindings"]}
                lost = [w for w in stats.writes_acknowledged if w not in present]
                stats.errors.extend(f"lost write at {each}: {w}" for w in lost)
    return stats


def report(stats: Stats, seconds: float) -> str:
    lines = [
        "| kind | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for kind, values in sorted(stats.latencies.items()):
        p50 = statistics.median(values) * 1000
        lines.append(f"| {kind} | {len(values)} | {p50:.1f} | {_percentile(values, 0.99) * 1000:.1f} |")
    everything = [v for values in stats.latencies.values() for v in values]
    if everything:
        lines.append(
            f"| all | {len(everything)} | {statistics.median(everything) * 1000:.1f} | "
            f"{_percentile(everything, 0.99) * 1000:.1f} |"
        )
    lines.append("")
    lines.append(
        f"{stats.requests / seconds:.0f} requests/s; {len(stats.writes_acknowledged)} writes acknowledged; "
        f"{len(stats.errors)} errors"
    )
    lines += [f"  error: {e}" for e in stats.errors[:20]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/", help="one URL, or several comma-separated")
    parser.add_argument("--token", default=None, help="bearer token for the writes (none: reads only)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--write-every", type=int, default=40, help="one write per N requests of each client")
    args = parser.parse_args()
    urls = [u.strip() for u in args.url.split(",") if u.strip()]
    stats = asyncio.run(run_load(urls, args.token, args.clients, args.seconds, args.write_every))
    print(report(stats, args.seconds))
    sys.exit(1 if stats.errors else 0)


if __name__ == "__main__":
    main()
