"""``/dumps/``: the files ``kg build`` wrote (Turtle, N-Quads, gzip, SHA256SUMS) for download.

Starlette's FileResponse gives ETag, Last-Modified, conditional GET and range requests.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from server.errors import ProtocolError

router = APIRouter()

MEDIA_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".nq": "application/n-quads; charset=utf-8",
    ".gz": "application/gzip",
    "SHA256SUMS": "text/plain; charset=utf-8",
}


def _dump_files(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    return {p.name: p for p in sorted(directory.iterdir()) if p.is_file()}


@router.get("/dumps/", response_class=HTMLResponse, summary="List the downloadable dumps")
def list_dumps(request: Request) -> HTMLResponse:
    files = _dump_files(request.app.state.settings.dump_dir)
    return request.app.state.templates.TemplateResponse(
        request, "dumps.html", {"files": [(name, path.stat().st_size) for name, path in files.items()]}
    )


@router.get("/dumps/{name}", summary="Download one dump file")
def get_dump(request: Request, name: str) -> FileResponse:
    # Only names listed in the dump directory are served: no path is ever built from the request.
    path = _dump_files(request.app.state.settings.dump_dir).get(name)
    if path is None:
        raise ProtocolError(404, f"No dump named {name!r}; see /dumps/ for the list.")
    media_type = MEDIA_TYPES.get(path.suffix) or MEDIA_TYPES.get(path.name, "application/octet-stream")
    return FileResponse(path, media_type=media_type, filename=name, content_disposition_type="attachment")
