"""The SHACL gate: a write is validated on its candidate state and committed only if it conforms.

Validation is incremental, and bounded by what the shapes read rather than by the degree of the nodes a write
touches (a concept or a state is linked from thousands of statements):

1. The shapes are read once into :class:`Reads` (kg/shape_reads.py): for every property shape, SPARQL
   constraint and SPARQL target, the triple patterns it matches from its focus node ``$this`` (paths expanded
   into steps, the types of every value for ``sh:class``, the ``FILTER NOT EXISTS`` patterns too).
2. **Focus**: the nodes whose results a diff can change. For each quad the diff adds or removes, every pattern
   that the quad can match is walked back to ``$this`` along one chain of patterns that every solution matches
   (not through a ``FILTER NOT EXISTS`` or another ``UNION`` branch), the chain with the fewest links followed
   backwards: a hub's incoming links are followed only where a shape reads them backwards, such as the nodes
   pointing at a node whose ``rdf:type`` changes, for their ``sh:class`` checks. The walk reads the store with
   the added quads and without removing any, so it finds a node that reads a quad in the old state or in the
   new one. The subjects and objects of the diff are always in focus.
3. **Data**: from the focus nodes, every pattern is followed outwards on the candidate state (the store with the
   diff applied), fetching only the quads the patterns match: everything a shape can read about a focus node,
   and nothing else.
4. pyshacl validates that graph, with the focus nodes as the only targets (other nodes in it are described only
   as far as a focus node's shapes read them). The result is exactly what a whole-graph validation would report
   for those nodes.

Protected: the ontology graph and the source texts (their full text, hash, length and file name).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TypeGuard

import pyoxigraph as ox
from rdflib import BNode, Graph

from kg.changes import Diff
from kg.changes import to_rdflib as term_to_rdflib
from kg.errors import ProtectedData, UnsupportedShape
from kg.iris import KG, Minter
from kg.quadindex import QuadIndex
from kg.shape_reads import THIS, TYPE, Group, OxTerm, Reads, Step
from kg.validate import Report, class_hierarchy, load_ontology, load_shapes, to_rdflib, validate_graph

PROTECTED_PREDICATES = frozenset(str(p) for p in (KG.fullText, KG.sha256, KG.characterCount, KG.sourceFile))
OxNode = ox.NamedNode | ox.BlankNode


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
        if quad.predicate == TYPE and quad.object == ox.NamedNode(str(KG.SourceDocument)):
            raise ProtectedData(f"source documents are read-only: {quad.subject} cannot be typed or untyped")


# --- reading the store ---------------------------------------------------------------------------------------------


class _View:
    """Reads of the store with the diff applied (``union=False``), or with its additions and no removals.

    Reads are remembered: several shapes follow the same links (every ``prov:wasDerivedFrom`` of a hub, then the
    type of each source), and one judgement reads a fixed state.
    """

    def __init__(self, store: ox.Store, diff: Diff, exclude_graph: ox.NamedNode, *, union: bool) -> None:
        self.store = store
        self.removed = set() if union else diff.removed
        self.added = QuadIndex(diff.added)
        self.exclude = exclude_graph
        self.seen: dict[tuple[OxNode | None, ox.NamedNode | None, OxTerm | None], list[ox.Quad]] = {}
        self.outgoing: dict[OxNode, dict[ox.NamedNode, list[ox.Quad]]] = {}
        self.incoming: dict[OxTerm, bool] = {}

    def match(self, s: OxNode | None, p: ox.NamedNode | None, o: OxTerm | None) -> list[ox.Quad]:
        found = self.seen.get((s, p, o))
        if found is not None:
            return found
        if s is not None and p is not None and o is None:
            # One read of all a node's links serves every shape that follows one of them.
            found = self.links_of(s).get(p, [])
        elif s is None and o is not None and not self.has_incoming(o):
            found = []  # a node nothing points at (most of a big write's new nodes): one read, not one per predicate
        else:
            exclude, removed = self.exclude, self.removed
            found = [q for q in self.store.quads_for_pattern(s, p, o) if q.graph_name != exclude and q not in removed]
            found += self.added.match(s, p, o)
        self.seen[(s, p, o)] = found
        return found

    def links_of(self, s: OxNode) -> dict[ox.NamedNode, list[ox.Quad]]:
        """A node's outgoing links by predicate."""
        links = self.outgoing.get(s)
        if links is None:
            links = self.outgoing[s] = {}
            for quad in self.match(s, None, None):
                links.setdefault(quad.predicate, []).append(quad)
        return links

    def has_incoming(self, o: OxTerm) -> bool:
        """Whether any quad, in the store or added, has ``o`` as its object (a superset of what is read)."""
        known = self.incoming.get(o)
        if known is None:
            known = self.incoming[o] = bool(self.added.match(None, None, o)) or any(
                True for _ in self.store.quads_for_pattern(None, None, o)
            )
        return known


