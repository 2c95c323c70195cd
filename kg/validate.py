"""SHACL validation of the graph with pyshacl; knows nothing of HTTP.

The shapes are every ``*.ttl`` in ``shapes/``; the ontology is given to pyshacl as the ontology
graph, so ``sh:targetClass`` reaches instances of subclasses (https://www.w3.org/TR/shacl/#targetClass).

Three engines give the same report: ``screen`` (the default of :func:`validate_quads`) finds the focus nodes that
may fail with one pyoxigraph query per constraint and has pyshacl validate only those (kg/validate_screen.py);
``oxigraph`` (the default of :func:`validate_graph`) runs the SHACL-SPARQL constraints as one query each on
pyoxigraph (kg/validate_sparql.py) and everything else in pyshacl; ``pyshacl`` runs all of it in pyshacl, one rdflib
query per focus node, and stays as the reference the equality tests compare with.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from kg import upstream_patches
from kg.changes import to_rdflib as term
from kg.iris import SH
from kg.validate_sparql import StoreEvaluator, StoreOf, store_of_graph, store_of_triples

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHAPES_DIR = PROJECT_DIR / "shapes"
ONTOLOGY_FILE = PROJECT_DIR / "ontology" / "kg.ttl"


class Engine(StrEnum):
    """Where constraints run (see the module's docstring)."""

    screen = "screen"
    oxigraph = "oxigraph"
    pyshacl = "pyshacl"


@dataclass(frozen=True)
class Result:
    """One validation result, as a reader needs it."""

    focus: str
    path: str
    message: str
    severity: str
    component: str
    shape: str
    value: str = ""

    def line(self) -> str:
        return f"{self.severity}: {self.message}\n  focus: {self.focus}\n  path: {self.path}\n  shape: {self.shape}"


@dataclass(frozen=True)
class Report:
    """The outcome of a validation: whether the data conforms, each result, and pyshacl's report graph."""

    conforms: bool
    results: tuple[Result, ...]
    graph: Graph

    def text(self) -> str:
        if self.conforms:
            return "Conforms: the graph passes every shape (0 violations)."
        lines = [f"Does not conform: {len(self.results)} result(s)."]
        lines += [r.line() for r in self.results]
        return "\n".join(lines)


def load_shapes(directory: Path = SHAPES_DIR) -> Graph:
    """All shapes files merged into one graph."""
    graph = Graph()
    for path in sorted(directory.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def load_ontology(path: Path = ONTOLOGY_FILE) -> Graph:
    return Graph().parse(path, format="turtle")


def class_hierarchy(ontology: Graph) -> Graph:
    """The ontology's rdfs:subClassOf triples between named classes: all that SHACL's class checks use."""
    hierarchy = Graph()
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            hierarchy.add((sub, RDFS.subClassOf, sup))
    return hierarchy


def to_rdflib(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """An rdflib graph of the triples (graph names dropped): pyshacl validates one data graph.

    Terms are converted one by one (faster than writing N-Triples and parsing them back), and blank nodes keep
    their labels, so a result's focus node names the node in the store.
    """
    graph = Graph()
    graph.addN((term(t.subject), term(t.predicate), term(t.object), graph) for t in triples)
    return graph


def _short(term: object) -> str:
    return "" if term is None else str(term)


def validate_graph(
    data: Graph,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    *,
    targets: Set[object] | None = None,
    inplace: bool = False,
    engine: Engine = Engine.oxigraph,
    store_of: StoreOf = store_of_graph,
) -> Report:
    """Validate ``data`` against the shapes, with the ontology's class hierarchy.

    ``targets`` (rdflib terms), if given, are the only focus nodes the shapes' targets may select: the gate
    validates a neighbourhood whose other nodes are described only as far as those focus nodes' shapes read.
    ``inplace`` lets pyshacl add the ontology to ``data`` itself instead of to a copy (for a graph built only
    to be validated). ``engine`` picks where SHACL-SPARQL constraints run (see the module's docstring; ``screen``
    needs quads: :func:`validate_quads`, and is ``oxigraph`` here);
    ``store_of`` makes the pyoxigraph store of pyshacl's data graph (data and ontology) for the ``oxigraph`` one.

    Raises:
        UpstreamVersionError: pyshacl or rdflib is at a version kg/upstream_patches.py does not know.
    """
    upstream_patches.install()
    evaluator = None if engine == Engine.pyshacl else StoreEvaluator(store_of)
    with upstream_patches.restricted_targets(targets), upstream_patches.sparql_evaluator(evaluator):
        conforms, report_graph, _ = pyshacl.validate(
            data,
            shacl_graph=shapes if shapes is not None else load_shapes(),
            ont_graph=ontology if ontology is not None else load_ontology(),
            inference="none",
            advanced=True,
            allow_warnings=False,
            inplace=inplace,
        )
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        get = report_graph.value
        results.append(
            Result(
                focus=_short(get(node, SH.focusNode)),
                path=_short(get(node, SH.resultPath)),
                message=_short(get(node, SH.resultMessage)),
                severity=_short(get(node, SH.resultSeverity)).rsplit("#", 1)[-1],
                component=_short(get(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                shape=_short(get(node, SH.sourceShape)),
                value=_short(get(node, SH.value)),
            )
        )
    results.sort(key=lambda r: (r.focus, r.path, r.message))
    return Report(bool(conforms), tuple(results), report_graph)


def validate_quads(quads: Iterable[ox.Quad], engine: Engine = Engine.screen, shapes: Graph | None = None) -> Report:
    """Validate compiled or stored quads (every named graph together), against ``shapes`` (default: shapes/).

    Raises:
        UpstreamVersionError: as :func:`validate_graph`.
    """
    quads = list(quads)
    ontology = load_ontology()
    shapes = shapes if shapes is not None else load_shapes()
    if engine == Engine.screen:
        from kg.validate_screen import validate_screened  # it reads with the gate, which imports this module

        report = validate_screened(quads, shapes, ontology)
        if report is not None:
            return report
        engine = Engine.oxigraph
    return validate_graph(
        to_rdflib(quads),
        shapes,
        ontology,
        inplace=True,
        engine=engine,
        # the quads are at hand: no need to read them back out of rdflib
        store_of=lambda _graph: store_of_triples(quads, ontology),
    )


__all__ = ["Engine", "Report", "Result", "load_ontology", "load_shapes", "validate_graph", "validate_quads"]
