"""Read an annotation file (YAML beside its source text) into the model, checking everything on the way.

Checks, each failing with an :class:`~kg.errors.AnnotationError` that names the item:
the JSON schema (``annotation.schema.json``), unique slugs, every reference resolving to an item of
the right section, and every span selecting exactly its text in the source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from kg.errors import AnnotationError
from kg.model import (
    Article,
    Collection,
    Concept,
    DateSpec,
    Entity,
    Event,
    Holding,
    Post,
    Source,
    Span,
    Statement,
)

SOURCES_DIR = Path(__file__).parent / "sources"


@cache
def _schema() -> dict[str, Any]:
    return json.loads(resources.files("kg").joinpath("annotation.schema.json").read_text(encoding="utf-8"))


def annotation_files(directory: Path = SOURCES_DIR) -> list[Path]:
    """Every annotation file in ``directory``, in a stable order."""
    return sorted(directory.glob("*.yaml"))


def locate(text: str, passage: str) -> list[tuple[int, int]]:
    """Every span (code-point offsets, end exclusive) where ``passage`` occurs in ``text``.

    >>> locate("a “b” a", "a")
    [(0, 1), (6, 7)]
    """
    spans, start = [], text.find(passage)
    while start >= 0:
        spans.append((start, start + len(passage)))
        start = text.find(passage, start + 1)
    return spans


def check_span(source_text: str, start: int, end: int, exact: str, where: str) -> Span:
    """Return the span if ``source_text[start:end] == exact``, else raise with the nearest match as a hint."""
    if not 0 <= start < end <= len(source_text):
        raise AnnotationError(f"span [{start}, {end}] is outside the text (length {len(source_text)})", where)
    found = source_text[start:end]
    if found != exact:
        hint = locate(source_text, exact)
        raise AnnotationError(
            f"span [{start}, {end}] selects {found[:60]!r}, not {exact[:60]!r}"
            + (f"; the text occurs at {hint}" if hint else "; the text does not occur in the source"),
            where,
        )
    return Span(start, end, exact)


def unreviewed_suggestions(path: Path) -> list[str]:
    """One line per element of ``path`` still carrying ``suggested:`` (a draft of ``kg annotate``): file, line, item.

    Raises:
        AnnotationError: the file cannot be read as YAML.
    """
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise AnnotationError(str(err).splitlines()[0], path.name) from err
    found: list[str] = []

    def walk(node: yaml.Node | None, section: str) -> None:
        if isinstance(node, yaml.MappingNode):
            keys = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            if "suggested" in keys:
                slug = keys["slug"][1].value if "slug" in keys else "?"
                line = keys["suggested"][0].start_mark.line + 1
                found.append(f"{path.name}:{line}: {section} {slug} has an unreviewed suggestion")
            for key, value in node.value:
                walk(value, key.value if isinstance(key, yaml.ScalarNode) else section)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item, section)

    walk(root, "file")
    return found


def load_article(path: Path, *, drafts: bool = False) -> Article:
    """Read, validate and resolve one annotation file.

    Args:
        path: the annotation file; its source text is the ``text_file`` beside it.
        drafts: accept a draft of ``kg annotate``: dates it could not resolve (no ``value``) are left out.

    Raises:
        AnnotationError: on any schema, reference or span problem.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise AnnotationError(str(err), path.name) from err
    return article_from_data(data, path, drafts=drafts)


def schema_errors(data: Any) -> list[str]:
    """Every JSON-schema error of ``data`` as one line (message and JSON pointer), in document order."""
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    lines = []
    for error in errors:
        message = error.message
        if error.validator == "not":  # the schema's only "not": speakers on the article's own sentences
            message = "a claim or question is the article's own: it takes no speaker, capacity or made_through"
        lines.append(f"{message} (at /{'/'.join(str(p) for p in error.absolute_path)})")
    return lines