_NODE = (ox.NamedNode, ox.BlankNode)


def _is_node(term: object) -> TypeGuard[OxNode]:
    return isinstance(term, _NODE)


def _follow(
    view: _View, step: Step, start: set[OxTerm], forward: bool, predicates: set[ox.NamedNode] | None, out: set[ox.Quad]
) -> set[OxTerm]:
    """Follow ``step`` from ``start`` (its subjects if ``forward``, else its objects); the nodes at the other end.

    Every quad followed is added to ``out``. A repeated step is followed to its closure (and includes ``start``).
    """
    preds = step.predicates if step.predicates is not None else predicates
    far = step.object if forward else step.subject
    constant = None if isinstance(far, str) or step.repeat else far
    reached: set[OxTerm] = set(start) if step.repeat else set()
    frontier = {t for t in start if isinstance(t, _NODE)}
    seen: set[OxTerm] = set(frontier)
    while frontier:
        found: set[OxTerm] = set()
        for node in frontier:
            if forward:
                if constant is None:  # the node's links read once, for every predicate (and every step)
                    links = view.links_of(node)
                    matched = links.values() if preds is None else [links[p] for p in preds if p in links]
                else:
                    matched = [view.match(node, p, constant) for p in preds or (None,)]
                for quads in matched:
                    found.update(q.object for q in quads)
                    out.update(quads)
            elif view.has_incoming(node):
                for predicate in preds if preds is not None else (None,):
                    quads = view.match(constant, predicate, node)  # type: ignore[arg-type]
                    found.update(q.subject for q in quads)
                    out.update(quads)
        reached |= found
        # only nodes are subjects: literals and triple terms lead nowhere
        frontier = {t for t in found - seen if isinstance(t, _NODE)} if step.repeat else set()
        seen |= found
    return reached


def _links(group: Group, block: int) -> dict[str, list[tuple[Step, str, bool]]]:
    """The steps a chain to ``?this`` may use (those of block 0 and of ``block``), by variable: each with the
    variable at its other end and whether it is followed forwards from this one."""
    edges: dict[str, list[tuple[Step, str, bool]]] = {}
    for where, step in group:
        if where in (0, block) and isinstance(step.subject, str) and isinstance(step.object, str):
            edges.setdefault(step.subject, []).append((step, step.object, True))
            edges.setdefault(step.object, []).append((step, step.subject, False))
    return edges


def _chain(edges: dict[str, list[tuple[Step, str, bool]]], starts: list[str]) -> tuple[str, list] | None:
    """The chain of steps from one of ``starts`` to ``?this`` with the fewest backward steps, then the fewest
    steps, then the earliest start."""
    best: tuple[tuple[int, int, int], str, list] | None = None
    for order, var in enumerate(starts):
        paths: list[tuple[str, list]] = [(var, [])]
        seen = {var}
        while paths:
            grown = []
            for here, chain in paths:
                for link in edges.get(here, []):
                    there = link[1]
                    if there in seen:
                        continue
                    path = [*chain, link]
                    if there == THIS:
                        rank = (sum(1 for _, _, forward in path if not forward), len(path), order)
                        if best is None or rank < best[0]:
                            best = (rank, var, path)
                    else:
                        grown.append((there, path))
            seen |= {there for there, _ in grown}
            paths = grown
    return None if best is None else (best[1], best[2])


