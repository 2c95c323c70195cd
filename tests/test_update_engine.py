"""SPARQL Update evaluated by the store's own engine (issue 14, items 4 and 5): the instantiation rules of SPARQL
1.1 Update §3.1.3 as pyoxigraph applies them (kg/update_eval.py), the request's cutting (kg/sparql_text.py), the
update dataset parameters of the protocol and multipart POST on the Graph Store, on a real store and server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kg.changes import Diff, update_diff
from kg.sparql_text import split_operations
from kg.store import OxigraphStore
from kg.update_eval import check_syntax, evaluate
from tests.conformance.server import AUTHORIZATION, conformance_client
from tests.witness import loopback_witness

EX = "http://example.org/"
P, Q = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
G1, G2 = ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")


def node(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def store_of(*quads: ox.Quad) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


def diff_of(store: ox.Store, update: str, **kwargs: object) -> Diff:
    """The diff of ``update`` by the new evaluator itself (no protections), as the engine computes it."""
    return evaluate(store, split_operations(update), Diff(), base_iri=EX, **kwargs).against(store)  # type: ignore[arg-type]


# --- instantiation rules -----------------------------------------------------------------------------------------


def test_template_blank_nodes_are_fresh_per_solution_and_shared_across_the_template() -> None:
    store = store_of(ox.Quad(node("a"), P, ox.Literal("1"), G1), ox.Quad(node("b"), P, ox.Literal("2"), G1))
    diff = diff_of(
        store,
        f"INSERT {{ ?s <{EX}q> _:x . GRAPH <{G2.value}> {{ _:x <{EX}p> ?o }} }} "
        f"WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }}",
    )
    assert len(diff.added) == 4 and not diff.removed
    by_subject = {q.subject: q.object for q in diff.added if q.predicate == Q}
    assert set(by_subject) == {node("a"), node("b")}
    blank_a, blank_b = by_subject[node("a")], by_subject[node("b")]
    assert isinstance(blank_a, ox.BlankNode) and isinstance(blank_b, ox.BlankNode) and blank_a != blank_b
    in_g2 = {q.subject: q.object for q in diff.added if q.graph_name == G2}
    assert in_g2 == {blank_a: ox.Literal("1"), blank_b: ox.Literal("2")}  # the same node in both parts


def test_template_triples_with_an_unbound_variable_are_skipped() -> None:
    store = store_of(ox.Quad(node("a"), P, ox.Literal("1")))
    diff = diff_of(store, f"INSERT {{ ?s <{EX}q> ?missing . ?s <{EX}q> 'kept' }} WHERE {{ ?s <{EX}p> ?o }}")
    assert diff.added == {ox.Quad(node("a"), Q, ox.Literal("kept"))}


def test_template_triples_with_a_literal_subject_are_skipped() -> None:
    store = store_of(ox.Quad(node("a"), P, ox.Literal("1")), ox.Quad(node("b"), P, node("c")))
    diff = diff_of(store, f"INSERT {{ ?o <{EX}q> ?s }} WHERE {{ ?s <{EX}p> ?o }}")
    assert diff.added == {ox.Quad(node("c"), Q, node("b"))}


def test_each_operation_sees_the_effects_of_the_earlier_ones() -> None:
    store = store_of(ox.Quad(node("a"), P, ox.Literal("1")))
    diff = diff_of(
        store,
        f"INSERT DATA {{ <{EX}b> <{EX}p> '2' }} ; "
        f"INSERT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }} ; "
        f"DELETE WHERE {{ <{EX}a> ?p ?o }}",
    )
    assert diff.removed == {ox.Quad(node("a"), P, ox.Literal("1"))}
    assert diff.added == {ox.Quad(node("b"), P, ox.Literal("2")), ox.Quad(node("b"), Q, ox.Literal("2"))}


def test_using_without_using_named_hides_the_named_graphs() -> None:
    store = store_of(ox.Quad(node("a"), P, ox.Literal("1"), G1), ox.Quad(node("a"), P, ox.Literal("1"), G2))
    update = (
        f"DELETE {{ GRAPH <{G1.value}> {{ ?s ?p ?o }} }} USING <{G1.value}> "
        f"WHERE {{ GRAPH <{G2.value}> {{ ?s ?p ?o }} }}"
    )
    assert not update_diff(store, update, union_default_graph=False)
    assert not diff_of(store, update)


def test_with_names_the_graph_of_the_where_clause_and_of_the_templates() -> None:
    store = store_of(ox.Quad(node("a"), P, ox.Literal("1"), G1), ox.Quad(node("b"), P, ox.Literal("2"), G2))
    diff = diff_of(store, f"WITH <{G1.value}> INSERT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }}")
    assert diff.added == {ox.Quad(node("a"), Q, ox.Literal("1"), G1)}


def test_the_union_default_graph_is_read_but_writes_go_to_the_real_default_graph() -> None:
    store = store_of(ox.Quad(node("a"), P, ox.Literal("1"), G1))
    update = f"INSERT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }} ; DELETE WHERE {{ ?s <{EX}p> ?o }}"
    union = diff_of(store, update, union_default_graph=True)
    assert union.added == {ox.Quad(node("a"), Q, ox.Literal("1"), ox.DefaultGraph())}
    assert not union.removed  # the pattern matched in G1, the deletion is from the (empty) real default graph
    assert not diff_of(store, update, union_default_graph=False)


# --- the syntax check and the request's text ----------------------------------------------------------------------


@pytest.fixture()
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback listener that records every connection: what an executed LOAD would reach."""
    with loopback_witness() as (port, connections):
        yield f"http://127.0.0.1:{port}/data.ttl", connections


