"""Which HTTP server for the hot path (issue 17, first lever): uvicorn against granian, bare and with our app.

    bench/.venv/bin/python bench/http_servers.py --size 100k     # needs bench/data/100k/build/store

Every variant is a real server on a free loopback port, driven by wrk with the entity lookup (POST, keep-alive)
at 16 connections and at 1, one variant after the other in the same run, with ``oxigraph serve`` as the
reference; ``--rounds 2`` runs the list twice (in reverse the second time) so that a change in the machine's load
shows up as a spread rather than as a difference between servers. The one-minute load average is recorded before
each variant. Results: ``bench/data/results/http-servers-SIZE.json`` and a markdown table on stdout (copied into
docs/performance.md).

- *bare*: ``bench/experiments_app.py:bare_app``, an ASGI handler that reads the body, asks pyoxigraph and answers
  SPARQL JSON: the ceiling of a Python process in front of the engine under each server;
- *app*: ``server.app.create_app`` with its hot path, every feature on (limits, ETags, metrics, conneg, CORS, gzip);
- *kg serve*: the supervisor with its serving processes (``KG_HTTP_SERVER`` picks their HTTP server).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from config import DATA, RESULTS_DIR, ROOT, log  # noqa: E402
from measure import run_wrk  # noqa: E402
from peers import KgServer, Peer, free_port, project_python  # noqa: E402
from workloads import OURS, OXIGRAPH, subjects, workloads  # noqa: E402

# The app under uvicorn exactly as a serving process runs it (server.supervisor.uvicorn_config), in one process.
_UVICORN = (
    "import sys, uvicorn, experiments_app; from server.supervisor import uvicorn_config; "
    "uvicorn.Server(uvicorn_config(experiments_app.{factory}(), host='127.0.0.1', port=int(sys.argv[1]))).run()"
)


@dataclass(frozen=True)
class Variant:
    key: str
    title: str
    kind: str  # uvicorn | granian | oxigraph | kg-serve
    factory: str = "kg_app"  # bench/experiments_app.py
    processes: int = 1
    env: dict[str, str] = field(default_factory=dict)


VARIANTS = (
    Variant("bare-uvicorn-1", "bare handler, uvicorn (httptools, uvloop), 1 process", "uvicorn", "bare_app"),
    Variant("bare-granian-1", "bare handler, granian ASGI, 1 worker", "granian", "bare_app"),
    Variant("bare-granian-2", "bare handler, granian ASGI, 2 workers", "granian", "bare_app", 2),
    Variant("oxigraph", "oxigraph serve-read-only (Rust), the reference", "oxigraph"),
    Variant("app-uvicorn-1", "our app (create_app, hot path), uvicorn as kg serve runs it, 1 process", "uvicorn"),
    Variant("app-granian-1", "our app, granian ASGI, 1 worker", "granian"),
    Variant("app-granian-2", "our app, granian ASGI, 2 workers", "granian", processes=2),
    Variant("kg-uvicorn-2", "kg serve, 2 serving processes, uvicorn (as shipped)", "kg-serve", processes=2),
    Variant(
        "kg-granian-2",
        "kg serve, 2 serving processes, granian (KG_HTTP_SERVER=granian)",
        "kg-serve",
        processes=2,
        env={"KG_HTTP_SERVER": "granian"},
    ),
)


class VariantServer(Peer):
    """One variant as a real server on a free loopback port."""

    def __init__(self, variant: Variant, build_dir: Path, workdir: Path) -> None:
        super().__init__(f"http-{variant.key}", variant.title, workdir)
        self.variant = variant
        self.build_dir = build_dir

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        path = "/query" if self.variant.kind == "oxigraph" else "/sparql"
        return "POST", path, {"Content-Type": "application/sparql-query"}, b"ASK { ?s ?p ?o }"

    def start(self) -> None:
        self.port = free_port()
        v = self.variant
        env = {"KG_BUILD_DIR": str(self.build_dir), "PYTHONPATH": f"{BENCH}:{ROOT}", **v.env}
        if v.kind == "uvicorn":
            argv = [str(project_python()), "-c", _UVICORN.format(factory=v.factory), str(self.port)]
        elif v.kind == "granian":
            granian = shutil.which("granian", path=str(Path(sys.executable).parent))
            if granian is None:
                raise SystemExit("granian is not installed in bench/.venv: run bench/setup.sh")
            argv = [granian, "--interface", "asgi", "--loop", "uvloop", "--http", "1", "--no-ws", "--backlog", "2048"]
            argv += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(v.processes)]
            argv += ["--log-level", "warning", "--factory", f"experiments_app:{v.factory}"]
        else:
            oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
            if oxigraph is None:
                raise SystemExit("oxigraph is not installed in bench/.venv: run bench/setup.sh")
            argv = [oxigraph, "serve-read-only", "--location", str(self.build_dir / "store")]
            argv += ["--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
        self._spawn(argv, env=env, cwd=BENCH)
        self.wait_ready(120)


def start(variant: Variant, build_dir: Path, workdir: Path) -> Peer:
    if variant.kind == "kg-serve":
        env = {"KG_PROCESSES": str(variant.processes), **variant.env}
        server: Peer = KgServer(workdir, build_dir, env=env)
        server.start()  # type: ignore[attr-defined]
        return server
    server = VariantServer(variant, build_dir, workdir)
    server.start()
    return server


def measure(variants: list[Variant], build_dir: Path, size: str, seconds: int, rounds: int) -> dict[str, list]:
    from corpus import DEFAULT_SEED, parse_size

    lookup = next(w for w in workloads(subjects(parse_size(size), DEFAULT_SEED)) if w.name == "lookup")
    results: dict[str, list] = {v.key: [] for v in variants}
    for number in range(rounds):
        for v in variants if number % 2 == 0 else list(reversed(variants)):
            load = os.getloadavg()[0]
            log(f"round {number + 1}: {v.title} (load average {load:.2f})")
            server = start(v, build_dir, DATA / "http-servers")
            try:
                system = OXIGRAPH if v.kind == "oxigraph" else OURS
                point: dict[str, object] = {"load": load}
                for connections, length in ((16, seconds), (1, max(3, seconds // 2))):
                    measured = run_wrk(server.port, lookup, system, connections, length)
                    point[f"c{connections}"] = measured
                    rps, p50 = measured.get("rps", 0), measured.get("p50_ms", 0)
                    log(f"  c={connections}: {rps:,.0f} req/s, p50 {p50:.3f} ms")
                results[v.key].append(point)
            finally:
                server.stop()
            time.sleep(0.5)
    return results


def table(variants: list[Variant], results: dict[str, list]) -> str:
    """Markdown: req/s at 16 connections and p50 at 1, each round, and the ratio to oxigraph serve (medians)."""

    def rps(point: dict, key: str) -> float:
        return float(point[key].get("rps") or 0.0)

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2] if ordered else 0.0

    reference = median([rps(p, "c16") for p in results.get("oxigraph", [])])
    lines = [
        "| variant | lookup, 16 connections: req/s | ÷ oxigraph serve | lookup, 1 connection: p50 ms | load avg |",
        "|---|---|---|---|---|",
    ]
    for v in variants:
        points = results[v.key]
        if not points:
            continue
        many = " / ".join(f"{rps(p, 'c16'):,.0f}" for p in points)
        ratio = f"{median([rps(p, 'c16') for p in points]) / reference:.2f}x" if reference else "-"
        one = " / ".join(f"{float(p['c1'].get('p50_ms') or 0):.3f}" for p in points)
        load = " / ".join(f"{p['load']:.1f}" for p in points)
        lines.append(f"| {v.title} | {many} | {ratio} | {one} | {load} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration at 16 connections (half at 1)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", help="comma-separated variant keys (default: all)")
    args = parser.parse_args()
    build_dir = DATA / args.size / "build"
    if not (build_dir / "store").is_dir():
        raise SystemExit(f"no store at {build_dir / 'store'}: build one with bench/run.py --sizes {args.size}")
    wanted = set(args.only.split(",")) if args.only else None
    variants = [v for v in VARIANTS if wanted is None or v.key in wanted]
    results = measure(variants, build_dir, args.size, args.seconds, args.rounds)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"http-servers-{args.size}.json").write_text(json.dumps(results, indent=1))
    print(table(variants, results))


if __name__ == "__main__":
    main()
