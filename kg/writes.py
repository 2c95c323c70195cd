"""The one write path: diff → SHACL gate → commit → search index → tell the listeners → rewrite the dumps.

Every write goes through a :class:`Writer`: the server's ``/update`` and Graph Store routes, and ``kg update``.
One write at a time (the gate's lock): the diff is computed, validated and committed against the same state.
After a commit the search index takes the new documents of the touched nodes (:meth:`kg.search.SearchIndex.sync`,
still under the lock, so a reader that sees the new version finds the new texts), the data version changes,
listeners hear the new version (the server's query workers reopen their stores, ETags and the VoID cache move
on), and the dumps are rewritten in the background.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.changes import Diff, update_diff
from kg.dump import write_dumps
from kg.errors import ShapeViolation, WriterBusy
from kg.gate import Gate
from kg.iris import Minter
from kg.search import SearchIndex
from kg.store import OxigraphStore, WritableStore

log = logging.getLogger("kg.writes")


@dataclass(frozen=True)
class Committed:
    """What a write changed: quads removed and added, the new data version, the triples the gate validated."""

    removed: int
    added: int
    version: str
    validated_triples: int


class Writer:
    """Owns the read-write store, the gate and the data version.

    Args:
        store: the store, opened read-write: the embedded one, or a SPARQL engine (:mod:`kg.engine_writes`).
        minter: the data's IRIs (the ontology graph the gate protects, the dumps' names).
        dump_dir: where the dumps are rewritten after each commit; None for none.
        version: the data version before the first write; each commit makes ``{version}-w{n}``.
        lock_wait: seconds a write waits for the one before it before it is refused (:class:`WriterBusy`).
        search: the full-text index kept in step with every commit; None for none.
    """

    def __init__(
        self,
        store: WritableStore,
        minter: Minter,
        dump_dir: Path | None,
        version: str = "",
        lock_wait: float = 5.0,
        search: SearchIndex | None = None,
    ) -> None:
        self.store = store
        self.search = search
        self.lock_wait = lock_wait
        self.minter = minter
        self.dump_dir = dump_dir
        self.gate = Gate(minter)
        self.base_version = version
        self.writes = 0
        self.listeners: list[Callable[[str], None]] = []  # told the new version after each commit
        self._dump_lock = threading.Lock()
        self._dumps_wanted = False  # a commit happened since the running rewrite read the store
        self._dumper: threading.Thread | None = None

    @property
    def version(self) -> str:
        return self.base_version if not self.writes else f"{self.base_version}-w{self.writes}"

    def update(
        self,
        text: str,
        base_iri: str | None = None,
        load_allowlist: tuple[str, ...] = (),
        service_allowlist: tuple[str, ...] = (),
        *,
        using: tuple[str, ...] = (),
        using_named: tuple[str, ...] = (),
    ) -> Committed:
        """Apply a SPARQL Update through the gate (its SERVICE clauses are refused: :func:`update_diff`);
        ``using``/``using_named`` are the protocol's dataset parameters.

        Raises:
            SyntaxError: the update is malformed.
            LoadRefused, ServiceRefused, QueryTooDeep, UpdateDatasetConflict: see :func:`kg.changes.update_diff`.
            ProtectedData, ShapeViolation, WriterBusy: see :meth:`apply`.
        """
        with self._locked():
            diff = update_diff(
                self.store.write_view(),
                text,
                base_iri,
                load_allowlist,
                self.store.union_default_graph,
                service_allowlist,
                using=using,
                using_named=using_named,
            )
            return self._apply(diff)

    def apply(self, diff: Diff, drop_graphs: tuple[ox.NamedNode, ...] = ()) -> Committed:
        """Apply a diff through the gate; ``drop_graphs`` (emptied by the diff) are removed from the store too.

        Raises:
            ProtectedData: the diff touches the ontology or a source text.
            ShapeViolation: the candidate state does not conform (the report says why); nothing was written.
            WriterBusy: another write held the lock for ``lock_wait`` seconds.
        """
        with self._locked():
            return self._apply(diff, drop_graphs)

    def wait_for_dumps(self) -> None:
        """Return once the dump rewrites scheduled so far are done (``kg update`` exits only then)."""
        while (dumper := self._dumper) is not None:
            dumper.join()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the write lock, waiting at most ``lock_wait`` seconds for it: a write queued behind a long one
        would otherwise hang until its client gives up, holding a connection and a thread.

        Raises:
            WriterBusy: the lock stayed taken.
        """
        if not self.gate.lock.acquire(timeout=self.lock_wait):
            raise WriterBusy(self.lock_wait)
        try:
            yield
        finally:
            self.gate.lock.release()

    def _apply(self, diff: Diff, drop_graphs: tuple[ox.NamedNode, ...] = ()) -> Committed:
        view = self.store.write_view()
        diff = diff.against(view)  # a GSP diff is worked out before the lock is taken
        if not diff and not drop_graphs:
            return Committed(0, 0, self.version, 0)
        verdict = self.gate.judge(view, diff)
        if not verdict.report.conforms:
            count = len(verdict.report.results)
            raise ShapeViolation(verdict.report, f"The write was refused: {count} SHACL violation(s).")
        self.store.commit(diff, drop_graphs)  # before the listeners: readers must not see an emptied graph linger
        if self.search is not None:
            try:  # the search index reads the committed state through the same view the gate reads
                self.search.sync(OxigraphStore(self.store.write_view()), self.minter, diff)
            except sqlite3.Error:  # the data is committed: its readers must still hear of it; `kg build` rebuilds
                log.exception("updating the search index after a write failed")
        self.writes += 1
        version = self.version
        for listener in self.listeners:
            listener(version)
        self._schedule_dumps()
        return Committed(len(diff.removed), len(diff.added), version, verdict.validated_triples)

    def _schedule_dumps(self) -> None:
        """Rewrite the dumps in the background, coalescing: one rewrite at a time, and one more after it if
        commits came in meanwhile (at 10M triples a rewrite takes minutes; writes may come every second)."""
        with self._dump_lock:
            self._dumps_wanted = True
            if self._dumper is not None and self._dumper.is_alive():
                return
            self._dumper = threading.Thread(target=self._rewrite_dumps, daemon=True, name="kg-dumps")
            self._dumper.start()

    def _rewrite_dumps(self) -> None:
        while True:
            with self._dump_lock:
                if not self._dumps_wanted or self.dump_dir is None:
                    self._dumper = None
                    return
                self._dumps_wanted = False
            try:
                write_dumps(self.store, self.minter, self.dump_dir)
            except OSError:
                log.exception("rewriting the dumps after a write failed")


__all__ = ["Committed", "Writer"]
