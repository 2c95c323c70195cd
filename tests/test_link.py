"""`kg link` against a local stand-in for the Wikidata Query Service (tests/fixtures/wikidata, a TEST FIXTURE).

The real command runs on the real build and talks HTTP to a second instance of our own server that serves the
fixture; the review file it writes is read back with an independent SSSOM parser (sssom-pydantic) and with
kg/link/mappings.py's own reader.
"""

from __future__ import annotations

import datetime
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
import sssom_pydantic
from typer.testing import CliRunner

from kg.build import BuildResult, compile_sources
from kg.cli import app
from kg.errors import LinkError
from kg.iris import Minter
from kg.link.entities import load_entities
from kg.link.mappings import link_quads, read_mapping_set
from kg.link.proposals import VERIFIED_TABLE, read_table
from kg.link.wikidata import USER_AGENT, WikidataClient, values_block
from kg.store import OxigraphStore
from kg.validate import validate_quads
from tests.fixtures.wikidata.standin import running_standin

runner = CliRunner()
SATAKE, SANKEI, ECONOMIC = "kgp:satake-tomohiko", "kgo:sankei-shimbun", "kgpost:japan-minister-of-economic-security"
RIGHT, DECOY, DISAMBIGUATION = "wd:Q99900000001", "wd:Q99900000002", "wd:Q99900000003"


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str
    path: Path
    rows: list[dict[str, str]]

    def of(self, subject: str) -> list[dict[str, str]]:
        """The rows of one subject, best first (the file keeps kg link's ranking)."""
        return [r for r in self.rows if r["subject_id"] == subject]


@pytest.fixture(scope="module")
def standin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_standin(tmp_path_factory.mktemp("standin")) as url:
        yield url


def link(built: BuildResult, out: Path, *args: str) -> Run:
    result = runner.invoke(app, ["link", "--build-dir", str(built.store_path.parent), "--out", str(out), *args])
    rows = read_table(out)[1] if out.exists() else []
    return Run(result.exit_code, result.output, out, rows)