def article_from_data(data: Any, path: Path, *, text: str | None = None, drafts: bool = False) -> Article:
    """Validate and resolve the parsed contents of the annotation file ``path``.

    Args:
        data: the parsed YAML.
        path: where it lives (names it in errors, and locates its source text unless ``text`` is given).
        text: the source text, when it is not the ``text_file`` beside ``path`` (``kg review --text``).
        drafts: as in :func:`load_article`.

    Raises:
        AnnotationError: on any schema, reference or span problem.
    """
    where = path.name
    errors = schema_errors(data)
    if errors:
        raise AnnotationError(f"{errors[0][:-1]}; {len(errors)} schema error(s))", where)
    if drafts:
        data = without_unresolved_dates(data)
    raw = text.encode("utf-8") if text is not None else b""
    if text is None:
        text_path = path.with_name(data["source"]["text_file"])
        try:
            raw = text_path.read_bytes()
        except OSError as err:
            raise AnnotationError(f"cannot read source text: {err}", where) from err
        text = raw.decode("utf-8")

    def span(item: dict[str, Any] | None, label: str) -> Span | None:
        if item is None:
            return None
        return check_span(text, item["span"][0], item["span"][1], item["text"], f"{where}: {label}")

    src = data["source"]
    source = Source(
        slug=src["slug"],
        text_file=src["text_file"],
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        url=src.get("url"),
        title=src.get("title"),
        license=src.get("license"),
        publisher=src.get("publisher"),
        published=src.get("published"),
        evidence=src.get("evidence"),
    )
    entities = tuple(
        Entity(
            slug=e["slug"],
            kind=e["kind"],
            types=tuple(e["types"]),
            label=e["label"],
            alt=tuple(e.get("alt", ())),
            note=e.get("note"),
            definition=e.get("definition"),
            publisher=e.get("publisher"),
            part_of=e.get("part_of"),
            member_of_group=tuple(e.get("member_of_group", ())),
        )
        for e in data["entities"]
    )
    posts = tuple(Post(p["slug"], p["label"], p["post_in"], p.get("reports_to")) for p in data.get("posts", ()))
    holdings = tuple(
        Holding(
            slug=h["slug"],
            holder=h["holder"],
            post=h["post"],
            status=h["status"],
            evidence=span(h["evidence"], f"holding {h['slug']}"),  # type: ignore[arg-type]
            remit=h.get("remit"),
            remit_concepts=tuple(h.get("remit_concepts", ())),
        )
        for h in data.get("holdings", ())
    )
    dates = tuple(
        DateSpec(
            slug=d["slug"],
            value=d["value"],
            precision=d["precision"],
            status=d["status"],
            basis=d["basis"],
            stated=d.get("stated"),
            evidence=span(d.get("evidence"), f"date {d['slug']}"),
        )
        for d in data.get("dates", ())
    )
    events = tuple(
        Event(
            slug=ev["slug"],
            types=tuple(ev["types"]),
            label=ev["label"],
            part_of=ev.get("part_of"),
            participants=tuple(ev.get("participants", ())),
            date=ev.get("date"),
            place=ev.get("place"),
            venue=ev.get("venue"),
            broadcaster=ev.get("broadcaster"),
            published_in=ev.get("published_in"),
            issue_of=ev.get("issue_of"),
            note=ev.get("note"),
            evidence=span(ev.get("evidence"), f"event {ev['slug']}"),
        )
        for ev in data.get("events", ())
    )
    concept_data = data.get("concepts") or {"scheme": {}, "items": []}
    concepts = tuple(
        Concept(c["slug"], c["label"], tuple(c.get("alt", ())), span(c.get("definition"), f"concept {c['slug']}"))
        for c in concept_data["items"]
    )
    collections = tuple(
        Collection(c["slug"], c["label"], tuple(c["members"]), bool(c.get("ordered", False)))
        for c in concept_data.get("collections", ())
    )
    statements = tuple(
        Statement(
            slug=s["slug"],
            kind=s["kind"],
            span=span(s, f"statement {s['slug']}"),  # type: ignore[arg-type]
            speaker=s.get("speaker"),
            capacity=s.get("capacity"),
            within=s.get("within"),
            made_through=(s.get("made_through") or {}).get("event"),
            made_through_basis=(s.get("made_through") or {}).get("basis"),
            date=s.get("date"),
            place=s.get("place"),
            mentions=tuple(s.get("mentions", ())),
            about=tuple(s.get("about", ())),
            partners=tuple(s.get("partners", ())),
            stance=tuple(sorted((s.get("stance") or {}).items())),
        )
        for s in data["statements"]
    )
    article = Article(
        source=source,
        entities=entities,
        statements=statements,
        posts=posts,
        holdings=holdings,
        dates=dates,
        events=events,
        scheme_slug=concept_data["scheme"].get("slug"),
        scheme_label=concept_data["scheme"].get("label"),
        concepts=concepts,
        collections=collections,
    )
    _check_references(article, where)
    return article


