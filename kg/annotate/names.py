"""Candidate names: maximal runs of capitalised tokens, the capitals that say nothing (sentence starts), and a
run split into its names and titles.

Split from :mod:`kg.annotate.entities`, which decides what each run names; this module only finds and splits
the runs.
"""

from __future__ import annotations

import re

from kg.annotate.document import Document, Token, tokens
from kg.annotate.gazetteer import Gazetteer, Known
from kg.annotate.lexicon import (
    CONNECTORS,
    EVENT_KEYWORDS,
    FUNCTION_WORDS,
    HONORIFICS,
    ORG_KEYWORDS,
    REPORTING_VERBS,
    TITLE_HEADS,
)


def initial_offsets(doc: Document) -> set[int]:
    """Offsets where a capital says nothing: sentence starts and the first word after an opening mark or colon."""
    starts = {s.start for s in doc.sentences}
    starts |= {m.end() for m in re.finditer(r"[“‘\"']|:\s+", doc.text)}
    return starts


def name_runs(doc: Document) -> list[list[Token]]:
    """Maximal runs of capitalised tokens, joined by connectors ("of", "and") between capitals."""
    toks = tokens(doc.text)
    runs: list[list[Token]] = []
    i = 0
    while i < len(toks):
        if not is_name_token(toks[i]):
            i += 1
            continue
        run = [toks[i]]
        j = i + 1
        while j < len(toks):
            t = toks[j]
            gap = doc.text[run[-1].end : t.start]
            if "\n" in gap or "\r" in gap or len(gap) > 1:
                break
            if is_name_token(t) and gap in ("", " "):
                run.append(t)
                j += 1
            elif t.text == "." and gap == "" and _initial(run[-1]) and _name_after(doc.text, toks, j):
                run.append(t)  # "Joseph R. Biden": an initial's full stop stays inside the name
                j += 1
            elif t.text == "," and j + 2 < len(toks) and toks[j + 1].text in SUFFIXES and toks[j + 2].text == ".":
                run.extend(toks[j : j + 3])  # "Biden, Jr.": the suffix is part of the name
                j += 3
            elif t.text in CONNECTORS and j + 1 < len(toks) and is_name_token(toks[j + 1]):
                run.extend((t, toks[j + 1]))
                j += 2
            elif t.text == "," and any(x.text == "of" for x in run) and _list_ahead(toks, j):
                run.append(t)
                j += 1
            else:
                break
        while run and (run[-1].text in CONNECTORS | {","} or (run[-1].text == "." and _initial(run[-2]))):
            run.pop()
        runs.append(run)
        i = j
    return runs


#: Suffixes written after a comma that belong to the name ("Ferdinand Marcos, Jr.").
SUFFIXES = frozenset(["Jr", "Sr"])


def _initial(t: Token) -> bool:
    return len(t.text) == 1 and t.text.isupper()


def _name_after(text: str, toks: list[Token], j: int) -> bool:
    return j + 1 < len(toks) and text[toks[j].end : toks[j + 1].start] == " " and is_name_token(toks[j + 1])


def is_name_token(t: Token) -> bool:
    return t.text[:1].isupper() or (len(t.text) > 1 and t.text[0].isdigit() and t.text[-1].isupper())


def _list_ahead(toks: list[Token], j: int) -> bool:
    """A comma inside a name ("School of Politics, Economics and Communication"): capitals up to an "and"."""
    for t in toks[j + 1 : j + 8]:
        if t.text == "and":
            return True
        if not (is_name_token(t) or t.text == ","):
            return False
    return False


def strip_initial(run: list[Token], initial: set[int], text: str, table: dict[str, Known]) -> list[Token]:
    """Drop a sentence-initial function word ("Most", "The"); a lone initial capital with no cue is no name."""
    while run and run[0].start in initial and run[0].text.lower() in FUNCTION_WORDS:
        run = run[1:]
        while run and run[0].text in CONNECTORS:
            run = run[1:]
    if len(run) == 1 and run[0].start in initial and run[0].text not in table:
        after = re.findall(r"\w+", text[run[0].end : run[0].end + 40])[:1]
        if not (after and after[0].lower() in REPORTING_VERBS) and not text[run[0].end :].startswith(","):
            return []
    return run


