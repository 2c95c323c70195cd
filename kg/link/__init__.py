"""Reconciliation with Wikidata (``kg link``): find candidate items for our unlinked entities, score them, and
write them for review as SSSOM; accepted rows then become links on the next build (docs/linking.md).

This module holds the endpoint-independent part: which entities to reconcile and what we know about them
(the ``.rq`` files beside it, run on the built store), how a ranked list of candidates becomes a decision,
and the review file (read, written, accepted into ``kg/links/wikidata.sssom.tsv``). Talking to a Wikidata
endpoint and scoring its answers is :mod:`kg.link.wikidata`.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from rdflib.namespace import OWL, XSD

from kg.errors import AnnotationError, LinkError
from kg.iris import DEFAULT_BASE_IRI, KG, SEMAPV, WD, Minter
from kg.links import LINKS_DIR, read_mapping_set
from kg.store import GraphStore

#: The public Wikidata Query Service: ``kg link``'s default endpoint and the server's default SERVICE allowlist.
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
VERIFIED_TABLE = LINKS_DIR / "wikidata.sssom.tsv"
DEFAULT_PROPOSALS = LINKS_DIR / "proposals" / "wikidata.proposals.sssom.tsv"
TOOL = "kg link"
DEFAULT_THRESHOLD = 0.9
DEFAULT_MARGIN = 0.2

#: Our top classes, most specific first: an entity typed with several (a state is also an organisation and a
#: place) is reconciled as the first.
KINDS: dict[str, str] = {
    str(KG.Person): "person",
    str(KG.State): "state",
    str(KG.Post): "post",
    str(KG.Organization): "organization",
    str(KG.Place): "place",
}
#: The columns of the verified table (kg/links.py reads them), then the review file's two extra ones.
VERIFIED_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_label",
    "mapping_date",
    "mapping_provider",
    "comment",
)
PROPOSAL_COLUMNS = (*VERIFIED_COLUMNS, "mapping_tool", "review")
#: ``review`` values: kg link writes ``accept`` (clear winner) or ``review`` (a curator decides) and ``reject``
#: (ranked below an accepted candidate); a curator may change any of them.
REVIEW_VALUES = ("accept", "review", "reject")


def shipped_query(name: str) -> str:
    """The text of one of the `.rq` files beside this module."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Context:
    """Wikidata items that our graph relates to an entity (see ``context.rq``)."""

    countries: frozenset[str] = frozenset()
    posts: frozenset[str] = frozenset()
    parties: frozenset[str] = frozenset()
    holders: frozenset[str] = frozenset()
    article_countries: frozenset[str] = frozenset()

    @property
    def expected_countries(self) -> frozenset[str]:
        """The entity's own countries, else its article's: what P27/P17/P1001 should say."""
        return self.countries or self.article_countries


@dataclass(frozen=True)
class Entity:
    """One entity of our graph, with what ``kg link`` needs to reconcile it."""

    iri: str
    label: str
    kind: str
    classes: frozenset[str]
    context: Context = field(default_factory=Context)
    wikidata: str | None = None
    evidence: str | None = None
    justification: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A Wikidata item proposed for an entity, with its score in [0, 1] and the reasons for it."""

    item: str
    label: str
    description: str
    score: float
    reasons: tuple[str, ...]

    @property
    def qid(self) -> str:
        return self.item.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Decision:
    """What ``kg link`` concluded for one entity: a status and the ranked rows it writes."""

    entity: Entity
    status: str  # accept | review | ambiguous | none
    rows: tuple[tuple[Candidate, str, str], ...]  # (candidate, review value, comment)


@dataclass
class _Found:
    """What entities.rq says about one entity, over its rows."""

    label: str
    classes: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    link: dict[str, str] = field(default_factory=dict)


def _article_countries(store: GraphStore) -> dict[str, str]:
    """Each article's country: the state most of its posts belong to (none on a tie)."""
    counts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in store.query(shipped_query("article_countries.rq")):
        counts[row["source"].value].append((int(row["posts"].value), row["item"].value))
    out = {}
    for source, ranked in counts.items():
        ranked.sort(reverse=True)
        if len(ranked) == 1 or ranked[0][0] > ranked[1][0]:
            out[source] = ranked[0][1]
    return out


