"""The app leaves FastAPI's OpenTelemetry instrumentation off: the server's metrics are Prometheus' (``/metrics``),
and the instrumentation's check on every request ("is a provider configured?") cost ~10 us, a quarter of a small
query's in-process cost (docs/performance.md, issue 17)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: Run in a fresh interpreter: OpenTelemetry's tracer provider is global to a process and can be set only once.
SCRIPT = """
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from opentelemetry import trace

from kg.store import OxigraphStore
from server.app import create_app
from server.settings import Settings

started = []


class RecordingTracer(trace.NoOpTracer):
    def start_span(self, name, *args, **kwargs):
        started.append(name)
        return super().start_span(name, *args, **kwargs)

    def start_as_current_span(self, name, *args, **kwargs):
        started.append(name)
        return super().start_as_current_span(name, *args, **kwargs)


class RecordingProvider(trace.TracerProvider):
    def get_tracer(self, *args, **kwargs):
        return RecordingTracer()


trace.set_tracer_provider(RecordingProvider())
work = Path(sys.argv[1])
settings = Settings(store_path=work / "store", dump_dir=work / "dumps", processes=1)
with TestClient(create_app(settings, OxigraphStore.in_memory())) as client:
    assert client.get("/health").status_code == 200
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
print("spans:", started)
"""


def test_no_opentelemetry_span_is_started_even_with_a_tracer_provider_configured(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "spans: []", done.stdout
