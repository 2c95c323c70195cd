"""``kg serve``: the server's command, added to ``kg`` through the ``kg.commands`` entry point (pyproject.toml).

It lives here, not in kg/cli.py, so that the library imports nothing from the server.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kg.build import DEFAULT_BUILD_DIR
from kg.command_line import Base, BuildDir, StoreUrl, fail, open_engine
from kg.iris import DEFAULT_BASE_IRI
from kg.search import index_path


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
        raise fail(f"--port {port} is not accepted: it takes a whole number from 1 to 65535")
    try:
        settings = Settings.from_env(
            store_path=build_dir / "store",
            dump_dir=build_dir / "dumps",
            search_path=index_path(build_dir),
            base_iri=base,
            store_url=store,
        )
    except SettingError as err:
        raise fail(str(err)) from err
    if settings.store_url is not None:
        open_engine(settings.store_url, settings.base_iri)  # one line and exit 2 when the engine is down
    elif not (settings.store_path / "CURRENT").exists():
        raise fail(f"no store at {settings.store_path}", "run `kg build` first")
    url = f"http://{host}:{port}/"
    mode = "read-write (bearer token)" if settings.write_token else "read-only"
    typer.echo(f"Serving the article knowledge graph at {url} ({mode}, {settings.processes} processes)")
    example = "query=SELECT * WHERE { ?s ?p ?o } LIMIT 3"
    typer.echo(f"Try: curl -H 'Accept: text/csv' --data-urlencode '{example}' {url}sparql")
    try:
        status = serve(settings, host, port)
    except OSError as err:
        raise fail(str(err), "is another server on that port, or the store open elsewhere?") from err
    raise typer.Exit(status)
