"""`kg build --drafts`: drafts of `kg annotate` in their own typed named graphs, which the competency queries and
the dumps leave out unless asked; without --drafts the build still refuses them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.annotations import SOURCES_DIR
from kg.build import BuildResult, build, compile_sources
from kg.cli import app
from kg.errors import AnnotationError
from kg.iris import KG, PROV, RDF, RDFS, Minter
from kg.queries import examples
from kg.store import OxigraphStore

FIXTURE = Path(__file__).parent / "fixtures" / "annotate" / "straight_quotes.txt"
runner = CliRunner()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reviewed seed article plus a draft that `kg annotate` wrote for a small invented text."""
    directory = tmp_path_factory.mktemp("sources")
    for path in SOURCES_DIR.glob("*"):
        shutil.copy(path, directory / path.name)
    shutil.copy(FIXTURE, directory / FIXTURE.name)
    args = ["annotate", str(directory / FIXTURE.name), "--out", str(directory / "straight_quotes.yaml")]
    result = runner.invoke(app, [*args, "--published", "2025-06-04", "--store", "/nonexistent"])
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture(scope="module")
def with_drafts(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(tmp_path_factory.mktemp("build-drafts"), Minter(), sources, drafts=True)


def _rows(store: OxigraphStore, query: str) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in row) for row in store.query(query))  # type: ignore[union-attr]


def test_build_without_drafts_still_refuses_a_file_with_suggestions_and_names_the_option(sources: Path) -> None:
    with pytest.raises(AnnotationError, match=r"unreviewed suggestion.*kg build --drafts"):
        compile_sources(Minter(), sources)


def test_each_draft_is_its_own_named_graph_typed_and_labelled_unreviewed(with_drafts: BuildResult) -> None:
    store = OxigraphStore.open(with_drafts.store_path, include_drafts=True)
    graph = ox.NamedNode(Minter().draft_graph("straight-quotes"))
    assert graph.value in store.graphs()
    types = {q.object.value for q in store.raw.quads_for_pattern(graph, ox.NamedNode(str(RDF.type)), None, graph)}
    assert types == {str(KG.DraftGraph), str(PROV.Entity)}
    comment = next(store.raw.quads_for_pattern(graph, ox.NamedNode(str(RDFS.comment)), None, graph)).object.value
    assert comment.startswith("Unreviewed")
    assert Minter().graph("straight-quotes") not in store.graphs(), "a draft never lands in a reviewed graph"


def test_draft_graphs_are_hidden_from_queries_unless_the_store_is_opened_with_drafts(with_drafts: BuildResult) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRENDS(STR(?g), '/draft')) }"
    assert _rows(OxigraphStore.open(with_drafts.store_path), count) == [
        ('"0"^^<http://www.w3.org/2001/XMLSchema#integer>',)
    ]
    assert (
        _rows(OxigraphStore.open(with_drafts.store_path, include_drafts=True), count)[0]
        != _rows(OxigraphStore.open(with_drafts.store_path), count)[0]
    )


@pytest.mark.parametrize("query", [q for q in examples() if "SERVICE" not in q.text], ids=lambda q: q.cq_id)
def test_competency_queries_give_the_reviewed_answers_with_drafts_built(
    with_drafts: BuildResult, built: BuildResult, query: object
) -> None:
    text = query.text  # type: ignore[attr-defined]
    assert _rows(OxigraphStore.open(with_drafts.store_path), text) == _rows(OxigraphStore.open(built.store_path), text)


def test_asking_for_drafts_shows_their_statements(with_drafts: BuildResult) -> None:
    cq5 = next(q for q in examples() if q.cq_id == "CQ5").text  # quotations with their offsets
    reviewed = _rows(OxigraphStore.open(with_drafts.store_path), cq5)
    everything = _rows(OxigraphStore.open(with_drafts.store_path, include_drafts=True), cq5)
    assert any("The plan is dead" in " ".join(row) for row in everything)
    assert set(reviewed) < set(everything)


def test_dumps_leave_drafts_out_byte_for_byte_and_dump_drafts_adds_them(
    with_drafts: BuildResult, built: BuildResult
) -> None:
    assert (with_drafts.dump_dir / "SHA256SUMS").read_bytes() == (built.dump_dir / "SHA256SUMS").read_bytes()
    build_dir = with_drafts.store_path.parent
    result = runner.invoke(app, ["dump", "--drafts", "--build-dir", str(build_dir)])
    assert result.exit_code == 0, result.output
    assert (build_dir / "dumps-drafts" / "straight-quotes.draft.ttl").is_file()
    assert "straight-quotes.draft.ttl" in (build_dir / "dumps-drafts" / "SHA256SUMS").read_text()
    assert not list(with_drafts.dump_dir.glob("*.draft.ttl"))


def test_a_store_with_drafts_conforms_to_the_shapes(with_drafts: BuildResult) -> None:
    result = runner.invoke(app, ["validate", "--build-dir", str(with_drafts.store_path.parent)])
    assert result.exit_code == 0, result.output
