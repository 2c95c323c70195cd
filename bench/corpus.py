"""A deterministic synthetic corpus in the project's own model, at any size (``--triples 100000``).

Each synthetic article is a :class:`kg.model.Article` whose source text is *written from its statements*: every
sentence is assembled piece by piece and the offsets of each piece are recorded as it is appended, so every
span (statements, holdings, events, dates) selects exactly its text. The articles are compiled with the project's
own :func:`kg.compile.compile_article`, the Wikidata links with :func:`kg.link.mappings.compile_links` and the ontology
with :func:`kg.build.ontology_quads`, so the graph has the shape of the real one and passes the SHACL shapes.

The vocabulary the competency queries look for is kept: the concept labelled "strategic autonomy" (CQ1, CQ4,
CQ7), ordered collections of "five encouraging trends" (CQ2), partners (CQ3), quotations with offsets (CQ5),
dated items (CQ6), verified Wikidata links (CQ8), current and former offices (CQ9), places other than Japan
(CQ10), authorial claims and questions (CQ11), speeches, interviews, television appearances and periodical issues
(CQ12), and quotations opening "There is a healthy sense of caution" (CQ14).

Entities, posts and concepts are drawn from pools shared by all articles (as in a real corpus, the same person is
quoted by many articles); statements, holdings, events and dates are per article. Same seed, same size: same
bytes. Usage::

    python bench/corpus.py --triples 100000 --out bench/data/100k/corpus.nq
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.build import ontology_quads
from kg.compile import compile_article
from kg.iris import Minter, slugify
from kg.link.mappings import Mapping, MappingSet, compile_links
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

DEFAULT_SEED = 20250530
STRATEGIC_AUTONOMY = "strategic-autonomy"

# --- pools ----------------------------------------------------------------------------------------------------

STATES = (
    "Japan", "United States", "China", "Australia", "Philippines", "South Korea", "United Kingdom", "Singapore",
    "India", "Indonesia", "Vietnam", "France", "Germany", "Canada", "New Zealand", "Malaysia", "Thailand",
    "Italy", "Brazil", "Mexico", "Poland", "Sweden", "Finland", "Norway", "Netherlands", "Spain", "Turkey",
    "Saudi Arabia", "Egypt", "Kenya", "Nigeria", "South Africa", "Argentina", "Chile", "Ukraine", "Taiwan",
)  # fmt: skip
CITIES = (
    "Washington", "Tokyo", "Brussels", "Geneva", "Jakarta", "Canberra", "Manila", "Seoul", "London", "Paris",
    "Berlin", "New Delhi", "Hanoi", "Bangkok", "Ottawa", "Wellington", "Kuala Lumpur", "Rome", "Madrid", "Oslo",
)  # fmt: skip
REGIONS = ("Indo-Pacific", "Euro-Atlantic", "Asia", "Southeast Asia", "Middle East", "Arctic", "Pacific Islands")
GIVEN = (
    "Gen", "Akihisa", "Shigeru", "Takayuki", "Tomohiko", "Yoko", "Haruki", "Emma", "Lucas", "Mei", "Arjun",
    "Sofia", "Kenji", "Amara", "Lars", "Ines", "Tariq", "Noor", "Daniel", "Hana", "Rafael", "Chen", "Olga", "Min",
)  # fmt: skip
FAMILY = (
    "Nakatani", "Nagashima", "Ishiba", "Kobayashi", "Satake", "Okada", "Tanaka", "Moreau", "Schmidt", "Silva",
    "Kowalski", "Nguyen", "Park", "Singh", "Haddad", "Larsen", "Rossi", "Garcia", "Wright", "Mensah", "Ivanova",
    "Lindqvist", "Suzuki", "Watanabe", "Dubois", "Kim", "Rahman", "Costa", "Novak", "Yilmaz",
)  # fmt: skip
ROLES = (
    ("minister-of-defense", "Minister of Defense", "Defense Minister"),
    ("minister-of-foreign-affairs", "Minister of Foreign Affairs", "Foreign Minister"),
    ("minister-of-economic-security", "Minister of Economic Security", "Economic Security Minister"),
    ("prime-minister", "Prime Minister", "Prime Minister"),
    ("national-security-adviser", "National Security Adviser", "National Security Adviser"),
    ("ambassador-to-the-united-nations", "Ambassador to the United Nations", "U.N. Ambassador"),
)
ORG_KINDS = (
    ("PoliticalParty", "Party", ("Liberal", "Democratic", "Progressive", "National", "Green", "People's")),
    ("ResearchInstitute", "Institute", ("Strategic", "Peace", "Policy", "Security", "Maritime", "Pacific")),
    ("AcademicInstitution", "University", ("Aoyama", "Keio", "Waseda", "Monash", "Leiden", "Kyoto")),
    ("IntergovernmentalOrganization", "Forum", ("Regional", "Trade", "Ocean", "Energy", "Defense", "Cyber")),
    ("ArmedForces", "Forces", ("Self-Defense", "Coastal", "Allied", "Joint", "Expeditionary", "Reserve")),
)
OUTLET_WORDS = ("Sankei", "Nikkei", "Asahi", "Diplomat", "Herald", "Courier", "Observer", "Tribune", "Review")
CONCEPTS = (
    "strategic autonomy", "integrated deterrence", "military integration", "economic security", "national security",
    "counterattack capabilities", "active cyber defense", "U.S. nuclear umbrella", "nuclear disarmament",
    "non-proliferation", "independence from the United States", "Japan-U.S. alliance", "U.S.-led world order",
    "expanded role for ASEAN in security", "supply chain resilience", "maritime security", "energy security",
    "freedom of navigation", "rules-based order", "defense industrial base", "critical minerals", "export controls",
    "space security", "cyber resilience", "burden sharing", "extended deterrence", "hedging", "multilateralism",
    "minilateral cooperation", "technology sovereignty",
)  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    slug: str
    label: str
    family: str
    state: str  # slug of the state whose post the person holds
    role: int  # index into ROLES
    former_role: int


@dataclass(frozen=True)
class Org:
    slug: str
    label: str
    type: str


@dataclass
class Pools:
    persons: list[Person]
    orgs: list[Org]
    outlets: list[Org]
    concepts: list[tuple[str, str]]  # (slug, label)


def make_pools(rng: random.Random, n_articles: int) -> Pools:
    n_persons = max(40, n_articles * 2)
    persons: list[Person] = []
    seen: set[str] = set()
    i = 0
    while len(persons) < n_persons:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        label = f"{family} {given}" if len(persons) % 3 else f"{given} {family}"
        if label in seen:
            label = f"{label} {chr(65 + i % 26)}{i}"
        seen.add(label)
        role = rng.randrange(len(ROLES))
        persons.append(
            Person(slugify(label), label, family, slugify(rng.choice(STATES)), role, (role + 1) % len(ROLES))
        )
        i += 1
    orgs = []
    for n in range(max(20, n_articles // 2)):
        kind, noun, words = ORG_KINDS[n % len(ORG_KINDS)]
        label = f"{rng.choice(words)} {noun} of {rng.choice(STATES)} {n}"
        orgs.append(Org(slugify(label), label, kind))
    outlets = [Org(slugify(f"{w} {kind}"), f"{w} {kind}", "MediaOutlet") for w in OUTLET_WORDS for kind in ("News",)]
    periodicals = [Org(slugify(f"{w} Monthly"), f"{w} Monthly", "Periodical") for w in OUTLET_WORDS[:4]]
    concepts = [(slugify(label), label) for label in CONCEPTS]
    return Pools(persons, orgs, outlets + periodicals, concepts)


# --- the text builder: sentences assembled piece by piece, spans recorded as they are appended ----------------


class Text:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, piece: str) -> Span:
        start = self.length
        self.parts.append(piece)
        self.length += len(piece)
        return Span(start, self.length, piece)

    def sentence(self, *pieces: str) -> tuple[Span, list[Span]]:
        """Append pieces as one sentence; return the whole span and each piece's span."""
        start = self.length
        spans = [self.add(p) for p in pieces]
        whole = Span(start, self.length, "".join(pieces))
        self.add(" ")
        return whole, spans

    def value(self) -> str:
        return "".join(self.parts)