def load_entities(store: GraphStore) -> list[Entity]:
    """Every person, organisation, state, place and post of the built store, with its context and link."""
    found: dict[str, _Found] = {}
    for row in store.query(shipped_query("entities.rq")):
        entry = found.setdefault(row["entity"].value, _Found(row["label"].value))
        entry.classes.add(row["class"].value)
        entry.kinds.add(row["kind"].value)
        if row["source"] is not None:
            entry.sources.add(row["source"].value)
        for key in ("wikidata", "evidence", "justification"):
            if row[key] is not None:
                entry.link[key] = row[key].value
    facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in store.query(shipped_query("context.rq")):
        facts[row["entity"].value][row["role"].value].add(row["item"].value)
    article_country = _article_countries(store)
    entities = []
    for iri, entry in sorted(found.items()):
        own = facts.get(iri, {})
        context = Context(
            countries=frozenset(own.get("country", ())),
            posts=frozenset(own.get("post", ())),
            parties=frozenset(own.get("party", ())),
            holders=frozenset(own.get("holder", ())),
            article_countries=frozenset(article_country[s] for s in entry.sources if s in article_country),
        )
        kind = next(name for cls, name in KINDS.items() if cls in entry.kinds)
        link = entry.link
        entities.append(
            Entity(
                iri,
                entry.label,
                kind,
                frozenset(entry.classes),
                context,
                link.get("wikidata"),
                link.get("evidence"),
                link.get("justification"),
            )
        )
    return entities


def decide(
    entity: Entity,
    candidates: list[Candidate],
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
    keep: int = 5,
) -> Decision:
    """Rank ``candidates`` and decide: ``accept`` only a clear winner (score >= threshold and ahead of the
    runner-up by >= margin), refuse to choose between equal best scores (``ambiguous``), else ``review``.

    >>> e = Entity("https://w3id.org/akg/id/person/x", "X", "person", frozenset())
    >>> a, b = Candidate("wd:Q1", "X", "", 0.95, ()), Candidate("wd:Q2", "X", "", 0.4, ())
    >>> decide(e, [b, a]).status, [r[1] for r in decide(e, [b, a]).rows]
    ('accept', ['accept', 'reject'])
    >>> decide(e, [a, Candidate("wd:Q3", "X", "", 0.95, ())]).status
    'ambiguous'
    >>> decide(e, [a, b], threshold=0.99).status, decide(e, []).status
    ('review', 'none')
    """
    ranked = sorted(candidates, key=lambda c: (-c.score, c.item))[:keep]
    if not ranked:
        return Decision(entity, "none", ())
    top = ranked[0]
    tied = [c for c in ranked if round(c.score, 3) == round(top.score, 3)]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0

    def why(c: Candidate) -> str:
        return "; ".join(c.reasons)

    if len(tied) > 1:
        names = ", ".join(f"wd:{c.qid}" for c in tied)
        rows = [
            (
                c,
                "review",
                f"ambiguous: {len(tied)} candidates score {top.score:.2f} ({names}); kg link refuses to choose. "
                f"{why(c)}",
            )
            if c in tied
            else (c, "review", f"ranked below the ambiguous best ({names}). {why(c)}")
            for c in ranked
        ]
        return Decision(entity, "ambiguous", tuple(rows))
    lead = f"{top.score - runner_up:.2f} ahead of the runner-up" if len(ranked) > 1 else "no other candidate"
    if top.score >= threshold and top.score - runner_up >= margin:
        rows = [(top, "accept", f"clear best: score {top.score:.2f} >= {threshold:g}, {lead}. {why(top)}")]
        rows += [(c, "reject", f"ranked below wd:{top.qid}. {why(c)}") for c in ranked[1:]]
        return Decision(entity, "accept", tuple(rows))
    if top.score < threshold:
        reason = f"best score {top.score:.2f} is below the threshold {threshold:g}"
    else:
        reason = f"best score is only {lead} (margin {margin:g})"
    rows = [(top, "review", f"needs review: {reason}. {why(top)}")]
    rows += [(c, "review", f"needs review, ranked below wd:{top.qid}. {why(c)}") for c in ranked[1:]]
    return Decision(entity, "review", tuple(rows))


