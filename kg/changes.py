"""Work out what a write would change, without changing anything: the diff of a SPARQL Update or GSP request.

pyoxigraph applies updates but cannot say what they changed, and the SHACL gate must validate a write
*before* it is committed. So SPARQL Update is evaluated by rdflib's engine over :class:`OverlayStore`, an
rdflib store that reads the pyoxigraph store and records additions and removals in memory instead of
writing them. The result is a :class:`Diff`: the exact quads to remove and to add.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import rdflib.plugins.sparql as rdflib_sparql
from rdflib import BNode, Dataset, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, Graph
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.store import Store
from rdflib.term import Node

from kg import upstream_patches
from kg.depth import check_depth
from kg.errors import LoadRefused, QueryTooDeep, ServiceRefused
from kg.federation import refuse_service, service_targets


@dataclass
class Diff:
    """The quads a write removes and adds (disjoint: a quad removed then re-added is in neither)."""

    removed: set[ox.Quad] = field(default_factory=set)
    added: set[ox.Quad] = field(default_factory=set)

    def remove(self, quad: ox.Quad) -> None:
        if quad in self.added:
            self.added.discard(quad)
        else:
            self.removed.add(quad)

    def add(self, quad: ox.Quad) -> None:
        if quad in self.removed:
            self.removed.discard(quad)
        else:
            self.added.add(quad)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)

    def against(self, store: ox.Store) -> Diff:
        """Only what would change ``store``: an added quad it already holds, or a removed one it does not, is no
        change (and must not move the data version, the ETags or the dumps)."""
        return Diff(removed={q for q in self.removed if q in store}, added={q for q in self.added if q not in store})

    @property
    def graphs(self) -> set[str]:
        """Names of the graphs the diff touches ('' for the default graph)."""
        return {q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "" for q in self.removed | self.added}


# --- term conversion ------------------------------------------------------------------------------


def to_ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise ValueError(f"unsupported RDF term {term!r}")


def to_rdflib(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"unsupported RDF term {term!r}")


def _graph_to_ox(context: Graph | Node | None) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None:
    identifier = context.identifier if isinstance(context, Graph) else context
    if identifier is None:
        return None
    if identifier == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    return to_ox(identifier)


# --- the overlay ----------------------------------------------------------------------------------


def _service_refusal(target: str) -> ServiceRefused:
    return ServiceRefused(
        f"SERVICE {target} is not allowed in an update: updates never call an endpoint, not even one in the "
        "server's SERVICE allowlist (KG_SERVICE_ALLOWLIST); query it on /sparql and write what you need with "
        "INSERT DATA."
    )


def _refuse_service_in_overlay(ctx: Any, part: Any) -> Any:
    """rdflib evaluation hook: over an :class:`OverlayStore`, a SERVICE is refused, never called (rdflib's own
    SERVICE opens any URL, file: included). Every other part goes on to rdflib (NotImplementedError)."""
    if part.name == "ServiceGraphPattern" and isinstance(getattr(ctx.graph, "store", None), OverlayStore):
        raise _service_refusal(part.get("term").n3())
    raise NotImplementedError


rdflib_sparql.CUSTOM_EVALS["kg-no-service-in-updates"] = _refuse_service_in_overlay


def _services(node: object) -> Iterator[Any]:
    """The SERVICE patterns anywhere in a parsed update (WHERE, OPTIONAL, EXISTS, sub-queries)."""
    if isinstance(node, dict):  # rdflib's CompValue is an OrderedDict
        if getattr(node, "name", None) == "ServiceGraphPattern":
            yield node
        for value in node.values():
            yield from _services(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _services(value)


class OverlayStore(Store):
    """An rdflib store reading a pyoxigraph store plus a :class:`Diff`, writing only to the diff."""

    context_aware = True
    graph_aware = True
    formula_aware = False
    transaction_aware = False

    def __init__(self, base: ox.Store, union_default_graph: bool = False) -> None:
        super().__init__()
        self.base = base
        self.union_default_graph = union_default_graph
        self.diff = Diff()
        self._new_graphs: set[ox.NamedNode | ox.BlankNode] = set()
        self._dropped_graphs: set[ox.NamedNode | ox.BlankNode] = set()

    def _quads(self, pattern: tuple[Node | None, Node | None, Node | None], graph: Any) -> Iterator[ox.Quad]:
        s, p, o = (to_ox(t) if t is not None else None for t in pattern)
        if isinstance(o, ox.Literal) or o is None or isinstance(o, ox.NamedNode | ox.BlankNode):
            pass
        for quad in list(self.base.quads_for_pattern(s, p, o, graph)):  # list: QuadIter must not outlive the thread
            if quad not in self.diff.removed:
                yield quad
        for quad in list(self.diff.added):
            if (
                (s is None or quad.subject == s)
                and (p is None or quad.predicate == p)
                and (o is None or quad.object == o)
                and (graph is None or quad.graph_name == graph)
            ):
                yield quad

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:  # type: ignore[override]
        graph = _graph_to_ox(context)
        if self.union_default_graph and isinstance(graph, ox.DefaultGraph):
            # Reads of the default graph see the union of all graphs, as the store's queries do; writes stay put.
            seen = set()
            for quad in self._quads(triple_pattern, None):
                if quad.triple not in seen:
                    seen.add(quad.triple)
                    triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
                    yield triple, iter([self._context(ox.DefaultGraph())])
            return
        for quad in self._quads(triple_pattern, graph):
            triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
            yield triple, iter([self._context(quad.graph_name)])

    def _context(self, name: Any) -> Graph:
        identifier = DATASET_DEFAULT_GRAPH_ID if isinstance(name, ox.DefaultGraph) else to_rdflib(name)
        return Graph(store=self, identifier=identifier)

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:  # type: ignore[override]
        graph = _graph_to_ox(context) or ox.DefaultGraph()
        self.diff.add(ox.Quad(*(to_ox(t) for t in triple), graph))

    def addN(self, quads: Iterable[Any]) -> None:
        for s, p, o, context in quads:
            self.add((s, p, o), context)

    def remove(self, triple_pattern: Any, context: Any = None) -> None:  # type: ignore[override]
        graph = _graph_to_ox(context)
        for quad in list(self._quads(triple_pattern, graph)):
            self.diff.remove(quad)

    def contexts(self, triple: Any = None) -> Iterator[Graph]:  # type: ignore[override]
        names: set[Any] = set()
        if triple is None:
            names.update(self.base.named_graphs())
            names.update(q.graph_name for q in self.diff.added)
            names.update(self._new_graphs)
            names -= self._dropped_graphs
        else:
            names.update(q.graph_name for q in self._quads(triple, None))
        for name in names:
            if not isinstance(name, ox.DefaultGraph):
                yield self._context(name)

    def add_graph(self, graph: Graph) -> None:
        name = _graph_to_ox(graph)
        if isinstance(name, ox.NamedNode | ox.BlankNode):
            self._new_graphs.add(name)
            self._dropped_graphs.discard(name)

    def remove_graph(self, graph: Graph) -> None:
        name = _graph_to_ox(graph)
        self.remove((None, None, None), graph)
        if isinstance(name, ox.NamedNode | ox.BlankNode):
            self._dropped_graphs.add(name)
            self._new_graphs.discard(name)

    def __len__(self, context: Any = None) -> int:  # type: ignore[override]
        return sum(1 for _ in self._quads((None, None, None), _graph_to_ox(context)))

    def bind(self, prefix: str, namespace: Any, override: bool = True) -> None:
        pass

    def namespace(self, prefix: str) -> None:
        return None

    def prefix(self, namespace: Any) -> None:
        return None

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        return iter(())


def update_diff(
    store: ox.Store,
    update: str,
    base_iri: str | None = None,
    load_allowlist: tuple[str, ...] = (),
    union_default_graph: bool = True,
    service_allowlist: tuple[str, ...] = (),
) -> Diff:
    """The diff a SPARQL 1.1 Update would make to ``store`` (https://www.w3.org/TR/sparql11-update/).

    Every update passes here (``/update``, ``update=`` on ``/sparql``, ``kg update``), so here the SERVICE
    policy is applied: a target outside ``service_allowlist`` is refused as it is for queries, and no update
    calls any SERVICE (rdflib's engine would: it is refused before and during evaluation).

    Raises:
        SyntaxError: the update is malformed.
        ServiceRefused: the update has a SERVICE clause.
        QueryTooDeep: it could overflow a parser's stack (:mod:`kg.depth`), or it nests deeper than rdflib's
            recursive parser and engine can follow.
    """
    upstream_patches.install()  # rdflib's update engine must not load USING/FROM IRIs nor union the Dataset
    check_depth(update)
    refuse_service(update, service_allowlist)  # a target outside the allowlist: the message queries get
    if targets := service_targets(update):  # one in it: updates call none
        raise _service_refusal(targets[0].text)
    try:
        prepared = translateUpdate(parseUpdate(update), base_iri)
    except RecursionError as err:
        raise QueryTooDeep("The update is nested too deeply for the update parser: refused.") from err
    except Exception as err:  # pyparsing and rdflib raise several types for a malformed request
        raise SyntaxError(f"malformed SPARQL Update: {err}") from err
    if isinstance(prepared, list):
        return Diff()  # rdflib's "Update" for a request with a prologue only (a valid, empty request)
    check_update_syntax(prepared.algebra)
    if (service := next(_services(prepared.algebra), None)) is not None:  # one the text scan missed
        raise _service_refusal(service.get("term").n3())
    operations = []
    for operation in prepared.algebra:
        if operation.name == "DeleteWhere" and any(isinstance(g, Variable) for g in operation.quads or {}):
            # rdflib's engine reads the variable as a relative IRI and would silently delete nothing.
            raise NotImplementedError(
                "DELETE WHERE with GRAPH ?variable is not supported here; "
                "write DELETE { GRAPH ?g { … } } WHERE { GRAPH ?g { … } } instead"
            )
        # LOAD would make this server fetch any URL (server-side request forgery): only listed sources.
        if operation.name == "Load" and str(operation.iri) not in load_allowlist:
            if operation.silent:
                continue  # LOAD SILENT: a refused source is a failure that SILENT turns into a no-op
            raise LoadRefused(f"LOAD <{operation.iri}> is refused: it is not in the LOAD allowlist")
        if operation.name == "Create":
            if not operation.silent and store.contains_named_graph(to_ox(operation.graphiri)):
                raise SyntaxError(f"CREATE GRAPH <{operation.graphiri}>: the graph already exists")  # or a 409
            continue  # graphs exist by their triples here: creating an empty one changes nothing
        operations.append(operation)
    prepared.algebra = operations
    overlay = OverlayStore(store, union_default_graph)
    try:
        Dataset(store=overlay).update(prepared)
    except RecursionError as err:  # rdflib evaluates the algebra recursively
        raise QueryTooDeep("The update is nested too deeply for the update engine: refused.") from err
    return _fresh_blank_nodes(overlay.diff, store).against(store)


def _fresh_blank_nodes(diff: Diff, store: ox.Store) -> Diff:
    """Give blank nodes that a request introduces fresh identities (SPARQL Update §3.1.1).

    Labels in a request are scoped to it: ``_:b1`` in two requests must be two nodes. A blank node already in
    the store (bound by a WHERE clause) keeps its identity.
    """
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def rename(term: Any) -> Any:
        if not isinstance(term, ox.BlankNode):
            return term
        if term not in fresh:
            known = any(True for _ in store.quads_for_pattern(term, None, None)) or any(
                True for _ in store.quads_for_pattern(None, None, term)
            )
            fresh[term] = term if known else ox.BlankNode()
        return fresh[term]

    added = {ox.Quad(rename(q.subject), q.predicate, rename(q.object), rename(q.graph_name)) for q in diff.added}
    return Diff(removed=diff.removed, added=added)


def check_update_syntax(operations: list[Any]) -> None:
    """What rdflib's parser lets through but SPARQL 1.1 Update §19.6 forbids.

    Raises:
        SyntaxError: a variable in INSERT DATA / DELETE DATA, a blank node in a DELETE, or a blank node label
            used by two INSERT DATA operations of the request.
    """
    labels: set[BNode] = set()
    for op in operations:
        triples = list(op.triples or []) if op.name in ("InsertData", "DeleteData", "DeleteWhere") else []
        quads = dict(op.quads or {}) if op.name in ("InsertData", "DeleteData", "DeleteWhere") else {}
        if op.name == "Modify" and op.delete:
            triples, quads = list(op.delete.triples or []), dict(op.delete.quads or {})
        terms = [t for triple in [*triples, *(x for q in quads.values() for x in q)] for t in triple]
        if op.name in ("InsertData", "DeleteData") and any(isinstance(t, Variable) for t in [*terms, *quads]):
            raise SyntaxError(f"{op.name}: variables are not allowed in data")
        if op.name != "InsertData" and any(isinstance(t, BNode) for t in terms):
            raise SyntaxError("blank nodes are not allowed in DELETE DATA, DELETE WHERE or a DELETE template")
        if op.name == "InsertData":
            mine = {t for t in terms if isinstance(t, BNode)}
            if mine & labels:
                raise SyntaxError("a blank node label is used in two INSERT DATA operations of one request")
            labels |= mine
