"""Issue 17: `kg validate` runs the SHACL-SPARQL constraints on pyoxigraph, with the report pyshacl gives.

The ``oxigraph`` engine (kg/validate_sparql.py) must report exactly what pyshacl alone (the ``pyshacl`` engine,
the reference) reports: every result's focus node, path, value, severity, message, component and shape.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.build import compile_sources
from kg.iris import KG, Minter
from kg.validate import Report, validate_graph, validate_quads

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
OA = "http://www.w3.org/ns/oa#"


def full(report: Report) -> list[tuple[str, ...]]:
    return sorted((r.focus, r.path, r.value, r.severity, r.message, r.component, r.shape) for r in report.results)


@pytest.mark.parametrize("fixture", sorted(p.stem for p in FIXTURES.glob("bad_*.ttl")))
def test_failing_fixture_gets_the_same_full_report_from_oxigraph_as_from_pyshacl(
    fixture: str, shapes: Graph, ontology: Graph
) -> None:
    data = Graph().parse(FIXTURES / f"{fixture}.ttl", format="turtle")  # one parse: the same blank nodes
    reference = validate_graph(data, shapes, ontology, engine="pyshacl")
    fast = validate_graph(data, shapes, ontology, engine="oxigraph")
    assert not fast.conforms
    assert full(fast) == full(reference), fast.text()


def _injected(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The compiled sources with one violation of most SHACL-SPARQL constraints and of a few core ones."""
    count, start, order = (ox.NamedNode(str(KG.characterCount)), ox.NamedNode(OA + "start"), KG.orderInSource)
    out, seen = [], set()
    for q in quads:
        p = q.predicate
        key = p.value
        if key in seen or p not in (count, start, ox.NamedNode(str(order))):
            out.append(q)
            continue
        seen.add(key)
        if p == count:  # SourceDocumentShape: characterCount differs from the text
            out.append(ox.Quad(q.subject, p, ox.Literal(str(int(q.object.value) + 1), datatype=q.object.datatype)))
        elif p == start:  # TextAnchorShape and friends: the span no longer selects its text
            out.append(ox.Quad(q.subject, p, ox.Literal("0", datatype=q.object.datatype), q.graph_name))
        else:  # Statement-orderInSource: a string, not an integer (core), and not the anchor's start (SPARQL)
            out.append(ox.Quad(q.subject, p, ox.Literal("first"), q.graph_name))
    assert len(seen) == 3
    return out


def test_corpus_with_injected_violations_gets_the_same_full_report_from_oxigraph_as_from_pyshacl() -> None:
    quads, _ = compile_sources(Minter())
    bad = _injected(quads)
    reference = validate_quads(bad, engine="pyshacl")
    fast = validate_quads(bad, engine="oxigraph")
    components = {r.component for r in fast.results}
    assert {"SPARQLConstraintComponent", "DatatypeConstraintComponent"} <= components, fast.text()
    assert full(fast) == full(reference), fast.text()


def test_compiled_sources_conform_under_both_engines() -> None:
    quads, _ = compile_sources(Minter())
    assert validate_quads(quads, engine="oxigraph").conforms
    assert validate_quads(quads, engine="pyshacl").conforms
