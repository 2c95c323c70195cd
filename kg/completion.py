"""Data-aware completion for the query editor: prefixes, classes and properties in use, and entities by label.

The QLever UI showed the way (https://github.com/ad-freiburg/qlever-ui): suggestions come from the data, not
from a vocabulary service on the internet. A :class:`CompletionTable` is computed once from the store (three
queries: the VoID class and property partitions, and the labels with their uses) and then answers each keystroke
from memory: classes and properties are a few hundred rows, scanned; entity labels are a sorted list of keys
(each label from its start and from each of its words, case- and accent-folded) searched by bisection. It knows
nothing of HTTP or of when the data changes: the server keeps one table per data version.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.iris import PREFIXES
from kg.queries import load
from kg.store import GraphStore

#: What can be completed, in the order of the ``kind`` parameter's documentation.
KINDS = ("prefix", "class", "property", "entity")
#: The most suggestions one answer holds.
MAX_LIMIT = 100
#: One past the highest code point: every key starting with ``q`` sorts before ``q + _END``.
_END = "\U0010ffff"


@dataclass(frozen=True)
class Suggestion:
    """One completion: the term's IRI, its prefixed name where a project prefix covers it, and why it ranks.

    ``count`` is the instances of a class, the triples of a property, the uses of an entity (triples with it as
    object); ``label`` and ``lang`` are the entity label that matched.
    """

    iri: str
    prefixed: str | None = None
    label: str | None = None
    lang: str | None = None
    count: int = 0


def fold(text: str) -> str:
    """``text`` for matching: case-folded, accents removed, so "nakatani" finds "Nakatani" and "é" finds "e".

    >>> fold("Ōno Ä")
    'ono a'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def prefixed_name(iri: str, prefixes: dict[str, str] = PREFIXES) -> str | None:
    """``iri`` as a prefixed name with the longest project namespace that covers it, or None.

    >>> prefixed_name("http://www.w3.org/2000/01/rdf-schema#label"), prefixed_name("urn:x")
    ('rdfs:label', None)
    """
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None or not iri[len(best) :].replace("_", "a").replace("-", "a").isalnum():
        return None  # a local name a prefixed name cannot hold as is (e.g. with "/" or "."): leave the IRI
    prefix = next(p for p, ns in prefixes.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"


def _local_name(iri: str) -> str:
    return iri[max(iri.rfind("#"), iri.rfind("/")) + 1 :]


def complete_prefixes(q: str, limit: int = MAX_LIMIT) -> list[Suggestion]:
    """The project's prefixes whose name starts with ``q`` (``kg/iris.py``), by name.

    >>> [s.prefixed for s in complete_prefixes("sk")]
    ['skos:']
    """
    wanted = fold(q.rstrip(":"))
    return [Suggestion(ns, f"{p}:") for p, ns in sorted(PREFIXES.items()) if p.startswith(wanted)][:limit]


def _name_parts(iri: str) -> list[str]:
    """The local name of ``iri`` from its start and from each camel-case word: "Quot" finds kg:DirectQuotation.

    >>> _name_parts("https://w3id.org/akg/ontology#DirectQuotation")
    ['directquotation', 'quotation']
    """
    local = _local_name(iri)
    starts = [i for i, c in enumerate(local) if i == 0 or (c.isupper() and not local[i - 1].isupper())]
    return [fold(local[i:]) for i in starts]


def _match_terms(terms: list[Suggestion], q: str, limit: int) -> list[Suggestion]:
    """Terms whose IRI, prefixed name, local name or a camel-case word of it starts with ``q`` (ordered by count)."""
    wanted = fold(q)
    found = [
        t
        for t in terms
        if fold(t.iri).startswith(wanted)
        or fold(t.prefixed or "").startswith(wanted)
        or any(part.startswith(wanted) for part in _name_parts(t.iri))
    ]
    return found[:limit]


def _terms(rows: Iterable[ox.QuerySolution], term: str, count: str) -> list[Suggestion]:
    """Suggestions from the rows of a VoID partition query, most used first."""
    terms = [
        Suggestion(row[term].value, prefixed_name(row[term].value), count=int(row[count].value))
        for row in rows
        if isinstance(row[term], ox.NamedNode)
    ]
    return sorted(terms, key=lambda t: (-t.count, t.iri))


def _word_starts(folded: str) -> list[int]:
    """Where each word of a folded label starts (after a space or punctuation)."""
    return [i for i, c in enumerate(folded) if c.isalnum() and (i == 0 or not folded[i - 1].isalnum())]


class CompletionTable:
    """The completions of one version of the data; immutable once built, so threads may share it."""

    def __init__(self, classes: list[Suggestion], properties: list[Suggestion], entities: list[Suggestion]) -> None:
        self.classes = classes
        self.properties = properties
        self._entities = entities
        keyed = sorted(
            (folded[start:], index, start == 0)
            for index, entity in enumerate(entities)
            for folded in (fold(entity.label or ""),)
            for start in _word_starts(folded)
        )
        self._keys = [key for key, _, _ in keyed]
        self._hits = [(index, whole) for _, index, whole in keyed]

    @classmethod
    def from_store(cls, store: GraphStore) -> CompletionTable:
        """Computes the table from the store's default dataset (the union of the reviewed graphs)."""
        classes = _terms(store.query(load("void_class_partitions").text), "class", "entities")  # type: ignore[arg-type]
        properties = _terms(store.query(load("void_property_partitions").text), "property", "triples")  # type: ignore[arg-type]
        entities = [
            Suggestion(
                iri=row["entity"].value,
                prefixed=prefixed_name(row["entity"].value),
                label=row["label"].value,
                lang=row["label"].language,
                count=int(row["uses"].value),
            )
            for row in store.query(load("complete_labels").text)  # type: ignore[union-attr]
        ]
        return cls(classes, properties, entities)

    def complete(self, kind: str, q: str, limit: int = 20) -> list[Suggestion]:
        """The suggestions of ``kind`` (one of :data:`KINDS`) for what was typed, best first.

        Raises:
            ValueError: an unknown kind.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        if kind == "prefix":
            return complete_prefixes(q, limit)
        if kind == "class":
            return _match_terms(self.classes, q, limit)
        if kind == "property":
            return _match_terms(self.properties, q, limit)
        if kind == "entity":
            return self._complete_entities(q, limit)
        raise ValueError(f"unknown kind {kind!r}; the kinds are {', '.join(KINDS)}")

    def _complete_entities(self, q: str, limit: int) -> list[Suggestion]:
        """Entities with a label (or a word of one) starting with ``q``: whole-label matches first, then by uses.

        One suggestion per entity, with the label that matched best.
        """
        wanted = fold(q).strip()
        if not wanted:
            return []
        low = bisect.bisect_left(self._keys, wanted)
        high = bisect.bisect_left(self._keys, wanted + _END, low)
        best: dict[str, tuple[tuple[bool, int, int], Suggestion]] = {}
        for index, whole in self._hits[low:high]:
            entity = self._entities[index]
            rank = (whole, entity.count, -len(entity.label or ""))
            held = best.get(entity.iri)
            if held is None or rank > held[0]:
                best[entity.iri] = (rank, entity)
        ranked = sorted(best.values(), key=lambda pair: (pair[0], pair[1].iri), reverse=True)
        return [entity for _, entity in ranked[:limit]]
