"""Start and stop each system as a real server on loopback, load the corpus into it, and watch its memory.

Every server listens on 127.0.0.1 on a port the OS found free; :class:`RssMonitor` samples the resident set of
the server's whole process tree (our server's query workers included) and keeps the peak.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BENCH_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project_python() -> Path:
    """The interpreter that runs `kg serve`: the project's own venv when there is one (as `make serve`)."""
    venv = ROOT / ".venv" / "bin" / "python"
    return venv if venv.exists() else Path(sys.executable)


class RssMonitor:
    """Samples the summed RSS of a process and its descendants every ``interval`` seconds; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.current = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"rss-{pid}")

    def sample(self) -> int:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.current = self.sample()
            self.peak = max(self.peak, self.current)
            self._stop.wait(self.interval)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


class WindowMonitor(RssMonitor):
    """An RSS monitor that also tracks the peak since the last :meth:`mark` (for one workload)."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(pid, interval)
        self.window_peak = 0
        self.baseline = 0

    def mark(self) -> None:
        self.baseline = self.sample()
        self.window_peak = self.baseline

    def _run(self) -> None:
        while not self._stop.is_set():
            self.current = self.sample()
            self.peak = max(self.peak, self.current)
            self.window_peak = max(self.window_peak, self.current)
            self._stop.wait(self.interval)


@dataclass
class LoadStats:
    """How long a system took to load the corpus, and how it did it."""

    seconds: float
    method: str
    extra: dict[str, float] = field(default_factory=dict)


class ServerError(RuntimeError):
    pass