def _month_day(rng: random.Random, year: int) -> tuple[str, str, str]:
    month = rng.randrange(1, 13)
    day = rng.randrange(1, 29)
    return f"{year}-{month:02d}-{day:02d}", f"--{month:02d}-{day:02d}", f"{MONTHS[month - 1]} {day}"


@dataclass
class ArticleBuilder:
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

    def authorial_section(self) -> None:
        rng = self.rng
        c_slug, c_label = self.concept(rng.randrange(1, len(self.pools.concepts)))
        state = self.state(rng.choice(STATES))
        if rng.random() < 0.4:
            self.claim(
                f"Can {self.entities[state].label} pursue {c_label} without weakening its alliances?",
                mentions=[state],
                about=[c_slug],
            )
        else:
            sa_slug, sa_label = self.concept(0)
            self.claim(
                f"Observers note that {c_label} and {sa_label} are increasingly discussed together in "
                f"{self.entities[state].label}, though the two goals can pull in different directions.",
                mentions=[state],
                about=[c_slug, sa_slug],
                stance=rng.choice(("describes", "qualifies")),
            )

    def speaker_section(self, person: Person, year: int, *, first: bool) -> None:
        """An introduction (paraphrase naming the office, event, place and date), then quotations."""
        rng = self.rng
        speaker = self.person(person)
        home = self.state(_state_name(person))
        post = self.post(home, person.role)
        former = self.post(home, person.former_role) if rng.random() < 0.25 else None
        _, _, short_role = ROLES[person.role]
        home_label = self.entities[home].label
        date_value, stated, said_day = _month_day(rng, year)
        medium = rng.choice(("speech", "speech", "interview", "television", "periodical"))
        city = self.city(rng.choice(CITIES))
        sa_slug, _ = self.concept(0)
        topic_slug, topic_label = self.concept(0 if rng.random() < 0.7 else rng.randrange(1, len(CONCEPTS)))
        partners = [self.state(s) for s in rng.sample(STATES, k=2)]
        partner_labels = [self.entities[p].label for p in partners]

        # One sentence, written piece by piece: office phrase, event phrase, date, content.
        t = self.text
        start = t.length
        lead = "Most recently, " if first else "Meanwhile, "
        t.add(lead)
        office_phrase = t.add(f"{home_label}\u2019s {short_role} {person.label}")
        holding_slug = f"{speaker}-{post.slug}-{self.number}"
        if former is not None:
            t.add(", a former ")
            former_phrase = t.add(f"{ROLES[person.former_role][1]} of {home_label}")
            t.add(",")
        event_slug = f"{medium}-{speaker}-{self.number}-{len(self.events)}"
        event_types: tuple[str, ...]
        place: str | None = city
        extra_events: list[Event] = []
        if medium == "speech":
            conference_label = f"{rng.choice(REGIONS)} Security Dialogue {year}"
            t.add(" ")
            ev_start = t.length
            t.add("said at ")
            conf_phrase = t.add(f"the {conference_label} in {self.entities[city].label}")
            t.add(" on ")
            day_span = t.add(said_day)
            conf_slug = f"conference-{self.number}-{len(self.events)}"
            extra_events.append(
                Event(conf_slug, ("Conference",), f"{conference_label} ({self.slug})", place=city, evidence=conf_phrase)
            )
            event_types, event_label, part_of = (
                ("Speech",),
                f"Speech by {person.label} at {conference_label}",
                conf_slug,
            )
            evidence = Span(ev_start, day_span.end, "")
        elif medium in ("interview", "periodical"):
            outlet = rng.choice([o for o in self.pools.outlets if (o.type == "Periodical") == (medium == "periodical")])
            self.org(outlet)
            t.add(" said in ")
            ev_start = t.length
            t.add(f"an interview with {outlet.label} published on ")
            day_span = t.add(said_day)
            evidence = Span(ev_start, day_span.end, "")
            event_types, event_label, part_of = ("Interview",), f"Interview with {person.label} ({outlet.label})", None
            place = None
            if medium == "periodical":
                issue_slug = f"issue-{outlet.slug}-{self.number}-{len(self.events)}"
                extra_events.append(
                    Event(
                        issue_slug, ("PeriodicalIssue",), f"{outlet.label}, issue of {said_day}", issue_of=outlet.slug
                    )
                )
        else:
            outlet = rng.choice([o for o in self.pools.outlets if o.type == "MediaOutlet"])
            self.org(outlet)
            t.add(" said ")
            ev_start = t.length
            t.add(f"on a {outlet.label} television program on ")
            day_span = t.add(said_day)
            evidence = Span(ev_start, day_span.end, "")
            event_types, event_label, part_of = ("TelevisionAppearance",), f"{person.label} on {outlet.label}", None
            place = None
        content = t.add(
            f" that it is important for each country to secure its {topic_label}, and that {home_label} should deepen "
            f"cooperation with {partner_labels[0]} and {partner_labels[1]}."
        )
        whole = Span(start, content.end, "".join(t.parts)[start : content.end])
        t.add(" ")
        text_so_far = "".join(t.parts)

        def exact(span: Span) -> Span:
            return Span(span.start, span.end, text_so_far[span.start : span.end])

        date_slug = self.date(
            date_value, "day", "inferred",
            f"The article states {said_day} without a year; {year} is inferred from its publication date.",
            stated, exact(day_span),
        )  # fmt: skip
        self.holdings[holding_slug] = Holding(holding_slug, speaker, post.slug, "current", exact(office_phrase))
        if former is not None:
            former_slug = f"{speaker}-{former.slug}-{self.number}"
            self.holdings[former_slug] = Holding(former_slug, speaker, former.slug, "former", exact(former_phrase))
        outlet_ref = {}
        if medium == "television":
            outlet_ref["broadcaster"] = outlet.slug
        if medium == "periodical":
            outlet_ref["published_in"] = extra_events[-1].slug
        for ev in extra_events:
            if ev.types == ("PeriodicalIssue",):
                ev = Event(ev.slug, ev.types, ev.label, issue_of=ev.issue_of, date=date_slug)
            self.events.append(ev)
        self.events.append(
            Event(
                event_slug, event_types, event_label, part_of=part_of, participants=(speaker,), date=date_slug,
                place=place, evidence=exact(evidence), **outlet_ref,  # type: ignore[arg-type]
            )
        )  # fmt: skip
        stance = ((sa_slug, "advocates"),) if topic_slug == sa_slug else ()
        self._statement(
            "paraphrase", exact(whole), speaker=speaker, capacity=holding_slug, made_through=event_slug,
            made_through_basis="stated", date=date_slug, place=place, mentions=(speaker, home, *partners),
            about=(topic_slug,), partners=tuple(partners), stance=stance,
        )  # fmt: skip
        if rng.random() < 0.35:
            self.trends(person, sa_slug, partners)
        for _ in range(rng.randint(2, 5)):
            self.quotation(person, speaker, holding_slug, event_slug, date_slug, place, home)

    def trends(self, person: Person, sa_slug: str, partners: list[str]) -> None:
        """A paraphrase naming five trends, and their ordered collection (CQ2)."""
        region = self.rng.choice(REGIONS)
        region_slug = self.region(region)
        members = [sa_slug] + [self.concept(i)[0] for i in self.rng.sample(range(1, len(CONCEPTS)), k=4)]
        labels = [next(label for s, label in self.pools.concepts if s == m) for m in members]
        span, _ = self.text.sentence(
            f"{person.family} mentioned “{labels[0]}” as one of five encouraging trends in the {region} region. "
            f"The other four are: {labels[1]}; {labels[2]}; {labels[3]}; and {labels[4]}."
        )
        slug = f"five-encouraging-trends-{self.number}-{len(self.collections)}"
        self.collections.append(
            Collection(slug, f"five encouraging trends in the {region} region ({person.label})", tuple(members), True)
        )
        self.concepts_used.add(slug)
        self._statement(
            "paraphrase", span, speaker=self.person(person), mentions=(region_slug,), about=(*members, slug),
            partners=tuple(partners[:1]), stance=((sa_slug, "advocates"),),
        )  # fmt: skip

    def quotation(
        self, person: Person, speaker: str, holding: str, event: str, date: str, place: str | None, home: str
    ) -> None:
        rng = self.rng
        c_slug, c_label = self.concept(rng.randrange(len(self.pools.concepts)))
        other = self.state(rng.choice(STATES))
        other_label = self.entities[other].label
        home_label = self.entities[home].label
        template = rng.choices(range(5), weights=(1, 4, 4, 4, 4))[0]
        stance: str | None = None
        partners: tuple[str, ...] = ()
        if template == 0:
            words = (
                f"There is a healthy sense of caution about excessive reliance on {other_label}. An appropriate level "
                f"of {c_label} is an important foundation for maintaining stable relationships"
            )
            stance = "advocates"
        elif template == 1:
            words = f"In the case of {c_label}, will we stop cooperating with {other_label}"
            stance = "doubts"
            words += "?"
        elif template == 2:
            words = (
                f"We must deepen cooperation with like-minded countries such as {other_label}, and pave the way for "
                f"{c_label} without excessive reliance on any single partner"
            )
            partners = (other,)
            stance = "advocates"
        elif template == 3:
            words = f"The goal of {c_label} is easier said than done for {home_label}"
            stance = "qualifies"
        else:
            words = f"{home_label} and {other_label} share an interest in {c_label}, and we will keep talking"
            partners = (other,)
        t = self.text
        start = t.length
        t.add("“")
        span = t.add(words)
        t.add("”" if words.endswith("?") else ",” ")
        if not words.endswith("?"):
            t.add(f"{person.family} said.")
        else:
            t.add(f" {person.family} asked.")
        outer = Span(start, t.length, "".join(t.parts)[start : t.length])
        t.add(" ")
        about = (c_slug,)
        stance_pairs = ((c_slug, stance),) if stance else ()
        if rng.random() < 0.2:
            # The reporting sentence is itself a paraphrase, the quotation quoted within it.
            outer_slug = self._statement(
                "paraphrase", outer, speaker=speaker, capacity=holding, made_through=event,
                made_through_basis="context", date=date, place=place, about=about, stance=stance_pairs,
            )  # fmt: skip
            within: str | None = outer_slug
        else:
            within = None
        self._statement(
            "quotation", span, speaker=speaker, capacity=holding, within=within, made_through=event,
            made_through_basis="context", date=date, place=place, mentions=(other,), about=about,
            partners=partners, stance=stance_pairs,
        )  # fmt: skip


