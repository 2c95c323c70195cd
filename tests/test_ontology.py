"""The ontology (``ontology/kg.ttl``): it parses, stays inside OWL Lite, declares exactly the terms of
:class:`kg.iris.KG`, and is consistent with the compiled articles under OWL 2 RL reasoning.

OWL Lite keeps the ontology decidable and usable by every OWL tool; the term check keeps code and ontology from
drifting apart; the reasoning check catches domains, ranges and restrictions that contradict the data.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.annotations import annotation_files, load_article
from kg.compile import compile_article
from kg.iris import KG, ONTOLOGY_IRI, ORG, SCHEMA, VANN, Minter

ONTOLOGY_PATH = Path(__file__).resolve().parents[1] / "ontology" / "kg.ttl"
ONTOLOGY = URIRef(ONTOLOGY_IRI)
KG_NS = str(KG._NS)

# --------------------------------------------------------------------------------------------------------------------
# OWL Lite profile checker
# --------------------------------------------------------------------------------------------------------------------

_RESERVED = (str(RDF), str(RDFS), str(OWL))
_PREFIX = {str(RDF): "rdf:", str(RDFS): "rdfs:", str(OWL): "owl:", str(XSD): "xsd:"}

#: The OWL Lite constructs this project accepts (a subset of OWL Lite; owl:versionIRI is the OWL 2 header term).
OWL_LITE_TYPES = {
    OWL.Ontology,
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.TransitiveProperty,
    OWL.SymmetricProperty,
    OWL.Restriction,
}
OWL_LITE_PREDICATES = {
    RDF.type,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.onProperty,
    OWL.allValuesFrom,
    OWL.someValuesFrom,
    OWL.minCardinality,
    OWL.maxCardinality,
    OWL.cardinality,
    OWL.versionInfo,
    OWL.versionIRI,
    OWL.priorVersion,
    OWL.imports,
}
_CARDINALITIES = (OWL.minCardinality, OWL.maxCardinality, OWL.cardinality)
_FILLERS = (OWL.allValuesFrom, OWL.someValuesFrom, *_CARDINALITIES)
_PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _curie(term: Node) -> str:
    for ns, prefix in _PREFIX.items():
        if str(term).startswith(ns):
            return prefix + str(term)[len(ns) :]
    return term.n3()


def _reserved(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(_RESERVED)


def owl_constructs(g: Graph) -> Counter[str]:
    """Every RDF/RDFS/OWL construct the graph uses: predicates, reserved classes, and cardinality values."""
    used: Counter[str] = Counter()
    for _, p, o in g:
        if _reserved(p):
            used[_curie(p)] += 1
        if p == RDF.type and _reserved(o):
            used[_curie(o)] += 1
        if p in _CARDINALITIES:
            used[f"{_curie(p)} {o}"] += 1
    return used


def owl_lite_violations(g: Graph) -> list[str]:
    """Why ``g`` is not an OWL Lite ontology (empty if it is): constructs outside OWL Lite, and structural misuse."""
    problems: list[str] = []
    allowed = {_curie(t) for t in OWL_LITE_TYPES | OWL_LITE_PREDICATES}
    for construct in sorted(owl_constructs(g)):
        name = construct.split(" ")[0]
        if name not in allowed:
            problems.append(f"{construct} is not OWL Lite")
        elif name != construct and construct.split(" ", 1)[1] not in ("0", "1"):
            problems.append(f"{construct}: OWL Lite cardinalities are 0 or 1")

    classes = set(g.subjects(RDF.type, OWL.Class))
    kinds = {
        p: {k for k in _PROPERTY_KINDS if (p, RDF.type, k) in g}
        for k in _PROPERTY_KINDS
        for p in g.subjects(RDF.type, k)
    }

    def need_class(term: Node, where: str) -> None:
        if not isinstance(term, URIRef):
            problems.append(f"{where}: {term.n3()} is not a named class")
        elif term not in classes and term not in (OWL.Thing, OWL.Nothing):
            problems.append(f"{where}: class {_curie(term)} is not declared owl:Class")

    def need_property(term: Node, where: str, kind: URIRef | None = None) -> None:
        if not isinstance(term, URIRef) or term not in kinds:
            problems.append(f"{where}: property {term.n3()} is not declared")
        elif kind is not None and kind not in kinds[term]:
            problems.append(f"{where}: {_curie(term)} is not an {_curie(kind)}")

    for p, found in kinds.items():
        if len(found) > 1:
            problems.append(f"{_curie(p)} is typed as {len(found)} kinds of property")
    for characteristic in (OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty):
        for p in g.subjects(RDF.type, characteristic):
            need_property(
                p, _curie(characteristic), None if characteristic == OWL.FunctionalProperty else OWL.ObjectProperty
            )
    for p in g.subjects(RDF.type, OWL.TransitiveProperty):
        if (p, RDF.type, OWL.FunctionalProperty) in g or (None, OWL.onProperty, p) in g:
            problems.append(f"transitive {_curie(p)} is functional or restricted in cardinality (not OWL DL)")

    for s, o in g.subject_objects(RDFS.subClassOf):
        need_class(s, "rdfs:subClassOf subject")
        if not (isinstance(o, BNode) and (o, RDF.type, OWL.Restriction) in g):
            need_class(o, f"{_curie(s)} rdfs:subClassOf")
    for s, o in g.subject_objects(OWL.equivalentClass):
        need_class(s, "owl:equivalentClass")
        need_class(o, "owl:equivalentClass")
    for pred in (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf):
        for s, o in g.subject_objects(pred):
            need_property(s, _curie(pred))
            need_property(o, _curie(pred))
    # OWL Lite and DL (OWL 1 Reference, section 7.1): no property axioms on annotation properties.
    for pred in (RDFS.domain, RDFS.range, RDFS.subPropertyOf):
        for s in g.subjects(pred):
            if OWL.AnnotationProperty in kinds.get(s, ()):
                problems.append(f"annotation property {_curie(s)} has an {_curie(pred)}")
    for p in g.subjects(RDF.type, OWL.FunctionalProperty):
        if OWL.AnnotationProperty in kinds.get(p, ()):
            problems.append(f"annotation property {_curie(p)} is functional")
    for s, o in g.subject_objects(RDFS.domain):
        need_property(s, "rdfs:domain")
        need_class(o, f"{_curie(s)} rdfs:domain")
    for s, o in g.subject_objects(RDFS.range):
        need_property(s, "rdfs:range")
        if OWL.DatatypeProperty in kinds.get(s, ()):
            if not (o == RDFS.Literal or (isinstance(o, URIRef) and str(o).startswith(str(XSD)))):
                problems.append(f"{_curie(s)} rdfs:range {o.n3()} is not an XML Schema datatype or rdfs:Literal")
        else:
            need_class(o, f"{_curie(s)} rdfs:range")
    for s, o in g.subject_objects(RDF.type):
        if not _reserved(o):
            need_class(o, f"{s.n3()} rdf:type")

    for node in set(g.subjects()) | set(g.objects()):
        if not isinstance(node, BNode):
            continue
        if (node, RDF.type, OWL.Restriction) not in g or (None, RDFS.subClassOf, node) not in g:
            problems.append(f"blank node {node.n3()} is not a restriction used as a superclass")
            continue
        on = list(g.objects(node, OWL.onProperty))
        fillers = [(p, o) for p in _FILLERS for o in g.objects(node, p)]
        if len(on) != 1 or len(fillers) != 1:
            problems.append(f"restriction {node.n3()} needs one owl:onProperty and one filler")
            continue
        need_property(on[0], "owl:onProperty")
        p, o = fillers[0]
        if p in (OWL.allValuesFrom, OWL.someValuesFrom):
            need_class(o, f"{_curie(p)} filler")
        elif not (isinstance(o, Literal) and o.datatype == XSD.nonNegativeInteger):
            problems.append(f"{_curie(p)} {o.n3()} is not an xsd:nonNegativeInteger")
    return problems


# --------------------------------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


def _compiled_articles() -> Graph:
    """Every annotated article, compiled as the build does, moved from pyoxigraph quads into one rdflib graph."""
    quads = [q for path in annotation_files() for q in compile_article(load_article(path))]
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


@pytest.fixture(scope="module")
def data() -> Graph:
    return _compiled_articles()


@pytest.fixture(scope="module")
def reasoned(ontology: Graph, data: Graph) -> Graph:
    g = Graph()
    for t in (*ontology, *data):
        g.add(t)
    # improved_datatypes=False: owlrl's own lexical conversions would stay registered in rdflib for the rest of
    # the process (its restore misses xsd:gMonthDay), breaking later parsing of our stated dates.
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, improved_datatypes=False).expand(g)
    return g


def _rl_errors(g: Graph) -> list[str]:
    """owlrl reports inconsistencies as ``[] a err:ErrorMessage ; err:error "..."`` triples in the closure."""
    return sorted(str(m) for node in g.subjects(RDF.type, ERRNS.ErrorMessage) for m in g.objects(node, ERRNS.error))


# --------------------------------------------------------------------------------------------------------------------
# 1. header
# --------------------------------------------------------------------------------------------------------------------


def test_header(ontology: Graph) -> None:
    """The header is what pyLODE, LOV and w3id users read first; version IRI and info must agree."""
    assert set(ontology.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY}
    version = ontology.value(ONTOLOGY, OWL.versionInfo)
    assert version is not None
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{version}")
    assert ontology.value(ONTOLOGY, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(ontology.value(ONTOLOGY, DCTERMS.creator)) == "Article knowledge graph project"
    for prop in (DCTERMS.title, DCTERMS.description):
        assert len(str(ontology.value(ONTOLOGY, prop) or "")) > 10, prop
    assert ontology.value(ONTOLOGY, DCTERMS.created) == Literal("2026-11-25", datatype=XSD.date)
    assert str(ontology.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "kg"
    assert str(ontology.value(ONTOLOGY, VANN.preferredNamespaceUri)) == KG_NS


# --------------------------------------------------------------------------------------------------------------------
# 2. OWL Lite
# --------------------------------------------------------------------------------------------------------------------


def test_ontology_is_owl_lite(ontology: Graph) -> None:
    assert owl_lite_violations(ontology) == []


def test_ontology_uses_restrictions_and_characteristics(ontology: Graph) -> None:
    """Guards the checker against passing vacuously: the constructs it checks are really in the file."""
    used = owl_constructs(ontology)
    for construct in ("owl:Restriction", "owl:FunctionalProperty", "owl:maxCardinality 0", "rdfs:subPropertyOf"):
        assert used[construct] > 0, construct


def _restricted(filler: str) -> str:
    """Turtle for ``ex:A`` as a subclass of a restriction on ``ex:p`` with the given filler."""
    return f"ex:A rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; {filler} ] ."


_BAD = {
    "union": ("ex:A owl:unionOf ( ex:B ex:C ) .", "owl:unionOf"),
    "intersection": ("ex:A owl:intersectionOf ( ex:B ex:C ) .", "owl:intersectionOf"),
    "complement": ("ex:A owl:complementOf ex:B .", "owl:complementOf"),
    "disjoint": ("ex:A owl:disjointWith ex:B .", "owl:disjointWith"),
    "all-disjoint": ("[] a owl:AllDisjointClasses ; owl:members ( ex:A ex:B ) .", "owl:AllDisjointClasses"),
    "one-of": ("ex:A owl:oneOf ( ex:x ex:y ) .", "owl:oneOf"),
    "data-range": ("ex:D a owl:DataRange .", "owl:DataRange"),
    "has-value": (_restricted("owl:hasValue ex:x"), "owl:hasValue"),
    "cardinality-2": (_restricted('owl:maxCardinality "2"^^xsd:nonNegativeInteger'), "0 or 1"),
    "anonymous-filler": (_restricted("owl:allValuesFrom [ a owl:Class ]"), "not a named class"),
    "anonymous-range": ("ex:p rdfs:range [ a owl:Class ] .", "not a named class"),
    "undeclared-class": ("ex:A rdfs:subClassOf ex:Undeclared .", "not declared owl:Class"),
    "datatype-range": ("ex:d a owl:DatatypeProperty ; rdfs:range ex:A .", "not an XML Schema datatype"),
    "punning": ("ex:p a owl:DatatypeProperty .", "kinds of property"),
    "annotation-domain": ("ex:n a owl:AnnotationProperty ; rdfs:domain ex:A .", "annotation property"),
    "annotation-functional": ("ex:n a owl:AnnotationProperty, owl:FunctionalProperty .", "is functional"),
}
_PREAMBLE = """
@prefix ex: <http://example.org/#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/> a owl:Ontology . ex:A a owl:Class . ex:B a owl:Class . ex:p a owl:ObjectProperty .
"""


def test_checker_accepts_a_minimal_owl_lite_ontology() -> None:
    ttl = _PREAMBLE + "ex:A rdfs:subClassOf ex:B ." + _restricted('owl:maxCardinality "1"^^xsd:nonNegativeInteger')
    assert owl_lite_violations(Graph().parse(data=ttl, format="turtle")) == []


@pytest.mark.parametrize("case", sorted(_BAD))
def test_checker_rejects_constructs_outside_owl_lite(case: str) -> None:
    """The same checker, applied to a tiny ontology with one forbidden construct, must reject it."""
    ttl, expected = _BAD[case]
    problems = owl_lite_violations(Graph().parse(data=_PREAMBLE + ttl, format="turtle"))
    assert any(expected in p for p in problems), problems


# --------------------------------------------------------------------------------------------------------------------
# 3. terms
# --------------------------------------------------------------------------------------------------------------------


def _kg_terms() -> set[URIRef]:
    return {URIRef(KG_NS + name) for name in KG.__annotations__}


def test_declares_exactly_the_terms_of_kg_iris(ontology: Graph) -> None:
    """Code mints only KG terms (a typo fails at import), so the ontology must define every one and no other."""
    declared = {s for s in ontology.subjects(RDF.type) if isinstance(s, URIRef) and s.startswith(KG_NS)}
    referenced = {t for triple in ontology for t in triple if isinstance(t, URIRef) and t.startswith(KG_NS)}
    expected = _kg_terms()
    assert len(expected) > 80
    assert sorted(expected - declared) == [], "in kg.iris.KG but not declared in the ontology"
    assert sorted(declared - expected) == [], "declared in the ontology but not in kg.iris.KG"
    assert sorted(referenced - expected) == [], "referenced in the ontology but not in kg.iris.KG"


@pytest.mark.parametrize("prop", [RDFS.label, RDFS.comment])
def test_every_term_has_one_english_label_and_comment(ontology: Graph, prop: URIRef) -> None:
    missing = sorted(
        t for t in _kg_terms() if [o.language for o in ontology.objects(t, prop) if isinstance(o, Literal)] != ["en"]
    )
    assert missing == []


def test_every_term_is_defined_by_the_ontology(ontology: Graph) -> None:
    assert sorted(t for t in _kg_terms() if ontology.value(t, RDFS.isDefinedBy) != ONTOLOGY) == []


def _datatype(literal: Literal) -> URIRef:
    """The datatype as RDF 1.1 sees it (rdflib leaves plain literals untyped)."""
    if literal.datatype is not None:
        return literal.datatype
    return RDF.langString if literal.language else XSD.string


def test_data_uses_declared_terms_as_declared(ontology: Graph, data: Graph) -> None:
    """Every kg: term the compiler emits is declared; object properties get resources, datatype properties literals."""
    problems = []
    for s, p, o in data:
        if p.startswith(KG_NS):
            if (p, RDF.type, OWL.ObjectProperty) in ontology:
                if isinstance(o, Literal):
                    problems.append(f"object property {p} has literal {o!r}")
            elif (p, RDF.type, OWL.DatatypeProperty) in ontology:
                if not isinstance(o, Literal):
                    problems.append(f"datatype property {p} has resource {o}")
                elif (rng := ontology.value(p, RDFS.range)) not in (None, RDFS.Literal) and _datatype(o) != rng:
                    problems.append(f"datatype property {p} has {_datatype(o)} literal {o!r}, range {rng}")
            elif (p, RDF.type, OWL.AnnotationProperty) in ontology:
                if not isinstance(o, Literal):
                    problems.append(f"annotation property {p} has resource {o}")
            else:
                problems.append(f"undeclared property {p}")
        if p == RDF.type and o.startswith(KG_NS) and (o, RDF.type, OWL.Class) not in ontology:
            problems.append(f"{s} typed with {o}, which is not an owl:Class")
        if p != RDF.type and isinstance(o, URIRef) and o.startswith(KG_NS) and (o, RDF.type, None) not in ontology:
            problems.append(f"undeclared individual {o}")
    assert problems == []


# --------------------------------------------------------------------------------------------------------------------
# 4. OWL 2 RL reasoning over ontology + data
# --------------------------------------------------------------------------------------------------------------------


def test_consistent_with_the_data_under_owl_rl(reasoned: Graph) -> None:
    assert _rl_errors(reasoned) == []
    assert list(reasoned.subjects(RDF.type, OWL.Nothing)) == []


def test_owl_rl_detects_an_inconsistency(ontology: Graph) -> None:
    """An authorial claim with a speaker contradicts ``maxCardinality 0``: the error mechanism above is real."""
    g = Graph()
    for t in ontology:
        g.add(t)
    claim, person = URIRef("http://example.org/claim"), URIRef("http://example.org/person")
    g.add((claim, RDF.type, KG.AuthorialClaim))
    g.add((claim, KG.speaker, person))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, improved_datatypes=False).expand(g)
    assert _rl_errors(g) != []


def test_alignments_are_inferred(reasoned: Graph) -> None:
    """Clients that know only PROV, FOAF, schema.org or ORG still find the people, statements and offices."""
    m = Minter()
    nakatani = URIRef(m.entity("person", "nakatani-gen"))
    singapore = URIRef(m.entity("state", "singapore"))
    holding = URIRef(m.entity("holding", "nakatani-gen-minister-of-defense"))
    speech = URIRef(m.entity("event", "nakatani-gen-speech-shangri-la-dialogue"))
    statement = URIRef(m.entity("statement", "diplomat-2025-06-strategic-autonomy/nakatani-secure-strategic-autonomy"))
    for cls in (KG.Actor, PROV.Agent, PROV.Person, FOAF.Person, SCHEMA.Person):
        assert (nakatani, RDF.type, cls) in reasoned, cls
    for cls in (KG.Place, KG.Organization, SCHEMA.Place, SCHEMA.Country, PROV.Location, ORG.Organization):
        assert (singapore, RDF.type, cls) in reasoned, cls
    assert (holding, RDF.type, ORG.Membership) in reasoned
    assert (holding, ORG.member, nakatani) in reasoned
    assert (speech, RDF.type, PROV.Activity) in reasoned
    assert (statement, RDF.type, PROV.Entity) in reasoned
    assert (statement, PROV.wasAttributedTo, nakatani) in reasoned
    assert (statement, PROV.wasGeneratedBy, speech) in reasoned
    assert (statement, PROV.atLocation, singapore) in reasoned


#: Kinds of node that must never meet in one node. OWL Lite cannot say so (no owl:disjointWith), so this test does:
#: a wrong domain or range would push a node into a second group.
_DISJOINT_GROUPS: dict[str, tuple[URIRef, ...]] = {
    "actor, place or periodical": (KG.Actor, KG.Place, KG.Periodical),
    "statement": (KG.Statement,),
    "event": (KG.Event,),
    "periodical issue": (KG.PeriodicalIssue,),
    "post": (KG.Post,),
    "office holding": (KG.OfficeHolding,),
    "stance attribution": (KG.StanceAttribution,),
    "text anchor": (KG.TextAnchor,),
    "source document": (KG.SourceDocument,),
    "date": (KG.DateSpecification,),
    "concept": (SKOS.Concept,),
    "collection": (SKOS.Collection, SKOS.OrderedCollection),
}

#: Within the first group, the only overlaps allowed: (class, class, what a node in both must be).
_OVERLAPS = (
    (KG.Actor, KG.Place, KG.State),
    (KG.Actor, KG.Periodical, KG.MediaOutlet),
    (KG.Place, KG.Periodical, OWL.Nothing),
)


def test_domains_and_ranges_keep_kinds_apart(reasoned: Graph) -> None:
    problems = []
    for node in set(reasoned.subjects(RDF.type)):
        groups = [
            name for name, classes in _DISJOINT_GROUPS.items() if any((node, RDF.type, c) in reasoned for c in classes)
        ]
        if len(groups) > 1:
            problems.append(f"{node} is a {' and a '.join(groups)}")
        for a, b, only in _OVERLAPS:
            if (
                (node, RDF.type, a) in reasoned
                and (node, RDF.type, b) in reasoned
                and (node, RDF.type, only) not in reasoned
            ):
                problems.append(f"{node} is a {_curie(a)} and a {_curie(b)} but not a {_curie(only)}")
    assert problems == []
