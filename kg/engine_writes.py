"""SHACL-gated writes on a SPARQL engine: what the write core reads, and a validated diff applied as one request.

The write core (:mod:`kg.writes`) works out a diff and judges it on a pyoxigraph store (:mod:`kg.update_eval`,
:mod:`kg.gate`). On an engine that store is a **mirror**: our graphs fetched once into memory (a ``CONSTRUCT``
per graph), then kept in step with every commit, since all writes go through the one writer. Each commit also
writes a fresh version token into the bookkeeping graph :data:`WRITES_GRAPH`, in the same request; before a
write the writer reads it back (one small query), and a token it did not write — a ``kg build --store`` load,
another writer — makes it fetch the mirror again. Cost: memory and one fetch in the size of our data (a
``CONSTRUCT`` per graph; not measured at 1M+ here), none per write but the token query.

A validated diff goes to the engine as **one** update request, ``DELETE DATA { … } ; INSERT DATA { … }``.
Virtuoso 7 runs a request as one transaction: killed while applying it, it comes back with none of it
(tests/test_issue_15_writes.py). It does not roll back the earlier operations of a request whose later one
*fails* (a refused ``LOAD``); ours are ground data that the gate has validated, so only the engine itself failing
(disk full) could split them, and the writer then refetches the mirror. The data blocks are cut into
``GRAPH`` blocks of :data:`BLOCK` triples: Virtuoso's parser runs out of stack on ~5,000 triples in one block.

Blank nodes: Virtuoso refuses them in ``INSERT DATA`` (a constant clause), so triples with new blank nodes go in
an ``INSERT { … } WHERE {}`` of the same request (fresh nodes, shared within it, as SPARQL says). An existing
blank node is named ``<nodeID://b…>``, Virtuoso's own IRI for it (its label in the mirror); other engines have no
such name, and a write that removes a blank node there is refused. After a commit that adds blank nodes the
mirror is fetched again, to learn the engine's labels.

The default graph is ours only in name: its quads are kept in the engine's graph :data:`DEFAULT_GRAPH` (not
under ``{base}graph/``, so queries do not see it, as the embedded store's union leaves out its default graph).
Graphs written outside ``{base}graph/`` are listed in :data:`WRITES_GRAPH` so that they count as ours.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox

from kg.changes import Diff
from kg.errors import UnnamedBlankNode

#: Our bookkeeping on the engine: the write version token, and graphs written outside ``{base}graph/``.
WRITES_GRAPH = "urn:x-kg:writes"
#: Where the engine keeps what is our default graph.
DEFAULT_GRAPH = "urn:x-kg:default-graph"
VERSION = ox.NamedNode(WRITES_GRAPH + "#version")
WRITTEN = ox.NamedNode(WRITES_GRAPH + "#WrittenGraph")
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SELF = ox.NamedNode(WRITES_GRAPH)
#: Triples per ``GRAPH`` block of a data operation (Virtuoso 7 fails on ~5,000 in one).
BLOCK = 2000
#: The labels Virtuoso gives its blank nodes (``nodeID://b10001``) once a result makes them pyoxigraph labels.
_ENGINE_LABEL = re.compile(r"b\d+")
ASK_VERSION = f"SELECT ?v WHERE {{ GRAPH <{WRITES_GRAPH}> {{ <{WRITES_GRAPH}> <{VERSION.value}> ?v }} }}"
OxObject = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
ASK_WRITTEN = f"SELECT ?g WHERE {{ GRAPH <{WRITES_GRAPH}> {{ ?g a <{WRITTEN.value}> }} }}"


class EngineMirror:
    """The writer's in-memory copy of our graphs on an engine, and the request that applies a diff to both.

    Args:
        fetch: every quad of our graphs on the engine, the default graph's as :data:`DEFAULT_GRAPH`'s.
        version: the engine's write version token ('' when it has none).
        send: sends one update request to the engine.
        is_ours: whether a graph IRI is under ``{base}graph/``.
        named_blank_nodes: the engine names existing blank nodes ``<nodeID://…>`` (Virtuoso).
    """

    def __init__(
        self,
        fetch: Callable[[], Iterable[ox.Quad]],
        version: Callable[[], str],
        send: Callable[[str], None],
        is_ours: Callable[[str], bool],
        *,
        named_blank_nodes: bool = True,
    ) -> None:
        self._fetch = fetch
        self._version = version
        self._send = send
        self._is_ours = is_ours
        self._named_blank_nodes = named_blank_nodes
        self._store: ox.Store | None = None
        self._token = ""

    def view(self) -> ox.Store:
        """The mirror, fetched again if the engine's data changed behind the writer.

        Raises:
            StoreUnavailable: the engine cannot be reached.
        """
        token = self._version()
        if self._store is None or token != self._token:
            store = ox.Store()
            store.bulk_extend(_from_engine(q) for q in self._fetch())
            self._store, self._token = store, token
        return self._store

    def forget(self) -> None:
        """Fetch the mirror again before the next write (after a commit whose outcome is not known)."""
        self._store = None

    def commit(self, diff: Diff, drop_graphs: tuple[ox.NamedNode, ...] = ()) -> None:
        """Apply a validated diff to the engine in one update request, then to the mirror.

        Raises:
            UnnamedBlankNode: the diff removes a blank node and the engine cannot name it.
            StoreUnavailable, OSError: the engine failed; the mirror is fetched again before the next write.
        """
        token = uuid.uuid4().hex
        self._send(self.request(diff, drop_graphs, token))
        store = self._store
        if store is None or any(_has_blank(q) for q in diff.added):
            self._store = None  # learn the engine's labels of the new blank nodes
        else:
            for quad in diff.removed:
                store.remove(quad)
            store.extend(diff.added)
            for graph in drop_graphs:
                store.remove_graph(graph)
        self._token = token

    def request(self, diff: Diff, drop_graphs: tuple[ox.NamedNode, ...], token: str) -> str:
        """The one update request: ``DELETE DATA``, ``INSERT DATA`` and, for new blank nodes, ``INSERT … WHERE {}``.

        Raises:
            UnnamedBlankNode: see :meth:`commit`.
        """
        removed = [_to_engine(q, removal=True, named=self._named_blank_nodes) for q in diff.removed]
        if self._token:
            removed.append(ox.Quad(_SELF, VERSION, ox.Literal(self._token), _SELF))
        removed += [ox.Quad(g, _TYPE, WRITTEN, _SELF) for g in drop_graphs if not self._is_ours(g.value)]
        added = [_to_engine(q) for q in diff.added]
        added.append(ox.Quad(_SELF, VERSION, ox.Literal(token), _SELF))
        new_graphs = {q.graph_name for q in diff.added if isinstance(q.graph_name, ox.NamedNode)}
        added += [
            ox.Quad(g, _TYPE, WRITTEN, _SELF)
            for g in sorted(new_graphs - set(drop_graphs), key=str)
            if not self._is_ours(g.value) and g.value not in (DEFAULT_GRAPH, WRITES_GRAPH)
        ]
        plain = [q for q in added if not _has_blank(q)]
        blank = [q for q in added if _has_blank(q)]
        operations = [f"DELETE DATA {{\n{_blocks(removed)}\n}}"] if removed else []
        operations.append(f"INSERT DATA {{\n{_blocks(plain)}\n}}")
        if blank:
            operations.append(f"INSERT {{\n{_blocks(blank)}\n}} WHERE {{}}")
        return " ;\n".join(operations)


def _blocks(quads: list[ox.Quad]) -> str:
    """``GRAPH <g> { … }`` blocks of at most :data:`BLOCK` triples each (every quad here is in a named graph)."""
    by_graph: dict[str, list[str]] = {}
    for quad in sorted(quads, key=str):
        by_graph.setdefault(str(quad.graph_name), []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    return "\n".join(
        f"GRAPH {graph} {{ {' '.join(triples[i : i + BLOCK])} }}"
        for graph, triples in by_graph.items()
        for i in range(0, len(triples), BLOCK)
    )


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _to_engine(quad: ox.Quad, *, removal: bool = False, named: bool = False) -> ox.Quad:
    """The quad as the engine holds it: the default graph as :data:`DEFAULT_GRAPH`; in a ``removal``, an existing
    blank node as its ``nodeID://`` IRI if the engine has such ``named`` ones.

    Raises:
        UnnamedBlankNode: a removed blank node the engine cannot name.
    """
    graph = ox.NamedNode(DEFAULT_GRAPH) if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
    if isinstance(graph, ox.BlankNode):
        raise UnnamedBlankNode("a graph named by a blank node cannot be written to a SPARQL engine")
    if not removal:
        return ox.Quad(quad.subject, quad.predicate, quad.object, graph)
    subject = _named(quad.subject, named)
    assert not isinstance(subject, ox.Literal)  # a blank node becomes an IRI: a subject stays a subject
    return ox.Quad(subject, quad.predicate, _named(quad.object, named), graph)


def _named(term: OxObject, named: bool) -> OxObject:
    if not isinstance(term, ox.BlankNode):
        return term
    if not named or not _ENGINE_LABEL.fullmatch(term.value):
        raise UnnamedBlankNode(
            f"the write removes a triple with the blank node _:{term.value}, and this SPARQL engine has no name "
            "for an existing blank node that an update could use (Virtuoso has: nodeID://…)"
        )
    return ox.NamedNode(f"nodeID://{term.value}")


def _from_engine(quad: ox.Quad) -> ox.Quad:
    if quad.graph_name == ox.NamedNode(DEFAULT_GRAPH):
        return ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())
    return quad


def fetch_quads(graphs: Iterable[str], quads_of: Callable[[str], Iterator[ox.Quad]]) -> Iterator[ox.Quad]:
    """Every quad of ``graphs`` and of :data:`DEFAULT_GRAPH`, one ``CONSTRUCT`` per graph."""
    for graph in (*graphs, DEFAULT_GRAPH):
        yield from quads_of(graph)


__all__ = ["DEFAULT_GRAPH", "WRITES_GRAPH", "EngineMirror", "UnnamedBlankNode", "fetch_quads"]
