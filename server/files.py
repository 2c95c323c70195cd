"""Files served from disk (``/static/…``, ``/dumps/…``), whose ``HEAD`` gets exactly the headers of their ``GET``.

Starlette's FileResponse answers ``HEAD`` with the headers alone, and GZipMiddleware, which decides on the body,
then sends them uncompressed while the ``GET`` is compressed: another Content-Encoding, Content-Length and Vary,
where RFC 9110 §9.3.2 asks for the same header fields. So a file answers ``HEAD`` as it answers ``GET``, and the
server (uvicorn, which knows the request was a ``HEAD``) drops the body.
"""

from __future__ import annotations

from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send


def as_get(scope: Scope) -> Scope:
    """The scope a file is sent with: a ``HEAD`` request's, as a ``GET`` (a copy: the server's own stays ``HEAD``).

    >>> as_get({"type": "http", "method": "HEAD"})["method"], as_get({"type": "http", "method": "POST"})["method"]
    ('GET', 'POST')
    """
    return {**scope, "method": "GET"} if scope["type"] == "http" and scope["method"] == "HEAD" else scope


class WholeFileResponse(FileResponse):
    """A FileResponse that sends the file for ``HEAD`` too (see the module docstring)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(as_get(scope), receive, send)


class Files(StaticFiles):
    """StaticFiles whose ``HEAD`` answers are their ``GET`` answers (see the module docstring)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(as_get(scope), receive, send)