def test_the_syntax_check_never_executes_a_load(listener: tuple[str, list[bytes]]) -> None:
    url, connections = listener
    check_syntax(f"PREFIX : <{EX}> LOAD <{url}> ; LOAD <{url}> INTO GRAPH :g", None)
    assert connections == []


@pytest.mark.parametrize(
    "text",
    [
        f"PREFIX : <{EX}>\nINSERT DATA {{ :a :b }}",  # after the prologue, on the next line
        f"PREFIX : <{EX}> INSERT DATA {{ :a :b }}",  # on the prologue's line
        "INSERT DATA { <urn:a> <urn:b> }",  # no prologue
    ],
)
def test_a_malformed_update_is_reported_where_pyoxigraph_reports_it_in_the_users_text(text: str) -> None:
    with pytest.raises(SyntaxError) as direct:
        ox.Store().update(text)  # safe here: no LOAD
    position = str(direct.value).split(":", 2)[:2]
    with pytest.raises(SyntaxError) as checked:
        update_diff(ox.Store(), text)
    assert str(checked.value).removeprefix("malformed SPARQL Update: ").split(":", 2)[:2] == position


def test_strings_iris_and_comments_do_not_cut_operations() -> None:
    text = (
        f"PREFIX : <{EX}>\n"
        "INSERT DATA { :a :p '''x ; } { ''' , \"; }\" , <urn:a;b> } # ; DROP ALL }\n"
        "; CLEAR GRAPH :g"
    )
    assert [op.kind for op in split_operations(text)] == ["INSERT DATA", "CLEAR"]
    (added,) = [update_diff(ox.Store(), text).added]
    assert {q.object for q in added} == {ox.Literal("x ; } { "), ox.Literal("; }"), ox.NamedNode("urn:a;b")}


# --- the protocol: dataset parameters and multipart POST, over HTTP -------------------------------------------------


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore.in_memory(union_default_graph=True)


@pytest.fixture(scope="module")
def client(store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with conformance_client(store, tmp_path_factory.mktemp("update-engine")) as http:
        yield http


@pytest.mark.parametrize("endpoint", ["/update", "/sparql"])
def test_using_graph_uri_parameter_is_the_dataset_of_the_where_clause(
    client: httpx.Client, store: OxigraphStore, endpoint: str
) -> None:
    store.raw.clear()
    store.raw.extend([ox.Quad(node("a"), P, ox.Literal("1"), G1), ox.Quad(node("b"), P, ox.Literal("2"), G2)])
    update = f"INSERT {{ GRAPH <{EX}out> {{ ?s <{EX}q> ?o }} }} WHERE {{ ?s <{EX}p> ?o }}"
    r = client.post(endpoint, params={"using-graph-uri": G1.value}, data={"update": update}, headers=AUTHORIZATION)
    assert r.status_code == 200, r.text
    assert set(store.raw.quads_for_pattern(None, Q, None)) == {ox.Quad(node("a"), Q, ox.Literal("1"), node("out"))}


@pytest.mark.parametrize("endpoint", ["/update", "/sparql"])
def test_update_with_dataset_parameters_and_a_with_clause_is_refused_400(
    client: httpx.Client, store: OxigraphStore, endpoint: str
) -> None:
    store.raw.clear()
    store.raw.add(ox.Quad(node("a"), P, ox.Literal("1"), G1))
    update = f"WITH <{G1.value}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    r = client.post(
        endpoint,
        params={"using-named-graph-uri": G2.value},
        content=update,
        headers={**AUTHORIZATION, "Content-Type": "application/sparql-update"},
    )
    assert r.status_code == 400, r.text
    assert "dataset twice" in r.text
    assert len(store.raw) == 1


def test_update_with_an_invalid_using_graph_uri_is_refused_400(client: httpx.Client) -> None:
    r = client.post(
        "/update", params={"using-graph-uri": "not an iri"}, data={"update": "CLEAR DEFAULT"}, headers=AUTHORIZATION
    )
    assert r.status_code == 400, r.text
    assert "using-graph-uri" in r.text


def test_graph_store_post_multipart_merges_every_part_into_the_graph(
    client: httpx.Client, store: OxigraphStore, tmp_path: Path
) -> None:
    store.raw.clear()
    files = [
        ("first", ("a.ttl", f"<{EX}a> <{EX}p> 'turtle' .", "text/turtle")),
        ("second", ("b.nt", f'<{EX}a> <{EX}q> "n-triples" .\n', "application/n-triples")),
    ]
    r = client.post("/store", params={"graph": G1.value}, files=files, headers=AUTHORIZATION)
    assert r.status_code in (200, 201), r.text
    assert set(store.raw.quads_for_pattern(None, None, None, G1)) == {
        ox.Quad(node("a"), P, ox.Literal("turtle"), G1),
        ox.Quad(node("a"), Q, ox.Literal("n-triples"), G1),
    }


def test_graph_store_post_multipart_with_a_part_of_unknown_type_is_415_and_writes_nothing(
    client: httpx.Client, store: OxigraphStore
) -> None:
    store.raw.clear()
    files = [
        ("first", ("a.ttl", f"<{EX}a> <{EX}p> 'turtle' .", "text/turtle")),
        ("second", ("b.txt", "hello", "application/octet-stream")),
    ]
    r = client.post("/store", params={"graph": G1.value}, files=files, headers=AUTHORIZATION)
    assert r.status_code == 415, r.text
    assert "'application/octet-stream'" in r.text  # the part's type, not the body's
    assert len(store.raw) == 0
