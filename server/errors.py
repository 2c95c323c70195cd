"""Exception -> HTTP answer: the only place that picks status codes for errors (:func:`error_response`).

Client mistakes get a 4xx with a one-paragraph ``text/plain`` explanation (as Oxigraph's server does);
anything unexpected is a 500 with a request id and no internal details (the traceback goes to the log);
a request the server cannot answer now (:class:`Unavailable`) a 503 with a JSON body; a write that does not
conform to the shapes a 422 with the SHACL report. The FastAPI app's exception handlers
(:func:`install_error_handlers`) and the ASGI hot path (:func:`server.asgi.send_error`) both answer through
:func:`error_response`, so an error gets the same answer whichever side meets it.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import (
    EngineTimeout,
    KgError,
    LoadRefused,
    ProtectedData,
    QueryNotFound,
    SearchIndexMissing,
    ShapeViolation,
    StoreUnavailable,
    UpstreamVersionError,
    WriterBusy,
)
from server import conneg

log = logging.getLogger("kg.server")

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
#: The 422 report: a JSON summary by default, the SHACL report graph in Turtle when asked for.
REPORT_SUMMARY = conneg.Offer(JSON, ())
REPORT_OFFERS = (REPORT_SUMMARY, conneg.TURTLE)


class ProtocolError(Exception):
    """A request the server refuses; ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Unavailable(Exception):
    """The server cannot answer now: a 503 with a JSON body (:func:`unavailable`).

    Args:
        error: a short code for clients, such as ``query-timeout``.
        message: one sentence for people.
        retry_after: seconds after which a retry (on a new connection) may succeed; None if it would not.
        details: more fields of the body.
    """

    def __init__(self, error: str, message: str, *, retry_after: int | None = None, **details: object) -> None:
        super().__init__(message)
        self.error = error
        self.retry_after = retry_after
        self.details = details


class QueryTimeout(Unavailable):
    """The query ran past its time limit and was stopped."""

    def __init__(self, limit: float) -> None:
        super().__init__("query-timeout", f"Query stopped after its time limit of {limit:g} s.", limit_seconds=limit)
        self.limit = limit


@dataclass(frozen=True)
class ErrorResponse:
    """An error's answer, ready for either side to send."""

    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        """The answer as a Starlette response (for the FastAPI exception handlers)."""
        return Response(self.body, status_code=self.status, media_type=self.media_type, headers=self.headers)


#: Seconds after which a client may retry when the store's engine could not be reached.
STORE_RETRY_AFTER = 5


def store_failure(exc: StoreUnavailable | EngineTimeout) -> Unavailable:
    """The 503 for a failure of the engine behind the store: ``store-unavailable``, or ``query-timeout``.

    >>> store_failure(StoreUnavailable("the SPARQL engine at http://127.0.0.1:1/sparql cannot be reached")).error
    'store-unavailable'
    """
    if isinstance(exc, EngineTimeout):
        return QueryTimeout(exc.limit)
    return Unavailable("store-unavailable", f"The store is unavailable: {exc}.", retry_after=STORE_RETRY_AFTER)


def unavailable(exc: Unavailable) -> tuple[bytes, dict[str, str]]:
    """The JSON body and headers of every 503 (a query timeout, no free query thread, a process going away).

    One shape, so that a client handles them all alike: ``{"error", "message", ...}``, never cached. When a
    retry may succeed, ``Retry-After`` says when, and the connection is closed: a new one may reach another
    serving process, this one's is stuck or going away.

    >>> body, headers = unavailable(QueryTimeout(2))
    >>> body
    b'{"error": "query-timeout", "message": "Query stopped after its time limit of 2 s.", "limit_seconds": 2}'
    >>> headers
    {'Cache-Control': 'no-store'}
    """
    body = json.dumps({"error": exc.error, "message": str(exc), **exc.details}).encode()
    headers = {"Cache-Control": "no-store"}
    if exc.retry_after is not None:
        headers |= {"Retry-After": str(exc.retry_after), "Connection": "close"}
    return body, headers


def writer_busy(exc: WriterBusy) -> Unavailable:
    """The 503 of a write that waited ``exc.waited`` seconds for the write lock: retry after about as long."""
    return Unavailable("writer-busy", str(exc), retry_after=max(1, math.ceil(exc.waited)))


