"""The W3C SPARQL 1.1 Graph Store HTTP Protocol tests (``sparql11/graph-store-protocol/``), over real HTTP.

``manifest.ttl`` includes ``manifest-direct.ttl`` (4 listed tests, plus ``head_non_existing_direct``, which is
defined there but left out of ``mf:entries``; it is run too) and ``manifest-indirect.ttl`` (9 tests). Each
``mf:GraphStoreProtocolTest`` is a list of ``ht:Request``s sent in order (``PROTOCOL_TESTS.md`` §2):

* **Path.** ``/gsp`` is our ``/store``. Indirect identification (``/gsp?graph=…``, ``/gsp?default``) keeps its
  query string byte-for-byte. Direct identification (the request URL *is* the graph IRI, ``/gsp/person/1.ttl``)
  is not served here, so it is mapped onto the equivalent indirect request: the graph IRI direct identification
  would give (``http://`` + ``ht:connectionAuthority`` + path, i.e. ``http://www.example/gsp/person/1.ttl``),
  percent-encoded into ``/store?graph=``. Same graph, method, headers and body; only the URL routing of direct
  identification (``mf:DirectGraphIdentification``, which this server does not claim) is not exercised.
* **Headers.** Only the manifest's (httpx's default ``Accept`` is removed), plus ``Authorization: Bearer <token>``
  on every request: the manifests carry no credentials and the server only writes with its token.
* **``$LOCATION$``.** A response with ``mf:expectedLocation`` must carry ``Location``; its value replaces
  ``$LOCATION$`` as-is in the later requests' paths and bodies.
* **Checks.** The status must be one of ``mf:expectedStatus``. An expected ``content-type`` is compared by media
  type, case-insensitively; the ``charset`` parameter, when both give one, must match. An expected body is parsed
  as Turtle and the response body (parsed in its own content type) must be isomorphic to it. A HEAD response
  must have no body.

The store is emptied before each test (several tests expect ``201 Created`` on their first PUT, and compare whole
graphs). Whatever does not simply pass is listed in :data:`ALLOW_LIST` with its cause; XFAILs are strict.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.conformance.manifest import missing_reason

if (_missing := missing_reason()) is not None:
    pytest.skip(_missing, allow_module_level=True)

import httpx
import pyoxigraph as ox

from kg.store import OxigraphStore
from tests.conformance.allow import marks
from tests.conformance.manifest import HttpRequestSpec, ProtocolTestCase, load_graph_store_tests
from tests.conformance.results import compare_graphs, parse_graph
from tests.conformance.server import AUTHORIZATION, collect_garbage, conformance_client

GSP = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/http-rdf-update/manifest#"
MANIFEST_PREFIX = "/gsp"
ENDPOINT = "/store"
LOCATION = "$LOCATION$"

#: Every GSP test that is not expected to pass: test IRI -> (SKIP or XFAIL, reason). XFAILs are strict.
ALLOW_LIST: dict[str, tuple[str, str]] = {}

#: hts: status classes and codes used by the manifests -> the statuses they accept.
STATUS: dict[str, range] = {
    "StatusCode2xx": range(200, 300),
    "StatusCode3xx": range(300, 400),
    "StatusCode4xx": range(400, 500),
    "OK": range(200, 201),
    "Created": range(201, 202),
    "NoContent": range(204, 205),
    "NotFound": range(404, 405),
}
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

TESTS = load_graph_store_tests()


def _params() -> list[object]:
    return [
        pytest.param(test, id=f"graph-store-protocol/{test.local_name}", marks=marks(ALLOW_LIST.get(test.iri)))
        for test in TESTS
    ]


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore.in_memory(union_default_graph=False)


@pytest.fixture(scope="module")
def client(store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with conformance_client(store, tmp_path_factory.mktemp("w3c-gsp")) as http:
        yield http


def request_path(absolute_path: str, authority: str) -> str:
    """Our path for a manifest path: ``/gsp?…`` -> ``/store?…`` byte-for-byte; a direct ``/gsp/x`` -> the
    indirect ``/store?graph=`` + the percent-encoded graph IRI ``http://{authority}/gsp/x``.

    >>> request_path("/gsp?graph=http%3A%2F%2Fwww.example%2Fgsp%2Fperson%2F1.ttl", "www.example")
    '/store?graph=http%3A%2F%2Fwww.example%2Fgsp%2Fperson%2F1.ttl'
    >>> request_path("/gsp/person/1.ttl", "www.example")
    '/store?graph=http%3A%2F%2Fwww.example%2Fgsp%2Fperson%2F1.ttl'
    """
    assert absolute_path.startswith(MANIFEST_PREFIX), absolute_path
    rest = absolute_path.removeprefix(MANIFEST_PREFIX)
    if rest == "" or rest.startswith("?"):
        return ENDPOINT + rest
    assert rest.startswith("/") and "?" not in rest, absolute_path
    return f"{ENDPOINT}?graph={quote(f'http://{authority}{absolute_path}', safe='')}"


def _send(client: httpx.Client, test: ProtocolTestCase, spec: HttpRequestSpec, location: str | None) -> httpx.Response:
    path, body = spec.absolute_path, spec.body
    if location is not None:
        path = path.replace(LOCATION, location)
        body = body.replace(LOCATION.encode(), location.encode()) if body is not None else None
    assert LOCATION not in path, f"{path}: no Location header to fill {LOCATION} with"
    request = client.build_request(spec.method, request_path(path, test.authority), content=body)
    del request.headers["accept"]  # only the manifest's headers
    for header in spec.headers:
        request.headers[header.name] = header.value
    request.headers.update(AUTHORIZATION)
    return client.send(request)


def _media_type(value: str) -> tuple[str, str | None]:
    """``(media type, charset or None)``, both lower-cased."""
    media_type, *params = (part.strip().lower() for part in value.split(";"))
    charsets = [p.partition("=")[2].strip('"') for p in params if p.startswith("charset=")]
    return media_type, charsets[0] if charsets else None


def _check(spec: HttpRequestSpec, response: httpx.Response) -> str | None:
    """None when the response has the expected headers and body, else the problem."""
    expected = spec.response
    for header in expected.headers:
        if header.name.lower() != "content-type":
            return f"unexpected response header expectation {header.name!r}"
        want, got = _media_type(header.value), _media_type(response.headers.get("content-type", ""))
        if want[0] != got[0] or (want[1] and got[1] and want[1] != got[1]):
            return f"expected content-type {header.value!r}, got {response.headers.get('content-type')!r}"
    if spec.method == "HEAD" and response.content:
        return f"HEAD response with a body of {len(response.content)} bytes"
    if expected.body is not None:
        media_type = _media_type(response.headers.get("content-type", ""))[0]
        if media_type not in RDF_FORMATS:
            return f"expected an RDF graph, got content-type {media_type!r}"
        base = str(response.url)
        actual = parse_graph(response.content, RDF_FORMATS[media_type], base_iri=base)
        wanted = parse_graph(expected.body.encode(), ox.RdfFormat.TURTLE, base_iri=base)
        return compare_graphs(wanted, actual)
    return None


@pytest.mark.parametrize("test", _params())
def test_w3c_graph_store(test: ProtocolTestCase, store: OxigraphStore, client: httpx.Client) -> None:
    store.raw.clear()
    location: str | None = None
    for number, spec in enumerate(test.requests, 1):
        response = _send(client, test, spec, location)
        collect_garbage()
        where = f"request {number} ({spec.method} {spec.absolute_path})"
        accepted = [STATUS[s] for s in spec.response.statuses]
        assert any(response.status_code in r for r in accepted), (
            f"{where}: expected {spec.response.statuses}, got HTTP {response.status_code}: {response.text[:500]}"
        )
        problem = _check(spec, response)
        assert problem is None, f"{where}: {problem}"
        if spec.response.location is not None:
            assert spec.response.location == LOCATION, spec.response.location
            assert "location" in response.headers, f"{where}: no Location header"
            location = response.headers["location"]


def test_manifests_have_the_13_tests_of_protocol_tests_md() -> None:
    assert sum(t.listed for t in TESTS) == 13
    assert [t.local_name for t in TESTS if not t.listed] == ["head_non_existing_direct"]
    assert sorted(set(ALLOW_LIST) - {t.iri for t in TESTS}) == []