# --- the review file (SSSOM/TSV) -------------------------------------------------------------------------


def _curie_map(verified: Path) -> dict[str, str]:
    """The verified table's prefixes (so that accepted rows can be moved there verbatim), plus ours."""
    curie_map: dict[str, str] = {}
    if verified.is_file():
        meta_lines = [line[1:] for line in verified.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        curie_map.update((yaml.safe_load("\n".join(meta_lines)) or {}).get("curie_map", {}))
    for prefix, kind in (("kgp", "person"), ("kgo", "organization"), ("kgs", "state"), ("kgl", "place")):
        curie_map.setdefault(prefix, f"{DEFAULT_BASE_IRI}id/{kind}/")
    curie_map.setdefault("kgpost", f"{DEFAULT_BASE_IRI}id/post/")
    curie_map.setdefault("wd", str(WD))
    curie_map.setdefault("owl", str(OWL))
    curie_map.setdefault("semapv", str(SEMAPV))
    curie_map.setdefault("xsd", str(XSD))
    curie_map.setdefault("akgm", f"{DEFAULT_BASE_IRI}mappings/")
    return curie_map


def _compress(iri: str, curie_map: dict[str, str]) -> str:
    best = max((ns for ns in curie_map.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        raise LinkError(f"no prefix in the review file's curie_map covers <{iri}>")
    prefix = next(p for p, ns in curie_map.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"


def write_proposals(
    path: Path,
    decisions: Iterable[Decision],
    minter: Minter,
    endpoint: str,
    today: str | None = None,
    verified: Path = VERIFIED_TABLE,
) -> int:
    """Write the review file (SSSOM/TSV: a commented YAML metadata block, then one row per candidate).

    Returns the number of rows. Our IRIs are written against the default base, as in the verified table.
    """
    today = today or datetime.date.today().isoformat()
    curie_map = _curie_map(verified)
    meta = {
        "curie_map": curie_map,
        "mapping_set_id": f"{DEFAULT_BASE_IRI}mappings/wikidata-proposals",
        "mapping_set_description": (
            "Candidate Wikidata items proposed by `kg link` for entities without a link. NOT links: a curator "
            "reviews each row (column review: accept / review / reject); `kg link --accept` moves the rows "
            "marked accept into kg/links/wikidata.sssom.tsv, and the next `kg build` compiles them."
        ),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "mapping_date": today,
        "mapping_tool": TOOL,
        "extension_definitions": [{"slot_name": "review", "property": "akgm:review", "type_hint": "xsd:string"}],
    }
    out = io.StringIO()
    for line in yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110).splitlines():
        out.write(f"# {line}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(PROPOSAL_COLUMNS)
    count = 0
    for decision in decisions:
        subject = _compress(DEFAULT_BASE_IRI + decision.entity.iri[len(minter.base) :], curie_map)
        for candidate, review, comment in decision.rows:
            label = candidate.label + (f" ({candidate.description})" if candidate.description else "")
            predicate = "owl:sameAs"  # individuals and posts (concepts are not reconciled): docs/linking.md
            writer.writerow(
                (
                    subject,
                    decision.entity.label,
                    predicate,
                    _compress(candidate.item, curie_map),
                    label,
                    "semapv:LexicalMatching",
                    f"{candidate.score:.3f}",
                    f"{TOOL} (automatic)",
                    today,
                    endpoint,
                    comment,
                    TOOL,
                    review,
                )
            )
            count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), encoding="utf-8")
    return count


def read_table(path: Path) -> tuple[dict[str, object], list[dict[str, str]]]:
    """An SSSOM/TSV file's metadata and rows (as text).

    Raises:
        LinkError: the file is missing, or its metadata is not YAML.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise LinkError(f"cannot read {path}: {err.strerror or err}") from err
    try:
        meta = yaml.safe_load("\n".join(line[1:] for line in text.splitlines() if line.startswith("#"))) or {}
    except yaml.YAMLError as err:
        raise LinkError(f"{path}: the metadata block is not YAML: {err}") from err
    table = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return meta, list(csv.DictReader(io.StringIO(table), delimiter="\t"))


def accept_proposals(
    proposals: Path, verified: Path = VERIFIED_TABLE, reviewer: str = "", today: str | None = None
) -> list[dict[str, str]]:
    """Append the review file's ``accept`` rows to the verified table; returns the rows appended.

    A row's evidence (the endpoint, the date, the reasons) goes into its comment; a subject already linked
    to the same item is skipped. The table is re-read with kg/links.py's reader before it is kept.

    Raises:
        LinkError: two accepted rows for one entity, an entity already linked to another item, an unknown
            ``review`` value, or a result that kg/links.py would not read (the table is then left unchanged).
    """
    today = today or datetime.date.today().isoformat()
    _, rows = read_table(proposals)
    accepted: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        review = (row.get("review") or "").strip().lower()
        if review not in REVIEW_VALUES:
            raise LinkError(f"{proposals.name}: row {number}: review must be one of {REVIEW_VALUES}, not {review!r}")
        if review != "accept":
            continue
        subject = row["subject_id"]
        if subject in accepted:
            raise LinkError(
                f"{proposals.name}: two rows accepted for {subject} ({accepted[subject]['object_id']} and "
                f"{row['object_id']}): keep one"
            )
        accepted[subject] = row
    original = verified.read_text(encoding="utf-8")
    _, existing = read_table(verified)
    linked = {r["subject_id"]: r["object_id"] for r in existing}
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    appended = []
    for subject, row in accepted.items():
        if subject in linked:
            if linked[subject] == row["object_id"]:
                continue
            raise LinkError(f"{subject} is already linked to {linked[subject]}, not {row['object_id']}")
        reviewed = f"; accepted by {reviewer} on {today}" if reviewer else f"; accepted on {today}"
        new = dict(row)
        new["comment"] = (
            f"Evidence: {row['mapping_tool'] or TOOL} against {row['mapping_provider']} on {row['mapping_date']}: "
            f"{row['comment']}{reviewed}"
        )
        writer.writerow([new[c] for c in VERIFIED_COLUMNS])
        appended.append(new)
    if not appended:
        return []
    separator = "" if original.endswith("\n") else "\n"
    verified.write_text(original + separator + out.getvalue(), encoding="utf-8")
    try:
        read_mapping_set(verified, Minter())
    except (AnnotationError, KeyError, ValueError) as err:
        verified.write_text(original, encoding="utf-8")
        raise LinkError(
            f"the accepted rows would make {verified.name} unreadable ({err}); nothing was changed"
        ) from err
    return appended


def link_status(entities: Iterable[Entity], proposals: Path | None, minter: Minter) -> list[tuple[str, ...]]:
    """Every entity with its link status: ``linked`` (with its evidence), ``proposal`` (rows in the review
    file, the best first) or ``none``. Rows: (entity IRI, label, kind, status, item, detail)."""
    by_subject: dict[str, list[dict[str, str]]] = defaultdict(list)
    if proposals is not None and proposals.is_file():
        meta, rows = read_table(proposals)
        curie_map: dict[str, str] = meta.get("curie_map", {})  # type: ignore[assignment]
        for row in rows:
            prefix, _, local = row["subject_id"].partition(":")
            iri = curie_map.get(prefix, "") + local
            by_subject[minter.base + iri[len(DEFAULT_BASE_IRI) :]].append(row)
    table = []
    for e in entities:
        if e.wikidata:
            detail = (e.evidence or "no recorded evidence").split(" -- ")[0]
            table.append((e.iri, e.label, e.kind, "linked", "wd:" + e.wikidata.rsplit("/", 1)[-1], detail))
        elif e.iri in by_subject:
            best = max(by_subject[e.iri], key=lambda r: float(r["confidence"]))
            review = "ambiguous" if best["comment"].startswith("ambiguous") else best["review"]
            detail = f"{review}, score {best['confidence']} ({len(by_subject[e.iri])} candidate(s))"
            table.append((e.iri, e.label, e.kind, "proposal", best["object_id"], detail))
        else:
            table.append((e.iri, e.label, e.kind, "none", "", ""))
    return table
