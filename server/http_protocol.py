"""uvicorn's httptools protocol, with a response's writes sent together, and a 503 rather than a 500 for the
requests a shutting-down process gives up on.

uvicorn writes a response's status line and headers when the app sends ``http.response.start`` and its body
when the app sends ``http.response.body``: two ``send`` syscalls and two TCP segments for every small answer,
and the client wakes up twice. Under load that is a large share of a small query's cost (bench/, docs/
performance.md: py-spy showed half of a serving process's samples in the first write). Here the transport
collects the writes made during one turn of the event loop and sends them as one.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.errors import Unavailable
from server.hotpath import send_unavailable


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


def _going_away() -> Unavailable:
    message = "The serving process that took this request shut down (it recycles, or the server stops) first."
    return Unavailable("shutting-down", message, retry_after=1)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """``uvicorn.Config(http=CoalescingHttpToolsProtocol)``: httptools, one write per response turn."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

    def shutdown(self) -> None:
        """The server stops accepting and drains (server/supervisor.py): a request that uvicorn cancels at the end
        of its grace gets our 503 JSON with ``Retry-After`` instead of uvicorn's plain-text 500."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.send_500_response = partial(send_unavailable, cycle.send, _going_away())  # type: ignore[method-assign]
        super().shutdown()
