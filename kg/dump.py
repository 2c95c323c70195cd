"""Deterministic dumps of the store: Turtle per named graph and whole, N-Quads, gzip copies, SHA256SUMS.

Two builds of the same inputs give byte-identical files: quads are sorted, prefixes fixed, and gzip
is written without a timestamp or file name.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

import pyoxigraph as ox

from kg.iris import PREFIXES, Minter
from kg.store import GraphStore

UNION_NAME = "all"
CHECKSUMS = "SHA256SUMS"


def _sorted(quads: list[ox.Quad]) -> list[ox.Quad]:
    return sorted(quads, key=str)


def dump_name(graph_iri: str) -> str:
    """File stem for a named graph: its last path segment.

    >>> dump_name("https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy")
    'diplomat-2025-06-strategic-autonomy'
    """
    return graph_iri.rstrip("/").rsplit("/", 1)[-1]


def turtle(triples: list[ox.Triple], minter: Minter) -> bytes:
    """Turtle with the project's prefixes (plus one per entity kind under the base)."""
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dump_prefixes(minter))


def dump_prefixes(minter: Minter) -> dict[str, str]:
    """The prefixes of every dump: the vocabularies', and ``person:``, ``statement:``… for our own entities."""
    kinds = ("person", "organization", "state", "place", "post", "holding", "event", "concept", "work")
    return PREFIXES | {kind: minter.entity(kind, "x")[:-1] for kind in kinds}


def _gzip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buffer.getvalue()


def render_dumps(store: GraphStore, minter: Minter) -> dict[str, bytes]:
    """Every dump file's name and bytes, the checksum file included."""
    files: dict[str, bytes] = {}
    everything: list[ox.Quad] = []
    for graph in store.graphs():
        quads = _sorted(list(store.quads(graph)))
        everything.extend(quads)
        files[f"{dump_name(graph)}.ttl"] = turtle([q.triple for q in quads], minter)
    everything = _sorted(everything)
    union = sorted({q.triple for q in everything}, key=str)
    files[f"{UNION_NAME}.ttl"] = turtle(union, minter)
    files[f"{UNION_NAME}.nq"] = ox.serialize(everything, format=ox.RdfFormat.N_QUADS)
    for name in list(files):
        files[f"{name}.gz"] = _gzip(files[name])
    files[CHECKSUMS] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()
    return files


def write_dumps(store: GraphStore, minter: Minter, directory: Path) -> list[Path]:
    """Write every dump into ``directory`` (created if needed), replacing older dumps there.

    Each file is written beside its final name and renamed into place, so a reader (the server, while a write
    rewrites the dumps) always sees a complete file, old or new. The checksum file goes last.
    """
    directory.mkdir(parents=True, exist_ok=True)
    files = render_dumps(store, minter)
    written = []
    for name in sorted(files, key=lambda n: n == CHECKSUMS):
        path = directory / name
        staged = directory / f".{name}.partial"
        staged.write_bytes(files[name])
        os.replace(staged, path)
        written.append(path)
    for old in directory.iterdir():
        if old.is_file() and old.name not in files:
            old.unlink(missing_ok=True)
    return sorted(written)
