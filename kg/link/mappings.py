"""Links to Wikidata: an SSSOM mapping table (``kg/links/*.sssom.tsv``) compiled to RDF with its evidence.

Each accepted row becomes the link itself (``owl:sameAs`` for individuals and posts, ``skos:exactMatch`` for
concepts; docs/linking.md says why) and an ``owl:Axiom`` annotating it with the SSSOM justification,
confidence, author, date and evidence, so that "why is this person Q…?" is a SPARQL query (CQ8).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import yaml
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import AnnotationError
from kg.iris import SSSOM, VOID, WD, Minter

LINKS_DIR = Path(__file__).parent.parent / "links"
TABLE_SUFFIX = ".sssom.tsv"
TARGETS = {"wikidata": str(WD)}
PREDICATES = {"owl:sameAs": OWL.sameAs, "skos:exactMatch": SKOS.exactMatch, "skos:closeMatch": SKOS.closeMatch}


@dataclass(frozen=True)
class Mapping:
    """One row of an SSSOM table, with CURIEs expanded."""

    subject: str
    subject_label: str
    predicate: str
    object: str
    object_label: str
    justification: str
    confidence: float
    author: str
    date: str
    provider: str
    comment: str


@dataclass(frozen=True)
class MappingSet:
    iri: str
    description: str
    license: str
    mappings: tuple[Mapping, ...]


def _expand(curie: str, curie_map: dict[str, str], minter: Minter) -> str:
    prefix, _, local = curie.partition(":")
    if prefix not in curie_map:
        raise AnnotationError(f"unknown CURIE prefix in {curie!r}")
    iri = curie_map[prefix] + local
    # The table is written against the default base; a deployment with its own base rebases our IRIs.
    return minter.rebased(iri)


def read_mapping_set(path: Path, minter: Minter) -> MappingSet:
    """Read an SSSOM/TSV file: the commented YAML metadata block, then the table.

    Raises:
        AnnotationError: malformed metadata, unknown prefixes or predicates, a confidence outside [0, 1].
    """
    text = path.read_text(encoding="utf-8")
    meta_lines = [line[1:] for line in text.splitlines() if line.startswith("#")]
    try:
        meta = yaml.safe_load("\n".join(meta_lines)) or {}
    except yaml.YAMLError as err:
        raise AnnotationError(f"metadata block: {err}", path.name) from err
    curie_map: dict[str, str] = meta.get("curie_map", {})
    table = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    mappings = []
    for number, row in enumerate(csv.DictReader(io.StringIO(table), delimiter="\t"), start=2):
        where = f"{path.name}: row {number}"
        if row["predicate_id"] not in PREDICATES:
            raise AnnotationError(f"predicate {row['predicate_id']!r} is not one of {sorted(PREDICATES)}", where)
        confidence = float(row["confidence"])
        if not 0 <= confidence <= 1:
            raise AnnotationError(f"confidence {confidence} is outside [0, 1]", where)
        try:
            mappings.append(
                Mapping(
                    subject=_expand(row["subject_id"], curie_map, minter),
                    subject_label=row["subject_label"],
                    predicate=str(PREDICATES[row["predicate_id"]]),
                    object=_expand(row["object_id"], curie_map, minter),
                    object_label=row["object_label"],
                    justification=_expand(row["mapping_justification"], curie_map, minter),
                    confidence=confidence,
                    author=row["author_label"],
                    date=row["mapping_date"],
                    provider=row["mapping_provider"],
                    comment=row["comment"],
                )
            )
        except AnnotationError as err:
            raise AnnotationError(str(err), where) from err
    return MappingSet(
        meta["mapping_set_id"],
        " ".join(str(meta.get("mapping_set_description", "")).split()),
        meta.get("license", ""),
        tuple(mappings),
    )


def compile_links(mapping_set: MappingSet, minter: Minter, target: str, known: set[str]) -> list[ox.Quad]:
    """Quads for a mapping set, in its own named graph; every subject must be an entity of the graph.

    Raises:
        AnnotationError: a mapping's subject is not in the graph.
    """
    graph = ox.NamedNode(minter.links_graph(target))
    n = ox.NamedNode
    out: list[ox.Quad] = []

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Quad(n(s), n(str(p)), o, graph))

    set_iri = mapping_set.iri
    # The graph is the VoID linkset of these links; its provenance is the mapping set.
    add(graph.value, str(RDF.type), n(str(VOID.Linkset)))
    add(graph.value, str(RDFS.label), ox.Literal(f"Links to {target}", language="en"))
    add(graph.value, str(VOID.objectsTarget), n(TARGETS.get(target, target)))
    add(graph.value, str(PROV.wasDerivedFrom), n(set_iri))
    for predicate in sorted({m.predicate for m in mapping_set.mappings}):
        add(graph.value, str(VOID.linkPredicate), n(predicate))
    add(set_iri, str(RDF.type), n(str(SSSOM.MappingSet)))
    add(set_iri, str(DCTERMS.description), ox.Literal(mapping_set.description, language="en"))
    if mapping_set.license:
        add(set_iri, str(DCTERMS.license), n(mapping_set.license))
    for m in mapping_set.mappings:
        if m.subject not in known:
            raise AnnotationError(f"the mapping's subject <{m.subject}> is not an entity of the graph", set_iri)
        add(m.subject, m.predicate, n(m.object))
        axiom = minter.part(m.subject, "link", target, m.object.rsplit("/", 1)[-1])
        add(axiom, str(RDF.type), n(str(OWL.Axiom)))
        add(axiom, str(RDF.type), n(str(SSSOM.Mapping)))
        add(axiom, str(OWL.annotatedSource), n(m.subject))
        add(axiom, str(OWL.annotatedProperty), n(m.predicate))
        add(axiom, str(OWL.annotatedTarget), n(m.object))
        add(axiom, str(SSSOM.subject_label), ox.Literal(m.subject_label))
        add(axiom, str(SSSOM.object_label), ox.Literal(m.object_label))
        add(axiom, str(SSSOM.mapping_justification), n(m.justification))
        add(axiom, str(SSSOM.confidence), ox.Literal(repr(m.confidence), datatype=n(str(XSD.double))))
        add(axiom, str(SSSOM.author_label), ox.Literal(m.author))
        add(axiom, str(SSSOM.mapping_date), ox.Literal(m.date, datatype=n(str(XSD.date))))
        add(axiom, str(SSSOM.mapping_provider), ox.Literal(m.provider))
        add(axiom, str(RDFS.comment), ox.Literal(m.comment))
        add(axiom, str(PROV.wasDerivedFrom), n(set_iri))
    return sorted(set(out), key=str)


def mapping_tables(directory: Path = LINKS_DIR) -> list[Path]:
    """The mapping tables (``NAME.sssom.tsv``): compiled into the links graphs, published beside the dumps."""
    return sorted(directory.glob(f"*{TABLE_SUFFIX}"))


def table_name(target: str) -> str:
    """The file name of the mapping table to ``target``, whose links graph is ``links-{target}``.

    >>> table_name("wikidata")
    'wikidata.sssom.tsv'
    """
    return f"{target}{TABLE_SUFFIX}"


def link_quads(minter: Minter, known: set[str], directory: Path = LINKS_DIR) -> list[ox.Quad]:
    """Quads of every mapping table in ``directory`` (file ``NAME.sssom.tsv`` -> graph ``links-NAME``)."""
    quads: list[ox.Quad] = []
    for path in mapping_tables(directory):
        target = path.name.removesuffix(TABLE_SUFFIX)
        quads.extend(compile_links(read_mapping_set(path, minter), minter, target, known))
    return quads
