"""``/query``: the browser query editor (YASGUI, installed from the npm registry at build time, served locally).

The page needs no network beyond this server: the editor's script and styles come from ``/static/yasgui/``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kg.iris import PREFIXES
from kg.queries import examples

router = APIRouter()

YASGUI_BUILD = Path(__file__).resolve().parents[2] / "node_modules" / "@zazuko" / "yasgui" / "build"


@router.get("/query", response_class=HTMLResponse, summary="Browser query editor")
def query_ui(request: Request) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request,
        "query.html",
        {
            "examples": [{"id": q.cq_id, "title": q.title, "text": q.text} for q in examples()],
            "prefixes": PREFIXES,
            "ui_installed": (YASGUI_BUILD / "yasgui.min.js").is_file(),
        },
    )
