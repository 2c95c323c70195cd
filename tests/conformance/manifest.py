"""Read W3C test manifests (``mf:Manifest``) into plain dataclasses.

The suite lives outside the project, in ``../shared/conformance`` (see ``SOURCES.md`` there). Manifests are
parsed with their ``file://`` IRI as base, so every file they name resolves to a ``file://`` IRI too; test
IRIs keep the ``http://www.w3.org/2009/sparql/docs/tests/...`` namespace the manifests declare.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

#: ``/work/shared/conformance`` when the project is ``/work/main``; CI has it, a bare checkout may not.
CONFORMANCE_DIR = Path(__file__).resolve().parents[3] / "shared" / "conformance"
SPARQL11_DIR = CONFORMANCE_DIR / "sparql11"
#: The namespace of the query and update tests' IRIs (the allow-lists' keys).
NS = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")


def missing_reason() -> str | None:
    """Why the suite cannot run here, or None when it is present."""
    if (SPARQL11_DIR / "manifest-all.ttl").is_file():
        return None
    return f"W3C SPARQL 1.1 test suite not found at {SPARQL11_DIR} (CI provides ../shared/conformance)"


def file_path(iri: str) -> Path:
    """The local path of a ``file://`` IRI."""
    parsed = urlparse(iri)
    if parsed.scheme != "file":
        raise ValueError(f"not a file IRI: {iri}")
    return Path(unquote(parsed.path))


