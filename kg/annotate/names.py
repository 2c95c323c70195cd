"""Candidate names: maximal runs of capitalised tokens, and the capitals that say nothing (sentence starts).

Split from :mod:`kg.annotate.entities`, which decides what each run names; this module only finds the runs.
"""

from __future__ import annotations

import re

from kg.annotate.document import Document, Token, tokens
from kg.annotate.gazetteer import Known
from kg.annotate.lexicon import CONNECTORS, FUNCTION_WORDS, REPORTING_VERBS


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
