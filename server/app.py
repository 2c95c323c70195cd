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
from kg.store import GraphStore, OxigraphStore, Snapshots
from server.errors import install_error_handlers
from server.executor import Executor, InProcess, WorkerPool
from server.observability import Metrics, TimingMiddleware, metrics_router
from server.routers import dumps, graph_store, meta, resources, sparql, ui, writes
from server.settings import Settings
from server.writer import Writer

TEMPLATES_DIR = Path(__file__).parent / "templates"


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """A ready app over ``store`` (default: the read-only on-disk store at ``settings.store_path``).

    Queries on the on-disk store run in a pool of worker processes with hard time limits; a store
    passed in (in memory) is queried in-process.

    Raises:
        OSError: no store was given and none exists at ``settings.store_path``.
    """
    writable = settings.write_token is not None
    if store is None:
        # With a write token the server owns the read-write store, and query workers read checkpoints of it
        # (a read-only store must not share its directory with a writer); without one they read the build.
        store = OxigraphStore.open(settings.store_path, read_only=not writable)
        snapshots = Snapshots(settings.store_path.with_name("snapshots")) if writable else None
        view = snapshots.take(store) if snapshots else settings.store_path
        executor: Executor = (
            WorkerPool(view, settings.query_workers) if settings.query_workers > 0 else InProcess(store)
        )
    else:
        snapshots = None
        executor = InProcess(store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        executor.close()

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
    app.state.data_version = data_version(settings, store)
    app.state.writer = None
    if writable and isinstance(store, OxigraphStore):  # an in-memory store passed in is writable too (tests)
        writer = Writer(store, Minter(settings.base_iri), settings.dump_dir, app.state.data_version)
        app.state.writer = writer

        def on_commit(version: str) -> None:
            app.state.data_version = version
            if isinstance(executor, WorkerPool) and snapshots is not None:
                executor.store_path = snapshots.take(store)  # workers reopen on this checkpoint

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
    # Reads may come from any origin; no credentials, and no Authorization header, so CORS grants no writes.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Link", "Server-Timing", "Content-Disposition"],
        allow_credentials=False,
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(TimingMiddleware, metrics=app.state.metrics)
    return app


def data_version(settings: Settings, store: GraphStore) -> str:
    """An identifier of the data served: the dumps' checksum file when there is one, else the triple count."""
    checksums = settings.dump_dir / "SHA256SUMS"
    if checksums.is_file():
        return hashlib.sha256(checksums.read_bytes()).hexdigest()[:16]
    return f"n{len(store)}"
