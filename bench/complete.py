"""Latency of the editor's completion endpoint (issue 16, item 2: p95 <= 50 ms at 1M quads).

Loads the synthetic corpus of that size (``make bench``'s bench/data/<size>/corpus.nq, written if missing) into
an in-memory store, serves ``create_app`` on a free loopback port, times the first request (which computes the
completion table) and then ``--requests`` completions over HTTP: entity label prefixes of 1 to 6 characters
drawn from the data's own labels, classes and properties by prefixed name, prefixes. Usage::

    .venv/bin/python bench/complete.py --triples 100k
    .venv/bin/python bench/complete.py --triples 1M      # generates the 1M corpus first (minutes)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
from config import DATA
from corpus import DEFAULT_SEED, parse_size, write_corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kg.completion import fold
from kg.store import OxigraphStore
from tests.conformance.server import running_server


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", default="100k", help="corpus size: 100k, 1M …")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    label = args.triples
    corpus = DATA / label / "corpus.nq"  # the corpus `make bench` writes, when it has run at this size
    if not corpus.exists():
        write_corpus(corpus, parse_size(label), args.seed)
    raw = ox.Store()
    started = time.perf_counter()
    raw.bulk_load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
    load_seconds = time.perf_counter() - started
    store = OxigraphStore(raw)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp, running_server(store, Path(tmp)) as url:
        client = httpx.Client(base_url=url, timeout=60)
        started = time.perf_counter()
        client.get("/complete", params={"kind": "entity", "q": "a"}).raise_for_status()
        table_seconds = time.perf_counter() - started
        labels = [
            r["label"]
            for r in client.get("/complete", params={"kind": "entity", "q": "s", "limit": 100}).json()["results"]
        ]
        terms = [
            r["prefixed"]
            for kind in ("class", "property")
            for r in client.get("/complete", params={"kind": kind, "q": "kg:", "limit": 100}).json()["results"]
        ]
        labels += [
            r["label"]
            for r in client.get("/complete", params={"kind": "entity", "q": "n", "limit": 100}).json()["results"]
        ]
        times: dict[str, list[float]] = {"entity": [], "class": [], "property": [], "prefix": []}
        for _ in range(args.requests):
            kind = rng.choice(["entity", "entity", "class", "property", "prefix"])
            if kind == "entity":
                q = fold(rng.choice(labels))[: rng.randint(1, 6)]
            elif kind == "prefix":
                q = rng.choice(["k", "sk", "rd", "p", ""])
            else:
                term = rng.choice(terms)
                q = term[: rng.randint(3, len(term))]
            started = time.perf_counter()
            client.get("/complete", params={"kind": kind, "q": q}).raise_for_status()
            times[kind].append((time.perf_counter() - started) * 1000)
    every = [t for kind in times.values() for t in kind]
    report = {
        "size": label,
        "quads": len(raw),
        "load_seconds": round(load_seconds, 2),
        "table_seconds_first_request": round(table_seconds, 2),
        "requests": len(every),
        "p50_ms": round(statistics.median(every), 2),
        "p95_ms": round(percentile(every, 0.95), 2),
        "max_ms": round(max(every), 2),
        "p95_ms_by_kind": {kind: round(percentile(t, 0.95), 2) for kind, t in times.items() if t},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
