"""Full-text search against the same search as a ``CONTAINS`` filter on pyoxigraph (issue 16, item 1).

For each size, the bench corpus (bench/corpus.py, shared with bench/run.py under bench/data/SIZE/) is loaded
into its own store (bench/data/SIZE/search/), the index is built (kg/search.py, timed), and each search runs
in-process, with no HTTP:

* ``fts``: :meth:`kg.search.SearchIndex.search` as ``/search`` calls it (ranked, snippets, the first 20 nodes);
* ``service``: the same search inside SPARQL, ``SERVICE <https://w3id.org/akg/search>`` expanded and
  evaluated by pyoxigraph (up to 1000 nodes, the clause's default), every row read; each run's query text is
  new (a comment numbers it), so the expansion is never the one remembered from an earlier run;
* ``repeated``: the same SPARQL text every run, as a page that reloads sends it (its expansion is remembered
  while the index is unchanged: kg/search_service.py);
* ``contains``: ``SELECT DISTINCT ?node { ?node ?p ?text FILTER(isLiteral(?text) && CONTAINS(LCASE(?text), …)) }``,
  the scan a researcher writes today, every row read.

Target: median ≤ 20 ms and ≥ 10 times faster than ``contains`` at 1M quads. Usage::

    python bench/search.py --sizes 100k          # a few minutes
    python bench/search.py --sizes 100k,1M       # the 1M corpus and store take longer to make the first time
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from config import DATA, RESULTS_DIR, log
from corpus import DEFAULT_SEED, ensure_corpus

from kg.iris import Minter
from kg.search import SearchIndex, build_index
from kg.search_service import expand_search
from kg.store import OxigraphStore, write_store_from_file

#: (name, search text, the lower-case words CONTAINS looks for)
SEARCHES = (
    ("phrase", '"healthy sense of caution"', "healthy sense of caution"),
    ("word", "autonomy", "autonomy"),
    ("name", "Nakatani", "nakatani"),
)
SERVICE = """PREFIX kgsearch: <https://w3id.org/akg/search#>
SELECT DISTINCT ?node WHERE {{ SERVICE <https://w3id.org/akg/search> {{ ?node kgsearch:matches {text} }} }}"""
CONTAINS = """SELECT DISTINCT ?node WHERE {{
  ?node ?p ?text FILTER(isLiteral(?text) && CONTAINS(LCASE(STR(?text)), {words}))
}}"""


def _literal(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid SPARQL string literal for these texts


def timed(run: Callable[[], int], runs: int) -> dict[str, Any]:
    """Median and p95 (nearest rank) in ms of ``runs`` calls after one warm-up, the median CPU time of this
    process (steadier than wall time on a loaded machine), and the row count."""
    rows = run()
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": p95,
        "median_cpu_ms": statistics.median(cpu),
        "runs": runs,
        "rows": rows,
    }


def prepare(label: str, seed: int) -> tuple[OxigraphStore, SearchIndex, dict[str, Any]]:
    """The size's store and index, made once and reused while the corpus is the same."""
    corpus, meta = ensure_corpus(label, seed)
    directory = DATA / label / "search"
    stamp = directory / "corpus.json"
    info: dict[str, Any] = {"quads": meta["quads"]}
    if not stamp.exists() or json.loads(stamp.read_text()).get("fingerprint") != meta["fingerprint"]:
        log(f"[{label}] search: loading {corpus}")
        write_store_from_file(directory / "store", corpus)
        started = time.perf_counter()
        documents = build_index(OxigraphStore.open(directory / "store"), Minter(), directory / "search.sqlite")
        info |= {"index_seconds": time.perf_counter() - started, "documents": documents}
        info["index_bytes"] = (directory / "search.sqlite").stat().st_size
        stamp.write_text(json.dumps({"fingerprint": meta["fingerprint"], **info}))
        log(f"[{label}] search: {documents:,} documents indexed in {info['index_seconds']:.1f} s")
    else:
        info = json.loads(stamp.read_text())
    return OxigraphStore.open(directory / "store"), SearchIndex(directory / "search.sqlite"), info


def _service(store: OxigraphStore, index: SearchIndex, query: str, *, fresh: bool) -> Callable[[], int]:
    """One run of a search SERVICE query, every row read; ``fresh``: a new query text each run (numbered)."""
    numbers = itertools.count()

    def run() -> int:
        text = f"{query}\n# run {next(numbers)}" if fresh else query
        return len(list(store.query(expand_search(text, index))))  # type: ignore[arg-type]

    return run


def measure(label: str, seed: int, runs: int, contains_runs: int) -> dict[str, Any]:
    store, index, info = prepare(label, seed)
    results: dict[str, Any] = {"size": label, **info, "searches": {}}
    for name, text, words in SEARCHES:
        service = SERVICE.format(text=_literal(text))
        contains = CONTAINS.format(words=_literal(words))
        found = {
            "fts": timed(lambda t=text: len(index.search(t)), runs),  # type: ignore[misc]
            "service": timed(_service(store, index, service, fresh=True), runs),
            "repeated": timed(_service(store, index, service, fresh=False), runs),
            "contains": timed(lambda q=contains: len(list(store.query(q))), contains_runs),  # type: ignore[misc,arg-type]
        }
        found["speedup"] = found["contains"]["median_ms"] / found["service"]["median_ms"]
        results["searches"][name] = found
        log(
            f"[{label}] {name}: fts {found['fts']['median_ms']:.2f} ms, service {found['service']['median_ms']:.2f} ms"
            f" ({found['service']['rows']} rows), repeated {found['repeated']['median_ms']:.2f} ms,"
            f" contains {found['contains']['median_ms']:.1f} ms"
            f" ({found['contains']['rows']} rows): {found['speedup']:.0f}x"
        )
    return results


def table(results: list[dict[str, Any]]) -> str:
    """A Markdown table of the results: median / p95 (wall) and median CPU, in ms."""
    lines = [
        "| size | search | fts median / p95 / CPU | SERVICE median / p95 / CPU | repeated median / p95 / CPU"
        " | CONTAINS median / p95 / CPU | CONTAINS ÷ SERVICE |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for name, m in result["searches"].items():
            kinds = ("fts", "service", "repeated", "contains")
            cells = [
                f"{m[k]['median_ms']:.2f} / {m[k]['p95_ms']:.2f} / {m[k].get('median_cpu_ms', float('nan')):.2f}"
                if k in m
                else "-"
                for k in kinds
            ]
            lines.append(f"| {result['size']} | {name} | {' | '.join(cells)} | {m['speedup']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k,1M", help="e.g. 100k or 100k,1M")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=50, help="measured runs of each indexed search")
    parser.add_argument("--contains-runs", type=int, default=10, help="measured runs of each CONTAINS scan")
    args = parser.parse_args(argv)
    results = [measure(label, args.seed, args.runs, args.contains_runs) for label in args.sizes.split(",")]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"search-{args.sizes.replace(',', '-')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(table(results))
    log(f"results: {out}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
