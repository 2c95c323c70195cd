"""Issue 12, item 3 (stored XSS): links from data only to http(s) and our own pages, and the browser security
headers on every HTML page (server/html.py), against the real server. The browser side is in test_query_ui.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from kg.build import BuildResult
from tests.conftest import LiveServer, serve

TOKEN = "test-token-html"
ARTICLE = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
NAKATANI = "https://w3id.org/akg/id/person/nakatani-gen"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
HTML_PAGES = ["", "query", "ontology", "dumps/", "id/person/nakatani-gen", "api"]
UNSAFE_IRIS = [
    "javascript:alert(1)",
    "JavaScript:alert(2)",
    "vbscript:msgbox(3)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
]
SAFE_IRIS = ["https://example.org/a", "http://example.org/b"]


class Links(HTMLParser):
    """The links of a page, and its text outside links."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text = ""
        self._depth = 0
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._depth:
            self.text += data


@pytest.fixture(scope="module")
def hostile(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A writable server whose data links Nakatani Gen to IRIs of every scheme, written through /update."""
    copy = tmp_path_factory.mktemp("hostile")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    for server in serve(copy, {"KG_WRITE_TOKEN": TOKEN}):
        objects = " , ".join(f"<{iri}>" for iri in UNSAFE_IRIS + SAFE_IRIS)
        update = f"INSERT DATA {{ GRAPH <{ARTICLE}> {{ <{NAKATANI}> <{SEE_ALSO}> {objects} }} }}"
        r = httpx.post(server.url + "update", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        yield server


def test_only_http_and_https_iris_from_the_data_become_links(hostile: LiveServer) -> None:
    page = Links(httpx.get(hostile.url + "id/person/nakatani-gen", headers={"Accept": "text/html"}).text)
    assert all(href.startswith(("/", "http://", "https://")) for href in page.hrefs), page.hrefs
    assert set(SAFE_IRIS) <= set(page.hrefs)
    for iri in UNSAFE_IRIS:
        assert iri in page.text  # shown as text, outside any link


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_forbids_inline_scripts_framing_and_sniffing(server_url: str, path: str) -> None:
    r = httpx.get(server_url + path, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    policy = {d.split()[0]: d.split()[1:] for d in r.headers["content-security-policy"].split("; ")}
    assert policy["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("sparql?query=ASK%7B%7D", {}),  # the hot path, outside gzip and CORS
        ("sparql?query=ASK%7B%7D", {"Origin": "https://example.org", "Accept-Encoding": "gzip"}),  # inside them
        ("sparql?query=ASK", {}),  # a protocol error from the hot path
        ("sparql", {}),  # the service description
        ("health", {}),
        ("dumps/SHA256SUMS", {}),
        ("static/kg/site.css", {}),
        ("id/person/nobody", {"Accept": "text/html"}),  # an error page: plain text, never HTML
    ],
)
def test_every_response_is_nosniff(server_url: str, path: str, headers: dict[str, str]) -> None:
    r = httpx.get(server_url + path, headers=headers)
    assert r.headers["x-content-type-options"] == "nosniff", r.headers
    assert not r.headers["content-type"].startswith("text/html")


@pytest.fixture(scope="module")
def faulty(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose dump directory has a file where serving a dump makes its working directory (``.serving``)."""
    copy = tmp_path_factory.mktemp("faulty")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    shutil.rmtree(copy / "dumps" / ".serving", ignore_errors=True)
    (copy / "dumps" / ".serving").write_text("not a directory")
    yield from serve(copy)


def test_an_unhandled_error_is_a_nosniff_500(faulty: LiveServer) -> None:
    r = httpx.get(faulty.url + "dumps/SHA256SUMS")  # FileExistsError, which no handler maps: FastAPI's 500
    assert r.status_code == 500, r.text
    assert r.text.startswith("Internal server error (request id ")
    assert r.headers["x-content-type-options"] == "nosniff", r.headers
