"""The benchmark runner: every system, every workload, on the same synthetic corpus, at each size.

    python bench/run.py --sizes 100k,1M [--quick] [--systems kg,oxigraph,virtuoso,rdflib]

For each size: generate (or reuse) the corpus, load it into each system (timed: the bulk-load workload), start
each as a real loopback server, warm up, time every workload (min / median / p99 of repeated runs), drive the
small queries with wrk at 1, 4 and 16 connections, sample each server's peak RSS, time `kg validate`, and write
``bench/RESULTS.md`` and ``bench/latency_vs_size.png``. Raw numbers go to ``bench/data/results/SIZE.json``, so
``--report-only`` can re-render a report from earlier runs (e.g. adding a 10M run).

Every loop is bounded: a time budget per workload, a timeout per request, a duration per wrk run; every server
binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import psutil  # noqa: E402
import pyoxigraph as ox  # noqa: E402
from corpus import DEFAULT_SEED, parse_size, write_corpus  # noqa: E402
from peers import (  # noqa: E402
    KgServer,
    OxigraphServer,
    Peer,
    RdflibServer,
    ServerError,
    VirtuosoServer,
    WindowMonitor,
    project_python,
)
from workloads import (  # noqa: E402
    FLOOR,
    OURS,
    OXIGRAPH,
    RDFLIB,
    VIRTUOSO,
    Workload,
    excluded_queries,
    request_for,
    subjects,
    workloads,
)

ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS_DIR = DATA / "results"
SYSTEM_LABELS = {
    FLOOR: "pyoxigraph in-process",
    OURS: "kg serve (ours)",
    OXIGRAPH: "oxigraph serve",
    VIRTUOSO: "Virtuoso 7",
    RDFLIB: "rdflib-endpoint",
}
HTTP_ORDER = (OURS, OXIGRAPH, VIRTUOSO, RDFLIB)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Config:
    runs: int = 15  # measured runs per workload at most
    min_runs: int = 3
    budget: float = 2.0  # seconds of measured runs per workload
    single_run_over: float = 5.0  # a warm-up slower than this is the one sample (recorded as 1 run)
    timeout: float = 150.0  # per request
    wrk_seconds: int = 5
    concurrency: tuple[int, ...] = (1, 4, 16)
    validate_timeout: float = 300.0
    skip_over: float = 60.0  # skip a workload whose time at the previous size, scaled (see below), exceeds this
    skip_exponent: float = 2.0  # predicted time = time at the previous size * (size ratio) ** exponent
    quick: bool = False


QUICK = Config(
    runs=7, min_runs=2, budget=1.0, single_run_over=3.0, timeout=60.0, wrk_seconds=3, validate_timeout=120, skip_over=30
)


# --- measuring ------------------------------------------------------------------------------------------------


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


# --- one size -------------------------------------------------------------------------------------------------


def ensure_corpus(label: str, seed: int) -> tuple[Path, dict[str, Any]]:
    directory = DATA / label
    corpus = directory / "corpus.nq"
    meta_path = directory / "corpus.json"
    generator = (BENCH / "corpus.py").read_bytes()
    import hashlib

    fingerprint = hashlib.sha256(generator).hexdigest()[:16] + f"/{seed}/{parse_size(label)}"
    if corpus.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint:
            log(f"[{label}] corpus: reusing {corpus} ({meta['quads']:,} quads)")
            return corpus, meta
    log(f"[{label}] corpus: generating {parse_size(label):,} triples (seed {seed})")
    info = write_corpus(corpus, parse_size(label), seed)
    meta = {
        "fingerprint": fingerprint,
        "quads": info.quads,
        "articles": info.articles,
        "seconds": info.seconds,
        "bytes": corpus.stat().st_size,
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    log(f"[{label}] corpus: {info.quads:,} quads, {info.articles} articles, {info.seconds:.1f} s")
    return corpus, meta


def build_ours(label: str, corpus: Path, quads: int) -> dict[str, Any]:
    """Our load path: the corpus N-Quads file through kg.store.write_store_from_file, then the dumps.

    The file goes straight to pyoxigraph's bulk loader (no Python quads); ``seconds`` counts the flush and the
    compaction (``optimize``) too, which the floor's ``seconds`` does not: ``optimize_seconds`` is that part.
    """
    from kg.dump import write_dumps
    from kg.iris import Minter
    from kg.store import OxigraphStore, write_store_from_file

    build_dir = DATA / label / "build"
    shutil.rmtree(build_dir, ignore_errors=True)
    log(f"[{label}] kg: write_store_from_file of {corpus} ({quads:,} quads)")
    started = time.perf_counter()
    timing = write_store_from_file(build_dir / "store", corpus)
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        "seconds": seconds,
        "method": "kg.store.write_store_from_file (bulk_load + flush + optimize)",
        "load_seconds": timing.load_seconds,
        "optimize_seconds": timing.optimize_seconds,
    }
    log(
        f"[{label}] kg: loaded in {seconds:.1f} s ({quads / seconds:,.0f} quads/s; "
        f"bulk_load {timing.load_seconds:.1f} s, flush + optimize {timing.optimize_seconds:.1f} s)"
    )
    # At every size: kg.dump.write_dumps sorts externally and streams, in bounded memory.
    started = time.perf_counter()
    write_dumps(OxigraphStore.open(build_dir / "store"), Minter(), build_dir / "dumps")
    out["dumps_seconds"] = time.perf_counter() - started
    log(f"[{label}] kg: dumps written in {out['dumps_seconds']:.1f} s")
    return out


def load_floor(label: str, corpus: Path, quads: int) -> dict[str, Any]:
    """pyoxigraph's own bulk loader from the same file: the reference rate of the bulk-load target."""
    path = DATA / label / "pyoxigraph-store"
    shutil.rmtree(path, ignore_errors=True)
    store = ox.Store(str(path))
    started = time.perf_counter()
    store.bulk_load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
    seconds = time.perf_counter() - started
    store.flush()
    store.optimize()
    with_optimize = time.perf_counter() - started
    del store
    shutil.rmtree(path, ignore_errors=True)
    log(f"[{label}] pyoxigraph: bulk_load in {seconds:.1f} s ({quads / seconds:,.0f} quads/s)")
    return {
        "seconds": seconds,
        "method": "pyoxigraph Store.bulk_load(path=corpus.nq)",
        "with_optimize_seconds": with_optimize,
    }


