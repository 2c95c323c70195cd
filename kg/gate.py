"""The SHACL gate: a write is validated on its candidate state and committed only if it conforms.

Validation is incremental: only the nodes the write touches and their neighbourhood are validated, so a
one-statement change stays fast on a large store. The neighbourhood, with the diff applied, holds:
the touched nodes and their direct neighbours with all their triples in and out, the next ring with its
outgoing triples, and the types of the ring after that (enough for every shape: SPARQL constraints reach
anchor -> selector -> source text). Results are kept only for the fully described inner rings.

Protected: the ontology graph and the source texts (their full text, hash, length and file name).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from kg.changes import Diff
from kg.errors import KgError
from kg.iris import KG, OA, Minter
from kg.validate import Report, class_hierarchy, load_ontology, load_shapes, to_rdflib, validate_graph

PROTECTED_PREDICATES = frozenset(str(p) for p in (KG.fullText, KG.sha256, KG.characterCount, KG.sourceFile))
_TYPE = ox.NamedNode(str(RDF.type))
#: Links that shapes follow from object to subject (sh:inversePath, and SPARQL constraints on owners).
BACKWARD_LINKS = frozenset(ox.NamedNode(str(p)) for p in (KG.anchor, KG.hasStance, KG.quotedWithin, OA.hasSelector))


class ProtectedData(KgError):
    """The write would change the ontology or a source text."""


@dataclass(frozen=True)
class Verdict:
    """What the gate decided: the report on the candidate state and the size of what was validated."""

    report: Report
    validated_triples: int
    focus_nodes: int


def check_protected(diff: Diff, minter: Minter) -> None:
    """Refuse a diff that touches the ontology graph or a source text.

    Raises:
        ProtectedData: naming the first protected quad.
    """
    ontology = minter.ontology_graph
    for quad in sorted(diff.removed | diff.added, key=str):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value == ontology:
            raise ProtectedData(f"the ontology graph <{ontology}> is read-only; change ontology/kg.ttl and rebuild")
        if quad.predicate.value in PROTECTED_PREDICATES:
            raise ProtectedData(f"source texts are read-only: {quad.predicate.value} of {quad.subject} cannot change")
        if quad.predicate == _TYPE and quad.object == ox.NamedNode(str(KG.SourceDocument)):
            raise ProtectedData(f"source documents are read-only: {quad.subject} cannot be typed or untyped")


def _key(node: ox.NamedNode | ox.BlankNode) -> str:
    """A node as pyshacl reports focus nodes: the IRI, or ``_:`` and the blank node's label."""
    return node.value if isinstance(node, ox.NamedNode) else f"_:{node.value}"


def _nodes(quads: Iterable[ox.Quad]) -> set[ox.NamedNode | ox.BlankNode]:
    out: set[ox.NamedNode | ox.BlankNode] = set()
    for q in quads:
        out.add(q.subject)
        if isinstance(q.object, ox.NamedNode | ox.BlankNode) and q.predicate != _TYPE:
            out.add(q.object)
    return out


class _Candidate:
    """Reads of the store as it would be after the diff."""

    def __init__(self, store: ox.Store, diff: Diff) -> None:
        self.store = store
        self.diff = diff

    def outgoing(self, node: ox.NamedNode | ox.BlankNode) -> set[ox.Quad]:
        found = {q for q in self.store.quads_for_pattern(node, None, None) if q not in self.diff.removed}
        return found | {q for q in self.diff.added if q.subject == node}

    def incoming(self, node: ox.NamedNode | ox.BlankNode, via: frozenset[ox.NamedNode] | None = None) -> set[ox.Quad]:
        if via is None:
            found = {q for q in self.store.quads_for_pattern(None, None, node) if q not in self.diff.removed}
        else:
            found = {q for p in via for q in self.store.quads_for_pattern(None, p, node) if q not in self.diff.removed}
        return found | {q for q in self.diff.added if q.object == node and (via is None or q.predicate in via)}

    def types(self, node: ox.NamedNode | ox.BlankNode) -> set[ox.Quad]:
        found = {q for q in self.store.quads_for_pattern(node, _TYPE, None) if q not in self.diff.removed}
        return found | {q for q in self.diff.added if q.subject == node and q.predicate == _TYPE}


def neighbourhood(store: ox.Store, diff: Diff, minter: Minter) -> tuple[set[ox.Quad], set[str]]:
    """The quads to validate for a diff, and the focus nodes (as strings) whose results count."""
    candidate = _Candidate(store, diff)
    ontology = ox.NamedNode(minter.ontology_graph)
    ring0 = _nodes(diff.removed | diff.added)
    quads: set[ox.Quad] = set()
    for node in ring0:
        quads |= candidate.outgoing(node) | candidate.incoming(node)
    ring1 = _nodes(quads) - ring0
    for node in ring1:
        # Not every incoming link: a source text or a concept is pointed at by thousands of nodes. Only the
        # links that shapes follow backwards (inverse paths, "the node this anchor or stance belongs to").
        quads |= candidate.outgoing(node) | candidate.incoming(node, BACKWARD_LINKS)
    ring2 = _nodes(quads) - ring0 - ring1
    for node in ring2:
        quads |= candidate.outgoing(node)
    ring3 = _nodes(quads) - ring0 - ring1 - ring2
    for node in ring3:
        quads |= candidate.types(node)
    quads = {q for q in quads if q.graph_name != ontology}
    return quads, {_key(n) for n in ring0 | ring1}


class Gate:
    """Validates diffs against the project's shapes (loaded once) and commits the ones that conform."""

    def __init__(self, minter: Minter, shapes: Graph | None = None, ontology: Graph | None = None) -> None:
        self.minter = minter
        self.shapes = shapes if shapes is not None else load_shapes()
        # Only the class hierarchy is needed (sh:targetClass and sh:class follow rdfs:subClassOf); mixing the
        # whole ontology into every small candidate graph would cost more than validating it.
        self.hierarchy = class_hierarchy(ontology if ontology is not None else load_ontology())
        self.lock = threading.Lock()  # one write at a time: validation and commit see the same state

    def judge(self, store: ox.Store, diff: Diff) -> Verdict:
        """Validate the candidate state of ``diff`` (incrementally).

        Raises:
            ProtectedData: the diff touches the ontology or a source text.
        """
        check_protected(diff, self.minter)
        quads, focus = neighbourhood(store, diff, self.minter)
        report = validate_graph(to_rdflib(quads), self.shapes, self.hierarchy)
        results = tuple(r for r in report.results if r.focus in focus or r.focus.startswith("_:"))
        kept = Report(not results, results, report.graph)
        return Verdict(kept, len(quads), len(focus))
