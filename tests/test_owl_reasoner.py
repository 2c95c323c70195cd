"""Issue 14, item 11: an OWL 2 DL reasoner (HermiT, bundled with owlready2) loads the ontology with the built data,
finds them consistent and draws inferences from them.

HermiT refuses any literal whose datatype is outside the OWL 2 datatype map in an axiom it must reason with; the
graph used to state dates only as ``xsd:date``/``xsd:gYearMonth``/``xsd:gYear`` values of a datatype property
(``UnsupportedDatatypeException: ... 'http://www.w3.org/2001/XMLSchema#gYear' is not part of the OWL 2 datatype
map``). Dates now carry ``kg:dateTime`` (``xsd:dateTime``, in the map) for reasoners, and the SPARQL-facing
``kg:dateValue``/``kg:statedValue`` are annotation properties, which reasoners do not interpret.
"""

from __future__ import annotations

import io
import shutil

import owlready2
import pyoxigraph as ox
import pytest

from kg.build import BuildResult
from kg.iris import Minter
from kg.validate import ONTOLOGY_FILE

PROBE = "http://probe.invalid/owl#"
PROBE_PREFIXES = """
@prefix kg: <https://w3id.org/akg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix probe: <http://probe.invalid/owl#> .
"""


def ntriples(data: bytes, fmt: ox.RdfFormat, *, skip_graph: str | None = None) -> bytes:
    """The triples of an RDF document as N-Triples (owlready2 reads neither Turtle nor N-Quads)."""
    skip = ox.NamedNode(skip_graph) if skip_graph else None
    triples = (
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(data, format=fmt)
        if skip is None or q.graph_name != skip
    )
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def load(world: owlready2.World, iri: str, nt: bytes) -> owlready2.Ontology:
    return world.get_ontology(iri).load(fileobj=io.BytesIO(nt), format="ntriples")


def world_with(*documents: bytes) -> owlready2.World:
    """A fresh owlready2 world holding the ontology and the given N-Triples documents, one ontology each."""
    if shutil.which("java") is None:
        pytest.fail("HermiT needs Java and `java` is not on PATH: `make test` installs default-jre-headless as root")
    world = owlready2.World()
    load(world, "https://w3id.org/akg/ontology", ntriples(ONTOLOGY_FILE.read_bytes(), ox.RdfFormat.TURTLE))
    for i, nt in enumerate(documents):
        load(world, f"http://test.invalid/document/{i}", nt)
    return world


def probe(turtle: str) -> bytes:
    return ntriples((PROBE_PREFIXES + turtle).encode(), ox.RdfFormat.TURTLE)


@pytest.fixture(scope="module")
def data(built: BuildResult) -> bytes:
    """Every named graph of the build but the ontology's (sources and Wikidata links), as N-Triples."""
    all_nq = (built.dump_dir / "all.nq").read_bytes()
    return ntriples(all_nq, ox.RdfFormat.N_QUADS, skip_graph=Minter().ontology_graph)


@pytest.fixture(scope="module")
def reasoned(data: bytes) -> owlready2.World:
    """Ontology + data + one probe individual, classified and realised by HermiT (raises if HermiT refuses)."""
    world = world_with(data, probe('probe:date kg:dateTime "2025-06-01T00:00:00"^^xsd:dateTime .'))
    owlready2.sync_reasoner_hermit(world, debug=0)
    return world


def test_hermit_loads_ontology_and_built_data_and_finds_them_consistent(reasoned: owlready2.World) -> None:
    assert list(reasoned.inconsistent_classes()) == []
    dates = reasoned["https://w3id.org/akg/ontology#DateSpecification"].instances()
    assert len(dates) > 10


def test_hermit_infers_a_date_specification_from_the_domain_of_kg_date_time(reasoned: owlready2.World) -> None:
    """The probe has no type; HermiT types it from ``kg:dateTime``'s ``rdfs:domain``."""
    date_specification = reasoned["https://w3id.org/akg/ontology#DateSpecification"]
    assert date_specification in reasoned[PROBE + "date"].is_a


def test_hermit_finds_two_date_times_on_one_date_inconsistent() -> None:
    """``kg:dateTime`` is functional: two different instants on one date contradict the ontology."""
    world = world_with(
        probe('probe:date kg:dateTime "2025-06-01T00:00:00"^^xsd:dateTime , "2025-07-01T00:00:00"^^xsd:dateTime .')
    )
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        owlready2.sync_reasoner_hermit(world, debug=0)