def run_kg_validate(label: str, cfg: Config) -> dict[str, Any]:
    build_dir = DATA / label / "build"
    argv = [str(project_python()), "-m", "kg.cli", "validate", "--build-dir", str(build_dir)]
    log(f"[{label}] kg validate (time limit {cfg.validate_timeout:.0f} s)")
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    monitor = WindowMonitor(proc.pid, interval=0.2).start()
    try:
        output, _ = proc.communicate(timeout=cfg.validate_timeout)
        seconds = time.perf_counter() - started
        status = {0: "conforms", 1: "does not conform"}.get(proc.returncode, f"error (exit {proc.returncode})")
        detail = output.decode(errors="replace").strip().splitlines()[:3]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        seconds = time.perf_counter() - started
        status, detail = "timeout", [f"stopped after {cfg.validate_timeout:.0f} s"]
    finally:
        monitor.stop()
    log(f"[{label}] kg validate: {status} in {seconds:.1f} s, peak RSS {monitor.peak / 2**20:,.0f} MiB")
    return {"status": status, "seconds": seconds, "peak_rss": monitor.peak, "detail": detail}


WRITE_TOKEN = "bench-write-token"


def measure_update(peer: Peer, subj: Any, runs: int = 3) -> dict[str, Any]:
    """The SHACL-gated one-statement update (POST /update with the bench's bearer token), if the server has one.

    Each run adds one skos:altLabel to the first article's first speaker, in that article's graph. Without an
    update path (404/405) or writes switched off (403) the result is n/a: never a made-up number.
    """
    client = Client(peer.port, 120)
    graph = subj.statement.replace("/id/statement/", "/graph/").rsplit("/", 1)[0]
    times: list[float] = []
    try:
        for n in range(runs):
            text = (
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                f'INSERT DATA {{ GRAPH <{graph}> {{ <{subj.person}> skos:altLabel "bench probe {n}"@en }} }}'
            )
            headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {WRITE_TOKEN}"}
            status, _, body, _, total = client.once("POST", "/update", headers, text.encode())
            if status in (403, 404, 405):
                return {"status": "n/a", "detail": f"not available (POST /update answered {status})"}
            if not 200 <= status < 300:
                return {"status": "error", "detail": f"HTTP {status}: {body[:300].decode(errors='replace')}"}
            times.append(total)
    except (OSError, http.client.HTTPException) as err:
        return {"status": "error", "detail": f"{type(err).__name__}: {err}"}
    finally:
        client.close()
    return {"status": "ok", "runs": times, "seconds": statistics.median(times), "detail": body[:300].decode()}


