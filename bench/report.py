"""Render saved benchmark results as ``bench/RESULTS.md`` (tables, target checks) and a latency-vs-size plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report_format import (
    LABELS,
    SYSTEMS,
    GiB,
    MiB,
    _cell,
    _dur,
    _median,
    _ratio,
    _workloads,
)
from report_targets import target_rows
from workloads import FLOOR, OURS, OURS_ON_VIRTUOSO, OXIGRAPH, RDFLIB, VIRTUOSO

# --- tables ---------------------------------------------------------------------------------------------------------


def latency_table(r: dict[str, Any]) -> list[str]:
    systems = [s for s in SYSTEMS if s in r["latency"]]
    on_engine = "on Virtuoso ÷ Virtuoso"
    head = ["workload", *[LABELS[s] for s in systems], "ours ÷ oxigraph", "rdflib ÷ ours", on_engine, "rows (ours)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in _workloads(r):
        cells = [w] + [_cell(r["latency"][s].get(w)) for s in systems]
        cells.append(_ratio(_median(r, OURS, w), _median(r, OXIGRAPH, w)))
        cells.append(_ratio(_median(r, RDFLIB, w), _median(r, OURS, w)))
        cells.append(_ratio(_median(r, OURS_ON_VIRTUOSO, w), _median(r, VIRTUOSO, w)))
        rows = r["latency"].get(OURS, {}).get(w, {}).get("rows")
        cells.append(f"{rows:,}" if rows is not None else "\u2013")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def throughput_table(r: dict[str, Any]) -> list[str]:
    tp = r.get("throughput", {})
    systems = [s for s in SYSTEMS if s in tp]
    if not systems:
        return ["(no throughput runs)"]
    head = ["workload", "clients", *[LABELS[s] + " req/s (p99 ms)" for s in systems], "ours ÷ oxigraph"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    names = list(dict.fromkeys(w for s in systems for w in tp[s]))
    for w in names:
        for c in ("1", "4", "16"):
            cells = [w, c]
            for s in systems:
                t = tp[s].get(w, {}).get(c, {})
                if t.get("rps") is None:
                    cells.append(t.get("status", "\u2013"))
                else:
                    errs = f", {t['errors']} errors" if t.get("errors") else ""
                    cells.append(f"{t['rps']:,.0f} ({t['p99_ms']:,.1f}{errs})")
            ours = tp.get(OURS, {}).get(w, {}).get(c, {}).get("rps")
            oxi = tp.get(OXIGRAPH, {}).get(w, {}).get(c, {}).get("rps")
            cells.append(f"{ours / oxi:.2f}\u00d7" if ours and oxi else "\u2013")
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def load_rss_table(r: dict[str, Any]) -> list[str]:
    q = r["corpus"]["quads"]
    head = ["system", "bulk load (s)", "quads/s", "how", "RSS idle (MiB)", "peak RSS while serving (MiB)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in SYSTEMS:
        load = r["loads"].get(s)
        rss = r["rss"].get(s)
        if not load and not rss:
            continue
        cells = [LABELS[s]]
        if load and load.get("seconds"):
            how = load.get("method", "")
            if (load.get("extra") or {}).get("optimize"):
                how += f": optimize {load['extra']['optimize']:,.1f} s more"
            cells += [f"{load['seconds']:,.1f}", f"{q / load['seconds']:,.0f}", how]
        else:
            cells += ["\u2013", "\u2013", (load or {}).get("method", "\u2013")]
        cells += [f"{rss['idle'] / MiB:,.0f}", f"{rss['peak'] / MiB:,.0f}"] if rss else ["\u2013", "\u2013"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# --- plot -------------------------------------------------------------------------------------------------------------


def plot(results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("two-hop", "two-hop lookup"), ("lookup", "entity lookup"), ("CQ1", "CQ1"), ("CQ9", "CQ9")]
    panels += [("aggregate", "aggregate (GROUP BY)"), ("text-regex", "text REGEX filter")]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    ordered = sorted(results.values(), key=lambda r: r["corpus"]["quads"])
    styles = {FLOOR: "k:", OURS: "C3o-", OXIGRAPH: "C0s-", VIRTUOSO: "C2^-", OURS_ON_VIRTUOSO: "C4v--", RDFLIB: "C1d-"}
    for ax, (workload, title) in zip(axes.flat, panels, strict=False):
        for s in SYSTEMS:
            xs, ys = [], []
            for r in ordered:
                med = _median(r, s, workload)
                if med is not None:
                    xs.append(r["corpus"]["quads"])
                    ys.append(med * 1000)
            if xs:
                ax.plot(xs, ys, styles[s], label=LABELS[s], markersize=5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("corpus size (quads)")
        ax.set_ylabel("median latency (ms)")
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=6)
    fig.suptitle("Latency vs corpus size (median of repeated runs; lower is better)", y=0.94)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- the report ---------------------------------------------------------------------------------------------------


def render(results: dict[str, dict[str, Any]], md_path: Path, png_path: Path) -> tuple[Path, Path]:
    results = dict(sorted(results.items(), key=lambda kv: kv[1]["corpus"]["quads"]))
    first = next(iter(results.values()))
    meta = first["meta"]
    m = meta["machine"]
    out: list[str] = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` (`make bench`); how to read it and what the misses mean: `docs/performance.md`.",
        "",
        f"- **Date**: {', '.join(sorted({r['meta']['date'] for r in results.values()}))}",
        f"- **Machine**: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM; {m['os']}, Linux {m['kernel']}; "
        f"Python {m['python']}",
        "- **Sizes**: "
        + ", ".join(
            f"{k} = {r['corpus']['quads']:,} quads ({r['corpus']['articles']:,} articles)" for k, r in results.items()
        ),
        "- **Versions**: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        "- **Commands**: " + "; ".join(sorted({f"`{r['meta']['command']}`" for r in results.values()})),
        f"- **Settings**: up to {meta['config']['runs']} measured runs per workload after one warm-up, within "
        f"{meta['config']['budget']:g} s (at least {meta['config']['min_runs']}); a warm-up slower than "
        f"{meta['config']['single_run_over']:g} s is the single sample; {meta['config']['timeout']:g} s per request; "
        f"wrk {meta['config']['wrk_seconds']} s per point; everything on 127.0.0.1, client and servers sharing the "
        "2 cores.",
        "",
        "Latency cells are **min / median / p99** in milliseconds (p99 is the nearest rank of the runs, i.e. the "
        "slowest of fewer than 100; a number in brackets is the run count when under 3). *ours ÷ oxigraph* > 1 means "
        "we are slower; *rdflib ÷ ours* > 1 means we are faster. Our server is `kg serve` as shipped, with a write "
        "token: one serving process per core (`KG_PROCESSES`) answering `/sparql` on its hot path with queries in "
        "threads, time limits, ETags, conneg, metrics, gzip and CORS on, and the writer in the supervisor; pyoxigraph "
        "in-process runs `server.results.execute` (query + serialisation) with no HTTP: the floor.",
        "",
        "## Targets (issue 17; issue 8 where 17 sets none; issue 15: `kg serve` over Virtuoso)",
        "",
        "| target | size | verdict | numbers |",
        "|---|---|---|---|",
    ]
    out += [f"| {t} | {s} | {v} | {n} |" for t, s, v, n in target_rows(results)]
    for label, r in results.items():
        out += [
            "",
            f"## {label}: {r['corpus']['quads']:,} quads",
            "",
            f"Corpus: {r['corpus']['articles']:,} synthetic articles, "
            f"{r['corpus']['bytes'] / MiB:,.0f} MiB of N-Quads, "
            f"generated in {r['corpus']['seconds']:,.0f} s. This size took {r['seconds'] / 60:,.1f} min to benchmark.",
            "",
            "### Latency",
            "",
            *latency_table(r),
            "",
            "### Throughput (wrk, POST, keep-alive)",
            "",
            *throughput_table(r),
            "",
            "### Bulk load and memory",
            "",
            *load_rss_table(r),
        ]
        ours_load = r["loads"].get(OURS, {})
        if ours_load.get("dumps_seconds") is not None:
            out += [
                "",
                f"Our dumps (`kg.dump.write_dumps`, Turtle + N-Quads + gzip) took {ours_load['dumps_seconds']:,.1f} s.",
            ]
        floor = r["loads"].get(FLOOR, {})
        if floor.get("with_optimize_seconds"):
            out += [
                f"pyoxigraph `bulk_load` followed by `flush` + `optimize` (what `write_store` also does) took "
                f"{floor['with_optimize_seconds']:,.1f} s."
            ]
        v = r.get("validate")
        if v:
            out += [
                "",
                f"`kg validate` of the whole graph: **{v['status']}** in {v['seconds']:,.1f} s "
                f"(peak RSS {v['peak_rss'] / GiB:.2f} GiB). {' '.join(v.get('detail', []))}",
            ]
        u = r.get("update")
        if u:
            times = ", ".join(_dur(t) for t in u.get("runs", []))
            out += [
                "",
                f"SHACL-gated one-statement update (POST /update): {u.get('status')} {times} {u.get('detail', '')}",
            ]
        if r.get("loadavg"):
            out += [
                "",
                "One-minute load average when each system started / finished (2 cores; above ~2.5 means other "
                "processes shared the machine): "
                + ", ".join(
                    f"{LABELS.get(k, k)} {v[0]}" + (f" / {v[1]}" if len(v) > 1 else "") for k, v in r["loadavg"].items()
                ),
            ]
        if r.get("errors"):
            out += ["", "Problems recorded during this size:", ""]
            out += [f"- **{k}**: {v}" for k, v in r["errors"].items()]
        failures = [
            f"- {LABELS[s]} / {w}: {mm['status']}: {mm.get('detail', '')[:200]}"
            for s in SYSTEMS
            for w, mm in r["latency"].get(s, {}).items()
            if mm.get("status") not in ("ok", "n/a")
        ]
        if failures:
            out += ["", "Workloads that did not complete:", "", *failures]
    out += [
        "",
        "## Notes",
        "",
        "- Same data everywhere: one N-Quads file per size from `bench/corpus.py` (seeded), loaded by each "
        "system's own loader; every system queries the union of the named graphs as its default graph "
        "(Virtuoso's default; `--union-default-graph` for oxigraph serve; rdflib `Dataset(default_union=True)`; "
        "our store's policy).",
        "- Row counts can differ between systems: Virtuoso's union also holds its own system graphs (a few thousand "
        "triples), so `large-select` and `dump` return more; DESCRIBE is implementation-defined (oxigraph: the "
        "subject's triples; Virtuoso and rdflib: their own bounded descriptions).",
        "- `dump`: ours serves the prebuilt file `/dumps/all.ttl` (Starlette FileResponse); the peers have no dump "
        "file, so they answer `CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }` as Turtle: the same triples, not the "
        "same work.",
        "- `entity-page` exists only on our server (the HTML page of `/id/person/…`).",
        "- *kg serve on Virtuoso* (issue 15): our `kg serve --store` in front of a private Virtuoso 7 that "
        "`kg build --store`'s loader filled from our built store (`kg.engines.virtuoso.load_build`: N-Quads, "
        "`ld_dir` + `rdf_loader_run` + `checkpoint`, one named graph per article); read-only, so no update. Every "
        "query goes to the engine with our graphs as its dataset (`default-graph-uri`/`named-graph-uri`, one per "
        "graph: `kg/remote_store.py`); dumps and entity pages as on the embedded store. *on Virtuoso ÷ Virtuoso* is "
        "the cost of our server in front of the engine; its RSS columns are `kg serve`'s alone, not the engine's.",
        "- Not run: "
        + (", ".join(f"`{q}`" for q in first.get("excluded", [])) or "nothing")
        + " (a SERVICE call to Wikidata: the benchmark sends traffic to loopback only).",
        "- *skipped*: a workload whose time at the previous size, scaled by the size ratio (squared for the "
        "competency queries, which are joins), would pass the skip budget, or which timed out there, is not run "
        "again at the larger size (bounded run time); the reason is recorded in the raw results.",
        "",
        f"![latency vs size]({png_path.name})",
        "",
    ]
    md_path.write_text("\n".join(out))
    plot(results, png_path)
    return md_path, png_path
