"""Profile `kg serve` on the small-query path: wrk drives the two-hop lookup while py-spy samples every process.

    python bench/profile_small.py --size 1M [--connections 16] [--seconds 15]

Writes the raw collapsed stacks to ``bench/data/profile-SIZE.txt`` and prints, per process role (the uvicorn
server process, the query workers), where the samples fall: inclusive shares of the frames that matter for the
small-query path. Loopback only; bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import psutil  # noqa: E402
from config import DATA, log  # noqa: E402
from measure import run_wrk  # noqa: E402
from peers import KgServer  # noqa: E402
from workloads import OURS, subjects, workloads  # noqa: E402

# (label, substring of a frame) — inclusive: a sample counts once if any of its frames matches.
MARKERS = (
    ("uvicorn h11 protocol (parse + write)", "h11_impl.py"),
    ("h11 library", "/h11/"),
    ("asyncio event loop", "asyncio/base_events.py"),
    ("Starlette/FastAPI routing + request", "starlette/routing.py"),
    ("FastAPI endpoint machinery", "fastapi/routing.py"),
    ("GZipMiddleware", "gzip.py"),
    ("CORSMiddleware", "cors.py"),
    ("TimingMiddleware + Prometheus", "observability.py"),
    ("prometheus_client", "prometheus_client"),
    ("access log (logging)", "logging/__init__.py"),
    ("run_in_threadpool / anyio worker threads", "anyio/"),
    ("WorkerPool.run (pipe send/poll/recv)", "run (server/executor.py"),
    ("multiprocessing connection (send/recv, pickling)", "multiprocessing/connection.py"),
    ("pickle", "pickle"),
    ("worker: execute (query + serialise)", "execute (server/results.py"),
    ("worker: OxigraphStore.query", "query (kg/store.py"),
    ("conneg", "conneg.py"),
)


def summarise(raw: Path, pids: dict[int, str]) -> str:
    by_role: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    totals: collections.Counter[str] = collections.Counter()
    idle: collections.Counter[str] = collections.Counter()
    leaves: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        # py-spy nests a child's frames under its parent's "process PID:…" frame: look for the deepest one.
        role = "other"
        for pid, name in sorted(pids.items(), key=lambda item: stack.rfind(f"process {item[0]}:"), reverse=True):
            if f"process {pid}:" in stack:
                role = name
                break
        totals[role] += count
        top = stack.split(";")[-1]
        if any(w in top for w in ("select (", "poll (", "wait (", "_recv (", "recv_bytes (", "_poll (")):
            idle[role] += count
        for label, marker in MARKERS:
            if marker in stack:
                by_role[role][label] += count
        leaf = re.sub(r":\d+\)$", ")", stack.split(";")[-1])
        leaves[role][leaf] += count
    lines = []
    for role, total in totals.most_common():
        lines.append(f"\n{role}: {total} samples ({idle[role] / max(total, 1):.0%} idle/waiting at the top frame)")
        lines.append("  inclusive:")
        for label, count in by_role[role].most_common():
            lines.append(f"  {count / total:6.1%}  {label}")
        lines.append("  self (top frames):")
        for leaf, count in leaves[role].most_common(12):
            lines.append(f"  {count / total:6.1%}  {leaf}")
    return "\n".join(lines)


def summarise_saved(raw: Path, server_pid: int, worker_pids: list[int]) -> str:
    """Re-summarise a saved profile (pids from its first frames)."""
    pids = {pid: "query worker" for pid in worker_pids}
    pids[server_pid] = "server process (uvicorn + FastAPI)"
    return summarise(raw, pids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1M")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    from corpus import DEFAULT_SEED, parse_size

    pyspy = shutil.which("py-spy", path=str(Path(sys.executable).parent))
    assert pyspy, "py-spy is not installed in bench/.venv (bench/setup.sh)"
    work = {w.name: w for w in workloads(subjects(parse_size(args.size), DEFAULT_SEED))}
    server = KgServer(DATA / "profile", DATA / args.size / "build")
    server.start()
    raw = DATA / f"profile-{args.size}.txt"
    try:
        assert server.process is not None
        root = psutil.Process(server.process.pid)
        # `python -m kg.cli serve` is the uvicorn process; its spawned children are the query workers.
        pids = {root.pid: "server process (uvicorn + FastAPI)"}
        for child in root.children(recursive=True):
            if "resource_tracker" not in " ".join(child.cmdline()):
                pids[child.pid] = "query worker"
        wrk = threading.Thread(
            target=run_wrk, args=(server.port, work["two-hop"], OURS, args.connections, args.seconds + 4), daemon=True
        )
        wrk.start()
        time.sleep(2)
        log(f"py-spy on {sorted(pids)} for {args.seconds} s while wrk runs {args.connections} connections")
        argv = [pyspy, "record", "--pid", str(root.pid), "--subprocesses", "--duration", str(args.seconds)]
        argv += ["--rate", "200", "--format", "raw", "--output", str(raw), "--nonblocking", "--threads"]
        subprocess.run(
            argv,
            check=True,
            capture_output=True,
        )
        wrk.join(args.seconds + 30)
    finally:
        server.stop()
    print(summarise(raw, pids))


if __name__ == "__main__":
    main()
