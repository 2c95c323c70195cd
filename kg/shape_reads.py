"""What the SHACL shapes read from a focus node, worked out once for the gate (kg/gate.py, step 1 of its docstring).

For every property shape, SPARQL constraint and SPARQL target: the triple patterns it matches from its focus node
``$this`` (paths expanded into steps, the types of every value for ``sh:class``, the ``FILTER NOT EXISTS``
patterns too), as :class:`Reads`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib import Variable as RdflibVariable
from rdflib.namespace import RDF
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from kg.changes import to_ox
from kg.errors import UnsupportedShape
from kg.iris import SH
from kg.quadindex import Term as OxTerm

TYPE = ox.NamedNode(str(RDF.type))
THIS = "?this"


@dataclass(frozen=True)
class Step:
    """One triple pattern: ``subject predicate object``, each end a variable (``?name``) or a constant term.

    ``predicates`` is the set of predicates it matches, or ``None`` for a variable predicate (``predicate_var``);
    ``repeat`` makes it ``p*`` (zero or more steps; ``p+`` and ``p?`` are read as ``p*``, a superset).
    """

    subject: str | OxTerm
    predicates: frozenset[ox.NamedNode] | None
    object: str | OxTerm
    repeat: bool = False
    predicate_var: str | None = None

    def matches(self, quad: ox.Quad) -> bool:
        if self.predicates is not None and quad.predicate not in self.predicates:
            return False
        if not isinstance(self.subject, str) and self.subject != quad.subject:
            return False
        return isinstance(self.object, str) or self.repeat or self.object == quad.object


#: The steps that one constraint (or target, or one ``UNION`` branch of it) matches together, joined by their
#: variables and ``?this``, each with its block: 0 for the patterns every solution matches, another number for
#: each ``FILTER [NOT] EXISTS``, ``OPTIONAL`` or ``MINUS`` block (whose patterns a violation need not match).
Group = tuple[tuple[int, Step], ...]


@dataclass
class _Builder:
    fresh: Iterator[int] = field(default_factory=count)
    blocks: Iterator[int] = field(default_factory=lambda: count(1))

    def var(self) -> str:
        return f"?_{next(self.fresh)}"

    def block(self) -> int:
        return next(self.blocks)


def _end(term: Node) -> str | OxTerm:
    """A variable's name, or the constant; a blank node in a query pattern is a variable too."""
    if isinstance(term, RdflibVariable):
        return f"?{term}"
    return f"?_:{term}" if isinstance(term, BNode) else to_ox(term)


def _sparql_steps(subject: str | OxTerm, path: Node | Path, obj: str | OxTerm, b: _Builder) -> list[Step]:
    """Steps of one SPARQL triple pattern, its property path expanded."""
    if isinstance(path, RdflibVariable):
        return [Step(subject, None, obj, predicate_var=f"?{path}")]
    if isinstance(path, URIRef):
        return [Step(subject, frozenset({ox.NamedNode(str(path))}), obj)]
    if isinstance(path, InvPath):
        return _sparql_steps(obj, path.arg, subject, b)
    if isinstance(path, SequencePath):
        steps, here = [], subject
        for i, part in enumerate(path.args):
            there = obj if i == len(path.args) - 1 else b.var()
            steps += _sparql_steps(here, part, there, b)
            here = there
        return steps
    if isinstance(path, AlternativePath) and all(isinstance(a, URIRef) for a in path.args):
        # One step matching any of them: a solution follows one alternative, so two steps would be wrong as links.
        return [Step(subject, frozenset(ox.NamedNode(str(a)) for a in path.args), obj)]
    if isinstance(path, MulPath):
        inner = path.path
        if isinstance(inner, URIRef):
            return [Step(subject, frozenset({ox.NamedNode(str(inner))}), obj, repeat=True)]
        if isinstance(inner, InvPath) and isinstance(inner.arg, URIRef):
            return [Step(obj, frozenset({ox.NamedNode(str(inner.arg))}), subject, repeat=True)]
        if isinstance(inner, AlternativePath) and all(isinstance(a, URIRef) for a in inner.args):
            return [Step(subject, frozenset(ox.NamedNode(str(a)) for a in inner.args), obj, repeat=True)]
    if isinstance(path, NegatedPath) and all(isinstance(a, URIRef) for a in path.args):
        return [Step(subject, None, obj)]  # any predicate (a superset of "all but these")
    raise UnsupportedShape(f"property path {path!r} in a SPARQL constraint")


