"""The benchmark's settings, paths and log: what every part of the runner (bench/run.py) shares."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from workloads import OURS, OURS_ON_VIRTUOSO, OXIGRAPH, RDFLIB, VIRTUOSO

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS_DIR = DATA / "results"
# The systems' labels are report_format.LABELS (one place).
# kg serve on Virtuoso first: it loads the engine from our built store, which ours then writes to (its update).
HTTP_ORDER = (OURS_ON_VIRTUOSO, OURS, OXIGRAPH, VIRTUOSO, RDFLIB)


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
