"""POSTs to a SPARQL engine's endpoint over a small pool of kept-alive connections (the standard library's
:mod:`http.client`).

Why not httpx, used everywhere else: measured against Virtuoso on loopback (medians of 200, the same query and
form body), one small query took 4 to 8 ms through an httpx client, 6 ms through urllib3, and about 1 ms through
:class:`http.client.HTTPConnection` with ``TCP_NODELAY`` (the store's whole ``query``: 8 to 11 ms before, 1 to 2 ms
after). On a path every query of `kg serve --store` takes, that was most of our overhead over the engine itself.
"""

from __future__ import annotations

import http.client
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from kg.errors import StoreUnavailable

#: Seconds to wait for a connection to the engine.
CONNECT_TIMEOUT = 10.0
#: Idle connections kept per process: an engine serves a kept-alive connection with one of its threads (Virtuoso:
#: ``MaxKeepAlives``, 32 in our ini), so a connection per thread of ours (anyio runs pages in up to 40) could take
#: them all and leave new ones waiting for an idle one's keep-alive to expire.
IDLE_CONNECTIONS = 4


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class EngineHttp:
    """Form-encoded POSTs to ``url``: each request takes an idle connection (or opens one) and gives it back.

    Raises ValueError for a URL that is not ``http://`` or ``https://`` with a host.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._url = url
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// or https:// URL with a host")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._lock = threading.Lock()
        self._idle: list[http.client.HTTPConnection] = []  # most recently used last

    def post(
        self, fields: dict[str, str | list[str]], headers: dict[str, str], read_timeout: float, *, once: bool = False
    ) -> Reply:
        """POST ``fields`` and read the whole answer, waiting at most ``read_timeout`` s for each read.

        A kept-alive connection the engine closed while idle is replaced once, for a request it never read. A
        request that must never be sent twice (``once``: an update) goes on a new connection of its own.

        Raises:
            StoreUnavailable: no connection could be made.
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
        connection, reused = self._take()
        try:
            reply = self._exchange(connection, body, sent, read_timeout)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            connection.close()
            if not reused:
                raise
            connection = self._new()  # the idle connection had been closed by the engine: once more, on a new one
            try:
                reply = self._exchange(connection, body, sent, read_timeout)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            connection.close()
            raise
        self._give_back(connection)
        return reply

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _exchange(
        self, connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str], read_timeout: float
    ) -> Reply:
        try:
            if connection.sock is None:
                connection.connect()
                # headers and body go in two writes: without this, Nagle holds the second until the first is acked
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]
        except OSError as err:
            connection.close()
            raise StoreUnavailable(f"the SPARQL engine at {self._url} cannot be reached ({err})") from err
        connection.sock.settimeout(read_timeout)
        try:
            connection.request("POST", self._target, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except TimeoutError:
            connection.close()  # an answer may still come on it: never read it as the next one's
            raise
        except http.client.HTTPException as err:
            connection.close()
            raise OSError(f"a malformed answer from the engine ({err!r})") from err
        if response.will_close:
            connection.close()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, content)

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection (True: it may have been closed by the engine since), or a new one (False)."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._new(), False

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        if connection.sock is None:
            return
        with self._lock:
            if len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()

    def _new(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=CONNECT_TIMEOUT)
