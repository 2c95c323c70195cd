"""The write path: authenticate, compute the diff, pass the SHACL gate, commit, then tell the readers.

One write at a time (the gate's lock): the diff is computed, validated and committed against the same state.
After a commit the data version changes, so query workers reopen their read-only stores, ETags and the VoID
cache move on, and the dumps are rewritten in the background.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.changes import Diff, LoadRefused, update_diff
from kg.dump import write_dumps
from kg.gate import Gate, ProtectedData, Verdict
from kg.iris import Minter
from kg.store import OxigraphStore
from server.errors import ProtocolError, WriterBusy

log = logging.getLogger("kg.server")


class Rejected(Exception):
    """The write does not conform to the shapes: nothing was written."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(f"The write was refused: {len(verdict.report.results)} SHACL violation(s).")
        self.verdict = verdict


@dataclass(frozen=True)
class Committed:
    removed: int
    added: int
    version: str
    validated_triples: int


def check_token(authorization: str | None, token: str | None) -> None:
    """Writes need ``Authorization: Bearer <token>``; compared in constant time, never logged.

    Raises:
        ProtocolError: 403 when the server has no token (read-only), 401 when the request's is missing or wrong.
    """
    if token is None:
        raise ProtocolError(403, "This server is read-only: no write token is configured (KG_WRITE_TOKEN).")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ProtocolError(
            401,
            "Writes need a valid bearer token (Authorization: Bearer …).",
            {"WWW-Authenticate": 'Bearer realm="kg"'},
        )


class Writer:
    """Owns the read-write store, the gate and the data version."""

    def __init__(
        self, store: OxigraphStore, minter: Minter, dump_dir: Path | None, version: str, lock_wait: float = 5.0
    ) -> None:
        self.store = store
        self.lock_wait = lock_wait
        self.minter = minter
        self.dump_dir = dump_dir
        self.gate = Gate(minter)
        self.base_version = version
        self.writes = 0
        self.listeners: list = []  # callables told the new version after each commit
        self._dump_lock = threading.Lock()
        self._dumps_wanted = False  # a commit happened since the running rewrite read the store
        self._dumper: threading.Thread | None = None

    @property
    def version(self) -> str:
        return self.base_version if not self.writes else f"{self.base_version}-w{self.writes}"

    def update(
        self,
        text: str,
        base_iri: str | None,
        load_allowlist: tuple[str, ...],
        service_allowlist: tuple[str, ...] = (),
        *,
        using: tuple[str, ...] = (),
        using_named: tuple[str, ...] = (),
    ) -> Committed:
        """Apply a SPARQL Update through the gate (its SERVICE clauses are refused: :func:`update_diff`);
        ``using``/``using_named`` are the protocol's dataset parameters.

        Raises:
            SyntaxError, LoadRefused, ServiceRefused, UpdateDatasetConflict, ProtectedData, Rejected, WriterBusy.
        """
        with self._locked():
            diff = update_diff(
                self.store.raw,
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
            ProtectedData, Rejected, WriterBusy.
        """
        with self._locked():
            return self._apply(diff, drop_graphs)

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
        diff = diff.against(self.store.raw)  # a GSP diff is worked out before the lock is taken
        if not diff and not drop_graphs:
            return Committed(0, 0, self.version, 0)
        verdict = self.gate.judge(self.store.raw, diff)
        if not verdict.report.conforms:
            raise Rejected(verdict)
        self.store.commit(diff)
        for graph in drop_graphs:  # before the listeners: readers must not see an emptied graph linger
            self.store.raw.remove_graph(graph)
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


__all__ = ["Committed", "LoadRefused", "ProtectedData", "Rejected", "Writer", "check_token"]
