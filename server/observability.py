"""Timing and metrics: a ``Server-Timing`` header on every response, and Prometheus ``/metrics``.

A plain ASGI middleware (not ``BaseHTTPMiddleware``), so streamed bodies pass through untouched.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

#: The directory where prometheus_client's multiprocess mode keeps every process's values.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Metrics:
    """The server's Prometheus metrics, in a registry of their own (one per app, so tests stay isolated)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()  # what this process counts
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

    def exported(self) -> CollectorRegistry:
        """What ``/metrics`` shows: under ``kg serve``, the sum over all its processes (prometheus_client's
        multiprocess mode, switched on by the supervisor through ``PROMETHEUS_MULTIPROC_DIR``), recycled ones
        included; else this process's own registry."""
        if not os.environ.get(MULTIPROCESS_ENV):
            return self.registry
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry


class TimingMiddleware:
    """Adds ``Server-Timing: app;dur=…`` and records the request in :class:`Metrics`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def _record(self, route: str, method: str, status: int, elapsed: float) -> None:
        """Count one response; the labelled children are looked up once per (route, method, status)."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            metrics = self.metrics
            errors = metrics.errors.labels(route, str(status)) if status >= 400 else None
            children = (metrics.requests.labels(route, method, str(status)), metrics.latency.labels(route), errors)
            if len(self._children) < 10_000:  # routes x methods x statuses: small, but never unbounded
                self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)
        if children[2] is not None:
            children[2].inc()

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
                self._record(route, scope["method"], message["status"], elapsed)
            await send(message)

        await self.app(scope, receive, send_with_timing)


def metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    def export() -> Response:
        return Response(generate_latest(metrics.exported()), media_type=CONTENT_TYPE_LATEST)

    return router
