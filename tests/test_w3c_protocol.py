"""The W3C SPARQL 1.1 Protocol tests (``sparql11/protocol/manifest.ttl``), query operation, over real HTTP.

Each ``mf:ProtocolTest`` is a list of ``ht:Request``s sent in order, byte-for-byte: the method, the path with
its query string exactly as percent-encoded in the manifest (``/sparql/`` replaced by our ``/sparql``), only
the headers the manifest gives (httpx's default ``Accept`` is removed; protocol tests send none) and the body
in its ``cnt:characterEncoding``. Each response must have one of the expected status classes, and where the
test says so, the expected result format (``boolean``/``tabular``/``RDF``) and ASK value. Before each test the
store is emptied and the ``ut:graphData`` files are loaded into the named graphs their labels give
(``/work/shared/conformance/PROTOCOL_TESTS.md`` §0.3).

Update tests belong to the writes issue; they are skipped, as listed in :data:`ALLOW_LIST`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.manifest import missing_reason

if (_missing := missing_reason()) is not None:
    pytest.skip(_missing, allow_module_level=True)

import httpx
import pyoxigraph as ox

from kg.store import OxigraphStore
from tests.conformance.manifest import HttpRequestSpec, ProtocolTestCase, file_path, load_protocol_tests
from tests.conformance.results import parse_graph, parse_results
from tests.conformance.server import running_server

SKIP, XFAIL = "skip", "xfail"
P = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
MANIFEST_PREFIX = "/sparql/"
ENDPOINT = "/sparql"

_UPDATE = "updates belong to the writes issue (read-only endpoint)"

#: Every protocol test that is not expected to pass: test IRI -> (SKIP or XFAIL, reason). XFAILs are strict.
ALLOW_LIST: dict[str, tuple[str, str]] = {
    P + "update_dataset_default_graph": (SKIP, _UPDATE),
    P + "update_dataset_default_graphs": (SKIP, _UPDATE),
    P + "update_dataset_named_graphs": (SKIP, _UPDATE),
    P + "update_dataset_full": (SKIP, _UPDATE),
    P + "update_post_form": (SKIP, _UPDATE),
    P + "update_post_direct": (SKIP, _UPDATE),
    P + "update_base_uri": (SKIP, _UPDATE),
    P + "bad_update_get": (SKIP, _UPDATE),
    P + "bad_multiple_updates": (SKIP, _UPDATE),
    P + "bad_update_wrong_media_type": (SKIP, _UPDATE),
    P + "bad_update_missing_form_type": (SKIP, _UPDATE),
    P + "bad_update_non_utf8": (SKIP, _UPDATE),
    P + "bad_update_syntax": (SKIP, _UPDATE),
    P + "bad_update_dataset_conflict": (SKIP, _UPDATE),
}

#: hts: status classes and codes used by the manifest -> the statuses they accept.
STATUS: dict[str, range] = {
    "StatusCode2xx": range(200, 300),
    "StatusCode3xx": range(300, 400),
    "StatusCode4xx": range(400, 500),
    "OK": range(200, 201),
    "Created": range(201, 202),
    "NoContent": range(204, 205),
    "NotFound": range(404, 405),
}
RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: "boolean" results may be XML or JSON; "tabular" ones XML, JSON, CSV or TSV.
EXPECTED_FORMATS = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": tuple(RESULT_FORMATS),
}
RDF_FORMATS = {
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}

TESTS = load_protocol_tests()


def _params() -> list[object]:
    params = []
    for test in TESTS:
        marks: list[pytest.MarkDecorator] = []
        if test.iri in ALLOW_LIST:
            kind, reason = ALLOW_LIST[test.iri]
            marks.append(
                pytest.mark.skip(reason=reason) if kind == SKIP else pytest.mark.xfail(reason=reason, strict=True)
            )
        params.append(pytest.param(test, id=f"protocol/{test.local_name}", marks=marks))
    return params


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore.in_memory(union_default_graph=False)


@pytest.fixture(scope="module")
def client(store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with (
        running_server(store, tmp_path_factory.mktemp("w3c-protocol")) as url,
        httpx.Client(base_url=url, timeout=60, follow_redirects=False) as http,
    ):
        yield http


def _preload(store: OxigraphStore, test: ProtocolTestCase) -> None:
    """Empty the store, then load each ``ut:graphData`` file into the graph named by its label (§0.3)."""
    store.raw.clear()
    for graph, iri in test.graph_data:
        store.raw.load(path=file_path(iri), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))


def _send(client: httpx.Client, spec: HttpRequestSpec) -> httpx.Response:
    assert spec.absolute_path.startswith(MANIFEST_PREFIX), spec.absolute_path
    rest = spec.absolute_path.removeprefix(MANIFEST_PREFIX)  # "" or "?query-string", kept byte-for-byte
    assert rest == "" or rest.startswith("?"), spec.absolute_path
    path = ENDPOINT + rest
    request = client.build_request(spec.method, path, content=spec.body)
    del request.headers["accept"]  # only the manifest's headers: protocol tests send no Accept
    for header in spec.headers:
        request.headers[header.name] = header.value
    return client.send(request)


def _check_format(spec: HttpRequestSpec, response: httpx.Response) -> str | None:
    """None when the body has the expected format (and ASK value), else the problem."""
    expected = spec.response
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if expected.format in EXPECTED_FORMATS:
        if media_type not in EXPECTED_FORMATS[expected.format]:
            return f"expected a {expected.format} result in {EXPECTED_FORMATS[expected.format]}, got {media_type!r}"
        if media_type == "text/csv":
            return None if response.text.strip() else "empty CSV result"
        table = parse_results(response.content, RESULT_FORMATS[media_type])
        if expected.format == "boolean" and table.boolean is None:
            return f"expected an ASK result, got a SELECT result with {table.variables}"
        if expected.format == "tabular" and table.boolean is not None:
            return "expected a SELECT result, got an ASK result"
        if expected.boolean is not None and table.boolean != expected.boolean:
            return f"expected ASK {expected.boolean}, got {table.boolean}"
    elif expected.format == "RDF":
        if media_type not in RDF_FORMATS:
            return f"expected RDF in {tuple(RDF_FORMATS)}, got {media_type!r}"
        parse_graph(response.content, RDF_FORMATS[media_type], base_iri=str(response.url))
    elif expected.format is not None:
        return f"unknown mf:expectedFormat {expected.format!r}"
    return None


@pytest.mark.parametrize("test", _params())
def test_w3c_protocol(test: ProtocolTestCase, store: OxigraphStore, client: httpx.Client) -> None:
    _preload(store, test)
    for number, spec in enumerate(test.requests, 1):
        response = _send(client, spec)
        accepted = [STATUS[s] for s in spec.response.statuses]
        assert any(response.status_code in r for r in accepted), (
            f"request {number} ({spec.method} {spec.absolute_path}): expected {spec.response.statuses}, "
            f"got HTTP {response.status_code}: {response.text[:500]}"
        )
        if response.status_code in range(200, 300):
            problem = _check_format(spec, response)
            assert problem is None, f"request {number} ({spec.method} {spec.absolute_path}): {problem}"


def test_manifest_has_the_34_tests_of_protocol_tests_md() -> None:
    assert len(TESTS) == 34
    assert sorted(set(ALLOW_LIST) - {t.iri for t in TESTS}) == []
