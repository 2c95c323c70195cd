"""``kg serve``: one port, N serving processes, and (with a write token) the process that writes.

Why processes: one Python process cannot use a second core for the HTTP work around a query, and a query
stuck inside the engine can only be stopped by ending its process (docs/timeouts.md). So the supervisor

- reserves the port and starts ``settings.processes`` serving processes (spawned, not forked), each a uvicorn
  server (or granian with ``KG_HTTP_SERVER=granian``: server/granian_serving.py) over its own read-only view of
  the store, queries in threads. Each process serves one listening
  socket bound to the same port with ``SO_REUSEPORT``, so the kernel spreads connections evenly over them (on
  one shared socket, whichever process waits first takes the next connection, and a few busy keep-alive
  clients can all land on one process while the other core idles). The supervisor creates these sockets and
  keeps them open for the server's life: a connection queued on the socket of a process that is going away
  waits there for the process's replacement instead of being reset when the socket would close;
- replaces a serving process that exits: one that recycles itself after a runaway query (it says so, goes on
  serving until its replacement is up, then drains and exits with :data:`RECYCLED`) or one that died; only
  processes that die before they accept connections count as start-up failures, and a few in a row end the
  server (a process that dies while serving, e.g. of a request that crashed the engine, costs that process's
  requests, never the server);
- on a writable server, owns the read-write store itself: it serves the write routes on a Unix socket, to
  which the serving processes forward writes, and publishes a checkpoint after each commit that the serving
  processes reopen on (server/readers.py);
- writes ``processes.json`` (pids, recycled count) for ``/health``, keeps the processes' metrics in one place
  for ``/metrics``, and stops everything on SIGINT/SIGTERM.
  Serving processes also die with it (``PR_SET_PDEATHSIG``), so a killed supervisor leaves no orphan.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import uvicorn

from kg.store import OxigraphStore, Snapshots
from server.readers import WRITER_SOCKET, publish, write_processes
from server.settings import Settings

log = logging.getLogger("kg.server")

#: The exit code of a serving process that recycled itself after a query it could not stop.
RECYCLED = 75
#: How long in-flight requests of a recycling process get to finish before it exits.
RECYCLE_GRACE = 2  # seconds: uvicorn's Config.timeout_graceful_shutdown is an int
#: How long a recycling process, no longer accepting, waits for the requests of connections it just accepted.
LATE_REQUEST_WAIT = 0.25
#: How long a recycling process waits for its replacement before it leaves anyway.
REPLACEMENT_WAIT = 15.0
#: This many serving processes in a row dying before they accept connections stop the server.
START_FAILURES = 3
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the supervisor dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def uvicorn_config(app: object, header_timeout: float | None = None, **options: object) -> uvicorn.Config:
    """The server settings every process uses: httptools (each response in one write, ``header_timeout`` for
    a request's headers: server/http_protocol.py) and uvloop, no access log (the metrics count every request),
    keep-alive longer than clients wait between requests under load."""
    from server.http_protocol import HEADER_TIMEOUT, CoalescingHttpToolsProtocol

    protocol = functools.partial(CoalescingHttpToolsProtocol, header_timeout=header_timeout or HEADER_TIMEOUT)
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        http=protocol,  # type: ignore[arg-type]
        loop="uvloop",
        access_log=False,
        timeout_keep_alive=75,
        timeout_graceful_shutdown=RECYCLE_GRACE,
        lifespan="on",
        log_level="info",
        **options,  # type: ignore[arg-type]
    )


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[str, int]]:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    return family, address  # type: ignore[return-value]


def reuseport_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` listening TCP sockets bound to ``host:port`` with ``SO_REUSEPORT``, one per serving process.

    First an exclusive bind: another server on this port (even another kg serve) makes it fail with OSError.
    """
    family, address = _address(host, port)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            sock.listen(2048)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class _ServingServer(uvicorn.Server):
    """A serving process's uvicorn server: tells the supervisor once it accepts connections, and, once it
    recycles, leaves when the supervisor says its replacement is up (an event, not SIGTERM: uvicorn would
    re-raise the signal after its shutdown, and the process would die of it instead of exiting with
    :data:`RECYCLED`)."""

    def __init__(self, config: uvicorn.Config, ready: EventType, leave: EventType) -> None:
        super().__init__(config)
        self.ready, self.leave = ready, leave
        self.recycling = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.ready.set()

    async def on_tick(self, counter: int) -> bool:
        if self.recycling and self.leave.is_set():
            return True
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """When recycling: stop accepting, then give connections accepted a moment ago time to send their
        request (uvicorn closes every connection that is not inside a request at once)."""
        if self.recycling:
            for server in self.servers:
                server.close()
            await asyncio.sleep(LATE_REQUEST_WAIT)
        await super().shutdown(sockets)


def _serving_process(settings: Settings, sock: socket.socket, events: _Events) -> None:
    """A serving process: the full app over a read-only view, on its slot's socket of the shared port, under
    the HTTP server ``settings.http_server`` names."""
    _die_with_parent()
    from server.app import create_app

    app = create_app(settings)
    if settings.http_server == "granian":
        from server.granian_serving import serve_granian

        def on_recycle(start: Callable[[], None]) -> None:
            app.state.executor.on_stuck = _recycler(events, start)

        args = (settings.header_timeout, events.ready, events.leave, RECYCLE_GRACE, on_recycle)
        recycled = serve_granian(app, sock, *args)
    else:
        server = _ServingServer(uvicorn_config(app, settings.header_timeout), events.ready, events.leave)
        app.state.executor.on_stuck = _recycler(events, lambda: setattr(server, "recycling", True))
        server.run(sockets=[sock])
        recycled = server.recycling
    # The stuck query's thread cannot be joined: leave at once, without waiting for it.
    os._exit(RECYCLED if recycled else 0)


def _recycler(events: _Events, start: Callable[[], None]) -> Callable[[], None]:
    """The executor's ``on_stuck`` (called on the event loop): ask for a replacement and go on serving until it
    is up; ``start`` tells the HTTP server to drain and exit once ``events.leave`` is set."""
    asked = False

    def recycle() -> None:
        nonlocal asked
        if asked:
            return
        asked = True
        log.warning("process %s recycles: a query could not be stopped at its time limit", os.getpid())
        start()
        events.retiring.set()
        # Should the supervisor not answer (it is stopping), leave anyway.
        asyncio.get_running_loop().call_later(REPLACEMENT_WAIT, events.leave.set)

    return recycle


@dataclass(frozen=True)
class _Events:
    """How a serving process and the supervisor tell each other about its life."""

    ready: EventType  # the process accepts connections
    retiring: EventType  # it recycles: start its replacement
    leave: EventType  # its replacement is up: drain and exit


@dataclass
class _Slot:
    """One listening socket of the port and the serving process on it (and the one it replaces, if any)."""

    sock: socket.socket
    process: BaseProcess
    events: _Events
    started: float
    #: a process that is recycling: it serves until ``process`` is ready, then drains and exits
    leaving: _Slot | None = None


class _WriterServer(uvicorn.Server):
    """The writer's uvicorn server, run inside the supervisor's event loop (which handles the signals)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class Supervisor:
    """Runs ``kg serve``; see the module docstring."""

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="kg-serve-"))
        # Before anything imports prometheus_client: every process (spawned ones inherit it) counts into files
        # there, and /metrics sums them (server/observability.py).
        (self.runtime_dir / "metrics").mkdir()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(self.runtime_dir / "metrics")
        self.settings = replace(settings, runtime_dir=self.runtime_dir)
        # Fails now if the port is taken; the sockets then hold it, and each gets a serving process.
        self.sockets = reuseport_sockets(host, port, max(1, settings.processes))
        self.context = multiprocessing.get_context("spawn")
        self.slots: list[_Slot] = []
        self.recycled = 0
        self.start_failures = 0  # serving processes in a row that died before they were ready
        self.writer_server: _WriterServer | None = None

    # --- the writer (writable servers only) -------------------------------------------------------------

    def _start_writer(self) -> None:
        from server.app import create_app

        if self.settings.store_url is not None:  # an engine: the readers query it too, and need no checkpoint
            app = create_app(replace(self.settings, runtime_dir=None))
            publish(self.runtime_dir, None, app.state.data_version)

            def on_commit(version: str) -> None:
                publish(self.runtime_dir, None, version)

        else:
            store = OxigraphStore.open(self.settings.store_path, read_only=False)
            snapshots = Snapshots(self.settings.store_path.with_name("snapshots"))
            app = create_app(replace(self.settings, runtime_dir=None), store)
            publish(self.runtime_dir, snapshots.take(store), app.state.data_version)

            def on_commit(version: str) -> None:  # before the write is acknowledged: readers see it next request
                publish(self.runtime_dir, snapshots.take(store), version)

        app.state.writer.listeners.append(on_commit)
        self.writer_server = _WriterServer(uvicorn_config(app, uds=str(self.runtime_dir / WRITER_SOCKET)))

    # --- the serving processes ------------------------------------------------------------------------------

    def _spawn(self, sock: socket.socket, leaving: _Slot | None = None) -> _Slot:
        events = _Events(self.context.Event(), self.context.Event(), self.context.Event())
        process = self.context.Process(
            target=_serving_process, args=(self.settings, sock, events), name="kg-serve", daemon=False
        )
        process.start()
        return _Slot(sock, process, events, time.monotonic(), leaving)

    def _tend(self) -> bool:
        """Replace serving processes that recycle or exit; False when :data:`START_FAILURES` in a row died before
        they were ready."""
        changed = False
        for index, slot in enumerate(self.slots):
            if slot.leaving is None and slot.events.retiring.is_set():  # recycling: start its replacement now
                log.warning("serving process %s recycles after a runaway query; starting another", slot.process.pid)
                self.slots[index] = slot = self._spawn(slot.sock, leaving=slot)
                changed = True
            if slot.leaving is not None:
                changed |= self._retire(slot)
            if slot.process.is_alive():
                continue
            changed = True
            code = slot.process.exitcode
            lived = time.monotonic() - slot.started
            log.error("serving process %s exited with %s after %.1f s; starting another", slot.process.pid, code, lived)
            # Dying while serving is a request's doing (say, one that crashed the engine), not a broken start-up.
            self.start_failures = 0 if slot.events.ready.is_set() else self.start_failures + 1
            if self.start_failures >= START_FAILURES:
                return False
            self.slots[index] = self._spawn(slot.sock, leaving=slot.leaving)
        if changed:
            self._record()
        return True

    def _retire(self, slot: _Slot) -> bool:
        """Let a recycling process leave once its replacement serves; True when it has gone."""
        leaving = slot.leaving
        assert leaving is not None
        if slot.events.ready.is_set() or time.monotonic() - slot.started > REPLACEMENT_WAIT:
            leaving.events.leave.set()
        if leaving.process.is_alive():
            return False
        if leaving.process.exitcode == RECYCLED:
            self.recycled += 1
        else:
            log.error("recycling serving process %s exited with %s", leaving.process.pid, leaving.process.exitcode)
        slot.leaving = None
        return True

    def _record(self) -> None:
        write_processes(self.runtime_dir, [s.process.pid for s in self.slots if s.process.pid], self.recycled)

    async def _supervise(self) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        writer_task = None
        if self.writer_server is not None:
            writer_task = asyncio.create_task(self.writer_server.serve())
            while not self.writer_server.started:
                if writer_task.done():
                    return 1
                await asyncio.sleep(0.02)
        self.slots = [self._spawn(sock) for sock in self.sockets]
        self._record()
        status = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
            if not stop.is_set() and not self._tend():
                log.error("serving processes keep failing at start-up: stopping")
                status = 1
                break
        await asyncio.to_thread(self._stop_children)
        if writer_task is not None and self.writer_server is not None:
            self.writer_server.should_exit = True
            await writer_task
        return status

    def _stop_children(self) -> None:
        processes = [slot.process for slot in self.slots] + [s.leaving.process for s in self.slots if s.leaving]
        for process in processes:
            if process.is_alive() and process.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + RECYCLE_GRACE + 3
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(2)

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; the exit status."""
        try:
            if self.settings.write_token is not None:
                self._start_writer()
            return asyncio.run(self._supervise())
        finally:
            for sock in self.sockets:
                sock.close()
            shutil.rmtree(self.runtime_dir, ignore_errors=True)


def serve(settings: Settings, host: str, port: int) -> int:
    """Run ``kg serve`` (see :class:`Supervisor`); returns the exit status.

    Raises:
        OSError: the address is in use, or there is no store (the writable case opens it here).
    """
    return Supervisor(settings, host, port).run()
