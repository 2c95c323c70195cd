"""Statements: direct quotations with their speakers, paraphrases (reported speech), and the article's own
claims and questions, each anchored to its span.

A sentence whose reporting verb has a speaker and which reports content of its own ("said that ...",
"arguing that ...", "called for ...") is a paraphrase; one that only frames a quotation ("..., Satake said.")
is not a statement of its own. A sentence ending in "?" outside quotation marks is the article's question;
any other sentence without a speaker is its claim. A quotation without a speaker in its sentence continues the
latest quotation in the same or the previous paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kg.annotate.document import Document, Sentence, Token
from kg.annotate.entities import Entities
from kg.annotate.quotes import Quote
from kg.annotate.speakers import Attribution, attribute, outside_tokens, reporting_verbs

_THAT_VERBS = re.compile(
    r"\b(?:said|says|adding|arguing|saying|noting|warning|insisting|stressing|claiming|"
    r"added|argued|noted|warned|insisted|stressed|claimed|told [\w .]+?)\s+that\b"
)


@dataclass
class Statement:
    kind: str
    start: int
    end: int
    speaker: str | None = None
    confidence: float = 0.6
    by: str = ""
    evidence: str = ""
    unnamed: tuple[int, int] | None = None
    within: int | None = None  # index of the paraphrase the quotation sits in
    sentence: Sentence | None = None


@dataclass
class Statements:
    items: list[Statement] = field(default_factory=list)
    terms: list[Quote] = field(default_factory=list)  # quoted terms no one is quoted for
    intros: dict[int, Attribution] = field(default_factory=dict)  # paragraph -> attribution of a block quote


def classify(
    doc: Document, quotes: list[Quote], entities: Entities, is_term: Callable[[Quote, Sentence], bool]
) -> Statements:
    """Every statement of the text, in order."""
    text = doc.text
    out = Statements()
    last_speaker: str | None = None
    last_quote: tuple[int, Statement] | None = None
    block_paragraphs = {q.paragraph for q in quotes if q.mark == "block"}
    for sent in doc.sentences:
        in_sent = [q for q in quotes if sent.start <= q.start < sent.end]
        if sent.paragraph in block_paragraphs:
            continue
        real = [q for q in in_sent if not is_term(q, sent)]
        out.terms += [q for q in in_sent if q not in real]
        spans = [(q.start, q.end) for q in real]
        att = attribute(sent, text, spans, entities, last_speaker)
        outside = [t for t in outside_tokens(sent, text, spans) if t.text.isalnum()]
        para_index = None
        if att is not None and _reports_content(sent, text, spans, outside, att):  # a paraphrase
            out.items.append(
                Statement(
                    "paraphrase",
                    sent.start,
                    sent.end,
                    att.speaker,
                    att.confidence,
                    "statements.reported-speech",
                    att.evidence,
                    att.unnamed,
                    sentence=sent,
                )
            )
            para_index = len(out.items) - 1
        elif not real and att is None:
            kind = "question" if text[sent.start : sent.end].rstrip().endswith("?") else "claim"
            if len(outside) >= 3:
                out.items.append(
                    Statement(
                        kind,
                        sent.start,
                        sent.end,
                        None,
                        0.6,
                        f"statements.{kind}",
                        "no speaker: the article's own sentence",
                        sentence=sent,
                    )
                )
        for q in real:
            if att is not None:
                st = Statement(
                    "quotation",
                    q.start,
                    q.end,
                    att.speaker,
                    min(0.95, att.confidence + 0.05),
                    f"quotes.{q.mark}",
                    _quote_why(q) + "; " + att.evidence,
                    att.unnamed,
                    para_index,
                    sent,
                )
            elif last_quote and sent.paragraph - last_quote[0] <= 1:
                prev = last_quote[1]
                st = Statement(
                    "quotation",
                    q.start,
                    q.end,
                    prev.speaker,
                    0.65,
                    f"quotes.{q.mark}",
                    _quote_why(q) + "; no verb in its sentence: continues the previous quotation",
                    prev.unnamed,
                    sentence=sent,
                )
            else:
                st = Statement(
                    "quotation",
                    q.start,
                    q.end,
                    None,
                    0.3,
                    f"quotes.{q.mark}",
                    _quote_why(q) + "; no speaker found",
                    sentence=sent,
                )
            out.items.append(st)
            last_quote = (sent.paragraph, st)
        if att is not None and att.speaker:
            last_speaker = att.speaker
        if att is not None and text[sent.start : sent.end].rstrip().endswith(":") and not real:
            out.intros[sent.paragraph] = att
    return out


def add_block_quotes(out: Statements, blocks: list[Quote]) -> None:
    """The block quotes after an introducing sentence, spoken by its speaker; what was found inside them goes."""
    inside = [(q.start, q.end) for q in blocks]
    out.items = [s for s in out.items if not any(a <= s.start < b for a, b in inside)]
    out.terms = [t for t in out.terms if not any(a <= t.start < b for a, b in inside)]
    for q in blocks:
        intro = max((p for p in out.intros if p < q.paragraph), default=None)
        att = out.intros[intro]  # type: ignore[index]
        out.items.append(
            Statement(
                "quotation",
                q.start,
                q.end,
                att.speaker,
                0.7,
                "quotes.block",
                f"a paragraph without marks after “…:” introduced by {att.evidence}",
                att.unnamed,
            )
        )
    out.items.sort(key=lambda s: (s.start, -s.end))


def _quote_why(q: Quote) -> str:
    if q.mark == "double" and not q.closed:
        return "an opening mark never closed: ends at its paragraph"
    if q.continues:
        return "the quotation goes on from the previous paragraph (no closing mark there)"
    return f"inside {q.mark} quotation marks"


def _reports_content(
    sent: Sentence, text: str, spans: list[tuple[int, int]], outside: list[Token], att: Attribution
) -> bool:
    """Whether the sentence reports what was said beyond framing a quotation."""
    outside_text = " ".join(t.text for t in outside)
    if _THAT_VERBS.search(outside_text) or re.search(r"\b(?:called|calls|calling) for\b|\bpointed out\b", outside_text):
        return True
    if not spans:
        return len(outside) >= 6 and bool(reporting_verbs(outside))
    return False
