"""The browser tools: ``/query``, the query editor (YASGUI), and ``/api``, the OpenAPI explorer (Swagger UI), both
installed from the npm registry at build time and served locally.

They need no network beyond this server: their scripts and styles come from ``/static/yasgui/`` and
``/static/swagger-ui/``. Without them (no npm where ``make install`` ran), the pages say how to install them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kg.iris import PREFIXES
from kg.queries import examples
from server.html import content_security_policy, source_hash

router = APIRouter()

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
YASGUI_BUILD = NODE_MODULES / "@zazuko" / "yasgui" / "build"
SWAGGER_UI = NODE_MODULES / "swagger-ui-dist"


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
    """The OpenAPI explorer (Swagger UI) over this app's schema, under the page policy: no CDN, no inline script."""
    return request.app.state.templates.TemplateResponse(
        request,
        "api.html",
        {
            "openapi_url": request.scope.get("root_path", "") + (request.app.openapi_url or ""),
            "explorer_installed": (SWAGGER_UI / "swagger-ui-bundle.js").is_file(),
        },
    )