def _state_name(person: Person) -> str:
    return next(s for s in STATES if slugify(s) == person.state)


# --- the corpus ------------------------------------------------------------------------------------------------


def articles(seed: int = DEFAULT_SEED, expected: int = 1000) -> Iterator[Article]:
    """An endless, deterministic stream of synthetic articles (pools sized for ``expected`` articles)."""
    pools = make_pools(random.Random(seed), expected)
    number = 0
    while True:
        yield ArticleBuilder(number, random.Random(f"{seed}/{number}"), pools).build()
        number += 1


def wikidata_links(entities: dict[str, str], minter: Minter, seed: int) -> list[ox.Quad]:
    """Verified links for about half the persons and every state, as the SSSOM table would give them (CQ8)."""
    rng = random.Random(f"{seed}/links")
    mappings = []
    for iri, label in sorted(entities.items()):
        kind = iri.split("/id/", 1)[1].split("/", 1)[0]
        if kind not in ("person", "state", "organization") or (kind != "state" and rng.random() < 0.5):
            continue
        qid = f"Q{int(hashlib.sha256(iri.encode()).hexdigest()[:8], 16) % 90_000_000 + 1000}"
        mappings.append(
            Mapping(
                subject=iri, subject_label=label, predicate="http://www.w3.org/2002/07/owl#sameAs",
                object=f"http://www.wikidata.org/entity/{qid}", object_label=f"{label} (synthetic)",
                justification="https://w3id.org/semapv/vocab/ManualMappingCuration",
                confidence=round(0.8 + rng.random() * 0.19, 2), author="bench corpus generator",
                date="2026-01-01", provider="bench/corpus.py", comment=f"Evidence: synthetic record for {label}.",
            )
        )  # fmt: skip
    mapping_set = MappingSet(
        "https://w3id.org/akg/mappings/wikidata",
        "Synthetic links to Wikidata items (benchmark corpus).",
        "https://creativecommons.org/licenses/by/4.0/",
        tuple(mappings),
    )
    return compile_links(mapping_set, minter, "wikidata", set(entities))


