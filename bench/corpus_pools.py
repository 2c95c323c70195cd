"""The synthetic corpus's building blocks (bench/corpus.py): the pools of names shared by every article, and the
text builder that records each piece's span as it is appended."""

from __future__ import annotations

import random
from dataclasses import dataclass

from kg.iris import slugify
from kg.model import (
    Span,
)

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


def month_day(rng: random.Random, year: int) -> tuple[str, str, str]:
    month = rng.randrange(1, 13)
    day = rng.randrange(1, 29)
    return f"{year}-{month:02d}-{day:02d}", f"--{month:02d}-{day:02d}", f"{MONTHS[month - 1]} {day}"
