"""The report's target checks (bench/report.py): each target of issue 8 against the saved results, with a verdict."""

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
from workloads import FLOOR, OURS, OXIGRAPH, RDFLIB


def target_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(target, size, verdict, numbers) for each target of issue #8."""
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
                    "Throughput at 16 clients ≥ 0.5\u00d7 oxigraph serve (small queries)",
                    label,
                    _verdict(min(v[0] for v in tratios.values()) >= 0.5),
                    ", ".join(f"{w} {v[0]:.2f}\u00d7 ({v[1]:,.0f} vs {v[2]:,.0f} req/s)" for w, v in tratios.items()),
                )
            )
        # Heavy queries vs oxigraph serve.
        heavy = [w for w in _workloads(r) if w.startswith("CQ") or w in (*AGGFILTER, "large-select")]
        hr = {w: _ratio_value(_median(r, OURS, w), _median(r, OXIGRAPH, w)) for w in heavy}
        known = {w: v for w, v in hr.items() if v is not None}
        if known:
            worst_w = max(known, key=known.__getitem__)
            rows.append(
                (
                    "Heavy queries ≤ 1.1\u00d7 oxigraph serve",
                    label,
                    _verdict(all(v <= 1.1 for v in known.values())),
                    f"{sum(1 for v in known.values() if v <= 1.1)}/{len(known)} within; geometric mean "
                    f"{_gmean(list(known.values())):.2f}\u00d7; worst {worst_w} {known[worst_w]:.2f}\u00d7",
                )
            )
        # Bulk load vs pyoxigraph bulk_load.
        loads = r.get("loads", {})
        if OURS in loads and FLOOR in loads:
            q = r["corpus"]["quads"]
            ours_rate, floor_rate = q / loads[OURS]["seconds"], q / loads[FLOOR]["seconds"]
            rows.append(
                (
                    "Bulk load ≥ 0.8\u00d7 pyoxigraph bulk_load rate",
                    label,
                    _verdict(ours_rate >= 0.8 * floor_rate),
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
            rows.append(
                (
                    "SHACL validation: full-graph time reported",
                    label,
                    "reported" if v["status"] != "timeout" else "MISS (timed out)",
                    f"`kg validate`: {v['status']} in {v['seconds']:,.1f} s, peak RSS {v['peak_rss'] / GiB:.2f} GiB",
                )
            )
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