def _block_steps(node: object, b: _Builder) -> list[Step]:
    """Every triple pattern under ``node`` (an untranslated ``EXISTS`` graph or an algebra node), flattened."""
    steps: list[Step] = []
    if isinstance(node, CompValue):
        if node.name == "BGP":
            triples = [tuple(t) for t in node.triples]
        elif node.name == "TriplesBlock":
            flat = [x for t in node.triples for x in t]
            triples = [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]
        else:
            triples = []
        for s, p, o in triples:
            steps.extend(_sparql_steps(_end(s), p, _end(o), b))
        for value in node.values():
            steps += _block_steps(value, b)
    elif isinstance(node, list | tuple | set):
        for value in node:
            steps += _block_steps(value, b)
    return steps


def _exists_blocks(expr: object) -> Iterator[object]:
    """The graph patterns of the ``EXISTS`` / ``NOT EXISTS`` inside a filter expression."""
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            yield expr.graph
            return
        for value in expr.values():
            yield from _exists_blocks(value)
    elif isinstance(expr, list | tuple):
        for value in expr:
            yield from _exists_blocks(value)


def _filter_blocks(expr: object, b: _Builder) -> list[tuple[int, Step]]:
    """The steps of each ``EXISTS`` / ``NOT EXISTS`` of a filter, one block for each."""
    return [
        (block, step) for graph in _exists_blocks(expr) for block in (b.block(),) for step in _block_steps(graph, b)
    ]


_PASS_THROUGH: tuple[str, ...] = ("SelectQuery", "Project", "Distinct", "Reduced", "Slice", "OrderBy", "Extend")
_PASS_THROUGH += ("Group", "ToMultiSet", "AggregateJoin")


def _alternatives(node: CompValue, b: _Builder) -> list[list[tuple[int, Step]]]:
    """The query's patterns as a union of alternatives (one per combination of ``UNION`` branches)."""
    name = node.name
    if name in _PASS_THROUGH:
        return _alternatives(node.p, b)
    if name == "BGP":
        return [[(0, step) for step in _block_steps(node, b)]]
    if name == "values":
        return [[]]
    if name == "Join":
        return [x + y for x in _alternatives(node.p1, b) for y in _alternatives(node.p2, b)]
    if name == "Union":
        return _alternatives(node.p1, b) + _alternatives(node.p2, b)
    if name == "Filter":
        extra = _filter_blocks(node.expr, b)
        return [alternative + extra for alternative in _alternatives(node.p, b)]
    if name in ("LeftJoin", "Minus"):
        block = b.block()
        optional = [(block, step) for step in _block_steps(node.p2, b)]
        if name == "LeftJoin":
            optional += _filter_blocks(node.get("expr"), b)
        return [alternative + optional for alternative in _alternatives(node.p1, b)]
    raise UnsupportedShape(f"SPARQL algebra {name} in a SHACL-SPARQL query")


def _query_groups(text: str, namespaces: dict[str, str], b: _Builder) -> list[Group]:
    """The groups of a SHACL-SPARQL query: one per ``UNION`` alternative."""
    return [tuple(alternative) for alternative in _alternatives(prepareQuery(text, initNs=namespaces).algebra, b)]


