"""SPARQL 1.1 Update evaluated by the store's own engine, into a diff instead of the store.

pyoxigraph applies updates but cannot say what they changed, and the SHACL gate must see a write *before* it
is committed. So each operation of a request (:mod:`kg.sparql_text` cuts them out) is handed back to pyoxigraph
as a read-only query whose answer is the quads the operation deletes and inserts
(https://www.w3.org/TR/sparql11-update/#deleteInsert):

* ``DELETE``/``INSERT … WHERE``, ``DELETE WHERE``, ``INSERT DATA``, ``DELETE DATA``: one ``CONSTRUCT`` per
  operation whose template carries every template triple as an RDF 1.2 triple term, its graph as the subject
  and deletion or insertion as the predicate (``?g <…#insert> <<( ?s ?p _:b )>>``). pyoxigraph instantiates it
  by SPARQL's rules: a triple with an unbound variable or a literal subject is skipped, blank nodes are fresh
  for each solution and shared across the template. The template's abbreviations are expanded by reading it
  as TriG first (variables written as IRIs). ``WITH``/``USING``/``USING NAMED`` and the protocol's
  ``using-graph-uri``/``using-named-graph-uri`` become the query's dataset; without one the WHERE reads the
  store's default dataset (the union of the graphs when the store serves it so), and writes without ``GRAPH``
  go to the real default graph.
* ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``, ``COPY``, ``MOVE``: directly on quads (``DEFAULT`` is the real
  default graph). ``LOAD`` (already allowed by :func:`kg.changes.update_diff`) runs in a scratch store.

Each operation sees the effects of the earlier ones. While the pending diff is empty they read the store itself;
after that, an operation with a WHERE clause reads an in-memory copy of the store with the diff applied, made
once per request: it costs a copy of every quad (memory and time in the size of the store), and happens only
for a request with a pattern-reading operation after one that changed something. One operation, or requests of
``INSERT DATA``/``DELETE DATA`` and graph-management operations only, never copy.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import ServiceRefused
from kg.federation import service_targets
from kg.sparql_text import Operation, prologue_end, template_to_trig

if TYPE_CHECKING:
    from kg.changes import Diff

#: Two operations that parse and cannot both run (the second CREATE fails): the syntax check's stop.
_STOP = "CREATE GRAPH <urn:x-kg:syntax-check> ; CREATE GRAPH <urn:x-kg:syntax-check> ; "
_POSITION = re.compile(r"^error at (\d+):(\d+)")
_DELETE = "urn:x-kg:update#delete"
_INSERT = "urn:x-kg:update#insert"

Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


def service_refusal(target: str) -> ServiceRefused:
    return ServiceRefused(
        f"SERVICE {target} is not allowed in an update: updates never call an endpoint, not even one in the "
        "server's SERVICE allowlist (KG_SERVICE_ALLOWLIST); query it on /sparql and write what you need with "
        "INSERT DATA."
    )


def check_syntax(update: str, base_iri: str | None) -> None:
    """Parse the request with pyoxigraph, so a malformed one gets pyoxigraph's message at the user's line/column.

    The request runs on an empty in-memory store behind two operations that stop it before any of its own runs
    (the second ``CREATE`` of one graph fails): a ``LOAD`` is parsed, never executed.

    Raises:
        SyntaxError: the request is not SPARQL 1.1 Update.
    """
    at = prologue_end(update)
    try:
        ox.Store().update(update[:at] + " " + _STOP + update[at:], base_iri=base_iri)
    except SyntaxError as err:
        raise SyntaxError("malformed SPARQL Update: " + _shift(str(err), update, at, len(_STOP) + 1)) from None
    except RuntimeError as err:
        if "already exists" not in str(err):
            raise
        return
    raise RuntimeError("the syntax check ran the request")  # unreachable while CREATE refuses an existing graph


def _shift(message: str, update: str, at: int, length: int) -> str:
    """The message with the position of the error in the user's text, not in the checked one."""
    match = _POSITION.match(message)
    if match is None:
        return message
    line, column = int(match.group(1)), int(match.group(2))
    at_line = update.count("\n", 0, at) + 1
    at_column = at - (update.rfind("\n", 0, at) + 1)  # 0-based
    if line == at_line and column - 1 >= at_column:
        column = column - length if column - 1 >= at_column + length else at_column + 1
    return f"error at {line}:{column}" + message[match.end() :]


