"""The hot path: SPARQL queries on ``/sparql`` answered by a plain ASGI handler, in front of the FastAPI app.

A small query costs the engine a fraction of a millisecond; FastAPI's routing, request objects and endpoint
machinery cost several times that (docs/performance.md). So queries never reach FastAPI: this middleware
reads the request from the ASGI scope, applies every protocol check of the FastAPI route (body limit,
charset, Content-Type, SERVICE allowlist, nesting, query length, ``timeout``), negotiates the format from
a memoised table, answers ``304`` to a matching ``If-None-Match``, runs the query in the executor and streams
the answer. Everything else — updates, the service description, other paths — goes on to the app, with the
body it has already read replayed and the request it read in ``scope["state"]`` (:data:`SPARQL_REQUEST`), so
that the ``/sparql`` route reads nothing twice. Timing, metrics, gzip and CORS stay in the middlewares around it.
Errors are answered as the app answers them (:func:`server.asgi.send_error`).

On a writable server's reader processes it also refreshes the store view before every request (a cheap
``stat``), and forwards every write to the process that owns the store (:mod:`server.forward`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from server.asgi import ASGIApp, Receive, Scope, Send, read_body, replay, send_error
from server.errors import ProtocolError, QueryTimeout, Unavailable
from server.executor import Answer, Executor
from server.federation import refuse_disallowed_service
from server.protocol import QueryRequest, check_query, etag, matches, parse_request
from server.results import Job, Outcome

log = logging.getLogger("kg.server")

SPARQL_PATH = "/sparql"
#: The key in ``scope["state"]`` (``request.state`` in a route) of the request the hot path read and passed on:
#: an :class:`~server.protocol.UpdateRequest`, or None for a GET without a query.
SPARQL_REQUEST = "sparql_request"
_WANTED = {b"accept", b"content-type", b"content-length", b"if-none-match", b"host", b"origin", b"accept-encoding"}
_CACHE_CONTROL = b"public, max-age=0, must-revalidate"


class _Route:
    """What the timing middleware reads from ``scope["route"]`` for its metrics label."""

    path = SPARQL_PATH


_ROUTE = _Route()


def _headers(scope: Scope) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for key, value in scope["headers"]:
        if key in _WANTED:
            text = value.decode("latin-1")
            found[key] = f"{found[key]}, {text}" if key in found else text
    return found


class SparqlHotPath:
    """ASGI middleware answering ``GET``/``HEAD``/``POST /sparql`` queries; ``state`` is the FastAPI app's state.

    The app has two: the ``outer`` one, outside the CORS and gzip middlewares, refreshes the store view,
    forwards writes, and answers the queries that those middlewares would leave as they are (no ``Origin``, no
    ``gzip`` in ``Accept-Encoding``), so the common case skips them; the inner one answers the others after
    those middlewares have wrapped them.
    """

    def __init__(self, app: ASGIApp, state: Any, *, outer: bool = False) -> None:
        self.app = app
        self.state = state
        self.outer = outer
        # An answer varies with Accept, and with Origin, as CORS adds Access-Control-Allow-Origin when there is one.
        # CORSMiddleware puts Origin in the Vary of every answer that passes through it; the outer hot path's
        # answers skip it, so there the hot path adds Origin itself, and only there.
        self.vary = (b"vary", b"Accept, Origin" if outer else b"Accept")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        forward = self.state.forward
        path, method = scope["path"], scope["method"]
        if self.outer:
            view = self.state.view
            if view is not None:
                view.refresh()
            if forward is not None and forward.is_write(path, method):
                await forward(scope, receive, send, self.state.settings.max_body_bytes)
                return
        if path != SPARQL_PATH or method not in ("GET", "HEAD", "POST"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if self.outer and (b"origin" in headers or "gzip" in headers.get(b"accept-encoding", "")):
            await self.app(scope, receive, send)  # to CORS and gzip, then the inner hot path
            return
        scope["route"] = _ROUTE
        settings = self.state.settings
        query_string = scope["query_string"].decode("latin-1")
        body = b""
        try:
            if method == "POST":
                body = await read_body(receive, headers.get(b"content-length"), settings.max_body_bytes)
            parsed = parse_request(method, query_string, headers.get(b"content-type", ""), body)
            refuse_disallowed_service(parsed, settings.service_allowlist)  # before any engine sees it
        except ProtocolError as err:
            await send_error(send, err)
            return
        except ConnectionResetError:
            return
        if not isinstance(parsed, QueryRequest):  # an update, or a GET without a query: the app's routes
            if forward is not None and parsed is not None:
                await forward(scope, replay(body, receive), send, settings.max_body_bytes)
                return
            scope.setdefault("state", {})[SPARQL_REQUEST] = parsed
            await self.app(scope, replay(body, receive), send)
            return
        await self._query(scope, receive, send, parsed, headers, query_string)

    async def _query(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        parsed: QueryRequest,
        headers: dict[bytes, str],
        query_string: str,
    ) -> None:
        settings = self.state.settings
        accept = headers.get(b"accept")
        reads = scope["method"] in ("GET", "HEAD")  # HEAD: the GET answer's headers (RFC 9110 §9.3.2)
        tag = etag(self.state.data_version, query_string, accept or "") if reads else None
        if tag and matches(headers.get(b"if-none-match"), tag):
            start = {"type": "http.response.start", "status": 304}
            await send({**start, "headers": [(b"etag", tag.encode()), self.vary]})
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            limit = check_query(parsed, settings.max_query_length, settings.query_timeout)
        except ProtocolError as err:
            await send_error(send, err)
            return
        # Relative IRIs in a query resolve against the endpoint's own URL (SPARQL 1.1 Query §4.1.1.1).
        job = Job(parsed.query, parsed.dataset, accept, parsed.format, _endpoint_url(scope, headers), self.state.search)
        executor: Executor = self.state.executor
        try:
            answer = await executor.start(job, limit)
        except Unavailable as err:
            if isinstance(err, QueryTimeout):
                self.state.metrics.timeouts.inc()
            await send_error(send, err)
            return
        extra = [self.vary]
        head = answer.head
        if isinstance(head, Outcome):
            if tag and head.status == 200:
                extra += [(b"etag", tag.encode()), (b"cache-control", _CACHE_CONTROL)]
            raw = [(b"content-type", head.media_type.encode()), (b"content-length", str(len(head.body)).encode())]
            await send({"type": "http.response.start", "status": head.status, "headers": raw + extra})
            await send({"type": "http.response.body", "body": head.body})
            return
        if tag:
            extra += [(b"etag", tag.encode()), (b"cache-control", _CACHE_CONTROL)]
        if scope["method"] == "HEAD":  # the streamed answer's headers (its first chunk lets gzip judge), then stop
            answer.cancel()
            start = {"type": "http.response.start", "status": 200}
            await send({**start, "headers": [(b"content-type", head.media_type.encode()), *extra]})
            await send({"type": "http.response.body", "body": head.first, "more_body": True})
            await send({"type": "http.response.body", "body": b""})  # the server sends no body for HEAD
            return
        await self._stream(receive, send, answer, [(b"content-type", head.media_type.encode()), *extra])

    async def _stream(self, receive: Receive, send: Send, answer: Answer, headers: list[tuple[bytes, bytes]]) -> None:
        """Send a large answer chunk by chunk; stop the query if the client leaves, cut off if it breaks."""
        assert not isinstance(answer.head, Outcome)

        async def watch_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            answer.cancel()

        watcher = asyncio.create_task(watch_disconnect())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": answer.head.first, "more_body": True})
            async for chunk in answer.rest():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except (TimeoutError, RuntimeError, OSError) as err:
            answer.cancel()
            self.state.executor.watch(answer)
            if isinstance(err, TimeoutError):
                self.state.metrics.timeouts.inc()
            # Returning without the last body message makes the server close the connection unfinished, so the
            # client sees an incomplete body (there is no ASGI message for "abort").
            log.warning("a streamed answer was cut off: %s", err or "its time limit was reached")
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def _endpoint_url(scope: Scope, headers: dict[bytes, str]) -> str:
    """This endpoint's URL as the client addressed it (scheme, Host, root path), without the query string."""
    host = headers.get(b"host")
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"