def _walk_to_this(
    group: Group, block: int, step: Step, ends: tuple[set[OxTerm], set[OxTerm], set[OxTerm]], view: _View
) -> set[OxTerm]:
    """The ``?this`` nodes whose results can depend on the quads ``step`` (of ``block``) of ``group`` matches.

    ``ends`` are those quads' subjects, node objects and predicates: a walk from several quads at once reaches
    what the walks from each reach (every step is followed node by node), so quads matching the same step are
    walked together. One chain of steps from a quad to ``?this`` is enough, if it runs through the patterns every
    solution matches (block 0) or through the quad's own block: a solution that uses the quad binds all their
    variables, so the chain holds in the state that solution is in, and the walk reads both states at once. The
    chain chosen follows the fewest links backwards (the incoming links of a hub), then the fewest steps; it
    never starts from a literal.
    """
    subjects, objects, predicates = ends
    starts: dict[str, set[OxTerm]] = {}
    if isinstance(step.subject, str):
        before = set(subjects)
        if step.repeat:  # the quad is one link of a p* chain, which may begin further back
            before = _follow(view, step, before, False, None, set())
        starts[step.subject] = before
    if isinstance(step.object, str) and objects:
        after = set(objects)
        if step.repeat:
            after = _follow(view, step, after, True, None, set())
        starts.setdefault(step.object, set()).update(after)
    if step.predicate_var is not None:
        starts[step.predicate_var] = set(predicates)
    if THIS in starts:
        return starts[THIS]
    found = _chain(_links(group, block), list(starts))
    if found is None:
        return set()
    var, chain = found
    nodes = starts[var]
    for link, _, forward in chain:
        nodes = _follow(view, link, nodes, forward, None, set())
        if not nodes:
            break
    return nodes


def _ends(quads: list[ox.Quad]) -> dict[bool, tuple[set[OxTerm], set[OxTerm]]]:
    """The subjects and objects of ``quads``, split by whether the object is a node (a walk never starts from a
    literal): ``{True: (subjects, objects), False: (subjects, set())}``, only the non-empty ones."""
    split: dict[bool, tuple[set[OxTerm], set[OxTerm]]] = {}
    for quad in quads:
        is_node = isinstance(quad.object, _NODE)
        subjects, objects = split.setdefault(is_node, (set(), set()))
        subjects.add(quad.subject)
        if is_node:
            objects.add(quad.object)
    return split


def focus_nodes(reads: Reads, store: ox.Store, diff: Diff, exclude_graph: ox.NamedNode) -> set[OxNode]:
    """The nodes whose validation results ``diff`` can change (see the module's docstring).

    The quads are grouped by predicate and matched to the steps that read their predicate (a step with no
    constant end matches them all at once), then each step is walked once from all of its quads: the cost grows
    with the size of the diff, not its square.
    """
    view = _View(store, diff, exclude_graph, union=True)
    steps_of: dict[ox.NamedNode | None, list[tuple[int, int]]] = {}
    for g, group in enumerate(reads.groups):
        for i, (_, step) in enumerate(group):
            for predicate in step.predicates if step.predicates is not None else (None,):
                steps_of.setdefault(predicate, []).append((g, i))
    focus: set[OxTerm] = set()
    by_predicate: dict[ox.NamedNode, list[ox.Quad]] = {}
    for quad in diff.removed | diff.added:
        by_predicate.setdefault(quad.predicate, []).append(quad)
        focus.add(quad.subject)
        if quad.predicate != TYPE and isinstance(quad.object, _NODE):
            focus.add(quad.object)
    # (group, step, whether the quads' objects are nodes) -> the subjects, node objects and predicates matched
    batches: dict[tuple[int, int, bool], tuple[set[OxTerm], set[OxTerm], set[OxTerm]]] = {}
    for predicate, quads in by_predicate.items():
        every = _ends(quads)
        for g, i in steps_of.get(predicate, []) + steps_of.get(None, []):
            step = reads.groups[g][i][1]
            constant_end = not isinstance(step.subject, str) or not (isinstance(step.object, str) or step.repeat)
            for is_node, (subjects, objects) in (
                _ends([q for q in quads if step.matches(q)]) if constant_end else every
            ).items():
                batch = batches.setdefault((g, i, is_node), (set(), set(), set()))
                batch[0].update(subjects)
                batch[1].update(objects)
                batch[2].add(predicate)
    for (g, i, _), ends in batches.items():
        group = reads.groups[g]
        block, step = group[i]
        focus |= _walk_to_this(group, block, step, ends, view)
    return {n for n in focus if _is_node(n)}


