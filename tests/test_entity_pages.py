"""Issue 16, item 5: entity pages that help a researcher (statements grouped by source, a timeline, the offices
held as stated, counts, the Wikidata link), server-rendered and escaped, against the real server and data."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx

from tests.conftest import MARKUP_TITLE, LiveServer

ROOT = Path(__file__).resolve().parents[1]
ISHIBA = "id/person/ishiba-shigeru"
NAKATANI = "id/person/nakatani-gen"


class Page(HTMLParser):
    """The text of each element with a class, by class, and every link of a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.by_class: dict[str, list[str]] = {}
        self.hrefs: list[str] = []
        self._open: list[str | None] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a":
            self.hrefs.append(found.get("href") or "")
        if tag in ("br", "meta", "link", "input", "img"):
            return
        css = found.get("class")
        self._open.append(css)
        if css:
            self.by_class.setdefault(css, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for css in {c for c in self._open if c}:
            self.by_class[css][-1] += data


def html(server_url: str, path: str) -> str:
    r = httpx.get(server_url + path, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    return r.text


def sparql_count(server_url: str, entity: str) -> dict[str, int]:
    """Statements per source involving the entity, counted by SPARQL (DISTINCT: the union-graph duplicates)."""
    query = f"""PREFIX kg: <https://w3id.org/akg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
    SELECT ?source (COUNT(DISTINCT ?s) AS ?n) WHERE {{
      ?s kg:speaker|kg:mentions|kg:about|kg:namesPartner <https://w3id.org/akg/{entity}> ;
         kg:anchor/oa:hasSource ?source }} GROUP BY ?source"""
    rows = httpx.get(server_url + "sparql", params={"query": query}, headers={"Accept": "application/json"})
    return {b["source"]["value"]: int(b["n"]["value"]) for b in rows.json()["results"]["bindings"]}


def test_entity_page_groups_statements_by_source_with_correct_counts(server_url: str) -> None:
    text = html(server_url, ISHIBA)
    expected = sparql_count(server_url, ISHIBA)
    assert len(expected) == 3 and sum(expected.values()) == 9
    assert Page(text).by_class["counts"] == ["9 statements from 3 sources, about 10 concepts."]
    sections = text.split('<section class="source-group">')[1:]
    shown = {}
    for section in sections:
        source = re.search(r'<h3><a href="/(id/source/[^"]+)">', section)
        count = re.search(r"(\d+) statements?\.", section)
        assert source and count, section[:300]
        shown["https://w3id.org/akg/" + source[1]] = int(count[1])
        rows = re.findall(r'<tr><td>[^<]*</td><td><a href="/id/statement/', section)
        assert len(rows) == int(count[1])  # each statement once, linked to its page
    assert shown == expected


def test_entity_page_timeline_shows_each_date_at_its_precision_and_status_in_order(server_url: str) -> None:
    text = html(server_url, ISHIBA)
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', text, re.S)
    assert timeline, "no timeline"
    dates = re.findall(r'<time datetime="([0-9-]+)">([^<]+)</time> <small class="date-status">\(([^)]+)\)', timeline[1])
    assert dates[0] == ("2024-10-01", "1 October 2024", "inferred date")
    assert dates[-1] == ("2025-01-12", "12 January 2025", "inferred date")
    assert [d[0] for d in dates] == sorted(d[0] for d in dates)


def test_entity_page_shows_the_offices_held_as_stated_and_the_wikidata_link(server_url: str) -> None:
    page = Page(html(server_url, NAKATANI))
    (offices,) = page.by_class["offices"]
    assert "Minister of Defense (Japan)" in offices and "current holding" in offices
    assert "Japanese Defense Minister Nakatani Gen" in offices  # the source's words
    assert "/id/post/japan-minister-of-defense" in page.hrefs
    with (ROOT / "kg/links/wikidata.sssom.tsv").open() as table:
        rows = csv.DictReader((line for line in table if not line.startswith("#")), delimiter="\t")
        qid = next(r["object_id"] for r in rows if r["subject_id"] == "kgp:nakatani-gen").removeprefix("wd:")
    assert f"https://www.wikidata.org/wiki/{qid}" in page.hrefs


def test_entity_page_shows_a_former_office_with_its_status(server_url: str) -> None:
    (offices,) = Page(html(server_url, "id/person/kobayashi-takayuki")).by_class["offices"]
    assert "former holding" in offices


def test_entity_page_escapes_a_source_title_with_markup(titled_server: LiveServer) -> None:
    text = html(titled_server.url, NAKATANI)
    assert "<script>alert" not in text and "&lt;script&gt;alert(" in text
    (group,) = Page(text).by_class["source-group"]
    assert MARKUP_TITLE in group
