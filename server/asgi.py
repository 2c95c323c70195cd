"""Reading and answering requests at the ASGI level, for the hot path, the write forwarder and the routes alike.

One body reader with one size limit, whichever side reads the body (:func:`read_body`; the FastAPI routes use
it through :func:`request_body`), and one way to send an error (:func:`send_error`, built by
:func:`server.errors.error_response`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from server.errors import error_response
from server.protocol import body_too_large, decode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def read_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The whole request body.

    Raises:
        ProtocolError: 413 past ``limit`` bytes, declared (``Content-Length``) or actual.
        ConnectionResetError: the client went away before the end of the body.
    """
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise body_too_large(limit)
    body = b""
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("the client went away while sending its request")
        body += message.get("body", b"")
        if len(body) > limit:
            raise body_too_large(limit)
        more = message.get("more_body", False)
    return body


async def request_body(request: Request) -> bytes:
    """A route's request body, read as the hot path reads it, under the server's limit (``max_body_bytes``)."""
    limit: int = request.app.state.settings.max_body_bytes
    return await read_body(request.receive, request.headers.get("content-length"), limit)


async def request_text(request: Request) -> str:
    """A route's request body as UTF-8 text (415 for another charset)."""
    return decode(await request_body(request), request.headers.get("content-type", ""))


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the already-read body first, then defers to the real one (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def send_whole(
    send: Send, status: int, media_type: str, body: bytes, headers: dict[str, str] | None = None
) -> None:
    """Send a complete answer: status, ``Content-Type``, ``Content-Length``, ``headers`` and ``body``."""
    raw = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_error(send: Send, exc: BaseException) -> None:
    """Answer ``exc`` as the app's exception handlers would (:func:`server.errors.error_response`)."""
    answer = error_response(exc)
    await send_whole(send, answer.status, answer.media_type, answer.body, answer.headers)
