"""POSTs to a SPARQL engine's endpoint over kept-alive connections, one per thread (the standard library's
:mod:`http.client`).

Why not httpx, used everywhere else: measured against Virtuoso on loopback, one small query took 4 to 8 ms through
an httpx client and 1 to 2 ms through :class:`http.client.HTTPConnection` (medians of 200; docs/deployment.md).
http.client sends a small form body in the same packet as the headers; httpx and urllib3 send them apart, and the
engine's answer then waits on TCP's delayed acknowledgement. On a path every query of `kg serve --store` takes,
that was most of our overhead over the engine itself.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

#: Seconds to wait for a connection to the engine.
CONNECT_TIMEOUT = 10.0


class EngineUnreachable(ConnectionError):
    """No connection to the engine could be made (refused, unknown host, or no answer within the connect time)."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class EngineHttp:
    """Form-encoded POSTs to ``url``, each thread on its own kept-alive connection.

    Raises ValueError for a URL that is not ``http://`` or ``https://`` with a host.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// or https:// URL with a host")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[http.client.HTTPConnection] = []

    def post(
        self, fields: dict[str, str | list[str]], headers: dict[str, str], read_timeout: float, *, once: bool = False
    ) -> Reply:
        """POST ``fields`` and read the whole answer, waiting at most ``read_timeout`` s for each read.

        A kept-alive connection the engine closed while idle is replaced once, for a request it never read. A
        request that must never be sent twice (``once``: an update) goes on a new connection of its own.

        Raises:
            EngineUnreachable: no connection could be made.
            TimeoutError: the engine did not answer within ``read_timeout``.
            OSError: the connection failed during the exchange.
        """
        body = urlencode(fields, doseq=True).encode()
        sent = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        if once:
            connection = self._new()
            try:
                return self._exchange(connection, body, sent, read_timeout)
            finally:
                connection.close()
        connection, reused = self._connection()
        try:
            return self._exchange(connection, body, sent, read_timeout)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self._drop(connection)
            if not reused:
                raise
        connection, _ = self._connection()  # the idle connection had been closed by the engine: once more
        try:
            return self._exchange(connection, body, sent, read_timeout)
        except BaseException:
            self._drop(connection)
            raise

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for connection in self._open:
                connection.close()
            self._open.clear()

    def _exchange(
        self, connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str], read_timeout: float
    ) -> Reply:
        try:
            if connection.sock is None:
                connection.connect()
        except OSError as err:
            self._drop(connection)
            raise EngineUnreachable(f"{self._host}:{self._port}: {err}") from err
        connection.sock.settimeout(read_timeout)
        try:
            connection.request("POST", self._target, body=body, headers=headers)  # headers and body: one send
            response = connection.getresponse()
            content = response.read()
        except TimeoutError:
            self._drop(connection)  # an answer may still come on it: never read it as the next one's
            raise
        except http.client.HTTPException as err:
            self._drop(connection)
            raise OSError(f"a malformed answer from the engine ({err!r})") from err
        if response.will_close:
            self._drop(connection)
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, content)

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, connection.sock is not None
        connection = self._new()
        self._local.connection = connection
        with self._lock:
            self._open.append(connection)
        return connection, False

    def _new(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=CONNECT_TIMEOUT)

    def _drop(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        if getattr(self._local, "connection", None) is connection:
            self._local.connection = None
        with self._lock:
            if connection in self._open:
                self._open.remove(connection)
