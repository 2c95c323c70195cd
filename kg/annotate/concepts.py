"""Concepts: the graph's SKOS concepts found by label or alternative label, and quoted terms proposed as new.

A short phrase in quotation marks is a term under discussion, not a quotation, when it has no closing
punctuation and the text uses it again, or it is already a concept, or no one is quoted in its sentence
(docs/annotation-guide.md: scare quotes).
"""

from __future__ import annotations

import re
from typing import Any

from kg.annotate.document import Sentence
from kg.annotate.draft import suggestion
from kg.annotate.gazetteer import Gazetteer
from kg.annotate.quotes import Quote
from kg.annotate.speakers import outside_tokens, reporting_verbs
from kg.iris import slugify

MAX_TERM_WORDS = 3


def is_term(q: Quote, sentence: Sentence, text: str, gaz: Gazetteer) -> bool:
    """Whether quotation ``q`` is a quoted term rather than someone's words."""
    body = text[q.start : q.end]
    if q.mark == "block" or len(body.split()) > MAX_TERM_WORDS or body[-1:] in ".,?!…" or not q.closed:
        return False
    if body.lower() in gaz.concepts:
        return True
    again = len(re.findall(r"(?<!\w)" + re.escape(body) + r"(?!\w)", text, flags=re.IGNORECASE)) > 1
    speaker_cue = bool(reporting_verbs(outside_tokens(sentence, text, [(q.start, q.end)])))
    return again or not speaker_cue


def known_concepts(span_text: str, gaz: Gazetteer) -> list[str]:
    """Slugs of the graph's concepts whose label or alternative label occurs in ``span_text``."""
    low = span_text.lower()
    return sorted(
        {slug for name, (slug, _) in gaz.concepts.items() if re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", low)}
    )


def propose(terms: list[Quote], text: str, gaz: Gazetteer) -> list[dict[str, Any]]:
    """A concept for each quoted term not yet in the graph (once per term)."""
    out: dict[str, dict[str, Any]] = {}
    for q in terms:
        label = text[q.start : q.end].strip("‘’'\" ")
        if not label or label.lower() in gaz.concepts:
            continue
        slug = slugify(label)
        if slug and slug not in out:
            out[slug] = {
                "slug": slug,
                "label": label,
                "suggested": suggestion(
                    0.6, "concepts.quoted-term", f"“{label}” in quotation marks, no one quoted for it (at {q.start})"
                ),
            }
    return list(out.values())
