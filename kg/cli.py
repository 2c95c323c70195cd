"""The ``kg`` command: build | validate | query | dump | locate | serve | update | backup | restore | link |
annotate | review (``kg --help`` says what each does).

Exit codes follow pySHACL's contract: 0 success (or conforms), 1 the graph does not conform, 2 an error
(one readable line on stderr, with a hint).

Installed packages add commands through the ``kg.commands`` entry-point group (the server adds ``kg serve``:
server/cli.py). They are loaded only when ``kg`` runs one or lists them, so the library imports no server code.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pyoxigraph as ox
import typer
from typer.core import TyperGroup

if TYPE_CHECKING:  # typer bundles its own click (typer._click): TyperGroup's methods take and return its types
    from typer._click import Command, Context

from kg.annotate.command import annotate_command
from kg.build import DEFAULT_BUILD_DIR, build
from kg.command_line import Base, BuildDir, Drafts, StoreUrl, dump_engine, fail, load_engine, open_engine
from kg.errors import KgError, QueryTooDeep, SearchError, SearchIndexMissing, ShapeViolation
from kg.iris import DEFAULT_BASE_IRI, Minter
from kg.narrow import serialized
from kg.review.command import review_command
from kg.store import OxigraphStore
from kg.validate import Engine

PLUGINS = "kg.commands"


class Commands(TyperGroup):
    """The commands defined here, then those of the :data:`PLUGINS` entry points, each loaded when it is needed."""

    def list_commands(self, ctx: Context) -> list[str]:
        own = super().list_commands(ctx)
        return [*own, *sorted(ep.name for ep in entry_points(group=PLUGINS) if ep.name not in own)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            for ep in entry_points(group=PLUGINS, name=cmd_name):
                plugin = typer.Typer()
                plugin.command(cmd_name)(ep.load())
                return typer.main.get_command(plugin)
        return command


app = typer.Typer(
    cls=Commands, help="Article knowledge graph: build, validate, query and serve it.", no_args_is_help=True
)


def _open_store(build_dir: Path, *, drafts: bool = False) -> OxigraphStore:
    try:
        return OxigraphStore.open(build_dir / "store", include_drafts=drafts)
    except OSError as err:
        raise fail(str(err), "run `kg build` first") from err


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
    engine = open_engine(store, base) if store else None  # before the build: an engine that is down fails fast
    try:
        result = build(build_dir, Minter(base), drafts=drafts)
    except ShapeViolation as err:
        typer.echo(err.report.text(), err=True)
        raise fail("the compiled graph does not conform to the shapes; nothing was written", code=1) from err
    except (KgError, ValueError) as err:
        raise fail(str(err), "fix the annotation file named above") from err
    typer.echo(
        f"built {result.quads} quads in {result.graphs} named graphs from {result.sources} source(s)\n"
        f"store: {result.store_path}\ndumps: {result.dump_dir}\nsearch index: {result.search_path}"
    )
    if engine is not None:
        load_engine(engine, result.store_path, build_dir)
        dump_engine(engine, Minter(base), result.dump_dir)


@app.command("validate")
def validate_command(
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
    engine: Annotated[
        Engine,
        typer.Option(
            help="screen (pyoxigraph finds the nodes that may fail, pyshacl checks those), oxigraph (SHACL-SPARQL "
            "constraints on pyoxigraph, the rest in pyshacl) or pyshacl (all in pyshacl: the reference)."
        ),
    ] = Engine.screen,
) -> None:
    """Validate the built store against the SHACL shapes: exit 0 if it conforms, 1 if not, 2 on error."""
    from kg.validate import validate_quads

    store = _open_store(build_dir, drafts=True)  # the draft graphs were validated with the rest: they still are
    try:
        ontology_graph = Minter(base).ontology_graph
        quads = [q for g in store.graphs() if g != ontology_graph for q in store.quads(g)]
        report = validate_quads(quads, engine)
    except Exception as err:  # exit 1 says "does not conform": anything else that stops a validation is 2
        reason = " ".join(str(err).split())  # one line, whatever the library wrote
        hint = "check --base, shapes/ and ontology/"
        raise fail(f"could not validate: {type(err).__name__}: {reason}", hint) from err
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
    from kg.search import SearchIndex, index_path
    from kg.search_service import expand_search
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
            raise fail(str(err)) from err
    try:
        result = store.query(expand_search(text, SearchIndex(index_path(build_dir))))
        if isinstance(result, ox.QueryTriples):
            sys.stdout.write(serialized(result.serialize(format=ox.RdfFormat.TURTLE)).decode())
        else:
            typer.echo(render_table(result))
    except SyntaxError as err:
        raise fail(f"malformed SPARQL: {err}") from err
    except (QueryTooDeep, SearchError) as err:
        raise fail(str(err)) from err
    except SearchIndexMissing as err:
        raise fail(str(err), "run `kg build` first") from err


@app.command("dump")
def dump_command(
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
    out: Annotated[
        Path | None,
        typer.Option(help="Directory to write to (default: BUILD_DIR/dumps; with --drafts BUILD_DIR/dumps-drafts)."),
    ] = None,
    drafts: Drafts = False,
    store: StoreUrl = None,
) -> None:
    """Write the deterministic dumps (Turtle, N-Quads, gzip, SHA256SUMS) of the built store.

    With ``--store URL`` (or ``KG_STORE``), of what that SPARQL engine holds of our graphs instead.
    """
    from kg.dump import write_dumps

    # With drafts, not over the served dumps: those stay reviewed data only.
    default = build_dir / ("dumps-drafts" if drafts else "dumps")
    if store:
        if drafts:
            raise fail("--drafts reads the built store: the engine's dumps hold what its readers see")
        return dump_engine(open_engine(store, base), Minter(base), out or default)
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
        raise fail("the passage does not occur in the text", "copy it exactly, curly quotes included", code=1)
    for start, end in spans:
        typer.echo(f"span: [{start}, {end}]")


@app.command("update")
def update_command(
    update: Annotated[str, typer.Argument(help="A SPARQL 1.1 Update, or a file containing one (.ru).")],
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
) -> None:
    """Apply a SPARQL Update to the built store through the SHACL gate (the server must not be running)."""
    from kg.federation import service_allowlist_from_env
    from kg.search import SearchIndex, index_path
    from kg.writes import Writer

    path = Path(update)
    text = path.read_text(encoding="utf-8") if update.endswith(".ru") and path.is_file() else update
    try:
        allowlist = service_allowlist_from_env()  # the server's policy (KG_SERVICE_ALLOWLIST)
    except ValueError as err:
        raise fail(f"bad KG_* setting: {err}") from err
    try:
        store = OxigraphStore.open(build_dir / "store", read_only=False)
    except OSError as err:
        raise fail(str(err), "is `kg serve` running on this store? Write through its /update endpoint") from err
    writer = Writer(store, Minter(base), build_dir / "dumps", search=SearchIndex(index_path(build_dir)))
    try:
        result = writer.update(text, service_allowlist=allowlist)
    except ShapeViolation as err:
        typer.echo(err.report.text(), err=True)
        raise fail("the write does not conform to the shapes; nothing was written", code=1) from err
    except (SyntaxError, NotImplementedError, KgError) as err:
        raise fail(str(err)) from err
    writer.wait_for_dumps()
    if not (result.removed or result.added):  # the store already says that: no commit, no dump rewrite
        typer.echo("committed: nothing to change")
        return
    typer.echo(f"committed: {result.removed} quad(s) removed, {result.added} added")


@app.command("backup")
def backup_command(
    destination: Annotated[Path, typer.Argument(help="A new directory for the backup.")],
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
) -> None:
    """Write a consistent copy of the store (a RocksDB checkpoint) to DESTINATION."""
    if destination.exists():
        raise fail(f"{destination} already exists", "name a new directory")
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
    from kg.search import build_index, index_path
    from kg.validate import validate_quads

    try:
        backup = OxigraphStore.open(source)
    except OSError as err:
        raise fail(str(err), "name a directory written by `kg backup`") from err
    minter = Minter(base)
    quads = [q for g in backup.graphs() if g != minter.ontology_graph for q in backup.quads(g)]
    report = validate_quads(quads)
    if not report.conforms:
        typer.echo(report.text(), err=True)
        raise fail("the backup does not conform to the shapes; the store was not replaced", code=1)
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
    restored = _open_store(build_dir)
    write_dumps(restored, minter, build_dir / "dumps")
    build_index(restored, minter, index_path(build_dir))
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
    from kg.federation import WIKIDATA_SPARQL
    from kg.link.decisions import decide
    from kg.link.entities import load_entities
    from kg.link.proposals import DEFAULT_PROPOSALS, VERIFIED_TABLE, accept_proposals, link_status, write_proposals
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
        raise fail(str(err)) from err
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
