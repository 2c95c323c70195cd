"""The real app under uvicorn, in a thread of the test process, on a port the OS picks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from kg.store import OxigraphStore
from server.app import create_app
from server.settings import Settings


class _ThreadedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to pytest (it runs outside the main thread)."""

    def install_signal_handlers(self) -> None:
        pass


@contextmanager
def running_server(store: OxigraphStore, tmp_dir: Path, startup_timeout: float = 30.0) -> Iterator[str]:
    """Serve ``create_app(settings, store)`` on 127.0.0.1 and yield its base URL (no trailing slash).

    The app holds ``store`` itself, so whatever a test loads into ``store.raw`` is what HTTP queries see.
    """
    settings = Settings(store_path=tmp_dir / "store", dump_dir=tmp_dir / "dumps")
    app = create_app(settings, store)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
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
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()
