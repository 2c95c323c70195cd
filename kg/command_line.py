"""What every ``kg`` command shares: the options, the one-line failure, and the SPARQL engine as a store.

Kept apart from :mod:`kg.cli` so that commands installed by other packages (``kg serve``: server/cli.py) use the
same options and the same failure line without reaching into the command module's internals.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import StoreUnavailable
from kg.iris import Minter
from kg.remote_store import SparqlEngineStore

BuildDir = Annotated[Path, typer.Option("--build-dir", "-b", help="Where the store and dumps live.")]
Base = Annotated[str, typer.Option("--base", help="Base IRI of the data.", envvar="KG_BASE_IRI")]
StoreUrl = Annotated[
    str | None, typer.Option("--store", help="A SPARQL engine's query endpoint to use as the store.", envvar="KG_STORE")
]
Drafts = Annotated[bool, typer.Option("--drafts", help="Include the draft graphs (unreviewed suggestions).")]


def fail(message: str, hint: str = "", code: int = 2) -> typer.Exit:
    """Print ``error: message`` (and ``hint: …``) on stderr; the exit to raise (2: an error, as pySHACL's)."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    if hint:
        typer.echo(f"hint: {hint}", err=True)
    return typer.Exit(code)


def open_engine(url: str, base: str | None = None) -> SparqlEngineStore:
    """The engine at ``url``, checked to answer (exit 2 with one line if it does not)."""
    try:
        engine = SparqlEngineStore(url, base_iri=base)
        engine.ping()
    except StoreUnavailable as err:
        raise fail(str(err), "start the engine, or check --store / KG_STORE") from err
    except ValueError as err:
        raise fail(f"--store {url!r} is not accepted: it takes the URL of a SPARQL endpoint ({err})") from err
    return engine


def load_engine(engine: SparqlEngineStore, store_path: Path, build_dir: Path) -> None:
    """Replace what the engine holds of our graphs by the built store, with Virtuoso's bulk loader."""
    from kg.engines.virtuoso import Isql, VirtuosoError, load_build

    try:
        isql = Isql.parse(os.environ.get("KG_STORE_ISQL", "127.0.0.1:1111"), os.environ.get("KG_STORE_PASSWORD", "dba"))
    except ValueError as err:
        raise fail(f"KG_STORE_ISQL {err}: it takes host:port of Virtuoso's SQL server") from err
    try:
        seconds = load_build(
            store_path, build_dir.resolve() / "engine-load", isql, replace_graphs=tuple(engine.all_graphs())
        )
    except (VirtuosoError, OSError) as err:
        raise fail(str(err), "the engine must be allowed to read the build directory (Virtuoso: DirsAllowed)") from err
    engine.refresh()
    typer.echo(
        f"loaded into {engine.url}: {len(engine)} quads in {len(engine.all_graphs())} named graphs ({seconds:.1f} s)"
    )


def dump_engine(engine: SparqlEngineStore, minter: Minter, directory: Path) -> None:
    """Write the dumps from what the engine holds, and say whether they are the build's, byte for byte.

    The dumps are what anyone can download and check a citation against, so on an engine they are read back
    from it: if the engine changed a quad on the way in, the dumps show it (and this line says so).
    """
    from kg.dump import UNION_NAME, read_checksums, write_dumps

    before = read_checksums(directory).get(f"{UNION_NAME}.nq")
    try:
        write_dumps(engine, minter, directory)
    except (StoreUnavailable, OSError) as err:
        raise fail(f"could not write the dumps from {engine.url}: {err}") from err
    after = read_checksums(directory).get(f"{UNION_NAME}.nq")
    if before is None:
        typer.echo(f"dumps written from {engine.url} (all.nq sha256 {after})")
    elif before == after:
        typer.echo(f"dumps written from {engine.url}: the same as the build's (all.nq sha256 {after})")
    else:
        typer.echo(
            f"warning: the dumps written from {engine.url} differ from the build's (all.nq sha256 {before} "
            f"before, {after} now): the engine changed some quads; compare the two to see which",
            err=True,
        )
