"""``/dumps/``: the files ``kg build`` wrote (Turtle, N-Quads, gzip, the SSSOM mapping tables, SHA256SUMS).

Starlette's FileResponse (here :class:`server.files.WholeFileResponse`) gives ETag, Last-Modified, conditional
GET and range requests.
"""

from __future__ import annotations

import os
import time
import uuid
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.background import BackgroundTask

from kg.dump import read_checksums
from server.errors import ProtocolError
from server.files import WholeFileResponse

router = APIRouter()

MEDIA_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".nq": "application/n-quads; charset=utf-8",
    ".gz": "application/gzip",
    ".tsv": "text/tab-separated-values; charset=utf-8",  # the SSSOM mapping tables
    "SHA256SUMS": "text/plain; charset=utf-8",
}


def _dump_files(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    return {p.name: p for p in sorted(directory.iterdir()) if p.is_file() and not p.name.startswith(".")}


@router.get("/dumps/", response_class=HTMLResponse, summary="List the downloadable dumps")
def list_dumps(request: Request) -> HTMLResponse:
    files = _dump_files(request.app.state.settings.dump_dir)
    return request.app.state.templates.TemplateResponse(
        request, "dumps.html", {"files": [(name, path.stat().st_size) for name, path in files.items()]}
    )


def _not_modified(request: Request, etag: str, modified: float) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return if_none_match.strip() == "*" or etag in (t.strip().removeprefix("W/") for t in if_none_match.split(","))
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(modified) <= int(parsedate_to_datetime(since).timestamp())
        except (TypeError, ValueError):
            return False
    return False


@router.get("/dumps/{name}", summary="Download one dump file")
def get_dump(request: Request, name: str) -> Response:
    # Only names listed in the dump directory are served: no path is ever built from the request.
    directory = request.app.state.settings.dump_dir
    path = _dump_files(directory).get(name)
    if path is None:
        raise ProtocolError(404, f"No dump named {name!r}; see /dumps/ for the list.")
    media_type = MEDIA_TYPES.get(path.suffix) or MEDIA_TYPES.get(path.name, "application/octet-stream")
    stat = path.stat()
    digest = read_checksums(directory).get(name)
    etag = f'"{digest[:32]}"' if digest else f'"{int(stat.st_mtime)}-{stat.st_size}"'
    if _not_modified(request, etag, stat.st_mtime):
        return Response(
            status_code=304, headers={"ETag": etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True)}
        )
    # A write may replace the dump while it is being sent: serve a private hard link to this version's inode.
    serving = directory / ".serving"
    serving.mkdir(exist_ok=True)
    pinned = serving / f"{uuid.uuid4().hex}-{name}"
    for attempt in range(3):
        try:
            os.link(path, pinned)
            break
        except FileNotFoundError:
            time.sleep(0.01 * (attempt + 1))  # the dump is being replaced right now: look again
    else:
        raise ProtocolError(503, "The dumps are being rewritten; try again shortly.", {"Retry-After": "1"})
    response = WholeFileResponse(
        pinned,
        media_type=media_type,
        filename=name,
        content_disposition_type="attachment",
        stat_result=pinned.stat(),
        background=BackgroundTask(pinned.unlink, missing_ok=True),
    )
    response.headers["ETag"] = etag  # the content's sha256: identical dumps have identical tags across builds
    return response
