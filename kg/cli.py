"""The ``kg`` command: build | validate | serve | query | dump | locate | annotate | review.

Exit codes follow pySHACL's contract: 0 success (or conforms), 1 the graph does not conform, 2 an error
(one readable line on stderr, with a hint).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import httpx
import pyoxigraph as ox
import typer

from kg.annotate.command import annotate_command
from kg.build import DEFAULT_BUILD_DIR, build
from kg.changes import Diff
from kg.errors import KgError, QueryTooDeep, ServiceRefused, ShapeViolation, StoreUnavailable
from kg.iris import DEFAULT_BASE_IRI, Minter
from kg.remote_store import SparqlEngineStore
from kg.review.command import review_command
from kg.store import OxigraphStore

app = typer.Typer(help="Article knowledge graph: build, validate, query and serve it.", no_args_is_help=True)

BuildDir = Annotated[Path, typer.Option("--build-dir", "-b", help="Where the store and dumps live.")]
Base = Annotated[str, typer.Option("--base", help="Base IRI of the data.", envvar="KG_BASE_IRI")]
StoreUrl = Annotated[
    str | None, typer.Option("--store", help="A SPARQL engine's query endpoint to use as the store.", envvar="KG_STORE")
]


def _fail(message: str, hint: str = "", code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    if hint:
        typer.echo(f"hint: {hint}", err=True)
    return typer.Exit(code)


Drafts = Annotated[bool, typer.Option("--drafts", help="Include the draft graphs (unreviewed suggestions).")]


def _open_store(build_dir: Path, *, drafts: bool = False) -> OxigraphStore:
    try:
        return OxigraphStore.open(build_dir / "store", include_drafts=drafts)
    except OSError as err:
        raise _fail(str(err), "run `kg build` first") from err


@app.command("build")
def build_command(
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Build files that still carry suggestions into draft graphs.")
    ] = False,
    store: StoreUrl = None,
) -> None:
    """Compile every annotated source and the ontology, validate, then write the store and the dumps.

    With ``--store URL`` (or ``KG_STORE``), then load the store into that Virtuoso with its bulk loader, through
    isql at ``KG_STORE_ISQL`` (host:port, default 127.0.0.1:1111) as dba with ``KG_STORE_PASSWORD`` (default dba).
    """
    engine = _engine(store) if store else None  # before the build: an engine that is down fails fast
    try:
        result = build(build_dir, Minter(base), drafts=drafts)
    except ShapeViolation as err:
        typer.echo(err.report.text(), err=True)
        raise _fail("the compiled graph does not conform to the shapes; nothing was written", code=1) from err
    except (KgError, ValueError) as err:
        raise _fail(str(err), "fix the annotation file named above") from err
    typer.echo(
        f"built {result.quads} quads in {result.graphs} named graphs from {result.sources} source(s)\n"
        f"store: {result.store_path}\ndumps: {result.dump_dir}"
    )
    if engine is not None:
        _load_engine(engine, result.store_path, build_dir)


def _engine(url: str) -> SparqlEngineStore:
    """The engine at ``url``, checked to answer (exit 2 with one line if it does not)."""
    try:
        engine = SparqlEngineStore(url)
        engine.ping()
    except StoreUnavailable as err:
        raise _fail(str(err), "start the engine, or check --store / KG_STORE") from err
    except (ValueError, httpx.InvalidURL) as err:
        raise _fail(f"--store {url!r} is not accepted: it takes the URL of a SPARQL endpoint ({err})") from err
    return engine


def _load_engine(engine: SparqlEngineStore, store_path: Path, build_dir: Path) -> None:
    """Replace what the engine holds of our graphs by the built store, with Virtuoso's bulk loader."""
    from kg.engines.virtuoso import Isql, VirtuosoError, load_build

    try:
        isql = Isql.parse(os.environ.get("KG_STORE_ISQL", "127.0.0.1:1111"), os.environ.get("KG_STORE_PASSWORD", "dba"))
    except ValueError as err:
        raise _fail(f"KG_STORE_ISQL {err}: it takes host:port of Virtuoso's SQL server") from err
    try:
        seconds = load_build(
            store_path, build_dir.resolve() / "engine-load", isql, replace_graphs=tuple(engine.all_graphs())
        )
    except (VirtuosoError, OSError) as err:
        raise _fail(str(err), "the engine must be allowed to read the build directory (Virtuoso: DirsAllowed)") from err
    engine.refresh()
    typer.echo(
        f"loaded into {engine.url}: {len(engine)} quads in {len(engine.all_graphs())} named graphs ({seconds:.1f} s)"
    )


