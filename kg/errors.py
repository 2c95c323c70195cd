"""Errors raised by the ``kg`` library.

    KgError                  anything the library refuses to do, with a readable message
    ├── AnnotationError      an annotation file is malformed, refers to nothing, or a span does not match the text
    ├── CompileError         the model cannot be turned into RDF
    ├── ShapeViolation       the graph does not conform to the SHACL shapes (carries the report)
    ├── QueryNotFound        no shipped query has that name
    ├── ServiceRefused       a request calls a SERVICE endpoint outside the allowlist, or an update calls one at all
    ├── QueryTooDeep         a query or update could overflow the engine's stack (kg/depth.py)
    ├── StoreUnavailable     the SPARQL engine behind the store cannot be reached (kg/remote_store.py)
    ├── EngineTimeout        the engine stopped a query at its time limit, or answered only part of it
    └── LinkError            reconciliation failed: the Wikidata endpoint is unreachable or refused, or a review
                             file is inconsistent

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


class CompileError(KgError):
    """The model cannot be compiled to RDF."""


class ShapeViolation(KgError):
    """The data does not conform to the shapes; ``report`` is a :class:`kg.validate.Report`."""

    def __init__(self, report: Any) -> None:
        super().__init__(f"SHACL validation failed with {len(report.results)} result(s)")
        self.report = report


class QueryNotFound(KgError):
    """No query of that name ships with the project."""


class ServiceRefused(KgError):
    """A SERVICE call this server will not make (kg/federation.py); nothing was evaluated or written."""


class QueryTooDeep(KgError):
    """A query or update nests or chains deeper than the engines can take (see :mod:`kg.depth`)."""


class StoreUnavailable(KgError):
    """The engine behind a :class:`kg.remote_store.SparqlEngineStore` is down or unreachable; nothing was read."""


class EngineTimeout(KgError):
    """The engine did not finish a query within its time limit (an incomplete answer counts: it is never passed on)."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"the engine did not finish the query within {limit:g} s")
        self.limit = limit


class LinkError(KgError):
    """`kg link` cannot reconcile: the endpoint is unreachable or answers wrongly, or a review file is wrong."""