def make_peer(system: str, label: str, build_dir: Path, server_env: dict[str, str], cfg: Config) -> Peer:
    """A peer; ours and oxigraph serve stop a query at the client's time limit themselves (no restart needed)."""
    workdir = DATA / label / system
    limit = str(int(cfg.timeout - 1))
    if system == OURS:
        return KgServer(workdir, build_dir, {"KG_QUERY_TIMEOUT": limit, "KG_WRITE_TOKEN": WRITE_TOKEN, **server_env})
    if system == OXIGRAPH:
        # Not `--timeout-s`: with it, oxigraph serve 0.5.13 answers 500 "Resource temporarily unavailable (os error
        # 11)" to a share of concurrent requests under wrk; a runaway query is handled by a restart instead.
        return OxigraphServer(workdir)
    if system == VIRTUOSO:
        return VirtuosoServer(workdir)
    if system == RDFLIB:
        return RdflibServer(workdir)
    raise ValueError(system)


def predicted_skip(
    previous: dict[str, Any] | None, system: str, workload: Workload, ratio: float, cfg: Config
) -> str | None:
    """Why to skip a workload at this size: it timed out, or its time scaled by the size ratio is past ``skip_over``.

    A skipped cell shows "skipped" and the reason; no number is made up for it.
    """
    if previous is None:
        return None
    m = previous["latency"].get(system, {}).get(workload.name)
    if not m:
        return None
    exponent = cfg.skip_exponent if workload.superlinear else 1.0
    if m["status"] in ("timeout", "skipped"):
        return f"{m['status']} at {previous['label']} ({m['detail'][:80]})"
    if m["status"] == "ok" and m["runs"]:
        took = statistics.median(m["runs"])
        if took * ratio**exponent > cfg.skip_over:
            growth = "a join: assumed to grow with the square of the data" if exponent > 1 else "assumed linear"
            return (
                f"took {took:,.1f} s at {previous['label']}; at {ratio:.0f}\u00d7 the data ({growth}) expected past "
                f"the {cfg.skip_over:.0f} s budget"
            )
    return None


