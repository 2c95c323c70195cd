"""Where a SPARQL query runs: a thread of the serving process, against a deadline, streaming its answer.

pyoxigraph releases the GIL while it evaluates and serialises, so query threads use the cores while the event
loop serves; no pipe, no pickling, no copy (docs/performance.md). The serialiser hands a 64 KiB part, then
256 KiB chunks (each costs the event loop ~0.15 ms, while the query thread waits for the GIL: issue 17) to the
event loop through a bounded :class:`Channel`: the first byte of a large answer leaves before the query has
finished, and a slow reader blocks the query thread instead of piling up chunks.

Time limits (docs/timeouts.md). pyoxigraph cannot cancel a query from outside, so:

- cancellation is cooperative at every serialiser write: past the deadline, or once the client has gone, the
  next write raises and the engine stops;
- a query still inside the engine at its deadline (a large join or sort produces nothing until it is done) is
  answered ``503`` at once, and if it has not come back ``grace`` seconds later, ``on_stuck`` is called: under
  ``kg serve`` that recycles the whole serving process (server/supervisor.py), which is how its CPU is
  reclaimed, since a thread cannot be killed.

Handing a query to a thread and back costs about as much as a small lookup (~40 µs), so a query whose whole
answer once took a thread under 0.5 ms (same text, dataset, format and store) is answered on the event loop from
then on. Anything slower, streamed, or calling a SERVICE always runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import EngineTimeout, StoreUnavailable
from kg.iris import PREFIXES
from kg.store import GraphStore
from server.channel import Broken, Channel, End, Stop
from server.errors import QueryTimeout, Unavailable, store_failure
from server.query_threads import RELEASE_AFTER, QueryThreads, release_memory
from server.results import Job, Outcome, error_outcome, evaluate, execute

log = logging.getLogger("kg.server")

#: Bytes of an answer's first part (an answer that fits is sent whole), and of each streamed chunk after it.
FIRST_CHUNK_BYTES = 64 * 1024
CHUNK_BYTES = 256 * 1024
#: A query (the same text, dataset and format, on the same store) whose whole answer took a thread less than
#: INLINE_BELOW seconds is answered on the event loop the next time: handing it to a thread and back costs more
#: than running it. Should it take over INLINE_UNLEARN there, it goes back to the threads. The costs of the
#: INLINE_MEMORY most recent such queries (of at most INLINE_MAX_QUERY characters) are remembered. Queries
#: that call a SERVICE never are: a remote endpoint's time varies.
INLINE_BELOW = 0.0005
INLINE_UNLEARN = 0.002
INLINE_MEMORY = 10_000
INLINE_MAX_QUERY = 4_000


def no_free_thread() -> Unavailable:
    """What a query gets when every query thread of its process is held by a query that cannot be stopped."""
    message = "Every query thread of this serving process is taken by a runaway query; it is being replaced."
    return Unavailable("server-busy", message, retry_after=1)


@dataclass(frozen=True)
class Stream:
    """A ``200`` whose body arrives in chunks: the first one, then :meth:`Answer.rest`."""

    media_type: str
    first: bytes


class _ChunkWriter:
    """The file the serialiser writes to: buffers, hands out parts (FIRST_CHUNK_BYTES, then CHUNK_BYTES), stops."""

    def __init__(self, channel: Channel, media_type: str) -> None:
        self.channel = channel
        self.media_type = media_type
        self.buffer = bytearray()
        self.started = False

    def write(self, data: bytes) -> int:
        if self.channel.stop_requested():
            raise Stop
        self.buffer += data
        if len(self.buffer) >= (CHUNK_BYTES if self.started else FIRST_CHUNK_BYTES):
            self._emit()
        return len(data)

    def flush(self) -> None:
        pass

    def _emit(self) -> None:
        chunk = bytes(self.buffer)
        self.buffer.clear()
        self.channel.put(chunk if self.started else Stream(self.media_type, chunk))
        self.started = True


def _produce(store: GraphStore, job: Job, channel: Channel) -> None:
    """The query thread: evaluate, negotiate, serialise into the channel."""
    begun = time.monotonic()
    channel.started = True
    try:
        if channel.stop_requested():  # waited for a thread past its deadline, or the client left
            return
        started = time.perf_counter()
        evaluated = evaluate(store, job, timeout=channel.deadline - time.monotonic())
        if isinstance(evaluated, Outcome):
            channel.took = time.perf_counter() - started
            channel.put(evaluated)
            return
        result, offer = evaluated
        writer = _ChunkWriter(channel, offer.content_type)
        try:
            if isinstance(result, ox.QueryTriples):
                ox.serialize(result, output=writer, format=offer.format, prefixes=PREFIXES)  # type: ignore[arg-type]
            else:
                result.serialize(output=writer, format=offer.format)  # type: ignore[arg-type]
        except Stop:
            return
        except OSError as err:  # evaluation errors surface while the lazy result is consumed
            if channel.stop_requested():
                return
            if writer.started:
                channel.put(Broken(f"query evaluation failed midway: {err}"))
            else:
                channel.put(error_outcome(job, err))
            return
        if writer.started:
            if writer.buffer:
                channel.put(bytes(writer.buffer))
            channel.put(End())
        else:
            channel.took = time.perf_counter() - started
            channel.put(Outcome(200, offer.content_type, bytes(writer.buffer)))
    except Stop:
        return
    except (StoreUnavailable, EngineTimeout) as err:  # the engine behind the store: a 503, at once
        channel.fail(store_failure(err))
    except Exception as err:  # never die silently: the request gets a 500
        log.exception("query thread failed")
        with contextlib.suppress(Stop):
            channel.put(Outcome(500, "text/plain; charset=utf-8", f"Query evaluation failed: {err}\n".encode()))
    finally:
        channel.finished.set()
        if time.monotonic() - begun > RELEASE_AFTER:
            release_memory()


class Answer:
    """What a query produced: a complete :class:`Outcome`, or a :class:`Stream` and then :meth:`rest`."""

    def __init__(self, head: Outcome | Stream, channel: Channel | None = None) -> None:
        self.head = head
        self._channel = channel

    async def rest(self) -> AsyncIterator[bytes]:
        """The chunks after the first; raises :class:`QueryTimeout` or :class:`RuntimeError` if the answer breaks
        off (the caller must then cut the response short)."""
        assert self._channel is not None, "an answer sent whole has no rest"
        while True:
            try:
                item = await self._channel.get()
            except TimeoutError:
                self.cancel()
                raise
            if isinstance(item, End):
                return
            if isinstance(item, Broken):
                raise RuntimeError(item.reason)
            assert isinstance(item, bytes)
            yield item

    def cancel(self) -> None:
        """The client went away or the deadline passed: the query thread stops at its next write."""
        if self._channel is not None:
            self._channel.cancelled.set()
            self._channel.close()


class Executor:
    """Runs queries in a pool of threads of this process, each against its deadline (known-quick ones inline).

    Args:
        store: the store to query; :meth:`use` swaps it (a writable server's readers reopen after a write).
        threads: queries that may run at once in this process.
        grace: how long a query may stay inside the engine after its deadline before ``on_stuck`` is called.
        on_stuck: what to do when a query cannot be stopped (default: log it; ``kg serve`` recycles the process).
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        threads: int = 8,
        grace: float = 1.0,
        on_stuck: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.grace = grace
        self.on_stuck = on_stuck
        self.stuck = 0
        self.inline = 0  # queries answered on the event loop (see start)
        self._quick: OrderedDict[Job, None] = OrderedDict()
        self._pool = QueryThreads(threads, "kg-query")
        self._waiting: set[Channel] = set()  # queries whose first part has not come yet

    def use(self, store: GraphStore) -> None:
        """Query ``store`` from now on (what was learnt of query costs on the old one is forgotten)."""
        self.store = store
        self._quick.clear()

    def _answer_inline(self, job: Job) -> Answer:
        started = time.perf_counter()
        try:
            outcome = execute(self.store, job)
        except (StoreUnavailable, EngineTimeout) as err:
            raise store_failure(err) from err
        if time.perf_counter() - started > INLINE_UNLEARN:  # not so quick after all: back to the threads
            self._quick.pop(job, None)
        self.inline += 1
        return Answer(outcome)

    def _learn(self, job: Job, channel: Channel) -> None:
        if len(job.query) > INLINE_MAX_QUERY or "SERVICE" in job.query.upper():  # a remote's time is not ours
            return
        if channel.took is not None and channel.took < INLINE_BELOW:
            self._quick[job] = None
            if len(self._quick) > INLINE_MEMORY:
                self._quick.popitem(last=False)

    async def start(self, job: Job, limit: float) -> Answer:
        """Start ``job``; returns at its first part (the whole answer, when small).

        Raises:
            QueryTimeout: nothing came within ``limit`` seconds (the query is stopped, or its process recycled).
            Unavailable: every query thread is held by a query past its deadline (see :meth:`_refuse_queued`).
        """
        if job in self._quick:
            self._quick.move_to_end(job)
            return self._answer_inline(job)
        if self._pool.all_lost():  # it would only wait in the queue until this process is replaced
            raise no_free_thread()
        loop = asyncio.get_running_loop()
        channel = Channel(loop, time.monotonic() + limit)
        self._pool.submit(channel.deadline, _produce, self.store, job, channel)
        self._waiting.add(channel)
        try:
            head = await channel.first()
        except TimeoutError:
            channel.cancelled.set()
            loop.call_later(self.grace, self._check_stopped, channel)
            self._refuse_queued()
            raise QueryTimeout(limit) from None
        except BaseException:  # no thread (Unavailable), or the request was cancelled
            channel.cancelled.set()
            raise
        finally:
            self._waiting.discard(channel)
        assert isinstance(head, Outcome | Stream)
        if isinstance(head, Outcome):
            self._learn(job, channel)
        return Answer(head, channel)

    async def run(self, job: Job, limit: float) -> Outcome:
        """Run ``job`` to completion and return the whole answer (for callers that need it in one piece)."""
        answer = await self.start(job, limit)
        if isinstance(answer.head, Outcome):
            return answer.head
        body = bytearray(answer.head.first)
        async for chunk in answer.rest():
            body += chunk
        return Outcome(200, answer.head.media_type, bytes(body))

    def watch(self, answer: Answer) -> None:
        """After a streamed answer was abandoned: recycle if its thread does not come back in time."""
        asyncio.get_running_loop().call_later(self.grace, self._check_stopped, answer._channel)
        self._refuse_queued()

    def _refuse_queued(self) -> None:
        """Once every thread is held past its deadline, answer the queries waiting for one now (503), instead
        of leaving them queued until their own deadline or until the process is gone (uvicorn's 500)."""
        if not self._pool.all_lost():
            return
        for channel in self._waiting:
            if not channel.started:
                channel.cancelled.set()  # should a thread come back after all, it skips this query
                channel.fail(no_free_thread())

    def _check_stopped(self, channel: Channel | None) -> None:
        if channel is None or channel.finished.is_set() or not channel.started:  # never started: returns when it does
            return
        self.stuck += 1
        log.warning("a query is still running %.3g s past its deadline and cannot be interrupted", self.grace)
        if self.on_stuck is not None:
            self.on_stuck()

    def close(self) -> None:
        self._pool.shutdown()
