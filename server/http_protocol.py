"""uvicorn's httptools protocol, with a response's writes sent together, a time limit on request headers, and
a 503 rather than a 500 for the requests a shutting-down process gives up on.

uvicorn writes a response's status line and headers when the app sends ``http.response.start`` and its body
when the app sends ``http.response.body``: two ``send`` syscalls and two TCP segments for every small answer,
and the client wakes up twice. Under load that is a large share of a small query's cost (bench/, docs/
performance.md: py-spy showed half of a serving process's samples in the first write). Here the transport
collects the writes made during one turn of the event loop and sends them as one.

uvicorn limits how long a kept-alive connection may sit idle between requests, but not how long a client may
take to send a request's headers: a connection idle before its first request, or one that sends half a
request line and stops (slowloris), would be held forever. Here such a connection is closed after
``header_timeout`` seconds (with a 408 if part of a request had arrived). Bodies are not concerned: a slow
upload of an accepted size is the body limit's business, not this one's.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.asgi import send_error
from server.errors import Unavailable

#: Seconds a connection has to deliver a request's complete headers, counted from when it opened (its first
#: request) or from the first byte of a request (later ones); KG_HEADER_TIMEOUT.
HEADER_TIMEOUT = 10.0
_LATE = b"The request's headers did not arrive in time.\n"
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_LATE), _LATE)
)


class CoalescingTransport:
    """A transport whose writes within one event-loop turn go out in one ``write`` of the real transport."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        self._pending.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        if self._pending and not self._transport.is_closing():
            data = b"".join(self._pending)
            self._pending.clear()
            self._transport.write(data)

    def close(self) -> None:
        self._flush()  # what was written before close() is sent before the connection closes
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the real transport's
        return getattr(self._transport, name)


def going_away() -> Unavailable:
    """The 503 for a request its serving process gives up on as it leaves (uvicorn here, granian in
    server/granian_serving.py)."""
    message = "The serving process that took this request shut down (it recycles, or the server stops) first."
    return Unavailable("shutting-down", message, retry_after=1)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """``uvicorn.Config(http=CoalescingHttpToolsProtocol)``: httptools, one write per response turn, a header
    time limit (``functools.partial(CoalescingHttpToolsProtocol, header_timeout=…)`` changes it)."""

    def __init__(self, *args: Any, header_timeout: float = HEADER_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._before_first_request = True  # no byte of a request yet
        self._in_headers = False  # a request has begun and its headers are not complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # A complete request in one segment (the usual case) never arms a timer after the first.
        if self._in_headers and self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._before_first_request = False
        self._in_headers = True

    def on_headers_complete(self) -> None:
        self._in_headers = False
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not (self._before_first_request or self._in_headers):
            return
        if self.cycle is not None and not self.cycle.response_complete:  # pipelined behind an answer: wait for it
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)
            return
        if self._in_headers:  # part of a request came: say why it goes unanswered (an idle one is just closed)
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()

    def shutdown(self) -> None:
        """The server stops accepting and drains (server/supervisor.py): a request that uvicorn cancels at the end
        of its grace gets our 503 JSON with ``Retry-After`` instead of uvicorn's plain-text 500."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # uvicorn types send() with its TypedDict events, server.asgi (as Starlette does) with MutableMapping
            # messages: the same dicts at run time
            cycle.send_500_response = partial(send_error, cycle.send, going_away())  # type: ignore[method-assign,arg-type]
        super().shutdown()
