"""Evaluate a query and serialise its result in the negotiated format: pure, and safe to run in any process.

The streaming executor (server/executor.py) and the buffered :func:`execute` share :func:`evaluate`, so a query
gives the same status and bytes whichever path serves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import EngineTimeout, KgError, StoreUnavailable
from kg.iris import PREFIXES
from kg.search import SearchIndex
from kg.search_service import expand_search
from kg.store import Dataset, GraphStore
from server import conneg
from server.errors import ErrorResponse, ProtocolError, error_response, evaluation_error


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


def _outcome(answer: ErrorResponse) -> Outcome:
    return Outcome(answer.status, answer.media_type, answer.body)


QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def evaluate(store: GraphStore, job: Job, timeout: float | None = None) -> Outcome | tuple[QueryResult, conneg.Offer]:
    """Evaluate ``job`` and pick its format: the (lazy) result and the offer, or a 4xx/5xx outcome.

    ``timeout`` is the time left (seconds), for a store whose engine can stop a query itself. A failure of that
    engine (:class:`~kg.errors.StoreUnavailable`, :class:`~kg.errors.EngineTimeout`) is raised: it is a 503.
    """
    try:
        query = expand_search(job.query, job.search)  # here, in the query's thread: a search reads a file
        result = store.query(query, job.dataset, base_iri=job.base_iri, timeout=timeout)
    except (StoreUnavailable, EngineTimeout):
        raise  # the executor answers 503 and counts the timeout
    except (SyntaxError, KgError, ValueError, RuntimeError, OSError) as err:
        return error_outcome(job, err)
    offers = conneg.RDF_OFFERS if isinstance(result, ox.QueryTriples) else conneg.RESULT_OFFERS
    offer = conneg.negotiate(job.accept, offers, job.format)
    if offer is None:
        refusal = ProtocolError(406, f"No acceptable result format: this query can return {conneg.describe(offers)}.")
        return _outcome(error_response(refusal))
    return result, offer


def error_outcome(job: Job, err: Exception) -> Outcome:
    """The answer for an error of the query's evaluation (server/errors.py picks the status)."""
    return _outcome(evaluation_error(err, job.query))


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
