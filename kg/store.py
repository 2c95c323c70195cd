"""The one interface between the project and its triple store, and its pyoxigraph implementation.

Everything that reads or writes the store goes through :class:`GraphStore`; swapping the embedded
pyoxigraph store for a remote engine (Virtuoso, QLever) means writing one more class with these methods.

Named-graph policy (here and nowhere else): each source's facts live in ``{base}graph/{source-slug}``,
the ontology in ``{base}graph/ontology``; queries see the union of all named graphs as their default
graph (``union_default_graph``, on by default) unless the request names its own dataset.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from kg.changes import Diff
from kg.depth import check_depth

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Bindings = dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal]


@dataclass(frozen=True)
class Dataset:
    """A SPARQL protocol dataset: ``default-graph-uri`` and ``named-graph-uri`` values (empty = the store's own)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


class GraphStore(Protocol):
    """What the rest of the project needs from a store."""

    def query(
        self,
        sparql: str,
        dataset: Dataset = Dataset(),
        substitutions: Bindings | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query, with variables bound to ``substitutions`` and relative IRIs resolved
        against ``base_iri``.

        Raises:
            SyntaxError: the query is malformed.
            QueryTooDeep: it could overflow the engine's stack (:mod:`kg.depth`).
        """
        ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one named graph."""
        ...

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        ...

    def __len__(self) -> int: ...


class OxigraphStore:
    """:class:`GraphStore` over an embedded :class:`pyoxigraph.Store` (on disk or in memory)."""

    def __init__(self, store: ox.Store, *, union_default_graph: bool = True) -> None:
        self._store = store
        self._union = union_default_graph

    @classmethod
    def open(cls, path: Path, *, read_only: bool = True) -> OxigraphStore:
        """Open a store directory that ``kg build`` wrote.

        Raises:
            OSError: the directory is missing or is not a store.
        """
        if not (path / "CURRENT").exists():
            raise OSError(f"no store at {path}: run `kg build` first")
        return cls(ox.Store.read_only(str(path)) if read_only else ox.Store(str(path)))

    @classmethod
    def in_memory(cls, quads: Iterable[ox.Quad] = (), *, union_default_graph: bool = True) -> OxigraphStore:
        """A store in memory, for tests and conformance suites (``union_default_graph=False`` there)."""
        store = ox.Store()
        store.bulk_extend(quads)
        return cls(store, union_default_graph=union_default_graph)

    def commit(self, diff: Diff) -> None:
        """Apply a validated diff (see :mod:`kg.gate`) in one transaction where SPARQL can name every term.

        SPARQL cannot name an existing blank node, so quads with blank nodes are removed one by one and added
        in a separate transaction; the project's own data mints no blank nodes.
        """
        plain_removed = [q for q in diff.removed if not _has_blank(q)]
        plain_added = [q for q in diff.added if not _has_blank(q)]
        operations = []
        if plain_removed:
            operations.append("DELETE DATA { " + " ".join(_quad_text(q) for q in plain_removed) + " }")
        if plain_added:
            operations.append("INSERT DATA { " + " ".join(_quad_text(q) for q in plain_added) + " }")
        if operations:
            self._store.update(" ;\n".join(operations))
        for quad in diff.removed:
            if _has_blank(quad):
                self._store.remove(quad)
        blank_added = [q for q in diff.added if _has_blank(q)]
        if blank_added:
            self._store.extend(blank_added)
        self._store.flush()

    @property
    def union_default_graph(self) -> bool:
        """Whether queries see the union of the named graphs as their default graph."""
        return self._union

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store (for loaders and test harnesses)."""
        return self._store

    def query(
        self,
        sparql: str,
        dataset: Dataset = Dataset(),
        substitutions: Bindings | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        check_depth(sparql)  # a query too deep for the engine's stack would kill the process
        if dataset.default_graphs or dataset.named_graphs:
            return self._store.query(
                sparql,
                base_iri=base_iri,
                default_graph=[ox.NamedNode(g) for g in dataset.default_graphs],
                named_graphs=[ox.NamedNode(g) for g in dataset.named_graphs],
                substitutions=substitutions,
            )
        return self._store.query(
            sparql, base_iri=base_iri, use_default_graph_as_union=self._union, substitutions=substitutions
        )

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self._store)


class Snapshots:
    """Immutable checkpoints of a live store, for readers in other processes.

    A read-only store opened on a directory that another process writes to may find its files removed by
    compaction (RocksDB's read-only mode does not support a concurrent writer). A checkpoint is a set of hard
    links to the store's files at one moment: nothing deletes them under a reader. The newest ``keep`` are kept.
    """

    def __init__(self, directory: Path, keep: int = 3) -> None:
        self.directory = directory
        self.keep = keep
        shutil.rmtree(directory, ignore_errors=True)  # checkpoints of an earlier run are stale

    def take(self, store: OxigraphStore) -> Path:
        """Checkpoint ``store`` now; returns the new checkpoint's directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / str(time.time_ns())
        store.raw.flush()
        store.raw.backup(str(path))
        for old in sorted(self.directory.iterdir(), key=lambda p: int(p.name))[: -self.keep]:
            shutil.rmtree(old, ignore_errors=True)
        return path


def _has_blank(quad: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name))


def _quad_text(quad: ox.Quad) -> str:
    triple = f"{quad.subject} {quad.predicate} {quad.object} ."
    if isinstance(quad.graph_name, ox.DefaultGraph):
        return triple
    return f"GRAPH {quad.graph_name} {{ {triple} }}"


@dataclass(frozen=True)
class StoreWrite:
    """Where the time of :func:`write_store` / :func:`write_store_from_file` went."""

    load_seconds: float  # parsing N-Quads and writing the indexes (pyoxigraph's bulk loader, in Rust)
    optimize_seconds: float  # flush + RocksDB compaction, which makes the read-only store faster to query


def write_store(path: Path, quads: Iterable[ox.Quad]) -> StoreWrite:
    """Write a fresh on-disk store atomically: build it beside ``path``, then swap it in.

    For quads already in memory as Python objects (``kg build``): they go to the bulk loader as they are
    (``bulk_extend``). Serialising them to N-Quads for ``bulk_load`` was measured no faster at 1M (the
    objects exist already; the Python loop that would set their blank nodes aside costs what parsing saves),
    and it would lose blank node labels, which the dumps need. A caller that has an N-Quads file should use
    :func:`write_store_from_file`. A failure leaves whatever store was at ``path`` untouched.
    """
    return _build(path, lambda store: store.bulk_extend(quads))


def write_store_from_file(path: Path, nquads_file: Path, *, lenient: bool = False) -> StoreWrite:
    """Write a fresh on-disk store atomically from an N-Quads file: build it beside ``path``, then swap it in.

    The file is parsed and loaded by pyoxigraph's bulk loader in Rust (``Store.bulk_load(path=…)``), with no
    Python objects in between; ``lenient`` skips its IRI validation (only for files this project wrote
    itself). As in any document load, the file's blank nodes get fresh labels. A failure (a syntax error in
    the file included) leaves whatever store was at ``path`` untouched.

    Raises:
        SyntaxError: the file is not valid N-Quads.
        OSError: the file cannot be read or the store cannot be written.
    """
    return _build(
        path, lambda store: store.bulk_load(path=str(nquads_file), format=ox.RdfFormat.N_QUADS, lenient=lenient)
    )


def _build(path: Path, load: Callable[[ox.Store], None]) -> StoreWrite:
    """Fill a new store beside ``path`` with ``load``, flush and compact it, then swap it in for ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        started = time.perf_counter()
        store = ox.Store(str(tmp))
        load(store)
        loaded = time.perf_counter()
        store.flush()
        store.optimize()
        optimized = time.perf_counter()
        del store
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return StoreWrite(loaded - started, optimized - loaded)
