"""What the assistant already knows: entities, posts and concepts of the graph, plus a few general lists.

The graph's own knowledge comes from the reviewed annotation files (``kg/sources/*.yaml``) and, when it exists,
the built store; a match there reuses the existing slug. The built-in lists are general knowledge (states and
their demonyms, capitals, regions, country groups), never facts taken from one article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from kg.iris import slugify


@dataclass(frozen=True)
class Known:
    """An entity the graph (or a built-in list) already has."""

    slug: str
    kind: str
    types: tuple[str, ...]
    label: str
    alt: tuple[str, ...] = ()
    origin: str = "built-in list"
    wikidata: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.alt)


@dataclass
class Gazetteer:
    entities: list[Known] = field(default_factory=list)
    posts: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (slug, post_in slug)
    concepts: dict[str, tuple[str, str]] = field(default_factory=dict)  # label or alt (lower) -> (slug, label)
    held: dict[str, set[str]] = field(default_factory=dict)  # holder slug -> labels of the posts they hold

    def by_name(self) -> dict[str, Known]:
        """Each name (label or alternative label) -> the entity; graph entities win over built-in ones."""
        table: dict[str, Known] = {}
        for k in sorted(self.entities, key=lambda k: k.origin == "built-in list"):
            for name in k.names:
                table.setdefault(name, k)
        return table

    def state_for(self, word: str) -> Known | None:
        """The state a demonym, name or short form points to ("Japanese", "U.S.") or None."""
        slug = DEMONYMS.get(word)
        table = self.by_name()
        if slug:
            return next((k for k in self.entities if k.slug == slug), None)
        k = table.get(word)
        return k if k and k.kind == "state" else None


# name, alternative labels, demonyms; general knowledge, kept short on purpose.
_STATES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Japan", (), ("Japanese",)),
    ("United States", ("U.S.", "US", "USA", "America", "United States of America"), ("American", "U.S.")),
    ("China", ("People's Republic of China", "PRC"), ("Chinese",)),
    ("Taiwan", (), ("Taiwanese",)),
    ("South Korea", ("Republic of Korea", "ROK"), ("South Korean",)),
    ("North Korea", ("DPRK",), ("North Korean",)),
    ("Russia", ("Russian Federation",), ("Russian",)),
    ("Ukraine", (), ("Ukrainian",)),
    ("United Kingdom", ("UK", "U.K.", "Britain", "Great Britain"), ("British",)),
    ("France", (), ("French",)),
    ("Germany", (), ("German",)),
    ("Italy", (), ("Italian",)),
    ("Spain", (), ("Spanish",)),
    ("Poland", (), ("Polish",)),
    ("Netherlands", (), ("Dutch",)),
    ("Canada", (), ("Canadian",)),
    ("Mexico", (), ("Mexican",)),
    ("Brazil", (), ("Brazilian",)),
    ("Argentina", (), ("Argentine",)),
    ("Australia", (), ("Australian",)),
    ("New Zealand", (), ("New Zealander",)),
    ("India", (), ("Indian",)),
    ("Pakistan", (), ("Pakistani",)),
    ("Bangladesh", (), ("Bangladeshi",)),
    ("Indonesia", (), ("Indonesian",)),
    ("Philippines", (), ("Philippine", "Filipino")),
    ("Vietnam", ("Viet Nam",), ("Vietnamese",)),
    ("Thailand", (), ("Thai",)),
    ("Malaysia", (), ("Malaysian",)),
    ("Singapore", (), ("Singaporean",)),
    ("Cambodia", (), ("Cambodian",)),
    ("Myanmar", ("Burma",), ("Burmese",)),
    ("Mongolia", (), ("Mongolian",)),
    ("Iran", (), ("Iranian",)),
    ("Iraq", (), ("Iraqi",)),
    ("Israel", (), ("Israeli",)),
    ("Saudi Arabia", (), ("Saudi",)),
    ("Turkey", ("Türkiye",), ("Turkish",)),
    ("Egypt", (), ("Egyptian",)),
    ("South Africa", (), ("South African",)),
    ("Nigeria", (), ("Nigerian",)),
    ("Kenya", (), ("Kenyan",)),
    ("Sweden", (), ("Swedish",)),
    ("Norway", (), ("Norwegian",)),
    ("Finland", (), ("Finnish",)),
    ("Denmark", (), ("Danish",)),
    ("Switzerland", (), ("Swiss",)),
    ("Austria", (), ("Austrian",)),
    ("Belgium", (), ("Belgian",)),
    ("Greece", (), ("Greek",)),
    ("Portugal", (), ("Portuguese",)),
    ("Ireland", (), ("Irish",)),
)
#: Capitals used as metonyms for their state's government ("Tokyo wants ...").
CAPITALS: dict[str, str] = {
    "Tokyo": "Japan",
    "Washington": "United States",
    "Beijing": "China",
    "Taipei": "Taiwan",
    "Seoul": "South Korea",
    "Pyongyang": "North Korea",
    "Moscow": "Russia",
    "Kyiv": "Ukraine",
    "London": "United Kingdom",
    "Paris": "France",
    "Berlin": "Germany",
    "Rome": "Italy",
    "Madrid": "Spain",
    "Warsaw": "Poland",
    "Ottawa": "Canada",
    "Canberra": "Australia",
    "New Delhi": "India",
    "Jakarta": "Indonesia",
    "Manila": "Philippines",
    "Hanoi": "Vietnam",
    "Bangkok": "Thailand",
    "Tehran": "Iran",
    "Ankara": "Turkey",
    "Cairo": "Egypt",
}
_REGIONS = (
    "Asia",
    "Europe",
    "Africa",
    "Oceania",
    "Middle East",
    "Latin America",
    "South America",
    "North America",
    "Indo-Pacific",
    "Euro-Atlantic",
    "Asia-Pacific",
    "Southeast Asia",
    "East Asia",
    "South Asia",
    "Central Asia",
    "Pacific",
    "Arctic",
    "Taiwan Strait",
    "South China Sea",
    "East China Sea",
    "Korean Peninsula",
)
_GROUPS = (("Global South", ()), ("G7", ("Group of Seven",)), ("G20", ("Group of 20",)), ("BRICS", ()), ("Quad", ()))
_IGOS = (
    ("Association of Southeast Asian Nations", ("ASEAN",)),
    ("North Atlantic Treaty Organization", ("NATO",)),
    ("United Nations", ("UN", "U.N.")),
    ("European Union", ("EU", "E.U.")),
    ("World Trade Organization", ("WTO",)),
    ("International Monetary Fund", ("IMF",)),
    ("World Bank", ()),
    ("African Union", ("AU",)),
)

DEMONYMS: dict[str, str] = {d: slugify(name) for name, _, dems in _STATES for d in dems}


def builtin_entities() -> list[Known]:
    """States, regions, country groups and intergovernmental organisations every article may name."""
    known = [Known(slugify(n), "state", ("State",), n, alt) for n, alt, _ in _STATES]
    known = [Known(k.slug, k.kind, ("State", "City"), k.label, k.alt) if k.label == "Singapore" else k for k in known]
    known += [Known(slugify(r), "place", ("Region",), r) for r in _REGIONS]
    known += [Known(slugify(n), "organization", ("CountryGroup",), n, alt) for n, alt in _GROUPS]
    known += [Known(slugify(n), "organization", ("IntergovernmentalOrganization",), n, a) for n, a in _IGOS]
    # texts write the apostrophe straight or curly ("People’s Republic of China"): both are names
    return [Known(k.slug, k.kind, k.types, k.label, _with_curly(k.alt)) for k in known]


def _with_curly(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names with a curly-apostrophe variant of each straight one.

    >>> _with_curly(("People's Republic of China", "PRC"))
    ("People's Republic of China", 'PRC', 'People’s Republic of China')
    """
    return (*names, *(n.replace("'", "’") for n in names if "'" in n))


