"""Evaluate a query and serialise its result in the negotiated format: pure, and safe to run in any process.

The streaming executor (server/executor.py) and the buffered :func:`execute` share :func:`evaluate`, so a query
gives the same status and bytes whichever path serves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import QueryTooDeep, SearchError, SearchIndexMissing
from kg.iris import PREFIXES
from kg.search import SearchIndex
from kg.search_service import expand_search
from kg.store import Dataset, GraphStore
from server import conneg
from server.errors import error_response


@dataclass(frozen=True)
class Job:
    """One query to run: what the protocol request asked for, already parsed."""

    query: str
    dataset: Dataset = field(default_factory=Dataset)
    accept: str | None = None
    format: str | None = None
    base_iri: str | None = None
    #: the full-text index that search SERVICE clauses read (kg/search_service.py); not part of the job's identity
    search: SearchIndex | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Outcome:
    """An HTTP answer: status, media type (with charset) and body."""

    status: int
    media_type: str
    body: bytes


def _text(status: int, message: str) -> Outcome:
    return Outcome(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode())


QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def evaluate(store: GraphStore, job: Job) -> Outcome | tuple[QueryResult, conneg.Offer]:
    """Evaluate ``job`` and pick its format: the (lazy) result and the offer, or a 4xx/5xx outcome."""
    try:
        query = expand_search(job.query, job.search)  # here, in the query's thread: a search reads a file
    except (SearchError, SearchIndexMissing) as err:
        answer = error_response(err)
        return Outcome(answer.status, answer.media_type, answer.body)
    try:
        result = store.query(query, job.dataset, base_iri=job.base_iri)
    except SyntaxError as err:
        return _text(400, f"Malformed SPARQL: {err}")
    except QueryTooDeep as err:
        return _text(400, str(err))
    except ValueError as err:  # e.g. an invalid IRI in default-graph-uri
        return _text(400, f"Bad request: {err}")
    except RuntimeError as err:  # a valid query the engine cannot run, e.g. an unknown extension function
        return _text(501, f"Not supported by this endpoint: {err}")
    except OSError as err:  # an eager evaluation (aggregate, sort) failed, e.g. a SERVICE call
        return error_outcome(job, err)
    offers = conneg.RDF_OFFERS if isinstance(result, ox.QueryTriples) else conneg.RESULT_OFFERS
    offer = conneg.negotiate(job.accept, offers, job.format)
    if offer is None:
        return _text(406, f"No acceptable result format: this query can return {conneg.describe(offers)}.")
    return result, offer


def error_outcome(job: Job, err: OSError) -> Outcome:
    """The answer for an evaluation error: 502 when a remote SERVICE failed, else 500."""
    if "SERVICE" in job.query.upper():  # a remote endpoint failed: a gateway error, not ours
        return _text(502, f"A SERVICE call failed: {err}")
    return _text(500, f"Query evaluation failed: {err}")


def execute(store: GraphStore, job: Job) -> Outcome:
    """Run ``job`` on ``store`` and serialise the whole answer; client errors become 4xx outcomes, never exceptions."""
    evaluated = evaluate(store, job)
    if isinstance(evaluated, Outcome):
        return evaluated
    result, offer = evaluated
    try:
        if isinstance(result, ox.QueryTriples):
            body = ox.serialize(result, format=offer.format, prefixes=PREFIXES)  # type: ignore[arg-type]
        else:
            body = result.serialize(format=offer.format)  # type: ignore[arg-type]
    except OSError as err:  # evaluation errors surface while the lazy result is consumed
        return error_outcome(job, err)
    return Outcome(200, offer.content_type, body or b"")
