"""Query executors: where a SPARQL query actually runs, and how its time limit is enforced.

pyoxigraph cannot cancel a running query, so a hard time limit needs a process to kill
(docs/timeouts.md). :class:`WorkerPool` keeps N worker processes, each with its own read-only view
of the on-disk store; a query past its deadline is answered with 503 and its worker is SIGKILLed and
replaced, so the CPU it burned is reclaimed. :class:`InProcess` runs queries on the server's own store
in a thread: for in-memory stores (tests, conformance suites), with no hard limit.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from kg.store import GraphStore, OxigraphStore
from server.results import Job, Outcome, execute

log = logging.getLogger("kg.server")


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"Query stopped after its time limit of {limit:g} s.")
        self.limit = limit


class Overloaded(Exception):
    """No query slot became free in time."""


class Executor(Protocol):
    def run(self, job: Job, timeout: float) -> Outcome:
        """Run ``job``, raising :class:`QueryTimeout` past ``timeout`` seconds (where enforceable)."""
        ...

    def close(self) -> None: ...


class InProcess:
    """Runs queries in the calling thread on the server's own store; time limits are not enforced."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def run(self, job: Job, timeout: float) -> Outcome:
        return execute(self.store, job)

    def close(self) -> None:
        pass


def _failure(err: Exception) -> Outcome:
    return Outcome(500, "text/plain; charset=utf-8", f"Query evaluation failed: {err}\n".encode())


def _worker_main(conn: multiprocessing.connection.Connection, store_path: str, union: bool) -> None:
    """A worker process: open the store read-only, then answer jobs until the pipe closes.

    Each job names the store directory to read; when it changes (a checkpoint taken after a write), the worker
    reopens there.
    """

    def open_store() -> OxigraphStore:
        return OxigraphStore(OxigraphStore.open(Path(store_path), read_only=True).raw, union_default_graph=union)

    def run(job: Job) -> Outcome:
        try:
            return execute(store, job)
        except Exception as err:  # report, never die silently: the parent answers 500
            return _failure(err)

    def reopen() -> Outcome | None:
        nonlocal store
        try:
            store = open_store()
        except OSError as err:
            return _failure(err)
        return None

    store = open_store()
    while True:
        try:
            job, job_path = conn.recv()
        except (EOFError, OSError):
            return
        outcome = None
        if job_path != store_path:  # a read-only view sees the data as of its opening: reopen after writes
            store_path = job_path
            outcome = reopen()
        if outcome is None:
            outcome = run(job)
        conn.send(outcome)


@dataclass
class _Worker:
    process: BaseProcess
    conn: multiprocessing.connection.Connection


class WorkerPool:
    """N worker processes over a read-only on-disk store, with hard per-query time limits.

    Args:
        store_path: the store directory the workers read: the ``kg build`` output, or (on a writable server) the
            latest checkpoint of the live store; set it after a write and workers reopen there.
        size: the number of workers, i.e. of queries that run at once.
        queue_timeout: how long a request waits for a free worker before :class:`Overloaded`.
    """

    def __init__(
        self, store_path: Path, size: int = 2, *, union_default_graph: bool = True, queue_timeout: float = 30.0
    ):
        self.store_path = store_path
        self.size = size
        self.union = union_default_graph
        self.queue_timeout = queue_timeout
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self.killed = 0
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child, str(self.store_path), self.union),
            daemon=True,
            name="kg-query-worker",
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (SIGKILL: its query cannot be interrupted otherwise) and start a replacement."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        with self._lock:
            self._all.remove(worker)
            self.killed += 1
        # Start the replacement in the background, so the timed-out request is answered at once.
        threading.Thread(target=lambda: self._idle.put(self._spawn()), daemon=True).start()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def run(self, job: Job, timeout: float) -> Outcome:
        """Run ``job`` on a free worker; workers reopen when :attr:`store_path` has changed (after a write)."""
        try:
            worker = self._idle.get(timeout=self.queue_timeout)
        except queue.Empty as err:
            raise Overloaded(f"all {self.size} query workers stayed busy for {self.queue_timeout:g} s") from err
        deadline = time.monotonic() + timeout
        try:
            worker.conn.send((job, str(self.store_path)))
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                outcome: Outcome = worker.conn.recv()
                self._idle.put(worker)
                return outcome
        except (EOFError, OSError, BrokenPipeError) as err:  # the worker died under the query
            log.error("query worker %s died: %s", worker.process.pid, err)
            self._retire(worker)
            return Outcome(500, "text/plain; charset=utf-8", b"The query worker died while running the query.\n")
        log.warning("query over its %.3g s limit: killing worker %s", timeout, worker.process.pid)
        self._retire(worker)
        raise QueryTimeout(timeout)

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            worker.conn.close()
            worker.process.kill()
            worker.process.join(5)


def default_workers() -> int:
    """One worker per core: the engine is CPU-bound."""
    return max(1, os.cpu_count() or 1)