@dataclass
class Peer:
    """A server process; subclasses say how to load the corpus and how to start it."""

    key: str
    label: str
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    version: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def available(self) -> str | None:
        """None if the system can run here, else why not."""
        return None

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        """A request that answers 200 once the server is ready."""
        raise NotImplementedError

    def _spawn(self, argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{self.key}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd or self.workdir,
            start_new_session=True,  # its own process group: stopped as a whole, and only it
        )

    def wait_ready(self, timeout: float) -> float:
        """Poll the probe until it answers 200; return the seconds waited."""
        started = time.monotonic()
        method, path, headers, body = self.probe()
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(f"{self.label} exited with {self.process.returncode}; log: {self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            if time.monotonic() - started > timeout:
                raise ServerError(f"{self.label} did not answer within {timeout:.0f} s; log: {self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def setup(self, corpus: Path, quads: int) -> LoadStats:
        """Load the corpus and start serving it; returns the load time."""
        raise NotImplementedError

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        """Restart a server whose query could not be stopped (same data, no reload timing)."""
        raise NotImplementedError


# --- our server -----------------------------------------------------------------------------------------------


class KgServer(Peer):
    """`kg serve --build-dir DIR --port P`: the project's server (supervisor, serving processes, writer)."""

    def __init__(self, workdir: Path, build_dir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__("kg", "kg serve (ours)", workdir)
        self.build_dir = build_dir
        self.env = env or {}

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        return "GET", "/health", {}, b""

    def setup(self, corpus: Path, quads: int) -> LoadStats:
        # The store and the dumps are built by the runner (kg.store.write_store, kg.dump.write_dumps), timed there.
        self.start()
        return LoadStats(0.0, "kg.store.write_store (timed by the runner)")

    def start(self) -> None:
        self.port = free_port()
        argv = [str(project_python()), "-m", "kg.cli", "serve", "--build-dir", str(self.build_dir)]
        self._spawn([*argv, "--host", "127.0.0.1", "--port", str(self.port)], env=self.env, cwd=ROOT)
        self.wait_ready(120)
        self.wait_all_processes(60)

    def wait_all_processes(self, timeout: float) -> None:
        """Wait until every serving process answers: /health answers as soon as the first one is up, and
        measuring while the others still start (importing, opening the store) would charge their start-up to
        the first workloads. Fresh connections are spread over the processes by SO_REUSEPORT."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen: set[int] = set()
            expected: set[int] = set()
            for _ in range(16):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    conn.request("GET", "/health")
                    health = json.loads(conn.getresponse().read())
                finally:
                    conn.close()
                seen.add(health["process"])
                expected = set(health["processes"])
            if expected and expected <= seen:
                return
            time.sleep(0.2)

    def restart(self) -> None:
        self.stop()
        self.start()


# --- oxigraph serve ------------------------------------------------------------------------------------------


class OxigraphServer(Peer):
    """`oxigraph load` then `oxigraph serve-read-only --union-default-graph` (the same engine, in Rust)."""

    def __init__(self, workdir: Path, timeout: float = 0) -> None:
        super().__init__("oxigraph", "oxigraph serve", workdir)
        self.timeout = timeout
        self.binary = shutil.which("oxigraph", path=str(BENCH_BIN)) or shutil.which("oxigraph")
        self.store = workdir / "store"

    def available(self) -> str | None:
        return None if self.binary else "the `oxigraph` CLI is not installed (bench/setup.sh installs it)"

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        return "POST", "/query", {"Content-Type": "application/sparql-query"}, b"ASK { ?s ?p ?o }"

    def setup(self, corpus: Path, quads: int) -> LoadStats:
        assert self.binary
        self.version = subprocess.run([self.binary, "--version"], capture_output=True, text=True).stdout.strip()
        shutil.rmtree(self.store, ignore_errors=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run(
            [self.binary, "load", "--location", str(self.store), "--file", str(corpus)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        # Compact it as kg.store.write_store compacts ours, so both engines read the same kind of store.
        started = time.perf_counter()
        subprocess.run([self.binary, "optimize", "--location", str(self.store)], check=True, capture_output=True)
        optimize = time.perf_counter() - started
        self.start()
        return LoadStats(seconds, "oxigraph load --file corpus.nq (then oxigraph optimize)", {"optimize": optimize})

    def start(self) -> None:
        assert self.binary
        self.port = free_port()
        argv = [self.binary, "serve-read-only", "--location", str(self.store), "--bind", f"127.0.0.1:{self.port}"]
        if self.timeout:
            argv += ["--timeout-s", str(int(self.timeout))]
        self._spawn([*argv, "--union-default-graph"])
        self.wait_ready(120)

    def restart(self) -> None:
        self.stop()
        self.start()


# --- rdflib-endpoint ----------------------------------------------------------------------------------------


class RdflibServer(Peer):
    """`rdflib-endpoint serve corpus.nq`: rdflib's in-memory Dataset (union default graph) behind FastAPI."""

    def __init__(self, workdir: Path, load_timeout: float = 1800) -> None:
        super().__init__("rdflib", "rdflib-endpoint", workdir)
        self.binary = shutil.which("rdflib-endpoint", path=str(BENCH_BIN))
        self.load_timeout = load_timeout
        self.corpus: Path | None = None

    def available(self) -> str | None:
        return None if self.binary else "rdflib-endpoint is not installed (bench/setup.sh installs it)"

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        return "POST", "/", {"Content-Type": "application/sparql-query"}, b"ASK { ?s ?p ?o }"

    def setup(self, corpus: Path, quads: int) -> LoadStats:
        self.corpus = corpus
        started = time.perf_counter()
        self.start()
        return LoadStats(time.perf_counter() - started, "rdflib Dataset.parse at start-up (time to first answer)")

    def start(self) -> None:
        assert self.binary and self.corpus
        self.port = free_port()
        self._spawn([self.binary, "serve", str(self.corpus), "--host", "127.0.0.1", "--port", str(self.port)])
        self.wait_ready(self.load_timeout)

    def restart(self) -> None:
        self.stop()
        self.start()


__all__ = [
    "KgServer",
    "LoadStats",
    "OxigraphServer",
    "Peer",
    "RdflibServer",
    "RssMonitor",
    "ServerError",
    "WindowMonitor",
    "free_port",
    "project_python",
]
