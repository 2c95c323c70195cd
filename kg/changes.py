"""Work out what a write would change, without changing anything: the diff of a SPARQL Update or GSP request.

pyoxigraph applies updates but cannot say what they changed, and the SHACL gate must validate a write
*before* it is committed. So :func:`update_diff` applies the protections (depth, SERVICE, LOAD allowlist, the
update dataset) and has the store's own engine evaluate the request into a :class:`Diff`
(:mod:`kg.update_eval`): the exact quads to remove and to add.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.depth import check_depth
from kg.errors import LoadRefused, UpdateDatasetConflict
from kg.federation import refuse_service, service_targets
from kg.sparql_text import split_operations
from kg.update_eval import check_syntax, evaluate, resolve, service_refusal


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


def update_diff(
    store: ox.Store,
    update: str,
    base_iri: str | None = None,
    load_allowlist: tuple[str, ...] = (),
    union_default_graph: bool = True,
    service_allowlist: tuple[str, ...] = (),
    *,
    using: tuple[str, ...] = (),
    using_named: tuple[str, ...] = (),
) -> Diff:
    """The diff a SPARQL 1.1 Update would make to ``store`` (https://www.w3.org/TR/sparql11-update/).

    Every update passes here (``/update``, ``update=`` on ``/sparql``, ``kg update``), so here the SERVICE
    policy is applied: a target outside ``service_allowlist`` is refused as it is for queries, and no update
    calls any SERVICE. ``using``/``using_named`` are the protocol's ``using-graph-uri`` /
    ``using-named-graph-uri`` (https://www.w3.org/TR/sparql11-protocol/#update-operation): the dataset of every
    WHERE clause, which a request that names its own (``WITH``, ``USING``) may not also have.

    Raises:
        SyntaxError: the update is malformed, or it creates a graph that exists.
        ServiceRefused: the update has a SERVICE clause.
        QueryTooDeep: it could overflow the parser's stack (:mod:`kg.depth`).
        LoadRefused: it loads a document that is not in ``load_allowlist``.
        UpdateDatasetConflict: the protocol's dataset and one in the update's text.
    """
    check_depth(update)
    refuse_service(update, service_allowlist)  # a target outside the allowlist: the message queries get
    if targets := service_targets(update):  # one in it: updates call none
        raise service_refusal(targets[0].text)
    check_syntax(update, base_iri)
    operations = split_operations(update)
    if (using or using_named) and any(op.names_dataset for op in operations):
        raise UpdateDatasetConflict(
            "The request gives a dataset twice: using-graph-uri / using-named-graph-uri, and WITH, USING or "
            "USING NAMED in the update (SPARQL 1.1 Protocol 2.2.3); give one of them."
        )
    allowed = []
    for op in operations:
        # LOAD would make this server fetch any URL (server-side request forgery): only listed sources.
        if op.kind == "LOAD" and (source := resolve(op, op.graphs[:1], base_iri)[0].value) not in load_allowlist:
            if op.silent:
                continue  # LOAD SILENT: a refused source is a failure that SILENT turns into a no-op
            raise LoadRefused(f"LOAD <{source}> is refused: it is not in the LOAD allowlist")
        allowed.append(op)
    diff = evaluate(
        store,
        allowed,
        Diff(),
        base_iri=base_iri,
        union_default_graph=union_default_graph,
        using=using,
        using_named=using_named,
    )
    return diff.against(store)