def _shacl_path(shapes: Graph, subject: str, path: Node, obj: str, b: _Builder) -> list[Step]:
    """Steps of a SHACL property path (https://www.w3.org/TR/shacl/#property-paths)."""
    if isinstance(path, URIRef):
        return [Step(subject, frozenset({ox.NamedNode(str(path))}), obj)]
    if (path, RDF.first, None) in shapes:  # a sequence path
        parts = list(shapes.items(path))
        steps, here = [], subject
        for i, part in enumerate(parts):
            there = obj if i == len(parts) - 1 else b.var()
            steps += _shacl_path(shapes, here, part, there, b)
            here = there
        return steps
    if (inverse := shapes.value(path, SH.inversePath)) is not None:
        return _shacl_path(shapes, obj, inverse, subject, b)
    if (alternatives := shapes.value(path, SH.alternativePath)) is not None:
        options = list(shapes.items(alternatives))
        if all(isinstance(a, URIRef) for a in options):  # one step: a value follows one of them
            return [Step(subject, frozenset(ox.NamedNode(str(a)) for a in options), obj)]
        raise UnsupportedShape(f"an alternative of complex paths in {path}")
    for repeat in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        if (inner := shapes.value(path, repeat)) is not None:
            if isinstance(inner, URIRef):
                return [Step(subject, frozenset({ox.NamedNode(str(inner))}), obj, repeat=True)]
            raise UnsupportedShape(f"a repeated complex path in {path}")
    raise UnsupportedShape(f"SHACL path {path}")


_NESTING = (SH["or"], SH["and"], SH.xone, SH["not"], SH.node, SH.qualifiedValueShape)
_PAIR_PREDICATES = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)


def _nested_shapes(shapes: Graph, shape: Node) -> Iterator[Node]:
    """Shapes that ``shape`` applies to its value nodes (sh:or / sh:and / sh:xone lists, sh:not, sh:node…)."""
    for predicate in _NESTING:
        for value in shapes.objects(shape, predicate):
            if predicate in (SH["or"], SH["and"], SH.xone):
                yield from shapes.items(value)
            else:
                yield value


@dataclass(frozen=True)
class Reads:
    """The triple patterns the shapes match from a focus node: one :data:`Group` per constraint or target."""

    groups: tuple[Group, ...]

    @classmethod
    def of(cls, shapes: Graph) -> Reads:
        """Work out the reads of every shape in ``shapes``.

        Raises:
            UnsupportedShape: a shape uses a feature this analysis does not cover (``sh:closed``, a nested shape
                with its own paths or SPARQL, a path it cannot expand): the gate would not know what to fetch.
        """
        b = _Builder()
        namespaces = {
            str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
            for d in shapes.objects(None, SH.declare)
        }
        groups: list[Group] = [((0, Step(THIS, frozenset({TYPE}), b.var())),)]  # targets: the node's own types
        nested = {n for s in set(shapes.subjects()) for n in _nested_shapes(shapes, s)}
        for feature in (SH.closed, SH.rule, SH.ask, SH.jsFunctionName, SH.jsLibrary):
            for shape in shapes.subjects(feature, None):
                raise UnsupportedShape(f"{feature} in {shape}: what it reads or infers is not worked out")
        for shape in sorted(nested, key=str):
            if any((shape, p, None) in shapes for p in (SH.path, SH.property, SH.sparql)):
                raise UnsupportedShape(f"the nested shape {shape} reads paths of its own")
        for prop in sorted(set(shapes.subjects(SH.path, None)), key=str):
            value = b.var()
            path = shapes.value(prop, SH.path)
            assert path is not None  # prop was found as a subject of sh:path
            steps = _shacl_path(shapes, THIS, path, value, b)
            steps.append(Step(value, frozenset({TYPE}), b.var()))  # sh:class on the values, here or nested
            steps += [
                Step(THIS, frozenset({ox.NamedNode(str(other))}), b.var())
                for pair in _PAIR_PREDICATES
                for other in shapes.objects(prop, pair)
            ]
            groups.append(tuple((0, step) for step in steps))
        for shape, predicate in ((s, p) for p in (SH.targetSubjectsOf, SH.targetObjectsOf) for s in shapes.subjects(p)):
            for target in shapes.objects(shape, predicate):
                node = ox.NamedNode(str(target))
                there = b.var()
                subject, obj = (THIS, there) if predicate == SH.targetSubjectsOf else (there, THIS)
                groups.append(((0, Step(subject, frozenset({node}), obj)),))
        for select in sorted(shapes.objects(None, SH.select), key=str):
            groups += _query_groups(str(select), namespaces, b)
        return cls(tuple(groups))


__all__ = ["THIS", "TYPE", "Group", "Reads", "Step", "UnsupportedShape"]