@dataclass(frozen=True)
class StoreState:
    """A whole store as an update test gives it: ``ut:data`` files in the default graph, ``ut:graphData`` files
    each in the named graph its ``rdfs:label`` names.

    Attributes:
        data: ``ut:data`` file IRIs (their union is the default graph).
        graph_data: ``(graph IRI, file IRI)`` pairs, one per ``ut:graphData``.
    """

    data: tuple[str, ...] = ()
    graph_data: tuple[tuple[str, str], ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return (*self.data, *(file for _, file in self.graph_data))


@dataclass(frozen=True)
class TestCase:
    """One manifest entry.

    Attributes:
        iri: the test IRI (the allow-lists are keyed by it).
        directory: the suite directory the manifest is in, e.g. ``aggregates``.
        local_name: the part of the IRI after ``#`` (or the last ``/``), for readable pytest ids.
        type: the local name of its ``rdf:type``, e.g. ``QueryEvaluationTest``.
        name: ``mf:name``.
        approval: ``dawgt:approval`` local name (``Approved``, ``Proposed``...) or ``""`` when absent.
        query: the ``qt:query`` file IRI, or the ``mf:action`` IRI of a syntax test.
        data: the ``qt:data`` file IRIs (loaded into the default graph).
        graph_data: the ``qt:graphData`` file IRIs (each loaded into the named graph with its own IRI).
        result: the ``mf:result`` file IRI, if any.
        before: an update evaluation test's starting store (its ``mf:action``), else None.
        after: an update evaluation test's expected store (its ``mf:result``), else None.
    """

    __test__ = False  # not a pytest test class, despite the name

    iri: str
    directory: str
    local_name: str
    type: str
    name: str
    approval: str = ""
    query: str | None = None
    data: tuple[str, ...] = ()
    graph_data: tuple[str, ...] = ()
    result: str | None = None
    before: StoreState | None = None
    after: StoreState | None = None

    @property
    def is_update(self) -> bool:
        """True for tests whose request is a SPARQL Update (a ``.ru`` file), whatever their type."""
        return self.query is not None and self.query.endswith(".ru")

    @property
    def id(self) -> str:
        """``directory/test-name`` for pytest; numbered syntax tests (``test_4``) get their query file's name too."""
        if self.local_name.startswith("test_") and self.query:
            return f"{self.directory}/{self.local_name}-{Path(file_path(self.query)).stem}"
        return f"{self.directory}/{self.local_name}"


@dataclass(frozen=True)
class Header:
    name: str
    value: str


@dataclass(frozen=True)
class HttpResponseSpec:
    """What an ``ht:Response`` of a protocol or Graph Store Protocol test expects."""

    statuses: tuple[str, ...]  # hts: local names, e.g. "StatusCode2xx", "OK"
    format: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None
    headers: tuple[Header, ...] = ()  # GSP: the expected response headers (only content-type occurs)
    body: str | None = None  # GSP: a graph the response body must be isomorphic to (Turtle)
    location: str | None = None  # GSP: the template variable (``$LOCATION$``) the Location header's value fills


@dataclass(frozen=True)
class HttpRequestSpec:
    """One ``ht:Request`` of a protocol test, byte-for-byte as the manifest gives it."""

    method: str
    absolute_path: str
    headers: tuple[Header, ...]
    body: bytes | None
    response: HttpResponseSpec


@dataclass(frozen=True)
class ProtocolTestCase:
    """One ``mf:ProtocolTest`` or ``mf:GraphStoreProtocolTest``: requests to send in order, and the named graphs
    to preload (protocol tests, §0.3 of PROTOCOL_TESTS.md).
    """

    __test__ = False

    iri: str
    local_name: str
    name: str
    requests: tuple[HttpRequestSpec, ...]
    graph_data: tuple[tuple[str, str], ...] = field(default=())  # (graph IRI, file IRI)
    authority: str = ""  # ht:connectionAuthority, e.g. "www.example"
    requires: tuple[str, ...] = ()  # mf:requires local names, e.g. "DirectGraphIdentification"
    listed: bool = True  # False for a test its manifest defines but leaves out of mf:entries

    @property
    def is_update(self) -> bool:
        """True when the test sends a SPARQL Update (``update_*``, ``bad_update_*``, ``bad_multiple_updates``)."""
        return self.local_name.startswith(("update_", "bad_update_")) or self.local_name == "bad_multiple_updates"


def _local(node: Node | None) -> str:
    if node is None:
        return ""
    text = str(node)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rstrip("/").rsplit("/", 1)[-1]


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


@cache
def _parse(manifest: Path) -> Graph:
    graph = Graph()
    graph.parse(manifest, format="turtle", publicID=manifest.as_uri())
    return graph


def manifests(root: Path | None = None) -> Iterator[Path]:
    """Every manifest reachable from ``manifest-all.ttl`` by ``mf:include``, depth first, in list order."""
    start = root or SPARQL11_DIR / "manifest-all.ttl"
    seen: set[Path] = set()

    def walk(path: Path) -> Iterator[Path]:
        if path in seen:
            return
        seen.add(path)
        yield path
        graph = _parse(path)
        for head in graph.objects(URIRef(path.as_uri()), MF.include):
            for included in _list(graph, head):
                yield from walk(file_path(str(included)))

    yield from walk(start)


def _entries(path: Path) -> tuple[Graph, list[Node]]:
    graph = _parse(path)
    entries: list[Node] = []
    for head in graph.objects(URIRef(path.as_uri()), MF.entries):
        entries.extend(_list(graph, head))
    return graph, entries


def _iris(graph: Graph, subject: Node | None, predicate: URIRef) -> tuple[str, ...]:
    if subject is None:
        return ()
    return tuple(sorted(str(o) for o in graph.objects(subject, predicate)))


def _state(graph: Graph, node: Node | None) -> StoreState:
    """The ``ut:data`` / ``ut:graphData`` of an update test's action or result (empty store when absent)."""
    if node is None:
        return StoreState()
    graph_data = []
    for item in graph.objects(node, UT.graphData):
        label, file = graph.value(item, RDFS.label), graph.value(item, UT.graph)
        if label is None or file is None:
            raise ValueError(f"ut:graphData without rdfs:label or ut:graph in {node}")
        graph_data.append((str(label), str(file)))
    return StoreState(_iris(graph, node, UT.data), tuple(sorted(graph_data)))


def load_tests(root: Path | None = None) -> list[TestCase]:
    """Every entry of every manifest except protocol tests, in manifest order."""
    tests: list[TestCase] = []
    for path in manifests(root):
        graph, entries = _entries(path)
        directory = path.parent.relative_to(SPARQL11_DIR).as_posix()
        for entry in entries:
            kind = _local(graph.value(entry, RDF.type))
            if kind in ("ProtocolTest", "GraphStoreProtocolTest"):
                continue  # run by test_w3c_protocol.py and test_w3c_graph_store.py
            action = graph.value(entry, MF.action)
            query: str | None
            if isinstance(action, BNode):
                query = str(graph.value(action, QT.query) or graph.value(action, UT.request) or "") or None
                data = _iris(graph, action, QT.data)
                graph_data = _iris(graph, action, QT.graphData)
            else:
                query, data, graph_data = (str(action) if action is not None else None), (), ()
            result = graph.value(entry, MF.result)
            before = after = None
            if kind == "UpdateEvaluationTest":
                before, after = _state(graph, action), _state(graph, result)
            tests.append(
                TestCase(
                    iri=str(entry),
                    directory=directory,
                    local_name=_local(entry),
                    type=kind,
                    name=str(graph.value(entry, MF.name) or ""),
                    approval=_local(graph.value(entry, DAWGT.approval)),
                    query=query,
                    data=data,
                    graph_data=graph_data,
                    result=str(result) if isinstance(result, URIRef) else None,
                    before=before,
                    after=after,
                )
            )
    return tests


def _headers(graph: Graph, head: Node | None) -> tuple[Header, ...]:
    return tuple(
        Header(str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue))) for h in _list(graph, head)
    )


