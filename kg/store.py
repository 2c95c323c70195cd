"""The one interface between the project and its triple store, and its pyoxigraph implementation.

Everything that reads or writes the store goes through :class:`GraphStore` (the embedded store here; any SPARQL
engine: :mod:`kg.remote_store`).

Named-graph policy (here and nowhere else): each source's facts live in ``{base}graph/{source-slug}``,
the ontology in ``{base}graph/ontology``; queries see the union of all named graphs as their default
graph (``union_default_graph``, on by default) unless they name their own dataset: the protocol's
``default-graph-uri``/``named-graph-uri`` first, else the query's ``FROM``/``FROM NAMED`` (SPARQL 1.1 Query §13.2).

Draft graphs (typed kg:DraftGraph, written by ``kg build --drafts``) hold unreviewed suggestions: unless the
store is opened with ``include_drafts``, they are left out of that default dataset (the union and ``GRAPH ?g``
alike), of :meth:`OxigraphStore.graphs` and of :meth:`OxigraphStore.quads`, so queries and dumps see only
reviewed data. A request that names a draft graph in its dataset still reads it.
"""

from __future__ import annotations

import functools
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib.namespace import RDF

from kg.changes import Diff
from kg.depth import check_depth
from kg.iris import KG

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Bindings = dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
# The graph lists pyoxigraph's Store.query takes (its stub types them as lists, which are invariant).
DefaultGraphs = list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
NamedGraphs = list[ox.NamedNode | ox.BlankNode]


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
        *,
        timeout: float | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query, with variables bound to ``substitutions`` and relative IRIs resolved
        against ``base_iri``; ``timeout`` (seconds) for an engine that can stop a query itself.

        Raises:
            SyntaxError: the query is malformed.
            QueryTooDeep: it could overflow the engine's stack (:mod:`kg.depth`).
            StoreUnavailable: a remote engine cannot be reached.
            EngineTimeout: a remote engine did not finish within ``timeout``.
        """
        ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one named graph."""
        ...

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        ...

    def __len__(self) -> int: ...


class WritableStore(GraphStore, Protocol):
    """What the write core (:mod:`kg.writes`) needs beyond reads: the state it evaluates and judges a write on,
    and the commit of a validated diff (the embedded store, or an engine: :mod:`kg.engine_writes`)."""

    @property
    def union_default_graph(self) -> bool: ...

    def write_view(self) -> ox.Store:
        """The data as a pyoxigraph store, read by :func:`kg.changes.update_diff` and the gate (never written)."""
        ...

    def commit(self, diff: Diff, drop_graphs: tuple[ox.NamedNode, ...] = ()) -> None:
        """Apply a validated diff, all or nothing; ``drop_graphs`` (emptied by it) are removed too."""
        ...


class OxigraphStore:
    """:class:`GraphStore` over an embedded :class:`pyoxigraph.Store` (on disk or in memory)."""

    def __init__(self, store: ox.Store, *, union_default_graph: bool = True, include_drafts: bool = False) -> None:
        self._store = store
        self._union = union_default_graph
        self._count: int | None = None  # counting takes seconds at 10M quads (/health asks): counted once per state
        self._hidden = frozenset() if include_drafts else _draft_graphs(store)
        # The default dataset without the draft graphs; None (the plain union) when there is none to hide.
        self._reviewed = (
            [ox.NamedNode(g) for g in self._all_graphs() if g not in self._hidden] if self._hidden else None
        )

    @classmethod
    def open(cls, path: Path, *, read_only: bool = True, include_drafts: bool = False) -> OxigraphStore:
        """Open a store directory that ``kg build`` wrote (``include_drafts``: let queries see draft graphs).

        Raises:
            OSError: the directory is missing or is not a store.
        """
        if not (path / "CURRENT").exists():
            raise OSError(f"no store at {path}: run `kg build` first")
        store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        return cls(store, include_drafts=include_drafts)

    @classmethod
    def in_memory(cls, quads: Iterable[ox.Quad] = (), *, union_default_graph: bool = True) -> OxigraphStore:
        """A store in memory, for tests and conformance suites (``union_default_graph=False`` there)."""
        store = ox.Store()
        store.bulk_extend(quads)
        return cls(store, union_default_graph=union_default_graph)

    def write_view(self) -> ox.Store:
        """The store itself: the write core reads it under its lock."""
        return self._store

    def commit(self, diff: Diff, drop_graphs: tuple[ox.NamedNode, ...] = ()) -> None:
        """Apply a validated diff (see :mod:`kg.gate`) in one transaction where SPARQL can name every term;
        ``drop_graphs`` are then removed.

        SPARQL cannot name an existing blank node, so quads with blank nodes are removed one by one and added
        in a separate transaction; the project's own data mints no blank nodes.
        """
        self._count = None
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
        for graph in drop_graphs:
            self._store.remove_graph(graph)
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
        *,
        timeout: float | None = None,  # pyoxigraph cannot stop a query: the executor enforces the limit
    ) -> QueryResult:
        check_depth(sparql)  # a query too deep for the engine's stack would kill the process
        if dataset.default_graphs or dataset.named_graphs:  # the protocol's dataset overrides the query's FROM
            return self._store.query(
                sparql,
                base_iri=base_iri,
                default_graph=DefaultGraphs(ox.NamedNode(g) for g in dataset.default_graphs),
                named_graphs=NamedGraphs(ox.NamedNode(g) for g in dataset.named_graphs),
                substitutions=substitutions,
            )
        # pyoxigraph ignores FROM / FROM NAMED when the default graph is the union: a query that names its own
        # dataset gets the store without it, and so exactly the graphs it names.
        union = self._union and not names_its_dataset(sparql)
        if self._reviewed is not None and union:
            return self._store.query(
                sparql,
                base_iri=base_iri,
                default_graph=DefaultGraphs(self._reviewed),
                named_graphs=NamedGraphs(self._reviewed),
                substitutions=substitutions,
            )
        return self._store.query(
            sparql, base_iri=base_iri, use_default_graph_as_union=union, substitutions=substitutions
        )

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        if graph is None and self._hidden:
            hidden = {ox.NamedNode(g) for g in self._hidden}
            return (q for q in self._store if q.graph_name not in hidden)
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None)

    def graphs(self) -> list[str]:
        return [g for g in self._all_graphs() if g not in self._hidden]

    def _all_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:  # counted once, and again after a commit (a reader's store is a snapshot)
        self._count = len(self._store) if self._count is None else self._count
        return self._count


