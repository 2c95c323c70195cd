"""Citations of a statement: the speaker's exact words, where they were published, and which data said so.

One :class:`Citation` is written in the formats DOI resolvers serve (https://citation.crosscite.org/docs.html):
CSL-JSON (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html), BibTeX (written by bibtexparser,
whose LaTeX encoding escapes ``& % $ # _ { } ~ ^ \\`` and non-ASCII letters) and RIS (written by rispy), and as
one line of plain text for the statement page. The URL points at the quoted words with a text fragment
(https://wicg.github.io/scroll-to-text-fragment/). Nothing is invented: a field the data lacks is left out.

The CSL type follows what a reader retrieves at the URL, the source document, not the act of speaking (a
paraphrase or an authorial claim is no speech): a source published by a media outlet is ``article-newspaper``
(RIS ``NEWS``), any other source (a government release) a ``webpage`` (RIS ``ELEC``). BibTeX has no such
types: ``@misc`` with ``howpublished``, ``url`` and ``urldate``, as biblatex and the usual styles read them.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import bibtexparser
import rispy
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field

#: Quotes up to this many words go whole into ``textStart``; longer ones as ``textStart,textEnd``.
WHOLE_QUOTE_WORDS = 10
#: Words at each end of a long quote (``textStart``, ``textEnd``) and of a context term (``prefix-``, ``-suffix``).
FRAGMENT_WORDS = 4


@dataclass(frozen=True)
class Citation:
    """What a citation of one statement says, as the data has it (None where the data has nothing)."""

    statement: str  #: the statement's IRI
    words: str  #: the exact words (the text the statement's anchor selects)
    kind: str  #: e.g. "direct quotation", "paraphrase"
    speaker: str | None
    publisher: str | None
    title: str | None  #: the source's title
    published: str | None  #: the source's publication date, ISO 8601 at its precision: 2025, 2025-06, 2025-06-01
    url: str | None  #: the source's URL, with a text fragment pointing at the words
    news: bool  #: whether the source was published by a media outlet
    data_version: str  #: the sha256 of the data dump the citation was made from
    accessed: date

    @property
    def key(self) -> str:
        """A BibTeX key and CSL id: the statement's last path segment, in the characters BibTeX allows."""
        return re.sub(r"[^A-Za-z0-9_:-]", "-", self.statement.rstrip("/").rsplit("/", 1)[-1])

    @property
    def note(self) -> str:
        return (
            f"{self.kind.capitalize()}. Statement {self.statement}; data version (sha256 of all.nq) {self.data_version}"
        )


def text_fragment(text: str, start: int, end: int) -> str:
    """The ``#:~:text=`` directive selecting ``text[start:end]`` in ``text`` (the source as the page shows it).

    ``prefix-`` and ``-suffix`` are added only where the words could be found earlier in the page.
    https://wicg.github.io/scroll-to-text-fragment/#syntax: ``-``, ``,`` and ``&`` are percent-encoded.

    >>> text_fragment("He said: we agree. We agree, she said.", 9, 17)
    ':~:text=we%20agree'
    >>> text_fragment("We agree. He said: we agree.", 19, 27)
    ':~:text=We%20agree.%20He%20said%3A-,we%20agree'
    """
    words = text[start:end].split()
    if len(words) <= WHOLE_QUOTE_WORDS:
        start_words, end_words = words, []
    else:
        start_words, end_words = words[:FRAGMENT_WORDS], words[-FRAGMENT_WORDS:]
    parts = [_encode(" ".join(start_words))]
    if end_words:
        parts.append(_encode(" ".join(end_words)))
    if _first(text, start_words, 0) != start:
        parts.insert(0, _encode(" ".join(text[:start].split()[-FRAGMENT_WORDS:])) + "-")
    if end_words and _first(text, end_words, start) < _last(text[:end], end_words):
        parts.append("-" + _encode(" ".join(text[end:].split()[:FRAGMENT_WORDS])))
    return ":~:text=" + ",".join(parts)


def _first(text: str, words: list[str], after: int) -> int:
    """Where ``words`` first occur in ``text`` at or after ``after``, in any case and spacing (as browsers match)."""
    found = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE).search(text, after)
    return found.start() if found else -1


def _last(text: str, words: list[str]) -> int:
    """Where ``words`` last occur in ``text``."""
    matches = list(re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE).finditer(text))
    return matches[-1].start() if matches else -1


def _encode(words: str) -> str:
    """Percent-encoding for a text directive: everything but unreserved characters, and ``-`` too.

    >>> _encode("a-b, c & d")
    'a%2Db%2C%20c%20%26%20d'
    """
    return quote(words, safe="").replace("-", "%2D")


def show_date(value: str) -> str:
    """A date at its precision, for reading: a year, a month or a day.

    >>> show_date("2025"), show_date("2025-06"), show_date("2025-05-30")
    ('2025', 'June 2025', '30 May 2025')
    """
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    month = calendar.month_name[parts[1]]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{parts[2]} {month} {parts[0]}"


