"""The SERVICE allowlist on ``/sparql`` queries: :mod:`kg.federation`'s check, answered as a protocol error.

Queries may also name the reserved search SERVICE, which this server evaluates itself (kg/search_service.py).

Updates are checked where every update passes, whichever way it comes in (:func:`kg.changes.update_diff`).
"""

from __future__ import annotations

from kg.federation import disallowed_service
from kg.iris import SEARCH_SERVICE
from server.errors import ProtocolError


def refuse_disallowed_service(parsed: object, allowlist: tuple[str, ...]) -> None:
    """Raise a 400 :class:`ProtocolError` if a protocol query calls a SERVICE outside ``allowlist``.

    ``parsed`` is what ``/sparql`` read: a request with a ``query`` text, or anything else (nothing to check here).
    """
    query = getattr(parsed, "query", None)
    message = disallowed_service(query, allowlist, (SEARCH_SERVICE,)) if isinstance(query, str) else None
    if message is not None:
        raise ProtocolError(400, message)


__all__ = ["disallowed_service", "refuse_disallowed_service"]
