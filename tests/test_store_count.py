"""The embedded store's quad count: counted once (it takes seconds at 10M quads, and /health asks for it on every
call), and counted again after a commit changes the store."""

from __future__ import annotations

import pyoxigraph as ox

from kg.changes import Diff
from kg.store import OxigraphStore

GRAPH = ox.NamedNode("https://w3id.org/akg/graph/test")


def quad(n: int) -> ox.Quad:
    return ox.Quad(ox.NamedNode(f"http://example.org/s{n}"), ox.NamedNode("http://example.org/p"), ox.Literal(n), GRAPH)


def test_the_quad_count_follows_every_commit() -> None:
    store = OxigraphStore.in_memory([quad(1), quad(2)])
    assert len(store) == 2
    store.commit(Diff(added={quad(3)}))
    assert len(store) == 3
    store.commit(Diff(removed={quad(1), quad(2)}))
    assert len(store) == 1
    store.commit(Diff(), drop_graphs=(GRAPH,))
    assert len(store) == 0