def without_unresolved_dates(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a draft without the dates ``kg annotate`` could not resolve (no ``value``) and references to them.

    >>> d = {"dates": [{"slug": "d-1"}, {"slug": "d-2", "value": "2025"}], "statements": [{"date": "d-1"}]}
    >>> without_unresolved_dates(d)
    {'dates': [{'slug': 'd-2', 'value': '2025'}], 'statements': [{}]}
    """
    unresolved = {d["slug"] for d in data.get("dates") or () if "value" not in d}
    if not unresolved:
        return data
    out = dict(data)
    out["dates"] = [d for d in data["dates"] if d["slug"] not in unresolved]
    for section in ("statements", "events"):
        if section in data:
            out[section] = [
                {k: v for k, v in item.items() if not (k == "date" and v in unresolved)} for item in data[section]
            ]
    if (data.get("source") or {}).get("published") in unresolved:
        out["source"] = {k: v for k, v in data["source"].items() if k != "published"}
    return out


def _unique(slugs: Iterable[str], section: str, where: str) -> set[str]:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise AnnotationError(f"duplicate slug {slug!r} in {section}", where)
        seen.add(slug)
    return seen


def _check_references(a: Article, where: str) -> None:
    """Every slug used as a reference must name an item of the section it points into."""
    entities = _unique((e.slug for e in a.entities), "entities", where)
    places = {e.slug for e in a.entities if e.kind in ("place", "state")}
    persons = {e.slug for e in a.entities if e.kind == "person"}
    posts = _unique((p.slug for p in a.posts), "posts", where)
    holdings = _unique((h.slug for h in a.holdings), "holdings", where)
    dates = _unique((d.slug for d in a.dates), "dates", where)
    events = _unique((e.slug for e in a.events), "events", where)
    concepts = _unique([c.slug for c in a.concepts] + [c.slug for c in a.collections], "concepts", where)
    statements = _unique((s.slug for s in a.statements), "statements", where)

    def need(value: str | None, pool: set[str], what: str, item: str) -> None:
        if value is not None and value not in pool:
            raise AnnotationError(f"{item}: {value!r} is not a known {what}", where)

    need(a.source.publisher, entities, "entity", "source.publisher")
    need(a.source.published, dates, "date", "source.published")
    for e in a.entities:
        for ref in (e.publisher, e.part_of, *e.member_of_group):
            need(ref, entities, "entity", f"entity {e.slug}")
    for p in a.posts:
        need(p.post_in, entities, "entity", f"post {p.slug}")
        need(p.reports_to, posts, "post", f"post {p.slug}")
    for h in a.holdings:
        need(h.holder, persons, "person", f"holding {h.slug}")
        need(h.post, posts, "post", f"holding {h.slug}")
        for c in h.remit_concepts:
            need(c, concepts, "concept", f"holding {h.slug}")
    for ev in a.events:
        item = f"event {ev.slug}"
        for ref in (ev.venue, ev.broadcaster, ev.issue_of, *ev.participants):
            need(ref, entities, "entity", item)
        need(ev.place, places, "place", item)
        need(ev.date, dates, "date", item)
        need(ev.part_of, events, "event", item)
        need(ev.published_in, events, "event", item)
    for col in a.collections:
        for m in col.members:
            need(m, concepts, "concept", f"collection {col.slug}")
    for s in a.statements:
        item = f"statement {s.slug}"
        need(s.speaker, persons | entities, "entity", item)
        need(s.capacity, holdings, "holding", item)
        need(s.within, statements, "statement", item)
        need(s.made_through, events, "event", item)
        need(s.date, dates, "date", item)
        need(s.place, places, "place", item)
        for ref in (*s.mentions, *s.partners):
            need(ref, entities, "entity", item)
        for ref in (*s.about, *(target for target, _ in s.stance)):
            need(ref, concepts, "concept", item)
        if s.capacity is not None:
            holder = next(h.holder for h in a.holdings if h.slug == s.capacity)
            if holder != s.speaker:
                raise AnnotationError(f"{item}: capacity {s.capacity!r} is held by {holder!r}, not the speaker", where)
        if s.within is not None:
            outer = next(o for o in a.statements if o.slug == s.within)
            if not (outer.span.start <= s.span.start and s.span.end <= outer.span.end):
                raise AnnotationError(f"{item}: span is not inside the span of {s.within!r}", where)
