"""Data-aware completion (issue 16, item 2): ``GET /complete`` on the real server, and in the editor in chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from kg.build import BuildResult
from tests.browser import launched_browser
from tests.conftest import serve

GRAPH = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
NAKATANI = "https://w3id.org/akg/id/person/nakatani-gen"


def complete(server_url: str, kind: str, q: str, **params: str) -> list[dict[str, object]]:
    r = httpx.get(server_url + "complete", params={"kind": kind, "q": q, **params})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return r.json()["results"]


def test_complete_class_in_use_with_its_instance_count(server_url: str) -> None:
    results = complete(server_url, "class", "kg:Direct")
    assert results[0]["prefixed"] == "kg:DirectQuotation"
    assert results[0]["iri"] == "https://w3id.org/akg/ontology#DirectQuotation"
    assert isinstance(results[0]["count"], int) and results[0]["count"] > 0


def test_complete_class_by_a_word_of_its_name_without_prefix(server_url: str) -> None:
    assert "kg:DirectQuotation" in [r["prefixed"] for r in complete(server_url, "class", "quot")]


def test_complete_property_in_use_most_used_first(server_url: str) -> None:
    results = complete(server_url, "property", "kg:speaker")
    assert [r["prefixed"] for r in results][:2] == ["kg:speaker", "kg:speakerCapacity"]
    assert results[0]["count"] >= results[1]["count"]


def test_complete_entity_by_a_label_prefix_in_any_case(server_url: str) -> None:
    results = complete(server_url, "entity", "nakatani g")
    assert results[0]["iri"] == NAKATANI
    assert results[0]["label"] == "Nakatani Gen" and results[0]["lang"] == "en"


def test_complete_entity_by_a_later_word_of_its_label(server_url: str) -> None:
    assert NAKATANI in [r["iri"] for r in complete(server_url, "entity", "Gen")]


def test_complete_entity_leaves_out_statements_whose_labels_are_sentences(server_url: str) -> None:
    """Entities by label are named things (persons, organisations, places, concepts…), not statements: keyed from
    every word, statement labels swamped every short prefix (issue 16: p95 624 ms at 1M quads)."""
    query = """PREFIX kg: <https://w3id.org/akg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?s ?label WHERE { ?s a kg:DirectQuotation ; rdfs:label ?label } ORDER BY ?label LIMIT 1"""
    r = httpx.post(server_url + "sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    row = r.json()["results"]["bindings"][0]
    iris = [x["iri"] for x in complete(server_url, "entity", row["label"]["value"][:12], limit="100")]
    assert row["s"]["value"] not in iris and not any("/statement/" in str(iri) for iri in iris), iris


def test_complete_entities_rank_by_uses(server_url: str) -> None:
    counts = [r["count"] for r in complete(server_url, "entity", "kishida fumio", limit="10")]
    assert counts[0] == max(counts) and counts[0] > 0


def test_complete_prefix_gives_the_projects_namespaces(server_url: str) -> None:
    assert complete(server_url, "prefix", "sko") == [
        {"iri": "http://www.w3.org/2004/02/skos/core#", "prefixed": "skos:", "label": None, "lang": None, "count": 0}
    ]


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"kind": "label", "q": "x"}, "Unknown kind"),
        ({"q": "x"}, "kind"),
        ({"kind": "entity", "q": "x" * 201}, "at most 200"),
        ({"kind": "entity", "q": "x", "limit": "0"}, "limit"),
    ],
)
def test_complete_bad_parameters_are_400_with_a_reason(server_url: str, params: dict[str, str], said: str) -> None:
    r = httpx.get(server_url + "complete", params=params)
    assert r.status_code == 400, r.text
    assert said in r.text and "Traceback" not in r.text


def test_complete_answers_markup_as_json_data(server_url: str) -> None:
    """What is typed comes back as a JSON string; nothing of it is echoed as HTML."""
    r = httpx.get(server_url + "complete", params={"kind": "entity", "q": "<script>"})
    assert r.status_code == 200 and r.json()["q"] == "<script>" and r.json()["results"] == []


def test_a_label_written_is_completed_right_after_the_write(built: BuildResult, tmp_path: Path) -> None:
    """The table is tied to the data version: a write makes the next completion see it, never a stale table."""
    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copytree(built.dump_dir, tmp_path / "dumps")
    server = serve(tmp_path, {"KG_WRITE_TOKEN": "t", "KG_PROCESSES": "2"})
    url = next(server).url
    try:
        assert complete(url, "entity", "Zorblat") == []
        label = f'<{NAKATANI}> <http://www.w3.org/2004/02/skos/core#altLabel> "Zorblat Gen"@en'
        update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {label} }} }}"
        r = httpx.post(url + "update", data={"update": update}, headers={"Authorization": "Bearer t"})
        assert r.status_code == 200, r.text
        for _ in range(4):  # whichever serving process answers
            results = complete(url, "entity", "zorbl")
            assert [(x["iri"], x["label"]) for x in results] == [(NAKATANI, "Zorblat Gen")]
    finally:
        server.close()


EDITOR = "document.querySelector('.CodeMirror').CodeMirror"


def type_at_end(page: Page, text: str, typed: str) -> list[str]:
    """Puts ``text`` in the editor, types ``typed`` at its end key by key, and returns the suggestions shown."""
    page.evaluate(
        f"(t) => {{ const cm = {EDITOR}; cm.setValue(t); cm.focus(); cm.setCursor(cm.lineCount(), 0); }}", text
    )
    page.keyboard.type(typed)
    page.wait_for_selector(".CodeMirror-hints li", timeout=10_000)
    return page.locator(".CodeMirror-hints li").all_inner_texts()


@pytest.fixture
def editor(browser: Browser, server_url: str) -> Iterator[Page]:
    page = browser.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server_url) else elsewhere.append(r.url))
    page.goto(server_url + "query")
    page.wait_for_selector(".CodeMirror")
    yield page
    assert elsewhere == [], "completion asked a server other than ours (prefix.cc, LOV)"
    page.close()


def test_typing_a_label_in_a_term_position_suggests_entities_and_inserts_the_iri(editor: Page) -> None:
    hints = type_at_end(editor, "SELECT * WHERE {\n  ?s ?p naka", "t")
    assert hints[0].startswith("Nakatani Gen @en") and NAKATANI in hints[0]
    editor.keyboard.press("Enter")
    assert editor.evaluate(f"() => {EDITOR}.getValue()").endswith(f"?s ?p <{NAKATANI}>")


def test_typing_after_a_shows_classes_in_use_and_declares_their_prefix(editor: Page) -> None:
    hints = type_at_end(editor, "SELECT * WHERE {\n  ?s a Dire", "c")
    assert hints[0].startswith("kg:DirectQuotation")
    editor.keyboard.press("Enter")
    text = editor.evaluate(f"() => {EDITOR}.getValue()")
    assert text.startswith("PREFIX kg: <https://w3id.org/akg/ontology#>") and text.endswith("?s a kg:DirectQuotation")


def test_typing_a_predicate_shows_properties_most_used_first(editor: Page) -> None:
    hints = type_at_end(editor, "PREFIX kg: <https://w3id.org/akg/ontology#>\nSELECT * WHERE {\n  ?s kg:spea", "k")
    assert [h.split()[0] for h in hints][:2] == ["kg:speaker", "kg:speakerCapacity"]


def test_typing_a_prefix_declaration_suggests_the_projects_prefixes(editor: Page) -> None:
    hints = type_at_end(editor, "PREFIX sk", "o")
    assert hints == ["skos: <http://www.w3.org/2004/02/skos/core#>"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_browser() as launched:
        yield launched
