"""How the report (bench/report.py) shows a number: the systems' labels, statistics of saved runs, and cells."""

from __future__ import annotations

import math
import statistics
from typing import Any

from workloads import FLOOR, OURS, OURS_ON_VIRTUOSO, OXIGRAPH, RDFLIB, VIRTUOSO

LABELS = {
    FLOOR: "pyoxigraph in-process",
    OURS: "kg serve (ours)",
    OXIGRAPH: "oxigraph serve",
    VIRTUOSO: "Virtuoso 7",
    OURS_ON_VIRTUOSO: "kg serve on Virtuoso",
    RDFLIB: "rdflib-endpoint",
}
SYSTEMS = (FLOOR, OURS, OXIGRAPH, VIRTUOSO, OURS_ON_VIRTUOSO, RDFLIB)
SMALL = ("lookup", "two-hop", "describe")
AGGFILTER = ("aggregate", "text-contains", "text-regex")
GiB = 2**30
MiB = 2**20


def _stat(m: dict[str, Any] | None, name: str) -> float | None:
    if not m or m.get("status") != "ok" or not m.get("runs"):
        return None
    runs = sorted(m["runs"])
    if name == "min":
        return runs[0]
    if name == "median":
        return statistics.median(runs)
    if name == "p99":
        return runs[min(len(runs) - 1, max(0, -(-99 * len(runs) // 100) - 1))]
    raise ValueError(name)


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "\u2013"
    ms = seconds * 1000
    if ms >= 10_000:
        return f"{ms / 1000:,.1f} s"
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def _dur(seconds: float | None) -> str:
    """A duration with its unit: ms below 10 s, else s."""
    text = _ms(seconds)
    return text if text.endswith(" s") or text == "\u2013" else f"{text} ms"


def _cell(m: dict[str, Any] | None) -> str:
    if not m:
        return "\u2013"
    status = m.get("status")
    if status == "n/a":
        return "n/a"
    if status == "timeout":
        return "timeout"
    if status == "skipped":
        return "skipped"
    if status != "ok":
        return "error"
    n = len(m["runs"])
    text = f"{_ms(_stat(m, 'min'))} / **{_ms(_stat(m, 'median'))}** / {_ms(_stat(m, 'p99'))}"
    return text + (f" ({n})" if n < 3 else "")


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "\u2013"
    r = a / b
    return f"{r:.2f}\u00d7" if r < 10 else f"{r:,.0f}\u00d7"


def _median(result: dict[str, Any], system: str, workload: str) -> float | None:
    return _stat(result["latency"].get(system, {}).get(workload), "median")


def _workloads(result: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for system in SYSTEMS:
        for name in result["latency"].get(system, {}):
            if name not in names:
                names.append(name)
    return names


def _gmean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None
