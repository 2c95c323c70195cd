"""``/search``: full-text search over statements, labels and source texts (kg/search.py), as JSON or a page.

The page works without JavaScript (a plain GET form); its snippets are rendered by the template from
(text, is_match) pieces, so every character of the data is escaped and only the ``<mark>`` is ours.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from kg.search import KINDS, MAX_LIMIT, Hit, SearchIndex
from server import conneg
from server.errors import ProtocolError
from server.routers.resources import local_href

router = APIRouter()

SEARCH_OFFERS = (conneg.JSON, conneg.HTML)


def _json(hit: Hit) -> dict[str, object]:
    return {
        "node": hit.node,
        "kind": hit.kind,
        "label": hit.label,
        "language": hit.lang or None,
        "graph": hit.graph,
        "score": hit.score,
        "snippet": hit.snippet,
    }


@router.get("/search", summary="Full-text search (ranked, phrases, prefixes, AND/OR/NOT) as JSON or HTML")
def search(
    request: Request,
    q: Annotated[str, Query(description='Words, a "phrase", a prefix such as nucl*, AND/OR/NOT.')] = "",
    kind: Annotated[str | None, Query(description=f"Only nodes of this kind: {', '.join(KINDS)}.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many nodes.")] = 20,
    format: str | None = None,
) -> Response:
    """Raises SearchError (400) for a malformed search text, SearchIndexMissing (503) without an index."""
    offer = conneg.negotiate(request.headers.get("accept"), SEARCH_OFFERS, format)
    if offer is None:
        raise ProtocolError(406, f"No acceptable format: search results are {conneg.describe(SEARCH_OFFERS)}.")
    kind = kind or None  # the page's "any kind" sends kind=
    index: SearchIndex = request.app.state.search
    if offer is conneg.JSON:
        if not q.strip():
            raise ProtocolError(400, "Missing the 'q' parameter: the words to search for.")
        hits = index.search(q, kind, limit)
        body = {"query": q, "kind": kind, "hits": [_json(h) for h in hits]}
        return JSONResponse(body, headers={"Vary": "Accept"})
    hits = index.search(q, kind, limit) if q.strip() else []
    base = request.app.state.settings.base_iri
    return request.app.state.templates.TemplateResponse(
        request,
        "search.html",
        {
            "q": q,
            "kind": kind,
            "kinds": KINDS,
            "limit": limit,
            "hits": [(hit, local_href(hit.node, base)) for hit in hits],
        },
        headers={"Vary": "Accept"},
    )
