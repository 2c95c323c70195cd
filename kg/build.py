"""The build: annotations + ontology -> validated quads -> on-disk store and dumps.

Validation happens before anything is written, so an invalid graph never reaches the store or the dumps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.annotations import SOURCES_DIR, annotation_files, load_article, unreviewed_suggestions
from kg.compile import compile_article
from kg.dump import write_dumps
from kg.errors import AnnotationError, ShapeViolation
from kg.iris import Minter
from kg.links import link_quads
from kg.store import OxigraphStore, write_store
from kg.validate import ONTOLOGY_FILE, validate_quads

DEFAULT_BUILD_DIR = Path("build")


@dataclass(frozen=True)
class BuildResult:
    quads: int
    graphs: int
    sources: int
    store_path: Path
    dump_dir: Path


def ontology_quads(minter: Minter, path: Path = ONTOLOGY_FILE) -> list[ox.Quad]:
    """The ontology, in its own named graph, its blank nodes (OWL restrictions) canonically named (RDFC-1.0).

    Canonical names keep the dumps byte-identical across builds; the parser would mint random ones.
    """
    graph = ox.NamedNode(minter.ontology_graph)
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(path=str(path)))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def compile_sources(minter: Minter, sources_dir: Path = SOURCES_DIR) -> tuple[list[ox.Quad], int]:
    """Quads of every annotated source, sorted; and the number of sources.

    Raises:
        AnnotationError: a file is wrong, or still has suggestions of ``kg annotate`` nobody reviewed.
    """
    files = annotation_files(sources_dir)
    pending = [line for path in files for line in unreviewed_suggestions(path)]
    if pending:
        raise AnnotationError(
            f"{len(pending)} unreviewed suggestion(s) of kg annotate; review each and delete its `suggested:` block\n"
            + "\n".join(pending)
        )
    quads: set[ox.Quad] = set()
    for path in files:
        quads.update(compile_article(load_article(path), minter))
    return sorted(quads, key=str), len(files)


def build(
    build_dir: Path = DEFAULT_BUILD_DIR, minter: Minter | None = None, sources_dir: Path = SOURCES_DIR
) -> BuildResult:
    """Compile, validate, then write the store (``build_dir/store``) and the dumps (``build_dir/dumps``).

    Raises:
        AnnotationError: an annotation file is wrong.
        ShapeViolation: the compiled graph does not conform; nothing is written.
    """
    minter = minter or Minter()
    quads, sources = compile_sources(minter, sources_dir)
    quads += link_quads(minter, {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)})
    report = validate_quads(quads)
    if not report.conforms:
        raise ShapeViolation(report)
    store_path = build_dir / "store"
    write_store(store_path, quads + ontology_quads(minter))
    store = OxigraphStore.open(store_path)
    dump_dir = build_dir / "dumps"
    write_dumps(store, minter, dump_dir)
    return BuildResult(len(store), len(store.graphs()), sources, store_path, dump_dir)