def _date_parts(value: str) -> list[int]:
    return [int(p) for p in value.split("-")]


def to_csl_json(citation: Citation) -> str:
    """The citation as a CSL-JSON array of one item (``application/vnd.citationstyles.csl+json``)."""
    item: dict[str, object] = {
        "id": citation.key,
        "type": "article-newspaper" if citation.news else "webpage",
        "title": citation.words,
        "genre": citation.kind,
        "accessed": {"date-parts": [_date_parts(citation.accessed.isoformat())]},
        "version": citation.data_version,
        "note": citation.note,
    }
    if citation.speaker:
        item["author"] = [{"literal": citation.speaker}]  # as the data names them: no guess at family/given
    optional = {"container-title": citation.title, "publisher": citation.publisher, "URL": citation.url}
    item.update({k: v for k, v in optional.items() if v})
    if citation.published:
        item["issued"] = {"date-parts": [_date_parts(citation.published)]}
    return json.dumps([item], ensure_ascii=False, indent=2)


def to_bibtex(citation: Citation) -> str:
    """The citation as one BibTeX ``@misc`` entry (``application/x-bibtex``), LaTeX-escaped by bibtexparser."""
    fields = {"title": citation.words, "howpublished": citation.title or citation.publisher, "note": citation.note}
    if citation.speaker:
        fields["author"] = "{" + citation.speaker + "}"  # braced: one name, not split into family and given
    if citation.publisher:
        fields["publisher"] = citation.publisher
    escaped = Library([Entry("misc", citation.key, [Field(k, v) for k, v in fields.items() if v])])
    escaped = middlewares.LatexEncodingMiddleware(keep_math=False, enclose_urls=False).transform(escaped)
    entry = escaped.entries[0]
    if citation.speaker:  # the encoder escaped the braces that keep the name whole
        entry.set_field(Field("author", "{" + _latex(citation.speaker) + "}"))
    if citation.published:
        entry.set_field(Field("date", citation.published))  # biblatex: an ISO date at its precision
        entry.set_field(Field("year", citation.published[:4]))
        if len(citation.published) >= 7:
            entry.set_field(Field("month", str(int(citation.published[5:7]))))
    if citation.url:
        entry.set_field(Field("url", citation.url))  # verbatim in biblatex: not LaTeX-encoded
        entry.set_field(Field("urldate", citation.accessed.isoformat()))
    entry.set_field(Field("version", citation.data_version))
    stack = [
        middlewares.AddEnclosingMiddleware(reuse_previous_enclosing=False, enclose_integers=True, default_enclosing="{")
    ]
    return bibtexparser.write_string(Library([entry]), unparse_stack=stack)


def _latex(text: str) -> str:
    encoded = middlewares.LatexEncodingMiddleware(keep_math=False).transform(
        Library([Entry("misc", "k", [Field("v", text)])])
    )
    return str(encoded.entries[0]["v"])


class _RisWriter(rispy.RisWriter):
    """rispy's writer without the record counter line (``1.``) before ``TY``, which the RIS format does not have."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(citation: Citation) -> str:
    """The citation as one RIS record (``application/x-research-info-systems``), written by rispy."""
    record: dict[str, object] = {"type_of_reference": "NEWS" if citation.news else "ELEC"}
    if citation.speaker:
        record["authors"] = [citation.speaker]
    record["title"] = citation.words
    if citation.title:
        record["secondary_title"] = citation.title
    if citation.published:
        parts = citation.published.split("-")
        record["year"] = parts[0]
        record["date"] = "/".join((*parts, "", "", "")[:3]) + "/"  # RIS DA: YYYY/MM/DD/, unknown parts empty
    if citation.url:
        record["urls"] = [citation.url]
    if citation.publisher:
        record["publisher"] = citation.publisher
    record["access_date"] = citation.accessed.strftime("%Y/%m/%d")
    record["notes"] = [citation.note]
    record["id"] = citation.key
    return rispy.dumps([record], implementation=_RisWriter)


def to_text(citation: Citation) -> str:
    """The citation as one line of plain text, for copying from the statement page.

    >>> print(to_text(Citation("https://w3id.org/akg/id/statement/s/q", "We agree", "direct quotation", "A B",
    ...     "The Paper", None, "2025-06", "https://example.org/#:~:text=We%20agree", True, "ab12", date(2026, 1, 2))))
    A B, “We agree” (direct quotation), The Paper, June 2025, https://example.org/#:~:text=We%20agree. Statement \
https://w3id.org/akg/id/statement/s/q, data version (sha256 of all.nq) ab12, accessed 2 January 2026.
    """
    pieces = [citation.speaker, f"“{citation.words}” ({citation.kind})", citation.title, citation.publisher]
    if citation.published:
        pieces.append(show_date(citation.published))
    pieces.append(citation.url)
    head = ", ".join(p for p in pieces if p)
    return (
        f"{head}. Statement {citation.statement}, data version (sha256 of all.nq) {citation.data_version}, "
        f"accessed {show_date(citation.accessed.isoformat())}."
    )
