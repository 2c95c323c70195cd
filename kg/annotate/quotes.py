"""Direct quotations: the spans inside quotation marks, and block quotes introduced by a colon.

Conventions of the seed (docs/annotation-guide.md): the span is the words inside the marks, without the
reporting comma or the full stop that closes the quoted sentence (a ``?`` or ``!`` stays). Single marks inside
double ones are part of the quotation. A quotation running over paragraphs whose closing mark is omitted until
the last gives one quotation per paragraph; an opening mark never closed ends at its paragraph, with low
confidence. A block quote has no marks: its paragraphs, whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.annotate.document import Document

OPEN_DOUBLE = "“„«"
CLOSE_DOUBLE = "”»"


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    paragraph: int
    mark: str  # double | single | block
    closed: bool = True
    continues: bool = False  # the previous paragraph's quotation goes on here

    def words(self, text: str) -> int:
        return len(text[self.start : self.end].split())


def _opens_straight(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([—–-:") and not after.isspace()


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip spaces, then one closing comma or full stop (not an ellipsis)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > 1 and text[end - 1] in ",.;:" and text[end - 2] != ".":
        end -= 1
    return start, end


def find_marked(doc: Document) -> list[Quote]:
    """Top-level quotations in marks, paragraph by paragraph (marks nested inside are part of the quotation)."""
    text = doc.text
    quotes: list[Quote] = []
    carried = False
    for p, (ps, pe) in enumerate(doc.paragraphs):
        continues = carried and text[ps] in OPEN_DOUBLE + '"'
        carried = False
        kind, opened = "", -1
        i = ps
        while i < pe:
            ch = text[i]
            if kind == "":
                if ch in OPEN_DOUBLE or (ch == '"' and _opens_straight(text, i)):
                    kind, opened = "double", i
                elif ch == "‘" or (ch == "'" and _opens_straight(text, i) and text[i + 1 : i + 2].isalpha()):
                    kind, opened = "single", i
            elif kind == "double" and (ch in CLOSE_DOUBLE or ch == '"'):
                quotes.append(
                    Quote(*_trim(text, opened + 1, i), p, "double", True, continues and not quotes_in(p, quotes))
                )
                kind = ""
            elif kind == "single" and ch in "’'" and not text[i + 1 : i + 2].isalpha() and text[i - 1 : i] != " ":
                quotes.append(Quote(*_trim(text, opened + 1, i), p, "single"))
                kind = ""
            i += 1
        if kind:
            start, end = _trim(text, opened + 1, pe)
            if end > start:
                quotes.append(Quote(start, end, p, kind, False, continues and not quotes_in(p, quotes)))
            nxt = doc.paragraphs[p + 1][0] if p + 1 < len(doc.paragraphs) else None
            carried = kind == "double" and nxt is not None and text[nxt] in OPEN_DOUBLE + '"'
    return quotes


def quotes_in(paragraph: int, quotes: list[Quote]) -> list[Quote]:
    return [q for q in quotes if q.paragraph == paragraph]


_FIRST_PERSON = re.compile(r"\b(?:I|we|We|our|Our|us|my|My|me)\b")


def find_block(doc: Document, intro_paragraphs: dict[int, list[str]]) -> list[Quote]:
    """Block quotes: paragraphs after ``intro_paragraphs`` (paragraph -> the speaker's names), which end in ':'.

    The first paragraph after the colon is quoted; the next ones too while they speak in the first person and
    do not name the speaker (narration naming the speaker again ends the block).
    """
    text, out = doc.text, []
    for p, names in sorted(intro_paragraphs.items()):
        q = p + 1
        while q < len(doc.paragraphs):
            s, e = doc.paragraphs[q]
            body = text[s:e]
            if body[:1] in OPEN_DOUBLE + "\"'‘":
                break
            if q > p + 1 and (not _FIRST_PERSON.search(body) or any(n in body for n in names)):
                break
            out.append(Quote(s, e, q, "block"))
            q += 1
    return out
