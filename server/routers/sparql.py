"""``/sparql``: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), the routes' side.

Queries are answered before they get here, by the hot path (:mod:`server.hotpath`), which reads and checks
every request to ``/sparql``. It hands on what is left, with the request it read (``request.state``): a GET
without a query (the service description, or the query UI for a browser) and updates sent to /sparql
(``update=`` in a form, or ``application/sparql-update``), which go to the write path.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from server import conneg
from server.hotpath import SPARQL_REQUEST
from server.protocol import UpdateRequest
from server.routers.meta import service_description
from server.routers.writes import run_update

router = APIRouter()


@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 Protocol query endpoint")
async def sparql(request: Request) -> Response:
    parsed = getattr(request.state, SPARQL_REQUEST)  # set by the hot path, which answered any query itself
    if isinstance(parsed, UpdateRequest):
        return await run_update(request, parsed)
    accept = request.headers.get("accept", "")
    if conneg.negotiate(accept, (conneg.HTML, *conneg.RDF_OFFERS)) is conneg.HTML and "text/html" in accept:
        return RedirectResponse("/query", status_code=303)
    return service_description(request)
