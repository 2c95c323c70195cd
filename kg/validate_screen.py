"""The ``screen`` engine of ``kg validate``: pyoxigraph finds the focus nodes that may fail, pyshacl validates those.

pyshacl evaluates every constraint once per focus node and value node in Python, which grows faster than the data
(issue 17: over 300 s of CPU at 1M quads). Here each constraint of each shape becomes one SPARQL query on a
pyoxigraph store of the data graph (data and ontology), selecting every focus node where it *may* fail: an
over-approximation, never missing a failing node (a parameter it cannot translate selects every target of its
shape). pyshacl then validates only those focus nodes, on their neighbourhood (everything the shapes read from
them, fetched as the write gate fetches it, kg/gate.py), with the whole ontology, so each of their results is the
one a whole-graph validation gives; the other focus nodes have none. The report is pyshacl's own.

pyoxigraph normalises some literals (``"5"^^xsd:nonNegativeInteger`` is stored as ``"5"^^xsd:integer``), so its
view could differ from pyshacl's; when any literal of the data changes that way (compiled sources, not a store's
quads), the screen is not used and pyshacl validates everything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from kg.changes import Diff, to_ox
from kg.changes import to_rdflib as term
from kg.errors import UnsupportedShape
from kg.gate import focus_nodes, neighbourhood_data
from kg.iris import SH
from kg.shape_reads import Reads
from kg.validate import Engine, Report, to_rdflib, validate_graph
from kg.validate_sparql import SELECT_KEYWORD, store_of_triples

#: No quad of the screening store is in a named graph: the neighbourhood excludes nothing.
_NO_GRAPH = ox.NamedNode("urn:x-kg:no-graph")

#: Parameters that select no results of their own.
_INERT = {
    SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.deactivated,
    SH.prefixes, SH.declare, SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
    SH.target, SH.property, SH.sparql, RDF.type, RDFS.label, RDFS.comment,
}  # fmt: skip
#: Datatypes whose lexical forms pyoxigraph can cast (a value is well-formed if its cast gives it back).
_CASTABLE = {XSD[n] for n in ("integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time")} | {
    XSD[n] for n in ("gYear", "gYearMonth", "gMonthDay", "gMonth", "gDay", "duration")
}
_NO_LEXICAL_CHECK = {XSD.string, RDF.langString}
_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "!isIRI({v})",
    SH.BlankNode: "!isBlank({v})",
    SH.Literal: "!isLiteral({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})",
    SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBlank({v})",
}
_PROJECTS_THIS = re.compile(r"SELECT\s+(DISTINCT\s+)?[^{]*[$?]this\b", re.IGNORECASE)
_COMPARE: dict[Node, str] = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}


def _n(term: Node) -> str:
    """A constant in SPARQL syntax."""
    return str(to_ox(term))


def _int(term: Node | None) -> int:
    return int(str(term))


def _items(shapes: Graph, node: Node) -> list[Node]:
    return list(Collection(shapes, node))


def _path(shapes: Graph, path: Node | None) -> str:
    """A SHACL path as a SPARQL property path (https://www.w3.org/TR/shacl/#property-paths)."""
    if path is None:
        raise UnsupportedShape("a property shape without sh:path")
    if isinstance(path, URIRef):
        return _n(path)
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(_path(shapes, p) for p in _items(shapes, path)) + ")"
    for key, form in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+")):
        if (inner := shapes.value(path, key)) is not None:
            return form.format(_path(shapes, inner))
    if (inner := shapes.value(path, SH.zeroOrOnePath)) is not None:
        return f"({_path(shapes, inner)})?"
    if (options := shapes.value(path, SH.alternativePath)) is not None:
        return "(" + "|".join(_path(shapes, p) for p in _items(shapes, options)) + ")"
    raise UnsupportedShape(f"path {path}")


def _value_test(shapes: Graph, key: Node, value: Node, v: str) -> tuple[str, bool]:
    """A condition true of ``v`` wherever parameter ``key`` (with ``value``) fails on it, and whether it is exact
    (true only there)."""
    if key == SH["class"]:
        return f"NOT EXISTS {{ {v} rdf:type/rdfs:subClassOf* {_n(value)} }}", True
    if key == SH.datatype:
        test = f"!isLiteral({v}) || DATATYPE({v}) != {_n(value)}"
        if value in _CASTABLE:  # ill-formed values (and non-canonical ones: more than needed) fail the cast test
            test += f" || !COALESCE(STR({_n(value)}({v})) = STR({v}), false)"
        elif value not in _NO_LEXICAL_CHECK:
            test = "true"
        return f"({test})", False
    if key == SH.nodeKind and value in _NODE_KINDS:
        return _NODE_KINDS[value].format(v=v), True
    if key == SH["in"]:
        return "!(" + " || ".join(f"sameTerm({v}, {_n(t)})" for t in _items(shapes, value)) + ")", True
    if key == SH.pattern:
        return f"(isBlank({v}) || !REGEX(STR({v}), {json.dumps(str(value))}))", False
    if key in _COMPARE and isinstance(value, Literal):
        return f"!COALESCE({v} {_COMPARE[key]} {_n(value)}, false)", False
    if key in (SH.minLength, SH.maxLength):
        op = ">=" if key == SH.minLength else "<="
        return f"(isBlank({v}) || !COALESCE(STRLEN(STR({v})) {op} {_int(value)}, false))", False
    if key in (SH["or"], SH["and"]):
        parts = [_shape_test(shapes, member, v) for member in _items(shapes, value)]
        joiner = " && " if key == SH["or"] else " || "  # sh:or fails where every member fails
        return "(" + joiner.join(t for t, _ in parts) + ")", all(exact for _, exact in parts)
    if key == SH.node:
        return _shape_test(shapes, value, v)
    if key == SH["not"]:
        test, exact = _shape_test(shapes, value, v)
        if exact:
            return f"!({test})", True
    raise UnsupportedShape(f"{key} {value}")


def _shape_test(shapes: Graph, shape: Node, v: str) -> tuple[str, bool]:
    """A condition true of ``v`` wherever it fails the value-only ``shape`` (and whether it is exact)."""
    tests = []
    for key, value in shapes.predicate_objects(shape):
        if key in _INERT - {SH.path, SH.property, SH.sparql}:
            continue
        tests.append(_value_test(shapes, key, value, v))
    if not tests:
        return "false", True
    return "(" + " || ".join(t for t, _ in tests) + ")", all(exact for _, exact in tests)


def _targets(shapes: Graph, shape: Node) -> str | None:
    """The SPARQL pattern binding ``?this`` to every target of ``shape`` (None: it has none)."""
    classes = set(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.add(shape)
    parts = []
    if classes:
        values = " ".join(_n(c) for c in sorted(classes, key=str))
        parts.append(f"{{ ?this rdf:type/rdfs:subClassOf* ?class VALUES ?class {{ {values} }} }}")
    if nodes := sorted(shapes.objects(shape, SH.targetNode), key=str):
        parts.append(f"{{ VALUES ?this {{ {' '.join(map(_n, nodes))} }} }}")
    parts += [f"{{ ?this {_n(p)} ?any }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"{{ ?any {_n(p)} ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is None:
            raise UnsupportedShape(f"the target {target} of {shape}")
        parts.append(f"{{ {select} }}")
    return " UNION ".join(parts) if parts else None


def _property_patterns(shapes: Graph, prop: Node) -> Iterator[tuple[bool, str]]:
    """``(needs targets, pattern on ?this)`` for each constraint of property shape ``prop``."""
    path = _path(shapes, shapes.value(prop, SH.path))
    keys = set(shapes.predicates(prop)) - _INERT
    if keys & {SH.flags, SH.qualifiedValueShapesDisjoint} or set(shapes.predicates(prop)) & {SH.property, SH.sparql}:
        raise UnsupportedShape(f"a parameter of {prop}")
    for key, value in shapes.predicate_objects(prop):
        if key not in keys or key in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
            continue
        if key == SH.minCount:
            if _int(value) > 1:
                raise UnsupportedShape("sh:minCount over 1")
            if _int(value) == 1:
                yield True, f"FILTER NOT EXISTS {{ ?this {path} ?v }}"
        elif key == SH.maxCount:
            if _int(value) > 1:
                raise UnsupportedShape("sh:maxCount over 1")
            two = "" if _int(value) == 0 else f" ; {path} ?w FILTER (!sameTerm(?v, ?w))"
            yield False, f"?this {path} ?v{two}"
        elif key == SH.uniqueLang:
            if value == Literal(True):
                same = 'LANG(?v) != "" && LCASE(LANG(?v)) = LCASE(LANG(?w))'
                yield False, f"?this {path} ?v , ?w FILTER (!sameTerm(?v, ?w) && {same})"
        elif key in (SH.lessThan, SH.lessThanOrEquals):
            op = "<" if key == SH.lessThan else "<="
            yield False, f"?this {path} ?v ; {_n(value)} ?w FILTER (!COALESCE(?v {op} ?w, false))"
        elif key == SH.qualifiedValueShape:
            yield from _qualified(shapes, prop, path, value)
        elif (classes := _classes(shapes, key, value)) is not None:
            # MINUS reads the instances of each class once; a NOT EXISTS per value walks them again for each
            minus = " ".join(f"MINUS {{ ?v rdf:type/rdfs:subClassOf* {_n(c)} }}" for c in classes)
            yield False, f"?this {path} ?v {minus}"
        else:
            yield False, f"?this {path} ?v FILTER ({_value_test(shapes, key, value, '?v')[0]})"


def _classes(shapes: Graph, key: Node, value: Node) -> list[Node] | None:
    """The classes of ``sh:class C``, or of ``sh:or`` of shapes that are each one ``sh:class`` (a value fails if it
    is an instance of none); None for any other parameter."""
    if key == SH["class"]:
        return [value]
    if key != SH["or"]:
        return None
    members = [list(shapes.predicate_objects(m)) for m in _items(shapes, value)]
    if not all(len(m) == 1 and m[0][0] == SH["class"] for m in members):
        return None
    return [m[0][1] for m in members]


def _qualified(shapes: Graph, prop: Node, path: str, shape: Node) -> Iterator[tuple[bool, str]]:
    fails, exact = _shape_test(shapes, shape, "?v")
    low, high = shapes.value(prop, SH.qualifiedMinCount), shapes.value(prop, SH.qualifiedMaxCount)
    if (low is not None and _int(low) > 1) or (high is not None and (_int(high) > 1 or not exact)):
        raise UnsupportedShape(f"the qualified counts of {prop}")
    if low is not None and _int(low) == 1:  # no value passes for sure
        yield True, f"FILTER NOT EXISTS {{ ?this {path} ?v FILTER (!{fails}) }}"
    if high is not None:
        if _int(high) == 0:
            yield False, f"?this {path} ?v FILTER (!{fails})"
        else:
            other, _ = _shape_test(shapes, shape, "?w")
            yield False, f"?this {path} ?v , ?w FILTER (!sameTerm(?v, ?w) && !{fails} && !{other})"


def _shape_patterns(shapes: Graph, shape: Node) -> Iterator[tuple[bool, str]]:
    """``(needs targets, pattern on ?this)`` for each constraint of a node or property shape with targets."""
    if (shape, SH.path, None) in shapes:
        yield from _property_patterns(shapes, shape)
        return
    for key, value in shapes.predicate_objects(shape):
        if key == SH.property:
            yield from _property_patterns(shapes, value)
        elif key == SH.sparql:
            select = shapes.value(value, SH.select)
            if (
                select is None
                or not _PROJECTS_THIS.search(str(select))
                or len(SELECT_KEYWORD.findall(str(select))) != 1
            ):
                raise UnsupportedShape(f"the SPARQL constraint {value}")
            yield False, f"{{ {select} }}"
        elif key not in _INERT:
            yield True, f"FILTER ({_value_test(shapes, key, value, '?this')[0]})"


def queries(shapes: Graph) -> tuple[str, ...]:
    """One ``SELECT DISTINCT ?this`` per constraint of every shape with targets: the nodes where it may fail."""
    prefixes = "".join(
        f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
        for d in shapes.objects(None, SH.declare)
    )
    prefixes += "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" * ("PREFIX rdf:" not in prefixes)
    prefixes += "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" * ("PREFIX rdfs:" not in prefixes)
    queries: list[str] = []
    for shape in sorted({s for s in shapes.subjects() if isinstance(s, URIRef | BNode)}, key=str):
        targets = _targets(shapes, shape)
        if targets is None:
            continue
        try:
            patterns = list(_shape_patterns(shapes, shape))
        except UnsupportedShape:
            patterns = [(True, "")]
        for _, pattern in patterns:  # targets in every query: the screen restricts all shapes' targets at once
            where = f"{pattern} {{ {targets} }}"
            queries.append(f"{prefixes}SELECT DISTINCT ?this WHERE {{ {where} }}")
    return tuple(dict.fromkeys(queries))


def suspects(shapes: Graph, store: ox.Store) -> set[ox.NamedNode | ox.BlankNode]:
    """Every node of ``store`` that may fail a shape of ``shapes`` (see the module's docstring)."""
    found: set[ox.NamedNode | ox.BlankNode] = set()
    for query in queries(shapes):
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        found.update(this for (this,) in solutions if isinstance(this, ox.NamedNode | ox.BlankNode))
    return found


def changed_literals(triples: Iterable[ox.Triple | ox.Quad], store: ox.Store) -> bool:
    """Whether ``store`` holds any literal of ``triples`` in another form (see the module's docstring)."""
    stored = {q.object for q in store if isinstance(q.object, ox.Literal)}
    return any(isinstance(t.object, ox.Literal) and t.object not in stored for t in triples)


def validate_screened(quads: list[ox.Quad], shapes: Graph, ontology: Graph) -> Report | None:
    """The report of pyshacl on ``quads`` (graph names dropped) and ``ontology``, validating only the focus nodes
    the screen finds; None where the screen cannot be used (see the module's docstring).

    Raises:
        UpstreamVersionError: as :func:`kg.validate.validate_graph`.
    """
    store = store_of_triples(quads, ontology)
    if changed_literals(quads, store):
        return None
    try:
        reads = Reads.of(shapes)
    except UnsupportedShape:
        return None
    # The ontology's literals that the store holds in another form (OWL cardinalities): the nodes that may read
    # them are screened in, and pyshacl reads the ontology as it is, not as the store holds it.
    as_stored = set(store_of_triples((), ontology))
    changed = {q for s, p, o in ontology if (q := ox.Quad(to_ox(s), to_ox(p), to_ox(o))) not in as_stored}
    focus = suspects(shapes, store) | focus_nodes(reads, store, Diff(added=changed), _NO_GRAPH)
    data = neighbourhood_data(reads, store, Diff(), focus, _NO_GRAPH) - as_stored
    del store
    targets = {term(node) for node in focus}
    return validate_graph(to_rdflib(data), shapes, ontology, targets=targets, inplace=True, engine=Engine.pyshacl)


__all__ = ["changed_literals", "queries", "suspects", "validate_screened"]
