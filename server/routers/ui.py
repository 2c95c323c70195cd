"""The browser tools: ``/query``, the query editor (YASGUI, installed from the npm registry at build time,
served locally), and ``/api``, the OpenAPI explorer (Swagger UI).

The query editor needs no network beyond this server: the editor's script and styles come from ``/static/yasgui/``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from kg.iris import PREFIXES
from kg.queries import examples
from server.html import content_security_policy, inline_hashes, source_hash

router = APIRouter()

SWAGGER_CDN = "https://cdn.jsdelivr.net"  # where FastAPI's Swagger UI page loads the explorer from

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
        headers={"Content-Security-Policy": content_security_policy({"style-src": yasgui_style_hashes()})},
    )


@cache
def yasgui_style_hashes() -> tuple[str, ...]:
    """Hashes of the constant ``<style>`` texts YASGUI injects as it runs (its table column resizer's).

    Read from the installed build, so the page policy follows an upgrade; the chromium test of the editor
    fails on any style it does not allow.
    """
    script = YASGUI_BUILD / "yasgui.min.js"
    if not script.is_file():
        return ()
    return tuple(source_hash(css) for css in re.findall(r"createStyle\(\w+,`([^`$\\]*)`\)", script.read_text()))


@router.get("/api", response_class=HTMLResponse, include_in_schema=False)
def api_ui(request: Request) -> HTMLResponse:
    """FastAPI's Swagger UI page, with a policy extended by exactly what it needs: its CDN and its inline script."""
    openapi_url = request.scope.get("root_path", "") + (request.app.openapi_url or "")
    page = get_swagger_ui_html(openapi_url=openapi_url, title=f"{request.app.title} - Swagger UI")
    body = bytes(page.body).decode()
    hashes = inline_hashes(body)
    policy = content_security_policy(
        {
            "script-src": [SWAGGER_CDN, *hashes["script-src"]],
            "style-src": [SWAGGER_CDN, *hashes["style-src"]],
            "img-src": ["https://fastapi.tiangolo.com"],  # the page's favicon
        }
    )
    return HTMLResponse(body, headers={"Content-Security-Policy": policy})
