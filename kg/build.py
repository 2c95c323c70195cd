"""The build: annotations + ontology -> validated quads -> on-disk store and dumps.

Validation happens before anything is written, so an invalid graph never reaches the store or the dumps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.annotations import SOURCES_DIR, annotation_files, load_article, unreviewed_suggestions
from kg.compile import compile_article
from kg.drafts import compile_draft
from kg.dump import write_dumps
from kg.errors import AnnotationError, ShapeViolation
from kg.iris import Minter
from kg.link.mappings import link_quads
from kg.search import build_index, index_path
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
    search_path: Path


def ontology_quads(minter: Minter, path: Path = ONTOLOGY_FILE) -> list[ox.Quad]:
    """The ontology, in its own named graph, its blank nodes (OWL restrictions) canonically named (RDFC-1.0).

    Canonical names keep the dumps byte-identical across builds; the parser would mint random ones.
    """
    graph = ox.NamedNode(minter.ontology_graph)
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(path=str(path)))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def compile_sources(
    minter: Minter, sources_dir: Path = SOURCES_DIR, *, drafts: bool = False
) -> tuple[list[ox.Quad], int]:
    """Quads of every annotated source, sorted; and the number of sources.

    Args:
        drafts: compile files that still carry suggestions into their draft graphs (:mod:`kg.drafts`)
            instead of refusing them.

    Raises:
        AnnotationError: a file is wrong, or (without ``drafts``) still has suggestions nobody reviewed.
    """
    files = annotation_files(sources_dir)
    pending = {path: unreviewed_suggestions(path) for path in files}
    if not drafts and any(pending.values()):
        lines = [line for found in pending.values() for line in found]
        raise AnnotationError(
            f"{len(lines)} unreviewed suggestion(s) of kg annotate; review each and delete its `suggested:` block"
            " (or build them as drafts: kg build --drafts)\n" + "\n".join(lines)
        )
    quads: set[ox.Quad] = set()
    for path in files:
        quads.update(compile_draft(path, minter) if pending[path] else compile_article(load_article(path), minter))
    return sorted(quads, key=str), len(files)


def build(
    build_dir: Path = DEFAULT_BUILD_DIR,
    minter: Minter | None = None,
    sources_dir: Path = SOURCES_DIR,
    *,
    drafts: bool = False,
) -> BuildResult:
    """Compile, validate, then write the store (``build_dir/store``), the dumps (``build_dir/dumps``) and the
    full-text search index (``build_dir/search.sqlite``).

    With ``drafts``, files that still carry suggestions go to their draft graphs; they are validated with the
    rest, and left out of the dumps (``kg dump --drafts`` includes them).

    Raises:
        AnnotationError: an annotation file is wrong.
        ShapeViolation: the compiled graph does not conform; nothing is written.
    """
    minter = minter or Minter()
    quads, sources = compile_sources(minter, sources_dir, drafts=drafts)
    quads += link_quads(minter, {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)})
    report = validate_quads(quads)
    if not report.conforms:
        raise ShapeViolation(report)
    store_path = build_dir / "store"
    write_store(store_path, quads + ontology_quads(minter))
    store = OxigraphStore.open(store_path)
    dump_dir = build_dir / "dumps"
    write_dumps(store, minter, dump_dir)
    search_path = index_path(build_dir)
    build_index(store, minter, search_path)
    return BuildResult(len(store), len(store.graphs()), sources, store_path, dump_dir, search_path)
