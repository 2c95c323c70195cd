"""Service-level pages: the landing page and ``/health``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from kg.queries import all_queries

router = APIRouter()


@router.get("/health", summary="Liveness and data version")
def health(request: Request) -> JSONResponse:
    store = request.app.state.store
    return JSONResponse({"status": "ok", "triples": len(store), "graphs": store.graphs()})


@router.get("/", response_class=HTMLResponse, summary="Landing page")
def landing(request: Request) -> HTMLResponse:
    store = request.app.state.store
    return request.app.state.templates.TemplateResponse(
        request,
        "index.html",
        {"triples": len(store), "graphs": store.graphs(), "queries": all_queries()},
    )
