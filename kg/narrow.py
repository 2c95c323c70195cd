"""Narrowings of what pyoxigraph returns, for callers that know more than its signatures say.

``Store.query`` is typed for every query form, and ``serialize`` returns ``bytes | None`` whether or not it was
given an output (its stub has no overloads): a caller that knows which it gets says so here, checked at run time,
instead of silencing the type checker.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.store import QueryResult


def solutions(result: QueryResult) -> ox.QuerySolutions:
    """The rows of a SELECT query's result.

    Raises:
        TypeError: ``result`` is the answer of an ASK, CONSTRUCT or DESCRIBE query.
    """
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected the solutions of a SELECT query, not {type(result).__name__}")
    return result


def serialized(data: bytes | None) -> bytes:
    """What a pyoxigraph ``serialize`` called without an output returned: the bytes.

    >>> serialized(ox.serialize([], format=ox.RdfFormat.N_TRIPLES))
    b''

    Raises:
        TypeError: ``data`` is None (``serialize`` was given an output to write to).
    """
    if data is None:
        raise TypeError("serialize() was given an output: it returned nothing")
    return data
