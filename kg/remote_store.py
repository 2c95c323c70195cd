""":class:`kg.store.GraphStore` over any SPARQL 1.1 engine reached through the protocol (``KG_STORE=<URL>``).

Answers come back as the same pyoxigraph objects the embedded store gives (``QuerySolutions``, ``QueryBoolean``,
``QueryTriples``), so the server, the entity pages, VoID and the dumps run unchanged on top of it.

The named-graph policy is :mod:`kg.store`'s. An engine's own default graph is not ours: Virtuoso's, for one, is
every graph it holds, its system graphs included (``virtrdf#``, ``ldp#``…). So a query that does not name its
dataset must see only our graphs — those under ``{base}graph/``, less the draft graphs unless ``include_drafts``
— as its default graph and its named graphs. How it is told so is chosen once, by what the engine accepts:

- Virtuoso: the graphs it must *not* see, as ``define input:default-graph-exclude`` and
  ``input:named-graph-exclude`` pragmas in front of the query (NOT FROM / NOT FROM NAMED,
  https://docs.openlinksw.com/virtuoso/rdfgraphsecuritynotfrom/). They are the engine's few other graphs, so the
  request stays small however many sources we have (938 graphs at 1M quads; sent as a list they made a 137 KB
  request and 128 KB of response headers, docs/deployment.md). A graph group cannot do it alone: Virtuoso 7.2
  takes one as ``default-graph-uri`` but refuses it in ``named-graph-uri`` (SP031). One exception: once any
  graph is excluded, Virtuoso 7.2 answers a constant ``GRAPH <g> { … }`` with no rows (``GRAPH ?g`` is right).
  A query that names a graph by a constant therefore lists our graphs as ``define input:named-graph-uri``
  pragmas instead (~63 KB and ~6 ms more per query at 1,000 graphs; tests/test_issue_15_graphs.py).
- Any other SPARQL 1.1 engine: our graphs as ``default-graph-uri`` and ``named-graph-uri`` (Protocol §2.1.4),
  whose size grows with the number of graphs.

A request's own dataset is passed on as it is; a query's ``FROM``/``FROM NAMED`` are left to the engine.

Time limits: ``timeout`` (seconds) goes to the engine as Virtuoso's ``timeout`` parameter (milliseconds), and the
HTTP read waits no longer. Virtuoso may then answer 200 with what it found so far (``X-SQL-State: S1TAT``): such an
answer is never passed on, it is an :class:`~kg.errors.EngineTimeout`.

Writes (the SHACL-gated write core, :mod:`kg.writes`) go through :meth:`SparqlEngineStore.write_view` and
:meth:`SparqlEngineStore.commit`: see :mod:`kg.engine_writes`. The engine must let our server update it
through the protocol (Virtuoso: ``GRANT SPARQL_UPDATE TO "SPARQL"``, :func:`kg.engines.virtuoso.allow_updates`).

Tested against Virtuoso Open Source 7 (tests/engines.py); loading is engine-specific (:mod:`kg.engines.virtuoso`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg.changes import Diff
from kg.depth import check_depth
from kg.engine_http import EngineHttp, Reply
from kg.engine_writes import ASK_VERSION, ASK_WRITTEN, DEFAULT_GRAPH, WRITES_GRAPH, EngineMirror, fetch_quads
from kg.errors import EngineTimeout, StoreUnavailable
from kg.federation import without_services
from kg.iris import KG, Minter
from kg.queries import pin
from kg.sparql_text import names_a_graph
from kg.store import Bindings, Dataset, QueryResult, names_its_dataset, query_form

#: What the engine is asked for: SPARQL JSON results, or N-Triples for graphs (both parsed by pyoxigraph).
_RESULTS = "application/sparql-results+json"
_TRIPLES = "application/n-triples"
#: Virtuoso's SQL state for "incomplete results, query interrupted by result timeout".
_PARTIAL = "S1TAT"
#: Seconds the HTTP read waits beyond the time limit given to the engine (it answers a little after it).
READ_SLACK = 2.0
#: Seconds the HTTP read waits for the engine to apply a write (a big one takes a while: ~10 s per 100k triples).
WRITE_WAIT = 3600.0
#: Every graph the engine holds (without the filter, Virtuoso 7.2 does not finish listing them), and the drafts.
_ALL_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?g)) }"
_DRAFT_GRAPHS = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{KG.DraftGraph}> }} }}"
#: Whether the engine takes Virtuoso's graph-exclusion pragmas (any other engine refuses the query).
_EXCLUDE_PROBE = "define input:default-graph-exclude <urn:x-kg:probe> ASK {}"
#: Never in our dataset, even before the graph list knows them: our bookkeeping (kg.engine_writes).
_NEVER_OURS = frozenset({WRITES_GRAPH, DEFAULT_GRAPH})
#: The dataset of a query when we have no graph at all (a graph nobody writes: the empty dataset).
_NO_GRAPH = "urn:x-kg:no-graph"
#: An empty store that parses each query before the engine gets it (:func:`check_syntax`).
_PARSER = ox.Store()
#: What makes a blank node label from another engine one pyoxigraph accepts (Virtuoso's are ``nodeID://b1``).
_LABEL_JUNK = re.compile(r"[^A-Za-z0-9_]")
#: A prologue that declares a BASE (after any comments and PREFIX declarations): Virtuoso refuses a second BASE.
_OWN_BASE = re.compile(r"(?:\s|#[^\n]*+|PREFIX\s*+[^\s:]*+:\s*+<[^>]*+>)*+BASE\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Graphs:
    """What the engine holds, as the store sorts it: ``ours`` (drafts included), the ``visible`` ones queries
    see by default, and ``every`` graph the engine holds, its own and our bookkeeping included."""

    ours: list[str]
    visible: list[str]
    every: frozenset[str]


class SparqlEngineStore:
    """:class:`kg.store.GraphStore` over the SPARQL 1.1 protocol endpoint at ``url`` (read side).

    Args:
        url: the engine's query endpoint, e.g. ``http://127.0.0.1:8890/sparql``.
        base_iri: the data's base IRI; our named graphs are those under ``{base}graph/``.
        include_drafts: let queries that do not name their dataset see the draft graphs too.
        timeout: the time limit (seconds) of a query that gives none of its own.
    """

    def __init__(
        self, url: str, *, base_iri: str | None = None, include_drafts: bool = False, timeout: float = 30.0
    ) -> None:
        self.url = url
        self.timeout = timeout
        self._prefix = Minter(base_iri).graph("") if base_iri else Minter().graph("")
        self._include_drafts = include_drafts
        self._http = EngineHttp(url)
        self._lock = threading.Lock()
        self._graphs: _Graphs | None = None
        self._excludes: bool | None = None  # the engine takes the exclusion pragmas (asked once)
        self._count: int | None = None
        self._mirror: EngineMirror | None = None  # the writer's copy of our graphs (kg.engine_writes)

    def close(self) -> None:
        self._http.close()

    def ping(self) -> None:
        """Check that the engine answers ``ASK {}`` within 5 s.

        Raises:
            StoreUnavailable: it does not.
        """
        self._send({"query": "ASK {}"}, _RESULTS, 5.0)

    def query(
        self,
        sparql: str,
        dataset: Dataset = Dataset(),
        substitutions: Bindings | None = None,
        base_iri: str | None = None,
        *,
        timeout: float | None = None,
    ) -> QueryResult:
        """Evaluate a query on the engine (see :meth:`kg.store.GraphStore.query`).

        Raises:
            SyntaxError: the engine refused the query (400), with its message.
            QueryTooDeep: it could overflow our parser's stack or the engine's (:mod:`kg.depth`).
            StoreUnavailable: the engine cannot be reached.
            EngineTimeout: the engine did not finish within the time limit.
            ValueError: ``base_iri`` is not an IRI.
        """
        check_depth(sparql)
        if substitutions:
            sparql = pin(sparql, {variable.value: term for variable, term in substitutions.items()})  # type: ignore[misc]
        check_syntax(sparql, base_iri)
        if base_iri is not None and not declares_base(sparql):  # the engine takes no base parameter
            sparql = f"BASE {ox.NamedNode(base_iri)}\n{sparql}"
        form = query_form(sparql)
        params: dict[str, str | list[str]] = {"query": sparql}
        if dataset.default_graphs or dataset.named_graphs:
            params["default-graph-uri"] = list(dataset.default_graphs)
            params["named-graph-uri"] = list(dataset.named_graphs)
        elif not names_its_dataset(sparql):
            graphs = self._graph_lists()
            params = self._scoped(sparql, graphs.visible, graphs)
        limit = self.timeout if timeout is None else max(0.001, min(timeout, self.timeout))
        triples = form in ("CONSTRUCT", "DESCRIBE")
        response = self._send(params, _TRIPLES if triples else _RESULTS, limit)
        if triples:
            return _as_query_triples(response.body)
        return ox.parse_query_results(_json_with_plain_labels(response.body), format=ox.QueryResultsFormat.JSON)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of our graphs that queries see, or those of one named graph."""
        graphs = [graph] if graph is not None else self._graph_lists().visible
        for name in graphs:
            node = ox.NamedNode(name)
            triples = self.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", Dataset(default_graphs=(name,)), timeout=self.timeout
            )
            for triple in triples:  # type: ignore[union-attr]
                yield ox.Quad(triple.subject, triple.predicate, triple.object, node)

    def graphs(self) -> list[str]:
        """Our named graphs that queries see, sorted."""
        return list(self._graph_lists().visible)

    def __len__(self) -> int:
        """The quads in our named graphs (draft graphs included, as the embedded store counts them)."""
        if self._count is None:
            graphs = self._graph_lists()
            if not graphs.ours:
                return 0
            params = self._scoped("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", graphs.ours, graphs)
            counted = _solutions(self._send(params, _RESULTS, self.timeout).body)
            self._count = int(next(iter(counted))["n"].value)
        return self._count

    def all_graphs(self) -> list[str]:
        """Our named graphs, draft graphs included (what a load replaces)."""
        return list(self._graph_lists().ours)

    def refresh(self) -> None:
        """Forget the graphs and the count, asked once and remembered (after a load changed them)."""
        self._graphs = None
        self._count = None

    @property
    def union_default_graph(self) -> bool:
        """Queries see the union of our graphs as their default graph (as the embedded store's do)."""
        return True

    def write_view(self) -> ox.Store:
        """What the write core reads: our graphs, in memory, as they are on the engine (:mod:`kg.engine_writes`).

        Raises:
            StoreUnavailable: the engine cannot be reached.
        """
        if self._mirror is None:
            named = "virtuoso" in self._send({"query": "ASK {}"}, _RESULTS, 5.0).headers.get("server", "").lower()
            self._mirror = EngineMirror(
                lambda: fetch_quads(self.all_graphs(), self.quads),
                self._write_version,
                self._update,
                lambda graph: graph.startswith(self._prefix),
                named_blank_nodes=named,
            )
        return self._mirror.view()

    def commit(self, diff: Diff, drop_graphs: tuple[ox.NamedNode, ...] = ()) -> None:
        """Apply a diff the gate validated, in one update request (all or nothing on the engine).

        Raises:
            UnnamedBlankNode: it removes a blank node the engine cannot name.
            StoreUnavailable: the engine cannot be reached.
            OSError: the engine refused the update.
        """
        if self._mirror is None:
            self.write_view()
        assert self._mirror is not None
        try:
            self._mirror.commit(diff, drop_graphs)
        except (StoreUnavailable, EngineTimeout, OSError):
            self._mirror.forget()  # whether the engine applied it is not known: read it again
            raise
        finally:
            self.refresh()

    def _write_version(self) -> str:
        rows = _solutions(self._send({"query": ASK_VERSION}, _RESULTS, self.timeout).body)
        return next((row["v"].value for row in rows), "")

    def _update(self, text: str) -> None:
        """Send one update request (form-encoded ``update``), waiting up to :data:`WRITE_WAIT` for it."""
        try:
            response = self._http.post({"update": text}, {}, WRITE_WAIT, once=True)
        except (OSError, TimeoutError) as err:
            raise StoreUnavailable(f"the SPARQL engine at {self.url} failed during a write ({err})") from err
        if response.status in (502, 503, 504):
            raise StoreUnavailable(f"the SPARQL engine at {self.url} answered {response.status} to a write")
        if response.status not in (200, 204):
            raise OSError(f"the SPARQL engine refused the write ({response.status}): {response.text[:500]}")

    def _graph_lists(self) -> _Graphs:
        """Our graphs, those of them queries see, and the engine's others; asked once, then remembered."""
        with self._lock:
            if self._graphs is None:
                self._graphs = self._ask_graphs()
            return self._graphs

    def _ask_graphs(self) -> _Graphs:
        if self._excludes is None:
            self._excludes = self._takes_exclusions()
        listed = _solutions(self._send({"query": _ALL_GRAPHS}, _RESULTS, self.timeout).body)
        every = {row["g"].value for row in listed}
        written = self._send({"query": ASK_WRITTEN}, _RESULTS, self.timeout)  # graphs writes made outside the prefix
        outside = {row["g"].value for row in _solutions(written.body)}
        ours = sorted(g for g in every if (g.startswith(self._prefix) or g in outside) and g not in _NEVER_OURS)
        hidden: set[str] = set()
        if not self._include_drafts and ours:
            drafts = self._send({"query": _DRAFT_GRAPHS}, _RESULTS, self.timeout)
            hidden = {row["g"].value for row in _solutions(drafts.body)}
        return _Graphs(ours, [g for g in ours if g not in hidden], frozenset(every | _NEVER_OURS))

    def _takes_exclusions(self) -> bool:
        """Whether the engine takes Virtuoso's graph-exclusion pragmas (any other refuses the probe: 400)."""
        try:
            self._send({"query": _EXCLUDE_PROBE}, _RESULTS, 5.0)
        except (SyntaxError, OSError):
            return False
        return True

    def _scoped(self, sparql: str, graphs: list[str], known: _Graphs) -> dict[str, str | list[str]]:
        """The request that gives ``sparql`` ``graphs`` as its default graph and its named graphs: the engine's
        other graphs excluded by pragmas where it takes them (a small request), else ``graphs`` listed."""
        if self._excludes:
            others = sorted(known.every - set(graphs))
            pragmas = "".join(f"define input:default-graph-exclude <{g}> " for g in others)
            if "graph" in sparql.lower() and names_a_graph(sparql):  # Virtuoso 7.2 answers GRAPH <g> with nothing
                named = graphs or [_NO_GRAPH]  # once a named graph is excluded: list the named graphs instead
                pragmas += "".join(f"define input:named-graph-uri <{g}> " for g in named)
            else:
                pragmas += "".join(f"define input:named-graph-exclude <{g}> " for g in others)
            return {"query": pragmas + sparql}  # on the query's first line: the engine's line numbers stay ours
        listed = graphs or [_NO_GRAPH]
        return {"query": sparql, "default-graph-uri": listed, "named-graph-uri": listed}

    def _send(self, params: dict[str, str | list[str]], accept: str, limit: float) -> Reply:
        """POST a query (form-encoded) with the engine's time limit; map its failures to ours."""
        data = {**params, "timeout": str(max(1, round(limit * 1000)))}
        try:
            response = self._http.post(data, {"Accept": accept}, limit + READ_SLACK)
        except TimeoutError as err:
            raise EngineTimeout(limit) from err
        except OSError as err:
            raise StoreUnavailable(f"the SPARQL engine at {self.url} failed during a query ({err})") from err
        if response.headers.get("x-sql-state") == _PARTIAL:
            raise EngineTimeout(limit)
        if response.status == 400:  # its first paragraph: the message, without the query echoed after it
            raise SyntaxError(response.text.strip().split("\n\n")[0])
        if response.status in (502, 503, 504):
            raise StoreUnavailable(f"the SPARQL engine at {self.url} answered {response.status}")
        if response.status != 200:
            raise OSError(f"the SPARQL engine answered {response.status}: {response.text[:500].strip()}")
        return response


