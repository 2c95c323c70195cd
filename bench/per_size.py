"""One size of the benchmark: its corpus, the loads, every system's workloads, `kg validate` and updates."""

from __future__ import annotations

import http.client
import os
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from config import DATA, HTTP_ORDER, ROOT, Config, log
from corpus import ensure_corpus, parse_size
from measure import Client, Floor, Measurement, measure_http, run_wrk
from peer_virtuoso import KgOnVirtuoso, VirtuosoServer
from peers import (
    KgServer,
    OxigraphServer,
    Peer,
    RdflibServer,
    ServerError,
    WindowMonitor,
    project_python,
)
from workloads import (
    FLOOR,
    OURS,
    OURS_ON_VIRTUOSO,
    OXIGRAPH,
    RDFLIB,
    VIRTUOSO,
    Workload,
    excluded_queries,
    subjects,
    workloads,
)


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
    if system == OURS_ON_VIRTUOSO:
        return KgOnVirtuoso(workdir, build_dir, {"KG_QUERY_TIMEOUT": limit, **server_env})
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
    if {OURS, FLOOR, OURS_ON_VIRTUOSO} & set(systems) and not (only is not None and built):
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
                measured = Measurement("skipped", skip) if skip else measure_http(peer, w, system, cfg, monitor)
                result["latency"][system][w.name] = asdict(measured)
                _progress(label, system, w, measured)
                if measured.status == "timeout" and system in (RDFLIB, OXIGRAPH, VIRTUOSO):
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
            if system in (OXIGRAPH, VIRTUOSO, OURS_ON_VIRTUOSO):
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
