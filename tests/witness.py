"""A loopback listener that records every connection made to it: the witness that a request was never sent."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def loopback_witness() -> Iterator[tuple[int, list[bytes]]]:
    """Listen on a free loopback port; yields it and the list of what each connection sent first (≤ 200 bytes)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.1)
    connections: list[bytes] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                connection, _ = sock.accept()
                with connection:
                    connection.settimeout(1)
                    with contextlib.suppress(OSError):
                        connections.append(connection.recv(200))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1], connections
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()
