"""Offices as the text states them: "Defense Minister X", "X, a former economic security minister",
"Chinese foreign ministry spokesman Lin Jian" -> a post, a holding (current or former) and its evidence span.

Post labels follow the graph's convention, "Minister of Defense (Japan)": the title, then the state in
brackets, or the title and its institution ("Associate Professor, School of ..., ... University"). A post
already in the graph with the same label keeps its slug. An unnamed speaker ("a defence ministry spokesman")
becomes an unnamed person holding a post in that organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kg.annotate.draft import suggestion
from kg.annotate.entities import Entities, Found, mint_entity_slug
from kg.annotate.gazetteer import DEMONYMS, Gazetteer
from kg.annotate.lexicon import HONORIFICS, TITLE_HEADS, TITLE_WORDS
from kg.iris import slugify

_STOP = re.compile(
    r",\s+(?:and\s+(?=[A-Z])|who\b|which\b|(?:also\s+)?(?:said|says|told|added|argued|noted|warned|wrote)\b)"
    r"|[.;:!?](?:\s|$)|\s+(?:said|says|told)\b"
)
_SMALL = {"of", "the", "and", "for", "to", "at", "in", "on"}


@dataclass
class Offices:
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # slug -> item
    holdings: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # offices left unresolved, for the reviewer

    def current_of(self, person: str) -> str | None:
        """The holding a speaker speaks in: their current office, when the text names one."""
        return next(
            (h["slug"] for h in self.holdings.values() if h["holder"] == person and h["status"] == "current"), None
        )


def _title_case(words: list[str]) -> str:
    return " ".join(w if w[:1].isupper() or (w in _SMALL and i) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def normalise_title(phrase: str) -> str:
    """An office title in the graph's form.

    >>> normalise_title("economic security minister"), normalise_title("Defense Minister")
    ('Minister of Economic Security', 'Minister of Defense')
    >>> normalise_title("special adviser to Prime Minister")
    'Special Adviser to the Prime Minister'
    """
    words = phrase.split()
    low = [w.lower() for w in words]
    if low and low[-1] == "minister" and len(words) > 1 and low[-2] not in ("prime", "vice", "deputy"):
        mods = words[:-1]
        mods = ["Foreign Affairs"] if [m.lower() for m in mods] == ["foreign"] else mods
        return "Minister of " + _title_case(mods)
    out = _title_case(words)
    return re.sub(r"\b(to|of) (Prime Minister|President|Minister|Secretary)\b", r"\1 the \2", out)


def find_offices(text: str, entities: Entities, gaz: Gazetteer) -> Offices:
    """Offices before a person's name (a title) and after it (an appositive)."""
    offices = Offices()
    people = [m for m in entities.mentions if entities.found[m[2]].kind == "person"]
    for start, end, slug in people:
        _prefix(text, start, end, slug, entities, gaz, offices)
    for start, end, slug in people:  # after the titles: "adviser to Prime Minister X" takes the state of X's office
        _appositive(text, start, end, slug, entities, gaz, offices)
    return offices


_OF_STATE = re.compile(r"\s+of\s+(?:the\s+)?(?P<state>[A-Z][\w’'.-]*(?:\s+(?:of\s+)?[A-Z][\w’'.-]*)*)")


def _state_after(text: str, end: int, gaz: Gazetteer) -> tuple[Found | None, int]:
    """The state named right after a titled name ("Prime Minister Ishiba of Japan") and where its phrase ends."""
    m = _OF_STATE.match(text, end)
    state = gaz.state_for(m["state"]) if m else None
    if m is None or state is None:
        return None, end
    return Found(state.slug, state.kind, state.types, state.label, reused=state), m.end()


