"""Which entities of the built store ``kg link`` reconciles, and what the graph says about each (the ``.rq``
files of this package, run on the store)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

from kg.iris import KG
from kg.narrow import solutions
from kg.store import GraphStore

#: Our top classes, most specific first: an entity typed with several (a state is also an organisation and a
#: place) is reconciled as the first.
KINDS: dict[str, str] = {
    str(KG.Person): "person",
    str(KG.State): "state",
    str(KG.Post): "post",
    str(KG.Organization): "organization",
    str(KG.Place): "place",
}


def shipped_query(name: str) -> str:
    """The text of one of the `.rq` files of this package."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Context:
    """Wikidata items that our graph relates to an entity (see ``context.rq``)."""

    countries: frozenset[str] = frozenset()
    posts: frozenset[str] = frozenset()
    parties: frozenset[str] = frozenset()
    holders: frozenset[str] = frozenset()
    article_countries: frozenset[str] = frozenset()

    @property
    def expected_countries(self) -> frozenset[str]:
        """The entity's own countries, else its article's: what P27/P17/P1001 should say."""
        return self.countries or self.article_countries


@dataclass(frozen=True)
class Entity:
    """One entity of our graph, with what ``kg link`` needs to reconcile it."""

    iri: str
    label: str
    kind: str
    classes: frozenset[str]
    context: Context = field(default_factory=Context)
    wikidata: str | None = None
    evidence: str | None = None
    justification: str | None = None


@dataclass
class _Found:
    """What entities.rq says about one entity, over its rows."""

    label: str
    classes: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    link: dict[str, str] = field(default_factory=dict)


def _article_countries(store: GraphStore) -> dict[str, str]:
    """Each article's country: the state most of its posts belong to (none on a tie)."""
    counts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in solutions(store.query(shipped_query("article_countries.rq"))):
        counts[row["source"].value].append((int(row["posts"].value), row["item"].value))
    out = {}
    for source, ranked in counts.items():
        ranked.sort(reverse=True)
        if len(ranked) == 1 or ranked[0][0] > ranked[1][0]:
            out[source] = ranked[0][1]
    return out


def load_entities(store: GraphStore) -> list[Entity]:
    """Every person, organisation, state, place and post of the built store, with its context and link."""
    found: dict[str, _Found] = {}
    for row in solutions(store.query(shipped_query("entities.rq"))):
        entry = found.setdefault(row["entity"].value, _Found(row["label"].value))
        entry.classes.add(row["class"].value)
        entry.kinds.add(row["kind"].value)
        if row["source"] is not None:
            entry.sources.add(row["source"].value)
        for key in ("wikidata", "evidence", "justification"):
            if row[key] is not None:
                entry.link[key] = row[key].value
    facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in solutions(store.query(shipped_query("context.rq"))):
        facts[row["entity"].value][row["role"].value].add(row["item"].value)
    article_country = _article_countries(store)
    entities = []
    for iri, entry in sorted(found.items()):
        own = facts.get(iri, {})
        context = Context(
            countries=frozenset(own.get("country", ())),
            posts=frozenset(own.get("post", ())),
            parties=frozenset(own.get("party", ())),
            holders=frozenset(own.get("holder", ())),
            article_countries=frozenset(article_country[s] for s in entry.sources if s in article_country),
        )
        kind = next(name for cls, name in KINDS.items() if cls in entry.kinds)
        link = entry.link
        entities.append(
            Entity(
                iri,
                entry.label,
                kind,
                frozenset(entry.classes),
                context,
                link.get("wikidata"),
                link.get("evidence"),
                link.get("justification"),
            )
        )
    return entities
