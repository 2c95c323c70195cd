"""Wikidata candidates for the draft's new entities, through the code of ``kg link`` (optional, needs network).

Unreachable endpoints are not an error here: the draft says so and goes on without candidates.
"""

from __future__ import annotations

from typing import Any

from kg.errors import LinkError
from kg.iris import KG, Minter

_CLASS = {"person": KG.Person, "organization": KG.Organization, "state": KG.State, "place": KG.Place}


def add_candidates(draft: dict[str, Any], endpoint: str, timeout: float = 10.0) -> str:
    """Add ``suggested.wikidata`` (best three candidates) to each new entity; returns a one-line summary."""
    from kg.link.entities import Entity
    from kg.link.wikidata import WikidataClient, candidates_for

    minter = Minter()
    fresh = [e for e in draft["entities"] if e["suggested"]["by"] == "entities.rules"]
    try:
        with WikidataClient(endpoint, timeout=timeout, retries=0) as client:
            for e in fresh:
                entity = Entity(
                    minter.entity(e["kind"], e["slug"]), e["label"], e["kind"], frozenset({str(_CLASS[e["kind"]])})
                )
                found = candidates_for(entity, client)[:3]
                if found:
                    e["suggested"]["wikidata"] = [f"{c.qid} {c.label} ({c.score:.2f})" for c in found]
    except LinkError as err:
        return f"Wikidata not reachable ({err}); going on without candidates"
    return f"Wikidata candidates looked up for {len(fresh)} new entities"