def run_size(
    label: str,
    systems: list[str],
    cfg: Config,
    seed: int,
    server_env: dict[str, str],
    previous: dict[str, Any] | None = None,
    validate: bool = True,
    only: set[str] | None = None,
) -> dict[str, Any]:
    size_started = time.perf_counter()
    corpus, corpus_meta = ensure_corpus(label, seed)
    quads = corpus_meta["quads"]
    result: dict[str, Any] = {
        "label": label,
        "corpus": corpus_meta,
        "loads": {},
        "latency": {},
        "throughput": {},
        "rss": {},
        "errors": {},
        "rows": {},
        "excluded": excluded_queries(),
    }
    subj = subjects(parse_size(label), seed)
    work = [w for w in workloads(subj) if only is None or w.name in only]
    ratio = quads / previous["corpus"]["quads"] if previous else 1.0

    # Our build, then the floor (pyoxigraph in-process, on our store).
    built = (DATA / label / "build" / "store" / "CURRENT").exists()
    if (OURS in systems or FLOOR in systems) and not (only is not None and built):
        result["loads"][OURS] = build_ours(label, corpus, quads)
        result["loads"][FLOOR] = load_floor(label, corpus, quads)
    if FLOOR in systems:
        floor = Floor(DATA / label / "build" / "store", cfg)
        result["latency"][FLOOR] = {}
        try:
            for w in work:
                if FLOOR not in w.systems:
                    continue
                skip = predicted_skip(previous, FLOOR, w, ratio, cfg)
                m = asdict(Measurement("skipped", skip)) if skip else floor.measure(w)
                result["latency"][FLOOR][w.name] = m
                _progress(label, FLOOR, w, Measurement(**m))
        finally:
            floor.close()

    for system in [s for s in HTTP_ORDER if s in systems]:
        peer = make_peer(system, label, DATA / label / "build", server_env, cfg)
        reason = peer.available()
        if reason:
            result["errors"][system] = reason
            log(f"[{label}] {system}: skipped: {reason}")
            continue
        log(f"[{label}] {system}: loading and starting (load average {os.getloadavg()[0]:.2f})")
        result.setdefault("loadavg", {})[system] = [round(os.getloadavg()[0], 2)]
        monitor: WindowMonitor | None = None
        try:
            load = peer.setup(corpus, quads)
            if system != OURS:
                result["loads"][system] = asdict(load)
                rate = quads / max(load.seconds, 1e-9)
                log(f"[{label}] {system}: loaded in {load.seconds:.1f} s ({rate:,.0f} quads/s)")
            if peer.process is None:
                raise ServerError("no server process")
            monitor = WindowMonitor(peer.process.pid).start()
            time.sleep(0.3)
            idle = monitor.sample()
            result["latency"][system] = {}
            for w in work:
                skip = predicted_skip(previous, system, w, ratio, cfg)
                m = Measurement("skipped", skip) if skip else measure_http(peer, w, system, cfg, monitor)
                result["latency"][system][w.name] = asdict(m)
                _progress(label, system, w, m)
                if m.status == "timeout" and system in (RDFLIB, OXIGRAPH, VIRTUOSO):
                    log(f"[{label}] {system}: restarting after a timeout (the query cannot be cancelled)")
                    monitor.stop()
                    peer.restart()
                    assert peer.process is not None
                    monitor = WindowMonitor(peer.process.pid).start()
            result["throughput"][system] = {}
            for w in [w for w in work if w.throughput]:
                result["throughput"][system][w.name] = {}
                for c in cfg.concurrency:
                    t = run_wrk(peer.port, w, system, c, cfg.wrk_seconds)
                    result["throughput"][system][w.name][str(c)] = t
                    if t.get("rps") is not None:
                        log(f"[{label}] {system}: wrk {w.name} c={c}: {t['rps']:,.0f} req/s, p99 {t['p99_ms']:.1f} ms")
                    else:
                        log(f"[{label}] {system}: wrk {w.name} c={c}: {t}")
            result["rss"][system] = {"idle": idle, "peak": monitor.peak}
            result["loadavg"][system].append(round(os.getloadavg()[0], 2))
            if system == OURS and only is None:  # last: a write changes the store, rewrites the dumps
                result["update"] = measure_update(peer, subj)
                log(f"[{label}] kg: SHACL-gated update: {result['update']}")
            log(f"[{label}] {system}: peak RSS {monitor.peak / 2**20:,.0f} MiB (idle {idle / 2**20:,.0f} MiB)")
            if peer.version:
                result.setdefault("versions", {})[system] = peer.version
        except (ServerError, subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
            result["errors"][system] = f"{type(err).__name__}: {err}"
            log(f"[{label}] {system}: FAILED: {err}")
        finally:
            if monitor is not None:
                monitor.stop()
            peer.stop()
            if system in (OXIGRAPH, VIRTUOSO):
                shutil.rmtree(peer.workdir, ignore_errors=True)

    if OURS in systems and validate:
        result["validate"] = run_kg_validate(label, cfg)
    result["seconds"] = time.perf_counter() - size_started
    return result


def _progress(label: str, system: str, w: Workload, m: Measurement) -> None:
    if m.status != "ok":
        log(f"[{label}] {system}: {w.name}: {m.status} {m.detail[:120]}")
        return
    med = m.stat("median") or 0
    rows = f", {m.rows:,} rows" if m.rows is not None else ""
    log(f"[{label}] {system}: {w.name}: median {med * 1000:,.1f} ms over {len(m.runs)} run(s){rows}, {m.bytes:,} B")


# --- machine and versions ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    os_name = ""
    with contextlib.suppress(OSError):
        os_name = next(
            (line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
             if line.startswith("PRETTY_NAME=")), "",
        )  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": os_name,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out: dict[str, str] = {}
    for name in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "fastapi", "starlette", "uvicorn", "pyshacl"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[name] = md.version(name)
    # The server runs in the project venv: its versions are the ones that count for `kg serve`.
    probe = "import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in ('fastapi', 'starlette', "
    probe += "'uvicorn', 'pyoxigraph', 'pyshacl', 'rdflib')}))"
    with contextlib.suppress(subprocess.SubprocessError, ValueError, OSError):
        served = json.loads(subprocess.run([str(project_python()), "-c", probe], capture_output=True, text=True).stdout)
        out.update({f"kg serve: {k}": v for k, v in served.items()})
    wrk = shutil.which("wrk")
    if wrk:
        proc = subprocess.run([wrk, "-v"], capture_output=True, text=True)
        out["wrk"] = (proc.stdout + proc.stderr).strip().splitlines()[0]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "virtuoso-opensource-7"], capture_output=True, text=True
        )
        if proc.stdout:
            out["virtuoso-opensource-7 (Debian)"] = proc.stdout
    return out


# --- main -------------------------------------------------------------------------------------------------------


