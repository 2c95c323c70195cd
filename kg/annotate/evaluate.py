"""Measured accuracy: a draft against a reviewed annotation file of the same text.

Precision, recall and F1 per element type. Entities are paired by a shared name (label or alternative
label), since a new entity's slug may differ from the reviewed one; posts by the words of their labels.
Quotation spans count exactly and with overlap >= 90% (of the longer span); a speaker counts when its entity
pairs with the reviewed speaker of a matched quotation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kg.annotate.entities import locate_names

OVERLAP = 0.9


@dataclass(frozen=True)
class Row:
    element: str
    gold: int
    suggested: int
    correct_in_draft: int
    correct_in_gold: int

    @property
    def precision(self) -> float:
        return self.correct_in_draft / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        return self.correct_in_gold / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    speaker_share: tuple[int, int] = (0, 0)  # correct speakers, matched quotation spans

    def table(self) -> str:
        lines = ["| element | reviewed | suggested | precision | recall | F1 |", "|---|---:|---:|---:|---:|---:|"]
        for r in self.rows:
            lines.append(
                f"| {r.element} | {r.gold} | {r.suggested} | {r.precision:.2f} | {r.recall:.2f} | {r.f1:.2f} |"
            )
        ok, n = self.speaker_share
        lines.append(f"\nspeaker correct for {ok} of {n} matched quotation spans ({ok / n if n else 1:.2f})")
        return "\n".join(lines)


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Shared length over the longer span's length.

    >>> overlap((0, 10), (1, 10))
    0.9
    """
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / max(a[1] - a[0], b[1] - b[0], 1)


def _pair_entities(draft: dict[str, Any], gold: dict[str, Any]) -> dict[str, str]:
    """Draft slug -> reviewed slug, by slug or a shared name (same label first, then same kind)."""
    gold_names: dict[str, list[dict[str, Any]]] = {}
    for e in gold.get("entities", ()):
        for n in (e["label"], *e.get("alt", ())):
            gold_names.setdefault(n, []).append(e)
    gold_slugs = {e["slug"] for e in gold.get("entities", ())}
    pairs = {}
    for e in draft.get("entities", ()):
        if e["slug"] in gold_slugs:
            pairs[e["slug"]] = e["slug"]
            continue
        cands = [g for n in (e["label"], *e.get("alt", ())) for g in gold_names.get(n, ())]
        if cands:
            cands.sort(key=lambda g: (g["label"] != e["label"], g["kind"] != e["kind"]))
            pairs[e["slug"]] = cands[0]["slug"]
    return pairs


def _spans(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in data.get("statements", ()) if s["kind"] == kind]


def _span_row(
    name: str, draft: list[dict[str, Any]], gold: list[dict[str, Any]], threshold: float | None, failures: list[str]
) -> tuple[Row, list[tuple[dict[str, Any], dict[str, Any]]]]:
    def match(d: dict[str, Any], g: dict[str, Any]) -> bool:
        a, b = tuple(d["span"]), tuple(g["span"])
        return a == b if threshold is None else overlap(a, b) >= threshold

    pairs = [(d, next(g for g in gold if match(d, g))) for d in draft if any(match(d, g) for g in gold)]
    hit_gold = [g for g in gold if any(match(d, g) for d in draft)]
    for g in gold:
        if g not in hit_gold:
            failures.append(f"{name}: missed {g['span']} {g['text'][:70]!r}")
    for d in draft:
        if not any(match(d, g) for g in gold):
            failures.append(f"{name}: spurious {d['span']} {d['text'][:70]!r}")
    return Row(name, len(gold), len(draft), len(pairs), len(hit_gold)), pairs


def _words(label: str) -> set[str]:
    return set(re.findall(r"[a-z]+", label.lower())) - {"of", "the", "and", "to", "at"}