def _rank(block: int, step: Step, bound: dict[str, set[OxTerm]]) -> tuple[bool, int, bool]:
    """Which step to follow next: one every solution matches (block 0) before a filter's, then the one with the
    most ends bound (so that a variable predicate is bound before ``?s ?p ?o`` is followed), forwards first."""
    ends = (step.subject, step.object, step.predicate_var)
    return (block == 0, sum(1 for e in ends if isinstance(e, str) and e in bound), step.subject in bound)


def neighbourhood_data(
    reads: Reads, store: ox.Store, diff: Diff, focus: set[OxNode], exclude_graph: ox.NamedNode
) -> set[ox.Quad]:
    """Every quad of the candidate state that a shape can read from the focus nodes.

    Each group's steps are followed outwards from ``?this`` (see :func:`_rank` for the order), fetching only the
    quads each step matches, never backwards from a literal. A variable bound by steps that every solution
    matches holds all the values a solution can give it, so a later step may be narrowed to them (its far end,
    or the predicates of ``?s ?p ?o``); a variable bound through a filter's steps narrows nothing.
    """
    view = _View(store, diff, exclude_graph, union=False)
    out: set[ox.Quad] = set()
    for group in reads.groups:
        bound: dict[str, set[OxTerm]] = {THIS: set(focus)}
        complete = {THIS}  # variables bound by steps of block 0 only
        pending = list(group)
        while pending:
            ready = [(b, s) for b, s in pending if s.subject in bound or s.object in bound]
            if not ready:
                break
            block, step = max(ready, key=lambda pair: _rank(pair[0], pair[1], bound))
            pending.remove((block, step))
            predicates = None
            if step.predicate_var is not None and step.predicate_var in complete:
                predicates = {p for p in bound[step.predicate_var] if isinstance(p, ox.NamedNode)}
            forward = step.subject in bound
            near, far = (step.subject, step.object) if forward else (step.object, step.subject)
            found: set[ox.Quad] = set()
            reached = _follow(view, step, bound[near], forward, predicates, found)  # type: ignore[index]
            if isinstance(far, str) and far in complete and not step.repeat:
                found = {q for q in found if (q.object if forward else q.subject) in bound[far]}
                reached &= bound[far]
            out |= found
            for var, values in ((far, reached), (step.predicate_var, {q.predicate for q in found})):
                if isinstance(var, str) and var not in complete:
                    bound[var] = bound.get(var, set()) | values
                    if block == 0 and near in complete:
                        complete.add(var)
    return out


def _key(node: OxNode) -> str:
    """A node as pyshacl reports focus nodes: the IRI, or the blank node's label."""
    return node.value if isinstance(node, ox.NamedNode) else str(BNode(node.value))


class Gate:
    """Validates diffs against the project's shapes (loaded and analysed once) and commits the ones that conform."""

    def __init__(self, minter: Minter, shapes: Graph | None = None, ontology: Graph | None = None) -> None:
        self.minter = minter
        self.shapes = shapes if shapes is not None else load_shapes()
        self.reads = Reads.of(self.shapes)
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
        ontology = ox.NamedNode(self.minter.ontology_graph)
        focus = focus_nodes(self.reads, store, diff, ontology)
        quads = neighbourhood_data(self.reads, store, diff, focus, ontology)
        targets = {term_to_rdflib(n) for n in focus}
        report = validate_graph(to_rdflib(quads), self.shapes, self.hierarchy, targets=targets, inplace=True)
        keys = {_key(n) for n in focus}
        results = tuple(r for r in report.results if r.focus in keys)
        kept = Report(not results, results, report.graph)
        return Verdict(kept, len(quads), len(focus))


__all__ = [
    "Gate",
    "ProtectedData",
    "Reads",
    "UnsupportedShape",
    "Verdict",
    "check_protected",
    "focus_nodes",
    "neighbourhood_data",
]
