"""Compare SPARQL results the way the W3C suite means them.

* Solution sequences are multisets (bags) of solutions, compared with one blank-node bijection for the whole
  result set (blank-node labels are scoped to a result document).
* IRIs are compared as strings, literals "by value" as the suite's rules say (w3c/rdf-tests ``sparql11/index.html``:
  "equal literal nodes that are compared by value (test runners may convert lexical form to canonical form to
  compare character by character)"). So :func:`canonical` rewrites numeric and boolean literals to one lexical
  form per value, keeping the datatype: ``"1.0"^^xsd:decimal`` = ``"1"^^xsd:decimal``, ``"3.0E4"^^xsd:double`` =
  ``"30000"^^xsd:double``, but ``"1"^^xsd:integer`` != ``"1.0"^^xsd:decimal`` (a wrong datatype still fails).
* With ``ORDER BY``, the order is checked as far as the ordering keys determine it: the sequence of key values
  (for keys that are projected variables, up to the first one that is not) must be the same, rows that tie on
  the keys may come in any order.
* CONSTRUCT/DESCRIBE graphs are compared by graph isomorphism (``rdflib.compare.isomorphic``) on terms that
  are carried over from pyoxigraph without rdflib's literal normalisation.
* CSV results lose datatypes and language tags (SPARQL 1.1 CSV/TSV §2), so they are compared as strings with
  ``_:label`` cells treated as blank nodes.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

Term = Hashable  # a pyoxigraph term, or a plain cell string for CSV
Row = tuple[Term | None, ...]


class _Blank:
    """A stand-in for any blank node, for comparisons that ignore blank-node identity."""

    def __repr__(self) -> str:
        return "_:*"


BLANK = _Blank()


@dataclass(frozen=True)
class Table:
    """A SELECT result (``rows`` in result order, cells in ``variables`` order; None = unbound) or an ASK one."""

    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None

    def project(self, variables: Sequence[str]) -> Table:
        """The same rows with the columns in ``variables`` order (all of them must be present)."""
        index = [self.variables.index(v) for v in variables]
        return Table(tuple(variables), tuple(tuple(row[i] for i in index) for row in self.rows), self.boolean)

    def describe(self, limit: int = 40) -> str:
        if self.boolean is not None:
            return f"boolean {self.boolean}"
        lines = [" | ".join(self.variables)]
        lines += [" | ".join("" if t is None else str(t) for t in row) for row in self.rows[:limit]]
        if len(self.rows) > limit:
            lines.append(f"... {len(self.rows) - limit} more rows")
        return "\n".join(lines)


XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = (
    "integer",
    "nonPositiveInteger",
    "negativeInteger",
    "long",
    "int",
    "short",
    "byte",
    "nonNegativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
    "positiveInteger",
)
_INTEGERS = {XSD + name for name in _INTEGER_TYPES}
_FLOATS = {XSD + "double", XSD + "float"}
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DOUBLE_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN")


def _canonical_lexical(datatype: str, lexical: str) -> str | None:
    """One lexical form per value for the numeric and boolean datatypes, None for others or ill-typed ones.

    >>> _canonical_lexical(XSD + "decimal", "1.0"), _canonical_lexical(XSD + "double", "3.0E4")
    ('1', '30000.0')
    >>> _canonical_lexical(XSD + "integer", "+01"), _canonical_lexical(XSD + "boolean", "1")
    ('1', 'true')
    """
    text = lexical.strip()
    try:
        if datatype in _INTEGERS and _INTEGER_RE.fullmatch(text):
            return str(int(text))
        if datatype == XSD + "decimal" and _DECIMAL_RE.fullmatch(text):
            value = Decimal(text)
            return "0" if value.is_zero() else format(value.normalize(), "f")
        if datatype in _FLOATS and _DOUBLE_RE.fullmatch(text):
            number = float(text.replace("INF", "inf"))
            return "NaN" if math.isnan(number) else repr(number)
    except (ValueError, InvalidOperation):  # pragma: no cover - the patterns only let valid forms through
        return None
    if datatype == XSD + "boolean" and text in ("true", "false", "1", "0"):
        return "true" if text in ("true", "1") else "false"
    return None


def canonical(term: Term | None) -> Term | None:
    """``term`` with a numeric or boolean literal rewritten to its canonical lexical form (value comparison)."""
    if isinstance(term, ox.Literal) and term.language is None:
        lexical = _canonical_lexical(term.datatype.value, term.value)
        if lexical is not None and lexical != term.value:
            return ox.Literal(lexical, datatype=term.datatype)
    return term


def _is_blank(term: Term | None) -> bool:
    return isinstance(term, ox.BlankNode) or (isinstance(term, str) and term.startswith("_:"))


def parse_results(data: bytes | str | Path, fmt: ox.QueryResultsFormat | None = None) -> Table:
    """Parse SPARQL XML/JSON/TSV results (a file, guessed by extension, or bytes in ``fmt``) into a Table."""
    if isinstance(data, Path):
        parsed = ox.parse_query_results(path=data, format=fmt)
    else:
        parsed = ox.parse_query_results(data, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return Table(boolean=bool(parsed))
    variables = tuple(v.value for v in parsed.variables)
    rows = tuple(tuple(canonical(solution[v]) for v in variables) for solution in parsed)
    return Table(variables, rows)


RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def parse_rdf_result_set(path: Path) -> Table | None:
    """A result set written in RDF with the DAWG ``rs:`` vocabulary, or None if the file is a plain graph.

    Relative IRIs resolve against the file's own IRI, as the manifest's do. Solutions with ``rs:index`` are
    put in index order.
    """
    triples = list(ox.parse(path=path, base_iri=path.as_uri()))
    by_subject: dict[Term, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject][t.predicate.value].append(t.object)
    result_sets = [s for s, po in by_subject.items() if ox.NamedNode(RS + "ResultSet") in po.get(RDF_TYPE, [])]
    if not result_sets:
        return None
    (result_set,) = result_sets
    props = by_subject[result_set]
    if props.get(RS + "boolean"):
        return Table(boolean=props[RS + "boolean"][0].value == "true")
    variables = tuple(sorted(v.value for v in props.get(RS + "resultVariable", [])))
    solutions: list[tuple[int, Row]] = []
    for solution in props.get(RS + "solution", []):
        cells: dict[str, Term] = {}
        for binding in by_subject[solution].get(RS + "binding", []):
            (name,) = by_subject[binding][RS + "variable"]
            (value,) = by_subject[binding][RS + "value"]
            cells[name.value] = canonical(value)
        index = by_subject[solution].get(RS + "index")
        solutions.append((int(index[0].value) if index else 0, tuple(cells.get(v) for v in variables)))
    solutions.sort(key=lambda pair: pair[0])
    return Table(variables, tuple(row for _, row in solutions))


def parse_csv(text: str) -> Table:
    """CSV results as strings: empty cells are unbound, ``_:x`` cells stay strings and count as blank nodes."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return Table()
    header, *body = records
    rows = tuple(tuple(cell if cell != "" else None for cell in record) for record in body)
    return Table(tuple(header), rows)


