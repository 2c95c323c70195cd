"""The application factory: ``create_app(settings, store)`` wires routers, templates and error handlers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from kg import __version__
from kg.store import GraphStore, OxigraphStore
from server.errors import install_error_handlers
from server.routers import dumps, meta, sparql
from server.settings import Settings

TEMPLATES_DIR = Path(__file__).parent / "templates"


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """A ready app over ``store`` (default: the read-only on-disk store at ``settings.store_path``).

    Raises:
        OSError: no store was given and none exists at ``settings.store_path``.
    """
    app = FastAPI(
        title="Article knowledge graph",
        version=__version__,
        description="SPARQL 1.1 endpoint over a knowledge graph of what news articles say.",
        docs_url="/api",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store if store is not None else OxigraphStore.open(settings.store_path)
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))  # autoescape on for .html
    install_error_handlers(app)
    for module in (meta, sparql, dumps):
        app.include_router(module.router)
    return app
