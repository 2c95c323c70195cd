"""Where the W3C query and update tests put their data: the embedded store, or a SPARQL engine (issue 15, item 4).

Each backend sets up a test's dataset before its request and reads the store back after an update.

* **Embedded** (:class:`Embedded`): the store is cleared before each test and the test's files are loaded into
  its real default graph and named graphs.
* **Engine** (:class:`Engine`, a private Virtuoso behind the real app over a
  :class:`~kg.remote_store.SparqlEngineStore`). The engine has no default graph of its own apart from the union
  of everything it holds, so the query tests are not run by clearing and reloading it per test. Instead every
  data file the query tests name is bulk-loaded once, at the start, into its own graph, named by the file's
  ``file://`` IRI (its base IRI too). Each test sends its dataset with the request, as the SPARQL 1.1 Protocol
  allows (§2.1.4): ``default-graph-uri`` = its ``qt:data`` files (their merge is the default graph),
  ``named-graph-uri`` = its ``qt:graphData`` files. A query with its own ``FROM``/``FROM NAMED`` is sent without
  them, and names the same graphs. A test without data or named graphs gets :data:`EMPTY_GRAPH`, so that it never
  sees the engine's own graphs.
  Update tests go through the server's write path on the engine (:mod:`kg.engine_writes`). Before each, the
  graphs the last one left are cleared with one update request to the engine, and the starting state is written
  with the store's own commit (one request, as any validated write). After it, the engine's graphs are read back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import httpx
import pyoxigraph as ox

from kg.changes import Diff
from kg.engine_writes import DEFAULT_GRAPH, WRITES_GRAPH, fetch_quads
from kg.engines.virtuoso import VirtuosoInstance, allow_updates, bulk_load, missing
from kg.remote_store import SparqlEngineStore
from kg.store import OxigraphStore, names_its_dataset
from tests.conformance.manifest import StoreState, TestCase, file_path

#: A graph no test writes: the dataset of a test that gives no data (the engine's default graph is all it holds).
EMPTY_GRAPH = "urn:x-w3c:empty"

Params = dict[str, list[str]]


class Backend(Protocol):
    """What the runners need of a backend."""

    def query_dataset(self, test: TestCase, query: str) -> Params:
        """Make ``test``'s dataset what ``query`` sees; returns the protocol parameters to send with it."""
        ...

    def reset(self, state: StoreState) -> None:
        """Make the store hold exactly ``state`` (an update test's starting point)."""
        ...

    def quads(self) -> list[ox.Quad]:
        """Everything the store holds (after an update)."""
        ...


def state_quads(state: StoreState) -> list[ox.Quad]:
    """An update test's store state: ``ut:data`` in the default graph, ``ut:graphData`` in the graphs their
    ``rdfs:label`` names, each file its own base IRI."""
    scratch = OxigraphStore(ox.Store())
    Embedded(scratch).reset(state)
    return list(scratch.raw)


class Embedded:
    """The embedded store (pyoxigraph), cleared and loaded before each test."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store

    def query_dataset(self, test: TestCase, query: str) -> Params:
        raw = self.store.raw
        raw.clear()
        for iri in test.data:
            raw.load(path=file_path(iri), base_iri=iri, to_graph=ox.DefaultGraph())
        for iri in test.graph_data:
            raw.load(path=file_path(iri), base_iri=iri, to_graph=ox.NamedNode(iri))
        return {}

    def reset(self, state: StoreState) -> None:
        raw = self.store.raw
        raw.clear()
        graphs: list[tuple[str, ox.DefaultGraph | ox.NamedNode]] = [(iri, ox.DefaultGraph()) for iri in state.data]
        graphs += [(file, ox.NamedNode(name)) for name, file in state.graph_data]
        for iri, graph in graphs:
            raw.load(path=file_path(iri), base_iri=iri, to_graph=graph)

    def quads(self) -> list[ox.Quad]:
        return list(self.store.raw)


class Engine:
    """A SPARQL engine holding every query test's data files, each in its own graph (see the module docstring)."""

    def __init__(self, store: SparqlEngineStore) -> None:
        self.store = store

    def query_dataset(self, test: TestCase, query: str) -> Params:
        if names_its_dataset(query):
            return {}
        return {
            "default-graph-uri": list(test.data) or [EMPTY_GRAPH],
            "named-graph-uri": list(test.graph_data) or [EMPTY_GRAPH],
        }

    def reset(self, state: StoreState) -> None:
        self.store.refresh()
        graphs = [*self.store.all_graphs(), DEFAULT_GRAPH, WRITES_GRAPH]
        clear = " ;\n".join(f"CLEAR SILENT GRAPH <{graph}>" for graph in graphs)
        response = httpx.post(self.store.url, data={"update": clear}, timeout=60)
        assert response.status_code == 200, f"clearing the engine: HTTP {response.status_code}: {response.text}"
        self.store.refresh()
        self.store.write_view()  # the version token went with the bookkeeping graph: the mirror is fetched again
        if quads := set(state_quads(state)):
            self.store.commit(Diff(added=quads))

    def quads(self) -> list[ox.Quad]:
        """What the engine holds of ours, read back from it (our default graph as the default graph)."""
        self.store.refresh()
        default = ox.NamedNode(DEFAULT_GRAPH)
        return [
            ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) if q.graph_name == default else q
            for q in fetch_quads(self.store.all_graphs(), self.store.quads)
        ]


def data_files(tests: Iterable[TestCase]) -> list[str]:
    """Every ``qt:data`` and ``qt:graphData`` file IRI of ``tests`` that exists, sorted."""
    return sorted({iri for test in tests for iri in (*test.data, *test.graph_data) if file_path(iri).is_file()})


def write_nquads(files: Iterable[str], directory: Path) -> None:
    """Write each file as N-Quads in its own graph (its IRI), one ``.nq`` per file for the engine's bulk loader.

    Lexical forms are kept as written (parsed, not stored, by pyoxigraph); blank nodes get fresh labels per file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for iri in files:
        graph = ox.NamedNode(iri)
        parsed = ox.parse(path=file_path(iri), base_iri=iri, rename_blank_nodes=True)
        quads = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in parsed]
        name = hashlib.sha1(iri.encode()).hexdigest()[:16]
        ox.serialize(quads, output=directory / f"{name}.nq", format=ox.RdfFormat.N_QUADS)


@contextmanager
def virtuoso_with_data(directory: Path, tests: Iterable[TestCase]) -> Iterator[VirtuosoInstance]:
    """A private Virtuoso (loopback ports, its own directory) holding every data file of ``tests`` in its graph,
    and letting our server write to it; destroyed on exit.

    Raises:
        RuntimeError: Virtuoso is not installed (``make virtuoso``).
        VirtuosoError: it did not start, or its loader refused a file.
    """
    if reason := missing():
        raise RuntimeError(reason)
    load_dir = (directory / "load").resolve()
    write_nquads(data_files(tests), load_dir)
    instance = VirtuosoInstance(directory / "db", dirs_allowed=(load_dir,))
    instance.start()
    try:
        bulk_load(instance.isql, load_dir, "*.nq")
        allow_updates(instance.isql)
        yield instance
    finally:
        instance.destroy()
