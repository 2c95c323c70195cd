"""Timing one workload: over HTTP against a peer (:class:`Client`), in process against pyoxigraph (the floor, in a
child process that can be killed), and under load with wrk."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from config import DATA, Config
from peers import Peer, WindowMonitor
from workloads import (
    Workload,
    request_for,
)


@dataclass
class Measurement:
    status: str = "ok"  # ok | error | timeout | n/a
    detail: str = ""
    runs: list[float] = field(default_factory=list)  # seconds
    ttfb: list[float] = field(default_factory=list)
    bytes: int = 0
    rows: int | None = None
    rss_growth: int | None = None  # bytes the server grew by during this workload (peak - baseline)

    def stat(self, name: str) -> float | None:
        if not self.runs:
            return None
        ordered = sorted(self.runs)
        if name == "min":
            return ordered[0]
        if name == "median":
            return statistics.median(ordered)
        if name == "p99":  # nearest rank
            return ordered[min(len(ordered) - 1, max(0, -(-99 * len(ordered) // 100) - 1))]
        raise ValueError(name)


def _count_rows(body: bytes, content_type: str) -> int | None:
    if "json" in content_type and len(body) < 200_000_000:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if isinstance(data, dict) and "results" in data:
            return len(data["results"].get("bindings", []))
        if isinstance(data, dict) and "boolean" in data:
            return 1
    if "turtle" in content_type or "n-triples" in content_type:
        return None
    return None


class Client:
    """One keep-alive HTTP/1.1 connection to a loopback server."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def once(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes, float, float]:
        """Status, content type, body, seconds to the first byte of the response, seconds to its last byte."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body or None, headers=headers)
            response = self.conn.getresponse()
            first = time.perf_counter() - started
            chunks = []
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
        except Exception:
            self.close()
            raise
        total = time.perf_counter() - started
        if response.will_close:
            self.close()
        return response.status, response.getheader("content-type", ""), b"".join(chunks), first, total


def measure_http(
    peer: Peer, workload: Workload, system: str, cfg: Config, monitor: WindowMonitor | None
) -> Measurement:
    request = request_for(workload, system)
    if request is None:
        return Measurement("n/a", "not applicable to this system")
    client = Client(peer.port, cfg.timeout)
    result = Measurement()
    if monitor is not None:
        monitor.mark()
    try:
        status, ctype, body, first, total = client.once(request.method, request.path, request.headers, request.body)
        if status != 200 and total >= 0.9 * cfg.timeout:
            return Measurement(
                "timeout", f"the server stopped the query at its {cfg.timeout:.0f} s limit (HTTP {status})"
            )
        if status != 200:
            return Measurement("error", f"HTTP {status}: {body[:300].decode(errors='replace')}")
        result.bytes = len(body)
        result.rows = _count_rows(body, ctype)
        del body
        if total > cfg.single_run_over:
            result.runs, result.ttfb = [total], [first]
        else:
            spent = 0.0
            while len(result.runs) < cfg.runs and (spent < cfg.budget or len(result.runs) < cfg.min_runs):
                status, _, _, first, total = client.once(request.method, request.path, request.headers, request.body)
                if status != 200:
                    return Measurement("error", f"HTTP {status} on a repeated run")
                result.runs.append(total)
                result.ttfb.append(first)
                spent += total
    except TimeoutError:
        result = Measurement("timeout", f"no complete answer within {cfg.timeout:.0f} s")
    except (OSError, http.client.HTTPException) as err:
        result = Measurement("error", f"{type(err).__name__}: {err}")
    finally:
        client.close()
        if monitor is not None:
            time.sleep(monitor.interval * 2)
            result.rss_growth = max(0, monitor.window_peak - monitor.baseline)
    return result


def measure_floor(store: Any, workload: Workload, cfg: Config) -> Measurement:
    """pyoxigraph in the runner's own process: the same `execute` our query workers run, without HTTP or IPC."""
    from server.results import Job, execute

    if workload.query is None or workload.path is not None:
        return Measurement("n/a", "not a query")
    job = Job(workload.query, accept=workload.accept)
    result = Measurement()

    def once() -> float:
        started = time.perf_counter()
        outcome = execute(store, job)
        if outcome.status != 200:
            raise RuntimeError(outcome.body[:300].decode(errors="replace"))
        result.bytes = len(outcome.body)
        if result.rows is None:
            result.rows = _count_rows(outcome.body, outcome.media_type)
        return time.perf_counter() - started

    try:
        first = once()
        if first > cfg.single_run_over:
            result.runs = [first]
        else:
            spent = 0.0
            while len(result.runs) < cfg.runs and (spent < cfg.budget or len(result.runs) < cfg.min_runs):
                result.runs.append(once())
                spent += result.runs[-1]
    except RuntimeError as err:
        return Measurement("error", str(err))
    return result


def _floor_child(conn: Any, store_path: str, cfg: Config) -> None:
    """The floor's process: open our store read-only, then measure whatever workload arrives."""
    from kg.store import OxigraphStore

    store = OxigraphStore.open(Path(store_path))
    while True:
        try:
            workload = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(asdict(measure_floor(store, workload, cfg)))


class Floor:
    """pyoxigraph in-process, in a child process of its own so that a runaway query can be stopped (killed)."""

    def __init__(self, store_path: Path, cfg: Config) -> None:
        import multiprocessing

        self.store_path = store_path
        self.cfg = cfg
        self.context = multiprocessing.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(
            target=_floor_child, args=(child, str(self.store_path), self.cfg), daemon=True
        )
        self.process.start()
        child.close()

    def measure(self, workload: Workload) -> dict[str, Any]:
        self.conn.send(workload)
        # The limit covers the warm-up and the repeated runs (at most `budget` more, or `min_runs` runs).
        if self.conn.poll(self.cfg.timeout * 2 + self.cfg.budget):
            return self.conn.recv()
        self.close()
        self._start()
        return asdict(Measurement("timeout", f"stopped after {self.cfg.timeout * 2:.0f} s (killed)"))

    def close(self) -> None:
        self.process.kill()
        self.process.join(10)
        self.conn.close()


WRK_LUA = """\
wrk.method = "{method}"
wrk.body = [==[{body}]==]
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {{\\"requests\\": %d, \\"duration_us\\": %d, \\"status\\": %d, \\"connect\\": %d, \\"read\\": %d, "
    .. "\\"write\\": %d, \\"timeout\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d}}\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(port: int, workload: Workload, system: str, connections: int, seconds: int) -> dict[str, Any]:
    request = request_for(workload, system)
    if request is None:
        return {"status": "n/a"}
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"status": "error", "detail": "wrk is not installed"}
    headers = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in request.headers.items())
    script = DATA / "wrk" / f"{system}-{workload.name}.lua"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(WRK_LUA.format(method=request.method, body=request.body.decode(), headers=headers))
    threads = min(2, connections)
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    proc = subprocess.run(
        [*argv, f"http://127.0.0.1:{port}{request.path}"], capture_output=True, text=True, timeout=seconds + 60
    )
    match = re.search(r"WRKJSON (\{.*\})", proc.stdout)
    if proc.returncode != 0 or match is None:
        return {"status": "error", "detail": (proc.stdout + proc.stderr)[-400:]}
    data = json.loads(match.group(1))
    errors = data["status"] + data["connect"] + data["read"] + data["write"] + data["timeout"]
    return {
        "status": "ok" if errors == 0 else "errors",
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "requests": data["requests"],
        "errors": errors,
    }