@dataclass(frozen=True)
class CorpusInfo:
    quads: int
    articles: int
    seconds: float
    path: Path


def estimate_articles(triples: int) -> int:
    return max(1, triples // 1200)


def write_corpus(
    out: Path,
    triples: int,
    seed: int = DEFAULT_SEED,
    progress: bool = True,
    minter: Minter | None = None,
    keep_duplicates: bool = False,
) -> CorpusInfo:
    """Write about ``triples`` quads (never fewer) as N-Quads to ``out``: articles, then links, then the ontology.

    Each article is compiled into its own named graph, so the triples about shared nodes (a person's type and
    labels, a concept's labels, a post) recur in every graph whose article names them. Engines disagree on the
    union default graph of such a dataset: rdflib merges it (a set), pyoxigraph 0.5 and Virtuoso return each
    triple once per graph (a bag: oxigraph issue #1919, fixed after 0.5), so the competency queries' row counts
    would differ by system and grow with the square of the corpus. By default a triple is therefore kept only
    in the first graph that has it (the union is unchanged as a set); ``keep_duplicates`` writes every graph whole.
    """
    minter = minter or Minter()
    seen: set[int] = set()
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    labels: dict[str, str] = {}
    ontology = ontology_quads(minter)
    total = len(ontology)
    count = 0
    link_budget = 0
    with tmp.open("wb") as f:
        for article in articles(seed, estimate_articles(triples)):
            quads = compile_article(article, minter)
            if not keep_duplicates:
                fresh = []
                for q in quads:
                    key = int.from_bytes(hashlib.blake2b(str(q.triple).encode(), digest_size=8).digest())
                    if key not in seen:
                        seen.add(key)
                        fresh.append(q)
                quads = fresh
            f.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
            total += len(quads)
            count += 1
            for e in article.entities:
                labels.setdefault(minter.entity(e.kind, e.slug), e.label)
            link_budget = len(labels) * 8  # roughly: half the entities linked, 15 quads per link
            if progress and count % 100 == 0:
                print(f"  corpus: {count} articles, {total:,} quads", file=sys.stderr, flush=True)
            if total + link_budget >= triples:
                break
        links = wikidata_links(labels, minter, seed)
        f.write(ox.serialize(links, format=ox.RdfFormat.N_QUADS))
        f.write(ox.serialize(ontology, format=ox.RdfFormat.N_QUADS))
        total += len(links)
    tmp.rename(out)
    return CorpusInfo(total, count, time.perf_counter() - started, out)


def parse_size(text: str) -> int:
    """``100k`` -> 100000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", default="100k", help="target size, e.g. 100000, 100k, 1M (default 100k)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--keep-duplicates", action="store_true", help="write every article graph whole (see write_corpus)"
    )
    parser.add_argument("--out", type=Path, help="N-Quads file to write (default bench/data/SIZE/corpus.nq)")
    args = parser.parse_args()
    size = parse_size(args.triples)
    out = args.out or Path(__file__).parent / "data" / args.triples / "corpus.nq"
    info = write_corpus(out, size, args.seed, keep_duplicates=args.keep_duplicates)
    print(f"{info.quads:,} quads from {info.articles} articles in {info.seconds:.1f} s: {info.path}")


if __name__ == "__main__":
    main()
