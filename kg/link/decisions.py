"""How a ranked list of Wikidata candidates for an entity becomes a decision: accept, review, ambiguous or none."""

from __future__ import annotations

from dataclasses import dataclass

from kg.link.entities import Entity

DEFAULT_THRESHOLD = 0.9
DEFAULT_MARGIN = 0.2


@dataclass(frozen=True)
class Candidate:
    """A Wikidata item proposed for an entity, with its score in [0, 1] and the reasons for it."""

    item: str
    label: str
    description: str
    score: float
    reasons: tuple[str, ...]

    @property
    def qid(self) -> str:
        return self.item.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Decision:
    """What ``kg link`` concluded for one entity: a status and the ranked rows it writes."""

    entity: Entity
    status: str  # accept | review | ambiguous | none
    rows: tuple[tuple[Candidate, str, str], ...]  # (candidate, review value, comment)


def decide(
    entity: Entity,
    candidates: list[Candidate],
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
    keep: int = 5,
) -> Decision:
    """Rank ``candidates`` and decide: ``accept`` only a clear winner (score >= threshold and ahead of the
    runner-up by >= margin), refuse to choose between equal best scores (``ambiguous``), else ``review``.

    >>> e = Entity("https://w3id.org/akg/id/person/x", "X", "person", frozenset())
    >>> a, b = Candidate("wd:Q1", "X", "", 0.95, ()), Candidate("wd:Q2", "X", "", 0.4, ())
    >>> decide(e, [b, a]).status, [r[1] for r in decide(e, [b, a]).rows]
    ('accept', ['accept', 'reject'])
    >>> decide(e, [a, Candidate("wd:Q3", "X", "", 0.95, ())]).status
    'ambiguous'
    >>> decide(e, [a, b], threshold=0.99).status, decide(e, []).status
    ('review', 'none')
    """
    ranked = sorted(candidates, key=lambda c: (-c.score, c.item))[:keep]
    if not ranked:
        return Decision(entity, "none", ())
    top = ranked[0]
    tied = [c for c in ranked if round(c.score, 3) == round(top.score, 3)]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0

    def why(c: Candidate) -> str:
        return "; ".join(c.reasons)

    if len(tied) > 1:
        names = ", ".join(f"wd:{c.qid}" for c in tied)
        rows = [
            (
                c,
                "review",
                f"ambiguous: {len(tied)} candidates score {top.score:.2f} ({names}); kg link refuses to choose. "
                f"{why(c)}",
            )
            if c in tied
            else (c, "review", f"ranked below the ambiguous best ({names}). {why(c)}")
            for c in ranked
        ]
        return Decision(entity, "ambiguous", tuple(rows))
    lead = f"{top.score - runner_up:.2f} ahead of the runner-up" if len(ranked) > 1 else "no other candidate"
    if top.score >= threshold and top.score - runner_up >= margin:
        rows = [(top, "accept", f"clear best: score {top.score:.2f} >= {threshold:g}, {lead}. {why(top)}")]
        rows += [(c, "reject", f"ranked below wd:{top.qid}. {why(c)}") for c in ranked[1:]]
        return Decision(entity, "accept", tuple(rows))
    if top.score < threshold:
        reason = f"best score {top.score:.2f} is below the threshold {threshold:g}"
    else:
        reason = f"best score is only {lead} (margin {margin:g})"
    rows = [(top, "review", f"needs review: {reason}. {why(top)}")]
    rows += [(c, "review", f"needs review, ranked below wd:{top.qid}. {why(c)}") for c in ranked[1:]]
    return Decision(entity, "review", tuple(rows))