@pytest.fixture(scope="module")
def default_run(built: BuildResult, standin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = link(built, tmp_path_factory.mktemp("link") / "proposals.sssom.tsv", "--endpoint", standin_url)
    assert run.exit_code == 0, run.output
    return run


def test_proposes_the_right_item_for_a_person_and_ranks_the_same_name_decoy_lower(default_run: Run) -> None:
    rows = default_run.of(SATAKE)
    assert [(r["object_id"], r["confidence"]) for r in rows] == [(RIGHT, "0.850"), (DECOY, "0.300")]
    assert "P27 Q17 matches the article's country" in rows[0]["comment"]
    assert "P27 Q30 contradicts" in rows[1]["comment"]
    # below the default threshold (0.9): a proposal for a curator, not a link
    assert [r["review"] for r in rows] == ["review", "review"]
    # the same-name disambiguation page is not even a candidate (type constraint P31 human)
    assert DISAMBIGUATION not in {r["object_id"] for r in default_run.rows}


def test_refuses_to_choose_between_equally_good_candidates(default_run: Run) -> None:
    rows = default_run.of(SANKEI)
    assert sorted(r["object_id"] for r in rows) == ["wd:Q99900000004", "wd:Q99900000005"]
    assert {r["confidence"] for r in rows} == {"0.850"}
    assert all(r["review"] == "review" and r["comment"].startswith("ambiguous: 2 candidates") for r in rows)
    assert "ambiguous  Sankei Shimbun" in default_run.output


def test_only_a_clear_winner_is_marked_accept_as_a_lexical_match(default_run: Run) -> None:
    accepted = [r for r in default_run.rows if r["review"] == "accept"]
    assert [(r["subject_id"], r["object_id"], r["confidence"]) for r in accepted] == [
        (ECONOMIC, "wd:Q99900000007", "1.000")
    ]
    [row] = accepted
    assert row["mapping_justification"] == "semapv:LexicalMatching"
    assert row["mapping_tool"] == "kg link"
    assert "held (P39) by Q11461955" in row["comment"]  # Kobayashi, the post's holder in our graph


def test_only_unlinked_entities_are_reconciled(default_run: Run, built: BuildResult) -> None:
    minter = Minter()
    entities = load_entities(OxigraphStore.open(built.store_path))
    linked = {e.iri for e in entities if e.wikidata}
    assert "https://w3id.org/akg/id/person/nakatani-gen" in linked
    meta, _ = read_table(default_run.path)
    curie_map: dict[str, str] = meta["curie_map"]  # type: ignore[assignment]
    subjects = {curie_map[r["subject_id"].split(":")[0]] + r["subject_id"].split(":", 1)[1] for r in default_run.rows}
    assert subjects and not subjects & linked
    assert all(s.startswith(minter.base) for s in subjects)


def test_the_threshold_decides_what_is_marked_accept(built: BuildResult, standin_url: str, tmp_path: Path) -> None:
    lower = link(built, tmp_path / "lower.tsv", "--endpoint", standin_url, "--threshold", "0.8")
    assert lower.exit_code == 0, lower.output
    assert [(r["object_id"], r["review"]) for r in lower.of(SATAKE)] == [(RIGHT, "accept"), (DECOY, "reject")]
    # an exact tie stays ambiguous whatever the threshold
    assert {r["review"] for r in lower.of(SANKEI)} == {"review"}
    strict = link(built, tmp_path / "strict.tsv", "--endpoint", standin_url, "--margin", "1", "--threshold", "1")
    assert strict.exit_code == 0, strict.output
    assert {r["review"] for r in strict.rows} == {"accept", "review"}  # 1.00 with no runner-up still passes
    assert [r["subject_id"] for r in strict.rows if r["review"] == "accept"] == [ECONOMIC]


def test_the_review_file_is_valid_sssom(default_run: Run) -> None:
    pack = sssom_pydantic.read(default_run.path)
    assert len(pack.mappings) == len(default_run.rows) == 6
    for mapping in pack.mappings:
        assert mapping.predicate.curie == "owl:sameAs"
        assert mapping.justification.curie == "semapv:LexicalMatching"
        assert 0 <= mapping.confidence <= 1
        assert mapping.mapping_tool is not None and mapping.mapping_tool.name == "kg link"
        assert mapping.extensions["review"].value in ("accept", "review", "reject")
    # and kg/link/mappings.py reads it as it reads the verified table (the two extra columns are ignored)
    assert len(read_mapping_set(default_run.path, Minter()).mappings) == 6


def test_accept_moves_accepted_rows_into_the_verified_table_and_the_build_takes_them(
    default_run: Run, built: BuildResult, tmp_path: Path
) -> None:
    links_dir = tmp_path / "links"
    links_dir.mkdir()
    table = links_dir / "wikidata.sssom.tsv"
    shutil.copy(VERIFIED_TABLE, table)
    before = len(read_mapping_set(table, Minter()).mappings)
    args = ["link", "--accept", "--out", str(default_run.path), "--links", str(table), "--reviewer", "a curator"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"accepted: {ECONOMIC} owl:sameAs wd:Q99900000007" in result.output
    mappings = read_mapping_set(table, Minter()).mappings
    assert len(mappings) == before + 1
    new = mappings[-1]
    assert new.object == "http://www.wikidata.org/entity/Q99900000007"
    assert new.comment.startswith("Evidence: kg link against http://127.0.0.1:")
    assert new.comment.endswith(f"; accepted by a curator on {datetime.date.today().isoformat()}")
    # accepting again adds nothing
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "0 link(s) added" in again.output
    # "the next build": the table compiles into a link with its evidence, and the graph still conforms
    quads, _ = compile_sources(Minter())
    known = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    links = link_quads(Minter(), known, links_dir)
    post = ox.NamedNode("https://w3id.org/akg/id/post/japan-minister-of-economic-security")
    assert ox.Quad(
        post,
        ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
        ox.NamedNode("http://www.wikidata.org/entity/Q99900000007"),
        ox.NamedNode("https://w3id.org/akg/graph/links-wikidata"),
    ) in set(links)
    assert validate_quads(quads + links).conforms


def test_accept_refuses_two_accepted_candidates_for_one_entity(default_run: Run, tmp_path: Path) -> None:
    lines = default_run.path.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = [line.replace("\treview\n", "\taccept\n") if line.startswith(SATAKE) else line for line in lines]
    proposals = tmp_path / "edited.tsv"
    proposals.write_text("".join(edited), encoding="utf-8")
    table = tmp_path / "wikidata.sssom.tsv"
    shutil.copy(VERIFIED_TABLE, table)
    result = runner.invoke(app, ["link", "--accept", "--out", str(proposals), "--links", str(table)])
    assert result.exit_code == 2
    assert "two rows accepted for" in result.output
    assert table.read_text(encoding="utf-8") == VERIFIED_TABLE.read_text(encoding="utf-8")


def test_an_unreachable_endpoint_is_one_clear_error(built: BuildResult, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sparql"
    out = tmp_path / "proposals.tsv"
    run = link(built, out, "--endpoint", url, "--retries", "1", "--backoff", "0")
    assert run.exit_code == 2
    lines = run.output.strip().splitlines()
    assert len(lines) == 1, run.output
    assert lines[0].startswith(f"error: cannot reach the Wikidata endpoint {url} (ConnectError")
    assert "2 attempt(s)" in lines[0]
    assert not out.exists()


def test_labels_reach_the_endpoint_as_correctly_escaped_literals(standin_url: str) -> None:
    nasty = "Say \"hi\" \\ or 'bye'\n} } SELECT * { # not code"
    query = "SELECT ?name WHERE { } " + values_block(("name",), [(ox.Literal(nasty, language="en"),)])
    with WikidataClient(standin_url, retries=0) as client:
        [row] = client.select(query)
    assert row["name"] == ox.Literal(nasty, language="en")


class _Flaky(BaseHTTPRequestHandler):
    """An endpoint that answers 429, then 503, then a result; it records what it was sent."""

    seen: ClassVar[list[tuple[str, str, str, str]]] = []
    result: ClassVar[str] = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": []}})
    answers: ClassVar[list[tuple[int, str]]] = [(429, ""), (503, ""), (200, result)]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"])).decode()
        self.seen.append(
            (
                self.headers["user-agent"],
                self.headers["content-type"],
                self.headers["accept"],
                parse_qs(body)["query"][0],
            )
        )
        status, payload = self.answers[min(len(self.seen), len(self.answers)) - 1]
        data = payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        pass


def test_the_client_retries_with_backoff_and_identifies_itself() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    waits: list[float] = []
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        with WikidataClient(url, retries=3, backoff=0.5, sleep=waits.append) as client:
            assert client.select("SELECT ?x WHERE {}") == []
            assert client.requests == 3
        _Flaky.seen.clear()
        with WikidataClient(url, retries=1, backoff=0.5, sleep=waits.append) as client, pytest.raises(LinkError) as err:
            client.select("SELECT ?x WHERE {}")
    finally:
        server.shutdown()
        thread.join()
    assert waits == [0.0, 1.0, 0.0]  # Retry-After: 0 for the 429, then 0.5 * 2 for the 503; then a 429 again
    assert "(HTTP 503, 2 attempt(s))" in str(err.value)
    user_agent, content_type, accept, query = _Flaky.seen[0]
    assert user_agent == USER_AGENT
    assert content_type == "application/x-www-form-urlencoded" and accept == "application/sparql-results+json"
    assert query == "SELECT ?x WHERE {}"


def test_status_lists_every_entity_as_linked_proposal_or_none(default_run: Run, built: BuildResult) -> None:
    args = ["link", "--status", "--build-dir", str(built.store_path.parent), "--out", str(default_run.path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    status = {line.split("\t")[0]: line.split("\t")[2:] for line in result.output.splitlines()}
    assert status["Nakatani Gen"][:2] == ["linked", "wd:Q5530859"]
    assert status["Nakatani Gen"][2].startswith("Evidence: github everypolitician")
    assert status["Satake Tomohiko"] == ["proposal", RIGHT, "review, score 0.850 (2 candidate(s))"]
    assert status["Sankei Shimbun"][0:1] == ["proposal"] and status["Sankei Shimbun"][2].startswith("ambiguous")
    assert status["BS Fuji"] == ["none", "", ""]
    assert len(status) == len(load_entities(OxigraphStore.open(built.store_path)))
