"""Writes on a writable server's reader processes go to the one process that owns the store.

RocksDB allows one read-write opener, so under ``kg serve`` with a write token the supervisor's process owns
the store and serves the write routes on a Unix socket (server/supervisor.py). A reader passes every write
request there unchanged — headers (``Authorization`` and ``Host`` included), query string and body — and
relays the answer byte for byte. The token is checked by the writer, not here.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from server.asgi import Receive, Scope, Send, read_body, send_error
from server.errors import ProtocolError

#: Headers that belong to one connection, not to the request or response (RFC 9110 §7.6.1).
_HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade", b"content-length"}
_WRITE_ROUTES = {("/update", "POST"), ("/store", "PUT"), ("/store", "POST"), ("/store", "DELETE")}


class WriteForwarder:
    """Relays write requests to the writer's Unix socket."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self._client = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(socket_path)), base_url="http://writer", timeout=None
        )

    def is_write(self, path: str, method: str) -> bool:
        """A request that only the writer can answer (an update POSTed to /sparql is found once it is read)."""
        return (path, method) in _WRITE_ROUTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k not in _HOP_BY_HOP]
        declared = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-length"), None)
        try:
            body = await read_body(receive, declared, limit)
        except ProtocolError as err:
            await send_error(send, err)
            return
        except ConnectionResetError:
            return
        target = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else "")
        request = self._client.build_request(scope["method"], target, headers=headers, content=body)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TransportError as err:
            unreachable = ProtocolError(
                503, f"The writer is not available ({err}); try again shortly.", {"Retry-After": "2"}
            )
            await send_error(send, unreachable)
            return
        try:
            relayed = [(k.lower(), v) for k, v in response.headers.raw if k.lower() not in _HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": relayed})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()
