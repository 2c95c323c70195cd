"""Errors raised by the ``kg`` library.

    KgError                  anything the library refuses to do, with a readable message
    ├── AnnotationError      an annotation file is malformed, refers to nothing, or a span does not match the text
    ├── TextError            a source text cannot be annotated: not UTF-8, empty, binary (kg/annotate/document.py)
    ├── WouldOverwrite       a draft would overwrite a file that is not a draft (kg/annotate/draft.py)
    ├── ShapeViolation       the data does not conform to the SHACL shapes (carries the report): a build or a write
    ├── ProtectedData        a write would change the ontology or a source text
    ├── LoadRefused          an update LOADs a document outside the LOAD allowlist
    ├── WriterBusy           another write held the write lock longer than a write waits for it
    ├── UnsupportedShape     a shape uses a feature whose reads the write gate cannot work out (also a
    │                        NotImplementedError), or that kg/validate_screen.py cannot write as a query
    ├── QueryNotFound        no shipped query has that name
    ├── ServiceRefused       a request calls a SERVICE endpoint outside the allowlist, or an update calls one at all
    ├── QueryTooDeep         a query or update could overflow the engine's stack (kg/depth.py)
    ├── ReviewError          a draft cannot be read for review (kg/review/decisions.py)
    ├── Rejected             the review decisions give a file that fails a check; nothing is written (idem)
    ├── UpdateDatasetConflict  an update request gives its dataset both as protocol parameters and in its text
    ├── StoreUnavailable     the SPARQL engine behind the store cannot be reached (kg/remote_store.py)
    ├── EngineTimeout        the engine stopped a query at its time limit, or answered only part of it
    ├── VirtuosoError        a private Virtuoso is missing, did not start, or refused a command (kg/engines/)
    ├── UpstreamVersionError rdflib or pyshacl is at a version kg/upstream_patches.py was not written for (an
    │                        installation fault: the server answers 500, not 400)
    ├── SearchError          a full-text search is malformed, or a query uses the search SERVICE wrongly (kg/search.py)
    ├── SearchIndexMissing   a search needs the index file and there is none (`kg build` writes it)
    ├── UnnamedBlankNode     a write on an engine removes a blank node that the engine has no name for
    └── LinkError            reconciliation failed: the Wikidata endpoint is unreachable or refused, or a review
                             file is inconsistent

pyoxigraph and the update parser raise ``SyntaxError`` for malformed SPARQL, and ``ValueError``/``OSError``.
The server maps each of them to one HTTP status in ``server/errors.py``.
"""

from __future__ import annotations

from typing import Any


class KgError(Exception):
    """Base of every error the library raises on purpose."""


class AnnotationError(KgError):
    """An annotation file is wrong; ``location`` says where (file, and item or offset)."""

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(f"{location}: {message}" if location else message)
        self.location = location


class ShapeViolation(KgError):
    """The data does not conform to the shapes; ``report`` is a :class:`kg.validate.Report`."""

    def __init__(self, report: Any, message: str | None = None) -> None:
        super().__init__(message or f"SHACL validation failed with {len(report.results)} result(s)")
        self.report = report


class ProtectedData(KgError):
    """The write would change the ontology or a source text."""


class LoadRefused(KgError):
    """A ``LOAD`` of a document this server is not allowed to fetch."""


class WriterBusy(KgError):
    """Another write held the write lock for longer than a write waits for it (``waited`` s): nothing was written."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"Another write has been running for more than {waited:g} s; nothing was written, try again.")
        self.waited = waited


class UnsupportedShape(NotImplementedError, KgError):
    """A shape uses a feature whose reads the gate cannot work out: validating only a neighbourhood would be unsafe."""


class QueryNotFound(KgError):
    """No query of that name ships with the project."""


class ServiceRefused(KgError):
    """A SERVICE call this server will not make (kg/federation.py); nothing was evaluated or written."""


class QueryTooDeep(KgError):
    """A query or update nests or chains deeper than the engines can take (see :mod:`kg.depth`)."""


class UpdateDatasetConflict(KgError):
    """``using-graph-uri``/``using-named-graph-uri`` with ``WITH``/``USING`` in the update (SPARQL 1.1 Protocol
    §2.2.3 requires a refusal)."""


class StoreUnavailable(KgError):
    """The engine behind a :class:`kg.remote_store.SparqlEngineStore` is down or unreachable; nothing was read."""


class EngineTimeout(KgError):
    """The engine did not finish a query within its time limit (an incomplete answer counts: it is never passed on)."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"the engine did not finish the query within {limit:g} s")
        self.limit = limit


class SearchError(KgError):
    """A search text FTS5 cannot read (an unbalanced quote), or a search SERVICE clause that cannot be evaluated."""


class SearchIndexMissing(KgError):
    """There is no search index to answer from (the server answers 503; ``kg build`` writes the index)."""


class LinkError(KgError):
    """`kg link` cannot reconcile: the endpoint is unreachable or answers wrongly, or a review file is wrong."""


class UpstreamVersionError(KgError):
    """rdflib or pyshacl is at a version the patches (kg/upstream_patches.py) were not written for; the message
    names the package and the versions known."""


class VirtuosoError(KgError):
    """Virtuoso is missing, did not start, or refused a command (the message quotes its output)."""


class UnnamedBlankNode(KgError):
    """A write on a SPARQL engine removes a triple with a blank node that the engine has no name for in an
    update (kg/engine_writes.py); nothing was written."""
