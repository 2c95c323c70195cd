"""The SHACL shapes (``shapes/*.ttl``): the compiled articles pass them, and each constraint catches what it is for.

Every constraint that carries its own ``sh:message`` (a property shape, or a SPARQL constraint of a node shape) has
a failing fixture ``tests/fixtures/shapes/bad_*.ttl``: a tiny graph that is valid except for that one violation.
:data:`CASES` says which shape and constraint component must report it, with which message, and that nothing else
may be reported; the coverage tests keep the table, the fixtures and the shapes in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.term import Node

from kg.build import compile_sources
from kg.iris import KG, PREFIXES, Minter
from kg.validate import Report, to_rdflib, validate_graph

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
KGSH = "https://w3id.org/akg/shapes#"
SHAPES_GRAPH = URIRef("https://w3id.org/akg/shapes")
KG_NS = str(KG._NS)


@dataclass(frozen=True)
class Case:
    """A failing fixture and the one kind of result it must produce."""

    fixture: str
    shape: str  # local name of sh:sourceShape in kgsh:
    component: str  # sh:sourceConstraintComponent without the "ConstraintComponent" suffix
    message: str  # a substring of every sh:resultMessage


SPARQL = "SPARQL"

CASES: tuple[Case, ...] = (
    # shapes/article.ttl: shared property shapes
    Case("bad_label_not_language_tagged", "LabelProperty", "Datatype", "rdfs:label that is language-tagged"),
    Case("bad_pref_label_missing", "PrefLabelProperty", "MinCount", "skos:prefLabel that is language-tagged"),
    Case("bad_alt_label_not_language_tagged", "AltLabelProperty", "Datatype", "skos:altLabel must be language-tagged"),
    Case("bad_editorial_note_not_language_tagged", "EditorialNoteProperty", "Datatype", "skos:editorialNote"),
    Case("bad_definition_twice_in_one_language", "DefinitionProperty", "UniqueLang", "at most one per language"),
    Case("bad_entity_not_derived_from_a_source", "DerivedFromSourceProperty", "MinCount", "prov:wasDerivedFrom"),
    Case("bad_anchor_not_a_text_anchor", "AnchorProperty", "Class", "at most one kg:anchor"),
    Case("bad_statement_without_anchor", "RequiredAnchorProperty", "MinCount", "exactly one kg:anchor"),
    Case("bad_periodical_publisher_not_an_organization", "PublisherProperty", "Class", "kg:publisher"),
    # shapes/article.ttl: source document and named graph
    Case("bad_source_without_source_file", "SourceDocument-sourceFile", "MinCount", "kg:sourceFile"),
    Case("bad_source_sha256_not_lowercase_hex", "SourceDocument-sha256", "Pattern", "64 lowercase hexadecimal"),
    Case("bad_source_character_count_not_integer", "SourceDocument-characterCount", "Datatype", "an xsd:integer"),
    Case("bad_source_without_full_text", "SourceDocument-fullText", "MinCount", "kg:fullText"),
    Case("bad_source_url_not_any_uri", "SourceDocument-url", "Datatype", "schema:url"),
    Case("bad_source_two_titles", "SourceDocument-title", "MaxCount", "dcterms:title"),
    Case("bad_source_license_not_an_iri", "SourceDocument-license", "NodeKind", "dcterms:license"),
    Case("bad_source_publication_date_not_a_date", "SourceDocument-publicationDate", "Class", "kg:publicationDate"),
    Case("bad_source_two_metadata_evidences", "SourceDocument-metadataEvidence", "MaxCount", "kg:metadataEvidence"),
    Case("bad_source_character_count_differs_from_text", "SourceDocumentShape", SPARQL, "length of kg:fullText"),
    Case("bad_graph_without_source", "NamedGraph-derivedFrom", "MinCount", "A named graph must be prov:wasDerivedFrom"),
    Case("bad_graph_without_build", "NamedGraph-generatedBy", "MinCount", "prov:wasGeneratedBy exactly one"),
    Case("bad_draft_graph_without_comment", "DraftGraph-comment", "MinCount", "that its facts are unreviewed"),
    # shapes/article.ttl: text anchors and selectors
    Case("bad_anchor_without_source", "TextAnchor-source", "MinCount", "oa:hasSource"),
    Case("bad_anchor_without_position_selector", "TextAnchor-positionSelector", "QualifiedMinCount", "Position"),
    Case("bad_anchor_with_two_quote_selectors", "TextAnchor-quoteSelector", "QualifiedMaxCount", "TextQuoteSelector"),
    Case("bad_anchor_of_no_node", "TextAnchor-owner", "MinCount", "kg:anchor of exactly one node"),
    Case("bad_anchor_text_mismatch", "TextAnchorShape", SPARQL, "not its oa:exact"),
    Case("bad_anchor_owner_not_derived_from_its_source", "TextAnchorShape", SPARQL, "does not come from"),
    Case("bad_position_start_negative", "TextPositionSelector-start", "Or", "oa:start, a non-negative integer"),
    Case("bad_position_without_end", "TextPositionSelector-end", "MinCount", "oa:end, a non-negative integer"),
    Case("bad_position_start_after_end", "TextPositionSelector-order", "LessThan", "less than oa:end"),
    Case("bad_position_end_beyond_source", "TextPositionSelectorShape", SPARQL, "beyond the end of the source"),
    Case("bad_quote_exact_empty", "TextQuoteSelector-exact", "MinLength", "non-empty oa:exact"),
    Case("bad_quote_two_prefixes", "TextQuoteSelector-prefix", "MaxCount", "oa:prefix"),
    Case("bad_quote_suffix_language_tagged", "TextQuoteSelector-suffix", "Datatype", "oa:suffix"),
    # shapes/statement.ttl
    Case("bad_statement_of_no_kind", "Statement-kind", "QualifiedMinCount", "exactly one of kg:DirectQuotation"),
    Case("bad_statement_derived_from_two_sources", "Statement-source", "MaxCount", "exactly one kg:SourceDocument"),
    Case("bad_statement_order_not_integer", "Statement-orderInSource", "Datatype", "kg:orderInSource"),
    Case("bad_statement_capacity_not_a_holding", "Statement-speakerCapacity", "Class", "kg:OfficeHolding"),
    Case("bad_statement_quoted_within_not_a_statement", "Statement-quotedWithin", "Class", "kg:quotedWithin"),
    Case("bad_statement_made_through_not_an_event", "Statement-madeThrough", "Class", "kg:madeThrough"),
    Case("bad_statement_probably_made_through_two_events", "Statement-probablyMadeThrough", "MaxCount", "probably"),
    Case("bad_statement_mentions_a_concept", "Statement-mentions", "Or", "kg:Actor or a kg:Place"),
    Case("bad_statement_partner_not_an_organization", "Statement-namesPartner", "Class", "kg:namesPartner"),
    Case("bad_statement_stance_not_an_attribution", "Statement-hasStance", "Class", "kg:StanceAttribution"),
    Case("bad_statement_date_not_a_date_specification", "DateProperty", "Class", "kg:date"),
    Case("bad_statement_two_places", "PlaceProperty", "MaxCount", "kg:place"),
    Case("bad_statement_about_an_actor", "AboutProperty", "Or", "skos:Concept or a skos:Collection"),
    Case("bad_capacity_not_held_by_speaker", "StatementShape", SPARQL, "who is not the statement's kg:speaker"),
    Case("bad_stance_target_not_about", "StatementShape", SPARQL, "but is not kg:about it"),
    Case("bad_mapping_link_not_asserted", "MappingShape", SPARQL, "that the graph does not assert"),
    Case("bad_mapping_target_not_wikidata", "Mapping-target", "Pattern", "a Wikidata item IRI"),
    Case("bad_mapping_confidence_above_one", "Mapping-confidence", "MaxInclusive", "between 0 and 1"),
    Case("bad_mapping_without_evidence", "Mapping-evidence", "MinCount", "no link without a recorded reason"),
    Case("bad_mapping_without_justification", "Mapping-justification", "MinCount", "sssom:mapping_justification"),
    Case("bad_mapping_two_sources", "Mapping-source", "MaxCount", "exactly one owl:annotatedSource"),
    Case("bad_nested_quotation_outside_outer_span", "StatementShape", SPARQL, "of the statement it is kg:quotedWithin"),
    Case("bad_statement_order_differs_from_anchor_start", "StatementShape", SPARQL, "differs from the oa:start"),
    Case("bad_quotation_without_speaker", "DirectQuotation-speaker", "MinCount", "direct quotation needs exactly one"),
    Case("bad_paraphrase_with_two_speakers", "Paraphrase-speaker", "MaxCount", "paraphrase needs exactly one"),
    Case("bad_claim_with_speaker", "AuthorialClaim-speaker", "MaxCount", "authorial claim"),
    Case("bad_question_with_speaker", "AuthorialQuestion-speaker", "MaxCount", "authorial question"),
    Case("bad_stance_without_target", "StanceAttribution-target", "MinCount", "kg:stanceTarget"),
    Case("bad_stance_type_unknown", "StanceAttribution-type", "In", "kg:stanceType"),
    Case("bad_stance_of_no_statement", "StanceAttribution-statement", "MinCount", "belongs to exactly one statement"),
    # shapes/actor.ttl
    Case("bad_person_holds_not_a_post", "Person-holds", "Class", "org:holds"),
    Case("bad_organization_part_of_a_person", "Organization-subOrganizationOf", "Class", "org:subOrganizationOf"),
    Case("bad_organization_member_of_a_state", "Organization-memberOfGroup", "Class", "kg:CountryGroup"),
    Case("bad_post_without_post_in", "Post-postIn", "MinCount", "org:postIn"),
    Case("bad_post_reports_to_a_person", "Post-reportsTo", "Class", "org:reportsTo"),
    Case("bad_holding_without_holder", "OfficeHolding-holder", "MinCount", "kg:holder"),
    Case("bad_holding_office_not_a_post", "OfficeHolding-office", "Class", "kg:office"),
    Case("bad_holding_status_unknown", "OfficeHolding-status", "In", "kg:holdingStatus"),
    Case("bad_holding_remit_not_language_tagged", "OfficeHolding-remit", "Datatype", "kg:remit"),
    # shapes/event.ttl
    Case("bad_event_without_source", "Event-source", "MinCount", "An event must come from"),
    Case("bad_event_participant_not_an_actor", "Event-participant", "Class", "kg:participant"),
    Case("bad_event_venue_not_an_organization", "Event-venue", "Class", "kg:venue"),
    Case("bad_event_broadcaster_not_a_media_outlet", "Event-broadcaster", "Class", "kg:broadcaster"),
    Case("bad_event_published_in_not_an_issue", "Event-publishedIn", "Class", "kg:publishedIn"),
    Case("bad_event_part_of_two_events", "Event-partOfEvent", "MaxCount", "kg:partOfEvent"),
    Case("bad_issue_without_periodical", "PeriodicalIssue-issueOf", "MinCount", "kg:issueOf"),
    Case("bad_date_label_language_tagged", "DateSpecification-label", "Datatype", "plain xsd:string"),
    Case("bad_date_value_plain_string", "DateSpecification-value", "Or", "kg:dateValue"),
    Case("bad_date_date_time_not_a_date_time", "DateSpecification-dateTime", "Datatype", "an xsd:dateTime"),
    Case("bad_date_precision_unknown", "DateSpecification-precision", "In", "kg:precision"),
    Case("bad_date_without_status", "DateSpecification-status", "MinCount", "kg:dateStatus"),
    Case("bad_date_inference_basis_plain", "DateSpecification-inferenceBasis", "Datatype", "kg:inferenceBasis is"),
    Case("bad_date_stated_value_plain_string", "DateSpecification-statedValue", "Or", "kg:statedValue"),
    Case("bad_date_precision_mismatch", "DateSpecificationShape", SPARQL, "does not match the datatype"),
    Case("bad_inferred_date_without_basis", "DateSpecificationShape", SPARQL, "must say on what basis"),
    Case("bad_date_date_time_not_the_start_of_its_value", "DateSpecificationShape", SPARQL, "is not the first instant"),
    # shapes/concept.ttl
    Case("bad_concept_without_scheme", "Concept-inScheme", "MinCount", "skos:inScheme"),
    Case("bad_collection_without_members", "Collection-member", "MinCount", "skos:member"),
    Case("bad_ordered_collection_without_member_list", "OrderedCollection-memberList", "MinCount", "skos:memberList"),
    Case("bad_ordered_collection_member_not_in_list", "OrderedCollectionShape", SPARQL, "must list the same concepts"),
    Case("bad_list_cell_with_two_members", "ListCell-first", "MaxCount", "exactly one rdf:first"),
    Case("bad_list_cell_position_not_integer", "ListCell-position", "Datatype", "kg:listPosition, an xsd:integer"),
    Case("bad_list_cell_position_out_of_order", "ListCellShape", SPARQL, "not this cell's place in the list"),
)


def validate_fixture(name: str, shapes: Graph, ontology: Graph) -> Report:
    return validate_graph(Graph().parse(FIXTURES / f"{name}.ttl", format="turtle"), shapes, ontology)


def kgsh(node: Node) -> str:
    """The local name of a shape in the kgsh: namespace (a blank node or foreign IRI stays whole)."""
    return str(node).removeprefix(KGSH)


def sparql_constraints(shapes: Graph) -> list[tuple[str, str]]:
    """(node shape, message template) of every SPARQL constraint."""
    return sorted((kgsh(s), str(shapes.value(c, SH.message))) for s, c in shapes.subject_objects(SH.sparql))


def message_shapes(shapes: Graph) -> set[str]:
    """Every property shape that carries its own message."""
    return {kgsh(s) for s in shapes.subjects(RDF.type, SH.PropertyShape) if (s, SH.message, None) in shapes}


# --------------------------------------------------------------------------------------------------------------------
# the real graph
# --------------------------------------------------------------------------------------------------------------------


def test_compiled_articles_conform_with_zero_results(shapes: Graph, ontology: Graph) -> None:
    """Every annotated article, compiled as the build does, passes every shape."""
    quads, sources = compile_sources(Minter())
    assert sources >= 1
    report = validate_graph(to_rdflib(quads), shapes, ontology)
    assert report.results == (), report.text()
    assert report.conforms


# --------------------------------------------------------------------------------------------------------------------
# one failing fixture per constraint
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_bad_fixture_is_reported_by_its_own_shape_and_message_only(case: Case, shapes: Graph, ontology: Graph) -> None:
    """The fixture fails, and every result comes from the expected shape and component, with its message."""
    report = validate_fixture(case.fixture, shapes, ontology)
    assert not report.conforms
    assert report.results, report.text()
    kinds = {(kgsh(r.shape), r.component) for r in report.results}
    assert kinds == {(case.shape, case.component + "ConstraintComponent")}, report.text()
    assert all(case.message in r.message for r in report.results), report.text()


def test_every_fixture_file_has_a_row_in_the_table() -> None:
    files = sorted(p.stem for p in FIXTURES.glob("bad_*.ttl"))
    rows = [c.fixture for c in CASES]
    assert len(rows) == len(set(rows)), "a fixture is listed twice"
    assert files == sorted(rows)


def test_every_property_shape_with_a_message_has_a_failing_fixture(shapes: Graph) -> None:
    tested = {c.shape for c in CASES if c.component != SPARQL}
    assert sorted(message_shapes(shapes) - tested) == [], "property shapes without a failing fixture"
    assert sorted(tested - message_shapes(shapes)) == [], "table rows naming no property shape with a message"


def test_every_sparql_constraint_has_a_failing_fixture(shapes: Graph) -> None:
    rows = [c for c in CASES if c.component == SPARQL]
    constraints = sparql_constraints(shapes)
    for shape, template in constraints:
        matching = [c.fixture for c in rows if c.shape == shape and c.message in template]
        assert len(matching) == 1, f"{shape}: {template!r} is tested by {matching}"
    assert len(rows) == len(constraints)


# --------------------------------------------------------------------------------------------------------------------
# the shapes themselves
# --------------------------------------------------------------------------------------------------------------------


def test_every_shape_is_a_labelled_kgsh_iri_and_every_constraint_has_a_message(shapes: Graph) -> None:
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    referenced = set(shapes.objects(None, SH.property))
    assert referenced <= property_shapes, "a sh:property is not a declared kgsh: property shape"
    for shape in node_shapes | property_shapes:
        assert isinstance(shape, URIRef), f"{shape} is a blank node"
        assert shape.startswith(KGSH), shape
        label = shapes.value(shape, RDFS.label)
        assert isinstance(label, Literal), f"{shape} has no rdfs:label"
        assert label.language == "en", shape
    for shape in property_shapes:
        assert isinstance(shapes.value(shape, SH.message), Literal), f"{shape} has no sh:message"
    for shape, constraint in shapes.subject_objects(SH.sparql):
        assert isinstance(shapes.value(constraint, SH.message), Literal), f"a SPARQL constraint of {shape}"
        assert isinstance(shapes.value(constraint, RDFS.label), Literal), f"a SPARQL constraint of {shape}"


def test_sparql_prefixes_are_declared_once_and_agree_with_kg_iris(shapes: Graph) -> None:
    """One sh:declare node serves every SPARQL constraint and target; its prefixes are those of kg.iris."""
    users = set(shapes.subjects(SH.prefixes, None))
    assert users, "no SPARQL constraint or target"
    assert set(shapes.objects(None, SH.prefixes)) == {SHAPES_GRAPH}
    assert len(users) == len(list(shapes.subject_objects(SH.sparql))) + len(list(shapes.objects(None, SH.target)))
    declared = {
        str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
        for d in shapes.objects(SHAPES_GRAPH, SH.declare)
    }
    assert declared == {prefix: PREFIXES[prefix] for prefix in declared}
    for query in shapes.objects(None, SH.select):
        used = set(re.findall(r"\b([a-z]+):[A-Za-z]", str(query)))
        assert used <= set(declared), f"undeclared prefix in {query}"


def test_every_kg_term_is_used_by_a_shape(shapes: Graph, ontology: Graph) -> None:
    """Each term of kg.iris.KG is constrained by some shape, or (a value class) has its values listed in sh:in."""
    used = {o for o in shapes.objects() if isinstance(o, URIRef)}
    used |= {o for lst in shapes.objects(None, SH["in"]) for o in Collection(shapes, lst)}
    used |= {
        URIRef(KG_NS + name)
        for query in shapes.objects(None, SH.select)
        for name in re.findall(r"kg:(\w+)", str(query))
    }
    missing = []
    for name in KG.__annotations__:
        term = URIRef(KG_NS + name)
        values = set(ontology.subjects(RDF.type, term))
        if term not in used and not (values and values <= used):
            missing.append(name)
    assert missing == []


def test_ontology_values_are_not_taken_for_data_concepts(shapes: Graph, ontology: Graph) -> None:
    """kg:Stance, kg:HoldingStatus and kg:DateStatus subclass skos:Concept: their values in the ontology graph
    (mixed into the data by pyshacl) must not be held to the shape of a concept derived from a source."""
    assert (KG.Stance, RDFS.subClassOf, SKOS.Concept) in ontology
    assert validate_graph(Graph(), shapes, ontology).conforms


# --------------------------------------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------------------------------------


def test_report_text_names_focus_node_path_and_message_of_each_violation(shapes: Graph, ontology: Graph) -> None:
    data = Graph()
    data.parse(FIXTURES / "bad_pref_label_missing.ttl", format="turtle")
    data.parse(FIXTURES / "bad_quote_two_prefixes.ttl", format="turtle")
    report = validate_graph(data, shapes, ontology)
    expected = {
        ("https://example.org/akg/id/japan", str(SKOS.prefLabel), "PrefLabelProperty"),
        ("https://example.org/akg/id/sel", "http://www.w3.org/ns/oa#prefix", "TextQuoteSelector-prefix"),
    }
    assert {(r.focus, r.path, kgsh(r.shape)) for r in report.results} == expected
    text = report.text()
    assert text.startswith("Does not conform: 2 result(s).")
    blocks = text.split("\nViolation: ")[1:]
    assert len(blocks) == 2, text
    for focus, path, shape in expected:
        message = str(shapes.value(URIRef(KGSH + shape), SH.message))
        assert any(focus in b and path in b and message in b for b in blocks), text