class _State:
    """The store plus the request's pending diff; the in-memory copy is made on the first read that needs it."""

    def __init__(self, store: ox.Store, diff: Diff) -> None:
        self.store = store
        self.diff = diff
        self.copy: ox.Store | None = None

    def reader(self) -> ox.Store:
        if self.copy is None and self.diff:
            self.copy = ox.Store()
            self.copy.extend(q for q in self.store if q not in self.diff.removed)
            self.copy.extend(self.diff.added)
        return self.copy or self.store

    def quads(self, graph: Graph | None) -> list[ox.Quad]:
        if self.copy is not None:
            return list(self.copy.quads_for_pattern(None, None, None, graph))
        quads = [q for q in self.store.quads_for_pattern(None, None, None, graph) if q not in self.diff.removed]
        return quads + [q for q in self.diff.added if graph is None or q.graph_name == graph]

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return self.store.contains_named_graph(graph) or any(q.graph_name == graph for q in self.diff.added)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        for quad in list(quads):
            self.diff.remove(quad)
            if self.copy is not None:
                self.copy.remove(quad)

    def add(self, quads: Iterable[ox.Quad]) -> None:
        for quad in list(quads):
            self.diff.add(quad)
            if self.copy is not None:
                self.copy.add(quad)


def evaluate(
    store: ox.Store,
    operations: list[Operation],
    diff: Diff,
    *,
    base_iri: str | None = None,
    union_default_graph: bool = True,
    using: tuple[str, ...] = (),
    using_named: tuple[str, ...] = (),
) -> Diff:
    """Add to ``diff`` what ``operations`` (checked by :func:`kg.changes.update_diff`) would do to ``store``.

    Raises:
        SyntaxError: ``CREATE`` of a graph that exists, or a template this evaluator cannot read.
        ServiceRefused: a WHERE clause has a SERVICE (defence in depth: the request was checked before).
    """
    state = _State(store, diff)
    for op in operations:
        if op.kind in ("INSERT DATA", "DELETE DATA", "DELETE WHERE", "MODIFY"):
            _modify(state, op, base_iri, union_default_graph, using, using_named)
        elif op.kind == "LOAD":
            _load(state, op, base_iri)
        else:
            _manage(state, op, base_iri)
    return diff


def resolve(op: Operation, names: list[str], base_iri: str | None) -> list[ox.NamedNode]:
    """The IRIs that IRIs or prefixed names written in ``op`` stand for, resolved by pyoxigraph."""
    if not names:
        return []
    variables = " ".join(f"?v{i}" for i in range(len(names)))
    query = f"{op.prologue}\nSELECT * WHERE {{ VALUES ({variables}) {{ ({' '.join(names)}) }} }}"
    row = next(iter(ox.Store().query(query, base_iri=base_iri)))  # type: ignore[arg-type]
    return [row[f"v{i}"] for i in range(len(names))]


