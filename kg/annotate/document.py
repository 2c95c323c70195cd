"""The text being annotated: read safely, then cut into paragraphs, sentences and tokens.

Offsets everywhere are code points of the text *as stored* (bytes decoded as UTF-8, nothing normalised, CR
kept), because that is how :mod:`kg.annotations` reads the file and checks every span.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError


class TextError(KgError):
    """The file cannot be annotated (not UTF-8, empty, binary); the message is one readable line."""


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def is_cap(self) -> bool:
        return self.text[:1].isupper()


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int
    text: str


@dataclass
class Document:
    """A text with its paragraphs (line spans) and sentences; quotation spans are filled in by the caller."""

    text: str
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def paragraph_of(self, offset: int) -> int:
        for i, (start, end) in enumerate(self.paragraphs):
            if start <= offset <= end:
                return i
        return len(self.paragraphs) - 1

    def sentence_at(self, offset: int) -> Sentence | None:
        for s in self.sentences:
            if s.start <= offset < s.end:
                return s
        return None


def read_text(path: Path) -> tuple[str, list[str]]:
    """The stored text of ``path`` and notes about it (CRLF, not NFC).

    Raises:
        TextError: the file is missing, empty, binary or not UTF-8.
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise TextError(f"cannot read {path}: {err.strerror or err}") from err
    return decode_text(raw, str(path))


def decode_text(raw: bytes, name: str = "text") -> tuple[str, list[str]]:
    """Decode and check raw bytes; notes say what was found but left as stored.

    >>> decode_text("a\\r\\nb".encode())
    ('a\\r\\nb', ['text: CRLF line endings kept as stored (offsets count the CR)'])
    """
    if not raw.strip():
        raise TextError(f"{name} is empty")
    if b"\x00" in raw:
        raise TextError(f"{name} looks binary (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise TextError(f"{name} is not UTF-8 (byte {err.start}); convert it, e.g. iconv -t UTF-8") from err
    if text.startswith("\ufeff"):
        raise TextError(f"{name} starts with a byte-order mark; remove it so offsets match the stored text")
    notes = []
    if "\r\n" in text:
        notes.append(f"{name}: CRLF line endings kept as stored (offsets count the CR)")
    if not unicodedata.is_normalized("NFC", text):
        notes.append(f"{name}: text is not in NFC; offsets refer to it as stored, not normalised")
    control = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\r\n\t")
    if control > len(text) // 100 + 1:
        raise TextError(f"{name} looks binary ({control} control characters)")
    return text, notes


_PARA_RE = re.compile(r"[^\r\n]+")
#: Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Prof",
        "St",
        "Sen",
        "Rep",
        "Gov",
        "Gen",
        "Lt",
        "Col",
        "Sgt",
        "Capt",
        "Adm",
        "Jr",
        "Sr",
        "Inc",
        "Corp",
        "Co",
        "Ltd",
        "No",
        "vs",
        "etc",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Aug",
        "Sept",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
        "e.g",
        "i.e",
        "approx",
    ]
)
_BOUNDARY_RE = re.compile(r"[.?!…]+[”’\"')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
# words may carry combining marks (text not in NFC keeps "é" as e + U+0301)
TOKEN_RE = re.compile(r"(?:[A-Z]\.){2,}|[\w\u0300-\u036f]+(?:[-–’'][\w\u0300-\u036f]+)*(?:\.(?=[A-Z]\.))?|\S")


def segment(text: str, protected: list[tuple[int, int]] = ()) -> Document:  # type: ignore[assignment]
    """Paragraphs (lines) and sentences; no sentence boundary falls inside a ``protected`` span (a quotation).

    >>> [s.text for s in segment("Mr. Abe spoke. He left.\\nU.S. aid rose.").sentences]
    ['Mr. Abe spoke.', 'He left.', 'U.S. aid rose.']
    """
    doc = Document(text)
    for m in _PARA_RE.finditer(text):
        if m.group().strip():
            start = m.start() + len(m.group()) - len(m.group().lstrip())
            doc.paragraphs.append((start, m.start() + len(m.group().rstrip())))
    for p, (pstart, pend) in enumerate(doc.paragraphs):
        start = pstart
        for m in _BOUNDARY_RE.finditer(text, pstart, pend):
            end = m.end()
            if any(a < m.start() < b - 1 for a, b in protected):
                continue
            before = text[start : m.start()].split()
            last = before[-1] if before else ""
            if m.group().startswith(".") and (
                last.rstrip(".") in ABBREVIATIONS or re.fullmatch(r"(?:[A-Z]\.)*[A-Z]", last)
            ):
                continue
            doc.sentences.append(Sentence(start, end, p, text[start:end]))
            start = end + len(text[end:pend]) - len(text[end:pend].lstrip())
        if start < pend:
            doc.sentences.append(Sentence(start, pend, p, text[start:pend]))
    return doc


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word and punctuation tokens of ``text[start:end]`` with absolute offsets; a possessive ’s is its own token.

    >>> [t.text for t in tokens("Japan’s U.S. ally, J.D. Vance")]
    ['Japan', '’s', 'U.S.', 'ally', ',', 'J.D.', 'Vance']
    """
    out: list[Token] = []
    end = len(text) if end is None else end
    for m in TOKEN_RE.finditer(text, start, end):
        word, s = m.group(), m.start()
        if len(word) > 2 and word[-2:] in ("’s", "'s"):
            out.append(Token(word[:-2], s, s + len(word) - 2))
            out.append(Token(word[-2:], s + len(word) - 2, s + len(word)))
        else:
            out.append(Token(word, s, m.end()))
    return out