def merge_results(saved: dict[str, Any], new: dict[str, Any], systems: list[str]) -> dict[str, Any]:
    """The saved results of a size with the given systems' entries replaced by a new run's (e.g. one peer re-run)."""
    for key in ("latency", "throughput", "rss", "loads", "loadavg", "errors"):
        saved.setdefault(key, {})
        for system in systems:
            if system not in new.get(key, {}):
                if key == "errors":
                    saved[key].pop(system, None)
                continue
            value = new[key][system]
            if key in ("latency", "throughput") and isinstance(saved[key].get(system), dict):
                saved[key][system].update(value)  # per workload: a partial re-run (--only) keeps the rest
            elif key == "rss" and system in saved[key]:
                old = saved[key][system]
                saved[key][system] = {"idle": old["idle"], "peak": max(old["peak"], value["peak"])}
            else:
                saved[key][system] = value
    for key in ("validate", "update"):
        if key in new:
            saved[key] = new[key]
    saved["meta"]["command"] += "; " + new["meta"]["command"]
    saved["seconds"] += new["seconds"]
    return saved


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "100k,1M"), help="e.g. 100k,1M,10M")
    parser.add_argument("--systems", default="pyoxigraph,kg,oxigraph,virtuoso,rdflib")
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter wrk runs, tighter time limits")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--report-only", action="store_true", help="re-render the report from saved results")
    parser.add_argument(
        "--report-sizes", default=None, help="sizes to put in the report (default: every saved result of --sizes)"
    )
    parser.add_argument("--validate-timeout", type=float, default=None, help="seconds allowed for `kg validate`")
    parser.add_argument(
        "--server-env", default="", help="extra environment for kg serve, e.g. KG_QUERY_WORKERS=2 (comma-separated)"
    )
    parser.add_argument("--no-skip", action="store_true", help="never skip a workload predicted to time out")
    parser.add_argument(
        "--previous", default=None, help="saved size whose times predict the skips of the first size (e.g. 1M for 10M)"
    )
    parser.add_argument("--only", default=None, help="run only these workloads (comma-separated names)")
    parser.add_argument("--merge", action="store_true", help="replace only these systems' entries in the saved results")
    parser.add_argument("--no-validate", action="store_true", help="do not time `kg validate` (it is slow at 10M)")
    parser.add_argument("--tag", default="", help="save results as SIZE-TAG.json and skip the report (experiments)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from report import render  # the report module only needs the saved results

    args = parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    cfg = QUICK if args.quick else Config()
    if args.validate_timeout is not None:
        cfg = Config(**{**asdict(cfg), "validate_timeout": args.validate_timeout})
    server_env = dict(kv.split("=", 1) for kv in args.server_env.split(",") if "=" in kv)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        started = time.perf_counter()
        log(f"sizes {sizes}, systems {systems}, {'quick' if args.quick else 'full'} settings: {cfg}")
        previous = None
        if args.previous and (RESULTS_DIR / f"{args.previous}.json").exists():
            previous = json.loads((RESULTS_DIR / f"{args.previous}.json").read_text())
        for label in sizes:
            only = set(args.only.split(",")) if args.only else None
            result = run_size(
                label,
                systems,
                cfg,
                args.seed,
                server_env,
                None if args.no_skip else previous,
                not args.no_validate and only is None,
                only,
            )
            previous = result
            result["meta"] = {
                "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": machine(),
                "versions": versions(),
                "config": asdict(cfg),
                "systems": systems,
                "server_env": server_env,
                "command": " ".join(["python bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
            }
            name = f"{label}-{args.tag}" if args.tag else label
            saved_path = RESULTS_DIR / f"{name}.json"
            if args.merge and saved_path.exists():
                result = merge_results(json.loads(saved_path.read_text()), result, systems)
            saved_path.write_text(json.dumps(result, indent=1))
            log(f"[{label}] done in {result['seconds'] / 60:.1f} min; saved {RESULTS_DIR / (name + '.json')}")
        log(f"all sizes done in {(time.perf_counter() - started) / 60:.1f} min")
        if args.tag:
            return
    report_sizes = [s.strip() for s in (args.report_sizes or args.sizes).split(",") if s.strip()]
    saved = {}
    for label in report_sizes:
        path = RESULTS_DIR / f"{label}.json"
        if path.exists():
            saved[label] = json.loads(path.read_text())
        else:
            log(f"no saved results for {label}; left out of the report")
    if not saved:
        log("nothing to report")
        return
    md_path, png_path = render(saved, BENCH / "RESULTS.md", BENCH / "latency_vs_size.png")
    log(f"wrote {md_path} and {png_path}")


if __name__ == "__main__":
    main()
