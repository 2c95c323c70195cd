"""Issue 12, follow-up of item 8: every ``GET`` route answers ``HEAD`` with the GET's status and headers and
no body (https://www.rfc-editor.org/rfc/rfc9110#section-9.3.2), on the real ``kg serve``.

``/sparql`` queries have their own tests (test_sparql_protocol.py): the hot path answers them.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from kg.build import BuildResult
from kg.store import OxigraphStore
from server.app import create_app
from server.settings import Settings

#: One request per GET route of the app (by its path template) and static mount; the last test checks the list.
GET_ROUTES = {
    "/": "/",
    "/query": "/query",
    "/api": "/api",
    "/openapi.json": "/openapi.json",
    "/health": "/health",
    "/metrics": "/metrics",
    "/ontology": "/ontology",
    "/.well-known/void": "/.well-known/void",
    "/sparql": "/sparql",  # without a query: the service description
    "/id/{path:path}": "/id/person/nakatani-gen",
    "/graph/{name}": "/graph/diplomat-2025-06-strategic-autonomy",
    "/store": "/store?default",
    "/dumps/": "/dumps/",
    "/dumps/{name}": "/dumps/all.ttl",  # large enough to be sent gzipped
    "/static/kg": "/static/kg/site.css",
    "/static/yasgui": "/static/yasgui/yasgui.min.css",
    "/static/swagger-ui": "/static/swagger-ui/swagger-ui.css",
    "/search": "/search?q=nakatani",
    "/complete": "/complete?kind=class&q=Dire",
    "/static/chartjs": "/static/chartjs/chart.umd.min.js",
    "/static/cytoscape": "/static/cytoscape/cytoscape.min.js",
}
#: Headers that may differ between two answers to the same request (httpx asks for gzip: answers are compressed),
#: and the framing uvicorn adds to a GET streamed without a length but not to a HEAD, which has no body to frame.
VOLATILE = {"date", "server-timing", "transfer-encoding"}


@pytest.mark.parametrize("path", GET_ROUTES.values())
def test_head_answers_like_get_without_a_body(server_url: str, path: str) -> None:
    with httpx.Client(base_url=server_url) as client:  # one connection: a body sent after HEAD garbles the next
        head = client.head(path)
        get = client.get(path)
    assert head.status_code == get.status_code == 200, (head.status_code, head.text)
    assert head.content == b""
    # /metrics counts this very request; the service description names blank nodes afresh each time.
    volatile = VOLATILE | ({"content-length"} if path in ("/metrics", "/sparql") else set())
    assert {k: v for k, v in head.headers.items() if k not in volatile} == {
        k: v for k, v in get.headers.items() if k not in volatile
    }
    assert int(head.headers.get("content-length", -1)) != 0


def test_every_get_route_is_in_the_head_test(built: BuildResult) -> None:
    """A new GET route or static mount must be added to GET_ROUTES, so that its HEAD is tested too."""
    settings = Settings(store_path=built.store_path, dump_dir=built.dump_dir, processes=1)
    app = create_app(settings, OxigraphStore.in_memory())
    routes = iter_route_contexts(app.routes)
    paths = {r.path for r in routes if isinstance(r.original_route, Mount) or "GET" in (r.methods or ())}
    assert paths == set(GET_ROUTES)
