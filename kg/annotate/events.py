"""Events and media named with a statement: a conference, a television programme, a speech to a body, an event
hosted by an organisation, an interview in a periodical issue.

Each pattern is one regular expression over the sentence; what it names (a broadcaster, a venue, an outlet, a
place) is looked up among the text's entities by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = r"(?:[A-Z][\w’'.-]*)(?: (?:of |for |the |and )?[A-Z][\w’'.-]*)*"
PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "conference",
        ("Conference",),
        re.compile(
            rf"\bat (?:the |an? )?(?P<name>{_NAME} (?:Dialogue|Summit|Conference|Forum|Meeting|Symposium|Talks))"
            rf"(?: in (?P<place>{_NAME}))?"
        ),
    ),
    (
        "television",
        ("TelevisionAppearance",),
        re.compile(
            rf"\bon (?:a|an|the) (?P<broadcaster>{_NAME}) (?:television|TV|radio) (?:program|programme|show|broadcast)"
        ),
    ),
    (
        "told",
        ("Speech",),
        re.compile(
            r"\btold (?P<body>Parliament|Congress|the Diet|the Senate|the House(?: of \w+)?|lawmakers|parliament|"
            r"reporters|journalists|a news conference|a press conference)"
        ),
    ),
    (
        "hosted",
        ("Event",),
        re.compile(
            rf"\bat an? (?:event|forum|seminar|meeting|symposium|panel|conference) (?:hosted|organi[sz]ed|held) by "
            rf"(?:the )?(?P<venue>{_NAME})"
        ),
    ),
    (
        "interview",
        ("Interview",),
        re.compile(
            r"\b[Ii]n an interview(?: that appeared| published)?"
            r"(?: (?:in|with) (?P<issue>(?:last|this|next) month[’']s issue of )?(?:the )?"
            rf"(?:[\w ]*?(?:magazine|newspaper|daily|weekly|journal|paper) )?(?P<outlet>{_NAME}))?"
        ),
    ),
    (
        "speech",
        ("Speech",),
        re.compile(
            rf"\b(?:gave|delivered) (?:a|an) (?:speech|talk|lecture|address) at (?:the )?(?P<venue>{_NAME})"
            rf"(?: in (?P<place>{_NAME}))?"
        ),
    ),
)


@dataclass
class FoundEvent:
    key: str
    types: tuple[str, ...]
    start: int
    end: int
    label: str
    refs: dict[str, str] = field(default_factory=dict)  # role -> name as written (broadcaster, venue, ...)


def find_events(text: str) -> list[FoundEvent]:
    """Every event or medium the patterns recognise, in text order."""
    out = []
    for key, types, pattern in PATTERNS:
        for m in pattern.finditer(text):
            refs = {k: v for k, v in m.groupdict().items() if v}
            out.append(FoundEvent(key, types, m.start(), m.end(), _label(key, refs, m.group()), refs))
    return sorted(out, key=lambda e: e.start)


def _label(key: str, refs: dict[str, str], matched: str) -> str:
    if key == "conference":
        return refs["name"]
    if key == "television":
        return f"{refs['broadcaster']} television program"
    if key == "told":
        return f"Remarks to {refs['body'].removeprefix('the ')}"
    if key == "hosted":
        return f"Event hosted by {refs['venue']}"
    if key == "interview":
        return f"Interview in {refs['outlet']}" if refs.get("outlet") else "Interview"
    return f"Speech at {refs['venue']}"
