"""The application factory: ``create_app(settings, store)`` wires routers, templates and error handlers."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from kg import __version__
from kg.iris import Minter
from kg.store import GraphStore, OxigraphStore
from server.errors import install_error_handlers
from server.executor import Executor
from server.forward import WriteForwarder
from server.hotpath import SparqlHotPath
from server.observability import Metrics, TimingMiddleware, metrics_router
from server.readers import POINTER, WRITER_SOCKET, CheckpointView
from server.routers import dumps, graph_store, meta, resources, sparql, ui, writes
from server.settings import Settings
from server.writer import Writer

TEMPLATES_DIR = Path(__file__).parent / "templates"


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """A ready app over ``store`` (default: the on-disk store at ``settings.store_path``).

    Queries run in threads of this process (:class:`server.executor.Executor`). Without a store passed in, the
    app opens the built store read-only, or, as a reader process of a writable ``kg serve`` (a runtime
    directory with a published checkpoint), follows the writer's checkpoints and forwards writes to it. With a
    write token and no runtime directory, it opens the store read-write and writes in-process.

    Raises:
        OSError: no store was given and none exists at ``settings.store_path``.
    """
    writable = settings.write_token is not None
    view: CheckpointView | None = None
    forward: WriteForwarder | None = None
    pointer = settings.runtime_dir / POINTER if settings.runtime_dir else None
    if store is None and pointer is not None and pointer.exists():
        view = CheckpointView(pointer)
        store = view.store
        forward = WriteForwarder(settings.runtime_dir / WRITER_SOCKET)  # type: ignore[operator]
    elif store is None:
        store = OxigraphStore.open(settings.store_path, read_only=not writable)
    executor = Executor(store, threads=settings.query_threads)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        executor.close()
        if forward is not None:
            await forward.aclose()

    app = FastAPI(
        lifespan=lifespan,
        title="Article knowledge graph",
        version=__version__,
        description="SPARQL 1.1 endpoint over a knowledge graph of what news articles say.",
        docs_url="/api",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.executor = executor
    app.state.view = view
    app.state.forward = forward
    app.state.data_version = view.version if view else data_version(settings, store)
    app.state.writer = None
    if view is not None:

        def follow(new_store: OxigraphStore, version: str) -> None:
            app.state.store = new_store
            executor.use(new_store)
            app.state.data_version = version

        view.on_change = follow
    elif writable and isinstance(store, OxigraphStore):  # an in-memory store passed in is writable too (tests)
        writer = Writer(
            store, Minter(settings.base_iri), settings.dump_dir, app.state.data_version, settings.write_wait
        )
        app.state.writer = writer

        def on_commit(version: str) -> None:
            app.state.data_version = version

        writer.listeners.append(on_commit)
    app.state.cache = {}
    app.state.metrics = Metrics()
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))  # autoescape on for .html
    install_error_handlers(app)
    for module in (meta, sparql, writes, graph_store, dumps, resources, ui):
        app.include_router(module.router)
    if ui.YASGUI_BUILD.is_dir():
        app.mount("/static/yasgui", StaticFiles(directory=ui.YASGUI_BUILD), name="yasgui")
    app.include_router(metrics_router(app.state.metrics))
    # Innermost first. Queries take the hot path: outside CORS and gzip when neither applies, else inside them.
    app.add_middleware(SparqlHotPath, state=app.state)
    # Reads may come from any origin; no credentials, and no Authorization header, so CORS grants no writes.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Link", "Server-Timing", "Content-Disposition"],
        allow_credentials=False,
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(SparqlHotPath, state=app.state, outer=True)
    app.add_middleware(TimingMiddleware, metrics=app.state.metrics)
    return app


def data_version(settings: Settings, store: GraphStore) -> str:
    """An identifier of the data served: the dumps' checksum file when there is one, else the triple count."""
    checksums = settings.dump_dir / "SHA256SUMS"
    if checksums.is_file():
        return hashlib.sha256(checksums.read_bytes()).hexdigest()[:16]
    return f"n{len(store)}"