def check_syntax(sparql: str, base_iri: str | None = None) -> None:
    """Refuse what pyoxigraph refuses, before the engine sees it: the same syntax errors, with the same line and
    column, on both backends (Virtuoso accepts some invalid queries: 16 of the W3C suite's negative tests).

    pyoxigraph has no parse-only call, so the query runs on an empty store, with every ``SERVICE`` pointed
    nowhere (it calls services as it starts). What that run raises besides a syntax error is not ours to report:
    the engine evaluates the query.

    Raises:
        SyntaxError: pyoxigraph's message (line and column).
        ValueError: ``base_iri`` is not an IRI.
    """
    if base_iri is not None:
        ox.NamedNode(base_iri)
    try:
        _PARSER.query(without_services(sparql), base_iri=base_iri)
    except SyntaxError:
        raise
    except (OSError, RuntimeError, ValueError, TypeError):
        pass  # an evaluation error on the empty store


def declares_base(sparql: str) -> bool:
    """Whether the query's prologue declares its own ``BASE``, which then wins over the endpoint's (a second
    ``BASE`` in front of it would be valid SPARQL, but Virtuoso 7 refuses it as a syntax error).

    >>> declares_base("PREFIX : <http://example.org/> # the base\\n BASE <http://example.org/> SELECT * {}")
    True
    >>> declares_base('SELECT * { ?s ?p "BASE" }')
    False
    """
    return _OWN_BASE.match(sparql) is not None


def _solutions(body: bytes) -> ox.QuerySolutions:
    return ox.parse_query_results(_json_with_plain_labels(body), format=ox.QueryResultsFormat.JSON)  # type: ignore[return-value]


def _json_with_plain_labels(body: bytes) -> bytes:
    """SPARQL JSON results with blank node labels pyoxigraph accepts (Virtuoso writes ``nodeID://b10000``)."""
    if b'"bnode"' not in body:
        return body
    document = json.loads(body)
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                term["value"] = _LABEL_JUNK.sub("_", term["value"])
    return json.dumps(document).encode()


def _as_query_triples(body: bytes) -> ox.QueryTriples:
    """N-Triples as the ``QueryTriples`` a CONSTRUCT on the embedded store gives (what the serialisers take)."""
    scratch = ox.Store()
    scratch.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
    )
    return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")  # type: ignore[return-value]
