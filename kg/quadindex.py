"""Quads in memory, found by pattern without a scan: the gate reads a big write's quads once per lookup.

A list scanned for every ``(s, p, o)`` lookup makes judging a write quadratic in its size (issue 12: 50,000
triples still validating after 13 minutes); indexed by each position, a lookup costs its smallest bucket.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

# Any term a quad can hold: an RDF 1.2 triple term (ox.Triple) may be an object.
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class QuadIndex:
    """Quads indexed by subject, by predicate and by object.

    >>> a, b, p = ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b"), ox.NamedNode("http://e/p")
    >>> index = QuadIndex([ox.Quad(a, p, b), ox.Quad(b, p, a)])
    >>> [q.subject.value for q in index.match(None, p, a)]
    ['http://e/b']
    """

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self.quads = list(quads)
        self._by: tuple[dict[Term, list[ox.Quad]], ...] = ({}, {}, {})
        for quad in self.quads:
            for position, term in enumerate((quad.subject, quad.predicate, quad.object)):
                self._by[position].setdefault(term, []).append(quad)

    def match(self, s: Term | None, p: Term | None, o: Term | None) -> list[ox.Quad]:
        """The quads matching the pattern (``None`` matches anything), from the smallest bucket of a bound term."""
        candidates = self.quads
        for position, term in enumerate((s, p, o)):
            if term is not None:
                bucket = self._by[position].get(term, [])
                if len(bucket) < len(candidates):
                    candidates = bucket
        return [
            q
            for q in candidates
            if (s is None or q.subject == s) and (p is None or q.predicate == p) and (o is None or q.object == o)
        ]


__all__ = ["QuadIndex"]
