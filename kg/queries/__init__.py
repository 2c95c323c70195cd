"""The queries that ship with the project: one ``.rq`` file each, loaded by name.

A name is the file stem (``cq01_strategic_autonomy_speakers``) or its competency-question id (``CQ1``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from pyoxigraph import Literal, NamedNode

from kg.errors import QueryNotFound

_CQ_ID = re.compile(r"^cq(\d+)_", re.IGNORECASE)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    text: str

    @property
    def cq_id(self) -> str | None:
        """``CQ1`` for ``cq01_…``, else None."""
        match = _CQ_ID.match(self.name)
        return f"CQ{int(match.group(1))}" if match else None


def _title(text: str) -> str:
    """The first comment line, without its ``#`` and CQ id."""
    for line in text.splitlines():
        if line.startswith("#"):
            return re.sub(r"^#\s*(CQ\d+:\s*)?", "", line).strip()
    return ""


def all_queries() -> list[NamedQuery]:
    """Every shipped query, sorted by name.

    >>> [q.cq_id for q in all_queries() if q.cq_id][:2]
    ['CQ1', 'CQ2']
    """
    files = sorted((f for f in resources.files(__name__).iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)
    return [NamedQuery(f.name[:-3], _title(t := f.read_text(encoding="utf-8")), t) for f in files]


def examples() -> list[NamedQuery]:
    """The competency-question queries: the examples of the landing page and the query UI."""
    return [q for q in all_queries() if q.cq_id]


def load(name: str) -> NamedQuery:
    """The query called ``name`` (a file stem or a ``CQn`` id, case-insensitive).

    Raises:
        QueryNotFound: no such query; the message lists the known names.
    """
    wanted = name.lower().removesuffix(".rq")
    for query in all_queries():
        if wanted in (query.name, (query.cq_id or "").lower()):
            return query
    known = ", ".join(q.cq_id or q.name for q in all_queries())
    raise QueryNotFound(f"no query named {name!r}; known: {known}")


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def pin(text: str, bindings: Mapping[str, NamedNode | Literal]) -> str:
    """``text`` with each variable bound to one value by a ``VALUES`` block at the start of its WHERE clause.

    pyoxigraph's ``substitutions`` bind variables after the query is planned, so a query that starts from a
    bound entity is planned as if it were unbound: the entity page's statements took 3.3 s at 1M triples
    through substitutions and 2.5 ms pinned (docs/performance.md). The values are pyoxigraph terms, which
    checked themselves when they were made and serialise in N-Triples syntax, so nothing from a request is
    pasted into the query as text.

    >>> print(pin("SELECT ?p WHERE { ?s ?p ?o }", {"s": NamedNode("http://example.org/a")}))
    SELECT ?p WHERE { VALUES (?s) { (<http://example.org/a>) }  ?s ?p ?o }

    Raises:
        ValueError: the query has no WHERE clause to pin, or a variable name is not a plain name.
    """
    match = _WHERE.search(text)
    if match is None:
        raise ValueError("the query has no WHERE clause")
    names = list(bindings)
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) for name in names):
        raise ValueError(f"not plain variable names: {names}")
    variables = " ".join(f"?{name}" for name in names)
    values = " ".join(str(bindings[name]) for name in names)
    return f"{text[: match.end()]} VALUES ({variables}) {{ ({values}) }} {text[match.end() :]}"