def _signature(row: Row) -> Row:
    return tuple(BLANK if _is_blank(t) else t for t in row)


def match_bags(expected: Sequence[Row], actual: Sequence[Row]) -> dict[Term, Term] | None:
    """A blank-node bijection under which the two multisets of rows are equal, or None if there is none.

    Rows without blank nodes must match exactly (as multisets); the others are matched by backtracking over
    candidates with the same blank-node-free signature, most constrained first.

    >>> a, b, one, two = ox.BlankNode("a"), ox.BlankNode("b"), ox.Literal("1"), ox.Literal("2")
    >>> match_bags([(a, one), (b, two)], [(b, one), (a, two)]) == {a: b, b: a}
    True
    >>> match_bags([(a, one), (b, one)], [(a, one), (a, one)]) is None  # two blank nodes are not one
    True
    >>> match_bags([(a, one), (a, two)], [(a, one), (b, two)]) is None  # nor one blank node two
    True
    """
    if len(expected) != len(actual):
        return None
    exp_ground = Counter(r for r in expected if not any(_is_blank(t) for t in r))
    act_ground = Counter(r for r in actual if not any(_is_blank(t) for t in r))
    if exp_ground != act_ground:
        return None
    exp_blank = [r for r in expected if any(_is_blank(t) for t in r)]
    act_blank = [r for r in actual if any(_is_blank(t) for t in r)]
    candidates: dict[Row, list[int]] = defaultdict(list)
    for i, row in enumerate(act_blank):
        candidates[_signature(row)].append(i)
    exp_blank.sort(key=lambda r: len(candidates.get(_signature(r), ())))
    if any(not candidates.get(_signature(r)) for r in exp_blank):
        return None

    forward: dict[Term, Term] = {}
    backward: dict[Term, Term] = {}
    used = [False] * len(act_blank)

    def bind(exp_row: Row, act_row: Row) -> list[Term] | None:
        added: list[Term] = []
        for e, a in zip(exp_row, act_row, strict=True):
            if not _is_blank(e):
                continue
            if forward.get(e, a) != a or backward.get(a, e) != e:
                for key in added:
                    del backward[forward.pop(key)]
                return None
            if e not in forward:
                forward[e], backward[a] = a, e
                added.append(e)
        return added

    def search(k: int) -> bool:
        if k == len(exp_blank):
            return True
        row = exp_blank[k]
        for i in candidates[_signature(row)]:
            if used[i]:
                continue
            added = bind(row, act_blank[i])
            if added is None:
                continue
            used[i] = True
            if search(k + 1):
                return True
            used[i] = False
            for key in added:
                del backward[forward.pop(key)]
        return False

    return dict(forward) if search(0) else None


