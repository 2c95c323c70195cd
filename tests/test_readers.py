"""How a writable server's reader processes follow the writer's checkpoints (server/readers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.readers import POINTER, CheckpointView, publish

EX = "http://example.org/"


def checkpoint(path: Path, name: str) -> Path:
    """A store directory holding one triple named ``name``, as a checkpoint of the writer's store would."""
    store = ox.Store(str(path))
    store.add(ox.Quad(ox.NamedNode(EX + name), ox.NamedNode(EX + "p"), ox.Literal(name), ox.NamedNode(EX + "g")))
    store.flush()
    del store
    return path


def test_a_reader_looks_at_the_pointer_file_only_after_a_publication(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check before every request costs no system call while nothing was published, and a publication is
    seen on the next request (docs/performance.md, issue 17: the ``stat`` was ~5% of a serving process)."""
    publish(tmp_path, checkpoint(tmp_path / "one", "one"), "v1")
    view = CheckpointView(tmp_path / POINTER)
    assert view.version == "v1"
    pointer_stats = 0
    real_stat = os.stat

    def counting_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        nonlocal pointer_stats
        pointer_stats += os.fspath(path) == os.fspath(tmp_path / POINTER)  # type: ignore[arg-type]
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", counting_stat)
    for _ in range(100):
        view.refresh()
    assert pointer_stats == 0, "the pointer was checked although nothing was published"

    publish(tmp_path, checkpoint(tmp_path / "two", "two"), "v2")
    view.refresh()
    assert view.version == "v2"
    assert view.path == str(tmp_path / "two")
    answer = view.store.query(f"ASK {{ GRAPH ?g {{ <{EX}two> ?p ?o }} }}")
    assert bool(answer), "the reader does not query the new checkpoint"
