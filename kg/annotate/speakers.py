"""Who speaks: the subject of a reporting verb ("X said", "said X", "according to X", "he added").

Works on the sentence outside its quotations. A pronoun is the latest speaker (the article's habit: "He
added"), else the latest person named; a family name alone is already that person's alternative label
(:mod:`kg.annotate.entities`). An unnamed speaker ("a defence ministry spokesman") comes back as a description
for :mod:`kg.annotate.offices` to turn into an unnamed actor of the organisation. Plural subjects ("some
members of the party") are nobody in particular: the sentence stays the article's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from kg.annotate.document import Sentence, Token, tokens
from kg.annotate.entities import Entities
from kg.annotate.lexicon import PARTICLE_VERBS, PRONOUNS, REPORTING_VERBS

_SKIP_BACK = set(
    [
        "also",
        "too",
        "later",
        "then",
        "further",
        "again",
        "previously",
        "had",
        "has",
        "have",
        "was",
        "is",
        "would",
        "will",
        "once",
        "recently",
        "reportedly",
        "separately",
        "additionally",
        "been",
        "has",
    ]
)
_PLURAL = set(
    [
        "members",
        "officials",
        "some",
        "many",
        "several",
        "experts",
        "analysts",
        "critics",
        "lawmakers",
        "leaders",
        "figures",
        "people",
        "those",
        "observers",
        "sources",
        "others",
        "they",
    ]
)
_ROLE_NOUNS = set(
    [
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "official",
        "officer",
        "source",
        "aide",
        "adviser",
        "advisor",
        "diplomat",
        "representative",
        "statement",
    ]
)
_OPEN_CLOSE = "“”‘’\"'«»„"


@dataclass(frozen=True)
class Attribution:
    speaker: str | None  # a slug, or None when unnamed (see ``unnamed``)
    verb: str
    verb_start: int
    confidence: float
    evidence: str
    unnamed: tuple[int, int] | None = None  # span of the description of an unnamed speaker


def outside_tokens(sentence: Sentence, text: str, quotes: list[tuple[int, int]]) -> list[Token]:
    """Tokens of the sentence that are not inside a quotation (marks included)."""
    return [
        t
        for t in tokens(text, sentence.start, sentence.end)
        if not any(a - 1 <= t.start < b + 1 for a, b in quotes) and t.text not in _OPEN_CLOSE
    ]


def reporting_verbs(toks: list[Token]) -> list[int]:
    """Indexes of reporting verbs ("said", "pointed out", "according to")."""
    out = []
    for i, t in enumerate(toks):
        low = t.text.lower()
        nxt = toks[i + 1].text.lower() if i + 1 < len(toks) else ""
        if not t.text[:1].islower() and i > 0:  # "United States" is no verb
            continue
        if low in PARTICLE_VERBS and nxt != PARTICLE_VERBS[low]:
            continue
        if low in REPORTING_VERBS or (low == "according" and nxt == "to"):
            out.append(i)
    return out


def attribute(
    sentence: Sentence, text: str, quotes: list[tuple[int, int]], entities: Entities, last_speaker: str | None
) -> Attribution | None:
    """The speaker of ``sentence``, from its first reporting verb that has a subject; None when it has none."""
    toks = outside_tokens(sentence, text, quotes)
    mentions = [m for m in entities.between(sentence.start, sentence.end) if not _in_quote(m[0], quotes)]
    ends = {m[1]: m[2] for m in mentions}
    starts = {m[0]: m[2] for m in mentions}
    for v in reporting_verbs(toks):
        verb = toks[v]
        found = _subject(toks, v, ends, starts, entities, last_speaker, text, mentions)
        if found is not None:
            return Attribution(found.speaker, verb.text, verb.start, found.confidence, found.evidence, found.unnamed)
    return None


def _in_quote(offset: int, quotes: list[tuple[int, int]]) -> bool:
    return any(a <= offset < b for a, b in quotes)


class _Subject(NamedTuple):
    """The subject found for a reporting verb: an :class:`Attribution` without its verb."""

    speaker: str | None
    confidence: float
    evidence: str
    unnamed: tuple[int, int] | None = None


def _subject(
    toks: list[Token],
    v: int,
    ends: dict[int, str],
    starts: dict[int, str],
    entities: Entities,
    last_speaker: str | None,
    text: str,
    mentions: list[tuple[int, int, str]],
) -> _Subject | None:
    verb = toks[v].text.lower()
    if verb == "according":
        if v + 2 < len(toks) and toks[v + 2].start in starts:
            return _Subject(starts[toks[v + 2].start], 0.85, "“according to” names the source")
        return _unnamed_after(toks, v + 2, "“according to” an unnamed source")
    after_verb = _after_verb(toks, v, verb, starts, entities)
    if after_verb is not None:
        return after_verb
    i = v - 1
    while i >= 0 and toks[i].text.lower() in _SKIP_BACK:
        i -= 1
    if i < 0:
        return None
    prev = toks[i]
    if prev.text.lower() in PRONOUNS or prev.end in ends:
        return _named_before(prev, verb, ends, entities, last_speaker, text, mentions)
    described = _described_before(toks, i, verb, entities, text, mentions)
    if described is not None:
        return described
    near = [m for m in mentions if m[1] <= toks[v].start and entities.found[m[2]].kind == "person"]
    if near and not _plural_before(text, near[-1][0]):
        s, e, slug = near[-1]
        return _Subject(slug, 0.55, f"the person named nearest before “{verb}”: {text[s:e]}")
    return None


def _after_verb(toks: list[Token], v: int, verb: str, starts: dict[int, str], entities: Entities) -> _Subject | None:
    """The speaker after the verb of an inverted report (", said Smith", ", said a spokesman"), if any."""
    if not (v == 0 or toks[v - 1].text == ","):
        return None
    after = v + 1
    if after < len(toks) and toks[after].text in ("the", "a", "an") and after + 1 < len(toks):
        after_np = after + 1
    else:
        after_np = after
    if after_np < len(toks) and toks[after_np].start in starts:  # ", said Smith"
        slug = starts[toks[after_np].start]
        if _speaks(entities, slug):
            return _Subject(slug, 0.85, f"“{verb} {toks[after_np].text}”: the speaker follows the verb")
    if after < len(toks) and toks[after].text in ("a", "an", "the"):
        return _unnamed_after(toks, after, "an unnamed speaker after the verb")
    return None


def _named_before(
    prev: Token,
    verb: str,
    ends: dict[int, str],
    entities: Entities,
    last_speaker: str | None,
    text: str,
    mentions: list[tuple[int, int, str]],
) -> _Subject | None:
    """The speaker when a pronoun or a mention ends just before the verb: it decides, even when it finds nobody."""
    if prev.text.lower() in PRONOUNS:
        if last_speaker and entities.found.get(last_speaker) and entities.found[last_speaker].kind == "person":
            return _Subject(last_speaker, 0.75, f"“{prev.text} {verb}”: the pronoun taken as the latest speaker")
        person = _latest_person(entities, prev.start)
        why = f"“{prev.text} {verb}”: the pronoun taken as the latest person named"
        return _Subject(person, 0.6, why) if person else None
    slug = ends[prev.end]
    start = next(m[0] for m in mentions if m[1] == prev.end)
    if _plural_before(text, start) or not _speaks(entities, slug):
        return None
    return _Subject(slug, 0.9, f"“{text[start : prev.end]} {verb}”: the subject of the verb")


def _described_before(
    toks: list[Token], i: int, verb: str, entities: Entities, text: str, mentions: list[tuple[int, int, str]]
) -> _Subject | None:
    """The speaker described before the verb: "a defence ministry spokesman said", "Satake, a professor, said"."""
    prev = toks[i]
    low = prev.text.lower()
    if low in _ROLE_NOUNS:
        j = i
        while j > 0 and toks[j - 1].text.lower() not in ("a", "an", "the", ",") and i - j < 6:
            j -= 1
        if j > 0 and toks[j - 1].text.lower() in ("a", "an", "the"):
            span = (toks[j - 1].start, prev.end)
            return _Subject(None, 0.7, f"an unnamed speaker: “{text[span[0] : span[1]]}”", span)
    if low == ",":  # an appositive between subject and verb: "Satake Tomohiko, an associate professor ..., said"
        for s, e, slug in mentions:
            if e < prev.start and text[e : e + 1] == "," and entities.found[slug].kind == "person":
                return _Subject(slug, 0.8, f"“{text[s:e]}, …, {verb}”: the subject before an appositive")
    return None


def _speaks(entities: Entities, slug: str) -> bool:
    return entities.found[slug].kind in ("person", "organization", "state")


def _plural_before(text: str, start: int) -> bool:
    words = re.findall(r"\w+", text[max(0, start - 90) : start].lower())[-10:]
    return any(w in _PLURAL for w in words)


def _unnamed_after(toks: list[Token], det: int, why: str) -> _Subject | None:
    if det >= len(toks) or toks[det].text.lower() not in ("a", "an", "the"):
        return None
    for k in range(det + 1, min(det + 7, len(toks))):
        if toks[k].text.lower() in _ROLE_NOUNS:
            end = k
            if k + 1 < len(toks) and toks[k + 1].text.lower() in ("for", "of", "at"):
                end = k + 1
                while (
                    end + 1 < len(toks)
                    and toks[end + 1].text.isalpha()
                    and toks[end + 1].text.lower() not in (REPORTING_VERBS)
                ):
                    end += 1
            return _Subject(None, 0.65, why, (toks[det].start, toks[end].end))
    return None


def _latest_person(entities: Entities, before: int) -> str | None:
    people = [m for m in entities.mentions if m[1] <= before and entities.found[m[2]].kind == "person"]
    return people[-1][2] if people else None
