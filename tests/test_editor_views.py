"""The query editor's result views, view choice, permalink and downloads (issue 16, items 3 and 4), in chromium
against the real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page

from kg.build import BuildResult
from kg.store import OxigraphStore
from tests.browser import launched_browser
from tests.conformance.server import running_server
from tests.test_newcomer import Page as FormPage
from tests.test_query_ui import record_csp_violations

PREFIXES = """PREFIX kg: <https://w3id.org/akg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
#: Dates at each precision: CQ6's items with their kg:dateValue (xsd:date, xsd:gYearMonth, xsd:gYear).
DATES = (
    PREFIXES
    + """SELECT DISTINCT ?item ?date ?label WHERE {
  ?item kg:date/kg:dateValue ?date . OPTIONAL { ?item rdfs:label ?label }
} ORDER BY ?date"""
)
#: Speakers and the concepts they spoke about: two IRI columns.
SPEAKERS_CONCEPTS = (
    PREFIXES
    + """SELECT DISTINCT ?speaker ?speakerLabel ?concept ?conceptLabel WHERE {
  ?s kg:speaker ?speaker ; kg:about ?concept .
  ?speaker rdfs:label ?speakerLabel . ?concept skos:prefLabel ?conceptLabel .
}"""
)
#: Statements per speaker: a label and a number.
PER_SPEAKER = (
    PREFIXES
    + """SELECT ?speaker (COUNT(DISTINCT ?s) AS ?statements) WHERE {
  ?s kg:speaker/rdfs:label ?speaker .
} GROUP BY ?speaker ORDER BY DESC(?statements)"""
)


def open_query(page: Page, server_url: str, query: str) -> None:
    """Opens the permalink of ``query``, which runs it, and waits for a view to be drawn."""
    page.goto(server_url + "query?" + urlencode({"query": query}))
    page.wait_for_selector(".yasr_results > *", timeout=15_000)


def selected_view(page: Page) -> str:
    return page.locator(".yasr_btnGroup .yasr_btn.selected").inner_text().strip()


