"""Deterministic dumps of the store: Turtle per named graph and whole, N-Quads, gzip copies, SHA256SUMS; and the
SSSOM mapping tables the links graphs are compiled from, as they are (kg/link/mappings.py), checksummed with the rest.

Two builds of the same inputs give byte-identical files: quads are sorted, prefixes fixed, and gzip
is written without a timestamp or file name.

Memory stays bounded whatever the size of the store: quads are sorted as N-Quads lines by an external merge
sort (sorted runs of at most :data:`SORT_BUDGET` bytes spilled to temporary files, then merged), and every
file is written as a stream, its gzip copy and both SHA-256 digests computed while it is written. The order
is the one the dumps always had, quads sorted by ``str(quad)``: an N-Quads line is ``str(quad) + " ."``,
and the space that follows a complete quad sorts below any character that could extend one, so sorting the
lines sorts the quads.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import io
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.iris import PREFIXES, Minter
from kg.link.mappings import mapping_tables
from kg.narrow import serialized
from kg.store import GraphStore

UNION_NAME = "all"
CHECKSUMS = "SHA256SUMS"
#: Bytes of N-Quads lines held in memory by one sort before it spills a sorted run to a temporary file.
SORT_BUDGET = 64 * 2**20
_BATCH = 50_000  # quads serialised per call into Rust


def dump_name(graph_iri: str) -> str:
    """File stem for a named graph: its last path segment (a source's draft graph: ``{slug}.draft``).

    >>> dump_name("https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy")
    'diplomat-2025-06-strategic-autonomy'
    >>> dump_name("https://w3id.org/akg/graph/new-article/draft")
    'new-article.draft'
    """
    parts = graph_iri.rstrip("/").rsplit("/", 2)
    return f"{parts[-2]}.draft" if parts[-1] == "draft" and len(parts) == 3 else parts[-1]


def read_checksums(directory: Path) -> dict[str, str]:
    """The SHA-256 digest of each dump in ``directory``, by file name, as its checksum file lists them ({} if none).

    The digest of ``all.nq`` is the data version that citations name: anyone can download that file and check it.
    """
    path = directory / CHECKSUMS
    if not path.is_file():
        return {}
    return {name: digest for digest, name in (line.split("  ", 1) for line in path.read_text().splitlines())}


def turtle(triples: list[ox.Triple], minter: Minter) -> bytes:
    """Turtle with the project's prefixes (plus one per entity kind under the base)."""
    return serialized(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dump_prefixes(minter)))


def dump_prefixes(minter: Minter) -> dict[str, str]:
    """The prefixes of every dump: the vocabularies', and ``person:``, ``statement:``… for our own entities."""
    kinds = ("person", "organization", "state", "place", "post", "holding", "event", "concept", "work")
    return PREFIXES | {kind: minter.entity(kind, "x")[:-1] for kind in kinds}


class _LineSorter:
    """An external merge sort of byte lines: in memory up to ``budget`` bytes, then sorted runs on disk."""

    def __init__(self, tmp: Path, budget: int | None = None) -> None:
        self.tmp = tmp
        self.budget = SORT_BUDGET if budget is None else budget
        self.lines: list[bytes] = []
        self.size = 0
        self.runs: list[Path] = []

    def add(self, lines: list[bytes]) -> None:
        self.lines.extend(lines)
        self.size += sum(map(len, lines))
        if self.size >= self.budget:
            self._spill()

    def _spill(self) -> None:
        self.lines.sort()
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=".run")
        with os.fdopen(fd, "wb", buffering=2**20) as out:
            out.writelines(self.lines)
        self.runs.append(Path(name))
        self.lines, self.size = [], 0

    def sorted_lines(self) -> Iterator[bytes]:
        """Every line added, in byte order (consumes the sorter)."""
        if not self.runs:
            self.lines.sort()
            lines, self.lines = self.lines, []
            yield from lines
            return
        if self.lines:
            self._spill()
        files = [run.open("rb", buffering=2**20) for run in self.runs]
        try:
            yield from heapq.merge(*files)
        finally:
            for file in files:
                file.close()
            for run in self.runs:
                run.unlink(missing_ok=True)
            self.runs = []


