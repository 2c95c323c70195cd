"""A VoID description of the dataset (https://www.w3.org/TR/void/), computed from the store.

It knows nothing of HTTP: the caller passes where the endpoint and dumps are published. Only RDF files are
``void:dataDump`` s ("an RDF dump, partial or complete"); the SSSOM table a linkset was compiled from is its
``dcterms:source`` (https://www.w3.org/TR/void/#describing-linksets).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from kg.dump import dump_name
from kg.iris import FORMATS, KG, ONTOLOGY_IRI, PREFIXES, SSSOM, VOID, Minter
from kg.link.mappings import table_name
from kg.narrow import solutions
from kg.queries import load
from kg.store import GraphStore

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
VOCABULARIES = tuple(PREFIXES[p] for p in ("kg", "prov", "org", "skos", "oa", "schema", "time"))
#: The files of the dump directory that are RDF (Turtle, N-Quads, and their gzip copies).
RDF_DUMPS = (".ttl", ".nq", ".ttl.gz", ".nq.gz")
TSV = URIRef("https://www.iana.org/assignments/media-types/text/tab-separated-values")


def _int(term: object) -> Literal:
    assert isinstance(term, ox.Literal)
    return Literal(int(term.value), datatype=XSD.integer)


def void_description(store: GraphStore, minter: Minter, endpoint: str, dumps: list[str]) -> Graph:
    """The dataset's VoID description: totals, class and property partitions, examples, access points."""
    g = Graph(bind_namespaces="none")
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    dataset = URIRef(minter.dataset)
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal("Article knowledge graph", lang="en")))
    g.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "What news articles say: statements anchored to their source text, speakers, offices, events, "
                "dates and policy concepts.",
                lang="en",
            ),
        )
    )
    g.add((dataset, DCTERMS.license, LICENSE))
    g.add(
        (
            dataset,
            DCTERMS.rights,
            Literal(
                "Annotations and ontology: CC BY 4.0. Source texts remain the property of their publishers and are "
                "included only so that the text anchors can be verified.",
                lang="en",
            ),
        )
    )
    g.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint)))
    g.add((dataset, VOID.uriSpace, Literal(minter.id_space)))
    g.add((dataset, VOID.feature, FORMATS.Turtle))
    g.add((dataset, VOID.feature, FORMATS["N-Quads"]))
    for dump in dumps:
        if dump.endswith(RDF_DUMPS):
            g.add((dataset, VOID.dataDump, URIRef(dump)))
    for vocabulary in VOCABULARIES:
        g.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    g.add((dataset, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))

    totals = next(iter(solutions(store.query(load("void_totals").text))))
    g.add((dataset, VOID.triples, _int(totals["triples"])))
    g.add((dataset, VOID.distinctSubjects, _int(totals["subjects"])))
    g.add((dataset, VOID.distinctObjects, _int(totals["objects"])))
    entities = 0
    for row in solutions(store.query(load("void_class_partitions").text)):
        partition = BNode()
        g.add((dataset, VOID.classPartition, partition))
        g.add((partition, VOID["class"], URIRef(row["class"].value)))
        g.add((partition, VOID.entities, _int(row["entities"])))
        if row["class"].value.startswith(str(KG._NS)):
            entities += int(row["entities"].value)
    g.add((dataset, VOID.entities, Literal(entities, datatype=XSD.integer)))
    properties = 0
    for row in solutions(store.query(load("void_property_partitions").text)):
        partition = BNode()
        properties += 1
        g.add((dataset, VOID.propertyPartition, partition))
        g.add((partition, VOID.property, URIRef(row["property"].value)))
        g.add((partition, VOID.triples, _int(row["triples"])))
    g.add((dataset, VOID.properties, Literal(properties, datatype=XSD.integer)))
    for row in solutions(store.query(load("void_examples").text)):
        g.add((dataset, VOID.exampleResource, URIRef(row["example"].value)))
    for graph in store.graphs():
        subset = URIRef(graph)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, FOAF.page, URIRef(graph)))
    published = {url.rsplit("/", 1)[-1]: url for url in dumps}
    for row in solutions(store.query(load("void_linksets").text)):
        _add_linkset(g, dataset, row, published, minter)
    return g


def _add_linkset(g: Graph, dataset: URIRef, row: ox.QuerySolution, published: dict[str, str], minter: Minter) -> None:
    """A linkset's targets, link predicates and number of links; its Turtle dump, and the SSSOM table it was
    compiled from (``dcterms:source``: a TSV file is not an RDF dump)."""
    linkset = URIRef(row["linkset"].value)
    g.add((dataset, VOID.subset, linkset))
    g.add((linkset, RDF.type, VOID.Linkset))
    g.add((linkset, VOID.subjectsTarget, dataset))
    g.add((linkset, VOID.objectsTarget, URIRef(row["target"].value)))
    for predicate in row["predicates"].value.split():
        g.add((linkset, VOID.linkPredicate, URIRef(predicate)))
    g.add((linkset, VOID.triples, _int(row["links"])))
    if dump := published.get(f"{dump_name(linkset)}.ttl"):
        g.add((linkset, VOID.dataDump, URIRef(dump)))
    if table := published.get(table_name(linkset.removeprefix(minter.links_graph("")))):
        g.add((linkset, DCTERMS.source, URIRef(table)))
        g.add((URIRef(table), DCTERMS["format"], TSV))
        g.add((URIRef(table), DCTERMS.conformsTo, URIRef(str(SSSOM))))
