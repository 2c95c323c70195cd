"""What the search index holds: the documents of the graph's nodes, read from the store (kg/search.py indexes them).

A document is one text of one node in one named graph:

* ``statement``: the exact words of a statement (``kg:anchor/oa:hasSelector/oa:exact``);
* ``entity`` and ``concept``: every label (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``), in every
  language; concepts are the SKOS concepts, collections and schemes, entities every other node typed with a
  class of our ontology (dates, anchors and stance attributions excepted: their labels are not names);
* ``source``: the whole text of a source document (``kg:fullText``) and its title (``dcterms:title``).

The ontology graph and draft graphs are left out, as the default dataset leaves out drafts. The same reads serve
the build (every node) and a write (the nodes it touches: :func:`affected_nodes`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.changes import Diff
from kg.iris import KG, OA, Minter
from kg.store import OxigraphStore

_STATEMENT_CLASSES = {str(c) for c in (KG.Statement, KG.DirectQuotation, KG.Paraphrase)} | {
    str(KG.AuthorialClaim),
    str(KG.AuthorialQuestion),
}
_CONCEPT_CLASSES = {str(c) for c in (SKOS.Concept, SKOS.Collection, SKOS.OrderedCollection, SKOS.ConceptScheme)}
_NOT_NAMED = {str(c) for c in (KG.DateSpecification, KG.TextAnchor, KG.StanceAttribution)}
_LABELS = tuple(ox.NamedNode(str(p)) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel))
_SOURCE_TEXTS = tuple(ox.NamedNode(str(p)) for p in (KG.fullText, DCTERMS.title))
_TYPE = ox.NamedNode(str(RDF.type))
_ANCHOR = ox.NamedNode(str(KG.anchor))
_SELECTOR = ox.NamedNode(str(OA.hasSelector))
_EXACT = ox.NamedNode(str(OA.exact))

#: Marks around a match in FTS5's snippet(); control characters that texts lose when indexed (:func:`_clean`).
MATCH_OPEN, MATCH_CLOSE = "\x02", "\x03"


@dataclass(frozen=True, order=True)
class Document:
    """One searchable text: the node it is about, its kind, the named graph that says it, and its language."""

    node: str
    kind: str
    graph: str
    text: str
    lang: str = ""


def kind_of(types: Collection[str]) -> str | None:
    """The kind of document a node with these ``rdf:type`` IRIs is, or None if it is not searched.

    >>> kind_of({"https://w3id.org/akg/ontology#Person"}), kind_of({"http://www.w3.org/ns/prov#Entity"})
    ('entity', None)
    """
    if _STATEMENT_CLASSES.intersection(types):
        return "statement"
    if str(KG.SourceDocument) in types:
        return "source"
    if _CONCEPT_CLASSES.intersection(types):
        return "concept"
    if any(t.startswith(str(KG._NS)) and t not in _NOT_NAMED for t in types):
        return "entity"
    return None


def documents(store: OxigraphStore, minter: Minter, nodes: Collection[ox.NamedNode] | None = None) -> list[Document]:
    """The documents of ``nodes`` (default: every node), sorted, from the reviewed graphs but the ontology's.

    The same reads serve the build (``nodes`` None: one scan per property) and a write (a few nodes).
    """
    graphs = {ox.NamedNode(g) for g in store.graphs() if g != minter.ontology_graph}

    def quads(predicate: ox.NamedNode, subjects: Iterable[ox.NamedNode] | None) -> Iterator[ox.Quad]:
        for subject in [None] if subjects is None else subjects:
            for quad in store.raw.quads_for_pattern(subject, predicate, None, None):
                if quad.graph_name in graphs:
                    yield quad

    types: dict[object, set[str]] = defaultdict(set)
    for quad in quads(_TYPE, nodes):
        if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.NamedNode):
            types[quad.subject].add(quad.object.value)
    kinds = {node: kind for node, found in types.items() if (kind := kind_of(found)) is not None}
    found: set[Document] = set()

    def add(quad: ox.Quad, kind: str) -> None:
        if isinstance(quad.object, ox.Literal) and isinstance(quad.subject, ox.NamedNode):
            lang = quad.object.language or ""
            graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            found.add(Document(quad.subject.value, kind, graph, _clean(quad.object.value), lang))

    for predicate in _LABELS:
        for quad in quads(predicate, nodes):
            kind = kinds.get(quad.subject)
            if kind in ("entity", "concept"):
                add(quad, kind)
    for predicate in _SOURCE_TEXTS:
        for quad in quads(predicate, nodes):
            if kinds.get(quad.subject) == "source":
                add(quad, "source")
    statements = None if nodes is None else _named(n for n, k in kinds.items() if k == "statement")
    anchors = [q for q in quads(_ANCHOR, statements) if kinds.get(q.subject) == "statement"]
    selectors = _objects(quads(_SELECTOR, None if nodes is None else _named(q.object for q in anchors)))
    exacts = _objects(quads(_EXACT, None if nodes is None else _named(s for v in selectors.values() for s in v)))
    for anchor in anchors:
        for selector in selectors.get((anchor.object, anchor.graph_name), ()):
            for text in exacts.get((selector, anchor.graph_name), ()):
                if isinstance(text, ox.Literal):
                    add(ox.Quad(anchor.subject, _EXACT, text, anchor.graph_name), "statement")
    return sorted(found)


def _objects(quads: Iterable[ox.Quad]) -> dict[tuple[object, object], list[object]]:
    """(subject, graph) -> objects, for following a path inside one graph."""
    found: dict[tuple[object, object], list[object]] = defaultdict(list)
    for quad in quads:
        found[(quad.subject, quad.graph_name)].append(quad.object)
    return found


def _named(terms: Iterable[object]) -> set[ox.NamedNode]:
    """The IRIs among ``terms`` (a path step's next subjects)."""
    return {t for t in terms if isinstance(t, ox.NamedNode)}


def _clean(text: str) -> str:
    """A text without the characters that mark matches in snippets."""
    return text.replace(MATCH_OPEN, " ").replace(MATCH_CLOSE, " ")


def affected_nodes(store: OxigraphStore, diff: Diff) -> set[ox.NamedNode]:
    """The nodes whose documents a committed ``diff`` may have changed: the subjects it touches, and the
    statements whose anchor or quote selector it touches (their text lives two hops away)."""
    quads = [*diff.removed, *diff.added]
    touched = {q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}

    def parents(children: set[ox.NamedNode], predicate: ox.NamedNode) -> set[ox.NamedNode]:
        found = {q.subject for q in quads if q.predicate == predicate and q.object in children}
        for child in children:
            found.update(q.subject for q in store.raw.quads_for_pattern(None, predicate, child, None))
        return {n for n in found if isinstance(n, ox.NamedNode)}

    anchors = parents(touched, _SELECTOR)
    return touched | anchors | parents(touched | anchors, _ANCHOR)
