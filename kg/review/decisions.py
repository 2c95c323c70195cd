"""Reviewing a draft: list its suggestions, apply accept / reject / edit decisions, check the result, save it.

A decision names an element by section and slug. Accepting deletes its ``suggested`` block; editing changes
the fields a reviewer may correct (span, speaker, office, date value/precision/status), re-reads the text
field from the span, and accepts it; rejecting removes it. Optional references to a rejected element are
removed with it (each removal is reported as a note); a required one (a holding's holder or post, a post's
state) is an error, so nothing disappears that the reviewer did not reject. The result must pass every check
of :func:`kg.annotations.article_from_data` (schema, references, spans) or nothing is written.

Saving keeps the draft as it was before the first save in ``FILE.yaml.draft`` (never overwritten later), so a
reviewer can always go back to what ``kg annotate`` proposed.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.annotate.draft import has_suggestion, write_annotation
from kg.annotate.entities import locate_names
from kg.annotations import article_from_data, schema_errors
from kg.errors import AnnotationError, KgError

#: Reviewable sections and the kind each element is highlighted as (statements carry their own kind).
SECTION_KINDS = {
    "statements": "",
    "entities": "entity",
    "posts": "office",
    "holdings": "office",
    "dates": "date",
    "events": "event",
    "concepts": "concept",
}
#: The fields a reviewer may edit, per section.
EDITABLE = {
    "statements": ("start", "end", "speaker", "office"),
    "holdings": ("start", "end", "status"),
    "dates": ("start", "end", "value", "precision", "status"),
    "events": ("start", "end"),
}
#: Where each section is referred to: (referring section, key, how). "one" an optional slug, "many" a list of
#: slugs, "required" a slug the referring element cannot lose, "event" made_through, "keys" the stance map.
REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "entities": (
        ("source", "publisher", "one"),
        ("entities", "publisher", "one"),
        ("entities", "part_of", "one"),
        ("entities", "member_of_group", "many"),
        ("posts", "post_in", "required"),
        ("holdings", "holder", "required"),
        ("events", "participants", "many"),
        *(("events", key, "one") for key in ("place", "venue", "broadcaster", "issue_of")),
        ("statements", "speaker", "one"),
        ("statements", "place", "one"),
        ("statements", "mentions", "many"),
        ("statements", "partners", "many"),
    ),
    "posts": (("posts", "reports_to", "one"), ("holdings", "post", "required")),
    "holdings": (("statements", "capacity", "one"),),
    "dates": (("source", "published", "one"), ("events", "date", "one"), ("statements", "date", "one")),
    "events": (
        ("events", "part_of", "one"),
        ("events", "published_in", "one"),
        ("statements", "made_through", "event"),
    ),
    "concepts": (
        ("holdings", "remit_concepts", "many"),
        ("collections", "members", "many"),
        ("statements", "about", "many"),
        ("statements", "stance", "keys"),
    ),
    "statements": (("statements", "within", "one"),),
}
_PRECISION_LENGTH = {"year": 4, "month": 7, "day": 10}


class ReviewError(KgError):
    """The draft cannot be read for review (missing, not YAML, not an annotation file, no text)."""


class Rejected(KgError):
    """The decisions give a file that fails a check; ``reasons`` says why, one line each. Nothing was written."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Draft:
    """An annotation file as read for review, its source text, and the digest of its bytes (its version)."""

    path: Path
    data: dict[str, Any]
    text: str
    version: str