#: Library and engine errors answered in plain text: the first class in the exception's MRO order wins.
_TEXT_ERRORS: tuple[tuple[type[BaseException], int, str], ...] = (
    (ProtectedData, 403, "Refused: {}."),
    (LoadRefused, 403, "Refused: {} (KG_LOAD_ALLOWLIST)."),
    (QueryNotFound, 404, "{}"),
    (UpstreamVersionError, 500, "Internal server error: the installation is not supported: {}"),
    (NotImplementedError, 501, "Not supported by this endpoint: {}"),
    (KgError, 400, "{}"),
    (SyntaxError, 400, "Malformed SPARQL: {}"),
)


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> ErrorResponse:
    return ErrorResponse(status, TEXT, (message.rstrip() + "\n").encode(), dict(headers or {}))


def _report(exc: ShapeViolation, accept: str | None) -> ErrorResponse:
    """422 with the SHACL report: Turtle when asked for, else a JSON summary."""
    report = exc.report
    if conneg.negotiate(accept, REPORT_OFFERS) is conneg.TURTLE:
        return ErrorResponse(422, conneg.TURTLE.content_type, report.graph.serialize(format="turtle").encode())
    results = [
        {"focus": r.focus, "path": r.path, "message": r.message, "severity": r.severity, "constraint": r.component}
        for r in report.results
    ]
    body = json.dumps({"conforms": False, "message": str(exc), "results": results}, ensure_ascii=False)
    return ErrorResponse(422, JSON, body.encode())


def error_response(exc: BaseException, accept: str | None = None, where: str = "") -> ErrorResponse:
    """The answer to a request that raised ``exc``: status, media type, body and headers.

    Args:
        exc: what the request raised.
        accept: the request's ``Accept`` header (the 422 report is negotiated).
        where: the request's method and path, logged with an unexpected error.

    >>> answer = error_response(ProtocolError(413, "Query too long."))
    >>> answer.status, answer.media_type, answer.body
    (413, 'text/plain; charset=utf-8', b'Query too long.\\n')
    >>> error_response(SyntaxError("expected {")).body
    b'Malformed SPARQL: expected {\\n'
    """
    if isinstance(exc, ProtocolError):
        return _text(exc.status, exc.message, exc.headers)
    if isinstance(exc, WriterBusy):
        exc = writer_busy(exc)
    if isinstance(exc, StoreUnavailable | EngineTimeout):
        exc = store_failure(exc)
    if isinstance(exc, SearchIndexMissing):
        exc = Unavailable("search-index-missing", str(exc))
    if isinstance(exc, Unavailable):
        # Answered only once the query has stopped: never a 200 whose body is cut off midway.
        body, headers = unavailable(exc)
        return ErrorResponse(503, JSON, body, headers)
    if isinstance(exc, ShapeViolation):
        return _report(exc, accept)
    if isinstance(exc, StarletteHTTPException):
        return _text(exc.status_code, str(exc.detail), dict(exc.headers or {}))
    if isinstance(exc, RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _text(400, f"Bad request: {problems}")
    for kind in type(exc).__mro__:
        for cls, status, message in _TEXT_ERRORS:
            if kind is cls:
                return _text(status, message.format(exc))
    request_id = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s", request_id, where or "a request", exc_info=exc)
    return _text(500, f"Internal server error (request id {request_id}).")


def evaluation_error(exc: Exception, query: str) -> ErrorResponse:
    """The answer to a query the engine refused or failed on: pyoxigraph raises built-in types for these.

    >>> evaluation_error(ValueError("invalid IRI"), "SELECT * {}").status
    400
    >>> evaluation_error(OSError("refused"), "SELECT * { SERVICE <http://x/> {} }").status
    502
    """
    if isinstance(exc, OSError):  # an evaluation failed while it ran: a remote SERVICE (a gateway error) or ours
        if "SERVICE" in query.upper():
            return _text(502, f"A SERVICE call failed: {exc}")
        return _text(500, f"Query evaluation failed: {exc}")
    if isinstance(exc, RuntimeError):  # a valid query the engine cannot run, e.g. an unknown extension function
        return _text(501, f"Not supported by this endpoint: {exc}")
    if isinstance(exc, ValueError):  # e.g. an invalid IRI in default-graph-uri
        return _text(400, f"Bad request: {exc}")
    return error_response(exc)


#: What the app's handlers catch: everything (``Exception`` goes to Starlette's outermost error middleware).
_HANDLED = (ProtocolError, Unavailable, KgError, SyntaxError, NotImplementedError, StarletteHTTPException)


def install_error_handlers(app: FastAPI) -> None:
    """Register :func:`error_response` as ``app``'s handler of every exception."""

    async def answer(request: Request, exc: Exception) -> Response:
        if isinstance(exc, QueryTimeout | EngineTimeout):
            request.app.state.metrics.timeouts.inc()
        where = f"{request.method} {request.url.path}"
        return error_response(exc, request.headers.get("accept"), where).response()

    for kind in (*_HANDLED, RequestValidationError, Exception):
        app.add_exception_handler(kind, answer)
