"""The benchmark runner: every system, every workload, on the same synthetic corpus, at each size.

    python bench/run.py --sizes 100k,1M [--quick] [--systems kg,oxigraph,virtuoso,kg-virtuoso,rdflib]

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
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import psutil  # noqa: E402
from config import QUICK, RESULTS_DIR, Config, log  # noqa: E402
from corpus import DEFAULT_SEED  # noqa: E402
from peers import project_python  # noqa: E402
from per_size import run_size  # noqa: E402

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
    parser.add_argument("--systems", default="pyoxigraph,kg,oxigraph,virtuoso,kg-virtuoso,rdflib")
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