#: What :func:`names_its_dataset` must see past: strings, IRIs and comments (the word FROM may occur in them),
#: braces (a dataset clause is never inside them), and runs of anything else, in which the keyword is sought. A
#: run of IRIs is one token (a search's VALUES block holds up to 1000: kg/search_service.py).
_DATASET_TOKENS = re.compile(
    r"[^\"'<#{}]+"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
    r"|<[^<>\"{}|^`\\\x00-\x20]*>(?:\s*<[^<>\"{}|^`\\\x00-\x20]*>)*|#[^\r\n]*|[\s\S]"
)
#: The keyword, not part of a variable, a prefixed name or a language tag.
_FROM = re.compile(r"(?<![\w?$:@.\-])FROM(?![\w:\-])", re.IGNORECASE)
#: Scans of queries up to this long are remembered (queries repeat; a scan costs ~0.1 ms per KB).
_MEMO_MAX = 10_000


def names_its_dataset(query: str) -> bool:
    """Whether a SPARQL query has a dataset clause (``FROM`` or ``FROM NAMED``, SPARQL 1.1 Query §13.2).

    pyoxigraph exposes no parsed query, so the text is read: the keyword outside strings, IRIs, comments and
    braces (a dataset clause comes before the WHERE clause; only a CONSTRUCT template's braces precede it).

    >>> names_its_dataset("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    True
    >>> names_its_dataset("CONSTRUCT { ?s ?p ?o } FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }")
    True
    >>> names_its_dataset('PREFIX from: <http://x/> SELECT ?from WHERE { ?from from:p "FROM <g>" } # FROM <g>')
    False
    """
    if "from" not in query.lower():  # most queries: no scan at all
        return False
    return _scan_remembered(query) if len(query) <= _MEMO_MAX else _scan(query)


def _scan(query: str) -> bool:
    depth = 0
    for token in _DATASET_TOKENS.finditer(query):
        text = token.group()
        if text == "{":
            depth += 1
        elif text == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and text[0] not in "\"'<#" and _FROM.search(text):
            return True
    return False


_scan_remembered = functools.lru_cache(maxsize=1024)(_scan)


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


def _draft_graphs(store: ox.Store) -> frozenset[str]:
    """The named graphs that say of themselves that they are drafts (``<g> a kg:DraftGraph`` in ``g``)."""
    draft = ox.NamedNode(str(KG.DraftGraph))
    rdf_type = ox.NamedNode(str(RDF.type))
    return frozenset(
        q.subject.value
        for q in store.quads_for_pattern(None, rdf_type, draft, None)
        if isinstance(q.subject, ox.NamedNode) and q.graph_name == q.subject
    )


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


#: The query form's keyword, not part of a variable, a prefixed name or a language tag.
_FORM = re.compile(r"(?<![\w?$:@.\-])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:\-])", re.IGNORECASE)


def query_form(query: str) -> str:
    """The form of a SPARQL query: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` (``SELECT`` if none is found).

    A remote engine must be told which result format to send before the answer says what it is; the first
    form keyword outside strings, IRIs and comments is the query's (the prologue only declares prefixes and base).

    >>> query_form('PREFIX ask: <http://x/> # SELECT\\nCONSTRUCT { ?s ask:p "ASK" } WHERE { ?s ?p ?o }')
    'CONSTRUCT'
    >>> query_form("ask {}")
    'ASK'
    """
    for token in _DATASET_TOKENS.finditer(query):
        text = token.group()
        if text[0] not in "\"'<#" and (found := _FORM.search(text)):
            return found.group(1).upper()
    return "SELECT"
