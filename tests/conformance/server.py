"""The real app under uvicorn, in a thread of the test process, on a port the OS picks."""

from __future__ import annotations

import dataclasses
import gc
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from kg.store import GraphStore
from server.app import create_app
from server.settings import Settings

#: The bearer token of the writable conformance servers (``Settings(write_token=...)``).
WRITE_TOKEN = "w3c-conformance-token"
#: The header every write request of the conformance runners carries (the manifests carry none).
AUTHORIZATION = {"Authorization": f"Bearer {WRITE_TOKEN}"}


class _ThreadedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to pytest (it runs outside the main thread)."""

    def install_signal_handlers(self) -> None:
        pass


def collect_garbage() -> None:
    """Collect reference cycles now, at a harmless point: the runners call it after each write request.

    The write path (the update evaluator, the gate) reads the store through pyoxigraph iterators, which may
    only be dropped by the thread that made them. A write that fails can leave such iterators in a reference
    cycle (its traceback); whichever thread collects it later gets ``RuntimeError: QuadIter is unsendable`` as an
    "exception ignored" report. If that collection is triggered by an allocation inside pytest's own
    ``ast.parse``, formatting the report (CPython 3.11 tracebacks call ``ast.parse`` for their ``^^^`` markers)
    re-enters it, and the outer call fails with "AST constructor recursion depth mismatch": the pytest session
    dies with an INTERNALERROR. Collecting here keeps that report a harmless warning. It is cheap because
    :func:`running_server` freezes what existed at start-up (``gc.freeze``).
    """
    gc.collect()


@contextmanager
def running_server(
    store: GraphStore,
    tmp_dir: Path,
    startup_timeout: float = 30.0,
    *,
    writable: bool = False,
    assets_dir: Path | None = None,
) -> Iterator[str]:
    """Serve ``create_app(settings, store)`` on 127.0.0.1 and yield its base URL (no trailing slash).

    The app holds ``store`` itself, so whatever a test loads into ``store.raw`` is what HTTP queries see, and
    what a write commits is in ``store.raw`` when the response arrives.

    Args:
        writable: give the server :data:`WRITE_TOKEN` (``Settings(write_token=...)``), so that ``/update``,
            ``update=`` on ``/sparql`` and the Graph Store Protocol writes are accepted with :data:`AUTHORIZATION`.
            The writer's background dump rewrite is turned off: the W3C data needs no dumps, and a thread
            serialising the store after every write would race the harness that resets it.
        assets_dir: where the browser tools are (``Settings.assets_dir``; default: the project's node_modules).
    """
    settings = Settings(
        store_path=tmp_dir / "store",
        dump_dir=tmp_dir / "dumps",
        write_token=WRITE_TOKEN if writable else None,
    )
    if assets_dir is not None:
        settings = dataclasses.replace(settings, assets_dir=assets_dir)
    app = create_app(settings, store)
    if writable:
        app.state.writer.dump_dir = None
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    # uvicorn logs an unhandled exception again *after* the 500 has been sent, from the server thread, while the
    # test thread goes on; on CPython 3.11 formatting a traceback calls ast.parse, whose state is per interpreter
    # (see collect_garbage). The app logs the traceback itself (logger "kg.server", in pytest's captured log)
    # before it answers, so uvicorn's late copy is silenced.
    config = uvicorn.Config(app, log_level="critical", access_log=False, lifespan="on")
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="w3c-uvicorn")
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn exited before it started serving")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {startup_timeout} s")
            time.sleep(0.01)
        # What exists now (the app, its shapes and ontology, rdflib, pyshacl) lives as long as the server: keep it
        # out of the collections of collect_garbage(), which then only scan what the requests left behind.
        gc.collect()
        gc.freeze()
        yield f"http://{host}:{port}"
    finally:
        gc.unfreeze()
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()


@contextmanager
def conformance_client(store: GraphStore, tmp_dir: Path) -> Iterator[httpx.Client]:
    """A writable :func:`running_server` over ``store`` and an HTTP client for it: what every runner's fixture needs."""
    with (
        running_server(store, tmp_dir, writable=True) as url,
        httpx.Client(base_url=url, timeout=60) as http,  # redirects are not followed: the tests check them
    ):
        yield http