@app.command("validate")
def validate_command(build_dir: BuildDir = DEFAULT_BUILD_DIR, base: Base = DEFAULT_BASE_IRI) -> None:
    """Validate the built store against the SHACL shapes: exit 0 if it conforms, 1 if not, 2 on error."""
    from kg.validate import validate_quads

    store = _open_store(build_dir, drafts=True)  # the draft graphs were validated with the rest: they still are
    ontology_graph = Minter(base).ontology_graph
    quads = [q for g in store.graphs() if g != ontology_graph for q in store.quads(g)]
    report = validate_quads(quads)
    typer.echo(report.text())
    if not report.conforms:
        raise typer.Exit(1)


@app.command("query")
def query_command(
    query: Annotated[str, typer.Argument(help="A SPARQL query, a .rq file, or a shipped query's name (e.g. CQ1).")],
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    drafts: Drafts = False,
) -> None:
    """Run a SPARQL query against the built store and print the result as a table (or RDF for graphs)."""
    from kg.queries import load
    from kg.tables import render_table

    store = _open_store(build_dir, drafts=drafts)
    path = Path(query)
    if query.endswith(".rq") and path.is_file():
        text = path.read_text(encoding="utf-8")
    elif "{" in query:
        text = query
    else:
        try:
            text = load(query).text
        except KgError as err:
            raise _fail(str(err)) from err
    try:
        result = store.query(text)
        if isinstance(result, ox.QueryTriples):
            sys.stdout.write(ox.serialize(result, format=ox.RdfFormat.TURTLE).decode())
        else:
            typer.echo(render_table(result))
    except SyntaxError as err:
        raise _fail(f"malformed SPARQL: {err}") from err
    except QueryTooDeep as err:
        raise _fail(str(err)) from err


@app.command("dump")
def dump_command(
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
    out: Annotated[
        Path | None,
        typer.Option(help="Directory to write to (default: BUILD_DIR/dumps; with --drafts BUILD_DIR/dumps-drafts)."),
    ] = None,
    drafts: Drafts = False,
) -> None:
    """Write the deterministic dumps (Turtle, N-Quads, gzip, SHA256SUMS) of the built store."""
    from kg.dump import write_dumps

    # With drafts, not over the served dumps: those stay reviewed data only.
    default = build_dir / ("dumps-drafts" if drafts else "dumps")
    for path in write_dumps(_open_store(build_dir, drafts=drafts), Minter(base), out or default):
        typer.echo(path)


@app.command("locate")
def locate_command(
    text_file: Annotated[Path, typer.Argument(help="A source text file.")],
    passage: Annotated[str, typer.Argument(help="The exact passage to find.")],
) -> None:
    """Print the span(s) [start, end] of a passage in a source text, for writing annotations."""
    from kg.annotations import locate

    spans = locate(text_file.read_text(encoding="utf-8"), passage)
    if not spans:
        raise _fail("the passage does not occur in the text", "copy it exactly, curly quotes included", code=1)
    for start, end in spans:
        typer.echo(f"span: [{start}, {end}]")


