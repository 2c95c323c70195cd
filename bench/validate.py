"""`kg validate` time and peak RSS per engine and size (issue 17): the bench corpus, built as `make bench` builds it.

    .venv/bin/python bench/validate.py [--sizes 100k,1M] [--engines screen,oxigraph,pyshacl] [--timeout 600]

Each (size, engine) runs ``kg validate --engine ENGINE`` as a subprocess on ``bench/data/SIZE/build`` (made from
the corpus by kg.store.write_store_from_file if missing), one at a time, and prints wall seconds, CPU seconds of
the process, peak RSS, the exit status and the load average before the run: on a shared machine, compare engines
only within one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

from config import DATA, ROOT, log
from corpus import DEFAULT_SEED, ensure_corpus

from kg.store import write_store_from_file


def ensure_build(label: str) -> None:
    """The corpus of ``label`` loaded into ``bench/data/LABEL/build/store`` (as bench/per_size.py builds it)."""
    store = DATA / label / "build" / "store"
    if not store.exists():
        corpus, _ = ensure_corpus(label, DEFAULT_SEED)
        log(f"[{label}] loading {corpus}")
        write_store_from_file(store, corpus)


def run(label: str, engine: str, timeout: float) -> tuple[str, float, float, int]:
    """(status, wall seconds, CPU seconds, peak RSS bytes) of one `kg validate`.

    Run in a fresh interpreter by main() for each measurement: RUSAGE_CHILDREN's ru_maxrss is the largest peak of
    any child so far, so it is exact for the first child only.
    """
    python = str(ROOT / ".venv" / "bin" / "python")
    argv = [python, "-m", "kg.cli", "validate", "--engine", engine, "-b", str(DATA / label / "build")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        proc.communicate(timeout=timeout)
        status = {0: "conforms", 1: "does not conform"}.get(proc.returncode, f"error (exit {proc.returncode})")
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        status = f"timeout ({timeout:.0f} s)"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return status, wall, cpu, after.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k")
    parser.add_argument("--engines", default="screen,oxigraph,pyshacl")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # SIZE:ENGINE, measured in this process
    args = parser.parse_args()
    if args.one:
        label, engine = args.one.split(":")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        status, wall, cpu, peak = run(label, engine, args.timeout)
        row = (label, engine, status, f"{wall:.1f}", f"{cpu:.1f}", f"{peak / 2**20:,.0f}", load)
        print("| " + " | ".join(row) + " |", flush=True)
        return
    print("| size | engine | result | wall s | CPU s | peak RSS MiB | load average before |")
    print("|---|---|---|---:|---:|---:|---|")
    for label in args.sizes.split(","):
        ensure_build(label)
        for engine in args.engines.split(","):
            one = [sys.executable, __file__, "--one", f"{label}:{engine}", "--timeout", str(args.timeout)]
            subprocess.run(one, check=True)


if __name__ == "__main__":
    main()