def is_acronym(run: list[Token]) -> bool:
    return len(run) == 1 and bool(re.fullmatch(r"[A-Z]{2,6}|(?:[A-Z]\.){2,}", run[0].text))


def split_run(run: list[Token], gaz: Gazetteer) -> list[list[Token]]:
    """Two titled names joined by "and" ("President Yoon and Prime Minister Kishida") are two runs; a state after
    a titled name ("Prime Minister Ishiba Shigeru of Japan") says where the office is, and is no part of the name."""
    titled = [i for i, t in enumerate(run) if t.text.lower() in TITLE_HEADS]
    for i, t in enumerate(run):
        if t.text == "and" and any(h < i for h in titled) and any(h > i for h in titled):
            return split_run(run[:i], gaz) + split_run(run[i + 1 :], gaz)
    if titled:
        for i, t in enumerate(run):
            rest = [x.text for x in run[i + 1 :] if x.text != "the"]
            if i > titled[0] + 1 and t.text == "of" and rest and gaz.state_for(" ".join(rest)) is not None:
                return [run[:i], run[i + 1 :]]
    return [run]


def _person_name_token(t: Token) -> bool:
    """A token of a person's name, the full stop of an initial and a suffix's comma included ("Biden, Jr.")."""
    return is_name_token(t) or t.text in (".", ",")


def split_title(run: list[Token], text: str) -> tuple[list[Token], str]:
    """The person's name inside a titled run ("Defense Minister Nakatani Gen") and the cue, or the run and ""."""
    heads = [i for i, t in enumerate(run) if t.text.lower() in TITLE_HEADS or t.text.lower() in HONORIFICS]
    after = text[run[-1].end : run[-1].end + 60]
    before = text[max(0, run[0].start - 40) : run[0].start]
    if heads:
        rest = run[heads[-1] + 1 :]
        if rest and rest[0].text == "of":  # "Minister of Economic Security Kobayashi": the name is at the end
            caps = [t for t in rest if t.text not in CONNECTORS]
            rest = caps[-2:] if len(caps) >= 3 else caps[-1:]
            if len(caps) < 2:
                return run, ""
        if rest and all(_person_name_token(t) for t in rest) and not any(t.text in ORG_KEYWORDS for t in rest):
            return rest, f"title before the name: “{text[run[0].start : run[-1].end]}”"
        return run, ""
    if any(t.text in ORG_KEYWORDS or t.text in EVENT_KEYWORDS for t in run) or is_acronym(run):
        return run, ""
    words = re.findall(r"[\w’']+", after)[:1]
    if words and words[0].lower() in REPORTING_VERBS and len(run) <= 3:
        return run, f"“{text[run[0].start : run[-1].end]} {words[0]}”: the subject of a reporting verb"
    if re.match(
        r",\s+(?:a|an|the)\s+(?:former\s+|then-|senior\s+|deputy\s+|\w+\s+){0,4}?(?:" + "|".join(TITLE_HEADS) + r")\b",
        after,
    ):
        return run, "an appositive names an office or role"
    if re.search(r"\b(?:said|says|told|according to)\s+$", before, re.IGNORECASE) and 2 <= len(run) <= 3:
        return run, "named right after a reporting verb"
    return run, ""


def has_complement(run: list[Token]) -> bool:
    """Whether the run's last title takes an "of" complement ("Minister of Defense …")."""
    heads = [i for i, t in enumerate(run) if t.text.lower() in TITLE_HEADS]
    return bool(heads) and heads[-1] + 1 < len(run) and run[heads[-1] + 1].text == "of"
