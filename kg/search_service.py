"""Full-text search inside SPARQL: the reserved ``SERVICE <https://w3id.org/akg/search>``, evaluated here.

As GraphDB and Virtuoso do, the search is a graph pattern the query joins with the data::

    PREFIX kgsearch: <https://w3id.org/akg/search#>
    SELECT ?s ?score WHERE {
      SERVICE <https://w3id.org/akg/search> { ?s kgsearch:matches "healthy sense of caution" ; kgsearch:score ?score }
      ?s kg:speaker ?speaker .
    }

pyoxigraph would send a SERVICE clause over HTTP, so the clause never reaches it: :func:`expand_search` runs
the search on the index (:mod:`kg.search`) and puts a ``VALUES`` block of its answers in the clause's place,
before the engine parses the query. Both query paths call it: the server's (server/results.py) and ``kg query``.
The SERVICE allowlist (kg/federation.py) lets this one IRI through for queries, never for updates.

Inside the clause, one subject (a variable, or an IRI to ask whether that node matches) and these properties:

* ``kgsearch:matches`` — the search text, a literal (required; FTS5 syntax: phrases, ``nucl*``, AND/OR/NOT);
* ``kgsearch:score`` — the BM25 score, higher is better (``xsd:double``);
* ``kgsearch:snippet`` — the text around the match, as HTML: the text escaped, matches in ``<mark>``;
* ``kgsearch:kind`` — ``"statement"``, ``"entity"``, ``"concept"`` or ``"source"``: a literal filters, a
  variable is bound;
* ``kgsearch:limit`` — at most this many nodes (an integer; default :data:`DEFAULT_LIMIT`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import pyoxigraph as ox

from kg.errors import SearchError, SearchIndexMissing
from kg.federation import service_targets
from kg.iris import KGSEARCH, SEARCH_SERVICE
from kg.search import KINDS, MAX_LIMIT, Hit, SearchIndex
from kg.sparql_text import Token, tokenize

#: Nodes a search clause gives when it says no ``kgsearch:limit``.
DEFAULT_LIMIT = 1000
_PROPERTIES = ("matches", "score", "snippet", "kind", "limit")
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_CHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def uses_search(query: str) -> bool:
    """Whether ``query`` may hold a search clause (a cheap test on the text, before any reading).

    >>> uses_search("SELECT * { ?s ?p ?o }")
    False
    """
    return "w3id.org/akg/search" in query or "\\u" in query


def expand_search(query: str, index: SearchIndex | None) -> str:
    """``query`` with each search SERVICE clause replaced by a ``VALUES`` block of the index's answers.

    A query without one is returned as it is (and needs no index).

    Raises:
        SearchError: a clause without a literal search text, with an unknown property or several subjects,
            or a malformed search text.
        SearchIndexMissing: a clause needs the index and there is none.
    """
    if not uses_search(query):
        return query
    generation = None if index is None else index.generation()
    if generation is None:
        return _expand(query, index)
    return _expand_remembered(query, index, generation)


@functools.lru_cache(maxsize=32)
def _expand_remembered(query: str, index: SearchIndex, generation: tuple[int, int]) -> str:
    """:func:`_expand`, remembered while the index is unchanged: a repeated search costs a dictionary look-up
    instead of the search and the VALUES text (~15 ms for 1000 hits at 100k quads: docs/search.md)."""
    return _expand(query, index)


def _expand(query: str, index: SearchIndex | None) -> str:
    tokens = [t for t in tokenize(query) if t.kind not in ("ws", "comment")]
    prefixes = _prefixes(tokens)
    pieces, skeleton, last, i = [], [], 0, 0
    while i < len(tokens):
        clause = _clause(tokens, i)
        if clause is None:
            i += 1
            continue
        open_at, close_at = clause
        if index is None:
            raise SearchIndexMissing("This query uses the search index, and there is none: run `kg build`.")
        values = _evaluate(tokens[open_at + 1 : close_at], prefixes, index)
        pieces += [query[last : tokens[i].start], values]
        skeleton += [query[last : tokens[i].start], "{}"]
        last, i = tokens[close_at].end, close_at + 1
    # fail closed: a clause left unread would be sent over HTTP. The VALUES blocks hold only IRIs and literals,
    # which name no SERVICE target, so the text around them is checked (a 60 KB block took ~1 ms to scan).
    if any(t.iri == SEARCH_SERVICE for t in service_targets("".join(skeleton) + query[last:])):
        raise SearchError(f"A SERVICE <{SEARCH_SERVICE}> clause could not be read: see docs/search.md for its form.")
    return "".join(pieces) + query[last:]


def _iri(token: Token) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])


def _clause(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """The indexes of the braces of a search clause starting at ``tokens[i]``, or None if none starts there."""
    if not tokens[i].is_word("SERVICE"):
        return None
    j = i + 1
    if j < len(tokens) and tokens[j].is_word("SILENT"):
        j += 1
    if j + 1 >= len(tokens) or tokens[j].kind != "iri" or _iri(tokens[j]) != SEARCH_SERVICE:
        return None
    if tokens[j + 1].kind != "open":
        return None
    for k in range(j + 2, len(tokens)):
        if tokens[k].kind == "open":
            raise SearchError("A search SERVICE clause holds triple patterns only, no nested group.")
        if tokens[k].kind == "close":
            return j + 1, k
    raise SearchError("A search SERVICE clause is not closed with '}'.")


def _prefixes(tokens: list[Token]) -> dict[str, str]:
    found = {}
    for i, token in enumerate(tokens[:-2]):
        if token.is_word("PREFIX") and tokens[i + 1].text.endswith(":") and tokens[i + 2].kind == "iri":
            found[tokens[i + 1].text[:-1]] = _iri(tokens[i + 2])
    return found


def _term(tokens: list[Token], i: int, prefixes: dict[str, str]) -> tuple[ox.Term | str, int]:  # type: ignore[name-defined]
    """The term at ``tokens[i]``: a variable name (``?x``), an IRI, or a literal; and the next index."""
    token = tokens[i]
    if token.kind == "var":
        return token.text, i + 1
    if token.kind == "iri":
        return ox.NamedNode(_iri(token)), i + 1
    if token.kind == "string":
        quote = 3 if token.text[:3] in ('"""', "'''") else 1
        value = _ESCAPE.sub(_unescape, token.text[quote:-quote])
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.kind == "word" and nxt.text.startswith("@"):
            return ox.Literal(value, language=nxt.text[1:]), i + 2
        if nxt is not None and nxt.kind == "word" and nxt.text.startswith("^^"):
            return ox.Literal(value, datatype=_named(nxt.text[2:], prefixes)), i + 2
        if nxt is not None and nxt.text == "^" and i + 3 < len(tokens) and tokens[i + 2].text == "^":
            return ox.Literal(value, datatype=_named(tokens[i + 3].text, prefixes)), i + 4
        return ox.Literal(value), i + 1
    if token.kind == "word" and re.fullmatch(r"[+-]?\d+", token.text):
        return ox.Literal(token.text, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), i + 1
    if token.kind == "word":
        return _named(token.text, prefixes), i + 1
    raise SearchError(f"Unexpected {token.text!r} in a search SERVICE clause.")


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _CHARS.get(code, "\\" + code)


