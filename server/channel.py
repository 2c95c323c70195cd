"""The hand-off of one answer's parts from a query thread to the event loop (used by :mod:`server.executor`).

Bounded, so that a slow reader blocks the query thread instead of piling up chunks, and cancellable from either
side: the thread sees :class:`Stop` at its next write once the deadline has passed or the client has gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable

#: How many chunks may wait for a slow client before the query thread blocks.
QUEUED_CHUNKS = 4
_EXPIRED = object()  # what a stream's deadline timer queues (Channel.get)


class Stop(Exception):
    """Raised inside the serialiser to stop the engine: the answer is no longer wanted (deadline or client)."""


class Channel:
    """A bounded hand-off of answer parts from a query thread to the event loop.

    The first part (often the whole answer) travels through a future, the cheapest hand-off asyncio has;
    the chunks after it through a queue that holds at most :data:`QUEUED_CHUNKS`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        self.loop = loop
        self.deadline = deadline
        self.head: asyncio.Future[object] = loop.create_future()
        self.items: asyncio.Queue[object] = asyncio.Queue()
        self.space = threading.Semaphore(QUEUED_CHUNKS)
        self.cancelled = threading.Event()
        self.started = False  # a query thread has taken it
        self.finished = threading.Event()  # the query thread has returned
        self.took: float | None = None  # seconds the thread spent on an answer it sent whole
        self._first = True
        self._expiry: asyncio.TimerHandle | None = None  # the deadline of the parts after the first

    def stop_requested(self) -> bool:
        return self.cancelled.is_set() or time.monotonic() > self.deadline

    def put(self, item: object) -> None:
        """Called by the query thread; blocks while the client is behind (raises :class:`Stop` if abandoned)."""
        if self._first:
            self._first = False
            self._call(_resolve, self.head, item)
            return
        while not self.space.acquire(timeout=0.05):
            if self.stop_requested():
                raise Stop
        if self.cancelled.is_set():
            raise Stop
        self._call(self.items.put_nowait, item)

    def fail(self, error: Exception) -> None:
        """Fail the request with ``error`` before any part was sent (from a query thread or the event loop)."""
        with contextlib.suppress(Stop):
            self._call(_fail, self.head, error)

    def _call(self, function: Callable[..., object], *args: object) -> None:
        try:
            self.loop.call_soon_threadsafe(function, *args)
        except RuntimeError as err:  # the event loop is gone (shutdown)
            raise Stop from err

    async def first(self) -> object:
        """The first part, or :class:`TimeoutError` at the deadline."""
        expiry = self.loop.call_at(self.loop.time() + max(0.0, self.deadline - time.monotonic()), _expire, self.head)
        try:
            return await self.head
        finally:
            expiry.cancel()

    async def get(self) -> object:
        """A part after the first, or :class:`TimeoutError` at the deadline (one timer a stream, no wait_for task)."""
        if self._expiry is None:
            self._expiry = self.loop.call_later(self.deadline - time.monotonic(), self.items.put_nowait, _EXPIRED)
        item = await self.items.get()
        if item is _EXPIRED:
            raise TimeoutError
        self.space.release()
        if isinstance(item, End | Broken):
            self.close()
        return item

    def close(self) -> None:
        """The stream is over (ended, broken or abandoned): its deadline timer goes."""
        if self._expiry is not None:
            self._expiry.cancel()


def _resolve(future: asyncio.Future[object], item: object) -> None:
    if not future.done():
        future.set_result(item)


def _expire(future: asyncio.Future[object]) -> None:
    _fail(future, TimeoutError())


def _fail(future: asyncio.Future[object], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


class End:
    """The last part of a streamed answer."""


class Broken:
    """A streamed answer failed midway: the response must be cut off so the client sees it is incomplete."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
