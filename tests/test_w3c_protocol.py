"""The W3C SPARQL 1.1 Protocol tests (``sparql11/protocol/manifest.ttl``), query and update, over real HTTP.

Each ``mf:ProtocolTest`` is a list of ``ht:Request``s sent in order, byte-for-byte: the method, the path with
its query string exactly as percent-encoded in the manifest (``/sparql/`` replaced by our ``/sparql``, which
takes both operations), only the headers the manifest gives (httpx's default ``Accept`` is removed; protocol
tests send none) and the body in its ``cnt:characterEncoding``. Each response must have one of the expected
status classes, and where the test says so, the expected result format (``boolean``/``tabular``/``RDF``) and
ASK value. Before each test the store is emptied and the ``ut:graphData`` files are loaded into the named graphs
their labels give (``/work/shared/conformance/PROTOCOL_TESTS.md`` §0.3).

The server is writable. The manifests carry no credentials, so every request of an update test (``update_*``,
``bad_update_*``, ``bad_multiple_updates``) gets ``Authorization: Bearer <token>`` added: a ``bad_update_*`` test
must then fail for the reason it tests, not for a missing token (401). The runner also checks what the manifest
cannot say: a request that must be rejected must not change the store (:data:`SENTINEL` is preloaded for them).

The query tests that set a dataset (``query_dataset_*``, ``query_multiple_dataset``: protocol parameters, and a
query ``FROM`` they override) run a second time on the production configuration, a store whose default graph is
the union of its named graphs, as under ``kg serve`` (issue 12).
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
from tests.conformance.allow import marks
from tests.conformance.manifest import HttpRequestSpec, ProtocolTestCase, file_path, load_protocol_tests
from tests.conformance.results import parse_graph, parse_results
from tests.conformance.server import AUTHORIZATION, collect_garbage, conformance_client

P = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
MANIFEST_PREFIX = "/sparql/"
ENDPOINT = "/sparql"
#: The dedicated update endpoint: the update tests run a second time with their update requests sent there.
UPDATE_ENDPOINT = "/update"
SPARQL_QUERY = "application/sparql-query"

#: Every protocol test that is not expected to pass: test IRI -> (SKIP or XFAIL, reason). XFAILs are strict.
ALLOW_LIST: dict[str, tuple[str, str]] = {}

#: Preloaded before every test whose requests must all be rejected: one quad in the default graph and one in the
#: graph that ``bad_update_dataset_conflict``'s update would change (Bill -> William), so that CLEAR NAMED,
#: CLEAR DEFAULT, CLEAR ALL or that update, if wrongly executed, would show.
SENTINEL = (
    ox.Quad(
        ox.NamedNode("http://example/sentinel"),
        ox.NamedNode("http://xmlns.com/foaf/0.1/givenName"),
        ox.Literal("Bill"),
        ox.DefaultGraph(),
    ),
    ox.Quad(
        ox.NamedNode("http://example/sentinel"),
        ox.NamedNode("http://xmlns.com/foaf/0.1/givenName"),
        ox.Literal("Bill"),
        ox.NamedNode("http://example/addresses"),
    ),
)

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
        test_marks = marks(ALLOW_LIST.get(test.iri))
        params.append(pytest.param(test, ENDPOINT, id=f"protocol/{test.local_name}", marks=test_marks))
        if test.is_update:
            params.append(
                pytest.param(test, UPDATE_ENDPOINT, id=f"protocol/{test.local_name}@update", marks=test_marks)
            )
    return params


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore.in_memory(union_default_graph=False)


@pytest.fixture(scope="module")
def client(store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with conformance_client(store, tmp_path_factory.mktemp("w3c-protocol")) as http:
        yield http


@pytest.fixture(scope="module")
def union_store() -> OxigraphStore:
    """The production configuration: the default graph is the union of the named graphs."""
    return OxigraphStore.in_memory(union_default_graph=True)


@pytest.fixture(scope="module")
def union_client(union_store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with conformance_client(union_store, tmp_path_factory.mktemp("w3c-protocol-union")) as http:
        yield http


def _must_fail(test: ProtocolTestCase) -> bool:
    """True when every request of the test expects a 4xx (the ``bad_*`` tests)."""
    return all(spec.response.statuses == ("StatusCode4xx",) for spec in test.requests)


def _preload(store: OxigraphStore, test: ProtocolTestCase) -> None:
    """Empty the store, then load each ``ut:graphData`` file into the graph named by its label (§0.3), and the
    :data:`SENTINEL` quads for a test whose requests must all be rejected."""
    store.raw.clear()
    for graph, iri in test.graph_data:
        store.raw.load(path=file_path(iri), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    if _must_fail(test):
        store.raw.extend(SENTINEL)


def _is_check_query(spec: HttpRequestSpec) -> bool:
    """The ASK an update test sends after its update (a direct POST of ``application/sparql-query``)."""
    return any(h.name.lower() == "content-type" and h.value == SPARQL_QUERY for h in spec.headers)


def _send(
    client: httpx.Client, spec: HttpRequestSpec, authorize: bool = False, endpoint: str = ENDPOINT
) -> httpx.Response:
    assert spec.absolute_path.startswith(MANIFEST_PREFIX), spec.absolute_path
    rest = spec.absolute_path.removeprefix(MANIFEST_PREFIX)  # "" or "?query-string", kept byte-for-byte
    assert rest == "" or rest.startswith("?"), spec.absolute_path
    path = endpoint + rest
    request = client.build_request(spec.method, path, content=spec.body)
    del request.headers["accept"]  # only the manifest's headers: protocol tests send no Accept
    for header in spec.headers:
        request.headers[header.name] = header.value
    if authorize:
        request.headers.update(AUTHORIZATION)
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


@pytest.mark.parametrize(("test", "update_endpoint"), _params())
def test_w3c_protocol(test: ProtocolTestCase, update_endpoint: str, store: OxigraphStore, client: httpx.Client) -> None:
    """``update_endpoint``: where the update requests go (``/sparql``, or ``/update``); the check queries and the
    query tests always go to ``/sparql``."""
    _run(test, update_endpoint, store, client)


DATASET_TESTS = [t for t in TESTS if not t.is_update and "dataset" in t.local_name]


@pytest.mark.parametrize(
    "test", [pytest.param(t, id=f"protocol/{t.local_name}", marks=marks(ALLOW_LIST.get(t.iri))) for t in DATASET_TESTS]
)
def test_w3c_protocol_dataset_on_the_union_default_store(
    test: ProtocolTestCase, union_store: OxigraphStore, union_client: httpx.Client
) -> None:
    _run(test, ENDPOINT, union_store, union_client)


def _run(test: ProtocolTestCase, update_endpoint: str, store: OxigraphStore, client: httpx.Client) -> None:
    _preload(store, test)
    before = set(store.raw)
    for number, spec in enumerate(test.requests, 1):
        endpoint = ENDPOINT if _is_check_query(spec) else update_endpoint
        response = _send(client, spec, authorize=test.is_update, endpoint=endpoint)
        if test.is_update:
            collect_garbage()
        where = f"request {number} ({spec.method} {spec.absolute_path} -> {response.url.path})"
        accepted = [STATUS[s] for s in spec.response.statuses]
        assert any(response.status_code in r for r in accepted), (
            f"{where}: expected {spec.response.statuses}, got HTTP {response.status_code}: {response.text[:500]}"
        )
        if response.status_code in range(200, 300):
            problem = _check_format(spec, response)
            assert problem is None, f"{where}: {problem}"
    if _must_fail(test):
        assert set(store.raw) == before, "a rejected request changed the store"


def test_manifest_has_the_34_tests_of_protocol_tests_md() -> None:
    assert len(TESTS) == 34
    assert len(DATASET_TESTS) == 6
    assert sum(t.is_update for t in TESTS) == 14
    assert sorted(set(ALLOW_LIST) - {t.iri for t in TESTS}) == []
