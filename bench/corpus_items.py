"""One synthetic article's items (entities, posts, holdings, dates, statements) and its assembly into a
:class:`kg.model.Article`; the prose that creates them is :mod:`corpus_prose`."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from corpus_pools import ROLES, STATES, STRATEGIC_AUTONOMY, Org, Person, Pools, Text

from kg.iris import slugify
from kg.model import (
    Article,
    Collection,
    Concept,
    DateSpec,
    Entity,
    Event,
    Holding,
    Post,
    Source,
    Span,
    Statement,
)


@dataclass
class ArticleItems:
    """Collects the items of one article as its text is written."""

    number: int
    rng: random.Random
    pools: Pools
    text: Text = field(default_factory=Text)
    entities: dict[str, Entity] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    holdings: dict[str, Holding] = field(default_factory=dict)
    dates: list[DateSpec] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    collections: list[Collection] = field(default_factory=list)
    concepts_used: set[str] = field(default_factory=set)

    @property
    def slug(self) -> str:
        return f"synthetic-{self.number:06d}"

    # entities ------------------------------------------------------------------------------------------------
    def state(self, name: str) -> str:
        slug = slugify(name)
        self.entities.setdefault(slug, Entity(slug, "state", ("State",), name))
        return slug

    def city(self, name: str) -> str:
        slug = slugify(name)
        self.entities.setdefault(slug, Entity(slug, "place", ("City",), name))
        return slug

    def region(self, name: str) -> str:
        slug = slugify(name)
        self.entities.setdefault(slug, Entity(slug, "place", ("Region",), name))
        return slug

    def org(self, org: Org) -> str:
        types = ("MediaOutlet", "Periodical") if org.type == "Periodical" else (org.type,)
        self.entities.setdefault(org.slug, Entity(org.slug, "organization", types, org.label))
        return org.slug

    def speaker_section(self, person: Person, year: int, *, first: bool) -> None:
        """One speaker's paragraphs: written by :class:`corpus_prose.ArticleBuilder`."""
        raise NotImplementedError

    def authorial_section(self) -> None:
        """A paragraph of the article's own: written by :class:`corpus_prose.ArticleBuilder`."""
        raise NotImplementedError

    def person(self, p: Person) -> str:
        self.entities.setdefault(p.slug, Entity(p.slug, "person", ("Person",), p.label, (p.family,)))
        return p.slug

    def post(self, state_name_slug: str, role: int) -> Post:
        state_label = self.entities[state_name_slug].label
        key, label, _ = ROLES[role]
        slug = f"{state_name_slug}-{key}"
        post = Post(slug, f"{label} ({state_label})", state_name_slug)
        self.posts.setdefault(slug, post)
        return post

    def concept(self, index: int) -> tuple[str, str]:
        slug, label = self.pools.concepts[index]
        self.concepts_used.add(slug)
        return slug, label

    def date(self, value: str, precision: str, status: str, basis: str, stated: str | None, span: Span | None) -> str:
        slug = f"d{len(self.dates) + 1}-{value}"
        self.dates.append(DateSpec(slug, value, precision, status, basis, stated, span))
        return slug

    # sections ------------------------------------------------------------------------------------------------
    def build(self) -> Article:
        rng = self.rng
        year = 2020 + self.number % 6
        pub_month = rng.randrange(2, 13)
        outlet = rng.choice([o for o in self.pools.outlets if o.type == "MediaOutlet"])
        publisher = self.org(outlet)
        basis = "Synthetic article: the month of its URL path."
        published = self.date(f"{year}-{pub_month:02d}", "month", "source-metadata", basis, None, None)
        japan = self.state("Japan")
        self.state("United States")
        sa_slug, sa_label = self.concept(0)
        # The opening: the article's own claim about strategic autonomy.
        self.claim(
            f"With the international order in turmoil, there are growing calls for {self.entities[japan].label} "
            f"to move toward a stance of “{sa_label}” that is not influenced by the actions of other countries.",
            mentions=[japan],
            about=[sa_slug],
            stance="describes",
        )
        speakers = rng.sample(self.pools.persons, k=rng.randint(3, 5))
        for n, speaker in enumerate(speakers):
            self.speaker_section(speaker, year, first=n == 0)
            if rng.random() < 0.5:
                self.authorial_section()
        text = self.text.value()
        source = Source(
            slug=self.slug,
            text_file=f"{self.slug}.txt",
            text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            url=f"https://news.example.org/{year}/{pub_month:02d}/{self.slug}/",
            publisher=publisher,
            published=published,
            evidence="Synthetic: generated by bench/corpus.py.",
        )
        concepts = tuple(Concept(slug, label) for slug, label in self.pools.concepts if slug in self.concepts_used)
        return Article(
            source=source,
            entities=tuple(self.entities.values()),
            statements=tuple(self.statements),
            posts=tuple(self.posts.values()),
            holdings=tuple(self.holdings.values()),
            dates=tuple(self.dates),
            events=tuple(self.events),
            scheme_slug="policy-concepts",
            scheme_label="Policy concepts in the article knowledge graph",
            concepts=concepts,
            collections=tuple(self.collections),
        )

    def _statement(self, kind: str, span: Span, **kw: object) -> str:
        slug = f"s{len(self.statements) + 1:03d}"
        self.statements.append(Statement(slug=slug, kind=kind, span=span, **kw))  # type: ignore[arg-type]
        return slug

    def claim(self, sentence: str, *, mentions: list[str], about: list[str], stance: str | None = None) -> None:
        question = sentence.endswith("?")
        span, _ = self.text.sentence(sentence)
        self._statement(
            "question" if question else "claim",
            span,
            mentions=tuple(dict.fromkeys(mentions)),
            about=tuple(dict.fromkeys(about)),
            stance=((STRATEGIC_AUTONOMY, stance),) if stance and STRATEGIC_AUTONOMY in about else (),
        )


def state_name(person: Person) -> str:
    return next(s for s in STATES if slugify(s) == person.state)
