"""A serving process on granian (``KG_HTTP_SERVER=granian``): HTTP parsed in Rust, the same app and guarantees.

granian runs embedded in the process's own event loop (``granian.server.embed``, one worker, ASGI with lifespan)
on a duplicate of the listening socket the supervisor owns for this slot of the port: granian itself would bind
a fresh ``SO_REUSEPORT`` socket per worker, which closes with the worker, so a connection queued on it when a
process recycles would be reset; on the supervisor's socket it waits for the replacement (server/supervisor.py).

What uvicorn's server did for a recycling or stopping process, :class:`Drain` does at the ASGI level: granian
stops accepting and lets connections finish their request; requests still running :data:`RECYCLE_GRACE`
seconds later are cancelled and answered with the 503 JSON of ``server.http_protocol`` (``Retry-After``), never a
500. The header time limit is hyper's ``header_read_timeout`` (the connection is closed; it also bounds how
long a kept-alive connection may sit idle). Each response leaves in one write, as hyper writes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Callable
from multiprocessing.synchronize import Event as EventType
from typing import Any

import uvloop
from granian._granian import SocketHolder
from granian.constants import HTTPModes, Interfaces, TaskImpl
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.embed import Server

from server.asgi import ASGIApp, Message, Receive, Scope, Send, send_error
from server.http_protocol import going_away

#: The backlog of the supervisor's sockets (server.supervisor.reuseport_sockets); granian listens with it again.
BACKLOG = 2048
#: How often the process looks at the supervisor's "leave" event while it recycles.
POLL = 0.05


class Drain:
    """The app as granian runs it: tells the supervisor once it serves, keeps the requests in flight, and cuts
    the ones still running at the end of a drain with a 503 JSON rather than leaving them unanswered."""

    def __init__(self, app: ASGIApp, ready: EventType) -> None:
        self.app = app
        self.ready = ready
        self.in_flight: set[asyncio.Task[Any]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._on_startup(send))
            return
        task = asyncio.current_task()
        assert task is not None
        self.in_flight.add(task)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except asyncio.CancelledError:
            if not started:  # a streamed answer already begun can only be cut off
                await send_error(send, going_away())
        finally:
            self.in_flight.discard(task)

    def _on_startup(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                # granian starts serving in the same task right after this message: ready on the next loop turn
                asyncio.get_running_loop().call_soon(self.ready.set)

        return sending

    async def cut(self, grace: float) -> None:
        """Give the requests in flight ``grace`` seconds, then cancel those still running (they answer 503)."""
        deadline = asyncio.get_running_loop().time() + grace
        while self.in_flight and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(POLL)
        for task in list(self.in_flight):
            task.cancel()


class _OnSocket(Server):
    """granian's embedded server, listening on a socket it is given rather than one it binds."""

    def __init__(self, app: Drain, sock: socket.socket, header_timeout: float) -> None:
        super().__init__(
            app,
            interface=Interfaces.ASGI,
            http=HTTPModes.http1,
            websockets=False,
            backlog=BACKLOG,
            task_impl=TaskImpl.asyncio,  # each request its own asyncio task: Drain can cancel it
            http1_settings=HTTP1Settings(header_read_timeout=max(1, round(header_timeout * 1000))),
            log_access=False,
            log_level=LogLevels.warning,
        )
        self.sock = sock

    def _init_shared_socket(self) -> None:
        # granian's listener closes its descriptor when the worker ends: give it a duplicate, keep ours
        self._ssp = None
        # granian's stub lists no constructor for SocketHolder; Linux builds take (fd, is_uds, backlog)
        holder: Any = SocketHolder(os.dup(self.sock.fileno()), False, BACKLOG)  # type: ignore[call-arg]
        self._shd = holder
        self._sfd = holder.get_fd()


def serve_granian(
    app: ASGIApp,
    sock: socket.socket,
    header_timeout: float,
    ready: EventType,
    leave: EventType,
    grace: float,
    on_recycle: Callable[[Callable[[], None]], None],
) -> bool:
    """Serve ``app`` on ``sock`` until SIGTERM/SIGINT, or until ``leave`` is set once the process recycles.

    ``on_recycle`` receives the function that starts the process's recycling (call it on the event loop).
    Returns True when the process recycled.
    """
    drain = Drain(app, ready)
    server = _OnSocket(drain, sock, header_timeout)
    recycling = False

    async def run() -> None:
        nonlocal recycling
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)

        async def watch_leave() -> None:
            while not leave.is_set():
                await asyncio.sleep(POLL)
            stopping.set()

        watcher: asyncio.Task[None] | None = None

        def recycle() -> None:
            nonlocal recycling, watcher
            recycling = True
            watcher = watcher or loop.create_task(watch_leave())

        on_recycle(recycle)
        serving = loop.create_task(server.serve())
        stopper = loop.create_task(stopping.wait())
        await asyncio.wait({serving, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not serving.done():
            server.stop()  # stops accepting; connections finish their request
            await drain.cut(grace)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(serving, grace + 1)
        for task in (stopper, watcher):
            if task is not None:
                task.cancel()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run())
    return recycling
