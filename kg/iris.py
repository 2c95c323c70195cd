"""Every namespace, prefix and IRI-minting rule of the project, in one place.

Our own vocabulary lives under the fixed ontology namespace ``KG``; the data
(entities, statements, anchors, named graphs) lives under a *base IRI* that a
deployment may choose (``kg build --base``). Nothing else in the code builds
IRIs from strings: it calls a :class:`Minter`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace
from rdflib.namespace import URIRef as _URIRef

DEFAULT_BASE_IRI = "https://w3id.org/akg/"
ONTOLOGY_IRI = "https://w3id.org/akg/ontology"


class KG(DefinedNamespace):
    """The project's ontology terms (``ontology/kg.ttl``); a typo fails at import."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # actors
    Actor: _URIRef
    Person: _URIRef
    Organization: _URIRef
    State: _URIRef
    PoliticalParty: _URIRef
    IntergovernmentalOrganization: _URIRef
    MediaOutlet: _URIRef
    AcademicInstitution: _URIRef
    ResearchInstitute: _URIRef
    ArmedForces: _URIRef
    CountryGroup: _URIRef
    Place: _URIRef
    City: _URIRef
    Region: _URIRef
    # offices
    Post: _URIRef
    OfficeHolding: _URIRef
    HoldingStatus: _URIRef
    CurrentHolding: _URIRef
    FormerHolding: _URIRef
    # statements
    Statement: _URIRef
    DirectQuotation: _URIRef
    Paraphrase: _URIRef
    AuthorialClaim: _URIRef
    AuthorialQuestion: _URIRef
    StanceAttribution: _URIRef
    Stance: _URIRef
    Advocates: _URIRef
    Qualifies: _URIRef
    Doubts: _URIRef
    Questions: _URIRef
    Describes: _URIRef
    # events and media
    Event: _URIRef
    Conference: _URIRef
    Speech: _URIRef
    Interview: _URIRef
    TelevisionAppearance: _URIRef
    Periodical: _URIRef
    PeriodicalIssue: _URIRef
    # sources, anchors, dates
    SourceDocument: _URIRef
    DraftGraph: _URIRef
    TextAnchor: _URIRef
    DateSpecification: _URIRef
    DateStatus: _URIRef
    StatedInSource: _URIRef
    InferredDate: _URIRef
    FromSourceMetadata: _URIRef

    # object properties
    speaker: _URIRef
    speakerCapacity: _URIRef
    madeThrough: _URIRef
    probablyMadeThrough: _URIRef
    date: _URIRef
    place: _URIRef
    mentions: _URIRef
    about: _URIRef
    namesPartner: _URIRef
    hasStance: _URIRef
    stanceTarget: _URIRef
    stanceType: _URIRef
    quotedWithin: _URIRef
    anchor: _URIRef
    holder: _URIRef
    office: _URIRef
    holdingStatus: _URIRef
    partOfEvent: _URIRef
    venue: _URIRef
    broadcaster: _URIRef
    publishedIn: _URIRef
    issueOf: _URIRef
    publisher: _URIRef
    participant: _URIRef
    memberOfGroup: _URIRef
    precision: _URIRef
    dateStatus: _URIRef
    publicationDate: _URIRef
    # datatype properties
    remit: _URIRef
    dateTime: _URIRef
    inferenceBasis: _URIRef
    fullText: _URIRef
    sha256: _URIRef
    characterCount: _URIRef
    sourceFile: _URIRef
    metadataEvidence: _URIRef
    orderInSource: _URIRef
    listPosition: _URIRef
    # annotation properties (their XML Schema date types are outside the OWL 2 datatype map)
    dateValue: _URIRef
    statedValue: _URIRef


ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
#: The reserved SERVICE IRI of full-text search inside SPARQL (kg/search_service.py), and its properties.
SEARCH_SERVICE = "https://w3id.org/akg/search"
KGSEARCH = Namespace(SEARCH_SERVICE + "#")

