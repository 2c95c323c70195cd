"""``kg review FILE.yaml``: serve the review page of one draft on the loopback interface until Ctrl-C.

Exit codes: 0 stopped; 2 bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from kg.review.decisions import ReviewError, read_draft, suggestions

HOST = "127.0.0.1"  # loopback only: the page writes a file on this machine


def review_command(
    file: Annotated[Path, typer.Argument(help="A draft annotation file written by `kg annotate`.")],
    text: Annotated[
        Path | None, typer.Option("--text", help="The source text (default: the text_file the draft names).")
    ] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")] = 0,
) -> None:
    """Review a draft in the browser: accept, reject or edit each suggestion, then save the reviewed YAML."""
    import uvicorn  # the web app loads only when asked for, not with every `kg` command

    from kg.review.app import create_review_app

    try:
        draft = read_draft(file, text)
    except ReviewError as err:
        typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from err
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as err:
        sock.close()
        typer.secho(f"error: cannot listen on {HOST}:{port}: {err.strerror}", err=True, fg=typer.colors.RED)
        typer.echo("hint: choose another --port, or --port 0 for any free one", err=True)
        raise typer.Exit(2) from err
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    typer.echo(f"Reviewing {file} ({len(suggestions(draft))} suggestion(s)) at {url}  (Ctrl-C to stop)")
    config = uvicorn.Config(create_review_app(file, text), log_level="warning", lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
