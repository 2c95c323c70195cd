"""Dumps: deterministic across builds, listed and downloadable from the real server, checksummed."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

import kg.dump
from kg.build import BuildResult, build
from kg.dump import write_dumps
from kg.iris import Minter
from kg.link.mappings import LINKS_DIR
from kg.store import OxigraphStore, write_store_from_file


def dump_files(directory: Path) -> list[Path]:
    """The dumps in ``directory``: not the hidden folder where a server pins the versions it is sending."""
    return [p for p in directory.iterdir() if not p.name.startswith(".")]


def test_two_builds_give_byte_identical_dumps(built: BuildResult, tmp_path: Path) -> None:
    again = build(tmp_path, Minter())
    first = {p.name: p.read_bytes() for p in dump_files(built.dump_dir)}
    second = {p.name: p.read_bytes() for p in dump_files(again.dump_dir)}
    assert first.keys() == second.keys()
    assert {name for name, data in first.items() if second[name] != data} == set()


def test_dumps_sorted_on_disk_are_the_same_bytes(
    built: BuildResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a tiny sort budget every sort spills many runs to disk and merges them: the files do not change."""
    monkeypatch.setattr(kg.dump, "SORT_BUDGET", 4096)
    monkeypatch.setattr(kg.dump, "_BATCH", 50)
    spills: list[int] = []
    spill = kg.dump._LineSorter._spill

    def counted(self: kg.dump._LineSorter) -> None:
        spills.append(len(self.lines))
        spill(self)

    monkeypatch.setattr(kg.dump._LineSorter, "_spill", counted)
    out = tmp_path / "dumps"
    out.mkdir()
    (out / "stale.ttl").write_text("an older dump")
    (out / ".sort-killed").mkdir()  # what a run killed halfway leaves
    (out / ".sort-killed" / "x.run").write_bytes(b"<a> <b> <c> .\n")
    (out / ".all.nq.partial").write_bytes(b"half a dump")
    written = write_dumps(OxigraphStore.open(built.store_path), Minter(), out)
    assert len(spills) > 20
    assert {p.name for p in written} == {p.name for p in dump_files(built.dump_dir)}
    assert {p.name: p.read_bytes() for p in written} == {p.name: p.read_bytes() for p in dump_files(built.dump_dir)}
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written), "no stale, staged or run files"


def test_sha256sums_match_every_dump(built: BuildResult) -> None:
    lines = (built.dump_dir / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    files = {p.name for p in dump_files(built.dump_dir)} - {"SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((built.dump_dir / name).read_bytes()).hexdigest() == digest, name


def test_sssom_mapping_table_is_served_as_a_dump_with_its_checksum(server_url: str) -> None:
    table = (LINKS_DIR / "wikidata.sssom.tsv").read_bytes()
    r = httpx.get(server_url + "dumps/wikidata.sssom.tsv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    assert r.content == table
    digest = hashlib.sha256(table).hexdigest()
    assert f"{digest}  wikidata.sssom.tsv" in httpx.get(server_url + "dumps/SHA256SUMS").text.splitlines()
    assert r.headers["etag"] == f'"{digest[:32]}"'


def test_nquads_dump_holds_every_quad_of_the_store(built: BuildResult) -> None:
    dataset = Dataset()
    dataset.parse(data=gzip.decompress((built.dump_dir / "all.nq.gz").read_bytes()), format="nquads")
    # Count quads, not triples: len(dataset) counts a triple once however many graphs hold it (an entity that
    # several sources declare).
    assert sum(1 for _ in dataset.quads((None, None, None, None))) == built.quads


def test_dump_listing_links_every_file(server_url: str, built: BuildResult) -> None:
    r = httpx.get(server_url + "dumps/")
    assert r.status_code == 200
    for path in dump_files(built.dump_dir):
        if path.is_file() and not path.name.startswith("."):  # not .serving/, made by any download before
            assert f'href="/dumps/{path.name}"' in r.text


def test_turtle_dump_downloads_as_attachment_and_parses(server_url: str) -> None:
    r = httpx.get(server_url + "dumps/all.ttl")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert r.headers["content-disposition"].startswith("attachment")
    graph = Graph().parse(data=r.text, format="turtle")
    assert len(graph) > 1000


def test_unknown_dump_is_404(server_url: str) -> None:
    assert httpx.get(server_url + "dumps/nothing.ttl").status_code == 404
    assert httpx.get(server_url + "dumps/..%2Fstore%2FCURRENT").status_code == 404


def test_nquads_dump_bulk_loads_into_the_same_store(built: BuildResult, tmp_path: Path) -> None:
    """``write_store_from_file`` (the engine's bulk loader, no Python quads) gives back every quad of the dump."""
    dump = tmp_path / "all.nq"
    dump.write_bytes(gzip.decompress((built.dump_dir / "all.nq.gz").read_bytes()))
    timing = write_store_from_file(tmp_path / "store", dump)
    assert timing.load_seconds >= 0 and timing.optimize_seconds >= 0
    reloaded = OxigraphStore.open(tmp_path / "store")
    original = OxigraphStore.open(built.store_path)
    assert len(reloaded) == len(original) == built.quads
    assert reloaded.graphs() == original.graphs()
    plain = {q for q in original.quads() if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
    assert plain <= set(reloaded.quads()), "every quad without a blank node comes back as it was"


def test_a_malformed_file_leaves_the_store_in_place(built: BuildResult, tmp_path: Path) -> None:
    store = tmp_path / "store"
    good = tmp_path / "good.nq"
    good.write_text('<http://example.org/s> <http://example.org/p> "o" <http://example.org/g> .\n')
    write_store_from_file(store, good)
    bad = tmp_path / "bad.nq"
    bad.write_text('<http://example.org/s> <http://example.org/p> "o" <http://example.org/g> .\n<broken\n')
    with pytest.raises(SyntaxError):
        write_store_from_file(store, bad)
    assert len(OxigraphStore.open(store)) == 1
    assert not store.with_name("store.tmp").exists()
