"""``/sparql``: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), the routes' side.

Queries are answered before they get here, by the hot path (:mod:`server.hotpath`); this route serves what
is left: a GET without a query (the service description, or the query UI for a browser) and updates sent to
/sparql (``update=`` in a form, or ``application/sparql-update``), which go to the write path. A query that
reaches it (an app assembled without the hot path) is still answered, in one piece.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from server import conneg
from server.errors import ProtocolError
from server.federation import refuse_disallowed_service
from server.protocol import (
    UpdateRequest,
    body_too_large,
    check_nesting,
    decode,
    etag,
    matches,
    parse_request,
    time_limit,
)
from server.results import Job
from server.routers.meta import service_description

router = APIRouter()


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 past the server's limit (declared or actual)."""
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise body_too_large(limit)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise body_too_large(limit)
    return body


async def read_text(request: Request) -> str:
    """The request body as UTF-8 text (415 for another charset)."""
    return decode(await read_body(request), request.headers.get("content-type", ""))


@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 Protocol query endpoint")
async def sparql(request: Request) -> Response:
    body = await read_body(request) if request.method == "POST" else b""
    parsed = parse_request(request.method, request.url.query, request.headers.get("content-type", ""), body)
    refuse_disallowed_service(parsed, request.app.state.settings.service_allowlist)  # before any engine sees it
    if isinstance(parsed, UpdateRequest):
        from server.routers.writes import run_update

        return await run_update(request, parsed)
    if parsed is None:
        accept = request.headers.get("accept", "")
        if conneg.negotiate(accept, (conneg.HTML, *conneg.RDF_OFFERS)) is conneg.HTML and "text/html" in accept:
            return RedirectResponse("/query", status_code=303)
        return service_description(request)
    settings = request.app.state.settings
    accept = request.headers.get("accept")
    reads = request.method in ("GET", "HEAD")
    tag = etag(request.app.state.data_version, request.url.query, accept or "") if reads else None
    if tag and matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag, "Vary": "Accept"})
    if len(parsed.query) > settings.max_query_length:
        raise ProtocolError(413, f"Query too long: the limit is {settings.max_query_length} characters.")
    check_nesting(parsed.query)
    limit = time_limit(parsed.timeout, settings.query_timeout)
    base = str(request.url.replace(query="", fragment=""))
    job = Job(parsed.query, parsed.dataset, accept, parsed.format, base)
    outcome = await request.app.state.executor.run(job, limit)
    headers = {"Vary": "Accept"}
    if tag and outcome.status == 200:
        headers["ETag"] = tag
        headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    return Response(outcome.body, status_code=outcome.status, media_type=outcome.media_type, headers=headers)
