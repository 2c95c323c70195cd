"""``GET /complete``: the query editor's data-aware completion (prefixes, classes, properties, entities by label).

The table behind it (:class:`kg.completion.CompletionTable`) takes seconds to compute at a million quads, so it
is computed in the background: when the app starts, and when the data version changes (a committed write, or a
reader process following the writer). A request after a change waits for the new table at most
:data:`FRESH_WAIT` seconds (long enough for the table of a small graph, so a label written is completed right
after the write) and is otherwise answered from the previous table until the new one is ready; only the very
first table, with none before it, is waited for.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kg.completion import KINDS, MAX_LIMIT, CompletionTable, complete_prefixes
from kg.store import GraphStore
from server.errors import ProtocolError

router = APIRouter()

#: The longest text completed: a label prefix longer than this is not something typed.
MAX_TEXT = 200

#: The longest a request waits for the table of a new data version before the previous table answers it.
FRESH_WAIT = 1.0


class CompletionTables:
    """The completion table of the latest data version, computed in a background thread, one at a time."""

    def __init__(self, wait: float = FRESH_WAIT) -> None:
        self.wait = wait
        self._lock = threading.Lock()
        self._ready: tuple[str, CompletionTable] | None = None
        self._build: tuple[str, threading.Thread] | None = None
        self._error: BaseException | None = None

    def refresh(self, store: GraphStore, version: str) -> threading.Thread | None:
        """Start computing the table of ``version`` unless it is ready or being computed; the thread, if any."""
        with self._lock:
            if self._ready is not None and self._ready[0] == version:
                return None
            if self._build is not None and self._build[1].is_alive():
                return self._build[1]  # its version or an older one: the next call starts the newer one
            thread = threading.Thread(target=self._compute, args=(store, version), daemon=True, name="kg-complete")
            self._build, self._error = (version, thread), None
            thread.start()
            return thread

    def _compute(self, store: GraphStore, version: str) -> None:
        try:
            table = CompletionTable.from_store(store)
        except BaseException as err:  # kept for the request that waits on it, which raises it
            self._error = err
            return
        with self._lock:
            self._ready, self._error = (version, table), None

    def table(self, store: GraphStore, version: str) -> CompletionTable:
        """The table of ``version``, or the previous one if the new one is not ready within :attr:`wait`.

        Raises:
            Exception: computing the table failed (what the store raised).
        """
        thread = self.refresh(store, version)
        while thread is not None:
            thread.join(self.wait if self._ready is not None else None)
            if self._ready is not None and (self._ready[0] == version or thread.is_alive()):
                break
            if self._error is not None:
                raise self._error
            thread = self.refresh(store, version)  # an older version's table came first: now this one
        assert self._ready is not None
        return self._ready[1]


def completion_table(request: Request) -> CompletionTable:
    """The table of the data version being served (or, for at most a build's time after a change, the one before)."""
    state = request.app.state
    return state.completion.table(state.store, state.data_version)


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