def _named(text: str, prefixes: dict[str, str]) -> ox.NamedNode:
    if text.startswith("<") and text.endswith(">"):
        return ox.NamedNode(text[1:-1])
    prefix, colon, local = text.partition(":")
    if not colon or prefix not in prefixes:
        raise SearchError(f"{text!r} in a search SERVICE clause is not an IRI or a declared prefixed name.")
    return ox.NamedNode(prefixes[prefix] + local)


def _evaluate(tokens: list[Token], prefixes: dict[str, str], index: SearchIndex) -> str:
    """The ``VALUES`` block that stands for one clause's triple patterns."""
    if not tokens:
        raise SearchError('An empty search SERVICE clause: give ?node kgsearch:matches "words".')
    subject, i = _term(tokens, 0, prefixes)
    if isinstance(subject, ox.Literal):
        raise SearchError("The subject of a search SERVICE clause is a variable or an IRI, not a literal.")
    given: dict[str, object] = {}
    while i < len(tokens):
        if tokens[i].text in (";", "."):
            i += 1
            if i < len(tokens) and tokens[i - 1].text == "." and tokens[i].text not in (";", "."):
                again, i = _term(tokens, i, prefixes)
                if again != subject:
                    raise SearchError("A search SERVICE clause has one subject: write each search in its own clause.")
            continue
        predicate, i = _term(tokens, i, prefixes)
        name = predicate.value.removeprefix(str(KGSEARCH)) if isinstance(predicate, ox.NamedNode) else ""
        if not isinstance(predicate, ox.NamedNode) or not predicate.value.startswith(str(KGSEARCH)):
            raise SearchError(f"A search SERVICE clause takes only kgsearch: properties ({', '.join(_PROPERTIES)}).")
        if name not in _PROPERTIES:
            raise SearchError(f"Unknown search property kgsearch:{name}: it takes {', '.join(_PROPERTIES)}.")
        value, i = _term(tokens, i, prefixes)
        if name in given:
            raise SearchError(f"kgsearch:{name} is given twice in one search SERVICE clause.")
        given[name] = value
    text = given.get("matches")
    if text is None:
        raise SearchError('A search SERVICE clause needs kgsearch:matches "words".')
    if not isinstance(text, ox.Literal):
        raise SearchError("The search text (kgsearch:matches) must be a literal, not a variable or an IRI.")
    # without a score the clause promises no order: BM25 is only needed if the limit cuts the matches
    hits = index.search(
        text.value,
        _kind(given.get("kind")),
        _limit(given.get("limit")),
        snippets="snippet" in given,
        ranked="score" in given,
    )
    return _values(subject, given, hits)


