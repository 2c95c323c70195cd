"""ASGI apps for the what-if experiments of ``bench/experiments.py`` (not part of the benchmark proper).

- :func:`kg_app`: the project's own app (``server.app.create_app``), built from ``KG_BUILD_DIR``, optionally without
  the GZip and timing middleware (``BENCH_NO_MIDDLEWARE=1``); for granian's ``--factory``.
- :func:`bare_app`: a bare ASGI handler that answers a direct POST of a SPARQL query from a read-only pyoxigraph
  store, as SPARQL JSON: the ceiling of a Python process in front of the engine.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def kg_app() -> Any:
    from fastapi.middleware.gzip import GZipMiddleware

    from server.app import create_app
    from server.observability import TimingMiddleware
    from server.settings import Settings

    build = Path(os.environ["KG_BUILD_DIR"])
    settings = Settings.from_env(store_path=build / "store", dump_dir=build / "dumps")
    app = create_app(settings)
    if os.environ.get("BENCH_NO_MIDDLEWARE") == "1":
        app.user_middleware = [m for m in app.user_middleware if m.cls not in (GZipMiddleware, TimingMiddleware)]
        app.middleware_stack = None
    return app


def bare_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    import pyoxigraph as ox

    from kg.narrow import serialized

    store = ox.Store.read_only(str(Path(os.environ["KG_BUILD_DIR"]) / "store"))
    headers = [(b"content-type", b"application/sparql-results+json")]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        result = store.query(body.decode(), use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            raise ValueError("a CONSTRUCT or DESCRIBE query: the experiments' workloads are SELECT and ASK")
        payload = serialized(result.serialize(format=ox.QueryResultsFormat.JSON))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app
