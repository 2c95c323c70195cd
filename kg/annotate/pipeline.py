"""One text in, one draft annotation out: the rule modules run in order and their findings become the sections
of an annotation file (kg/annotation.schema.json), each element with its ``suggested`` block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kg.annotate import concepts as concept_rules
from kg.annotate.dates import FoundDate, Published, find_dates
from kg.annotate.document import segment
from kg.annotate.draft import suggestion
from kg.annotate.entities import Entities, Found, find_entities, mint_entity_slug
from kg.annotate.events import FoundEvent, find_events
from kg.annotate.gazetteer import Gazetteer
from kg.annotate.genres import Genre, apply, read_title
from kg.annotate.offices import Offices, find_offices, unnamed_actor
from kg.annotate.quotes import find_block, find_marked
from kg.annotate.statements import Statement, Statements, add_block_quotes, classify
from kg.iris import slugify

DEFAULT_SCHEME = {"slug": "policy-concepts", "label": "Policy concepts in the article knowledge graph"}


@dataclass(frozen=True)
class Meta:
    """What the command line says about the source."""

    text_file: str
    slug: str
    url: str | None = None
    published: Published | None = None
    publisher: str | None = None
    title: str | None = None


@dataclass
class Result:
    draft: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    entities: Entities | None = None


def annotate_text(text: str, meta: Meta, gaz: Gazetteer, notes: list[str] = ()) -> Result:  # type: ignore[assignment]
    """The draft annotation of ``text``."""
    marked = find_marked(segment(text))
    doc = segment(text, [(q.start, q.end) for q in marked])
    entities = find_entities(doc, gaz)
    offices = find_offices(text, entities, gaz)
    found = classify(doc, marked, entities, lambda q, s: concept_rules.is_term(q, s, text, gaz))
    names = {p: _names(entities, a.speaker) for p, a in found.intros.items()}
    add_block_quotes(found, find_block(doc, names))
    for st in found.items:
        if st.speaker is None and st.unnamed is not None:
            st.speaker = unnamed_actor(text, st.unnamed, entities, gaz, offices)
    genre = read_title(meta.title, entities, gaz)
    if genre is not None:
        apply(genre, doc, found)
    dates = find_dates(text, meta.published)
    events = find_events(text)
    draft = _assemble(text, meta, gaz, entities, offices, found, dates, events, genre)
    result = Result(draft, [*notes, *offices.notes], entities)
    if not any(s.kind == "quotation" for s in found.items):
        result.notes.append("no quotation found in the text")
    return result


def _names(entities: Entities, slug: str | None) -> list[str]:
    return entities.found[slug].names() if slug and slug in entities.found else []


def _date_slug(d: FoundDate) -> str:
    """``d-<value>``; a relative word's date is one of its own beside the publication date (``d-<value>-today``)."""
    if not d.value:
        return f"d-unresolved-{d.start}"
    return f"d-{d.value}-{d.word}" if d.word else f"d-{d.value}"


def _assemble(
    text: str,
    meta: Meta,
    gaz: Gazetteer,
    entities: Entities,
    offices: Offices,
    found: Statements,
    dates: list[FoundDate],
    events: list[FoundEvent],
    genre: Genre | None = None,
) -> dict[str, Any]:
    source: dict[str, Any] = {"slug": meta.slug, "text_file": meta.text_file}
    if meta.url:
        source["url"] = meta.url
    if meta.title:
        source["title"] = meta.title
    date_items: dict[str, dict[str, Any]] = {}
    if meta.publisher:
        source["publisher"] = meta.publisher
        if meta.publisher not in entities.found:
            entities.found[meta.publisher] = _publisher(meta.publisher, gaz, text)
    if meta.published:
        slug = f"d-{meta.published.text}"
        source["published"] = slug
        date_items[slug] = {
            "slug": slug,
            "value": meta.published.text,
            "precision": "day" if meta.published.day else "month",
            "status": "source-metadata",
            "basis": "The publication date given on the command line (--published).",
            "suggested": suggestion(0.9, "command-line", "--published"),
        }
    source["evidence"] = "Metadata given on the command line of kg annotate; check it."
    for d in dates:
        slug = _date_slug(d)
        if slug not in date_items:
            date_items[slug] = _date_item(text, slug, d)

    statements = _statement_items(text, found.items, entities, offices, gaz)
    event_items = _event_items(text, events, found.items, statements, entities, dates)
    if genre is not None:
        event_items = _genre_event(text, meta, genre, statements, dates, date_items, entities) + event_items
    concept_items = _concept_items(text, found, statements, gaz)
    draft: dict[str, Any] = {"source": source, "entities": [f.as_yaml() for f in entities.found.values()]}
    sections = {
        "posts": list(offices.posts.values()),
        "holdings": list(offices.holdings.values()),
        "dates": list(date_items.values()),
        "events": event_items,
        "concepts": {"scheme": dict(gaz_scheme(gaz)), "items": concept_items} if concept_items else None,
    }
    draft |= {key: value for key, value in sections.items() if value}  # an empty section is left out
    draft["statements"] = statements
    return draft