#: The prefixes used in every serialisation, query example and page (Turtle prefix -> namespace).
PREFIXES: dict[str, str] = {
    "kg": str(KG._NS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "org": str(ORG),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "time": str(TIME),
    "foaf": str(FOAF),
    "sh": str(SH),
    "void": str(VOID),
    "sd": str(SD),
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
    "wd": str(WD),
    "wdt": str(WDT),
}

#: Entity kinds that get their own path segment under ``{base}id/``.
ENTITY_KINDS = (
    "person",
    "organization",
    "state",
    "place",
    "post",
    "holding",
    "event",
    "statement",
    "concept",
    "source",
    "date",
    "work",
)

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """Turn a label into a readable, stable IRI slug.

    >>> slugify("Nakatani Gen")
    'nakatani-gen'
    >>> slugify("J.D. Vance")
    'j-d-vance'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def is_slug(text: str) -> bool:
    """Whether ``text`` is a valid slug (lowercase ASCII words joined by hyphens).

    >>> is_slug("nakatani-gen"), is_slug("Nakatani Gen")
    (True, False)
    """
    return bool(_SLUG_RE.match(text))


@dataclass(frozen=True)
class Minter:
    """Mints every data IRI under one base.

    >>> m = Minter("https://w3id.org/akg/")
    >>> m.entity("person", "nakatani-gen")
    'https://w3id.org/akg/id/person/nakatani-gen'
    >>> m.graph("diplomat-2025-06-strategic-autonomy")
    'https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy'
    """

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI must end with '/' or '#': {self.base!r}")

    @property
    def id_space(self) -> str:
        """The namespace of every entity IRI (VoID's ``void:uriSpace``; the server dereferences it under ``/id/``)."""
        return f"{self.base}id/"

    def id_path(self, path: str) -> str:
        """The IRI that ``/id/{path}`` names on our server; unchecked (it may name nothing).

        >>> Minter().id_path("person/nakatani-gen")
        'https://w3id.org/akg/id/person/nakatani-gen'
        """
        return self.id_space + path

    def entity_namespace(self, kind: str) -> str:
        """The namespace of the entities of ``kind`` (a CURIE prefix in the SSSOM tables).

        >>> Minter().entity_namespace("post")
        'https://w3id.org/akg/id/post/'
        """
        if kind not in ENTITY_KINDS:
            raise ValueError(f"unknown entity kind {kind!r}")
        return f"{self.id_space}{kind}/"

    def entity(self, kind: str, slug: str) -> str:
        """IRI of an entity of ``kind`` (one of :data:`ENTITY_KINDS`)."""
        namespace = self.entity_namespace(kind)
        if not all(is_slug(part) for part in slug.split("/")):
            raise ValueError(f"not a slug: {slug!r}")
        return namespace + slug

    def part(self, owner_iri: str, *segments: str) -> str:
        """IRI of a node that only exists as part of another (an anchor, a selector, a stance)."""
        return "/".join((owner_iri, *segments))

    def graph(self, source_slug: str) -> str:
        """IRI of the named graph that holds everything derived from one source."""
        return f"{self.base}graph/{source_slug}"

    def draft_graph(self, source_slug: str) -> str:
        """IRI of the named graph of a source whose annotations are an unreviewed draft (``kg build --drafts``).

        >>> Minter().draft_graph("new-article")
        'https://w3id.org/akg/graph/new-article/draft'
        """
        return f"{self.graph(source_slug)}/draft"

    def in_draft_graph(self, iri: str, source_slug: str) -> str:
        """``iri`` moved under the source's draft graph if it is the source's graph or part of it, else unchanged.

        >>> Minter().in_draft_graph("https://w3id.org/akg/graph/new-article/anchor/1", "new-article")
        'https://w3id.org/akg/graph/new-article/draft/anchor/1'
        """
        reviewed = self.graph(source_slug)
        if iri == reviewed or iri.startswith(reviewed + "/"):
            return self.draft_graph(source_slug) + iri[len(reviewed) :]
        return iri

    def new_graph(self) -> str:
        """IRI of a graph created by a Graph Store POST to the store itself (GSP §5.5): a fresh random name.

        >>> Minter().new_graph().startswith("https://w3id.org/akg/graph/")
        True
        """
        return self.graph(uuid.uuid4().hex)

    def links_graph(self, target: str) -> str:
        """IRI of the named graph that holds the links to one external dataset (e.g. ``wikidata``)."""
        return f"{self.base}graph/links-{target}"

    @property
    def ontology_graph(self) -> str:
        """IRI of the named graph that holds the ontology."""
        return f"{self.base}graph/ontology"

    @property
    def dataset(self) -> str:
        """IRI of the dataset as a whole (the subject of its VoID description)."""
        return f"{self.base}dataset"

    @property
    def mappings_namespace(self) -> str:
        """The namespace of SSSOM mapping sets and of their extension slots."""
        return f"{self.base}mappings/"

    def mapping_set(self, name: str) -> str:
        """IRI of one SSSOM mapping set (e.g. ``wikidata-proposals``, the review file of ``kg link``)."""
        return self.mappings_namespace + name

    def rebased(self, iri: str, old_base: str = DEFAULT_BASE_IRI) -> str:
        """``iri``, minted under ``old_base``, under this base instead; any other IRI unchanged.

        >>> Minter("https://example.org/kg/").rebased("https://w3id.org/akg/id/person/x")
        'https://example.org/kg/id/person/x'
        >>> Minter().rebased("http://www.wikidata.org/entity/Q1")
        'http://www.wikidata.org/entity/Q1'
        """
        return self.base + iri[len(old_base) :] if iri.startswith(old_base) else iri

    def is_local(self, iri: str) -> bool:
        """Whether ``iri`` is minted under this base (and so dereferences on our server)."""
        return iri.startswith(self.base)
