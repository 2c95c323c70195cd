"""Our overhead over pyoxigraph in-process, and a change's effect on it, measured in one run (issue 17).

    python bench/overhead.py --size 100k --heavy text-contains,CQ9,large-select --small lookup,two-hop \
        [--base /work/tmp-base] [--reps 12] [--wrk-rounds 2]

Starts `kg serve` (2 serving processes, writable, as the benchmark runs it) over a copy of the size's built store
from this tree and, with ``--base``, another from a second tree (a `git worktree` of the commit to compare with;
it runs on this tree's venv, its own modules first, as `python -m` runs from its directory).
Heavy workloads: one keep-alive client sends each request in turn to pyoxigraph in-process (``execute``, the
benchmark's floor) and to every server, so load changes hit all alike; wall time (min / median) and the CPU the
server's process tree spent per request, which moves less than wall time on a busy machine. Small workloads: wrk
at 16 connections, alternating the servers, with req/s and server CPU per request. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import psutil  # noqa: E402
from config import DATA, ROOT  # noqa: E402
from measure import Client, run_wrk  # noqa: E402
from peers import free_port, project_python  # noqa: E402
from workloads import OURS, Workload, request_for, subjects, workloads  # noqa: E402


def start(tree: Path, build: Path, work: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`kg serve` from ``tree`` over a copy of ``build``; returns once both serving processes answer."""
    copy = work / "build"
    if not copy.exists():
        shutil.copytree(build, copy, ignore=shutil.ignore_patterns("snapshots"))
    port = free_port()
    env = {**os.environ, "KG_QUERY_TIMEOUT": "300", "KG_WRITE_TOKEN": "bench", "KG_PROCESSES": "2"}
    argv = [str(project_python()), "-m", "kg.cli", "serve", "--build-dir", str(copy), "--port", str(port)]
    with open(work / "serve.log", "wb") as log:  # the child has its own copy of the descriptor
        process = subprocess.Popen([*argv, "--host", "127.0.0.1"], cwd=tree, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if len(json.loads(conn.getresponse().read()).get("processes", [])) >= 2:
                return process, port
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit(f"kg serve from {tree} did not start: see {work / 'serve.log'}")


def tree_cpu(process: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) of ``process`` and its descendants so far."""
    total = 0.0
    root = psutil.Process(process.pid)
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def heavy(w: Workload, servers: dict[str, tuple[subprocess.Popen[bytes], int]], store: object, reps: int) -> str:
    from server.results import Job, execute

    request = request_for(w, OURS)
    assert request is not None
    job = Job(w.query or "", accept=w.accept)
    clients = {label: Client(port, 600) for label, (_, port) in servers.items()}
    walls: dict[str, list[float]] = {label: [] for label in ["in-process", *servers]}
    cpu = dict.fromkeys(servers, 0.0)
    execute(store, job)  # type: ignore[arg-type]
    for client in clients.values():  # warm-up
        client.once(request.method, request.path, request.headers, request.body)
    for _ in range(reps):
        started = time.perf_counter()
        execute(store, job)  # type: ignore[arg-type]
        walls["in-process"].append(time.perf_counter() - started)
        for label, client in clients.items():
            before = tree_cpu(servers[label][0])
            status, _, _, _, total = client.once(request.method, request.path, request.headers, request.body)
            assert status == 200, f"{label}: HTTP {status}"
            cpu[label] += tree_cpu(servers[label][0]) - before
            walls[label].append(total)
    for client in clients.values():
        client.close()
    cells = [f"{label} {min(t) * 1e3:.2f} / {statistics.median(t) * 1e3:.2f}" for label, t in walls.items()]
    cpus = [f"{label} {cpu[label] / reps * 1e3:.1f}" for label in servers]
    return f"{w.name}: wall min / median ms: {'; '.join(cells)} | server CPU ms/request: {'; '.join(cpus)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--heavy", default="text-contains,aggregate,CQ9,large-select")
    parser.add_argument("--small", default="lookup,two-hop")
    parser.add_argument("--base", type=Path, help="a second tree to compare with (a git worktree)")
    parser.add_argument("--reps", type=int, default=12)
    parser.add_argument("--wrk-rounds", type=int, default=2)
    args = parser.parse_args()
    from corpus import DEFAULT_SEED, parse_size

    from kg.store import OxigraphStore

    work = {w.name: w for w in workloads(subjects(parse_size(args.size), DEFAULT_SEED))}
    build = DATA / args.size / "build"
    trees = {"this": ROOT, **({"base": args.base.resolve()} if args.base else {})}
    servers = {}
    try:
        for label, tree in trees.items():
            directory = DATA / "overhead" / label
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
            servers[label] = start(tree, build, directory)
        store = OxigraphStore.open(build / "store")
        print(f"load average {os.getloadavg()}", flush=True)
        for name in filter(None, args.heavy.split(",")):
            print(heavy(work[name], servers, store, args.reps), flush=True)
        for name in filter(None, args.small.split(",")):
            for round_ in range(args.wrk_rounds):
                for label in list(servers) if round_ % 2 == 0 else list(reversed(servers)):
                    process, port = servers[label]
                    before = tree_cpu(process)
                    result = run_wrk(port, work[name], OURS, 16, 5)
                    used = (tree_cpu(process) - before) / max(int(result.get("requests", 0)), 1)
                    print(
                        f"{name} wrk 16 connections, round {round_ + 1}, {label}: {result.get('rps', 0):,.0f} req/s, "
                        f"p50 {result.get('p50_ms')} ms, server CPU {used * 1e6:.0f} us/request, "
                        f"errors {result.get('errors')}, load {os.getloadavg()[0]:.2f}",
                        flush=True,
                    )
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