_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_ORDER_KEY = re.compile(r"\s*(?:(ASC|DESC)\s*\(\s*[?$](\w+)\s*\)|[?$](\w+))", re.IGNORECASE)


def order_keys(query: str) -> tuple[str, ...] | None:
    """The variables of the outermost (last) ``ORDER BY``, or None when the query has none.

    Stops at the first key that is not a plain variable: ordering is then only checked up to it.

    >>> order_keys("SELECT * { { SELECT ?x {} ORDER BY ?y } } ORDER BY DESC(?x) ?z LIMIT 2")
    ('x', 'z')
    >>> order_keys("SELECT * {}") is None
    True
    """
    text = "\n".join(line.split("#", 1)[0] if "<" not in line else line for line in query.splitlines())
    matches = list(_ORDER_BY.finditer(text))
    if not matches:
        return None
    rest, keys = text[matches[-1].end() :], []
    while match := _ORDER_KEY.match(rest):
        keys.append(match.group(2) or match.group(3))
        rest = rest[match.end() :]
    return tuple(keys)


def compare_tables(expected: Table, actual: Table, ordered_by: Sequence[str] | None = None) -> str | None:
    """None when ``actual`` is the expected result, else a readable explanation."""
    if expected.boolean is not None or actual.boolean is not None:
        if expected.boolean == actual.boolean:
            return None
        return f"expected {expected.describe()}, got {actual.describe()}"
    if set(expected.variables) != set(actual.variables):
        return f"variables differ: expected {sorted(expected.variables)}, got {sorted(actual.variables)}"
    actual = actual.project(expected.variables)
    if match_bags(expected.rows, actual.rows) is None:
        return f"solutions differ.\nexpected:\n{expected.describe()}\ngot:\n{actual.describe()}"
    if ordered_by:
        keys: list[str] = []
        for var in ordered_by:
            if var not in expected.variables:
                break
            keys.append(var)
        if keys:
            exp_keys = [_signature(row) for row in expected.project(keys).rows]
            act_keys = [_signature(row) for row in actual.project(keys).rows]
            if exp_keys != act_keys:
                return (
                    f"same solutions, wrong ORDER BY {' '.join('?' + k for k in keys)}.\n"
                    f"expected:\n{expected.describe()}\ngot:\n{actual.describe()}"
                )
    return None


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language, normalize=False)
    term = canonical(term)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def to_graph(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """An rdflib graph of pyoxigraph triples, keeping every literal's lexical form."""
    graph = Graph()
    for t in triples:
        graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))  # type: ignore[arg-type]
    return graph


def parse_graph(data: bytes | Path, fmt: ox.RdfFormat | None = None, base_iri: str | None = None) -> Graph:
    """Parse RDF (a file, format guessed from its extension, or bytes in ``fmt``) into an rdflib graph."""
    if isinstance(data, Path):
        return to_graph(ox.parse(path=data, format=fmt, base_iri=base_iri or data.as_uri()))
    return to_graph(ox.parse(data, format=fmt, base_iri=base_iri))


def compare_graphs(expected: Graph, actual: Graph) -> str | None:
    """None when the graphs are isomorphic, else a readable explanation."""
    if isomorphic(expected, actual):
        return None
    return (
        f"graphs are not isomorphic.\nexpected ({len(expected)} triples):\n{expected.serialize(format='nt')}\n"
        f"got ({len(actual)} triples):\n{actual.serialize(format='nt')}"
    )


def _graph_label(name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return "the default graph" if isinstance(name, ox.DefaultGraph) else f"graph {name}"


def compare_stores(expected: Iterable[ox.Quad], actual: Iterable[ox.Quad]) -> str | None:
    """None when two stores hold the same graphs, each isomorphic to its counterpart, else an explanation.

    Graphs are compared one by one (blank nodes are matched within a graph), by name: the default graph and every
    named graph. A graph without triples counts as absent, since a test's expected data cannot tell an empty
    named graph from a missing one.
    """
    by_graph: list[dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, list[ox.Quad]]] = [{}, {}]
    for quads, groups in zip((expected, actual), by_graph, strict=True):
        for quad in quads:
            groups.setdefault(quad.graph_name, []).append(quad)
    expected_graphs, actual_graphs = by_graph
    problems = []
    for name in sorted(expected_graphs.keys() | actual_graphs.keys(), key=str):
        if name not in actual_graphs:
            problems.append(f"{_graph_label(name)} is missing ({len(expected_graphs[name])} triples expected)")
        elif name not in expected_graphs:
            graph = to_graph(actual_graphs[name])
            problems.append(f"{_graph_label(name)} should be empty or absent, got:\n{graph.serialize(format='nt')}")
        elif (problem := compare_graphs(to_graph(expected_graphs[name]), to_graph(actual_graphs[name]))) is not None:
            problems.append(f"{_graph_label(name)}: {problem}")
    return "\n".join(problems) or None
