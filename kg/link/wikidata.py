"""Candidates from a Wikidata SPARQL endpoint, and their scores.

:class:`WikidataClient` is a polite client: every request is a POST with a descriptive User-Agent (the Query
Service's policy), has a timeout, is retried on 429, 5xx and connection errors with exponential backoff (and
``Retry-After``), and counts against a per-run budget; it fails with one :class:`~kg.errors.LinkError` that
names the endpoint. :func:`reconcile` asks it for candidates (``candidates.rq``: label or alias, of the
right type) and for their statements (``facts.rq``), then :func:`score` compares them with our graph.

Scores (in [0, 1]; the weights are a judgement, written here so that a curator can read them):

=====================================================  ======
our name is the item's English label                   0.60
our name is one of its aliases                          0.50
its country (P27 person, P17/P1001 otherwise) matches  +0.25
it has a country, and none matches                     -0.30
a post the person holds in our graph is its P39         +0.30
a party of the person in our graph is its P102          +0.15
a holder of the post in our graph has it as P39         +0.30
=====================================================  ======

"Our names" are the label, the label without a trailing "(qualifier)" (``Minister of Defense (Japan)``), and
for a two-word personal name the reversed order (Wikidata's English labels put Japanese family names last).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

import httpx
import pyoxigraph as ox

from kg.errors import LinkError
from kg.federation import WIKIDATA_SPARQL
from kg.iris import KG, WD, WDT
from kg.link.decisions import Candidate
from kg.link.entities import Entity, shipped_query

USER_AGENT = "article-kg/0.1 (https://w3id.org/akg/; research knowledge graph)"
RESULTS_JSON = "application/sparql-results+json"


def _wd(qid: str) -> str:
    return str(WD[qid])


#: Wikidata classes (P31, or a subclass through P279*) that a candidate must be an instance of, by our class;
#: an entity takes those of its own classes, else of its kind.
TYPES: dict[str, tuple[str, ...]] = {
    str(KG.Person): (_wd("Q5"),),  # human
    str(KG.State): (_wd("Q6256"), _wd("Q3624078")),  # country, sovereign state
    str(KG.Post): (_wd("Q4164871"),),  # position
    # organization; newspaper, periodical, television station (Wikidata does not make these organisations)
    str(KG.MediaOutlet): (_wd("Q43229"), _wd("Q11032"), _wd("Q1002697"), _wd("Q1616075")),
    str(KG.Organization): (_wd("Q43229"),),  # organization
    str(KG.City): (_wd("Q515"),),  # city
    str(KG.Region): (_wd("Q82794"),),  # geographic region
    str(KG.Place): (_wd("Q2221906"),),  # geographic location
}
KIND_CLASS = {
    "person": KG.Person,
    "state": KG.State,
    "post": KG.Post,
    "organization": KG.Organization,
    "place": KG.Place,
}

P27, P39, P102, P17, P1001 = (str(WDT[p]) for p in ("P27", "P39", "P102", "P17", "P1001"))
LABEL, ALIAS = 0.6, 0.5
COUNTRY_MATCH, COUNTRY_CONFLICT = 0.25, -0.3
POST_HELD, PARTY, HELD_BY_HOLDER = 0.3, 0.15, 0.3

_QID_IRI = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")


class WikidataClient:
    """POSTs SPARQL queries to a Wikidata endpoint and returns the solutions, politely and within bounds.

    Args:
        endpoint: the SPARQL endpoint (the public Query Service by default; a stand-in in tests).
        timeout: seconds for each request (connect and read).
        retries: further attempts after a 429, a 5xx or a connection error.
        backoff: the first wait between attempts in seconds, doubled each time (``Retry-After`` wins, up to 60 s).
        max_requests: the most requests one run may send, retries included.
        max_bytes: the largest answer accepted.
    """

    def __init__(
        self,
        endpoint: str = WIKIDATA_SPARQL,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        max_requests: int = 500,
        max_bytes: int = 20_000_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.retries = retries
        self.backoff = backoff
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self.requests = 0
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": RESULTS_JSON},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WikidataClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _post(self, query: str) -> httpx.Response:
        last = ""
        for attempt in range(self.retries + 1):
            if self.requests >= self.max_requests:
                raise LinkError(f"stopped after {self.requests} requests to {self.endpoint} (the per-run limit)")
            self.requests += 1
            wait = self.backoff * 2**attempt
            try:
                response = self._http.post(self.endpoint, data={"query": query})
            except httpx.TransportError as err:
                last = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    last = f"HTTP {response.status_code}"
                    retry_after = response.headers.get("retry-after", "")
                    if retry_after.isdigit():
                        wait = min(float(retry_after), 60.0)
                elif response.status_code != 200:
                    first = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
                    raise LinkError(f"{self.endpoint} refused the query: HTTP {response.status_code} {first}".rstrip())
                else:
                    return response
            if attempt < self.retries:
                self._sleep(wait)
        attempts = self.retries + 1
        raise LinkError(
            f"cannot reach the Wikidata endpoint {self.endpoint} ({last}, {attempts} attempt(s)); "
            "check --endpoint and the network"
        )

    def select(self, query: str) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        """The solutions of a SELECT query, as {variable name: term}.

        Raises:
            LinkError: the endpoint is unreachable after the retries, refuses the query, or answers with
                something that is not SPARQL JSON results.
        """
        response = self._post(query)
        if len(response.content) > self.max_bytes:
            raise LinkError(f"{self.endpoint} answered {len(response.content)} bytes (limit {self.max_bytes})")
        try:
            solutions = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
            assert isinstance(solutions, ox.QuerySolutions)
            names = [v.value for v in solutions.variables]
            return [{n: s[n] for n in names if s[n] is not None} for s in solutions]
        except (SyntaxError, ValueError, AssertionError) as err:
            kind = response.headers.get("content-type", "?")
            raise LinkError(f"{self.endpoint} did not answer with SPARQL JSON results ({kind}): {err}") from err


def values_block(variables: tuple[str, ...], rows: Iterable[tuple[ox.NamedNode | ox.Literal, ...]]) -> str:
    """A SPARQL VALUES block; terms are serialised by pyoxigraph, so any label is a correctly escaped literal.

    >>> print(values_block(("name",), [(ox.Literal('Say "hi"\\n', language="en"),)]))
    VALUES (?name) { ("Say \\"hi\\"\\n"@en) }
    """
    head = " ".join(f"?{v}" for v in variables)
    body = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in rows)
    return f"VALUES ({head}) {{ {body} }}"


def _fill(query: str, marker: str, block: str) -> str:
    if query.count(marker) != 1:
        raise LinkError(f"the shipped query has no single {marker!r} to fill")  # a packaging error
    return query.replace(marker, block)


def names_for(entity: Entity) -> list[str]:
    """Our names for an entity, as they may appear in Wikidata's English labels and aliases.

    >>> names_for(Entity("x", "Minister of Defense (Japan)", "post", frozenset()))
    ['Minister of Defense (Japan)', 'Minister of Defense']
    >>> names_for(Entity("x", "Satake Tomohiko", "person", frozenset()))
    ['Satake Tomohiko', 'Tomohiko Satake']
    """
    names = [entity.label]
    unqualified = re.sub(r"\s*\([^()]*\)$", "", entity.label)
    if unqualified and unqualified != entity.label:
        names.append(unqualified)
    words = entity.label.split()
    if entity.kind == "person" and len(words) == 2:
        names.append(f"{words[1]} {words[0]}")
    return names


def types_for(entity: Entity) -> tuple[str, ...]:
    """The Wikidata classes a candidate for ``entity`` must belong to."""
    own = [t for c in sorted(entity.classes) for t in TYPES.get(c, ())]
    return tuple(dict.fromkeys(own)) or TYPES[str(KIND_CLASS[entity.kind])]


def score(
    entity: Entity, item: str, matches: set[tuple[str, str]], facts: dict[str, dict[str, set[str]]]
) -> tuple[float, tuple[str, ...]]:
    """A candidate's score in [0, 1] and the reasons, from how its name matched (``(field, name)`` pairs,
    field ``label`` or ``alias``) and its statements (``facts``: item -> property -> values)."""
    mine = facts.get(item, {})
    context = entity.context
    labels = sorted(name for f, name in matches if f == "label")
    if labels:
        total, reasons = LABEL, [f"English label '{labels[0]}' is our name"]
    else:
        total, reasons = ALIAS, [f"English alias '{sorted(n for _, n in matches)[0]}' is our name"]
    expected = context.expected_countries
    country_props = (P27,) if entity.kind == "person" else (P17, P1001)
    theirs = set().union(*(mine.get(p, set()) for p in country_props))
    prop_names = "/".join(p.rsplit("/", 1)[-1] for p in country_props)
    where = "its country in our graph" if context.countries else "the article's country"
    if expected and theirs & expected:
        total += COUNTRY_MATCH
        reasons.append(f"{prop_names} {_qids(theirs & expected)} matches {where}")
    elif expected and theirs:
        total += COUNTRY_CONFLICT
        reasons.append(f"{prop_names} {_qids(theirs)} contradicts {where} {_qids(expected)}")
    if entity.kind == "person":
        if held := mine.get(P39, set()) & context.posts:
            total += POST_HELD
            reasons.append(f"P39 {_qids(held)} is a post it holds in our graph")
        if parties := mine.get(P102, set()) & context.parties:
            total += PARTY
            reasons.append(f"P102 {_qids(parties)} is its party in our graph")
    if entity.kind == "post":
        holders = sorted(h for h in context.holders if item in facts.get(h, {}).get(P39, set()))
        if holders:
            total += HELD_BY_HOLDER
            reasons.append(f"held (P39) by {_qids(holders)}, its holder(s) in our graph")
    return round(min(1.0, max(0.0, total)), 3), tuple(reasons)


def _qids(items: Iterable[str]) -> str:
    return ",".join(sorted(i.rsplit("/", 1)[-1] for i in items))


def candidates_for(entity: Entity, client: WikidataClient) -> list[Candidate]:
    """Ask the endpoint for candidates (name and type), then for their statements, and score them."""
    names = names_for(entity)
    types = types_for(entity)
    rows = [(ox.Literal(n, language="en"), ox.NamedNode(t)) for n in names for t in types]
    query = _fill(shipped_query("candidates.rq"), "VALUES (?name ?type) {}", values_block(("name", "type"), rows))
    found: dict[str, dict[str, object]] = {}
    for row in client.select(query):
        if not {"item", "field", "name"} <= row.keys() or not _QID_IRI.match(row["item"].value):
            continue  # lexemes, properties, incomplete rows: not a candidate
        item = row["item"].value
        entry = found.setdefault(item, {"matches": set(), "label": "", "description": ""})
        entry["matches"].add((row["field"].value, row["name"].value))  # type: ignore[attr-defined]
        if "label" in row:
            entry["label"] = row["label"].value
        if "description" in row:
            entry["description"] = row["description"].value
    if not found:
        return []
    context = entity.context
    related = sorted(set(found) | {h for h in context.holders if _QID_IRI.match(h)})
    facts_query = _fill(
        shipped_query("facts.rq"), "VALUES ?item {}", values_block(("item",), [(ox.NamedNode(i),) for i in related])
    )
    facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in client.select(facts_query):
        if {"item", "property", "value"} <= row.keys():
            facts[row["item"].value][row["property"].value].add(row["value"].value)
    out = []
    for item, entry in sorted(found.items()):
        value, reasons = score(entity, item, entry["matches"], facts)  # type: ignore[arg-type]
        out.append(Candidate(item, str(entry["label"]), str(entry["description"]), value, reasons))
    return out