def _graph(op: Operation, name: str, base_iri: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name == "DEFAULT" else resolve(op, [name], base_iri)[0]


def _sparql(term: object, variables: str, blanks: dict[str, str]) -> str:
    """A template term, back in SPARQL syntax (variables from their IRIs, blank nodes relabelled)."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(variables):
        return "?" + term.value[len(variables) :]
    if isinstance(term, ox.BlankNode):
        return blanks.setdefault(term.value, f"_:kgt{len(blanks)}x{uuid.uuid4().hex[:8]}")
    if isinstance(term, ox.Triple):
        parts = (_sparql(t, variables, blanks) for t in (term.subject, term.predicate, term.object))
        return "<<( " + " ".join(parts) + " )>>"
    return str(term)


def _template(
    op: Operation, text: str, kind: str, base_iri: str | None, marker: str, blanks: dict[str, str]
) -> list[str]:
    """The template's quads as CONSTRUCT template lines ``graph <kind> <<( s p o )>> .``."""
    variables = f"urn:x-kg-var:{uuid.uuid4().hex}:"
    trig = op.prologue + "\n" + template_to_trig(text, lambda name: f"<{variables}{name}>")
    try:
        quads = list(ox.parse(trig, format=ox.RdfFormat.TRIG, base_iri=base_iri))
    except SyntaxError as err:  # e.g. a literal as a subject, which SPARQL parses but never instantiates
        raise SyntaxError(f"this endpoint cannot read the update's template: {err}") from None
    lines = []
    for quad in quads:
        graph = marker if isinstance(quad.graph_name, ox.DefaultGraph) else _sparql(quad.graph_name, variables, {})
        lines.append(f"{graph} <{kind}> {_sparql(quad.triple, variables, blanks)} .")
    return lines


def _modify(
    state: _State,
    op: Operation,
    base_iri: str | None,
    union: bool,
    using: tuple[str, ...],
    using_named: tuple[str, ...],
) -> None:
    default = f"urn:x-kg:default-graph:{uuid.uuid4().hex}"
    marker = str(resolve(op, [op.with_graph], base_iri)[0]) if op.with_graph else f"<{default}>"
    blanks: dict[str, str] = {}
    template = [
        line
        for text, kind in ((op.delete, _DELETE), (op.insert, _INSERT))
        if text is not None
        for line in _template(op, text, kind, base_iri, marker, blanks)
    ]
    if not template:
        return
    where = op.where or "{}"
    if targets := service_targets(where):
        raise service_refusal(targets[0].text)
    query = op.prologue + "\nCONSTRUCT {\n" + "\n".join(template) + "\n} WHERE " + where
    dataset: dict[str, object] = {}
    if op.using or op.using_named or using or using_named:
        dataset["default_graph"] = resolve(op, op.using, base_iri) or [ox.NamedNode(g) for g in using]
        dataset["named_graphs"] = resolve(op, op.using_named, base_iri) or [ox.NamedNode(g) for g in using_named]
    elif op.with_graph:
        dataset["default_graph"] = [ox.NamedNode(marker[1:-1])]
    else:
        dataset["use_default_graph_as_union"] = union
    reader = state.reader() if op.where is not None else ox.Store()  # DATA reads nothing
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    for triple in reader.query(query, base_iri=base_iri, **dataset):  # type: ignore[union-attr, arg-type]
        inner = triple.object
        graph = ox.DefaultGraph() if triple.subject.value == default else triple.subject
        quad = ox.Quad(inner.subject, inner.predicate, inner.object, graph)
        (removed if triple.predicate.value == _DELETE else added).append(quad)
    state.remove(removed)
    state.add(added)


def _load(state: _State, op: Operation, base_iri: str | None) -> None:
    scratch = ox.Store()
    scratch.update(op.prologue + "\nLOAD " + ("SILENT " if op.silent else "") + _load_operands(op), base_iri=base_iri)
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def rename(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> object:
        return fresh.setdefault(term, ox.BlankNode()) if isinstance(term, ox.BlankNode) else term

    state.add(ox.Quad(rename(q.subject), q.predicate, rename(q.object), rename(q.graph_name)) for q in scratch)  # type: ignore[arg-type]


def _load_operands(op: Operation) -> str:
    source = op.graphs[0]
    return source if len(op.graphs) == 1 else f"{source} INTO GRAPH {op.graphs[1]}"


def _manage(state: _State, op: Operation, base_iri: str | None) -> None:
    """CLEAR, DROP, CREATE, ADD, MOVE, COPY (https://www.w3.org/TR/sparql11-update/#graphManagement)."""
    if op.kind in ("CLEAR", "DROP"):
        name = op.graphs[0]
        if name == "ALL":
            state.remove(state.quads(None))
        elif name == "NAMED":
            state.remove(q for q in state.quads(None) if not isinstance(q.graph_name, ox.DefaultGraph))
        else:
            state.remove(state.quads(_graph(op, name, base_iri)))
    elif op.kind == "CREATE":
        graph = _graph(op, op.graphs[0], base_iri)
        if not op.silent and isinstance(graph, ox.NamedNode) and state.has_graph(graph):
            raise SyntaxError(f"CREATE GRAPH {graph}: the graph already exists")
        # graphs exist by their triples here: creating an empty one changes nothing
    else:
        source, target = (_graph(op, name, base_iri) for name in op.graphs[:2])
        if source == target:
            return
        copies = [ox.Quad(q.subject, q.predicate, q.object, target) for q in state.quads(source)]
        if op.kind in ("COPY", "MOVE"):
            state.remove(state.quads(target))
        if op.kind == "MOVE":
            state.remove(state.quads(source))
        state.add(copies)
