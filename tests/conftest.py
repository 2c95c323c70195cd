"""Shared fixtures: a real build in a temporary directory, and the real server on a free loopback port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from kg.build import BuildResult, build
from kg.iris import Minter
from kg.validate import load_ontology, load_shapes
from server.settings import HTTP_SERVERS

pytest_plugins = ["tests.engines"]

SHARED = Path(__file__).resolve().parents[2] / "shared"


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The SHACL shapes, parsed once per test module."""
    return load_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The ontology, parsed once per test module (tests/test_ontology.py has its own)."""
    return load_ontology()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The real build (annotations + ontology -> validated store and dumps), once per session."""
    return build(tmp_path_factory.mktemp("build"), Minter())


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="session")
def server_url(live_server: LiveServer) -> str:
    """The base URL (with a trailing slash) of the real server."""
    return live_server.url


@pytest.fixture(scope="session")
def live_server(built: BuildResult) -> Iterator[LiveServer]:
    """`kg serve` (read-only) as a subprocess on a free port; yields once /health answers."""
    yield from serve(built.store_path.parent)


@pytest.fixture(scope="module", params=HTTP_SERVERS)
def http_server(request: pytest.FixtureRequest) -> str:
    """Each HTTP server a serving process can run (``KG_HTTP_SERVER``): a module whose tests ask for it runs once
    per server (the tests of the serving processes' guarantees: recycling, time limits, streaming, header time
    limit, crash safety, the supervisor)."""
    return str(request.param)


@pytest.fixture(scope="module")
def live_server_each_http_server(built: BuildResult, http_server: str) -> Iterator[LiveServer]:
    """:func:`live_server` under each HTTP server; a module takes it with ``live_server = live_server_each…``."""
    yield from serve(built.store_path.parent, {"KG_HTTP_SERVER": http_server})


@pytest.fixture(scope="module")
def server_url_each_http_server(live_server_each_http_server: LiveServer) -> str:
    """:func:`server_url` of :func:`live_server_each_http_server`."""
    return live_server_each_http_server.url


def wait_until_healthy(
    process: subprocess.Popen[bytes], url: str, log: Path, *, seconds: float, what: str, poll: float = 0.05
) -> None:
    """Wait until the server at ``url`` answers ``/health``; fail with its log if ``process`` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not answer /health within {seconds:g} s:\n{log.read_text()}")
        time.sleep(poll)


def serve(build_dir: Path, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Run `kg serve` on ``build_dir`` until the generator is closed."""
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and blocks the server mid-request.
    log = tempfile.NamedTemporaryFile(prefix="kg-serve-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--build-dir", str(build_dir), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        # 60 s: a writer and readers over an engine take longer on a loaded machine
        wait_until_healthy(process, url, Path(log.name), seconds=60, what="kg serve")
        yield LiveServer(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


#: A source title full of markup and LaTeX specials, which ``titled_server`` gives the seed article.
MARKUP_TITLE = "<script>alert('x')</script> Calls & 100% {autonomy} #1"


@pytest.fixture(scope="module")
def titled_server(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A writable server where the seed article has the title :data:`MARKUP_TITLE` (written through /update)."""
    token = "test-token-titled"
    copy = tmp_path_factory.mktemp("titled")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    for server in serve(copy, {"KG_WRITE_TOKEN": token}):
        source = "https://w3id.org/akg/id/source/diplomat-2025-06-strategic-autonomy"
        graph = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
        title = json.dumps(MARKUP_TITLE)
        update = f"INSERT DATA {{ GRAPH <{graph}> {{ <{source}> <http://purl.org/dc/terms/title> {title}@en }} }}"
        r = httpx.post(server.url + "update", data={"update": update}, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        yield server
