"""Word lists the rules share: reporting verbs, titles and offices, organisation keywords, function words.

The lists themselves live in ``lexicon.yaml`` beside this module (package data), so they read as data and can
be extended without touching code; this module loads them once and gives each the shape its rules need.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def _load() -> dict[str, Any]:
    return yaml.safe_load(resources.files("kg.annotate").joinpath("lexicon.yaml").read_text(encoding="utf-8"))


_DATA = _load()

#: Verbs (and forms) that introduce speech; the value is the lemma recorded as evidence.
REPORTING_VERBS: dict[str, str] = {form: lemma for lemma, forms in _DATA["reporting_verbs"].items() for form in forms}
#: Verbs with which a readout reports what a leader said in a call ("The President underscored that ...").
READOUT_VERBS = frozenset(_DATA["readout_verbs"])
#: Forms that are speech verbs only when followed by this particle ("pointed out", "called for").
PARTICLE_VERBS: dict[str, str] = dict(_DATA["particle_verbs"])
#: Verbs that introduce reported content: a sentence with one of them is a paraphrase, not only a frame.
CONTENT_VERBS = frozenset(set(REPORTING_VERBS) - set(_DATA["frame_only_verbs"]))
#: Heads of office titles, as written before a name or in an appositive (lower case).
TITLE_HEADS = frozenset(_DATA["title_heads"])
#: Titles that only stand before a name (never heads of an appositive office).
HONORIFICS = frozenset(_DATA["honorifics"])
#: Lower-case words that may sit inside an office title ("foreign ministry spokesman", "vice president").
TITLE_WORDS = frozenset(_DATA["title_words"])
#: Keywords that make a capitalised name an organisation, with the type they imply.
ORG_KEYWORDS: dict[str, str] = {word: kind for kind, words in _DATA["org_keywords"].items() for word in words}
#: Last words of an event's name ("Shangri-La Dialogue"); such names are events, not organisations.
EVENT_KEYWORDS = frozenset(_DATA["event_keywords"])
#: Words that introduce a media outlet named right after them ("the magazine Seiron").
MEDIA_NOUNS = frozenset(_DATA["media_nouns"])
#: Words right after a name that make it a media outlet ("Fuji Television").
MEDIA_AFTER = frozenset(_DATA["media_after"])
#: Capitalised words that are not names when they begin a sentence.
FUNCTION_WORDS = frozenset(_DATA["function_words"])
#: Pronouns that can stand for a speaker, and the kind of entity they stand for.
PRONOUNS: dict[str, str] = dict(_DATA["pronouns"])
#: Words that join capitalised words into one name ("Ministry of Defense").
CONNECTORS = frozenset(_DATA["connectors"])
#: Words before a capital that make it the city rather than the government it stands for ("in Tokyo").
LOCATIVE = frozenset(_DATA["locative"])
