"""The citation of a statement, read from the store: the data behind :mod:`kg.citation`, for the statement pages.

The data version a citation names is the sha256 of ``all.nq`` as ``SHA256SUMS`` lists it (what anyone can
download from ``/dumps/`` and check); without dumps (a store served without a build), the server's data version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg.citation import Citation, text_fragment, to_bibtex, to_csl_json, to_ris
from kg.dump import UNION_NAME, read_checksums
from kg.narrow import solutions
from kg.queries import load, pin
from kg.store import GraphStore
from server import conneg

#: How each citation format is written.
WRITERS: dict[conneg.Offer, Callable[[Citation], str]] = {
    conneg.CSL_JSON: to_csl_json,
    conneg.BIBTEX: to_bibtex,
    conneg.RIS: to_ris,
}


def data_version(dump_dir: Path, fallback: str) -> str:
    """The sha256 of the union dump ``all.nq`` from the checksum file, else ``fallback``."""
    return read_checksums(dump_dir).get(f"{UNION_NAME}.nq", fallback)


def read_citation(store: GraphStore, iri: str, version: str) -> Citation | None:
    """The citation of the statement ``iri``, accessed today (UTC), or None if ``iri`` is no statement."""
    rows = list(solutions(store.query(pin(load("statement_citation").text, {"statement": ox.NamedNode(iri)}))))
    if not rows:
        return None
    row = rows[0]

    def text(name: str) -> str | None:
        value = row[name]
        return value.value if value is not None else None

    url = text("url")
    full_text = text("fullText")
    if url and full_text:
        start, end = int(row["start"].value), int(row["end"].value)
        url += ("" if "#" in url else "#") + text_fragment(full_text, start, end)  # after any fragment it has
    return Citation(
        statement=iri,
        words=row["text"].value,
        kind=row["kindLabel"].value,
        speaker=text("speakerName"),
        publisher=text("publisherName"),
        title=text("title"),
        published=text("published"),
        url=url,
        news=text("outlet") == "true",
        data_version=version,
        accessed=datetime.now(UTC).date(),
    )
