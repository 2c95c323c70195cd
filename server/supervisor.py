"""``kg serve``: one port, N serving processes, and (with a write token) the process that writes.

Why processes: one Python process cannot use a second core for the HTTP work around a query, and a query
stuck inside the engine can only be stopped by ending its process (docs/timeouts.md). So the supervisor

- reserves the port and starts ``settings.processes`` serving processes (spawned, not forked), each a uvicorn
  server over its own read-only view of the store, queries in threads. Each listens on its own socket bound
  to the same port with ``SO_REUSEPORT``, so the kernel spreads connections evenly over them (on one shared
  socket, whichever process waits first takes the next connection, and a few busy keep-alive clients can all
  land on one process while the other core idles);
- replaces a serving process that exits: one that recycled itself after a runaway query (exit code
  :data:`RECYCLED`) or one that died; a process that keeps failing at start-up ends the server instead;
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
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Generator
from dataclasses import replace
from multiprocessing.process import BaseProcess
from pathlib import Path

import uvicorn

from kg.store import OxigraphStore, Snapshots
from server.readers import WRITER_SOCKET, publish, write_processes
from server.settings import Settings

log = logging.getLogger("kg.server")

#: The exit code of a serving process that recycled itself after a query it could not stop.
RECYCLED = 75
#: How long in-flight requests of a recycling process get to finish before it exits.
RECYCLE_GRACE = 2.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the supervisor dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def uvicorn_config(app: object, **options: object) -> uvicorn.Config:
    """The server settings every process uses: httptools (each response in one write: server/http_protocol.py)
    and uvloop, no access log (the metrics count every request), keep-alive longer than clients wait between
    requests under load."""
    from server.http_protocol import CoalescingHttpToolsProtocol

    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        http=CoalescingHttpToolsProtocol,
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


def reuseport_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``; listening, or only holding the port.

    A socket that is bound but not listening takes no connections: the supervisor holds one to find out at
    once whether the port is free (and to keep it), and each serving process listens on one of its own.
    """
    family, address = _address(host, port)
    if not listen:  # first as an exclusive bind: another server on this port (even another kg serve) refuses it
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
        if listen:
            sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _serving_process(settings: Settings, host: str, port: int) -> None:
    """A serving process: the full app over a read-only view, on its own socket of the shared port."""
    _die_with_parent()
    sock = reuseport_socket(host, port, listen=True)
    from server.app import create_app

    app = create_app(settings)
    server = uvicorn.Server(uvicorn_config(app))

    def recycle() -> None:  # called on the event loop by the executor
        log.warning("process %s recycles: a query could not be stopped at its time limit", os.getpid())
        server.should_exit = True
        app.state.recycling = True

    app.state.recycling = False
    app.state.executor.on_stuck = recycle
    server.run(sockets=[sock])
    # The stuck query's thread cannot be joined: leave at once, without waiting for it.
    os._exit(RECYCLED if app.state.recycling else 0)


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
        self.host, self.port = host, port
        self.socket = reuseport_socket(host, port, listen=False)  # holds the port; fails now if it is taken
        self.context = multiprocessing.get_context("spawn")
        self.children: list[BaseProcess] = []
        self.started: dict[int, float] = {}
        self.recycled = 0
        self.quick_failures = 0
        self.writer_server: _WriterServer | None = None

    # --- the writer (writable servers only) -------------------------------------------------------------

    def _start_writer(self) -> None:
        from server.app import create_app

        store = OxigraphStore.open(self.settings.store_path, read_only=False)
        snapshots = Snapshots(self.settings.store_path.with_name("snapshots"))
        app = create_app(replace(self.settings, runtime_dir=None), store)
        publish(self.runtime_dir, snapshots.take(store), app.state.data_version)

        def on_commit(version: str) -> None:  # before the write is acknowledged: readers see it next request
            publish(self.runtime_dir, snapshots.take(store), version)

        app.state.writer.listeners.append(on_commit)
        self.writer_server = _WriterServer(uvicorn_config(app, uds=str(self.runtime_dir / WRITER_SOCKET)))

    # --- the serving processes ------------------------------------------------------------------------------

    def _spawn(self) -> BaseProcess:
        process = self.context.Process(
            target=_serving_process, args=(self.settings, self.host, self.port), name="kg-serve", daemon=False
        )
        process.start()
        self.started[process.pid or 0] = time.monotonic()
        return process

    def _replace_exited(self) -> bool:
        """Replace serving processes that have exited; False when they keep failing at start-up."""
        changed = False
        for index, process in enumerate(self.children):
            if process.is_alive():
                continue
            changed = True
            code = process.exitcode
            lived = time.monotonic() - self.started.pop(process.pid or 0, 0.0)
            if code == RECYCLED:
                self.recycled += 1
                log.warning("serving process %s recycled after a runaway query; starting another", process.pid)
            else:
                log.error("serving process %s exited with %s after %.1f s; starting another", process.pid, code, lived)
                self.quick_failures = self.quick_failures + 1 if lived < 5 else 0
                if self.quick_failures >= 3:
                    return False
            self.children[index] = self._spawn()
        if changed:
            self._record()
        return True

    def _record(self) -> None:
        write_processes(self.runtime_dir, [p.pid for p in self.children if p.pid], self.recycled)

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
        self.children = [self._spawn() for _ in range(max(1, self.settings.processes))]
        self._record()
        status = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
            if not stop.is_set() and not self._replace_exited():
                log.error("serving processes keep failing at start-up: stopping")
                status = 1
                break
        await asyncio.to_thread(self._stop_children)
        if writer_task is not None and self.writer_server is not None:
            self.writer_server.should_exit = True
            await writer_task
        return status

    def _stop_children(self) -> None:
        for process in self.children:
            if process.is_alive() and process.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + RECYCLE_GRACE + 3
        for process in self.children:
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
            self.socket.close()
            shutil.rmtree(self.runtime_dir, ignore_errors=True)


def serve(settings: Settings, host: str, port: int) -> int:
    """Run ``kg serve`` (see :class:`Supervisor`); returns the exit status.

    Raises:
        OSError: the address is in use, or there is no store (the writable case opens it here).
    """
    return Supervisor(settings, host, port).run()
