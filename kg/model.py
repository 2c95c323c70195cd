"""The domain model of one annotated source: plain frozen dataclasses, no RDF.

Slugs are references between objects; :mod:`kg.annotations` checks that every
reference resolves, and :mod:`kg.compile` turns the objects into quads.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A passage of the source: code-point offsets (end exclusive) and the exact text there."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Source:
    slug: str
    text_file: str
    text: str
    sha256: str
    url: str | None = None
    title: str | None = None
    license: str | None = None
    publisher: str | None = None
    published: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class Entity:
    """A person, organisation, state or place named in the source."""

    slug: str
    kind: str
    types: tuple[str, ...]
    label: str
    alt: tuple[str, ...] = ()
    note: str | None = None
    definition: str | None = None
    publisher: str | None = None
    part_of: str | None = None
    member_of_group: tuple[str, ...] = ()


@dataclass(frozen=True)
class Post:
    slug: str
    label: str
    post_in: str
    reports_to: str | None = None


@dataclass(frozen=True)
class Holding:
    """A person's holding of a post, as the source describes it (current or former)."""

    slug: str
    holder: str
    post: str
    status: str
    evidence: Span
    remit: str | None = None
    remit_concepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class DateSpec:
    """A date with its precision, and whether the source states it or it is inferred (and on what basis)."""

    slug: str
    value: str
    precision: str
    status: str
    basis: str
    stated: str | None = None
    evidence: Span | None = None


@dataclass(frozen=True)
class Event:
    """An event or medium through which statements were made (a speech, an interview, a periodical issue)."""

    slug: str
    types: tuple[str, ...]
    label: str
    part_of: str | None = None
    participants: tuple[str, ...] = ()
    date: str | None = None
    place: str | None = None
    venue: str | None = None
    broadcaster: str | None = None
    published_in: str | None = None
    issue_of: str | None = None
    note: str | None = None
    evidence: Span | None = None


@dataclass(frozen=True)
class Concept:
    slug: str
    label: str
    alt: tuple[str, ...] = ()
    definition: Span | None = None


@dataclass(frozen=True)
class Collection:
    slug: str
    label: str
    members: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Statement:
    """A direct quotation, a paraphrase, or the source's own claim or question, anchored to its span."""

    slug: str
    kind: str
    span: Span
    speaker: str | None = None
    capacity: str | None = None
    within: str | None = None
    made_through: str | None = None
    made_through_basis: str | None = None
    date: str | None = None
    place: str | None = None
    mentions: tuple[str, ...] = ()
    about: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    stance: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Article:
    """Everything the annotations say about one source."""

    source: Source
    entities: tuple[Entity, ...]
    statements: tuple[Statement, ...]
    posts: tuple[Post, ...] = ()
    holdings: tuple[Holding, ...] = ()
    dates: tuple[DateSpec, ...] = ()
    events: tuple[Event, ...] = ()
    scheme_slug: str | None = None
    scheme_label: str | None = None
    concepts: tuple[Concept, ...] = ()
    collections: tuple[Collection, ...] = field(default=())
