"""The threads queries run in: a fixed pool that knows which of its threads a runaway query has taken.

A query still inside the engine past its deadline cannot be stopped (server/executor.py): its thread is lost
until the engine gives it back, which for a runaway is never (the process recycles instead). Once every thread
is lost, a query handed to the pool would wait in its queue until it timed out or the process went away, so
the executor asks :meth:`QueryThreads.all_lost` and refuses it at once (503, docs/timeouts.md). After a long
query, its thread hands the memory the engine freed back to the system (:func:`release_memory`).
"""

from __future__ import annotations

import ctypes
import queue
import threading
import time
from collections.abc import Callable

from kg.depth import QUERY_THREAD_STACK

#: After a query that ran this long (seconds), the memory its engine freed is handed back to the system.
RELEASE_AFTER = 0.2

try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc: nothing to trim
    _LIBC = None


def release_memory() -> None:
    """Give the heap's free memory back to the system (glibc ``malloc_trim``).

    glibc keeps what a process freed for its next allocations, so every serving process would otherwise hold
    the peak of its largest query (hash joins and sorts of a heavy query take hundreds of MiB at 10M triples),
    and the processes' peaks add up. A trim costs milliseconds; it runs in the query thread, after the answer.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class QueryThreads:
    """A fixed pool of daemon threads running queries, each against its deadline.

    Daemon threads, because a query stuck in the engine must not keep the process from exiting
    (``concurrent.futures`` joins its threads at exit, and this thread cannot be stopped).
    """

    def __init__(self, size: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[float, Callable[..., None], tuple[object, ...]] | None] = (
            queue.SimpleQueue()
        )
        #: the deadline of the query each thread is running, None when it waits for one
        self._deadlines: list[float | None] = [None] * size
        self._threads = [
            threading.Thread(target=self._work, args=(i,), name=f"{name}-{i}", daemon=True) for i in range(size)
        ]
        # The engine recurses on the query in this thread: a known stack, not whatever the platform gives (kg/depth.py).
        default = threading.stack_size(QUERY_THREAD_STACK)
        try:
            for thread in self._threads:
                thread.start()
        finally:
            threading.stack_size(default)

    def submit(self, deadline: float, function: Callable[..., None], *args: object) -> None:
        """Run ``function(*args)`` on the next free thread; ``deadline`` (``time.monotonic()``) is its query's."""
        self._jobs.put((deadline, function, args))

    def all_lost(self) -> bool:
        """Whether every thread is running a query past its deadline: none may ever come back for the queue."""
        now = time.monotonic()
        return all(deadline is not None and deadline < now for deadline in self._deadlines)

    def _work(self, index: int) -> None:
        while (job := self._jobs.get()) is not None:
            deadline, function, args = job
            self._deadlines[index] = deadline
            try:
                function(*args)
            finally:
                self._deadlines[index] = None

    def shutdown(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
