"""The review page's web app: one HTML page, its static script and styles, the draft as JSON, and save.

Local only: ``kg review`` binds it to 127.0.0.1, and it answers only requests whose Host is the loopback (a
page elsewhere cannot reach it by DNS rebinding). Saves must be JSON (a cross-site form cannot post one) and
name the version of the file they were made on, so a page made stale by another edit cannot overwrite it.
Every response forbids inline and foreign scripts (Content-Security-Policy), like the serving app's pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.middleware.trustedhost import TrustedHostMiddleware

from kg.review.decisions import Decision, Rejected, ReviewError, choices, read_draft, save, suggestions

HERE = Path(__file__).parent
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
#: The keyboard shortcuts, shown on the page and bound by static/review.js.
SHORTCUTS = (
    ("j", "next suggestion"),
    ("k", "previous suggestion"),
    ("a", "accept"),
    ("r", "reject"),
    ("e", "edit (Enter applies, Escape cancels)"),
    ("s", "save the file"),
)


class DecisionIn(BaseModel):
    section: str
    slug: str
    action: Literal["accept", "reject", "edit"]
    fields: dict[str, int | str | None] = Field(default_factory=dict)


class SaveIn(BaseModel):
    version: str
    decisions: list[DecisionIn]


def create_review_app(path: Path, text_file: Path | None = None) -> FastAPI:
    """The app reviewing the annotation file ``path`` (its text: ``text_file`` or the one it names)."""
    app = FastAPI(title="kg review", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "testserver"])

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, err: RequestValidationError) -> JSONResponse:
        reasons = [f"{'/'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
        return JSONResponse({"errors": reasons}, status_code=422)

    @app.exception_handler(ReviewError)
    async def unreadable(_: Request, err: ReviewError) -> JSONResponse:
        return JSONResponse({"errors": [str(err)]}, status_code=409)

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "review.html", {"file": path.name, "shortcuts": SHORTCUTS})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon; answering keeps the browser console free of 404s

    @app.get("/api/draft")
    def draft() -> dict[str, Any]:
        d = read_draft(path, text_file)
        return {
            "file": path.name,
            "version": d.version,
            "text": d.text,
            "items": suggestions(d),
            "choices": choices(d),
        }

    @app.post("/api/save")
    def save_decisions(body: SaveIn) -> JSONResponse:
        d = read_draft(path, text_file)
        if body.version != d.version:
            message = f"{path.name} changed on disk since this page loaded it; reload the page (nothing was written)"
            return JSONResponse({"errors": [message]}, status_code=409)
        decisions = [Decision(x.section, x.slug, x.action, dict(x.fields)) for x in body.decisions]
        try:
            saved = save(d, decisions)
        except Rejected as err:
            return JSONResponse({"errors": err.reasons}, status_code=422)
        return JSONResponse(
            {
                "written": str(saved.path),
                "backup": str(saved.backup),
                "notes": saved.notes,
                "remaining": saved.remaining,
            }
        )

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