def load_gazetteer(sources_dir: Path | None, store_path: Path | None = None, exclude: Path | None = None) -> Gazetteer:
    """Built-in lists + every reviewed annotation file in ``sources_dir`` (but ``exclude``) + the built store.

    A file still carrying suggestions is not reviewed and teaches nothing.
    """
    gaz = Gazetteer(builtin_entities())
    if sources_dir is not None and sources_dir.is_dir():
        for path in sorted(sources_dir.glob("*.yaml")):
            if exclude is not None and path.resolve() == exclude.resolve():
                continue
            try:
                text = path.read_text(encoding="utf-8")
                data = yaml.safe_load(text)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            if not isinstance(data, dict) or "suggested:" in text:
                continue
            _add_file(gaz, data, path.name)
    if store_path is not None and (store_path / "CURRENT").exists():
        _add_store(gaz, store_path)
    return gaz


def _add_file(gaz: Gazetteer, data: dict, origin: str) -> None:
    for e in data.get("entities") or ():
        gaz.entities.append(Known(e["slug"], e["kind"], tuple(e["types"]), e["label"], tuple(e.get("alt", ())), origin))
    labels = {}
    for p in data.get("posts") or ():
        gaz.posts.setdefault(p["label"], (p["slug"], p["post_in"]))
        labels[p["slug"]] = p["label"]
    for h in data.get("holdings") or ():
        if h.get("post") in labels:
            gaz.held.setdefault(h["holder"], set()).add(labels[h["post"]])
    for c in (data.get("concepts") or {}).get("items") or ():
        for name in (c["label"], *c.get("alt", ())):
            gaz.concepts.setdefault(name.lower(), (c["slug"], c["label"]))


def _add_store(gaz: Gazetteer, store_path: Path) -> None:
    """Labels of actors, posts and concepts in the built store (read-only; a locked store is skipped)."""
    from kg.link.entities import KINDS
    from kg.store import OxigraphStore

    query = resources.files(__package__).joinpath("gazetteer.rq").read_text(encoding="utf-8")
    try:
        rows = list(OxigraphStore.open(store_path).query(query))  # type: ignore[arg-type]
    except OSError:  # a store locked or half-written only means less to reuse
        return
    seen = {k.slug for k in gaz.entities}
    for row in rows:
        iri, cls, label = row["e"].value, row["class"].value, row["label"].value
        slug = iri.rsplit("/", 1)[-1]
        kind = KINDS.get(cls)
        if kind == "post":
            gaz.posts.setdefault(label, (slug, ""))
        elif kind and slug not in seen:
            alt = tuple(a for a in (row["alt"].value if row["alt"] else "").split("\x1f") if a)
            wd = row["wd"].value if row["wd"] else None
            gaz.entities.append(Known(slug, kind, (cls.rsplit("#", 1)[-1],), label, alt, "built store", wd))
            seen.add(slug)
        elif cls.endswith("core#Concept"):
            gaz.concepts.setdefault(label.lower(), (slug, label))
