"""Genres a title announces (``--title``): statement releases and readouts of calls (docs/annotation-guide.md,
"White House statements and readouts").

- "Statement by/from [office] [Name] on …": the text is that person's own words without quotation marks, so
  every sentence is one direct quotation (full stop included) with that speaker. The office in the title is no
  holding: a holding's evidence must be a span of the text, and the title is not part of it.
- "Readout of …": the publisher's report of a call. "The President underscored that …" is a paraphrase whose
  speaker is the person the title names with that office (the first, when two share it: the readout's own
  principal comes first); "The two leaders …", "The President and Prime Minister …", "They …" is one paraphrase
  per leader (a statement has one speaker); any other sentence ("… called … today") is the publisher's claim.
  Every paraphrase is made through the call, which the title and first sentence name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.annotate.document import Document
from kg.annotate.entities import Entities, Found, mint_entity_slug
from kg.annotate.gazetteer import Gazetteer, Known
from kg.annotate.lexicon import READOUT_VERBS, REPORTING_VERBS, TITLE_HEADS, TITLE_WORDS
from kg.annotate.statements import Statement, Statements

_STATEMENT = re.compile(r"^\s*Statement (?:by|from) (?P<who>.+?)(?: (?:on|regarding|about|marking|following) .*)?$")
_READOUT = re.compile(r"^\s*Readout of (?P<what>.+)$")
_MEDIUM = re.compile(r"\b(?P<medium>(?:Phone |Video |Telephone )?(?:Call|Meeting|Conversation))\b")
_LEAD = r"(?:(?:Together|Also|Additionally|Further|Finally|Separately|Later|Both)(?:,)?\s+)?"
_PLURAL = r"(?:[Tt]he|[Bb]oth) (?:(?:two|three|four|five|several) )?[Ll]eaders|They|Both"
_SUBJECT = re.compile(
    rf"^{_LEAD}(?:(?P<plural>{_PLURAL})|[Tt]he (?P<t1>[A-Z][\w-]*(?: [A-Z][\w-]*)*) and (?:the )?"
    rf"(?P<t2>[A-Z][\w-]*(?: [A-Z][\w-]*)*)|[Tt]he (?P<t>[A-Z][\w-]*(?: [A-Z][\w-]*)*))"
    r"(?:,)?\s+(?:also |further |again |both |jointly )?(?P<verb>[a-z]+)\b"
)


@dataclass(frozen=True)
class Leader:
    title: str  # as the title writes it: "Prime Minister"
    name: str  # as the title writes it: "Ishiba"
    slug: str


@dataclass
class Genre:
    kind: str  # statement | readout
    title: str
    speaker: str | None = None  # statement: the person the title names
    leaders: list[Leader] = field(default_factory=list)  # readout: the persons the title names, in its order
    medium: str = "Call"


def read_title(title: str | None, entities: Entities, gaz: Gazetteer) -> Genre | None:
    """The genre the title announces, with the persons it names resolved; None for any other title.

    Persons are resolved to the text's entities or the graph's (by full name, then by family name); a person
    found in neither is added as a new entity named in the title.
    """
    if not title:
        return None
    title = " ".join(title.split())
    m = _STATEMENT.match(title)
    if m:
        names = _titled_names(m["who"])
        speaker = _person(names[0][1], entities, gaz, title) if names else None
        if speaker is None and m["who"] and m["who"][:1].isupper() and not _is_title(m["who"]):
            speaker = _person(m["who"], entities, gaz, title)
        return Genre("statement", title, speaker)
    m = _READOUT.match(title)
    if m:
        leaders = [Leader(t, n, _person(n, entities, gaz, title)) for t, n in _titled_names(m["what"])]
        medium = _MEDIUM.search(m["what"])
        return Genre("readout", title, leaders=leaders, medium=medium["medium"] if medium else "Call")
    return None


def _is_title(phrase: str) -> bool:
    return all(w.lower() in TITLE_HEADS | TITLE_WORDS | {"the", "of"} for w in phrase.split())


def _titled_names(phrase: str) -> list[tuple[str, str]]:
    """(office, name) pairs of a title: "Prime Minister Ishiba of Japan and President Marcos" -> two pairs."""
    words = re.findall(r"[\w.’'-]+", phrase)
    out: list[tuple[str, str]] = []
    k = 0
    while k < len(words):
        if words[k].lower() not in TITLE_HEADS:
            k += 1
            continue
        start = k
        while start > 0 and words[start - 1][:1].isupper() and words[start - 1].lower() in TITLE_WORDS | TITLE_HEADS:
            start -= 1
        end = k + 1
        while end < len(words) and words[end].lower() in TITLE_HEADS:  # "Security Advisor": the last head
            end += 1
        office = " ".join(words[start:end])
        name: list[str] = []
        while end < len(words) and words[end][:1].isupper() and words[end].lower() not in TITLE_HEADS:
            name.append(words[end])
            if words[end].endswith(("’s", "'s")):
                break
            end += 1
        if name:
            name[-1] = re.sub(r"(?:’s|'s)$", "", name[-1])
            out.append((office, " ".join(name)))
        k = end + 1
    return out


def _person(name: str, entities: Entities, gaz: Gazetteer, title: str) -> str:
    """The slug of the person ``name`` (full or family name) names in the text or the graph, else a new one."""
    name = name.rstrip(",")
    text_people = [f for f in entities.found.values() if f.kind == "person"]
    graph_people = [k for k in gaz.entities if k.kind == "person"]
    for people in (text_people, graph_people):
        exact = [p for p in people if name in _names(p)]
        if len({p.slug for p in exact}) == 1:
            return _add(exact[0], entities, f"named in the title “{title}”")
    family = name.split()[-1]
    for people in (text_people, graph_people):
        parts = [p for p in people if family in {w.strip(",") for n in _names(p) for w in n.split()}]
        if len({p.slug for p in parts}) == 1:
            return _add(parts[0], entities, f"“{family}” in the title “{title}” is this person's name")
    slug = mint_entity_slug(name, set(entities.found))
    entities.found[slug] = Found(
        slug, "person", ("Person",), name, [], 0.7, "genres.title", f"named in the title “{title}”"
    )
    return slug


def _names(person: Found | Known) -> tuple[str, ...]:
    return tuple(person.names()) if isinstance(person, Found) else person.names


def _add(person: Found | Known, entities: Entities, why: str) -> str:
    if isinstance(person, Found):
        return person.slug
    known = person  # a Known of the graph, not named in the text
    if known.slug not in entities.found:
        entities.found[known.slug] = Found(
            known.slug,
            known.kind,
            known.types,
            known.label,
            [],
            0.85,
            "gazetteer.graph",
            why,
            known,
        )
    return known.slug


def apply(genre: Genre, doc: Document, found: Statements) -> None:
    """Replace the statements of a release or a readout by the genre's (sentences, not quotation marks)."""
    if genre.kind == "statement":
        found.items = [
            Statement(
                "quotation",
                s.start,
                s.end,
                genre.speaker,
                0.85 if genre.speaker else 0.3,
                "genres.statement-release",
                f"the title “{genre.title}” makes the text its speaker's own words: one quotation per sentence",
                sentence=s,
            )
            for s in doc.sentences
            if len(re.findall(r"\w+", s.text)) >= 3
        ]
        found.terms = []
        return
    items: list[Statement] = []
    previous: list[str] = []
    for s in doc.sentences:
        speakers, why = _readout_speakers(s.text, genre, previous)
        if speakers:
            items += [
                Statement("paraphrase", s.start, s.end, sp, 0.8, "genres.readout", why, sentence=s) for sp in speakers
            ]
            previous = speakers
        elif len(re.findall(r"\w+", s.text)) >= 3:
            kind = "question" if s.text.rstrip().endswith("?") else "claim"
            items.append(
                Statement(
                    kind, s.start, s.end, None, 0.7, f"genres.readout-{kind}", "the publisher's own report", sentence=s
                )
            )
    found.items, found.terms = items, []


def _readout_speakers(sentence: str, genre: Genre, previous: list[str]) -> tuple[list[str], str]:
    m = _SUBJECT.match(sentence)
    if not m or not (m["verb"] in READOUT_VERBS or m["verb"] in REPORTING_VERBS):
        return [], ""
    leaders = genre.leaders
    if m["plural"]:
        group = previous if m["plural"] == "They" and len(previous) > 1 else [x.slug for x in leaders]
        return (group if len(group) > 1 else []), f"“{m['plural']} {m['verb']}”: one paraphrase per leader of the call"
    titles = [m["t1"], m["t2"]] if m["t1"] else [m["t"]]
    slugs = [_by_title(t, leaders) for t in titles]
    if None in slugs:
        return [], ""
    return [s for s in slugs if s], f"“The {' and '.join(titles)} {m['verb']}”: the office the title names"


def _by_title(title: str, leaders: list[Leader]) -> str | None:
    """The first leader the title names with this office ("President"), or None."""
    return next((x.slug for x in leaders if x.title.lower() == title.lower()), None)
