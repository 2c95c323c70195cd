"""Gate time per write size: how long the SHACL gate takes to judge one big write (issue 12, item 5).

    .venv/bin/python bench/gate.py [--sizes 1k,2k,4k,8k,50k] [--kinds persons,altlabels,plain] [--profile]

The write is judged on an in-memory copy of the built graph (``kg build`` into a temporary directory), as the
server's writer does before a commit. Three kinds of valid writes, each of about SIZE triples:

- ``persons``: new ``kg:Person`` entities (type, label, preferred label, derived from the article), every one a
  focus node with its shapes to check, all pointing at one hub (the source document);
- ``altlabels``: ``skos:altLabel`` literals added to the entities already in the graph;
- ``plain``: a new graph of simple triples whose type no shape targets.

Prints one row per (kind, size): triples, focus nodes, validated triples, seconds (wall clock and CPU: on a
shared machine the CPU time says more). ``--profile`` prints the top
of a cProfile of the largest size instead of timing every size. Single-threaded; bounded by the sizes given.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kg.build import build
from kg.changes import Diff
from kg.gate import Gate
from kg.iris import Minter

KG = "https://w3id.org/akg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
ARTICLE = ox.NamedNode("https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy")
SOURCE = ox.NamedNode("https://w3id.org/akg/id/source/diplomat-2025-06-strategic-autonomy")
BENCH_GRAPH = ox.NamedNode("http://example.org/bench/gate")
SORT = "tottime"


def parse_size(text: str) -> int:
    """``8k`` -> 8000, ``1M`` -> 1000000."""
    factor = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(text.rstrip("kKmM")) * factor


def persons(store: ox.Store, size: int) -> Diff:
    """New, valid persons of four triples each, all derived from the article (a hub)."""
    added = set()
    for i in range(size // 4):
        person = ox.NamedNode(f"https://w3id.org/akg/id/person/bench-{i}")
        name = ox.Literal(f"Bench Person {i}", language="en")
        added |= {
            ox.Quad(person, RDF_TYPE, ox.NamedNode(KG + "Person"), ARTICLE),
            ox.Quad(person, LABEL, name, ARTICLE),
            ox.Quad(person, PREF, name, ARTICLE),
            ox.Quad(person, DERIVED, SOURCE, ARTICLE),
        }
    return Diff(added=added)


def altlabels(store: ox.Store, size: int) -> Diff:
    """``size`` language-tagged alternative labels spread over the persons already in the graph."""
    people = sorted({q.subject for q in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(KG + "Person"))}, key=str)
    added = {
        ox.Quad(people[i % len(people)], ALT, ox.Literal(f"bench alias {i}", language="en"), ARTICLE)
        for i in range(size)
    }
    return Diff(added=added)


def plain(store: ox.Store, size: int) -> Diff:
    """A new graph of ``size`` simple triples, typed with a class no shape targets."""
    thing = ox.NamedNode("http://example.org/bench/Thing")
    added = set()
    for i in range(size // 2):
        node = ox.NamedNode(f"http://example.org/bench/n{i}")
        added.add(ox.Quad(node, RDF_TYPE, thing, BENCH_GRAPH))
        added.add(ox.Quad(node, ox.NamedNode("http://example.org/bench/value"), ox.Literal(str(i)), BENCH_GRAPH))
    return Diff(added=added)


KINDS: dict[str, Callable[[ox.Store, int], Diff]] = {"persons": persons, "altlabels": altlabels, "plain": plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,2k,4k,8k,50k")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--profile", action="store_true", help="profile the largest size instead of timing")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="kg-bench-gate-") as tmp:
        result = build(Path(tmp), Minter())
        quads = list(ox.Store.read_only(str(result.store_path)))
    gate = Gate(Minter())
    print("| kind | triples | focus nodes | validated triples | gate seconds | CPU seconds |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in args.kinds.split(","):
        for size in [max(sizes)] if args.profile else sizes:
            store = ox.Store()
            store.extend(quads)
            diff = KINDS[kind](store, size)
            if args.profile:
                profile = cProfile.Profile(time.process_time)
                verdict = profile.runcall(gate.judge, store, diff)
                pstats.Stats(profile).sort_stats(SORT).print_stats(30)
            start, cpu = time.perf_counter(), time.process_time()
            verdict = gate.judge(store, diff)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            assert verdict.report.conforms, verdict.report.text()[:2000]
            row = (
                kind,
                len(diff.added),
                verdict.focus_nodes,
                verdict.validated_triples,
                f"{seconds:.2f}",
                f"{cpu:.2f}",
            )
            print("| " + " | ".join(str(x) for x in row) + " |", flush=True)


if __name__ == "__main__":
    main()
