"""The ``kg`` command: build | validate | serve | query | dump | locate.

Exit codes follow pySHACL's contract: 0 success (or conforms), 1 the graph does not conform, 2 an error
(one readable line on stderr, with a hint).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
import typer

from kg.build import DEFAULT_BUILD_DIR, build
from kg.errors import KgError, ShapeViolation
from kg.iris import DEFAULT_BASE_IRI, Minter
from kg.store import OxigraphStore

app = typer.Typer(help="Article knowledge graph: build, validate, query and serve it.", no_args_is_help=True)

BuildDir = Annotated[Path, typer.Option("--build-dir", "-b", help="Where the store and dumps live.")]
Base = Annotated[str, typer.Option("--base", help="Base IRI of the data.", envvar="KG_BASE_IRI")]


def _fail(message: str, hint: str = "", code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    if hint:
        typer.echo(f"hint: {hint}", err=True)
    return typer.Exit(code)


def _open_store(build_dir: Path) -> OxigraphStore:
    try:
        return OxigraphStore.open(build_dir / "store")
    except OSError as err:
        raise _fail(str(err), "run `kg build` first") from err


@app.command("build")
def build_command(build_dir: BuildDir = DEFAULT_BUILD_DIR, base: Base = DEFAULT_BASE_IRI) -> None:
    """Compile every annotated source and the ontology, validate, then write the store and the dumps."""
    try:
        result = build(build_dir, Minter(base))
    except ShapeViolation as err:
        typer.echo(err.report.text(), err=True)
        raise _fail("the compiled graph does not conform to the shapes; nothing was written", code=1) from err
    except (KgError, ValueError) as err:
        raise _fail(str(err), "fix the annotation file named above") from err
    typer.echo(
        f"built {result.quads} quads in {result.graphs} named graphs from {result.sources} source(s)\n"
        f"store: {result.store_path}\ndumps: {result.dump_dir}"
    )


@app.command("validate")
def validate_command(build_dir: BuildDir = DEFAULT_BUILD_DIR, base: Base = DEFAULT_BASE_IRI) -> None:
    """Validate the built store against the SHACL shapes: exit 0 if it conforms, 1 if not, 2 on error."""
    from kg.validate import validate_quads

    store = _open_store(build_dir)
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
) -> None:
    """Run a SPARQL query against the built store and print the result as a table (or RDF for graphs)."""
    from kg.queries import load
    from kg.tables import render_table

    store = _open_store(build_dir)
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


@app.command("dump")
def dump_command(
    build_dir: BuildDir = DEFAULT_BUILD_DIR,
    base: Base = DEFAULT_BASE_IRI,
    out: Annotated[Path | None, typer.Option(help="Directory to write to (default: BUILD_DIR/dumps).")] = None,
) -> None:
    """Write the deterministic dumps (Turtle, N-Quads, gzip, SHA256SUMS) of the built store."""
    from kg.dump import write_dumps

    for path in write_dumps(_open_store(build_dir), Minter(base), out or build_dir / "dumps"):
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
) -> None:
    """Serve the built store over HTTP (SPARQL endpoint, dumps, pages)."""
    import uvicorn

    from server.app import create_app
    from server.settings import Settings

    settings = Settings.from_env(store_path=build_dir / "store", dump_dir=build_dir / "dumps", base_iri=base)
    try:
        application = create_app(settings)
    except OSError as err:
        raise _fail(str(err), "run `kg build` first") from err
    url = f"http://{host}:{port}/"
    typer.echo(f"Serving the article knowledge graph at {url}")
    example = "query=SELECT * WHERE { ?s ?p ?o } LIMIT 3"
    typer.echo(f"Try: curl -H 'Accept: text/csv' --data-urlencode '{example}' {url}sparql")
    uvicorn.run(application, host=host, port=port, log_level="info")


if __name__ == "__main__":  # pragma: no cover
    app()
