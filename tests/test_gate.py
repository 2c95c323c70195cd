"""The incremental SHACL gate (kg.gate): it reports what a whole-graph validation would, for every node a write can
affect, and reads no more of the store than the shapes do (a hub's thousands of incoming links stay out)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

import kg.gate
from kg.build import BuildResult
from kg.changes import Diff, update_diff
from kg.gate import Gate, Reads, UnsupportedShape
from kg.iris import Minter
from kg.validate import to_rdflib, validate_graph

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
GRAPH = ox.NamedNode("http://example.org/graph")
KG = "https://w3id.org/akg/ontology#"
OA = "http://www.w3.org/ns/oa#"
BASE = "https://w3id.org/akg/id/"
ARTICLE = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
STATEMENT = BASE + "statement/diplomat-2025-06-strategic-autonomy/kobayashi-not-swayed-quote"
CONCEPT = BASE + "concept/strategic-autonomy"
NAKATANI = BASE + "person/nakatani-gen"
PREFIXES = f"PREFIX kg: <{KG}> PREFIX oa: <{OA}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "

#: Fixtures whose violation shows on a node other than the one a write changes: SPARQL constraints that reach two
#: or three links away, inverse paths, sh:class checks of a neighbour's type.
NEIGHBOUR_FIXTURES = (
    "bad_capacity_not_held_by_speaker",
    "bad_nested_quotation_outside_outer_span",
    "bad_stance_target_not_about",
    "bad_statement_order_differs_from_anchor_start",
    "bad_anchor_text_mismatch",
    "bad_anchor_owner_not_derived_from_its_source",
    "bad_anchor_of_no_node",
    "bad_position_end_beyond_source",
    "bad_ordered_collection_member_not_in_list",
    "bad_list_cell_position_out_of_order",
    "bad_stance_of_no_statement",
    "bad_statement_mentions_a_concept",
    "bad_holding_office_not_a_post",
)


@pytest.fixture(scope="module")
def gate(shapes: Graph, ontology: Graph) -> Gate:
    return Gate(Minter(), shapes, ontology)


def key(result: object) -> tuple[str, str, str, str]:
    return (result.focus, result.path, result.component, result.shape)  # type: ignore[attr-defined]


def stored(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads as a store holds them (it keeps xsd:nonNegativeInteger as xsd:integer, for one)."""
    store = ox.Store()
    store.extend(quads)
    return sorted(store, key=str)