def _prefix(text: str, start: int, end: int, slug: str, entities: Entities, gaz: Gazetteer, offices: Offices) -> None:
    words = list(re.finditer(r"[\w.’'-]+", text[max(0, start - 120) : start]))
    base = max(0, start - 120)
    i = len(words)
    while i > 0:
        w = words[i - 1].group()
        lw = w.lower().rstrip("’s").rstrip("'s") if w.endswith(("’s", "'s")) else w.lower()
        gap = text[base + words[i - 1].end() : base + (words[i].start() if i < len(words) else start - base)]
        if gap.strip():
            break
        if (
            lw in TITLE_HEADS
            or lw in TITLE_WORDS
            or lw in ("of", "the", "and")
            or w in DEMONYMS
            or (w[:1].isupper() and gaz.state_for(w.rstrip("’s")) is not None)
            or (w[:1].isupper() and lw not in ("former", "said"))
        ):
            i -= 1
            continue
        break
    phrase_words = [m.group() for m in words[i:]]
    ands = [k for k, w in enumerate(phrase_words) if w == "and"]
    if ands and any(w.lower() in TITLE_HEADS for w in phrase_words[ands[-1] :]):  # "President Yoon and Prime Minister"
        phrase_words, i = phrase_words[ands[-1] + 1 :], i + ands[-1] + 1
    while phrase_words and phrase_words[0].lower() in ("of", "the", "and"):
        phrase_words, i = phrase_words[1:], i + 1
    heads = [k for k, w in enumerate(phrase_words) if w.lower() in TITLE_HEADS]
    if not heads or phrase_words[-1].lower() in HONORIFICS:
        return
    phrase_words = (
        phrase_words[: heads[-1] + 1] if phrase_words[heads[-1] + 1 : heads[-1] + 2] != ["of"] else phrase_words
    )
    p_start = base + words[i].start()
    before = text[max(0, p_start - 10) : p_start].lower().split()
    former = (bool(before) and before[-1] in ("former", "ex-", "then-")) or phrase_words[0].lower() == "former"
    country, title_words = _country(phrase_words, gaz)
    if not title_words or not any(w.lower() in TITLE_HEADS for w in title_words):
        return
    after = None
    if country is None:
        after, end = _state_after(text, end, gaz)
    ev_start = p_start - (len("former ") if former and text[p_start - 7 : p_start] == "former " else 0)
    _hold(
        text,
        slug,
        " ".join(title_words),
        country or after,
        None,
        former,
        (ev_start, end),
        entities,
        gaz,
        offices,
        "offices.title-before-name",
        country is None and after is None,
    )


def _country(words: list[str], gaz: Gazetteer) -> tuple[Found | None, list[str]]:
    if not words:
        return None, words
    first = re.sub(r"(’s|'s)$", "", words[0])
    if first.lower() == "former":
        return _country(words[1:], gaz)
    state = gaz.state_for(first)
    if state is not None:
        return Found(state.slug, state.kind, state.types, state.label, reused=state), words[1:]
    return None, words


def _appositive(
    text: str, start: int, end: int, slug: str, entities: Entities, gaz: Gazetteer, offices: Offices
) -> None:
    m = re.match(r",\s+(?:(?:a|an|the)\s+)(?P<former>former\s+)?", text[end:])
    if not m:
        return
    rest_start = end + m.end()
    stop = _STOP.search(text, rest_start)
    phrase_end = stop.start() if stop else len(text)
    phrase = text[rest_start:phrase_end]
    remit = None
    if " in charge of " in phrase:
        phrase, remit = phrase.split(" in charge of ", 1)
    superior = None
    for s, e, other in entities.mentions:  # "adviser to Prime Minister Ishiba Shigeru": drop the other's name
        if rest_start <= s < rest_start + len(phrase) and entities.found[other].kind == "person":
            phrase = phrase[: s - rest_start].rstrip() + phrase[e - rest_start :]
            superior = other
            break
    role, _, where = phrase.partition(" at ")
    words = role.split()
    if not words or not any(w.lower() in TITLE_HEADS for w in words) or len(words) > 8:
        return
    institutions = [re.sub(r"^the\s+", "", p).strip() for p in where.split(" at ")] if where else []
    country, words = _country(words, gaz)
    if country is None and superior is not None and re.search(r"\bto\b", role):
        country = _state_of_office(superior, role, entities, gaz, offices)
    evidence_end = phrase_end if remit else rest_start + len(phrase)
    org = None
    if institutions:
        org = next((f for f in entities.found.values() if f.label == institutions[0] or institutions[0] in f.alt), None)
    _hold(
        text,
        slug,
        " ".join(words),
        country,
        (org, institutions),
        bool(m["former"]),
        (start, evidence_end),
        entities,
        gaz,
        offices,
        "offices.appositive",
        country is None and not org,
        remit,
    )


