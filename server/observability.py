"""Timing and metrics: a ``Server-Timing`` header on every response, and Prometheus ``/metrics``.

A plain ASGI middleware (not ``BaseHTTPMiddleware``), so streamed bodies pass through untouched.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Metrics:
    """The server's Prometheus metrics, in a registry of their own (one per app, so tests stay isolated)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kg_http_requests_total",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kg_http_request_duration_seconds",
            "Time to the start of the response, by route",
            ["route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.timeouts = Counter(
            "kg_query_timeouts_total", "Queries stopped at their time limit", registry=self.registry
        )
        self.errors = Counter(
            "kg_http_errors_total",
            "Responses with status >= 400, by route and status",
            ["route", "status"],
            registry=self.registry,
        )


class TimingMiddleware:
    """Adds ``Server-Timing: app;dur=…`` and records the request in :class:`Metrics`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - started
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={elapsed * 1000:.2f}".encode()))
                message["headers"] = headers
                route = getattr(scope.get("route"), "path", "unmatched")
                status = message["status"]
                self.metrics.requests.labels(route, scope["method"], str(status)).inc()
                self.metrics.latency.labels(route).observe(elapsed)
                if status >= 400:
                    self.metrics.errors.labels(route, str(status)).inc()
            await send(message)

        await self.app(scope, receive, send_with_timing)


def metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    def export() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
