"""Dumps: deterministic across builds, listed and downloadable from the real server, checksummed."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import httpx
from rdflib import Dataset, Graph

from kg.build import BuildResult, build
from kg.iris import Minter


def test_two_builds_give_byte_identical_dumps(built: BuildResult, tmp_path: Path) -> None:
    again = build(tmp_path, Minter())
    first = {p.name: p.read_bytes() for p in built.dump_dir.iterdir()}
    second = {p.name: p.read_bytes() for p in again.dump_dir.iterdir()}
    assert first.keys() == second.keys()
    assert {name for name, data in first.items() if second[name] != data} == set()


def test_sha256sums_match_every_dump(built: BuildResult) -> None:
    lines = (built.dump_dir / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    files = {p.name for p in built.dump_dir.iterdir()} - {"SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((built.dump_dir / name).read_bytes()).hexdigest() == digest, name


def test_nquads_dump_holds_every_quad_of_the_store(built: BuildResult) -> None:
    dataset = Dataset()
    dataset.parse(data=gzip.decompress((built.dump_dir / "all.nq.gz").read_bytes()), format="nquads")
    assert len(dataset) == built.quads


def test_dump_listing_links_every_file(server_url: str, built: BuildResult) -> None:
    r = httpx.get(server_url + "dumps/")
    assert r.status_code == 200
    for path in built.dump_dir.iterdir():
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