@app.command("serve")
def serve_command(
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    store: StoreUrl = None,
) -> None:
    """Serve the built store (or, with ``--store``, a SPARQL engine) over HTTP, in one process per core."""
    from server.settings import SettingError, Settings
    from server.supervisor import serve

    if not 1 <= port <= 65535:
        raise _fail(f"--port {port} is not accepted: it takes a whole number from 1 to 65535")
    try:
        settings = Settings.from_env(
            store_path=build_dir / "store", dump_dir=build_dir / "dumps", base_iri=base, store_url=store
        )
    except SettingError as err:
        raise _fail(str(err)) from err
    if settings.store_url is not None:
        _engine(settings.store_url)
    elif not (settings.store_path / "CURRENT").exists():
        raise _fail(f"no store at {settings.store_path}", "run `kg build` first")
    url = f"http://{host}:{port}/"
    mode = "read-write (bearer token)" if settings.write_token else "read-only"
    typer.echo(f"Serving the article knowledge graph at {url} ({mode}, {settings.processes} processes)")
    example = "query=SELECT * WHERE { ?s ?p ?o } LIMIT 3"
    typer.echo(f"Try: curl -H 'Accept: text/csv' --data-urlencode '{example}' {url}sparql")
    try:
        status = serve(settings, host, port)
    except OSError as err:
        raise _fail(str(err), "is another server on that port, or the store open elsewhere?") from err
    raise typer.Exit(status)


def _gated_write(build_dir: Path, base: str, make_diff: Callable[[OxigraphStore], Diff]) -> None:
    """Open the store read-write, compute the diff, pass the SHACL gate, commit, rewrite the dumps."""
    from kg.dump import write_dumps
    from kg.gate import Gate, ProtectedData

    try:
        store = OxigraphStore.open(build_dir / "store", read_only=False)
    except OSError as err:
        raise _fail(str(err), "is `kg serve` running on this store? Write through its /update endpoint") from err
    minter = Minter(base)
    try:
        diff = make_diff(store)
        verdict = Gate(minter).judge(store.raw, diff)
    except (SyntaxError, PermissionError, ProtectedData, ServiceRefused, NotImplementedError, QueryTooDeep) as err:
        raise _fail(str(err)) from err
    if not verdict.report.conforms:
        typer.echo(verdict.report.text(), err=True)
        raise _fail("the write does not conform to the shapes; nothing was written", code=1)
    if not diff:  # the store already says that: no commit, no dump rewrite
        typer.echo("committed: nothing to change")
        return
    store.commit(diff)
    write_dumps(store, minter, build_dir / "dumps")
    typer.echo(f"committed: {len(diff.removed)} quad(s) removed, {len(diff.added)} added")


@app.command("update")
def update_command(
    update: Annotated[str, typer.Argument(help="A SPARQL 1.1 Update, or a file containing one (.ru).")],
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
) -> None:
    """Apply a SPARQL Update to the built store through the SHACL gate (the server must not be running)."""
    from kg.changes import update_diff
    from server.settings import Settings

    path = Path(update)
    text = path.read_text(encoding="utf-8") if update.endswith(".ru") and path.is_file() else update
    try:
        allowlist = Settings.from_env().service_allowlist  # the server's policy (KG_SERVICE_ALLOWLIST)
    except (OSError, ValueError) as err:
        raise _fail(f"bad KG_* setting: {err}") from err
    _gated_write(build_dir, base, lambda store: update_diff(store.raw, text, service_allowlist=allowlist))


@app.command("backup")
def backup_command(
    destination: Annotated[Path, typer.Argument(help="A new directory for the backup.")],
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
) -> None:
    """Write a consistent copy of the store (a RocksDB checkpoint) to DESTINATION."""
    if destination.exists():
        raise _fail(f"{destination} already exists", "name a new directory")
    _open_store(build_dir).raw.backup(str(destination))
    typer.echo(f"backup written to {destination}")


@app.command("restore")
def restore_command(
    source: Annotated[Path, typer.Argument(help="A directory written by `kg backup`.")],
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
) -> None:
    """Replace the store with a backup, after validating it; then rewrite the dumps (server stopped)."""
    import shutil

    from kg.dump import write_dumps
    from kg.validate import validate_quads

    try:
        backup = OxigraphStore.open(source)
    except OSError as err:
        raise _fail(str(err), "name a directory written by `kg backup`") from err
    minter = Minter(base)
    quads = [q for g in backup.graphs() if g != minter.ontology_graph for q in backup.quads(g)]
    report = validate_quads(quads)
    if not report.conforms:
        typer.echo(report.text(), err=True)
        raise _fail("the backup does not conform to the shapes; the store was not replaced", code=1)
    del backup
    store_path = build_dir / "store"
    staged = store_path.with_name("store.restoring")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(source, staged)
    old = store_path.with_name("store.replaced")
    shutil.rmtree(old, ignore_errors=True)
    if store_path.exists():
        store_path.rename(old)
    staged.rename(store_path)
    shutil.rmtree(old, ignore_errors=True)
    write_dumps(_open_store(build_dir), minter, build_dir / "dumps")
    typer.echo(f"store restored from {source}")


