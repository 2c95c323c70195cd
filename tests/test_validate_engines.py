"""Issue 17: `kg validate` runs constraints on pyoxigraph, with the report pyshacl gives.

The ``oxigraph`` engine (kg/validate_sparql.py) and the ``screen`` engine (kg/validate_screen.py) must report
exactly what pyshacl alone (the ``pyshacl`` engine, the reference) reports: every result's focus node, path, value,
severity, message, component and shape. The screen is given what ``kg validate`` gives it, quads read back from a
store, and must not fall back to the reference on them.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.build import compile_sources
from kg.changes import to_ox
from kg.iris import KG, Minter
from kg.validate import Report, load_ontology, load_shapes, validate_graph, validate_quads
from kg.validate_screen import validate_screened

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


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


def _stored(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads as a store gives them back (as `kg validate` reads them): literals normalised."""
    store = ox.Store()
    store.extend(quads)
    return list(store)


def _screened(quads: list[ox.Quad], shapes: Graph) -> Report:
    report = validate_screened(quads, shapes, load_ontology())
    assert report is not None, "the screen fell back to validating everything"
    return report


@pytest.mark.parametrize("fixture", sorted(p.stem for p in FIXTURES.glob("bad_*.ttl")))
def test_failing_fixture_read_from_a_store_gets_the_same_full_report_from_screen_as_from_pyshacl(
    fixture: str, shapes: Graph
) -> None:
    data = Graph().parse(FIXTURES / f"{fixture}.ttl", format="turtle")
    quads = _stored([ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in data])
    reference = validate_quads(quads, engine="pyshacl", shapes=shapes)  # one parse: the same blank-node paths
    fast = _screened(quads, shapes)
    assert not fast.conforms
    assert full(fast) == full(reference), fast.text()


def _more_injected(quads: list[ox.Quad]) -> list[ox.Quad]:
    """:func:`_injected`, and a speaker that is a literal (sh:class), an office holding without its status
    (sh:minCount), a second title (sh:maxCount) and a label without a language (sh:datatype)."""
    speaker, status, title, label = (str(KG.speaker), str(KG.holdingStatus), DCTERMS + "title", RDFS + "label")
    out, seen = [], set()
    for q in _injected(quads):
        key = q.predicate.value
        if (
            key in seen
            or key not in (speaker, status, title, label)
            or not isinstance(q.object, ox.Literal | ox.NamedNode)
        ):
            out.append(q)
            continue
        seen.add(key)
        if key == speaker:
            out.append(ox.Quad(q.subject, q.predicate, ox.Literal("somebody"), q.graph_name))
        elif key == title:
            out += [q, ox.Quad(q.subject, q.predicate, ox.Literal("Another title", language="en"), q.graph_name)]
        elif key == label:
            out.append(ox.Quad(q.subject, q.predicate, ox.Literal(q.object.value), q.graph_name))
        # the holding status is left out
    assert len(seen) == 4
    return out


def test_stored_corpus_with_injected_violations_gets_the_same_full_report_from_screen_as_from_pyshacl(
    shapes: Graph,
) -> None:
    quads, _ = compile_sources(Minter())
    bad = _stored(_more_injected(_stored(quads)))
    reference = validate_quads(bad, engine="pyshacl", shapes=shapes)
    fast = _screened(bad, shapes)
    components = {r.component for r in fast.results}
    expected = {"SPARQL", "Datatype", "Class", "MinCount", "MaxCount"}
    assert {f"{c}ConstraintComponent" for c in expected} <= components, fast.text()
    assert full(fast) == full(reference), fast.text()


def test_compiled_sources_with_literals_a_store_would_rewrite_conform_under_the_screen_engine() -> None:
    quads, _ = compile_sources(Minter())  # offsets typed xsd:nonNegativeInteger: the screen falls back
    assert validate_screened(quads, load_shapes(), load_ontology()) is None
    assert validate_quads(quads, engine="screen").conforms


UNWRITTEN_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:TwoLabels a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path rdfs:label ; sh:minCount 2 ; sh:equals rdfs:comment ] .
"""


def test_a_constraint_the_screen_cannot_write_screens_in_every_target_of_its_shape() -> None:
    shapes = Graph().parse(data=UNWRITTEN_SHAPES, format="turtle")
    ex, label, comment = "https://example.org/", RDFS + "label", RDFS + "comment"
    typed = [ox.Quad(ox.NamedNode(ex + n), ox.NamedNode(RDF_TYPE), ox.NamedNode(ex + "Thing")) for n in "ab"]
    quads = _stored(
        typed
        + [ox.Quad(ox.NamedNode(ex + "a"), ox.NamedNode(label), ox.Literal("A"))]
        + [ox.Quad(ox.NamedNode(ex + "b"), ox.NamedNode(p), ox.Literal(v)) for p, v in ((label, "B"), (comment, "C"))]
    )
    reference = validate_quads(quads, engine="pyshacl", shapes=shapes)
    fast = _screened(quads, shapes)
    assert {r.component for r in fast.results} == {"MinCountConstraintComponent", "EqualsConstraintComponent"}
    assert full(fast) == full(reference), fast.text()
