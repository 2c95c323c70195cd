"""The query UI in a real headless browser (Debian's chromium, driven by Playwright): it works offline."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Route

from kg.build import BuildResult
from tests.browser import launched_browser


def test_running_an_example_shows_its_result_rows_without_leaving_the_server(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.goto(server_url + "query")
    page.click("button[data-example='1']")  # CQ2, the five trends
    page.wait_for_selector(".yasr table tbody tr", timeout=15_000)
    rows = page.locator(".yasr table tbody tr")
    assert rows.count() == 5
    assert "expanded role for ASEAN in security" in rows.nth(1).inner_text()
    assert hosts == {urlparse(server_url).netloc}, f"the page reached out to {hosts}"
    page.close()


def test_every_competency_question_is_an_example(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    page.goto(server_url + "query")
    labels = page.locator("button[data-example]").all_inner_texts()
    assert labels[:3] == ["CQ1", "CQ2", "CQ3"] and {"CQ14", "CQ15", "CQ16", "CQ17"} <= set(labels)
    page.close()


def test_entity_page_escapes_data_and_renders(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    page.goto(server_url + "id/person/nakatani-gen")
    assert page.locator("h1").inner_text() == "Nakatani Gen"
    assert page.locator("table.statements tr").count() > 3
    page.close()


def test_a_script_in_the_data_is_shown_not_run(browser: Browser, built: BuildResult, tmp_path: Path) -> None:
    """HTML pages escape all data: a literal holding a <script> element appears as text."""
    import shutil

    import httpx

    from tests.conftest import serve

    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copytree(built.dump_dir, tmp_path / "dumps")
    server = serve(tmp_path, {"KG_WRITE_TOKEN": "t"})
    url = next(server).url
    try:
        hostile = "<script>window.pwned = true</script><img src=x onerror='window.pwned = true'>"
        update = (
            "INSERT DATA { GRAPH <https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy> { "
            "<https://w3id.org/akg/id/person/nakatani-gen> <http://www.w3.org/2004/02/skos/core#altLabel> "
            f'"{hostile}"@en '
            "} }"
        )
        r = httpx.post(url + "update", data={"update": update}, headers={"Authorization": "Bearer t"})
        assert r.status_code == 200, r.text
        page = browser.new_page()
        page.goto(url + "id/person/nakatani-gen")
        page.wait_for_load_state("load")
        assert page.evaluate("window.pwned === undefined")
        assert hostile in page.locator("table.properties").inner_text()
        page.close()
    finally:
        server.close()


def record_csp_violations(page: Page) -> list[str]:
    """Collects every Content-Security-Policy violation the page reports (events and console errors)."""
    violations: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if m.type == "error" and ("CSP" in m.text or "Content Security Policy" in m.text)
            else None
        ),
    )
    return violations


def test_query_editor_runs_a_query_under_the_content_security_policy(browser: Browser, server_url: str) -> None:
    page = browser.new_page()
    violations = record_csp_violations(page)
    response = page.goto(server_url + "query")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.click("button[data-example='1']")  # CQ2, the five trends
    page.wait_for_selector(".yasr table tbody tr", timeout=15_000)
    assert page.locator(".yasr table tbody tr").count() == 5
    page.locator(".CodeMirror").click()  # typing in the editor too: CodeMirror lays out as it goes
    page.keyboard.type(" ")
    assert violations == []
    page.close()


def test_javascript_iri_is_shown_as_text_not_link(browser: Browser, built: BuildResult, tmp_path: Path) -> None:
    """A ``javascript:`` IRI written into the graph is text on the entity page: no link, and a click runs nothing."""
    import httpx

    from tests.conftest import serve

    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copytree(built.dump_dir, tmp_path / "dumps")
    server = serve(tmp_path, {"KG_WRITE_TOKEN": "t"})
    url = next(server).url
    try:
        hostile = "javascript:alert(document.domain)"
        update = (
            "INSERT DATA { GRAPH <https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy> { "
            f"<https://w3id.org/akg/id/person/nakatani-gen> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{hostile}> "
            "} }"
        )
        r = httpx.post(url + "update", data={"update": update}, headers={"Authorization": "Bearer t"})
        assert r.status_code == 200, r.text
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url + "id/person/nakatani-gen")
        assert page.locator("a[href^='javascript:' i]").count() == 0
        shown = page.locator("table.properties div", has_text=hostile)
        assert shown.count() == 1
        assert shown.locator("a").count() == 0
        shown.click()
        # A javascript: navigation started by the click is a queued task: two frames later it would have run.
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        assert dialogs == []
        assert page.url == url + "id/person/nakatani-gen"
        page.close()
    finally:
        server.close()


@pytest.mark.parametrize("path", ["", "ontology", "dumps/", "id/person/nakatani-gen"])
def test_pages_load_without_content_security_policy_violations(browser: Browser, server_url: str, path: str) -> None:
    page = browser.new_page()
    violations = record_csp_violations(page)
    response = page.goto(server_url + path)
    page.wait_for_load_state("load")
    assert response is not None and "default-src 'none'" in response.headers["content-security-policy"]
    assert violations == []
    page.close()


def test_api_explorer_lists_the_operations_offline_under_the_page_policy(browser: Browser, server_url: str) -> None:
    """/api runs Swagger UI from this server (npm's swagger-ui-dist): any request elsewhere is aborted."""
    page = browser.new_page()
    violations = record_csp_violations(page)
    elsewhere: list[str] = []
    server = urlparse(server_url).netloc

    def only_this_server(route: Route) -> None:
        if urlparse(route.request.url).netloc == server:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    response = page.goto(server_url + "api")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/sparql" in paths and "/store" in paths
    page.wait_for_load_state("networkidle")
    assert elsewhere == []
    assert violations == []
    page.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_browser() as launched:
        yield launched
