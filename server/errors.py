"""Exception -> HTTP response mapping: the only place that picks status codes for errors.

Client mistakes get a 4xx with a one-paragraph ``text/plain`` explanation (as Oxigraph's server does);
anything unexpected is a 500 with a request id and no internal details (the traceback goes to the log).
"""

from __future__ import annotations

import logging
import math
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.changes import LoadRefused
from kg.errors import KgError, QueryNotFound
from kg.gate import ProtectedData
from server.executor import QueryTimeout

log = logging.getLogger("kg.server")


class ProtocolError(Exception):
    """A request the server refuses; ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class WriterBusy(Exception):
    """Another write held the write lock for longer than a request waits for it: nothing was written."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"Another write has been running for more than {waited:g} s; nothing was written, try again.")
        self.retry_after = max(1, math.ceil(waited))


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register one handler per error family on ``app``."""

    @app.exception_handler(ProtocolError)
    async def protocol_error(_: Request, exc: ProtocolError) -> PlainTextResponse:
        return _text(exc.status, exc.message, exc.headers)

    @app.exception_handler(QueryTimeout)
    async def query_timeout(request: Request, exc: QueryTimeout) -> JSONResponse:
        request.app.state.metrics.timeouts.inc()
        # Answered only once the query has stopped: never a 200 whose body is cut off midway.
        body = {"error": "query-timeout", "message": str(exc), "limit_seconds": exc.limit}
        return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store"})

    @app.exception_handler(WriterBusy)
    async def writer_busy(_: Request, exc: WriterBusy) -> JSONResponse:
        # JSON like the query timeout's 503: a client retries after Retry-After instead of hanging on the lock.
        body = {"error": "writer-busy", "message": str(exc), "retry_after_seconds": exc.retry_after}
        headers = {"Retry-After": str(exc.retry_after), "Cache-Control": "no-store"}
        return JSONResponse(body, status_code=503, headers=headers)

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
