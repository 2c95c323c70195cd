"""SHACL-SPARQL constraints run as one query each on pyoxigraph, in place of one rdflib query per focus node.

https://www.w3.org/TR/shacl/#sparql-constraints: a constraint's ``SELECT`` is evaluated with ``$this`` pre-bound
to each focus node. pyshacl runs it on rdflib's engine once per focus node, which took two thirds of a whole-graph
validation's time outside the core constraints (issue 17). Here the query runs once on a pyoxigraph store holding
the same data graph, with ``$this`` unbound, and its solutions are grouped by ``$this`` and kept for the focus
nodes pyshacl selected. That is the same as pre-binding when ``$this`` is projected and the query has no
sub-``SELECT`` (a pre-bound ``$this`` would reach inside it); any other query is left to pyshacl's own loop.
pyshacl still builds every result (message, value, path, severity, source constraint), so the report is its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from kg.changes import to_ox
from kg.changes import to_rdflib as term

#: A data graph's triples as a pyoxigraph store: built once per validation, on the first SPARQL constraint.
StoreOf = Callable[[Graph], ox.Store]

SELECT_KEYWORD = re.compile(r"\bSELECT\b", re.IGNORECASE)
_THIS = ox.Variable("this")


def store_of_graph(graph: Graph) -> ox.Store:
    """The triples of ``graph`` in a new in-memory pyoxigraph store.

    ``graph.triples`` rather than iteration: pyshacl wraps the data graph in a dataset whose iteration yields
    quads, and whose ``triples`` are those its queries see.
    """
    store = ox.Store()
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph.triples((None, None, None)))
    return store


def store_of_triples(triples: Iterable[ox.Triple | ox.Quad], extra: Graph | None = None) -> ox.Store:
    """A new in-memory store holding ``triples`` (graph names dropped) and ``extra``'s, all in the default graph.

    This is the data graph pyshacl validates when given the same triples and ``extra`` as its ontology graph.
    """
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    if extra is not None:
        store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in extra)
    return store


class StoreEvaluator:
    """Evaluates pyshacl's SPARQL constraints on a pyoxigraph store (the wrapper in kg/upstream_patches.py calls it).

    ``store_of`` makes the store from pyshacl's data graph the first time a constraint needs it; the data graph
    does not change during a validation.
    """

    def __init__(self, store_of: StoreOf = store_of_graph) -> None:
        self.store_of = store_of
        self.stores: dict[int, ox.Store] = {}

    def store(self, graph: Graph) -> ox.Store:
        key = id(graph)
        if key not in self.stores:
            self.stores[key] = self.store_of(graph)
        return self.stores[key]

    def violations(
        self, helper: Any, graph: Graph, focus: Iterable[Any]
    ) -> dict[Any, list[tuple[Any, Any, Any, dict[str, Any]]]] | None:
        """``(this, path, value, other bindings)`` of each solution, by focus node; None if the query cannot run
        unbound (see the module's docstring)."""
        focus = list(focus)
        if not focus:
            return None
        _, text = helper.pre_bind_variables(focus[0])
        text = helper.apply_prefixes(text)
        if len(SELECT_KEYWORD.findall(text)) != 1:
            return None
        solutions = self.store(graph).query(text)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        if "this" not in names or "failure" in names:
            return None
        wanted = set(focus)
        found: dict[Any, list[tuple[Any, Any, Any, dict[str, Any]]]] = {}
        for solution in solutions:
            this = solution[_THIS]
            if this is None:
                continue
            node = term(this)
            if node not in wanted:
                continue
            bound = {name: term(value) for name in names if (value := solution[name]) is not None}
            rows = found.setdefault(node, [])
            row = (bound.pop("this"), bound.pop("path", None), bound.pop("value", None), bound)
            if row not in rows:  # pyshacl drops repeated solutions the same way
                rows.append(row)
        return found

    def evaluate(self, component: Any, helper: Any, graph: Graph, f_v_dict: dict) -> tuple[bool, list] | None:
        """pyshacl's ``_evaluate_sparql_constraint`` for ``component``, or None to let pyshacl run it."""
        found = self.violations(helper, graph, f_v_dict)
        if found is None:
            return None
        kwargs = {"source_constraint": helper.node, "extra_messages": helper.messages or None}
        reports = []
        for focus in f_v_dict:
            default_value = None if component.shape.is_property_shape else focus
            for this, path, value, bound in found.get(focus, ()):
                value = default_value if value is None else value
                reports.append(
                    component.make_v_result(
                        graph,
                        this or focus,
                        value_node=value,
                        result_path=path,
                        bound_vars=(this, path, value, bound),
                        **kwargs,
                    )
                )
        return bool(reports), reports


__all__ = ["SELECT_KEYWORD", "StoreEvaluator", "StoreOf", "store_of_graph", "store_of_triples"]
