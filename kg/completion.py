"""Data-aware completion for the query editor: prefixes, classes and properties in use, and entities by label.

The QLever UI showed the way (https://github.com/ad-freiburg/qlever-ui): suggestions come from the data, not
from a vocabulary service on the internet. A :class:`CompletionTable` is computed once from the store (four
queries: the VoID class and property partitions, the labels of named things, and their uses) and then answers
each keystroke from memory: classes and properties are a few hundred rows, scanned; entity labels are a sorted
list of keys (each label from its start and from each of its words, case- and accent-folded) searched by
bisection, with the answers of one- and two-character prefixes computed ahead. It knows nothing of HTTP or of
when the data changes: the server keeps the table of the data version it serves (server/routers/complete.py).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kg.iris import PREFIXES
from kg.queries import load
from kg.search_documents import kind_of
from kg.store import GraphStore

#: What can be completed, in the order of the ``kind`` parameter's documentation.
KINDS = ("prefix", "class", "property", "entity")
#: The most suggestions one answer holds.
MAX_LIMIT = 100
#: One past the highest code point: every key starting with ``q`` sorts before ``q + _END``.
_END = "\U0010ffff"
#: The kinds of :func:`kg.search_documents.kind_of` that complete as entities by label.
_NAMED_KINDS = ("entity", "concept", "source")
_ALT_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")


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


_WORD_START = re.compile(r"(?<![^\W_])[^\W_]")


def _word_starts(folded: str) -> list[int]:
    """Where each word of a folded label starts (a letter or digit after a space or punctuation).

    >>> _word_starts("nakatani gen (2025)")
    [0, 9, 14]
    """
    return [m.start() for m in _WORD_START.finditer(folded)]


def named_labels(rows: Iterable[ox.QuerySolution]) -> dict[tuple[str, str, str | None], bool]:
    """The (entity, label, language) of the rows of ``complete_labels`` whose node is a named thing, each with
    whether it is a preferred label (``rdfs:label``, ``skos:prefLabel``) rather than only an ``skos:altLabel``.

    Named things are what the search index calls entities, concepts and sources (:func:`kg.search_documents.kind_of`):
    persons, organisations, places, posts, events, concepts, sources. Statements are left out (their labels are
    sentences, keyed from every word they swamped every short prefix), and so are dates, anchors and the
    ontology's own terms (classes and properties complete as such).
    """
    types: dict[str, set[str]] = defaultdict(set)
    labels: dict[tuple[str, str, str | None], bool] = {}
    for row in rows:
        entity, label, kind = row["entity"], row["label"], row["type"]
        if isinstance(entity, ox.NamedNode) and isinstance(label, ox.Literal) and isinstance(kind, ox.NamedNode):
            types[entity.value].add(kind.value)
            key = (entity.value, label.value, label.language)
            labels[key] = labels.get(key, False) or row["labelProperty"] != _ALT_LABEL
    named = {entity for entity, found in types.items() if kind_of(found) in _NAMED_KINDS}
    return {key: preferred for key, preferred in labels.items() if key[0] in named}


class CompletionTable:
    """The completions of one version of the data; immutable once built, so threads may share it.

    Entity labels are keyed from their start and from each word, folded, in one sorted list searched by
    bisection. Every label has a rank (its position in the order: most used entity first, then a preferred label
    before an alternative one, then shorter label, then IRI), so one key's hit is one integer, ``rank`` for a
    later word and ``rank - len(labels)`` for the whole label: the best suggestions of a prefix are its smallest
    hits. The answers of every prefix of one or two characters, whose hits are a large share of all keys, are
    computed once here.
    """

    def __init__(
        self,
        classes: list[Suggestion],
        properties: list[Suggestion],
        labels: Mapping[tuple[str, str, str | None], bool],
        uses: dict[str, int],
    ) -> None:
        self.classes = classes
        self.properties = properties
        ranked = sorted(labels, key=lambda e: (-uses.get(e[0], 0), not labels[e], len(e[1]), e[0], e[1], e[2] or ""))
        self._labels = ranked
        self._uses = uses
        whole = len(ranked)
        keyed = sorted(
            (folded[start:], rank - whole if start == 0 else rank)
            for rank, (_, label, _) in enumerate(ranked)
            for folded in (fold(label),)
            for start in _word_starts(folded)
        )
        self._keys = [key for key, _ in keyed]
        self._hits = [hit for _, hit in keyed]
        short = {key[:n] for key in self._keys for n in (1, 2) if len(key) >= n}
        self._short = {prefix: self._best(prefix, MAX_LIMIT) for prefix in short}

    @classmethod
    def from_store(cls, store: GraphStore) -> CompletionTable:
        """Computes the table from the store's default dataset (the union of the reviewed graphs).

        Four queries: the VoID class and property partitions, the labels with their nodes' types, and the uses
        of the labelled nodes as one aggregate (joining it to every label row made the build 40 s at 1M quads).
        """
        classes = _terms(store.query(load("void_class_partitions").text), "class", "entities")  # type: ignore[arg-type]
        properties = _terms(store.query(load("void_property_partitions").text), "property", "triples")  # type: ignore[arg-type]
        labels = named_labels(store.query(load("complete_labels").text))  # type: ignore[arg-type]
        uses = {
            row["entity"].value: int(row["uses"].value)
            for row in store.query(load("complete_uses").text)  # type: ignore[union-attr]
        }
        return cls(classes, properties, labels, uses)

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
        ranks = self._short[wanted][:limit] if wanted in self._short else self._best(wanted, limit)
        suggestions = []
        for rank in ranks:
            iri, label, lang = self._labels[rank]
            suggestions.append(Suggestion(iri, prefixed_name(iri), label, lang, self._uses.get(iri, 0)))
        return suggestions

    def _best(self, wanted: str, limit: int) -> list[int]:
        """The ranks of the best label of each of the first ``limit`` entities with a key starting with ``wanted``."""
        low = bisect.bisect_left(self._keys, wanted)
        high = bisect.bisect_left(self._keys, wanted + _END, low)
        whole = len(self._labels)
        chosen: list[int] = []
        seen: set[str] = set()
        for hit in sorted(self._hits[low:high]):
            rank = hit + whole if hit < 0 else hit
            iri = self._labels[rank][0]
            if iri not in seen:
                seen.add(iri)
                chosen.append(rank)
                if len(chosen) == limit:
                    break
        return chosen