def store_of(quads: list[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


@pytest.mark.parametrize("name", NEIGHBOUR_FIXTURES)
def test_a_violation_that_shows_only_through_a_neighbour_is_caught(
    name: str, gate: Gate, shapes: Graph, ontology: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each fixture holds one violation. For each of its triples, adding it last (to a store holding the others)
    and removing it (from a store holding them all): the gate must report every violation the write brings in,
    also on nodes the triple is not about, and nothing a whole-graph validation of the result does not report."""
    monkeypatch.setattr(kg.gate, "check_protected", lambda diff, minter: None)  # source texts too: longer chains
    triples = ox.parse(path=str(FIXTURES / f"{name}.ttl"))
    quads = stored([ox.Quad(t.subject, t.predicate, t.object, GRAPH) for t in triples])
    whole = {key(r) for r in validate_graph(to_rdflib(quads), shapes, ontology).results}
    through_a_neighbour = 0
    for quad in quads:
        rest = [q for q in quads if q != quad]
        without = {key(r) for r in validate_graph(to_rdflib(rest), shapes, ontology).results}
        for state, diff, before, after in (
            (rest, Diff(added={quad}), without, whole),
            (quads, Diff(removed={quad}), whole, without),
        ):
            got = {key(r) for r in gate.judge(store_of(state), diff).report.results}
            assert after - before <= got, f"{diff}: brings in {after - before}, the gate saw {got}"
            assert got <= after, f"{diff}: the gate reports what the graph does not have: {got - after}"
            through_a_neighbour += any(focus != quad.subject.value for focus, *_ in after - before)
    assert through_a_neighbour, "no write of this fixture brings in a violation on another node"


@pytest.fixture(scope="module")
def build_quads(built: BuildResult) -> list[ox.Quad]:
    store = ox.Store.read_only(str(built.store_path))
    return list(store)


def test_untyping_a_speaker_is_refused_on_the_statements_that_name_him(gate: Gate, build_quads: list[ox.Quad]) -> None:
    store = store_of(build_quads)
    diff = update_diff(
        store, f"DELETE {{ GRAPH ?g {{ <{NAKATANI}> a ?t }} }} WHERE {{ GRAPH ?g {{ <{NAKATANI}> a ?t }} }}"
    )
    verdict = gate.judge(store, diff)
    assert not verdict.report.conforms
    foci = {r.focus for r in verdict.report.results}
    assert NAKATANI not in foci
    assert any("/statement/" in f for f in foci) and any("/holding/" in f for f in foci)


def replace_value(subject: str, predicate: str, value: str) -> str:
    """An update that replaces ``subject``'s ``predicate`` value by ``value`` in whichever graph holds it."""
    return (
        PREFIXES + f"DELETE {{ GRAPH ?g {{ {subject} {predicate} ?old }} }} "
        f"INSERT {{ GRAPH ?g {{ {subject} {predicate} {value} }} }} "
        f"WHERE {{ GRAPH ?g {{ {subject} {predicate} ?old }} }}"
    )


def test_moving_a_selector_is_caught_on_its_anchor_and_on_the_statement_two_links_away(
    gate: Gate, build_quads: list[ox.Quad]
) -> None:
    store = store_of(build_quads)
    update = replace_value(f"<{STATEMENT}/anchor/position>", "oa:start", "1")
    verdict = gate.judge(store, update_diff(store, update))
    messages = {(r.focus, r.message.split(" ")[0]) for r in verdict.report.results}
    assert (STATEMENT + "/anchor", "The") in messages  # "The source text at the anchor's offsets is …"
    assert (STATEMENT, "kg:orderInSource") in messages  # the statement reads its anchor's selector's start


def test_removing_a_link_is_refused_on_the_mapping_that_annotates_it(gate: Gate, build_quads: list[ox.Quad]) -> None:
    """The mapping reads ``?source ?property ?value`` with the predicate a variable bound by the mapping itself."""
    store = store_of(build_quads)
    state = BASE + "state/philippines"
    link = f"<{state}> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q928>"
    update = f"DELETE {{ GRAPH ?g {{ {link} }} }} WHERE {{ GRAPH ?g {{ {link} }} }}"
    verdict = gate.judge(store, update_diff(store, update))
    assert {r.focus for r in verdict.report.results} == {state + "/link/wikidata/Q928"}


def test_a_literal_failing_a_nested_shape_is_caught(gate: Gate, build_quads: list[ox.Quad]) -> None:
    """pyshacl's own focus_nodes option would let this through (it filters the values sh:or is tried on)."""
    store = store_of(build_quads)
    update = replace_value(f"<{BASE}date/diplomat-2025-06-strategic-autonomy/d-2025-04-15>", "kg:dateValue", '"soon"')
    verdict = gate.judge(store, update_diff(store, update))
    assert "OrConstraintComponent" in {r.component for r in verdict.report.results}


def test_a_hubs_incoming_links_are_not_read(gate: Gate, build_quads: list[ox.Quad]) -> None:
    """An alternative label on a concept reads the concept, not the statements about it: 2,000 more statements
    about it do not change what is validated (the old gate read every one of them, and their neighbours)."""
    insert = PREFIXES + f'INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{CONCEPT}> skos:altLabel "SA"@en }} }}'
    store = store_of(build_quads)
    small = gate.judge(store, update_diff(store, insert))
    assert small.report.conforms
    about = ox.NamedNode(KG + "about")
    store.extend(
        ox.Quad(
            ox.NamedNode(f"http://example.org/s{i}"), about, ox.NamedNode(CONCEPT), ox.NamedNode("http://example.org/g")
        )
        for i in range(2000)
    )
    large = gate.judge(store, update_diff(store, insert))
    assert large.report.conforms
    assert (large.validated_triples, large.focus_nodes) == (small.validated_triples, small.focus_nodes)
    assert small.validated_triples < 200


def test_a_type_change_on_a_hub_reaches_everything_that_points_at_it(gate: Gate, build_quads: list[ox.Quad]) -> None:
    """…whereas untyping the concept must check every statement that is kg:about it (sh:class)."""
    store = store_of(build_quads)
    update = f"DELETE {{ GRAPH ?g {{ <{CONCEPT}> a ?t }} }} WHERE {{ GRAPH ?g {{ <{CONCEPT}> a ?t }} }}"
    verdict = gate.judge(store, update_diff(store, update))
    about = {r.focus for r in verdict.report.results if r.path == KG + "about"}
    expected = {
        q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(KG + "about"), ox.NamedNode(CONCEPT))
    }
    assert about == expected and len(expected) > 20


def test_shapes_the_analysis_cannot_follow_are_refused(shapes: Graph) -> None:
    closed = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . <http://example.org/S> a sh:NodeShape ; sh:closed true .",
        format="turtle",
    )
    with pytest.raises(UnsupportedShape):
        Reads.of(shapes + closed)
