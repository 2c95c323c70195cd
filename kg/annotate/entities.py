"""Entities named in the text: persons, organisations, states and places, with their labels as written.

Known names (the graph's entities and the built-in lists) are found by exact match; new names come from runs
of capitalised words classified by their cues (a title before a person, "said" after, an appositive office, an
organisation keyword, a medium noun). Japanese names stay in the order written. A bare family name that
belongs to one person becomes that person's alternative label; a capital used for its government ("Tokyo
wants") becomes the state's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kg.annotate.dates import MONTHS, WEEKDAYS
from kg.annotate.document import Document, Token
from kg.annotate.draft import suggestion
from kg.annotate.gazetteer import CAPITALS, DEMONYMS, Gazetteer, Known
from kg.annotate.lexicon import (
    CONNECTORS,
    EVENT_KEYWORDS,
    FUNCTION_WORDS,
    HONORIFICS,
    LOCATIVE,
    MEDIA_AFTER,
    MEDIA_NOUNS,
    ORG_KEYWORDS,
    TITLE_HEADS,
)
from kg.annotate.names import (
    has_complement,
    initial_offsets,
    is_acronym,
    name_runs,
    split_run,
    split_title,
    strip_initial,
)
from kg.iris import slugify

_FORCES_RE = re.compile(r"\b(?P<state>[A-Z][\w.]*(?: [A-Z]\w+)?)(?:’s|'s)? (?P<noun>military|armed forces|navy|army)\b")


@dataclass
class Found:
    """One entity of the draft: its schema fields, where it was seen and why it is suggested."""

    slug: str
    kind: str
    types: tuple[str, ...]
    label: str
    alt: list[str] = field(default_factory=list)
    confidence: float = 0.6
    by: str = "entities.rules"
    evidence: str = ""
    reused: Known | None = None

    def names(self) -> list[str]:
        return [self.label, *self.alt]

    def as_yaml(self) -> dict[str, Any]:
        item: dict[str, Any] = {"slug": self.slug, "kind": self.kind, "types": list(self.types), "label": self.label}
        if self.alt:
            item["alt"] = sorted(set(self.alt))
        item["suggested"] = suggestion(self.confidence, self.by, self.evidence)
        return item


@dataclass
class Entities:
    """The entities of one text, and every mention (start, end, slug) in text order."""

    found: dict[str, Found] = field(default_factory=dict)
    mentions: list[tuple[int, int, str]] = field(default_factory=list)

    def between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        return [m for m in self.mentions if start <= m[0] and m[1] <= end]

    def by_slug(self, slug: str) -> Found:
        return self.found[slug]


def locate_names(text: str, names: dict[str, list[str]]) -> list[tuple[int, int, str]]:
    """Every occurrence of each entity's names, longest first, never overlapping (a span may name several).

    >>> locate_names("U.S. military and the U.S.", {"us": ["U.S."], "usm": ["U.S. military"]})
    [(0, 13, 'usm'), (22, 26, 'us')]
    """
    by_name: dict[str, list[str]] = defaultdict(list)
    for slug, ns in names.items():
        for n in set(ns):
            by_name[n].append(slug)
    taken: list[tuple[int, int]] = []
    out: list[tuple[int, int, str]] = []
    for name in sorted(by_name, key=len, reverse=True):
        for m in re.finditer(r"(?<![\w.])" + re.escape(name) + r"(?!\w)", text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            out.extend((m.start(), m.end(), slug) for slug in sorted(by_name[name]))
    return sorted(out)


def find_entities(doc: Document, gaz: Gazetteer, quotes: list[tuple[int, int]] = ()) -> Entities:  # type: ignore[assignment]
    """The entities the text names and their mentions; known ones keep their slug."""
    text = doc.text
    table = gaz.by_name()
    initial = initial_offsets(doc)
    result = Entities()
    candidates: list[tuple[str, str, tuple[str, ...], float, str]] = []  # name, kind, types, confidence, evidence
    all_runs = name_runs(doc)
    person_tokens: set[str] = set()

    deferred: list[list[Token]] = []
    for run in (part for r in all_runs for part in split_run(strip_initial(r, initial, text, table), gaz)):
        if not run:
            continue
        if has_complement(run):
            deferred.append(run)
            continue
        name_toks, cue = split_title(run, text)
        name = text[name_toks[0].start : name_toks[-1].end] if name_toks else ""
        if not name or (name in table and not cue):
            continue
        if cue:
            candidates.append((name, "person", ("Person",), 0.85, cue))
            person_tokens.update(t.text for t in name_toks)
            continue
        kind, types, conf, why = _classify(run, name, text)
        if kind:
            candidates.append((name, kind, types, conf, why))
    for run in deferred:  # "Minister of Economic Security Kobayashi": the known name ends the run
        caps = [
            t for t in run[[t.text.lower() in TITLE_HEADS for t in run].index(True) + 1 :] if t.text not in CONNECTORS
        ]
        tail: list[Token] = []
        for t in reversed(caps):
            if t.text not in person_tokens:
                break
            tail.insert(0, t)
        name_toks = tail or (caps[-2:] if len(caps) >= 3 else caps[-1:])
        if len(caps) >= 2 and name_toks:
            name = text[name_toks[0].start : name_toks[-1].end]
            candidates.append(
                (
                    name,
                    "person",
                    ("Person",),
                    0.75 if tail else 0.5,
                    f"title before the name: “{text[run[0].start : run[-1].end]}”",
                )
            )
    for m in _FORCES_RE.finditer(text):
        state = gaz.state_for(m.group("state"))
        if state:
            label = f"{m.group('state')} {m.group('noun')}"
            candidates.append((label, "organization", ("ArmedForces",), 0.7, f"“{m.group()}”: a state's armed forces"))

    for name, kind, types, conf, why in candidates:
        _add(result, name, kind, types, conf, why, table, gaz)
    for m in re.finditer(
        r"(?P<long>[A-Z][\w-]*(?: (?:of |for |and |the )?[A-Z][\w-]*)+) \((?P<short>[A-Z]{2,})\)", text
    ):
        owner = next((f for f in result.found.values() if m.group("long") in f.names()), None)
        if owner and m.group("short") not in owner.alt and m.group("short") != owner.label:
            owner.alt.append(m.group("short"))
    _full_names(result, text, gaz)
    _merge_family_names(result)
    _known_mentions(result, text, table)
    _family_names(result, text)
    _capitals(result, text, gaz)
    names = {slug: f.names() for slug, f in result.found.items()}
    result.mentions = _resolve(locate_names(text, names), text, result)
    used = {s for _, _, s in result.mentions}
    result.found = {s: f for s, f in result.found.items() if s in used}
    return result


def _full_names(result: Entities, text: str, gaz: Gazetteer) -> None:
    """A one-word person ("President Duarte") whom the text also names in full without a cue ("called Marta
    Duarte today"): the full name is the label, the family name an alternative label. Either name order."""
    people = [f for f in result.found.values() if f.kind == "person"]
    for f in [f for f in people if " " not in f.label and f.reused is None]:
        if any(o is not f and f.label in (w.strip(",") for w in o.label.split()) for o in people):
            continue  # a name the text already gives in full: _merge_family_names joins them
        word = re.escape(f.label)
        pattern = rf"(?<![\w.’'-])(?:(?P<a>[A-Z][\w’'-]+) {word}|{word} (?P<b>[A-Z][\w’'-]+))(?![\w’'-])"
        for m in re.finditer(pattern, text):
            other = m["a"] or m["b"]
            low = other.lower()
            if low in TITLE_HEADS or low in FUNCTION_WORDS or other in ORG_KEYWORDS or gaz.state_for(other):
                continue
            if other in DEMONYMS or low in HONORIFICS or low.rstrip("s") in _MONTHS_AND_DAYS:
                continue
            f.alt.append(f.label)
            f.label, f.evidence = m.group(), f.evidence + f"; named in full as “{m.group()}”"
            del result.found[f.slug]
            f.slug = mint_entity_slug(f.label, set(result.found))
            result.found[f.slug] = f
            break


_MONTHS_AND_DAYS = frozenset(MONTHS) | frozenset(WEEKDAYS)


def _merge_family_names(result: Entities) -> None:
    """A one-word person ("Nakatani said") who is part of one longer person's name is that person."""
    for f in [f for f in result.found.values() if f.kind == "person" and " " not in f.label]:
        owners = [
            o
            for o in result.found.values()
            if o is not f and o.kind == "person" and f.label in (w.strip(",") for w in o.label.split())
        ]
        if len(owners) == 1:
            owners[0].alt.append(f.label)
            del result.found[f.slug]


def _classify(run: list[Token], name: str, text: str) -> tuple[str, tuple[str, ...], float, str]:
    """Kind, types, confidence and reason for a run that is not a person; kind "" when it names nothing."""
    last = run[-1].text
    keyword = next((t.text for t in reversed(run) if t.text in ORG_KEYWORDS), None)
    if last in EVENT_KEYWORDS:
        return "", (), 0.0, ""
    before = text[max(0, run[0].start - 30) : run[0].start].lower().split()
    after = text[run[-1].end : run[-1].end + 30].lower().split()
    if before and before[-1] in MEDIA_NOUNS:
        return "organization", ("MediaOutlet", "Periodical"), 0.75, f"named after “{before[-1]}”"
    if after and after[0] in MEDIA_AFTER:
        return "organization", ("MediaOutlet",), 0.75, f"named before “{after[0]}”"
    if keyword:
        return "organization", (ORG_KEYWORDS[keyword],), 0.75, f"organisation keyword “{keyword}”"
    if is_acronym(run) and name not in DEMONYMS:
        return "organization", ("Organization",), 0.5, "an acronym"
    return "", (), 0.0, ""


def _add(
    result: Entities,
    name: str,
    kind: str,
    types: tuple[str, ...],
    conf: float,
    why: str,
    table: dict[str, Known],
    gaz: Gazetteer,
) -> None:
    known = table.get(name)
    if known is None and kind == "person":
        known = next((k for k in gaz.entities if k.kind == "person" and name in k.names), None)
    if known is not None:
        _reuse(result, known, name)
        return
    existing = next((f for f in result.found.values() if name in f.names()), None)
    if existing:
        return
    slug = mint_entity_slug(name, set(result.found))
    result.found[slug] = Found(slug, kind, types, name, [], conf, "entities.rules", why)


def mint_entity_slug(label: str, taken: set[str]) -> str:
    """A new slug for ``label`` (kg.iris.slugify), made unique against ``taken``.

    >>> mint_entity_slug("Lin Jian", {"lin-jian"})
    'lin-jian-2'
    """
    base = slugify(label) or "entity"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _reuse(result: Entities, known: Known, name: str) -> Found:
    if known.slug not in result.found:
        conf, by = (0.95, "gazetteer.graph") if known.origin != "built-in list" else (0.85, "gazetteer.builtin")
        why = (
            f"matches {'the label' if name == known.label else 'an alternative label'} of {known.slug} ({known.origin})"
        )
        if known.wikidata:
            why += f"; Wikidata {known.wikidata.rsplit('/', 1)[-1]}"
        result.found[known.slug] = Found(known.slug, known.kind, known.types, known.label, [], conf, by, why, known)
    found = result.found[known.slug]
    if name != found.label and name not in found.alt:
        found.alt.append(name)
    return found


def _known_mentions(result: Entities, text: str, table: dict[str, Known]) -> None:
    """Known names anywhere in the text, but not inside a new name (a capital's name is left to :func:`_capitals`)."""
    names = {n: [n] for n in table if n not in CAPITALS}
    new = {f"\x00{f.slug}": f.names() for f in result.found.values() if f.reused is None}
    located = locate_names(text, names | new)
    inside_new = {(s, n) for s, _e, n in located if n.startswith("\x00")}
    for start, _end, name in located:
        if name.startswith("\x00"):
            continue
        k = table[name]
        if (start, name) not in inside_new:
            _reuse(result, k, name)


def _family_names(result: Entities, text: str) -> None:
    """A lone part of one person's name ("Nakatani", "Trump") becomes that person's alternative label."""
    owners: dict[str, set[str]] = defaultdict(set)
    for f in result.found.values():
        if f.kind == "person":
            for part in (p.rstrip(",") for p in f.label.split()):
                if len(part) > 2 and part[0].isupper() and not part.endswith("."):
                    owners[part].add(f.slug)
    for part, slugs in owners.items():
        if len(slugs) != 1 or part.lower() in FUNCTION_WORDS:
            continue
        person = result.found[next(iter(slugs))]
        full = re.compile(re.escape(person.label))
        spans = [(m.start(), m.end()) for m in full.finditer(text)]
        for m in re.finditer(r"(?<![\w.])" + re.escape(part) + r"(?!\w)", text):
            if not any(a <= m.start() < b for a, b in spans):
                if part not in person.alt:
                    person.alt.append(part)
                break


def _capitals(result: Entities, text: str, gaz: Gazetteer) -> None:
    """A capital after "in"/"at" is the city; elsewhere ("Washington’s involvement") it stands for the state."""
    for capital, state_label in CAPITALS.items():
        for m in re.finditer(r"(?<![\w.])" + re.escape(capital) + r"(?!\w)", text):
            prev = text[max(0, m.start() - 15) : m.start()].split()
            if (prev and prev[-1].lower() in LOCATIVE) or text[m.end() : m.end() + 3] in (" St", " DC", ", D"):
                known = gaz.by_name().get(capital)
                if known is None or known.kind == "state":
                    known = Known(slugify(capital), "place", ("City",), capital)
                _reuse(result, known, capital).by = "entities.capital-city"
            else:
                state = gaz.by_name().get(state_label)
                if state:
                    f = _reuse(result, state, capital)
                    f.evidence += f"; “{capital}” stands for the government (no “in/at” before it)"


def _resolve(located: list[tuple[int, int, str]], text: str, result: Entities) -> list[tuple[int, int, str]]:
    """Where one span names several entities (a capital), keep the one its context points to."""
    by_span: dict[tuple[int, int], list[str]] = defaultdict(list)
    for s, e, slug in located:
        by_span[(s, e)].append(slug)
    out = []
    for (s, e), slugs in sorted(by_span.items()):
        if len(slugs) > 1:
            prev = text[max(0, s - 15) : s].split()
            city = bool(prev) and prev[-1].lower() in LOCATIVE
            kinds = {slug: result.found[slug].kind for slug in slugs}
            pick = [x for x in slugs if (kinds[x] == "place") == city] or slugs[:1]
            slugs = pick[:1]
        out.append((s, e, slugs[0]))
    return out