@dataclass(frozen=True)
class Decision:
    """What the reviewer decided about one element: ``accept``, ``reject`` or ``edit`` (with ``fields``)."""

    section: str
    slug: str
    action: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: the file written, its backup, the notes (references removed), what is left."""

    path: Path
    backup: Path
    notes: list[str]
    remaining: int


def read_draft(path: Path, text_file: Path | None = None) -> Draft:
    """Read an annotation file and its source text (``text_file``, or the ``text_file`` it names beside it).

    Raises:
        ReviewError: either file cannot be read, or the YAML is not an annotation file.
    """
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ReviewError(f"cannot read {path}: {str(err).splitlines()[0]}") from err
    if not isinstance(data, dict) or not isinstance(data.get("source"), dict) or "text_file" not in data["source"]:
        raise ReviewError(f"{path} is not an annotation file (no source.text_file)")
    text_path = text_file or path.with_name(str(data["source"]["text_file"]))
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ReviewError(f"cannot read the source text {text_path}: {str(err).splitlines()[0]}") from err
    return Draft(path, data, text, hashlib.sha256(raw).hexdigest()[:16])


def elements(data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """The elements of one section (concepts are ``concepts.items``, collections ``concepts.collections``)."""
    if section == "source":
        return [data["source"]] if isinstance(data.get("source"), dict) else []
    if section in ("concepts", "collections"):
        concepts = data.get("concepts") or {}
        return concepts.get("items" if section == "concepts" else "collections") or []
    return data.get(section) or []


def suggestions(draft: Draft) -> list[dict[str, Any]]:
    """Every element still carrying ``suggested``, with its kind, spans to highlight and editable fields.

    In reading order (by first span; elements with no span last), so the reviewer goes through the text once.
    """
    out = []
    for section, kind in SECTION_KINDS.items():
        for item in elements(draft.data, section):
            if "suggested" in item:
                out.append(_describe(draft, section, kind or item.get("kind", "claim"), item))
    return sorted(out, key=lambda d: min((s for s, _ in d["spans"]), default=len(draft.text)))


def _describe(draft: Draft, section: str, kind: str, item: dict[str, Any]) -> dict[str, Any]:
    anchor = _anchor(section, item)
    spans = [list(anchor["span"])] if anchor else []
    if section == "entities":
        names = [item.get("label", ""), *item.get("alt", ())]
        spans = [[s, e] for s, e, _ in locate_names(draft.text, {item["slug"]: [n for n in names if n]})]
    label = {
        "statements": item.get("text", ""),
        "holdings": f"{item.get('holder')} holds {item.get('post')} ({item.get('status')})",
        "dates": f"{item.get('value', 'unresolved')} ({item.get('precision')}, {item.get('status')})",
    }.get(section, item.get("label", item["slug"]))
    values = {
        "start": spans[0][0] if anchor else None,
        "end": spans[0][1] if anchor else None,
        "speaker": item.get("speaker"),
        "office": item.get("capacity"),
        "value": item.get("value"),
        "precision": item.get("precision"),
        "status": item.get("status"),
    }
    return {
        "id": f"{section}/{item['slug']}",
        "section": section,
        "slug": item["slug"],
        "kind": kind,
        "label": label,
        "spans": spans,
        "suggested": item["suggested"],
        "editable": list(EDITABLE.get(section, ())),
        "fields": {k: values[k] for k in EDITABLE.get(section, ())},
    }


def choices(draft: Draft) -> dict[str, list[dict[str, str]]]:
    """What the edit form offers: speakers (entities) and offices (holdings) of the draft."""
    return {
        "speakers": [{"slug": e["slug"], "label": e["label"]} for e in elements(draft.data, "entities")],
        "offices": [
            {"slug": h["slug"], "label": f"{h['post']} ({h['status']})", "holder": h["holder"]}
            for h in elements(draft.data, "holdings")
        ],
    }


def _anchor(section: str, item: dict[str, Any]) -> dict[str, Any] | None:
    """The element's own span: a statement is its anchor; others have an ``evidence`` (a concept a definition)."""
    if section == "statements":
        return item
    return item.get("definition" if section == "concepts" else "evidence")


def apply(draft: Draft, decisions: list[Decision]) -> tuple[dict[str, Any], list[str]]:
    """The reviewed data and notes; the draft itself is not changed.

    Raises:
        Rejected: a decision names no suggested element or a bad edit, or the result fails a check.
    """
    data = copy.deepcopy(draft.data)
    reasons: list[str] = []
    rejected: dict[str, set[str]] = {}
    for d in decisions:
        where = f"{d.section} {d.slug}"
        item = next((i for i in elements(data, d.section) if i.get("slug") == d.slug), None)
        if d.section not in SECTION_KINDS or item is None:
            reasons.append(f"{where}: no such element in {draft.path.name}")
        elif "suggested" not in item:
            reasons.append(f"{where}: already reviewed (it has no suggested block)")
        elif d.action == "reject":
            rejected.setdefault(d.section, set()).add(d.slug)
        elif d.action in ("accept", "edit"):
            if d.action == "edit":
                reasons.extend(f"{where}: {r}" for r in _edit(item, d.section, d.fields, draft.text))
            del item["suggested"]
        else:
            reasons.append(f"{where}: unknown action {d.action!r}")
    notes: list[str] = []
    for section, slugs in rejected.items():
        container = elements(data, section)
        container[:] = [i for i in container if i.get("slug") not in slugs]
        for slug in sorted(slugs):
            notes.extend(_unreference(data, section, slug, reasons))
    if not reasons:
        reasons = _check(draft, data)
    if reasons:
        raise Rejected(reasons)
    return data, notes


