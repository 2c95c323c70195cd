"""Issue 15: SHACL-gated writes on a SPARQL engine (Virtuoso 7) — one update request, all or nothing.

The write core's commit on the engine (:meth:`kg.remote_store.SparqlEngineStore.commit`) against a private
Virtuoso: killed (SIGKILL) while it applies a large write, the engine comes back with all of it or none.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from kg.build import BuildResult
from kg.changes import Diff
from kg.engines.virtuoso import VirtuosoInstance
from kg.errors import StoreUnavailable
from kg.iris import Minter
from kg.remote_store import SparqlEngineStore
from kg.store import Dataset
from kg.writes import Writer
from tests.engines import start_virtuoso

#: Triples of the large write: a few seconds for Virtuoso to apply.
LARGE = 30_000
P = ox.NamedNode("http://example.org/p")


@pytest.fixture
def engine(tmp_path_factory: pytest.TempPathFactory, built: BuildResult) -> Iterator[VirtuosoInstance]:
    """A private Virtuoso holding the build, for one test (it gets killed)."""
    instance = start_virtuoso(tmp_path_factory, built)
    yield instance
    instance.destroy()


def large_diff(graph: str) -> Diff:
    g = ox.NamedNode(graph)
    return Diff(
        added={ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), P, ox.Literal(f"v{i}"), g) for i in range(LARGE)}
    )


def triples_in(store: SparqlEngineStore, graph: str) -> int:
    rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", Dataset(default_graphs=(graph,)), timeout=60)
    return int(next(iter(rows))["n"].value)  # type: ignore[arg-type, index]


def test_engine_killed_during_a_large_write_holds_all_or_none_of_it_after_restart(engine: VirtuosoInstance) -> None:
    store = SparqlEngineStore(engine.sparql_url)
    store.write_view()
    started = time.monotonic()
    store.commit(large_diff("http://example.org/measured"))  # the same size, to know when to kill
    applying = time.monotonic() - started
    assert engine.process is not None
    outcome: dict[str, BaseException | None] = {}
    # The kill must land while the engine applies the write: a write that finished first is tried again sooner.
    for attempt, fraction in enumerate((0.4, 0.2, 0.1, 0.05)):
        killed = f"http://example.org/killed{attempt}"
        outcome.clear()

        def write() -> None:
            try:
                store.commit(large_diff(killed))  # noqa: B023 - joined before the loop moves on
                outcome["error"] = None
            except BaseException as err:  # reported to the test thread
                outcome["error"] = err

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(applying * fraction)
        if not writer.is_alive():
            writer.join()
            continue
        os.killpg(engine.process.pid, signal.SIGKILL)
        writer.join(60)
        break
    else:
        pytest.fail(f"every write of {LARGE} triples finished before the kill")
    assert isinstance(outcome.get("error"), StoreUnavailable), outcome
    engine.process.wait(10)
    engine.start()  # same ports, same database: Virtuoso replays its transaction log
    after = SparqlEngineStore(engine.sparql_url)
    assert triples_in(after, killed) in (0, LARGE)
    assert triples_in(after, "http://example.org/measured") == LARGE, "an acknowledged write survives the kill"


def test_writer_on_the_engine_sees_a_change_made_behind_it(engine: VirtuosoInstance) -> None:
    """The writer's mirror is fetched again when the engine's data changed behind it (here: another writer's
    delete), so a later write is worked out on what the engine holds."""
    minter = Minter()
    first = SparqlEngineStore(engine.sparql_url, base_iri=minter.base)
    writer = Writer(first, minter, None)
    graph = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
    person = "https://w3id.org/akg/id/person/nakatani-gen"
    writer.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{person}> <http://example.org/note> "one" }} }}')
    other = Writer(SparqlEngineStore(engine.sparql_url, base_iri=minter.base), minter, None)
    other.update(f'DELETE DATA {{ GRAPH <{graph}> {{ <{person}> <http://example.org/note> "one" }} }}')
    done = writer.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ <{person}> <http://example.org/note> ?v }} }}")
    assert done.removed == 0, "the first writer must see the other's delete"


def test_blank_nodes_written_to_virtuoso_can_be_deleted_again(engine: VirtuosoInstance) -> None:
    minter = Minter()
    writer = Writer(SparqlEngineStore(engine.sparql_url, base_iri=minter.base), minter, None)
    graph = "http://example.org/blank"
    added = writer.update(
        f'INSERT DATA {{ GRAPH <{graph}> {{ _:a <http://example.org/p> _:b . _:b <http://example.org/p> "x" }} }}'
    )
    assert added.added == 2
    removed = writer.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ ?s <http://example.org/p> ?o }} }}")
    assert removed.removed == 2
    assert triples_in(SparqlEngineStore(engine.sparql_url), graph) == 0