def _hold(
    text: str,
    holder: str,
    title: str,
    country: Found | None,
    at: tuple[Found | None, list[str]] | None,
    former: bool,
    span: tuple[int, int],
    entities: Entities,
    gaz: Gazetteer,
    offices: Offices,
    by: str,
    guessed_country: bool,
    remit: str | None = None,
) -> None:
    title = normalise_title(title)
    org, institutions = at or (None, [])
    if guessed_country and not institutions:
        country = _held_before(holder, title, gaz)
        if country is None:  # no state stated and none in the graph: a guess would be the most-named state
            offices.notes.append(
                f"office of {holder}: “{text[span[0] : span[1]]}” names no state and the graph holds no such post "
                "for this person; no post suggested (add one by hand)"
            )
            return
        by += "+gazetteer"
    if institutions:
        label, post_in = ", ".join([title, *institutions]), (org.slug if org else None)
    else:
        label, post_in = (f"{title} ({country.label})" if country else title), (country.slug if country else None)
    if post_in is None:
        return
    if country is not None and country.slug not in entities.found and country.reused is not None:
        entities.found[country.slug] = country
    known = gaz.posts.get(label)
    post_slug = (
        known[0]
        if known
        else mint_entity_slug(f"{country.slug if country and not institutions else ''} {title}", set())
    )
    if post_slug not in offices.posts:
        why = f"post already in the graph ({label})" if known else f"from “{text[span[0] : span[1]]}”"
        if guessed_country:
            why += f"; the text names no state: {holder} holds this post in the graph"
        offices.posts[post_slug] = {
            "slug": post_slug,
            "label": label,
            "post_in": post_in,
            "suggested": suggestion(0.9 if known else 0.6 if guessed_country else 0.75, by, why),
        }
    if any(h["holder"] == holder and h["post"] == post_slug for h in offices.holdings.values()):
        return
    h_slug = mint_entity_slug(f"{holder} {slugify(title)}", set(offices.holdings))
    item: dict[str, Any] = {
        "slug": h_slug,
        "holder": holder,
        "post": post_slug,
        "status": "former" if former else "current",
    }
    if remit:
        item["remit"] = remit.strip()
    item["evidence"] = {"text": text[span[0] : span[1]], "span": [span[0], span[1]]}
    item["suggested"] = suggestion(
        0.8, by, "“former” before the office" if former else "the office as stated, no “former”"
    )
    offices.holdings[h_slug] = item


def _state_of_office(person: str, role: str, entities: Entities, gaz: Gazetteer, offices: Offices) -> Found | None:
    """The state of the office ``role`` is attached to ("adviser to Prime Minister X"): X's post named in the
    text, when its title is the one after "to"."""
    title = normalise_title(role.split(" to ", 1)[-1]).removeprefix("the ")
    for h in offices.holdings.values():
        post = offices.posts.get(h["post"], {})
        if h["holder"] == person and post.get("label", "").lower().startswith(title.lower() + " ("):
            state = entities.found.get(post["post_in"])
            if state is not None and state.kind == "state":
                return state
    return None


def _held_before(holder: str, title: str, gaz: Gazetteer) -> Found | None:
    """The state of the post with this title that ``holder`` holds in the graph, when exactly one does."""
    states = {gaz.posts[label][1] for label in gaz.held.get(holder, ()) if label.startswith(f"{title} (")}
    known = [k for k in gaz.entities if k.slug in states and k.kind == "state"]
    if len(states) != 1 or not known:
        return None
    return Found(known[0].slug, known[0].kind, known[0].types, known[0].label, reused=known[0])


def unnamed_actor(text: str, span: tuple[int, int], entities: Entities, gaz: Gazetteer, offices: Offices) -> str:
    """A person for "a defence ministry spokesman": unnamed, holding that post in that organisation; its slug."""
    desc = text[span[0] : span[1]]
    words = re.findall(r"[\w.’'-]+", desc)[1:]
    role_i = next((i for i, w in enumerate(words) if w.lower() in TITLE_HEADS | {"source", "aide", "statement"}), 0)
    role = words[role_i]
    org_words = words[:role_i] + [w for w in words[role_i + 1 :] if w.lower() not in ("for", "of", "at", "the")]
    country, org_words = _country(org_words, gaz)
    person_label = f"unnamed {role} ({desc})"
    person = mint_entity_slug(f"unnamed {role} {' '.join(org_words)}", set(entities.found))
    entities.found[person] = Found(
        person, "person", ("Person",), person_label, [], 0.6, "speakers.unnamed", f"an unnamed speaker: “{desc}”"
    )
    if org_words:
        org_label = _title_case(org_words) + (f" ({country.label})" if country else "")
        org = next((f for f in entities.found.values() if f.label.lower() == org_label.lower()), None)
        if org is None:
            org_slug = mint_entity_slug(org_label, set(entities.found))
            org = Found(
                org_slug,
                "organization",
                ("Organization",),
                org_label,
                [],
                0.55,
                "speakers.unnamed",
                f"the organisation of an unnamed speaker: “{desc}”",
            )
            entities.found[org_slug] = org
        _hold(
            text, person, role, None, (org, [org.label]), False, span, entities, gaz, offices, "speakers.unnamed", False
        )
    return person
