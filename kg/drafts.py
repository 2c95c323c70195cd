"""Unreviewed drafts in the graph (``kg build --drafts``): each in its own named graph, typed kg:DraftGraph.

A draft of ``kg annotate`` compiles like any annotation file (dates it could not resolve left out), then every
quad moves from the source's graph ``{base}graph/{slug}`` to ``{base}graph/{slug}/draft``, which is typed
kg:DraftGraph and labelled as unreviewed. Which graphs queries and dumps see is decided in :mod:`kg.store`.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS

from kg.annotations import load_article
from kg.compile import compile_article
from kg.iris import KG, Minter

DRAFT_COMMENT = (
    "Unreviewed: compiled from a draft of kg annotate whose elements still carry suggestions nobody has checked. "
    "Left out of queries and dumps unless they ask for drafts."
)


def compile_draft(path: Path, minter: Minter) -> list[ox.Quad]:
    """The quads of the draft annotation file ``path``, in its draft graph.

    Raises:
        AnnotationError: the file fails a check (schema, reference or span).
    """
    article = load_article(path, drafts=True)
    slug = article.source.slug
    reviewed = ox.NamedNode(minter.graph(slug))
    draft = ox.NamedNode(minter.draft_graph(slug))

    def move(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        return ox.NamedNode(minter.in_draft_graph(term.value, slug)) if isinstance(term, ox.NamedNode) else term

    label = ox.NamedNode(str(RDFS.label))
    quads = [
        ox.Quad(move(q.subject), q.predicate, move(q.object), draft)  # type: ignore[arg-type]
        for q in compile_article(article, minter)
        if not (q.subject == reviewed and q.predicate == label)
    ]
    quads += [
        ox.Quad(draft, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(KG.DraftGraph)), draft),
        ox.Quad(draft, label, ox.Literal(f"Unreviewed draft of source {article.source.slug}", language="en"), draft),
        ox.Quad(draft, ox.NamedNode(str(RDFS.comment)), ox.Literal(DRAFT_COMMENT, language="en"), draft),
    ]
    return sorted(set(quads), key=str)