@app.command("link")
def link_command(
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
    endpoint: Annotated[
        str | None,
        typer.Option(help="Wikidata SPARQL endpoint (default: the public Query Service).", envvar="KG_WIKIDATA_SPARQL"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="The review file (default: kg/links/proposals/wikidata.proposals.sssom.tsv)."),
    ] = None,
    threshold: Annotated[float, typer.Option(min=0, max=1, help="Lowest score marked accept.")] = 0.9,
    margin: Annotated[float, typer.Option(min=0, max=1, help="Lead over the runner-up needed to accept.")] = 0.2,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds per request.")] = 30.0,
    retries: Annotated[int, typer.Option(min=0, max=10, help="Retries on 429, 5xx, connection errors.")] = 3,
    backoff: Annotated[float, typer.Option(min=0, help="First wait between retries (doubles each time).")] = 1.0,
    accept: Annotated[bool, typer.Option("--accept", help="Append the review file's accept rows to --links.")] = False,
    links: Annotated[
        Path | None, typer.Option(help="The verified table (default: kg/links/wikidata.sssom.tsv).")
    ] = None,
    reviewer: Annotated[str, typer.Option(help="Who reviewed the rows (recorded with --accept).")] = "",
    status: Annotated[bool, typer.Option("--status", help="List every entity's link status and stop.")] = False,
) -> None:
    """Propose Wikidata links for unlinked entities (a review file in SSSOM), or accept the reviewed ones."""
    from kg.errors import LinkError
    from kg.link import (
        DEFAULT_PROPOSALS,
        VERIFIED_TABLE,
        WIKIDATA_SPARQL,
        accept_proposals,
        decide,
        link_status,
        load_entities,
        write_proposals,
    )
    from kg.link.wikidata import WikidataClient, candidates_for

    review_file = out or DEFAULT_PROPOSALS
    try:
        if accept:
            rows = accept_proposals(review_file, links or VERIFIED_TABLE, reviewer)
            for row in rows:
                typer.echo(f"accepted: {row['subject_id']} owl:sameAs {row['object_id']} ({row['object_label']})")
            typer.echo(f"{len(rows)} link(s) added to {links or VERIFIED_TABLE}; run `kg build` to compile them")
            return
        minter = Minter(base)
        entities = load_entities(_open_store(build_dir))
        if status:
            for _, label, kind, state, item, detail in link_status(entities, review_file, minter):
                typer.echo("\t".join((label, kind, state, item, detail)))
            return
        url = endpoint or WIKIDATA_SPARQL
        decisions = []
        with WikidataClient(url, timeout=timeout, retries=retries, backoff=backoff) as client:
            for entity in (e for e in entities if not e.wikidata):
                decisions.append(decide(entity, candidates_for(entity, client), threshold, margin))
        count = write_proposals(review_file, decisions, minter, url)
    except (LinkError, OSError) as err:
        raise _fail(str(err)) from err
    for d in decisions:
        best = f"wd:{d.rows[0][0].qid} {d.rows[0][0].score:.2f} {d.rows[0][0].label}" if d.rows else "-"
        typer.echo(f"{d.status:9}  {d.entity.label}  {best}")
    summary = {s: sum(d.status == s for d in decisions) for s in ("accept", "review", "ambiguous", "none")}
    counts = ", ".join(f"{n} {s}" for s, n in summary.items())
    typer.echo(f"{len(decisions)} unlinked entities: {counts}; {count} candidate row(s) in {review_file}")


app.command("annotate")(annotate_command)  # kg/annotate/command.py: draft annotations and their accuracy

app.command("review")(review_command)  # kg/review/: the review page of a draft

if __name__ == "__main__":  # pragma: no cover
    app()
