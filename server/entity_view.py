"""What an entity page shows a researcher, from the page queries' rows: the statements grouped by source, a
timeline of the dated ones (each date at its precision, stated or inferred), the offices held as stated, and
counts. Everything comes from the data; a field the data lacks is left empty, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kg.citation import show_date

#: Turns an IRI into the path or URL a page links to (``resources.local_href`` with the base bound).
Href = Callable[[str], str]


@dataclass
class StatementItem:
    """One statement as an entity page lists it: its roles for the entity, words, speaker and date."""

    href: str
    kind: str
    text: str
    speaker: str
    start: int
    roles: list[str] = field(default_factory=list)
    date: str = ""  #: the date at its precision, for reading ("30 May 2025", "June 2025", "2025")
    date_value: str = ""  #: the ISO 8601 value at its precision (``<time datetime>``)
    date_time: str = ""  #: the first instant of the period, for ordering
    date_status: str = ""  #: "stated in source", "inferred date" …


@dataclass
class SourceGroup:
    """The statements of one source, in the order the source makes them."""

    href: str
    label: str
    title: str
    url: str
    publisher: str
    statements: list[StatementItem] = field(default_factory=list)


@dataclass(frozen=True)
class Office:
    """An office held as a source states it: the post, the holding's status, and the source's words."""

    post: str
    post_href: str
    status: str
    evidence: str
    source_label: str
    source_href: str


def _value(row: Any, name: str) -> str:
    term = row[name]
    return term.value if term is not None else ""


def group_by_source(rows: Iterable[Any], href: Href, compact: Callable[[str], str]) -> list[SourceGroup]:
    """The rows of ``entity_statements.rq`` as one group per source, each statement once with all its roles."""
    groups: dict[str, SourceGroup] = {}
    items: dict[str, StatementItem] = {}
    for r in rows:
        source = r["source"].value
        group = groups.get(source)
        if group is None:
            group = groups[source] = SourceGroup(
                href(source),
                _value(r, "sourceLabel") or compact(source),
                _value(r, "sourceTitle"),
                _value(r, "sourceUrl"),
                _value(r, "publisherName"),
            )
        statement = r["statement"].value
        item = items.get(statement)
        if item is None:
            value = _value(r, "dateValue")
            item = items[statement] = StatementItem(
                href(statement),
                compact(r["kind"].value),
                r["text"].value,
                _value(r, "speakerLabel"),
                int(r["start"].value),
                date=show_date(value) if value else "",
                date_value=value,
                date_time=_value(r, "dateTime"),
                date_status=_value(r, "dateStatusLabel"),
            )
            group.statements.append(item)
        if r["role"].value not in item.roles:
            item.roles.append(r["role"].value)
    for group in groups.values():
        group.statements.sort(key=lambda s: s.start)
    return sorted(groups.values(), key=lambda g: (g.label, g.href))


def timeline(groups: Iterable[SourceGroup]) -> list[StatementItem]:
    """The dated statements of all groups, earliest first (a month sorts at its first day, as ``kg:dateTime``)."""
    dated = [s for g in groups for s in g.statements if s.date_time]
    return sorted(dated, key=lambda s: (s.date_time, len(s.date_value), s.href))


def offices(rows: Iterable[Any], href: Href) -> list[Office]:
    """The rows of ``entity_offices.rq``, one office per holding and evidence."""
    return [
        Office(
            r["postLabel"].value,
            href(r["post"].value),
            r["statusLabel"].value,
            _value(r, "evidence"),
            _value(r, "sourceLabel"),
            href(r["source"].value) if r["source"] is not None else "",
        )
        for r in rows
    ]


def counts(groups: list[SourceGroup], concepts: int) -> dict[str, int]:
    """How many statements, sources and concepts the page shows (each counted once)."""
    return {
        "statements": sum(len(g.statements) for g in groups),
        "sources": len(groups),
        "concepts": concepts,
    }
