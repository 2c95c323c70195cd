"""Safe HTML pages: links made from data go only to ``http(s)`` or our own pages, and every page is served
with a strict Content-Security-Policy and the other browser security headers.

Both guard against data written into the graph: an IRI such as ``<javascript:alert(1)>`` is shown as text,
not as a link (:func:`safe_href`), and should some markup slip through anyway, the policy forbids inline
scripts, so it would not run (https://www.w3.org/TR/CSP3/).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The URL schemes a page may link to; anything else (javascript:, data:, vbscript:, file: …) is shown as text.
LINK_SCHEMES = frozenset({"http", "https"})

#: The policy of every HTML page: nothing is allowed unless listed, and scripts, styles, fonts and requests
#: come only from this server: no inline script or style (our pages load theirs from /static/kg/). A page that
#: needs more extends it with :func:`content_security_policy`: the query editor with the hash of the one
#: ``<style>`` YASGUI injects (measured in chromium: that is all it needs, not ``'unsafe-inline'``; the styles it
#: sets through ``element.style`` are not governed by CSP), the ontology page with the hash of pyLODE's ``<style>``.
#: The API explorer (Swagger UI) needs nothing more. ``img-src data:``: YASGUI's and pyLODE's icons are data: URLs.
POLICY = {
    "default-src": ("'none'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "form-action": ("'self'",),
    "base-uri": ("'none'",),
    "frame-ancestors": ("'none'",),
}

#: The headers every HTML page gets, besides its Content-Security-Policy.
HTML_HEADERS = {
    "x-frame-options": "DENY",  # frame-ancestors 'none' for browsers that predate CSP 2
    "referrer-policy": "strict-origin-when-cross-origin",
}

_HTML_TYPES = (b"text/html", b"application/xhtml+xml")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_SCRIPT_TYPES = frozenset({"text/javascript", "application/javascript", "module"})


def safe_href(url: str | None) -> str | None:
    """The URL if a page may link to it (``http``, ``https``, or a path on this server), else None.

    >>> safe_href("https://example.org/x"), safe_href("/id/person/x"), safe_href("javascript:alert(1)")
    ('https://example.org/x', '/id/person/x', None)
    >>> safe_href("//evil.example/"), safe_href("/\\\\evil.example/"), safe_href("JavaScript:alert(1)")
    (None, None, None)
    """
    if not url:
        return None
    if url.startswith("/"):
        # "//host" and "/\\host" leave this server (browsers read a backslash as a slash).
        return None if url[1:2] in ("/", "\\") else url
    try:
        scheme = urlsplit(url).scheme
    except ValueError:  # e.g. an unbalanced "[" in the authority
        return None
    return url if scheme.lower() in LINK_SCHEMES else None


def make_templates(directory: Path) -> Jinja2Templates:
    """The pages' Jinja2 templates (autoescape on for .html), with the ``safe_href`` filter."""
    templates = Jinja2Templates(directory=str(directory))
    templates.env.filters["safe_href"] = safe_href
    return templates


def content_security_policy(extra: Mapping[str, Iterable[str]] | None = None) -> str:
    """The page policy, with ``extra`` sources added to some directives (for a page that needs them).

    >>> "script-src 'self' 'sha256-x'" in content_security_policy({"script-src": ["'sha256-x'"]})
    True
    """
    directives = {name: list(sources) for name, sources in POLICY.items()}
    for name, sources in (extra or {}).items():
        directives.setdefault(name, []).extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class _InlineCode(HTMLParser):
    """Collects the text of inline ``<script>`` (executable types only) and ``<style>`` elements, by directive."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: dict[str, list[str]] = {"script-src": [], "style-src": []}
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and "src" not in found and (found.get("type") or "text/javascript") in _SCRIPT_TYPES:
            self._into = self.found["script-src"]
        elif tag == "style":
            self._into = self.found["style-src"]
        else:
            return
        self._into.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def source_hash(code: str) -> str:
    """The CSP source allowing exactly this inline script or style (https://www.w3.org/TR/CSP3/#grammardef-hash-source).

    >>> source_hash("1")
    "'sha256-a4ayc/80/OGda4BO/1o/V0etpOqiLx1JwB5S3beHW0s='"
    """
    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"


def inline_hashes(page: str) -> dict[str, list[str]]:
    """The hashes allowing exactly the inline scripts and styles of ``page`` (one we do not write), by directive.

    >>> inline_hashes('<script>1</script><script src="a.js"></script><script type="text/json">{}</script>')
    {'script-src': ["'sha256-a4ayc/80/OGda4BO/1o/V0etpOqiLx1JwB5S3beHW0s='"], 'style-src': []}
    """
    parser = _InlineCode()
    parser.feed(page)
    return {directive: [source_hash(code) for code in codes] for directive, codes in parser.found.items()}


class SecurityHeaders:
    """ASGI middleware, the one place that sets browser security headers.

    Every response gets ``X-Content-Type-Options: nosniff``; every HTML page also gets the page policy (unless
    its route set a stricter or extended one with :func:`content_security_policy`), ``X-Frame-Options`` and
    ``Referrer-Policy``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.policy = content_security_policy().encode()
        self.html_headers = [(k.encode(), v.encode()) for k, v in HTML_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._secure(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_secured)

    def _secure(self, headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        # Plain loops: this runs on every response, the hot path's included. ASGI header names are lower case.
        secured = [*headers, _NOSNIFF]
        for name, value in secured:
            if name == b"content-type":
                if value.lower().startswith(_HTML_TYPES):
                    if not any(name == b"content-security-policy" for name, _ in secured):
                        secured.append((b"content-security-policy", self.policy))
                    secured.extend(self.html_headers)
                break
        return secured
