"""What-if experiments on the small-query path: the same app and store, one server-stack change at a time.

    python bench/experiments.py --size 1M        # needs bench/data/1M/build (written by bench/run.py)

Each variant is started as a real loopback server and driven by wrk (POST, keep-alive) with the two-hop lookup at
1 and 16 connections, plus the entity lookup at 16; results go to ``bench/data/results/experiments-SIZE.json`` and
are printed as a markdown table (copied into docs/performance.md). Nothing here changes the project's code: the
variants are built from ``server.app.create_app`` (see ``bench/experiments_app.py``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from config import DATA, RESULTS_DIR, log  # noqa: E402
from measure import run_wrk  # noqa: E402
from peers import Peer, free_port  # noqa: E402
from workloads import OURS, subjects, workloads  # noqa: E402


@dataclass(frozen=True)
class Variant:
    name: str
    title: str
    kind: str  # uvicorn | granian | oxigraph
    env: dict[str, str] = field(default_factory=dict)
    uvicorn: dict[str, object] = field(default_factory=dict)
    factory: str = "experiments_app:kg_app"


VARIANTS = (
    Variant("A", "as shipped: uvicorn (h11, asyncio), access log, 2 query workers, all middleware", "uvicorn"),
    Variant("B", "A without the access log", "uvicorn", uvicorn={"access_log": False}),
    Variant(
        "C",
        "B with httptools + uvloop",
        "uvicorn",
        uvicorn={"access_log": False, "http": "httptools", "loop": "uvloop"},
    ),
    Variant(
        "D",
        "C without GZip and timing middleware",
        "uvicorn",
        env={"BENCH_NO_MIDDLEWARE": "1"},
        uvicorn={"access_log": False, "http": "httptools", "loop": "uvloop"},
    ),
    Variant(
        "E",
        "C with queries in-process (KG_QUERY_WORKERS=0: no pipe, no pickling; no hard time limit)",
        "uvicorn",
        env={"KG_QUERY_WORKERS": "0"},
        uvicorn={"access_log": False, "http": "httptools", "loop": "uvloop"},
    ),
    Variant(
        "F",
        "granian, 2 worker processes, each querying its own read-only store in-process, all middleware",
        "granian",
        env={"KG_QUERY_WORKERS": "0"},
    ),
    Variant(
        "G",
        "bare ASGI handler over pyoxigraph, granian, 2 worker processes (the issue's reference)",
        "granian",
        factory="experiments_app:bare_app",
    ),
    Variant("H", "oxigraph serve (Rust), for reference in the same session", "oxigraph"),
)


class VariantServer(Peer):
    def __init__(self, variant: Variant, build_dir: Path, workdir: Path) -> None:
        super().__init__(f"variant-{variant.name}", variant.title, workdir)
        self.variant = variant
        self.build_dir = build_dir

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        return "POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK { ?s ?p ?o }"

    def start(self) -> None:
        self.port = free_port()
        v = self.variant
        env = {"KG_BUILD_DIR": str(self.build_dir), "PYTHONPATH": str(BENCH), **v.env}
        if v.kind == "uvicorn":
            code = (
                "import uvicorn, experiments_app; "
                f"uvicorn.run(experiments_app.kg_app(), host='127.0.0.1', port={self.port}, log_level='info', "
                + ", ".join(f"{k}={v!r}" for k, v in v.uvicorn.items())
                + ")"
            )
            argv = [sys.executable, "-c", code]
        elif v.kind == "granian":
            granian = shutil.which("granian", path=str(Path(sys.executable).parent))
            assert granian, "granian is not installed in bench/.venv"
            argv = [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(self.port)]
            argv += ["--workers", "2", "--factory", v.factory]
        else:
            oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
            assert oxigraph
            argv = [oxigraph, "serve-read-only", "--location", str(self.build_dir / "store")]
            argv += ["--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
        self._spawn(argv, env=env, cwd=BENCH)
        self.wait_ready(120)

    def restart(self) -> None:
        self.stop()
        self.start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1M")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--variants", default="".join(v.name for v in VARIANTS))
    args = parser.parse_args()
    from corpus import DEFAULT_SEED, parse_size

    build_dir = DATA / args.size / "build"
    subj = subjects(parse_size(args.size), DEFAULT_SEED)
    work = {w.name: w for w in workloads(subj)}
    points = [("two-hop", 1), ("two-hop", 16), ("lookup", 16)]
    results: dict[str, dict[str, object]] = {}
    for v in VARIANTS:
        if v.name not in args.variants:
            continue
        server = VariantServer(v, build_dir, DATA / "experiments")
        log(f"variant {v.name}: {v.title}")
        try:
            server.start()
            row: dict[str, object] = {"title": v.title}
            for name, c in points:
                # oxigraph serve answers on /query; the request body and headers are the same
                system = "oxigraph" if v.kind == "oxigraph" else OURS
                t = run_wrk(server.port, work[name], system, c, args.seconds)
                row[f"{name}@{c}"] = t
                log(f"  {name} c={c}: {t.get('rps', 0):,.0f} req/s, p50 {t.get('p50_ms', 0):.2f} ms")
            results[v.name] = row
        finally:
            server.stop()
        time.sleep(0.5)
    out = RESULTS_DIR / f"experiments-{args.size}.json"
    out.write_text(json.dumps(results, indent=1))
    print("| variant | two-hop, 1 client: req/s (p50 ms) | two-hop, 16 clients: req/s | lookup, 16 clients: req/s |")
    print("|---|---|---|---|")
    for name, row in results.items():
        cells = []
        for key in ("two-hop@1", "two-hop@16", "lookup@16"):
            measured = row[key]
            assert isinstance(measured, dict)
            rps = measured.get("rps")
            cell = f"{rps:,.0f}" if rps else str(measured.get("status"))
            if key == "two-hop@1" and rps:
                cell += f" ({measured['p50_ms']:.2f})"
            cells.append(cell)
        print(f"| {name}: {row['title']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