def _request(graph: Graph, node: Node) -> HttpRequestSpec:
    headers = _headers(graph, graph.value(node, HT.headers))
    body: bytes | None = None
    body_node = graph.value(node, HT.body)
    if body_node is not None:
        chars = graph.value(body_node, CNT.chars)
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(chars).encode(encoding)
    resp = graph.value(node, HT.resp)
    expected_format = graph.value(resp, MF.expectedFormat)
    expected_boolean = graph.value(resp, MF.expectedBoolean)
    expected_body = graph.value(graph.value(resp, HT.body), CNT.chars) if resp is not None else None
    expected_location = graph.value(resp, MF.expectedLocation)
    response = HttpResponseSpec(
        statuses=tuple(sorted(_local(s) for s in graph.objects(resp, MF.expectedStatus))),
        format=str(expected_format) if expected_format is not None else None,
        boolean=expected_boolean.toPython() if isinstance(expected_boolean, Literal) else None,
        headers=_headers(graph, graph.value(resp, HT.headers)),
        body=str(expected_body) if expected_body is not None else None,
        location=str(expected_location) if expected_location is not None else None,
    )
    return HttpRequestSpec(
        method=str(graph.value(node, HT.methodName)),
        absolute_path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        response=response,
    )


def load_protocol_tests(manifest: Path | None = None) -> list[ProtocolTestCase]:
    """The ``mf:ProtocolTest`` entries of ``protocol/manifest.ttl``, in manifest order."""
    graph, entries = _entries(manifest or SPARQL11_DIR / "protocol" / "manifest.ttl")
    tests: list[ProtocolTestCase] = []
    for entry in entries:
        action = graph.value(entry, MF.action)
        requests = tuple(_request(graph, r) for r in _list(graph, graph.value(action, HT.requests)))
        graph_data = tuple(
            sorted(
                (str(graph.value(g, RDFS.label)), str(graph.value(g, UT.graph)))
                for g in graph.objects(entry, UT.graphData)
            )
        )
        tests.append(
            ProtocolTestCase(
                iri=str(entry),
                local_name=_local(entry),
                name=str(graph.value(entry, MF.name) or ""),
                requests=requests,
                graph_data=graph_data,
            )
        )
    return tests


GSP_MANIFEST = SPARQL11_DIR / "graph-store-protocol" / "manifest.ttl"


def load_graph_store_tests(root: Path | None = None) -> list[ProtocolTestCase]:
    """The ``mf:GraphStoreProtocolTest`` entries of ``graph-store-protocol/manifest.ttl`` and the manifests it
    includes, in manifest order, then those a manifest defines but does not list (``listed=False``).
    """
    tests: list[ProtocolTestCase] = []
    for path in manifests(root or GSP_MANIFEST):
        graph, entries = _entries(path)
        defined = sorted(set(graph.subjects(RDF.type, MF.GraphStoreProtocolTest)) - set(entries), key=str)
        for entry in [*entries, *defined]:
            action = graph.value(entry, MF.action)
            tests.append(
                ProtocolTestCase(
                    iri=str(entry),
                    local_name=_local(entry),
                    name=str(graph.value(entry, MF.name) or ""),
                    requests=tuple(_request(graph, r) for r in _list(graph, graph.value(action, HT.requests))),
                    authority=str(graph.value(action, HT.connectionAuthority) or ""),
                    requires=tuple(sorted(_local(r) for r in graph.objects(entry, MF.requires))),
                    listed=entry in entries,
                )
            )
    return tests
