"""The application factory: ``create_app(settings, store)`` wires routers, templates and error handlers."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp

from kg import __version__
from kg.iris import Minter
from kg.remote_store import READ_SLACK, SparqlEngineStore
from kg.search import SearchIndex
from kg.store import GraphStore, OxigraphStore
from kg.writes import Writer
from server.errors import install_error_handlers
from server.executor import Executor
from server.files import Files
from server.forward import WriteForwarder
from server.hotpath import SparqlHotPath
from server.html import SecurityHeaders, make_templates
from server.observability import Metrics, TimingMiddleware, metrics_router
from server.protocol import check_target
from server.readers import POINTER, WRITER_SOCKET, CheckpointView
from server.routers import complete, dumps, graph_store, meta, resources, search, sparql, ui, writes
from server.routers.complete import CompletionTables
from server.settings import Settings

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
#: Seconds a query on a remote engine may stay in its thread past its deadline before it counts as stuck.
ENGINE_GRACE = READ_SLACK + 1.0
#: FastAPI's OpenTelemetry instrumentation, all of it off (see create_app).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


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
    engine = (
        SparqlEngineStore(settings.store_url, base_iri=settings.base_iri, timeout=settings.query_timeout)
        if store is None and settings.store_url is not None
        else None
    )
    if store is None and pointer is not None and pointer.exists():
        view = CheckpointView(pointer, engine=engine)
        store = view.store
        forward = WriteForwarder(settings.runtime_dir / WRITER_SOCKET)  # type: ignore[operator]
    elif engine is not None:
        store = engine
    elif store is None:
        store = OxigraphStore.open(settings.store_path, read_only=not writable)
    # A remote engine's query is only awaited in its thread, which returns soon after the engine's own limit:
    # no reason to recycle the process, as a query stuck in the embedded engine is.
    grace = ENGINE_GRACE if isinstance(store, SparqlEngineStore) else 1.0
    executor = Executor(store, threads=settings.query_threads, grace=grace)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        app.state.completion.refresh(app.state.store, app.state.data_version)  # seconds at 1M: not on a request
        yield
        executor.close()
        if isinstance(store, SparqlEngineStore) and settings.store_url is not None:  # the one it opened
            store.close()
        if forward is not None:
            await forward.aclose()

    app = App(
        lifespan=lifespan,
        title="Article knowledge graph",
        version=__version__,
        description="SPARQL 1.1 endpoint over a knowledge graph of what news articles say.",
        docs_url=None,  # /api is served by server.routers.ui, with the page policy it needs
        redoc_url=None,
        dependencies=[Depends(require_utf8)],
        # No OpenTelemetry: the server's metrics are Prometheus' (/metrics). Left on, FastAPI asks the global
        # OpenTelemetry providers on every request whether one is configured (~10 us, a quarter of a small
        # query's in-process cost; docs/performance.md).
        telemetry=NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.executor = executor
    app.state.view = view
    app.state.forward = forward
    app.state.search = SearchIndex(settings.search_path)  # one file for every process; the writer updates it
    app.state.data_version = view.version if view else data_version(settings, store)
    app.state.writer = None
    if view is not None:

        def follow(new_store: GraphStore, version: str) -> None:
            app.state.store = new_store
            executor.use(new_store)
            app.state.data_version = version
            app.state.completion.refresh(new_store, version)

        view.on_change = follow
    elif writable and isinstance(store, OxigraphStore | SparqlEngineStore):  # a store passed in too (tests)
        writer = Writer(
            store,
            Minter(settings.base_iri),
            settings.dump_dir,
            app.state.data_version,
            settings.write_wait,
            search=app.state.search,
        )
        app.state.writer = writer

        def on_commit(version: str) -> None:
            app.state.data_version = version

        writer.listeners.append(on_commit)
    app.state.cache = {}
    app.state.completion = CompletionTables()
    app.state.metrics = Metrics()
    app.state.templates = make_templates(TEMPLATES_DIR)
    install_error_handlers(app)
    for module in (meta, sparql, writes, graph_store, dumps, resources, search, ui, complete):
        app.include_router(answer_head(module.router))
    if ui.yasgui_build(settings).is_dir():
        app.mount("/static/yasgui", Files(directory=ui.yasgui_build(settings)), name="yasgui")
    for name, directory in ui.view_libraries(settings).items():
        if directory.is_dir():
            app.mount(f"/static/{name}", Files(directory=directory), name=name)
    if ui.swagger_ui(settings).is_dir():
        app.mount("/static/swagger-ui", Files(directory=ui.swagger_ui(settings)), name="swagger-ui")
    app.mount("/static/kg", Files(directory=STATIC_DIR), name="static")
    app.include_router(answer_head(metrics_router(app.state.metrics)))
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
    # SecurityHeaders goes around all of it, 500s included (App.build_middleware_stack).
    return app


class App(FastAPI):
    """FastAPI, with the security headers on every answer, and its OpenAPI schema listing the ``GET`` of a route
    but not the ``HEAD`` that comes with it."""

    def build_middleware_stack(self) -> ASGIApp:
        """The stack, inside :class:`server.html.SecurityHeaders`: FastAPI puts its ServerErrorMiddleware, which
        answers 500 for an unhandled exception, outside every middleware added to the app."""
        return SecurityHeaders(super().build_middleware_stack())

    def openapi(self) -> dict[str, Any]:
        """The schema without ``head`` operations: HTTP implies them (:func:`answer_head`), and FastAPI would give
        a route's ``GET`` and ``HEAD`` the same operationId."""
        schema = super().openapi()
        for operations in schema.get("paths", {}).values():
            if "get" in operations:
                operations.pop("head", None)
        return schema


def answer_head(router: APIRouter) -> APIRouter:
    """``router``, each of whose ``GET`` routes answers ``HEAD`` too: the same handler, status and headers, and
    the server (uvicorn) sends no body (https://www.rfc-editor.org/rfc/rfc9110#section-9.3.2).

    Starlette's plain routes do this themselves; FastAPI's answer only the methods they list. ``create_app``
    passes every router through here before including it (FastAPI reads a route's methods when it includes it).
    Files answer ``HEAD`` on their own (:mod:`server.files`), and queries on ``/sparql`` the hot path does.
    """
    for route in router.routes:
        if isinstance(route, APIRoute) and route.methods is not None and "GET" in route.methods:
            route.methods.add("HEAD")
    return router


def require_utf8(request: Request) -> None:
    """Every route: a path or parameter that is not UTF-8 once percent-decoded is a 400, not a U+FFFD in a name.

    Raises:
        ProtocolError: 400 (queries on the hot path get the same check from ``parse_request``).
    """
    check_target(request.scope.get("raw_path") or request.scope["path"].encode(), request.url.query)


def data_version(settings: Settings, store: GraphStore) -> str:
    """An identifier of the data served: the dumps' checksum file when there is one, else the triple count."""
    checksums = settings.dump_dir / "SHA256SUMS"
    if checksums.is_file():
        return hashlib.sha256(checksums.read_bytes()).hexdigest()[:16]
    return f"n{len(store)}"
