"""Content negotiation: the one place that picks a response format (RFC 9110 §12.5.1).

The ``Accept`` header is matched by python-mimeparse (q-values, ``*/*``, ``type/*``, parameters);
offers are listed in order of preference, so the first one wins ties and serves an empty Accept.
A ``format`` request parameter (short name or media type) overrides the header, for browsers and scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mimeparse
import pyoxigraph as ox


@dataclass(frozen=True)
class Offer:
    """A format we can produce: its media type, short names for ``format=``, and the pyoxigraph format."""

    media_type: str
    names: tuple[str, ...]
    format: ox.QueryResultsFormat | ox.RdfFormat | None = None
    extension: str = ""

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value; every textual format we send is UTF-8."""
        return f"{self.media_type}; charset=utf-8"


RESULTS = ox.QueryResultsFormat
RDF = ox.RdfFormat

#: SELECT and ASK results, in order of preference.
RESULT_OFFERS: tuple[Offer, ...] = (
    Offer("application/sparql-results+json", ("json", "srj"), RESULTS.JSON, "srj"),
    Offer("application/sparql-results+xml", ("xml", "srx"), RESULTS.XML, "srx"),
    Offer("text/csv", ("csv",), RESULTS.CSV, "csv"),
    Offer("text/tab-separated-values", ("tsv",), RESULTS.TSV, "tsv"),
    Offer("application/json", (), RESULTS.JSON, "json"),
    Offer("application/xml", (), RESULTS.XML, "xml"),
    Offer("text/xml", (), RESULTS.XML, "xml"),
)

TURTLE = Offer("text/turtle", ("turtle", "ttl"), RDF.TURTLE, "ttl")
N_TRIPLES = Offer("application/n-triples", ("ntriples", "nt"), RDF.N_TRIPLES, "nt")
JSON_LD = Offer("application/ld+json", ("jsonld", "json-ld"), RDF.JSON_LD, "jsonld")
RDF_XML = Offer("application/rdf+xml", ("rdfxml", "rdf", "xml"), RDF.RDF_XML, "rdf")
N_QUADS = Offer("application/n-quads", ("nquads", "nq"), RDF.N_QUADS, "nq")
TRIG = Offer("application/trig", ("trig",), RDF.TRIG, "trig")
#: N-Triples as ``text/plain``, for clients that ask for plain text (the format it was registered from).
PLAIN_N_TRIPLES = Offer("text/plain", (), RDF.N_TRIPLES, "nt")
#: JSON-LD for clients that ask for plain JSON.
PLAIN_JSON_LD = Offer("application/json", ("json",), RDF.JSON_LD, "jsonld")

#: The four triple formats every RDF document here is offered in, in order of preference.
TRIPLE_OFFERS: tuple[Offer, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
#: CONSTRUCT and DESCRIBE results, and RDF documents, in order of preference.
RDF_OFFERS: tuple[Offer, ...] = (*TRIPLE_OFFERS, N_QUADS, TRIG, PLAIN_N_TRIPLES, PLAIN_JSON_LD)

HTML = Offer("text/html", ("html",), None, "html")
#: Plain JSON built by a route (search results), not a pyoxigraph format.
JSON = Offer("application/json", ("json",), None, "json")

#: Citations of a statement, in the media types DOI resolvers serve (https://citation.crosscite.org/docs.html).
CSL_JSON = Offer("application/vnd.citationstyles.csl+json", ("csljson", "csl-json", "csl"), None, "csl")
BIBTEX = Offer("application/x-bibtex", ("bibtex", "bib"), None, "bib")
RIS = Offer("application/x-research-info-systems", ("ris",), None, "ris")
CITATION_OFFERS: tuple[Offer, ...] = (CSL_JSON, BIBTEX, RIS)


@lru_cache(maxsize=4096)
def negotiate(accept: str | None, offers: tuple[Offer, ...], format_param: str | None = None) -> Offer | None:
    """The best offer for an ``Accept`` header (or a ``format`` parameter), or None if none is acceptable.

    Memoised (bounded): clients send the same few headers over and over, and parsing them is a large share of
    a small query's cost on the hot path.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_OFFERS).media_type
    'application/sparql-results+xml'
    >>> negotiate(None, RESULT_OFFERS).media_type
    'application/sparql-results+json'
    >>> negotiate("*/*", RDF_OFFERS).media_type
    'text/turtle'
    >>> negotiate("image/png", RDF_OFFERS) is None
    True
    >>> negotiate("image/png", RESULT_OFFERS, format_param="tsv").media_type
    'text/tab-separated-values'
    """
    if format_param:
        wanted = format_param.strip().lower()
        for offer in offers:
            if wanted == offer.media_type or wanted in offer.names:
                return offer
        return None
    if accept is None or not accept.strip():
        return offers[0]
    # mimeparse lets the last offer win ties; reverse so our first preference does.
    try:
        best = mimeparse.best_match([o.media_type for o in reversed(offers)], accept)
    except (ValueError, mimeparse.MimeTypeParseException):
        return None
    return next((o for o in offers if o.media_type == best), None)


def describe(offers: tuple[Offer, ...]) -> str:
    """A readable list of the media types on offer, for 406 responses.

    >>> describe(RESULT_OFFERS[:2])
    'application/sparql-results+json, application/sparql-results+xml'
    """
    return ", ".join(dict.fromkeys(o.media_type for o in offers))
