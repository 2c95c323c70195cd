"""``GET /complete``: the query editor's data-aware completion (prefixes, classes, properties, entities by label).

The table behind it (:class:`kg.completion.CompletionTable`) is computed on first use and again whenever the
data version changes (a committed write, or a reader process following the writer), so a suggestion is never
older than the data it is asked about. Computing it is a scan; one request computes it while the others wait.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kg.completion import KINDS, MAX_LIMIT, CompletionTable, complete_prefixes
from server.errors import ProtocolError

router = APIRouter()

#: The longest text completed: a label prefix longer than this is not something typed.
MAX_TEXT = 200

_building = threading.Lock()


def completion_table(request: Request) -> CompletionTable:
    """The table of the data version being served, computed now if it is not yet."""
    state = request.app.state
    cached = state.cache.get("complete")
    if cached is not None and cached[0] == state.data_version:
        return cached[1]
    with _building:
        version = state.data_version  # read before the scan: a write during it makes the next request rebuild
        cached = state.cache.get("complete")
        if cached is None or cached[0] != version:
            cached = (version, CompletionTable.from_store(state.store))
            state.cache["complete"] = cached
    return cached[1]


@router.get("/complete", summary="Completion for the query editor")
def complete(
    request: Request,
    kind: Annotated[str, Query(description=f"What to complete: {', '.join(KINDS)}")],
    q: Annotated[str, Query(description="What was typed: a prefix, an IRI, a prefixed or local name, a label")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="The most suggestions")] = 20,
) -> JSONResponse:
    """Suggestions for what was typed, best first, as JSON.

    Classes rank by instances, properties by triples, entities by uses (whole-label matches before matches of
    a later word); entity labels match from their start or from any word, in every language, ignoring case
    and accents.

    Raises:
        ProtocolError: 400 for an unknown ``kind`` or a ``q`` longer than 200 characters.
    """
    if kind not in KINDS:
        raise ProtocolError(400, f"Unknown kind {kind!r}: completion knows {', '.join(KINDS)}.")
    if len(q) > MAX_TEXT:
        raise ProtocolError(400, f"q is {len(q)} characters long; completion takes at most {MAX_TEXT}.")
    if kind == "prefix":
        suggestions = complete_prefixes(q, limit)  # the project's own: no table needed
    else:
        suggestions = completion_table(request).complete(kind, q, limit)
    return JSONResponse(
        {
            "kind": kind,
            "q": q,
            "data_version": request.app.state.data_version,
            "results": [asdict(s) for s in suggestions],
        },
        headers={"Cache-Control": "no-cache"},
    )
