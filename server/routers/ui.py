"""The browser tools: ``/query``, the query editor (YASGUI), and ``/api``, the OpenAPI explorer (Swagger UI), both
installed from the npm registry at build time and served locally.

They need no network beyond this server: their scripts and styles come from ``/static/yasgui/`` and
``/static/swagger-ui/``. Where they are is ``Settings.assets_dir``; without them (no npm where ``make`` ran),
``/query`` is a plain form, which needs no script, and both pages say how to install the tools.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kg.iris import PREFIXES
from kg.queries import examples
from server.errors import ProtocolError
from server.html import content_security_policy, source_hash
from server.settings import Settings

router = APIRouter()


def yasgui_build(settings: Settings) -> Path:
    """The directory of YASGUI's built script and styles (served as ``/static/yasgui/``)."""
    return settings.assets_dir / "@zazuko" / "yasgui" / "build"


#: The npm packages the result views draw with, by the path they are served under (``/static/<name>/``) and the
#: script the editor loads from there: Chart.js for the bar chart, Cytoscape.js for the network.
VIEW_LIBRARIES = {"chartjs": ("chart.js/dist", "chart.umd.min.js"), "cytoscape": ("cytoscape/dist", "cytoscape.min.js")}


def view_libraries(settings: Settings) -> dict[str, Path]:
    """The directories of the view libraries, by the name they are served under."""
    return {name: settings.assets_dir / directory for name, (directory, _) in VIEW_LIBRARIES.items()}


def swagger_ui(settings: Settings) -> Path:
    """The directory of Swagger UI's bundle (served as ``/static/swagger-ui/``)."""
    return settings.assets_dir / "swagger-ui-dist"


@router.get("/query", response_class=HTMLResponse, summary="Browser query editor")
def query_ui(request: Request, example: str | None = None, query: str | None = None) -> HTMLResponse:
    """The query editor; without YASGUI, a form holding the example chosen by ``example`` (a CQ id).

    ``query`` is the permalink of a query: the editor opens with it and runs it (the plain form holds it).

    Raises:
        ProtocolError: 404 for an unknown example, 413 for a query longer than the endpoint takes.
    """
    queries = [{"id": q.cq_id, "title": q.title, "text": q.text} for q in examples()]
    chosen = queries[0]
    settings = request.app.state.settings
    if query is not None:
        if len(query) > settings.max_query_length:
            raise ProtocolError(413, f"The query is longer than {settings.max_query_length} characters.")
        chosen = {"id": "Query", "title": "the query of the link", "text": query}
    elif example is not None:
        found = next((q for q in queries if (q["id"] or "").lower() == example.lower()), None)
        if found is None:
            known = ", ".join(str(q["id"]) for q in queries)
            raise ProtocolError(404, f"No example query {example!r}; the examples are {known}.")
        chosen = found
    script = yasgui_build(settings) / "yasgui.min.js"
    libraries = view_libraries(settings)
    installed = script.is_file() and all((libraries[n] / f).is_file() for n, (_, f) in VIEW_LIBRARIES.items())
    return request.app.state.templates.TemplateResponse(
        request,
        "query.html",
        {
            "examples": queries,
            "chosen": chosen,
            "initial": {"text": chosen["text"], "run": query is not None},
            "view_scripts": [f"/static/{name}/{file}" for name, (_, file) in VIEW_LIBRARIES.items()],
            "prefixes": PREFIXES,
            "ui_installed": installed,
        },
        headers={"Content-Security-Policy": content_security_policy({"style-src": yasgui_style_hashes(script)})},
    )


@cache
def yasgui_style_hashes(script: Path) -> tuple[str, ...]:
    """Hashes of the constant ``<style>`` texts YASGUI injects as it runs (its table column resizer's).

    Read from the installed build, so the page policy follows an upgrade; the chromium test of the editor
    fails on any style it does not allow.
    """
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
            "explorer_installed": (swagger_ui(request.app.state.settings) / "swagger-ui-bundle.js").is_file(),
        },
    )
