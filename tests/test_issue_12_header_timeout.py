"""Issue 12, "Hard edges, round two", item 8: idle or half-sent connections were never closed.

A client that opened a connection and sent nothing, or half a request line, or half the headers (slowloris),
kept it forever. With ``KG_HEADER_TIMEOUT`` (1 s here) such a connection is closed; bodies are not concerned.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from kg.build import BuildResult
from tests.conftest import LiveServer, serve

HEADER_TIMEOUT = 1.0
#: Generous: the machine is shared, and a timer may fire late under load.
CLOSED_WITHIN = 10.0
#: What a half-sent request gets before its connection closes: uvicorn (server/http_protocol.py) says 408;
#: granian's hyper closes the connection without an answer (its header_read_timeout has no response to send).
LATE_ANSWER = {"uvicorn": b"HTTP/1.1 408 ", "granian": b""}


@pytest.fixture(scope="module")
def server(built: BuildResult, http_server: str) -> Iterator[tuple[str, int]]:
    """`kg serve` with a 1 s header timeout, under each HTTP server; yields its host and port."""
    live: LiveServer
    env = {"KG_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "KG_PROCESSES": "1", "KG_HTTP_SERVER": http_server}
    for live in serve(built.store_path.parent, env):
        url = httpx.URL(live.url)
        yield url.host, url.port or 80


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (socket.timeout if it never does)."""
    sock.settimeout(CLOSED_WITHIN)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _one_response(sock: socket.socket) -> bytes:
    """One response with a Content-Length, read off a kept-alive connection."""
    sock.settimeout(CLOSED_WITHIN)
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))[15:])
    while len(body) < length:
        body += sock.recv(65536)
    return head


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /hea", b"GET /health HTTP/1.1\r\nHost: test\r\nAccept: appl"],
    ids=["nothing", "half-a-request-line", "half-the-headers"],
)
def test_a_connection_without_complete_headers_is_closed_after_the_header_timeout(
    server: tuple[str, int], sent: bytes, http_server: str
) -> None:
    with socket.create_connection(server, timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(sent)
        received = _until_closed(sock)
        took = time.monotonic() - started
    assert HEADER_TIMEOUT * 0.9 < took < CLOSED_WITHIN
    if sent:
        assert received.startswith(LATE_ANSWER[http_server]), received
    else:
        assert received == b"", "a connection that sent nothing is closed without an answer"


def test_a_half_sent_second_request_on_a_kept_alive_connection_is_closed_too(
    server: tuple[str, int], http_server: str
) -> None:
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        assert _one_response(sock).startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\nHo")
        received = _until_closed(sock)
        took = time.monotonic() - started
    assert received.startswith(LATE_ANSWER[http_server]), received
    assert HEADER_TIMEOUT * 0.9 < took < CLOSED_WITHIN


def test_only_late_headers_are_cut_not_a_fast_request_or_a_slow_steady_body(
    server: tuple[str, int], http_server: str
) -> None:
    """While a slowloris connection is being closed, a quick request is answered, and a body sent over three
    times the header timeout (its headers on time) is read to its end and answered."""
    query = b"ASK { ?s ?p ?o }" + b" " * 3000  # 3 KB: far under the body limit
    outcomes: dict[str, bytes] = {}

    def slowloris() -> None:
        with socket.create_connection(server, timeout=10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: te")
            outcomes["slowloris"] = _until_closed(sock)

    def slow_body() -> None:
        with socket.create_connection(server, timeout=10) as sock:
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: test\r\nContent-Type: application/sparql-query\r\n"
                b"Accept: application/sparql-results+json\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n" % len(query)
            )
            for offset in range(0, len(query), 200):  # 15 pieces, one every 0.2 s: 3 s
                time.sleep(0.2)
                sock.sendall(query[offset : offset + 200])
            outcomes["slow body"] = _until_closed(sock)

    threads = [threading.Thread(target=slowloris), threading.Thread(target=slow_body)]
    for thread in threads:
        thread.start()
    quick = httpx.get(f"http://{server[0]}:{server[1]}/sparql", params={"query": "ASK {}"}, timeout=10)
    for thread in threads:
        thread.join()
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert outcomes["slowloris"].startswith(LATE_ANSWER[http_server]), outcomes["slowloris"]
    assert outcomes["slow body"].startswith(b"HTTP/1.1 200 "), outcomes["slow body"]
    assert outcomes["slow body"].endswith(b'"boolean":true}'), outcomes["slow body"]