def evaluate(draft: dict[str, Any], gold: dict[str, Any], text: str) -> Report:
    """Compare a draft with the reviewed annotation of ``text``."""
    report = Report()
    pairs = _pair_entities(draft, gold)
    fails: list[str] = []
    quotes_d, quotes_g = _spans(draft, "quotation"), _spans(gold, "quotation")
    row, _ = _span_row("quotation spans (exact)", quotes_d, quotes_g, None, [])
    report.rows.append(row)
    row, matched = _span_row("quotation spans (overlap >= 90%)", quotes_d, quotes_g, OVERLAP, fails)
    report.rows.append(row)
    ok = [(d, g) for d, g in matched if pairs.get(d.get("speaker", "")) == g.get("speaker")]
    for d, g in matched:
        if (d, g) not in ok:
            fails.append(f"speaker: {g['span']} is {g.get('speaker')}, suggested {d.get('speaker')}")
    report.speaker_share = (len(ok), len(matched))
    report.rows.append(Row("quotation span + speaker", len(quotes_g), len(quotes_d), len(ok), len(ok)))
    for kind in ("paraphrase", "claim", "question"):
        report.rows.append(
            _span_row(f"{kind} spans (overlap >= 90%)", _spans(draft, kind), _spans(gold, kind), OVERLAP, fails)[0]
        )
    report.rows.append(_mentions(draft, gold, text, pairs, fails))
    report.rows.append(_offices(draft, gold, pairs, fails))
    report.rows.append(_dates(draft, gold, fails))
    report.failures = fails
    return report


def _mentions(draft: dict[str, Any], gold: dict[str, Any], text: str, pairs: dict[str, str], fails: list[str]) -> Row:
    def keys(data: dict[str, Any], rename: dict[str, str] | None) -> Counter[tuple[int, int, str]]:
        names = {e["slug"]: [e["label"], *e.get("alt", ())] for e in data.get("entities", ())}
        located = locate_names(text, names)
        return Counter(
            (s, e, rename.get(slug, f"new:{slug}") if rename is not None else slug) for s, e, slug in located
        )

    d, g = keys(draft, pairs), keys(gold, None)
    d_spans = {(s, e) for s, e, _ in d}
    g_spans = {(s, e) for s, e, _ in g}
    hit_d_spans = {(s, e) for s, e, slug in d if (s, e, slug) in g}
    for s, e in sorted(g_spans - hit_d_spans)[:15]:
        fails.append(f"entity mention: missed {text[s:e]!r} at {s}")
    for s, e in sorted(d_spans - hit_d_spans)[:15]:
        fails.append(f"entity mention: spurious {text[s:e]!r} at {s}")
    return Row("entity mentions", len(g_spans), len(d_spans), len(hit_d_spans), len(hit_d_spans))


def _offices(draft: dict[str, Any], gold: dict[str, Any], pairs: dict[str, str], fails: list[str]) -> Row:
    posts_d = {p["slug"]: p["label"] for p in draft.get("posts", ())}
    posts_g = {p["slug"]: p["label"] for p in gold.get("posts", ())}

    def same_post(d: str, g: str) -> bool:
        if d == g:
            return True
        a, b = _words(posts_d.get(d, d)), _words(posts_g.get(g, g))
        return bool(a | b) and len(a & b) / len(a | b) >= 0.6

    hd, hg = draft.get("holdings", ()), gold.get("holdings", ())

    def match(d: dict[str, Any], g: dict[str, Any]) -> bool:
        return pairs.get(d["holder"]) == g["holder"] and d["status"] == g["status"] and same_post(d["post"], g["post"])

    for g in hg:
        if not any(match(d, g) for d in hd):
            fails.append(f"office: missed {g['holder']} {posts_g.get(g['post'])} ({g['status']})")
    for d in hd:
        if not any(match(d, g) for g in hg):
            fails.append(f"office: spurious {d['holder']} {posts_d.get(d['post'])} ({d['status']})")
    return Row(
        "offices with status",
        len(hg),
        len(hd),
        sum(any(match(d, g) for g in hg) for d in hd),
        sum(any(match(d, g) for d in hd) for g in hg),
    )


def _dates(draft: dict[str, Any], gold: dict[str, Any], fails: list[str]) -> Row:
    def key(d: dict[str, Any]) -> tuple[str, str, str]:
        return (d.get("value", "?"), d["precision"], d["status"])

    kd, kg = Counter(key(d) for d in draft.get("dates", ())), Counter(key(d) for d in gold.get("dates", ()))
    for k in kg - kd:
        fails.append(f"date: missed {k}")
    for k in kd - kg:
        fails.append(f"date: spurious {k}")
    hit = sum((kd & kg).values())
    return Row("dates (value + precision + status)", sum(kg.values()), sum(kd.values()), hit, hit)