class _LineReader(io.RawIOBase):
    """A binary file over an iterator of byte strings, for pyoxigraph's streaming parser."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._lines = iter(pieces)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(buffer)
        chunks, size = [self._pending] if self._pending else [], len(self._pending)
        while size < want:
            line = next(self._lines, None)
            if line is None:
                break
            chunks.append(line)
            size += len(line)
        data = b"".join(chunks)
        buffer[: min(want, len(data))] = data[:want]
        self._pending = data[want:]
        return min(want, len(data))


class _Digest(io.RawIOBase):
    """A write-only file that passes bytes on to ``out`` and hashes them on the way."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.sha = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.sha.update(data)
        self.out.write(data)
        return len(data)


class _Compressor(threading.Thread):
    """gzip in a thread of its own: zlib lets go of the GIL while it compresses, so the (slow, level 9)
    compression of one piece overlaps reading and serialising the next. At most ``depth`` pieces wait."""

    def __init__(self, out: io.RawIOBase, depth: int = 4) -> None:
        super().__init__(name="kg-dump-gzip", daemon=True)
        self.pieces: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9)
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            while (piece := self.pieces.get()) is not None:
                self.gz.write(piece)
            self.gz.close()
        except BaseException as err:  # reported by put() or close(), in the writing thread
            self.error = err
            while self.pieces.get() is not None:  # let the writer finish putting; it will raise
                pass

    def put(self, piece: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.pieces.put(piece)

    def close(self) -> None:
        """Wait for every piece to be compressed and the gzip trailer written."""
        self.pieces.put(None)
        self.join()
        if self.error is not None:
            raise self.error


class _DumpFile(io.RawIOBase):
    """A dump being written: its staged file and its gzip copy, both hashed as they are written."""

    PIECE = 2**20  # bytes handed to the compressor at a time

    def __init__(self, directory: Path, name: str) -> None:
        self.name_ = name
        self.staged = directory / f".{name}.partial"
        self.staged_gz = directory / f".{name}.gz.partial"
        self._file = self.staged.open("wb", buffering=2**20)
        self._gz_file = self.staged_gz.open("wb", buffering=2**20)
        self._plain = _Digest(self._file)
        self._gz_digest = _Digest(self._gz_file)
        self._compressor = _Compressor(self._gz_digest)
        self._pending = bytearray()
        self._open = True

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._plain.write(data)
        self._pending += data  # a copy: the caller may reuse its buffer
        if len(self._pending) >= self.PIECE:
            self._compressor.put(bytes(self._pending))
            self._pending.clear()
        return len(data)

    def finish(self) -> dict[str, str]:
        """Close both files; their names and SHA-256 digests."""
        if self._pending:
            self._compressor.put(bytes(self._pending))
            self._pending.clear()
        self._abandon()
        return {self.name_: self._plain.sha.hexdigest(), f"{self.name_}.gz": self._gz_digest.sha.hexdigest()}

    def _abandon(self) -> None:
        if self._open:
            self._open = False
            try:
                self._compressor.close()
            finally:
                self._file.close()
                self._gz_file.close()

    def __exit__(self, *exc: object) -> None:
        self._abandon()  # after an error: stop the compressor, close the files (write_dumps removes them)

    def staged_files(self) -> dict[str, Path]:
        return {self.name_: self.staged, f"{self.name_}.gz": self.staged_gz}


def _batches(quads: Iterable[ox.Quad]) -> Iterator[list[bytes]]:
    """N-Quads lines of the quads, serialised in Rust a batch at a time."""
    iterator = iter(quads)
    while batch := list(islice(iterator, _BATCH)):
        yield serialized(ox.serialize(batch, format=ox.RdfFormat.N_QUADS)).splitlines(keepends=True)


def _blank_nodes_named_canonically(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """One graph's quads, its blank nodes (if any) relabelled by RDFC-1.0: the labels a store gives them (random in
    pyoxigraph after a write, ``nodeID://…`` in Virtuoso) would make equal data dump differently. RDFC-1.0 names a
    blank node from the quads that mention blank nodes alone, so only those are held back."""
    blank = ox.Dataset()
    for quad in quads:
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            blank.add(quad)
        else:
            yield quad
    if len(blank):
        blank.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        yield from blank


def _distinct_triples(quads: Iterator[ox.Quad]) -> Iterator[ox.Triple]:
    """The triples of quads sorted by ``str``, each once: a triple's quads are adjacent in that order."""
    previous = None
    for quad in quads:
        triple = quad.triple
        if triple != previous:
            yield triple
            previous = triple


def _chunks(lines: Iterable[bytes], size: int = 2**20) -> Iterator[bytes]:
    """The lines joined into pieces of about ``size`` bytes (fewer, larger writes)."""
    piece: list[bytes] = []
    length = 0
    for line in lines:
        piece.append(line)
        length += len(line)
        if length >= size:
            yield b"".join(piece)
            piece, length = [], 0
    if piece:
        yield b"".join(piece)


def _write_dump_files(
    store: GraphStore, minter: Minter, directory: Path, tmp: Path, staged: dict[str, Path]
) -> dict[str, str]:
    """Write every dump staged in ``directory`` (recording each in ``staged``); their SHA-256 digests by name."""
    prefixes = dump_prefixes(minter)
    digests: dict[str, str] = {}

    def open_dump(name: str) -> _DumpFile:
        dump = _DumpFile(directory, name)
        staged.update(dump.staged_files())
        return dump

    everything = _LineSorter(tmp)
    for graph in store.graphs():
        # Within one graph every line ends with the same " <graph> .": sorting quad lines sorts the triples.
        suffix = f" {ox.NamedNode(graph)} .\n".encode()
        mine = _LineSorter(tmp)
        for lines in _batches(_blank_nodes_named_canonically(store.quads(graph))):
            everything.add(lines)
            mine.add([line[: -len(suffix)] + b" .\n" if line.endswith(suffix) else line for line in lines])
        with open_dump(f"{dump_name(graph)}.ttl") as dump:
            # pyoxigraph reads and writes any object with read() or write(); its stub asks for typing.IO[bytes],
            # which a RawIOBase is not in typeshed
            reader = _LineReader(_chunks(mine.sorted_lines()))
            triples = ox.parse(reader, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
            ox.serialize(triples, output=dump, format=ox.RdfFormat.TURTLE, prefixes=prefixes)  # type: ignore[arg-type]
            digests |= dump.finish()
    with open_dump(f"{UNION_NAME}.nq") as nquads:
        for piece in _chunks(everything.sorted_lines()):
            nquads.write(piece)
        digests |= nquads.finish()
    with open_dump(f"{UNION_NAME}.ttl") as union:
        quads = ox.parse(path=str(staged[f"{UNION_NAME}.nq"]), format=ox.RdfFormat.N_QUADS)
        distinct = _distinct_triples(quads)
        ox.serialize(distinct, output=union, format=ox.RdfFormat.TURTLE, prefixes=prefixes)  # type: ignore[arg-type]
        digests |= union.finish()
    return digests


def render_dumps(store: GraphStore, minter: Minter) -> dict[str, bytes]:
    """Every dump file's name and bytes, the checksum file included (in memory: for small stores and tests)."""
    with tempfile.TemporaryDirectory() as tmp:
        return {path.name: path.read_bytes() for path in write_dumps(store, minter, Path(tmp))}


def _copy_table(table: Path, staged: Path) -> str:
    """Copy a file as it is; its SHA-256 digest."""
    shutil.copyfile(table, staged)
    with staged.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def write_dumps(store: GraphStore, minter: Minter, directory: Path, tables: Iterable[Path] | None = None) -> list[Path]:
    """Write every dump into ``directory`` (created if needed), replacing older dumps there.

    Each file is written beside its final name and renamed into place, so a reader (the server, while a write
    rewrites the dumps) always sees a complete file, old or new. The checksum file goes last.

    Args:
        tables: files published as they are beside the dumps, in the checksum file too (default: the SSSOM
            mapping tables of ``kg/links/``, from which the links graphs were compiled).
    """
    directory.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory, prefix=".sort-"))
    staged: dict[str, Path] = {}
    try:
        digests = _write_dump_files(store, minter, directory, tmp, staged)
        for table in mapping_tables() if tables is None else tables:
            staged[table.name] = directory / f".{table.name}.partial"
            digests[table.name] = _copy_table(table, staged[table.name])
        checksums = "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items())).encode()
        staged[CHECKSUMS] = directory / f".{CHECKSUMS}.partial"
        staged[CHECKSUMS].write_bytes(checksums)
        written = []
        for name in sorted(staged, key=lambda n: n == CHECKSUMS):
            path = directory / name
            os.replace(staged.pop(name), path)
            written.append(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for path in staged.values():
            path.unlink(missing_ok=True)
    names = {path.name for path in written}
    for old in directory.iterdir():
        if old.is_file() and old.name not in names:
            old.unlink(missing_ok=True)  # older dumps, and files staged by a run that was killed
        elif old.is_dir() and old.name.startswith(".sort-"):
            shutil.rmtree(old, ignore_errors=True)  # the sorted runs of a run that was killed
    return sorted(written)