def expected_rows(server_url: str, query: str) -> list[dict[str, dict[str, str]]]:
    r = httpx.post(server_url + "sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def test_dates_are_drawn_on_a_timeline_with_their_precision(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    violations = record_csp_violations(page)
    open_query(page, server_url, DATES)
    assert selected_view(page) == "Timeline"
    items = page.locator(".kg-timeline g.item")
    rows = expected_rows(server_url, DATES)
    assert items.count() == len(rows)
    precisions = {"2025-05": "month", "2021": "year", "2025-05-30": "day"}
    drawn = dict(
        zip(
            items.evaluate_all("els => els.map(e => e.dataset.date)"),
            items.evaluate_all("els => els.map(e => e.dataset.precision)"),
            strict=True,
        )
    )
    for date, precision in precisions.items():
        assert drawn[date] == precision
    # A month is drawn about 30 times as wide as a day, a year 12 times a month (same axis).
    width = {
        p: page.locator(f".kg-timeline g.precision-{p} rect").first.evaluate("r => r.getBBox().width")
        for p in ("month", "year")
    }
    assert 10 < width["year"] / width["month"] < 14
    assert violations == []
    page.close()


def test_two_iri_columns_are_drawn_as_a_network(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    violations = record_csp_violations(page)
    open_query(page, server_url, SPEAKERS_CONCEPTS)
    assert selected_view(page) == "Network"
    rows = expected_rows(server_url, SPEAKERS_CONCEPTS)
    network = page.locator(".kg-network")
    nodes = {r["speaker"]["value"] for r in rows} | {r["concept"]["value"] for r in rows}
    edges = {(r["speaker"]["value"], r["concept"]["value"]) for r in rows}
    assert network.get_attribute("data-nodes") == str(len(nodes))
    assert network.get_attribute("data-edges") == str(len(edges))
    assert network.locator("canvas").count() > 0
    assert violations == []
    page.close()


def test_a_label_and_a_number_are_drawn_as_a_bar_chart(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    violations = record_csp_violations(page)
    open_query(page, server_url, PER_SPEAKER)
    assert selected_view(page) == "Bar chart"
    rows = expected_rows(server_url, PER_SPEAKER)
    bars = page.evaluate(
        "() => Chart.getChart(document.querySelector('.kg-barchart canvas')).getDatasetMeta(0).data.length"
    )
    labels = page.evaluate("() => Chart.getChart(document.querySelector('.kg-barchart canvas')).data.labels")
    assert bars == len(rows) and labels == [r["speaker"]["value"] for r in rows]
    assert violations == []
    page.close()


#: Dates and two IRI columns: a timeline by its shape, a network or a table when the query says so.
DATED_SPEAKERS_CONCEPTS = (
    PREFIXES
    + """SELECT DISTINCT ?speaker ?concept ?date WHERE {
  ?s kg:speaker ?speaker ; kg:about ?concept ; kg:date/kg:dateValue ?date .
}"""
)


@pytest.mark.parametrize(("comment", "view"), [("", "Timeline"), ("#defaultView:Network\n", "Network")])
def test_default_view_comment_picks_the_view(browser: Browser, server_url: str, comment: str, view: str) -> None:
    page = browser.new_page()
    open_query(page, server_url, comment + DATED_SPEAKERS_CONCEPTS)
    assert selected_view(page) == view
    page.close()


def test_permalink_round_trips_the_query_and_runs_it(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    page.goto(server_url + "query")
    page.wait_for_selector(".CodeMirror")
    query = "# a shared query: <b>not markup</b> & more\n" + PER_SPEAKER
    page.evaluate("(q) => document.querySelector('.CodeMirror').CodeMirror.setValue(q)", query)
    link = page.locator("#permalink").get_attribute("href")
    assert link is not None
    shared = browser.new_page()
    shared.goto(link)
    shared.wait_for_selector(".yasr_results > *", timeout=15_000)
    assert shared.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()") == query
    assert selected_view(shared) == "Bar chart"  # it ran
    shared.close()
    page.close()


HOSTILE = "ASK { <x:a> ?p '</textarea><script>alert(1)</script>' }"


def test_permalink_holds_the_query_as_data_in_the_editor_page(server_url: str) -> None:
    r = httpx.get(server_url + "query", params={"query": HOSTILE})
    assert r.status_code == 200, r.text
    assert "</textarea><script>" not in r.text and "\\u003c/textarea\\u003e" in r.text


def test_permalink_fills_the_plain_form_without_node(built: BuildResult, tmp_path: Path) -> None:
    """Without the editor (no npm), the link opens the plain form holding the query, escaped."""
    with running_server(OxigraphStore.open(built.store_path), tmp_path, assets_dir=tmp_path / "none") as url:
        r = httpx.get(url + "/query", params={"query": HOSTILE})
    assert r.status_code == 200, r.text
    form = FormPage(r.text)
    assert form.scripts == 0 and form.fields["query"] == HOSTILE


@pytest.mark.parametrize(
    ("button", "media_type", "filename"),
    [
        ("csv", "text/csv", "query.csv"),
        ("tsv", "text/tab-separated-values", "query.tsv"),
        ("json", "application/sparql-results+json", "query.json"),
    ],
)
def test_download_gives_the_result_in_its_media_type(
    browser: Browser, server_url: str, button: str, media_type: str, filename: str
) -> None:
    page = browser.new_page()
    open_query(page, server_url, PER_SPEAKER)
    with (
        page.expect_response(
            lambda r: r.url.endswith("/sparql") and r.request.headers.get("accept") == media_type
        ) as answer,
        page.expect_download() as download,
    ):
        page.click(f"button[data-download='{button}']")
    assert answer.value.status == 200
    assert answer.value.headers["content-type"].split(";")[0] == media_type
    assert download.value.suggested_filename == filename
    body = Path(download.value.path()).read_text(encoding="utf-8")
    rows = expected_rows(server_url, PER_SPEAKER)
    assert rows[0]["speaker"]["value"] in body
    page.close()


def test_download_of_a_construct_gives_a_graph(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    open_query(page, server_url, PREFIXES + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a kg:Person ; rdfs:label ?l }")
    with page.expect_response(lambda r: r.url.endswith("/sparql")) as answer, page.expect_download() as download:
        page.click("button[data-download='csv']")
    assert answer.value.headers["content-type"].split(";")[0] == "text/turtle"
    assert download.value.suggested_filename == "query.ttl"
    page.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_browser() as launched:
        yield launched
