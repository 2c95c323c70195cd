"""Exception -> HTTP response mapping: the only place that picks status codes for errors.

Client mistakes get a 4xx with a one-paragraph ``text/plain`` explanation (as Oxigraph's server does);
anything unexpected is a 500 with a request id and no internal details (the traceback goes to the log);
a request the server cannot answer now (:class:`Unavailable`) a 503 with a JSON body.
"""

from __future__ import annotations

import json
import logging
import math
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.changes import LoadRefused
from kg.errors import EngineTimeout, KgError, QueryNotFound, StoreUnavailable
from kg.gate import ProtectedData

log = logging.getLogger("kg.server")


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


class WriterBusy(Unavailable):
    """Another write held the write lock for longer than a request waits for it: nothing was written."""

    def __init__(self, waited: float) -> None:
        super().__init__(
            "writer-busy",
            f"Another write has been running for more than {waited:g} s; nothing was written, try again.",
            retry_after=max(1, math.ceil(waited)),
        )


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


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register one handler per error family on ``app``."""

    @app.exception_handler(ProtocolError)
    async def protocol_error(_: Request, exc: ProtocolError) -> PlainTextResponse:
        return _text(exc.status, exc.message, exc.headers)

    @app.exception_handler(Unavailable)
    async def service_unavailable(request: Request, exc: Unavailable) -> Response:
        if isinstance(exc, QueryTimeout):
            request.app.state.metrics.timeouts.inc()
        # Answered only once the query has stopped: never a 200 whose body is cut off midway.
        body, headers = unavailable(exc)
        return Response(body, status_code=503, media_type="application/json", headers=headers)

    @app.exception_handler(StoreUnavailable)
    @app.exception_handler(EngineTimeout)
    async def store_failed(request: Request, exc: StoreUnavailable | EngineTimeout) -> Response:
        return await service_unavailable(request, store_failure(exc))

    @app.exception_handler(SyntaxError)
    async def syntax_error(_: Request, exc: SyntaxError) -> PlainTextResponse:
        return _text(400, f"Malformed SPARQL: {exc}")

    @app.exception_handler(ProtectedData)
    async def protected(_: Request, exc: ProtectedData) -> PlainTextResponse:
        return _text(403, f"Refused: {exc}.")

    @app.exception_handler(LoadRefused)
    async def load_refused(_: Request, exc: LoadRefused) -> PlainTextResponse:
        return _text(403, f"Refused: {exc} (KG_LOAD_ALLOWLIST).")

    @app.exception_handler(NotImplementedError)
    async def not_implemented(_: Request, exc: NotImplementedError) -> PlainTextResponse:
        return _text(501, f"Not supported by this endpoint: {exc}")

    @app.exception_handler(QueryNotFound)
    async def query_not_found(_: Request, exc: QueryNotFound) -> PlainTextResponse:
        return _text(404, str(exc))

    @app.exception_handler(KgError)
    async def kg_error(_: Request, exc: KgError) -> PlainTextResponse:
        return _text(400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> PlainTextResponse:
        return _text(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> PlainTextResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _text(400, f"Bad request: {problems}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> PlainTextResponse:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s on %s %s", request_id, request.method, request.url.path)
        return _text(500, f"Internal server error (request id {request_id}).")