def _publisher(slug: str, gaz: Gazetteer, text: str) -> Found:
    """The publisher given with ``--publisher``: the graph's entity of that slug, else a new organisation."""
    known = next((k for k in gaz.entities if k.slug == slug), None)
    label = known.label if known else " ".join(w.capitalize() for w in slug.split("-"))
    alt = [n for n in (*(known.alt if known else ()), label.removeprefix("The ")) if n != label]
    return Found(
        slug,
        known.kind if known else "organization",
        known.types if known else ("Organization",),  # a media outlet only when the graph says so
        label,
        sorted({n for n in alt if re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", text)}),
        0.9,
        "command-line",
        "the publisher given with --publisher" + (f" ({known.origin})" if known else ": an organisation"),
    )


def _date_item(text: str, slug: str, d: FoundDate) -> dict[str, Any]:
    """The draft's item for a date found in the text."""
    item: dict[str, Any] = {"slug": slug}
    if d.value:
        item["value"] = d.value
    if d.stated:
        item["stated"] = d.stated
    item |= {
        "precision": d.precision,
        "status": d.status,
        "basis": d.basis,
        "evidence": {"text": text[d.start : d.end], "span": [d.start, d.end]},
        "suggested": suggestion(d.confidence, "dates.rules", f"“{text[d.start : d.end]}”"),
    }
    return item


def _genre_event(
    text: str,
    meta: Meta,
    genre: Genre,
    statements: list[dict[str, Any]],
    dates: list[FoundDate],
    date_items: dict[str, dict[str, Any]],
    entities: Entities,
) -> list[dict[str, Any]]:
    """The release or the call a title names: the medium of every quotation or paraphrase, with its date."""
    published = f"d-{meta.published.text}" if meta.published else None
    if genre.kind == "statement":
        participants = [genre.speaker] if genre.speaker else []
        item: dict[str, Any] = {
            "slug": f"{meta.slug}-release",
            "types": ["Event"],
            "label": f"{genre.title} (release)",
            "participants": participants,
            "note": "The release itself: the title names its speaker and medium.",
        }
        date = published
    else:
        first = text[: text.find("\n")] if "\n" in text else text
        today = next((d for d in dates if d.word == "today" and d.start < len(first)), None)
        date = _date_slug(today) if today and _date_slug(today) in date_items else published
        people = [x.slug for x in genre.leaders]
        labels = [entities.found[p].label for p in people if p in entities.found]
        when = meta.published.text if meta.published else "undated"
        item = {
            "slug": mint_entity_slug(f"{' '.join(x.name for x in genre.leaders)} {genre.medium} {when}", set()),
            "types": ["Event"],
            "label": f"{genre.medium} between {' and '.join(labels)}",
            "participants": people,
        }
        start = len(first) - len(first.lstrip())
        end = today.end if today else len(first.rstrip())
        item["evidence"] = {"text": text[start:end], "span": [start, end]}
    if date:
        item["date"] = date
    item["suggested"] = suggestion(0.75, f"genres.{genre.kind}", f"the title “{genre.title}”")
    for st in statements:
        if st["kind"] in ("quotation", "paraphrase"):
            st["made_through"] = {"event": item["slug"], "basis": "stated"}
            if date:
                st["date"] = date
    return [item]


def gaz_scheme(gaz: Gazetteer) -> dict[str, str]:
    del gaz
    return DEFAULT_SCHEME


def _statement_items(
    text: str, items: list[Statement], entities: Entities, offices: Offices, gaz: Gazetteer
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for st in items:
        words = slugify(" ".join(text[st.start : st.end].split()[:5]))[:48].strip("-")
        slug = mint_entity_slug(f"{st.speaker or st.kind} {words}", taken)
        taken.add(slug)
        item: dict[str, Any] = {
            "slug": slug,
            "kind": st.kind,
            "text": text[st.start : st.end],
            "span": [st.start, st.end],
        }
        if st.speaker:
            item["speaker"] = st.speaker
            capacity = offices.current_of(st.speaker)
            if capacity:
                item["capacity"] = capacity
        if st.within is not None:
            item["within"] = out[st.within]["slug"] if st.within < len(out) else None
            if item["within"] is None:
                del item["within"]
        mentions = sorted({s for a, b, s in entities.mentions if st.start <= a and b <= st.end} - {st.speaker})
        if mentions:
            item["mentions"] = mentions
        about = concept_rules.known_concepts(text[st.start : st.end], gaz)
        if about:
            item["about"] = about
        item["suggested"] = suggestion(st.confidence, st.by, st.evidence)
        out.append(item)
    return out


def _event_items(
    text: str,
    events: list[FoundEvent],
    items: list[Statement],
    statements: list[dict[str, Any]],
    entities: Entities,
    dates: list[FoundDate],
) -> list[dict[str, Any]]:
    by_name = {n: f.slug for f in entities.found.values() for n in f.names()}
    out: list[dict[str, Any]] = []
    latest: dict[str, str] = {}  # speaker -> their latest event
    for ev in events:
        holders = [
            (st, item)
            for st, item in zip(items, statements, strict=True)
            if st.sentence is not None and st.sentence.start <= ev.start < st.sentence.end
        ]
        speakers = sorted({st.speaker for st, _ in holders if st.speaker}) or _subject_before(ev.start, entities, items)
        slug = mint_entity_slug(" ".join([*speakers[:1], ev.label]), {e["slug"] for e in out})
        sentence = next((st.sentence for st, _ in holders), None)
        date = next((d for d in dates if d.value and sentence and sentence.start <= d.start < sentence.end), None)
        out.append(_event_item(text, ev, slug, speakers, date, by_name))
        for _st, st_item in holders:
            if st_item["kind"] not in ("quotation", "paraphrase"):  # the article's own sentences have no medium
                continue
            st_item["made_through"] = {"event": slug, "basis": "stated"}
            if date and "date" not in st_item:
                st_item["date"] = _date_slug(date)
        for sp in speakers:
            latest[sp] = slug
    for st_item in statements:  # later statements of the same speaker: tied by context only
        speaker = st_item.get("speaker")
        if speaker in latest and "made_through" not in st_item:
            first = next(e for e in out if e["slug"] == latest[speaker])
            if first["evidence"]["span"][0] < st_item["span"][0]:
                st_item["made_through"] = {"event": latest[speaker], "basis": "context"}
    return out


def _event_item(
    text: str, ev: FoundEvent, slug: str, speakers: list[str], date: FoundDate | None, by_name: dict[str, str]
) -> dict[str, Any]:
    """The draft's item for one event: its participants, date, place, venue, broadcaster and outlet."""
    item: dict[str, Any] = {"slug": slug, "types": list(ev.types), "label": ev.label}
    if speakers:
        item["participants"] = speakers
    if date:
        item["date"] = _date_slug(date)
    for role, key in (("place", "place"), ("venue", "venue"), ("broadcaster", "broadcaster")):
        if ev.refs.get(key) in by_name:
            item[role] = by_name[ev.refs[key]]
    if ev.refs.get("outlet") in by_name:
        item["note"] = f"published in {ev.refs['outlet']}"
    item["evidence"] = {"text": text[ev.start : ev.end], "span": [ev.start, ev.end]}
    item["suggested"] = suggestion(0.65, f"events.{ev.key}", f"“{text[ev.start : ev.end]}”")
    return item


def _subject_before(offset: int, entities: Entities, items: list[Statement]) -> list[str]:
    """The person named last before an event in its sentence ("Soto gave a speech at ..."): its participant."""
    sentence = next(
        (st.sentence for st in items if st.sentence and st.sentence.start <= offset < st.sentence.end), None
    )
    start = sentence.start if sentence else max(0, offset - 200)
    people = [m for m in entities.mentions if start <= m[0] < offset and entities.found[m[2]].kind == "person"]
    return [people[-1][2]] if people else []


def _concept_items(
    text: str, found: Statements, statements: list[dict[str, Any]], gaz: Gazetteer
) -> list[dict[str, Any]]:
    used = sorted({c for s in statements for c in s.get("about", ())})
    labels = {slug: label for slug, label in gaz.concepts.values()}
    items = [
        {
            "slug": c,
            "label": labels[c],
            "suggested": suggestion(0.8, "concepts.graph", "a concept of the graph, by label"),
        }
        for c in used
    ]
    proposed = [p for p in concept_rules.propose(found.terms, text, gaz) if p["slug"] not in used]
    for p in proposed:
        for s in statements:
            if p["label"].lower() in s["text"].lower():
                s.setdefault("about", []).append(p["slug"])
    return items + proposed
