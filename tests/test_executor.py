"""The query executor in process: streaming hand-off, deadlines, and which queries it answers inline."""

from __future__ import annotations

import asyncio
import time

import pyoxigraph as ox
import pytest

from kg.store import OxigraphStore
from server.errors import Unavailable
from server.executor import CHUNK_BYTES, FIRST_CHUNK_BYTES, Executor, QueryTimeout, Stream
from server.results import Job, Outcome, execute

EX = "http://example.org/"


@pytest.fixture
def store() -> OxigraphStore:
    quads = [
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"value {i}"), ox.NamedNode(f"{EX}g"))
        for i in range(3000)
    ]
    return OxigraphStore.in_memory(quads)


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


def test_a_quick_query_is_answered_inline_the_second_time(store: OxigraphStore) -> None:
    executor = Executor(store)
    job = Job(f"SELECT ?o WHERE {{ <{EX}s1> ?p ?o }}")

    async def twice() -> tuple[Outcome, Outcome]:
        first = await executor.run(job, 10)
        second = await executor.run(job, 10)
        return first, second

    first, second = run(twice())
    assert first == second == execute(store, job)
    assert executor.inline == 1


def test_a_streamed_or_slow_query_is_never_answered_inline(store: OxigraphStore) -> None:
    executor = Executor(store)
    job = Job("SELECT * WHERE { ?s ?p ?o . ?t ?q ?r } LIMIT 20000")

    async def twice() -> list[bytes]:
        bodies = []
        for _ in range(2):
            answer = await executor.start(job, 30)
            assert isinstance(answer.head, Stream), "an answer over one chunk is streamed"
            body = bytearray(answer.head.first)
            async for chunk in answer.rest():
                assert len(chunk) <= 2 * CHUNK_BYTES
                body += chunk
            bodies.append(bytes(body))
        return bodies

    bodies = run(twice())
    assert bodies[0] == bodies[1] == execute(store, job).body
    assert executor.inline == 0


def test_a_streamed_answer_leaves_as_a_small_first_part_then_few_large_chunks(store: OxigraphStore) -> None:
    """The first byte leaves after 64 KiB; later chunks are 256 KiB, so a 25 MB answer crosses the event loop ~100
    times, not ~400 (each crossing costs the loop ~0.15 ms while the query thread waits for the GIL; issue 17)."""
    executor = Executor(store)
    job = Job("SELECT * WHERE { ?s ?p ?o . ?t ?q ?r } LIMIT 40000", format="tsv")

    async def stream() -> tuple[bytes, list[bytes]]:
        answer = await executor.start(job, 30)
        assert isinstance(answer.head, Stream)
        return answer.head.first, [chunk async for chunk in answer.rest()]

    first, chunks = run(stream())
    assert FIRST_CHUNK_BYTES <= len(first) < FIRST_CHUNK_BYTES + 16 * 1024, len(first)
    assert len(chunks) >= 2, "the answer should need several chunks"
    assert all(CHUNK_BYTES <= len(chunk) < CHUNK_BYTES + 16 * 1024 for chunk in chunks[:-1]), [len(c) for c in chunks]
    assert first + b"".join(chunks) == execute(store, job).body


def test_a_new_store_forgets_what_was_learnt(store: OxigraphStore) -> None:
    executor = Executor(store)
    job = Job("ASK { ?s ?p ?o }")

    async def go() -> None:
        await executor.run(job, 10)
        executor.use(OxigraphStore.in_memory())
        outcome = await executor.run(job, 10)
        assert b"false" in outcome.body

    run(go())
    assert executor.inline == 0


def test_service_queries_are_never_learnt(store: OxigraphStore) -> None:
    executor = Executor(store)
    job = Job("SELECT * WHERE { OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } } } LIMIT 0")

    async def twice() -> None:
        await executor.run(job, 10)
        await executor.run(job, 10)

    run(twice())
    assert executor.inline == 0


def test_nothing_by_the_deadline_is_a_timeout_and_a_stuck_query_is_reported() -> None:
    stuck: list[bool] = []
    few = [ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i))) for i in range(300)]
    # 300^3 = 27 million solutions to count: seconds inside the engine, nothing written before the end.
    executor = Executor(OxigraphStore.in_memory(few), grace=0.2, on_stuck=lambda: stuck.append(True))
    job = Job("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")

    async def go() -> None:
        with pytest.raises(QueryTimeout):
            await executor.start(job, 0.3)
        await asyncio.sleep(0.5)

    run(go())
    assert stuck == [True], "a query still in the engine after the grace must be reported"


@pytest.fixture
def slow_store() -> OxigraphStore:
    few = [ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i))) for i in range(300)]
    return OxigraphStore.in_memory(few)


#: 300^3 = 27 million solutions to count: seconds inside the engine, nothing written before the end.
SLOW = Job("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")


def test_with_every_thread_held_past_its_deadline_queries_get_503_at_once(slow_store: OxigraphStore) -> None:
    """Issue 12, item 4: a query that could only wait for a thread a runaway holds is refused, not queued."""
    executor = Executor(slow_store, threads=1, grace=30)
    queued = Job("ASK { ?s ?p ?o }")

    async def go() -> tuple[BaseException | None, float]:
        runaway = asyncio.create_task(executor.start(SLOW, 0.5))
        await asyncio.sleep(0.1)
        waiting = asyncio.create_task(executor.start(queued, 30))  # queued behind the runaway
        with pytest.raises(QueryTimeout):
            await runaway
        refused = await asyncio.wait_for(asyncio.gather(waiting, return_exceptions=True), 0.5)
        started = time.monotonic()
        with pytest.raises(Unavailable) as new:
            await executor.start(Job("ASK { ?s ?p ?s }"), 30)
        assert new.value.error == "server-busy" and new.value.retry_after
        return refused[0], time.monotonic() - started

    refused, took = run(go())
    assert isinstance(refused, Unavailable) and not isinstance(refused, QueryTimeout), refused
    assert took < 0.1, "a new query is refused at once, without waiting"


def test_a_query_that_times_out_waiting_for_a_thread_does_not_recycle_the_process(slow_store: OxigraphStore) -> None:
    """Only a query inside the engine can be stuck there: one still queued at its deadline never started."""
    stuck: list[bool] = []
    executor = Executor(slow_store, threads=1, grace=0.2, on_stuck=lambda: stuck.append(True))

    async def go() -> None:
        legitimate = asyncio.create_task(executor.start(SLOW, 60))
        await asyncio.sleep(0.1)
        with pytest.raises(QueryTimeout):
            await executor.start(Job("ASK { ?s ?p ?o }"), 0.3)
        await asyncio.sleep(0.5)  # past the queued query's grace, while the legitimate one still runs
        assert not legitimate.done(), "the machine is too fast for this test: make SLOW slower"
        legitimate.cancel()

    run(go())
    assert stuck == []
