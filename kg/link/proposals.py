"""The review file of ``kg link`` (SSSOM/TSV): written with the candidates, read back, its accepted rows moved
into the verified table ``kg/links/wikidata.sssom.tsv``; and each entity's link status."""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml
from rdflib.namespace import OWL, XSD

from kg.errors import AnnotationError, LinkError
from kg.iris import SEMAPV, WD, Minter
from kg.link.decisions import Decision
from kg.link.entities import Entity
from kg.link.mappings import LINKS_DIR, read_mapping_set

VERIFIED_TABLE = LINKS_DIR / "wikidata.sssom.tsv"
DEFAULT_PROPOSALS = LINKS_DIR / "proposals" / "wikidata.proposals.sssom.tsv"
TOOL = "kg link"
#: The columns of the verified table (kg/link/mappings.py reads them), then the review file's two extra ones.
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


def _curie_map(verified: Path) -> dict[str, str]:
    """The verified table's prefixes (so that accepted rows can be moved there verbatim), plus ours."""
    curie_map: dict[str, str] = {}
    if verified.is_file():
        meta_lines = [line[1:] for line in verified.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        curie_map.update((yaml.safe_load("\n".join(meta_lines)) or {}).get("curie_map", {}))
    ours = Minter()  # the tables are written against the default base
    for prefix, kind in (("kgp", "person"), ("kgo", "organization"), ("kgs", "state"), ("kgl", "place")):
        curie_map.setdefault(prefix, ours.entity_namespace(kind))
    curie_map.setdefault("kgpost", ours.entity_namespace("post"))
    curie_map.setdefault("wd", str(WD))
    curie_map.setdefault("owl", str(OWL))
    curie_map.setdefault("semapv", str(SEMAPV))
    curie_map.setdefault("xsd", str(XSD))
    curie_map.setdefault("akgm", ours.mappings_namespace)
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
        "mapping_set_id": Minter().mapping_set("wikidata-proposals"),
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
        subject = _compress(Minter().rebased(decision.entity.iri, minter.base), curie_map)
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
    to the same item is skipped. The table is re-read with kg/link/mappings.py's reader before it is kept.

    Raises:
        LinkError: two accepted rows for one entity, an entity already linked to another item, an unknown
            ``review`` value, or a result that kg/link/mappings.py would not read (the table is then left unchanged).
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
            by_subject[minter.rebased(iri)].append(row)
    table: list[tuple[str, ...]] = []
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
