"""How the reader processes of a writable server follow its writer: a pointer file names the latest checkpoint.

The supervisor's process owns the read-write store (server/supervisor.py). After every commit it takes a
checkpoint (:class:`kg.store.Snapshots`: hard links, milliseconds) and :func:`publish`es it; each reader
checks before every request whether anything was published since its last look, and reopens read-only on a new
checkpoint, so a client reads its own write on its next request, whichever process answers it. That check reads
a counter the writer bumps after each publication (:data:`GENERATION`, mapped into every reader's memory): no
system call per request (a ``stat`` of the pointer was ~5% of a serving process's samples under wrk,
docs/performance.md); the pointer is read only when the counter has moved.

Over a SPARQL engine (``KG_STORE``) there is no checkpoint: the pointer carries only the data version, and a
reader that sees it move forgets the graphs and the count its engine store remembers.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Callable
from pathlib import Path

from kg.remote_store import SparqlEngineStore
from kg.store import GraphStore, OxigraphStore

POINTER = "current.json"
WRITER_SOCKET = "writer.sock"
PROCESSES = "processes.json"
#: 8 bytes, a counter the writer increments after each new pointer; readers map it to see at once if it moved.
GENERATION = "generation"
_COUNTER = 8


def publish(runtime_dir: Path, checkpoint: Path | None, version: str) -> None:
    """Point the readers at ``checkpoint`` (None over an engine), atomically: a reader sees the old pointer or
    the new one."""
    tmp = runtime_dir / (POINTER + ".tmp")
    path = "" if checkpoint is None else str(checkpoint)
    tmp.write_text(json.dumps({"path": path, "version": version}), encoding="utf-8")
    os.replace(tmp, runtime_dir / POINTER)
    # After the pointer: a reader that sees the new count finds the new pointer (or a later one).
    fd = os.open(runtime_dir / GENERATION, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        count = int.from_bytes(os.pread(fd, _COUNTER, 0).ljust(_COUNTER, b"\0"), "little")
        os.pwrite(fd, ((count + 1) % 2**64).to_bytes(_COUNTER, "little"), 0)
    finally:
        os.close(fd)


def _map_generation(pointer: Path) -> mmap.mmap | None:
    """The writer's publication counter beside ``pointer``, mapped read-only; None until it exists."""
    try:
        with open(pointer.with_name(GENERATION), "rb") as file:
            return mmap.mmap(file.fileno(), _COUNTER, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # not there yet (or still empty): check the pointer itself meanwhile
        return None


class CheckpointView:
    """A read-only view of the latest published checkpoint; :meth:`refresh` reopens when a new one appears.

    Args:
        pointer: the pointer file :func:`publish` writes.
        on_change: called with the new store and data version after a reopen.
        engine: the engine store to follow instead of checkpoints (``KG_STORE``).
    """

    def __init__(
        self,
        pointer: Path,
        on_change: Callable[[GraphStore, str], None] | None = None,
        engine: SparqlEngineStore | None = None,
    ) -> None:
        self.pointer = pointer
        self.on_change = on_change
        self.engine = engine
        self._key: tuple[int, int] | None = None
        self._generation = _map_generation(pointer)
        self._seen = b""  # the counter when the pointer was last checked
        self.path = ""
        self.version = ""
        self.store: GraphStore
        if engine is not None:
            self.store = engine
        self.refresh()

    def refresh(self) -> None:
        """Reopen if the pointer has moved since the last call (raises OSError only on the first)."""
        if self._generation is None:
            self._generation = _map_generation(self.pointer)
        if self._generation is not None:
            seen = self._generation[:_COUNTER]  # a read of shared memory, no system call
            if seen == self._seen:
                return
            self._seen = seen  # read before the pointer: a publication after this is seen next time
        try:
            stat = os.stat(self.pointer)
        except OSError:
            if self._key is None:
                raise
            self._seen = b""  # look again on the next request
            return  # keep serving the last checkpoint
        key = (stat.st_mtime_ns, stat.st_ino)
        if key == self._key:
            return
        target = json.loads(self.pointer.read_text(encoding="utf-8"))
        if self.engine is not None:
            self.engine.refresh()
        elif target["path"] != self.path:
            self.store = OxigraphStore.open(Path(target["path"]), read_only=True)
            self.path = target["path"]
        self.version = target["version"]
        self._key = key
        if self.on_change is not None:
            self.on_change(self.store, self.version)


def write_processes(runtime_dir: Path, pids: list[int], recycled: int) -> None:
    """Record the serving processes for ``/health`` (written by the supervisor)."""
    tmp = runtime_dir / (PROCESSES + ".tmp")
    tmp.write_text(json.dumps({"pids": pids, "recycled": recycled}), encoding="utf-8")
    os.replace(tmp, runtime_dir / PROCESSES)


def read_processes(runtime_dir: Path | None) -> dict[str, object]:
    """What :func:`write_processes` recorded, or an empty record outside ``kg serve``."""
    if runtime_dir is None:
        return {"pids": [os.getpid()], "recycled": 0}
    try:
        return json.loads((runtime_dir / PROCESSES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"pids": [os.getpid()], "recycled": 0}
