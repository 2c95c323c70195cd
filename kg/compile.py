"""Compile an :class:`~kg.model.Article` to quads in its own named graph: pure and deterministic.

One function per entity kind. Every node derived from the source gets ``prov:wasDerivedFrom`` the
source document, whose sha256 and full text are in the graph, so any fact leads back to the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pyoxigraph import BlankNode, Literal, NamedNode, Quad
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg import __version__
from kg.iris import KG, OA, ORG, SCHEMA, TIME, Minter
from kg.model import Article, DateSpec, Span, Statement

ANCHOR_CONTEXT = 32  # code points of prefix/suffix context recorded in each TextQuoteSelector

_KIND_CLASS = {
    "quotation": KG.DirectQuotation,
    "paraphrase": KG.Paraphrase,
    "claim": KG.AuthorialClaim,
    "question": KG.AuthorialQuestion,
}
_HOLDING_STATUS = {"current": KG.CurrentHolding, "former": KG.FormerHolding}
_PRECISION = {"day": TIME.unitDay, "month": TIME.unitMonth, "year": TIME.unitYear}
_DATE_STATUS = {"stated": KG.StatedInSource, "inferred": KG.InferredDate, "source-metadata": KG.FromSourceMetadata}
_DATE_TYPE = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}
_STANCE = {
    "advocates": KG.Advocates,
    "qualifies": KG.Qualifies,
    "doubts": KG.Doubts,
    "questions": KG.Questions,
    "describes": KG.Describes,
}
_EVENT_KIND = {"PeriodicalIssue": "work"}


def period_start(value: str) -> str:
    """The first instant of an ISO 8601 date, month or year, as an ``xsd:dateTime`` lexical form with no timezone.

    ``kg:dateTime`` (with ``kg:precision``) is the date for OWL 2 reasoners, whose datatype map has ``xsd:dateTime``
    but not ``xsd:gYearMonth`` or ``xsd:gYear`` (https://www.w3.org/TR/owl2-syntax/#Datatype_Maps). The sources
    give local calendar dates, so no timezone offset is claimed.

    >>> period_start("2025-06"), period_start("2025"), period_start("2025-05-30")
    ('2025-06-01T00:00:00', '2025-01-01T00:00:00', '2025-05-30T00:00:00')
    """
    year, month, day = (*value.split("-"), "1", "1")[:3]
    return datetime(int(year), int(month), int(day)).isoformat()


def _n(term: str) -> NamedNode:
    return NamedNode(str(term))


def _lit(value: str | int | bool, datatype: str | None = None, lang: str | None = None) -> Literal:
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=_n(XSD.boolean))
    if isinstance(value, int):
        return Literal(str(value), datatype=_n(datatype or XSD.integer))
    if lang:
        return Literal(value, language=lang)
    return Literal(value, datatype=_n(datatype)) if datatype else Literal(value)


class _Compiler:
    """Holds the IRIs of one article while its quads are produced."""

    def __init__(self, article: Article, minter: Minter) -> None:
        self.a = article
        self.m = minter
        self.g = NamedNode(minter.graph(article.source.slug))
        self.source = NamedNode(minter.entity("source", article.source.slug))
        self.kind_of = {e.slug: e.kind for e in article.entities}
        self.event_kind = {ev.slug: _EVENT_KIND.get(ev.types[0], "event") for ev in article.events}

    # IRIs --------------------------------------------------------------------------------------
    def entity(self, slug: str) -> NamedNode:
        return NamedNode(self.m.entity(self.kind_of[slug], slug))

    def post(self, slug: str) -> NamedNode:
        return NamedNode(self.m.entity("post", slug))

    def holding(self, slug: str) -> NamedNode:
        return NamedNode(self.m.entity("holding", slug))

    def event(self, slug: str) -> NamedNode:
        return NamedNode(self.m.entity(self.event_kind[slug], slug))

    def date(self, slug: str) -> NamedNode:
        return NamedNode(self.m.entity("date", f"{self.a.source.slug}/{slug}"))

    def concept(self, slug: str) -> NamedNode:
        return NamedNode(self.m.entity("concept", slug))

    def statement(self, slug: str) -> NamedNode:
        return NamedNode(self.m.entity("statement", f"{self.a.source.slug}/{slug}"))

    # quads -------------------------------------------------------------------------------------
    def q(self, s: NamedNode | BlankNode, p: str, o: NamedNode | Literal | BlankNode) -> Quad:
        return Quad(s, _n(p), o, self.g)

    def derived(self, node: NamedNode, *, activity: bool = False) -> Quad:
        """Link a node to the source it comes from.

        ``prov:wasDerivedFrom`` relates entities; an event is a ``prov:Activity`` (disjoint from entities in
        PROV-CONSTRAINTS), so events say ``dcterms:source`` instead.
        """
        return self.q(node, DCTERMS.source if activity else PROV.wasDerivedFrom, self.source)

    def labels(self, node: NamedNode, label: str, alt: tuple[str, ...] = ()) -> Iterator[Quad]:
        yield self.q(node, RDFS.label, _lit(label, lang="en"))
        yield self.q(node, SKOS.prefLabel, _lit(label, lang="en"))
        for a in alt:
            yield self.q(node, SKOS.altLabel, _lit(a, lang="en"))

    def anchor(self, owner: NamedNode, span: Span) -> Iterator[Quad]:
        """A Web Annotation specific resource with a position and a quote selector."""
        text = self.a.source.text
        anchor = NamedNode(self.m.part(owner.value, "anchor"))
        position = NamedNode(self.m.part(owner.value, "anchor", "position"))
        quote = NamedNode(self.m.part(owner.value, "anchor", "quote"))
        yield self.q(owner, KG.anchor, anchor)
        yield self.q(anchor, RDF.type, _n(KG.TextAnchor))
        yield self.q(anchor, OA.hasSource, self.source)
        yield self.q(anchor, OA.hasSelector, position)
        yield self.q(anchor, OA.hasSelector, quote)
        yield self.q(position, RDF.type, _n(OA.TextPositionSelector))
        yield self.q(position, OA.start, _lit(span.start, XSD.nonNegativeInteger))
        yield self.q(position, OA.end, _lit(span.end, XSD.nonNegativeInteger))
        yield self.q(quote, RDF.type, _n(OA.TextQuoteSelector))
        yield self.q(quote, OA.exact, _lit(span.text))
        yield self.q(quote, OA.prefix, _lit(text[max(0, span.start - ANCHOR_CONTEXT) : span.start]))
        yield self.q(quote, OA.suffix, _lit(text[span.end : span.end + ANCHOR_CONTEXT]))

    def source_quads(self) -> Iterator[Quad]:
        s, src = self.source, self.a.source
        yield self.q(self.g, RDF.type, _n(PROV.Entity))
        yield self.q(self.g, PROV.wasDerivedFrom, s)
        yield self.q(self.g, RDFS.label, _lit(f"Graph derived from source {src.slug}", lang="en"))
        yield self.q(self.g, PROV.wasGeneratedBy, NamedNode(self.m.part(self.g.value, "build")))
        yield self.q(NamedNode(self.m.part(self.g.value, "build")), RDF.type, _n(PROV.Activity))
        yield self.q(NamedNode(self.m.part(self.g.value, "build")), PROV.used, s)
        yield self.q(
            NamedNode(self.m.part(self.g.value, "build")),
            RDFS.comment,
            _lit(f"Compiled from annotation file {src.text_file.removesuffix('.txt')}.yaml by kg {__version__}"),
        )
        yield self.q(s, RDF.type, _n(KG.SourceDocument))
        yield self.q(s, RDFS.label, _lit(f"Source text {src.text_file}", lang="en"))
        yield self.q(s, KG.sourceFile, _lit(src.text_file))
        yield self.q(s, KG.sha256, _lit(src.sha256))
        yield self.q(s, KG.characterCount, _lit(len(src.text)))
        yield self.q(s, KG.fullText, _lit(src.text))
        if src.url:
            yield self.q(s, SCHEMA.url, _lit(src.url, XSD.anyURI))
        if src.title:
            yield self.q(s, DCTERMS.title, _lit(src.title, lang="en"))
        if src.license:
            yield self.q(s, DCTERMS.license, NamedNode(src.license))
        if src.publisher:
            yield self.q(s, KG.publisher, self.entity(src.publisher))
        if src.published:
            yield self.q(s, KG.publicationDate, self.date(src.published))
        if src.evidence:
            yield self.q(s, KG.metadataEvidence, _lit(src.evidence))

    def entity_quads(self) -> Iterator[Quad]:
        for e in self.a.entities:
            node = self.entity(e.slug)
            yield self.derived(node)
            for t in e.types:
                yield self.q(node, RDF.type, _n(KG[t]))
            yield from self.labels(node, e.label, e.alt)
            if e.note:
                yield self.q(node, SKOS.editorialNote, _lit(e.note, lang="en"))
            if e.definition:
                yield self.q(node, SKOS.definition, _lit(e.definition, lang="en"))
            if e.publisher:
                yield self.q(node, KG.publisher, self.entity(e.publisher))
            if e.part_of:
                yield self.q(node, ORG.subOrganizationOf, self.entity(e.part_of))
            for group in e.member_of_group:
                yield self.q(node, KG.memberOfGroup, self.entity(group))

    def office_quads(self) -> Iterator[Quad]:
        for p in self.a.posts:
            node = self.post(p.slug)
            yield self.derived(node)
            yield self.q(node, RDF.type, _n(KG.Post))
            yield from self.labels(node, p.label)
            yield self.q(node, ORG.postIn, self.entity(p.post_in))
            if p.reports_to:
                yield self.q(node, ORG.reportsTo, self.post(p.reports_to))
        for h in self.a.holdings:
            node = self.holding(h.slug)
            yield self.derived(node)
            yield self.q(node, RDF.type, _n(KG.OfficeHolding))
            holder = next(e for e in self.a.entities if e.slug == h.holder)
            post = next(p for p in self.a.posts if p.slug == h.post)
            yield self.q(node, RDFS.label, _lit(f"{holder.label}: {post.label} ({h.status})", lang="en"))
            yield self.q(node, KG.holder, self.entity(h.holder))
            yield self.q(node, KG.office, self.post(h.post))
            yield self.q(node, KG.holdingStatus, _n(_HOLDING_STATUS[h.status]))
            if h.status == "current":
                yield self.q(self.entity(h.holder), ORG.holds, self.post(h.post))
            if h.remit:
                yield self.q(node, KG.remit, _lit(h.remit, lang="en"))
            for c in h.remit_concepts:
                yield self.q(node, KG.about, self.concept(c))
            yield from self.anchor(node, h.evidence)

    def date_quads(self) -> Iterator[Quad]:
        for d in self.a.dates:
            yield from self._date(d)

    def _date(self, d: DateSpec) -> Iterator[Quad]:
        node = self.date(d.slug)
        yield self.derived(node)
        yield self.q(node, RDF.type, _n(KG.DateSpecification))
        yield self.q(node, RDFS.label, _lit(d.value))
        yield self.q(node, KG.dateValue, _lit(d.value, _DATE_TYPE[len(d.value)]))
        yield self.q(node, KG.dateTime, _lit(period_start(d.value), XSD.dateTime))
        yield self.q(node, KG.precision, _n(_PRECISION[d.precision]))
        yield self.q(node, KG.dateStatus, _n(_DATE_STATUS[d.status]))
        yield self.q(node, KG.inferenceBasis, _lit(d.basis, lang="en"))
        if d.stated:
            datatype = XSD.gMonthDay if len(d.stated) == 7 else XSD.gMonth
            yield self.q(node, KG.statedValue, _lit(d.stated, datatype))
        if d.evidence:
            yield from self.anchor(node, d.evidence)

    def event_quads(self) -> Iterator[Quad]:
        for ev in self.a.events:
            node = self.event(ev.slug)
            yield self.derived(node, activity="PeriodicalIssue" not in ev.types)
            for t in ev.types:
                yield self.q(node, RDF.type, _n(KG[t]))
            yield from self.labels(node, ev.label)
            if ev.note:
                yield self.q(node, SKOS.editorialNote, _lit(ev.note, lang="en"))
            for attr, prop in (("venue", KG.venue), ("broadcaster", KG.broadcaster), ("issue_of", KG.issueOf)):
                value = getattr(ev, attr)
                if value:
                    yield self.q(node, prop, self.entity(value))
            for p in ev.participants:
                yield self.q(node, KG.participant, self.entity(p))
            if ev.part_of:
                yield self.q(node, KG.partOfEvent, self.event(ev.part_of))
            if ev.published_in:
                yield self.q(node, KG.publishedIn, self.event(ev.published_in))
            if ev.date:
                yield self.q(node, KG.date, self.date(ev.date))
            if ev.place:
                yield self.q(node, KG.place, self.entity(ev.place))
            if ev.evidence:
                yield from self.anchor(node, ev.evidence)

    def concept_quads(self) -> Iterator[Quad]:
        if not self.a.scheme_slug:
            return
        scheme = self.concept(self.a.scheme_slug)
        yield self.derived(scheme)
        yield self.q(scheme, RDF.type, _n(SKOS.ConceptScheme))
        yield from self.labels(scheme, self.a.scheme_label or self.a.scheme_slug)
        for c in self.a.concepts:
            node = self.concept(c.slug)
            yield self.derived(node)
            yield self.q(node, RDF.type, _n(SKOS.Concept))
            yield self.q(node, SKOS.inScheme, scheme)
            yield from self.labels(node, c.label, c.alt)
            if c.definition:
                yield self.q(node, SKOS.definition, _lit(c.definition.text, lang="en"))
                yield from self.anchor(node, c.definition)
        for col in self.a.collections:
            node = self.concept(col.slug)
            yield self.derived(node)
            yield self.q(node, RDF.type, _n(SKOS.OrderedCollection if col.ordered else SKOS.Collection))
            yield from self.labels(node, col.label)
            for position, member in enumerate(col.members, start=1):
                yield self.q(node, SKOS.member, self.concept(member))
                if col.ordered:
                    # The list cells are named after the collection so the dump stays free of blank nodes.
                    cell = NamedNode(self.m.part(node.value, "list", str(position)))
                    yield self.q(cell, RDF.first, self.concept(member))
                    rest = (
                        NamedNode(self.m.part(node.value, "list", str(position + 1)))
                        if position < len(col.members)
                        else _n(RDF.nil)
                    )
                    yield self.q(cell, RDF.rest, rest)
                    yield self.q(cell, KG.listPosition, _lit(position))
            if col.ordered:
                yield self.q(node, SKOS.memberList, NamedNode(self.m.part(node.value, "list", "1")))

    def statement_quads(self) -> Iterator[Quad]:
        for s in self.a.statements:
            yield from self._statement(s)

    def _statement(self, s: Statement) -> Iterator[Quad]:
        node = self.statement(s.slug)
        yield self.derived(node)
        yield self.q(node, RDF.type, _n(_KIND_CLASS[s.kind]))
        short = s.span.text if len(s.span.text) <= 72 else s.span.text[:71].rstrip() + "…"
        yield self.q(node, RDFS.label, _lit(short, lang="en"))
        yield self.q(node, KG.orderInSource, _lit(s.span.start))
        yield from self.anchor(node, s.span)
        if s.speaker:
            yield self.q(node, KG.speaker, self.entity(s.speaker))
        if s.capacity:
            yield self.q(node, KG.speakerCapacity, self.holding(s.capacity))
        if s.within:
            yield self.q(node, KG.quotedWithin, self.statement(s.within))
        if s.made_through:
            prop = KG.madeThrough if s.made_through_basis == "stated" else KG.probablyMadeThrough
            yield self.q(node, prop, self.event(s.made_through))
        if s.date:
            yield self.q(node, KG.date, self.date(s.date))
        if s.place:
            yield self.q(node, KG.place, self.entity(s.place))
        for m in s.mentions:
            yield self.q(node, KG.mentions, self.entity(m))
        for c in s.about:
            yield self.q(node, KG.about, self.concept(c))
        for p in s.partners:
            yield self.q(node, KG.namesPartner, self.entity(p))
        for target, stance in s.stance:
            attribution = NamedNode(self.m.part(node.value, "stance", target))
            yield self.q(node, KG.hasStance, attribution)
            yield self.q(attribution, RDF.type, _n(KG.StanceAttribution))
            yield self.q(attribution, KG.stanceTarget, self.concept(target))
            yield self.q(attribution, KG.stanceType, _n(_STANCE[stance]))


def compile_article(article: Article, minter: Minter | None = None) -> list[Quad]:
    """All quads for one article, in its named graph, sorted and without duplicates."""
    c = _Compiler(article, minter or Minter())
    quads: set[Quad] = set()
    for part in (
        c.source_quads,
        c.entity_quads,
        c.office_quads,
        c.date_quads,
        c.event_quads,
        c.concept_quads,
        c.statement_quads,
    ):
        quads.update(part())
    return sorted(quads, key=str)


__all__ = ["ANCHOR_CONTEXT", "compile_article"]