def _edit(item: dict[str, Any], section: str, fields: dict[str, Any], text: str) -> Iterator[str]:
    """Apply one edit in place; yield what is wrong with it."""
    unknown = sorted(set(fields) - set(EDITABLE.get(section, ())))
    if unknown:
        yield f"{', '.join(unknown)} cannot be edited here (editable: {', '.join(EDITABLE.get(section, ())) or 'none'})"
        return
    if "start" in fields or "end" in fields:
        anchor = _anchor(section, item)
        old = anchor["span"] if anchor else [None, None]
        start, end = fields.get("start", old[0]), fields.get("end", old[1])
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
            yield "span start and end must be whole numbers"
        elif not 0 <= start < end <= len(text):
            yield f"span [{start}, {end}] must satisfy 0 <= start < end <= {len(text)} (the text's length)"
        elif not text[start:end].strip():
            yield f"span [{start}, {end}] selects only white space"
        else:
            if anchor is None:
                anchor = item.setdefault("evidence", {})
            anchor["text"], anchor["span"] = text[start:end], [start, end]
    for key, target in (("speaker", "speaker"), ("office", "capacity"), ("value", "value")):
        if key in fields:
            if fields[key] in (None, ""):
                item.pop(target, None)
            else:
                item[target] = str(fields[key])
    for key in ("precision", "status"):
        if fields.get(key):
            item[key] = str(fields[key])
    value, precision = item.get("value"), str(item.get("precision"))
    if section == "dates" and isinstance(value, str) and len(value) != _PRECISION_LENGTH.get(precision, len(value)):
        yield f"date value {value!r} does not have {precision} precision"


def _unreference(data: dict[str, Any], section: str, slug: str, reasons: list[str]) -> Iterator[str]:
    """Remove optional references to a rejected element (yield a note for each); report required ones."""
    for referrer, key, how in REFERENCES[section]:
        for item in elements(data, referrer):
            name = f"{referrer} {item.get('slug', '')}".strip()
            value = item.get(key)
            if value is None:
                continue
            if how == "required" and value == slug:
                reasons.append(f"{name} needs {key} {slug!r}, which is rejected: reject {name} too, or keep {slug}")
            elif (how == "one" and value == slug) or (how == "event" and value.get("event") == slug):
                del item[key]
                yield f"{name}: {key} {slug} removed with it"
            elif how == "many" and slug in value:
                value.remove(slug)
                if not value:
                    del item[key]
                yield f"{name}: {slug} removed from {key}"
            elif how == "keys" and slug in value:
                del value[slug]
                if not value:
                    del item[key]
                yield f"{name}: stance on {slug} removed"


def _check(draft: Draft, data: dict[str, Any]) -> list[str]:
    """Every schema error (named by section and slug), else the first reference or span error."""
    errors = schema_errors(data)
    if errors:
        return [_name_pointer(data, e) for e in errors]
    try:
        article_from_data(data, draft.path, text=draft.text, drafts=True)
    except AnnotationError as err:
        return [str(err)]
    return []


def _name_pointer(data: dict[str, Any], error: str) -> str:
    """``… (at /statements/3)`` becomes ``statements <slug>: …`` so the reviewer sees which element."""
    message, _, pointer = error.rpartition(" (at /")
    parts = pointer.rstrip(")").split("/")
    node: Any = data
    named = ""
    for part in parts:
        node = node[int(part)] if isinstance(node, list) and part.isdigit() else (node or {}).get(part)
        if isinstance(node, dict) and "slug" in node:
            named = f"{parts[0] if parts[0] != 'concepts' else 'concepts'} {node['slug']}: "
    return f"{named}{message} (at /{pointer.rstrip(')')})"


def save(draft: Draft, decisions: list[Decision]) -> Saved:
    """Apply the decisions, check the result, keep a backup of the draft, and write the file.

    Raises:
        Rejected: the result fails a check; nothing is written.
        OSError: the file or its backup cannot be written.
    """
    data, notes = apply(draft, decisions)
    backup = draft.path.with_name(draft.path.name + ".draft")
    if not backup.exists():
        shutil.copy2(draft.path, backup)
    remaining = sum(1 for section in SECTION_KINDS for item in elements(data, section) if "suggested" in item)
    header = _header(draft.path) if has_suggestion(data) else ""
    write_annotation(data, draft.path, header)
    return Saved(draft.path, backup, notes, remaining)


def _header(path: Path) -> str:
    """The comment lines at the top of the draft (``kg annotate``'s instructions), kept while suggestions remain."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    return "".join(head)
