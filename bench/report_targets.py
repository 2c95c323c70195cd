"""The report's target checks (bench/report.py): each target against the saved results, with a verdict.

The serving targets are issue 17's (they tighten issue 8's: throughput 0.5x → 0.7x, heavy queries 1.1x each → a
geometric mean ≤ 1.0x, bulk load 0.8x → 0.9x, validation at 1M within 60 s and 2 GiB); issue 8's comparisons with
rdflib-endpoint and its streaming, update and 10M-memory targets stay; issue 15 adds `kg serve` over Virtuoso
beside Virtuoso itself (reported, no target).
"""

from __future__ import annotations

import statistics
from typing import Any

from report_format import (
    AGGFILTER,
    SMALL,
    GiB,
    MiB,
    _dur,
    _gmean,
    _median,
    _stat,
    _workloads,
)
from workloads import FLOOR, OURS, OURS_ON_VIRTUOSO, OXIGRAPH, RDFLIB, VIRTUOSO

#: Issue 17's targets.
THROUGHPUT_RATIO = 0.7
HEAVY_GMEAN = 1.0
BULK_LOAD_RATIO = 0.9
VALIDATE_SECONDS = 60
VALIDATE_MEMORY = 2 * GiB


def target_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(target, size, verdict, numbers) for each target."""
    rows: list[tuple[str, str, str, str]] = []
    main_label = "1M" if "1M" in results else next(iter(results))
    for label, r in results.items():
        lat = r["latency"]
        # Small queries through our endpoint vs oxigraph serve (median).
        ratios = {w: _ratio_value(_median(r, OURS, w), _median(r, OXIGRAPH, w)) for w in SMALL}
        if all(v is not None for v in ratios.values()) and ratios:
            worst = max(ratios.values())  # type: ignore[type-var]
            rows.append(
                (
                    "Small queries: median ≤ 1.5\u00d7 oxigraph serve",
                    label,
                    _verdict(worst <= 1.5),  # type: ignore[operator]
                    ", ".join(f"{w} {v:.2f}\u00d7" for w, v in ratios.items()),
                )
            )
        if label == main_label or label == "1M":
            speedups = {w: _ratio_value(_median(r, RDFLIB, w), _median(r, OURS, w)) for w in SMALL}
            if all(v is not None for v in speedups.values()):
                rows.append(
                    (
                        "Small queries: ≥ 2\u00d7 faster than rdflib-endpoint",
                        label,
                        _verdict(min(speedups.values()) >= 2),  # type: ignore[type-var,operator]
                        ", ".join(f"{w} {v:.1f}\u00d7" for w, v in speedups.items()),
                    )
                )
            af = {w: _speedup_vs_rdflib(r, w) for w in AGGFILTER}
            if any(v is not None for v in af.values()):
                ok = all(v is not None and v[0] >= 20 for v in af.values())
                rows.append(
                    (
                        "Aggregates and text filters: ≥ 20\u00d7 faster than rdflib-endpoint",
                        label,
                        _verdict(ok),
                        ", ".join(
                            f"{w} {'≥' if v[1] else ''}{v[0]:.0f}\u00d7" if v else f"{w} \u2013" for w, v in af.items()
                        ),
                    )
                )
        # Throughput at 16 connections vs oxigraph serve.
        tp = r.get("throughput", {})
        tratios = {}
        for w in tp.get(OURS, {}):
            ours = tp[OURS][w].get("16", {}).get("rps")
            oxi = tp.get(OXIGRAPH, {}).get(w, {}).get("16", {}).get("rps")
            if ours and oxi:
                tratios[w] = (ours / oxi, ours, oxi)
        if tratios:
            rows.append(
                (
                    f"Throughput at 16 clients ≥ {THROUGHPUT_RATIO}\u00d7 oxigraph serve (small queries)",
                    label,
                    _verdict(min(v[0] for v in tratios.values()) >= THROUGHPUT_RATIO),
                    ", ".join(f"{w} {v[0]:.2f}\u00d7 ({v[1]:,.0f} vs {v[2]:,.0f} req/s)" for w, v in tratios.items()),
                )
            )
        # Heavy queries vs oxigraph serve.
        heavy = [w for w in _workloads(r) if w.startswith("CQ") or w in (*AGGFILTER, "large-select")]
        hr = {w: _ratio_value(_median(r, OURS, w), _median(r, OXIGRAPH, w)) for w in heavy}
        known = {w: v for w, v in hr.items() if v is not None}
        if known:
            worst_w = max(known, key=known.__getitem__)
            gmean = _gmean(list(known.values())) or 0.0
            rows.append(
                (
                    f"Heavy queries: geometric mean ≤ {HEAVY_GMEAN}\u00d7 oxigraph serve",
                    label,
                    _verdict(gmean <= HEAVY_GMEAN),
                    f"geometric mean {gmean:.2f}\u00d7 over {len(known)}; worst {worst_w} {known[worst_w]:.2f}\u00d7; "
                    f"over pyoxigraph in-process: ours {_gmean_over(r, OURS, FLOOR, heavy)}, "
                    f"oxigraph serve {_gmean_over(r, OXIGRAPH, FLOOR, heavy)}",
                )
            )
        engine_row = _on_virtuoso(r, heavy)
        if engine_row:
            rows.append(("`kg serve` over Virtuoso beside Virtuoso itself (issue 15)", label, "reported", engine_row))
        # Bulk load vs pyoxigraph bulk_load.
        loads = r.get("loads", {})
        if OURS in loads and FLOOR in loads:
            q = r["corpus"]["quads"]
            ours_rate, floor_rate = q / loads[OURS]["seconds"], q / loads[FLOOR]["seconds"]
            rows.append(
                (
                    f"Bulk load ≥ {BULK_LOAD_RATIO}\u00d7 pyoxigraph bulk_load rate",
                    label,
                    _verdict(ours_rate >= BULK_LOAD_RATIO * floor_rate),
                    f"{ours_rate:,.0f} vs {floor_rate:,.0f} quads/s ({ours_rate / floor_rate:.2f}\u00d7)",
                )
            )
        # Streaming: the first byte before the query finishes, memory flat.
        ls = lat.get(OURS, {}).get("large-select")
        if ls and ls.get("status") == "ok":
            oxi_ls = lat.get(OXIGRAPH, {}).get("large-select", {})
            ttfb = statistics.median(ls["ttfb"])
            total = statistics.median(ls["runs"])
            growth = ls.get("rss_growth") or 0
            flat = growth <= max(64 * MiB, 0.1 * ls["bytes"])
            streams = ttfb < 0.5 * total
            oxi_txt = ""
            if oxi_ls.get("status") == "ok":
                oxi_txt = (
                    f"; oxigraph serve: first byte {_dur(statistics.median(oxi_ls['ttfb']))} of "
                    f"{_dur(statistics.median(oxi_ls['runs']))}, +{(oxi_ls.get('rss_growth') or 0) / MiB:,.0f} MiB"
                )
            rows.append(
                (
                    "Results stream: first byte before the query finishes, memory flat",
                    label,
                    _verdict(flat and streams),
                    f"first byte at {_dur(ttfb)} of {_dur(total)}; server RSS +{growth / MiB:,.0f} MiB for a "
                    f"{ls['bytes'] / MiB:,.0f} MiB body{oxi_txt}",
                )
            )
        # Peak RSS at 10M.
        if r["corpus"]["quads"] >= 5_000_000 and OURS in r.get("rss", {}):
            peak = r["rss"][OURS]["peak"]
            oxi_peak = r["rss"].get(OXIGRAPH, {}).get("peak", 0)
            rows.append(
                (
                    "Serving 10M triples with peak RSS < 2 GiB",
                    label,
                    _verdict(peak < 2 * GiB),
                    f"peak {peak / GiB:.2f} GiB (oxigraph serve {oxi_peak / GiB:.2f} GiB)",
                )
            )
        v = r.get("validate")
        if v:
            numbers = f"`kg validate`: {v['status']} in {v['seconds']:,.1f} s, peak RSS {v['peak_rss'] / GiB:.2f} GiB"
            if r["corpus"]["quads"] >= 500_000:
                within = v["status"] != "timeout" and v["seconds"] <= VALIDATE_SECONDS
                rows.append(
                    (
                        f"`kg validate` ≤ {VALIDATE_SECONDS} s and ≤ {VALIDATE_MEMORY / GiB:.0f} GiB",
                        label,
                        _verdict(within and v["peak_rss"] <= VALIDATE_MEMORY),
                        numbers,
                    )
                )
            else:
                rows.append(("`kg validate`: full-graph time reported", label, "reported", numbers))
        u = r.get("update")
        if u and label == main_label:
            if u.get("status") == "ok":
                rows.append(
                    (
                        "Gated one-statement update < 1 s at 1M",
                        label,
                        _verdict(u["seconds"] < 1),
                        f"median {_dur(u['seconds'])} of {len(u['runs'])} runs ("
                        + ", ".join(_dur(t) for t in u["runs"])
                        + ")",
                    )
                )
            else:
                rows.append(
                    ("Gated one-statement update < 1 s at 1M", label, "n/a", u.get("detail", "not implemented"))
                )
    return rows


def _gmean_over(r: dict[str, Any], system: str, base: str, workloads: list[str]) -> str:
    """``system``'s geometric-mean ratio over ``base`` on the workloads both answered, as text."""
    ratios = [_ratio_value(_median(r, system, w), _median(r, base, w)) for w in workloads]
    gmean = _gmean([v for v in ratios if v is not None])
    return f"{gmean:.2f}\u00d7" if gmean is not None else "\u2013"