def _kind(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return None  # a variable: bound, not filtered
    if not isinstance(value, ox.Literal) or value.value not in KINDS:
        raise SearchError(f"kgsearch:kind takes one of {', '.join(KINDS)} (a literal) or a variable.")
    return value.value


def _limit(value: object) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not isinstance(value, ox.Literal) or not re.fullmatch(r"\+?\d+", value.value):
        raise SearchError(f"kgsearch:limit takes a whole number from 1 to {MAX_LIMIT}.")
    return int(value.value)


def _values(subject: object, given: dict[str, object], hits: list[Hit]) -> str:
    """A VALUES block binding the clause's variables; constants (an IRI subject, a kind) filter the hits.

    One variable (the usual ``?node``) is written without row parentheses: the depth check reads an IRI after
    ``(`` as one token but counts every bracket, and the block is the bulk of the query text.

    >>> _values("?n", {}, [Hit("urn:a", "entity", "g", "", "", 1.5, ())])
    'VALUES ?n { <urn:a> }'
    """
    slots = {"node": subject, **{k: v for k, v in given.items() if k in ("score", "snippet", "kind")}}
    names = list(dict.fromkeys(v for v in slots.values() if isinstance(v, str)))
    if len(names) == len(slots):  # every slot its own variable: nothing to filter or match, one column each
        columns = [_COLUMNS[key] for key in slots]
        rows = [" ".join(str(column(hit)) for column in columns) for hit in hits]
    else:
        rows = [row for hit in hits if (row := _row(slots, names, hit)) is not None]
    if len(names) == 1:
        return f"VALUES {names[0]} {{ {' '.join(rows)} }}"
    return f"VALUES ({' '.join(names)}) {{ {' '.join(f'({row})' for row in rows)} }}"


def _row(slots: dict[str, object], names: list[str], hit: Hit) -> str | None:
    """A hit's row of the VALUES block, or None when a constant slot (an IRI subject, a kind) does not match."""
    bound: dict[str, str] = {}
    if all(_fits(slot, _COLUMNS[key](hit), bound) for key, slot in slots.items()):
        return " ".join(bound[name] for name in names)
    return None


#: The term of each slot for a hit.
_COLUMNS: dict[str, Callable[[Hit], ox.NamedNode | ox.Literal]] = {
    "node": lambda hit: ox.NamedNode(hit.node),
    "score": lambda hit: ox.Literal(repr(hit.score), datatype=_XSD_DOUBLE),
    "snippet": lambda hit: ox.Literal(hit.snippet),
    "kind": lambda hit: ox.Literal(hit.kind),
}


def _fits(slot: object, term: object, bound: dict[str, str]) -> bool:
    text = str(term)
    if isinstance(slot, str):  # a variable: bound, consistently if it appears twice
        return bound.setdefault(slot, text) == text
    if isinstance(slot, ox.Literal) and isinstance(term, ox.Literal) and slot.datatype == term.datatype:
        return slot.value == term.value or (term.datatype == _XSD_DOUBLE and _same_number(slot.value, term.value))
    return str(slot) == text


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


__all__ = ["DEFAULT_LIMIT", "expand_search", "uses_search"]