def _on_virtuoso(r: dict[str, Any], heavy: list[str]) -> str:
    """Our server over Virtuoso against Virtuoso straight: small-query ratios, heavy geometric mean, throughput."""
    if OURS_ON_VIRTUOSO not in r["latency"] or VIRTUOSO not in r["latency"]:
        return ""
    small = {w: _ratio_value(_median(r, OURS_ON_VIRTUOSO, w), _median(r, VIRTUOSO, w)) for w in SMALL}
    parts = [", ".join(f"{w} {v:.2f}\u00d7" for w, v in small.items() if v is not None)]
    parts.append(f"heavy geometric mean {_gmean_over(r, OURS_ON_VIRTUOSO, VIRTUOSO, heavy)}")
    parts.append(f"against our embedded store: {_gmean_over(r, OURS_ON_VIRTUOSO, OURS, heavy)}")
    tp = r.get("throughput", {})
    ours = tp.get(OURS_ON_VIRTUOSO, {}).get("lookup", {}).get("16", {}).get("rps")
    engine = tp.get(VIRTUOSO, {}).get("lookup", {}).get("16", {}).get("rps")
    if ours and engine:
        parts.append(f"lookup at 16 clients {ours:,.0f} vs {engine:,.0f} req/s")
    statuses = {w: m.get("status") for w, m in r["latency"][OURS_ON_VIRTUOSO].items()}
    outcomes = (("error", "failed"), ("timeout", "timed out"), ("skipped", "skipped (predicted past the budget)"))
    for status, what in outcomes:
        names = sorted(w for w, s in statuses.items() if s == status)
        if names:
            parts.append(f"{what}: " + ", ".join(names))
    return "; ".join(parts)


def _ratio_value(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _speedup_vs_rdflib(r: dict[str, Any], workload: str) -> tuple[float, bool] | None:
    """rdflib median / ours median; a timed-out rdflib counts as at least its time limit (a lower bound)."""
    ours = _median(r, OURS, workload)
    m = r["latency"].get(RDFLIB, {}).get(workload)
    if ours is None or not m:
        return None
    if m.get("status") == "timeout":
        limit = r["meta"]["config"]["timeout"]
        return limit / ours, True
    med = _stat(m, "median")
    return (med / ours, False) if med is not None else None


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "**MISS**"
