"""Server settings: one frozen object, built by the CLI or a test and passed in, never read at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kg.iris import DEFAULT_BASE_IRI

#: The public Wikidata Query Service: the one SERVICE endpoint allowed unless a deployment says otherwise
#: (the same as ``kg.link.WIKIDATA_SPARQL``, repeated so that the server does not import the linker).
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


@dataclass(frozen=True)
class Settings:
    """Everything a deployment may change.

    Args:
        store_path: the on-disk store written by ``kg build``.
        dump_dir: the dumps written by ``kg build`` (served under ``/dumps/``).
        base_iri: the base of the data IRIs; entity IRIs under it dereference on this server.
        max_body_bytes: request bodies above this size are refused with 413.
        max_query_length: queries longer than this (in characters) are refused with 413.
        query_timeout: the time limit of a query in seconds; a request's ``timeout`` may only lower it.
        processes: the serving processes ``kg serve`` starts (default: one per core); each answers requests and
            runs its queries in threads, and is recycled when a query cannot be stopped at its limit.
        query_threads: queries that may run at once in one serving process.
        header_timeout: seconds a connection has to send a request's complete headers; then it is closed.
        runtime_dir: set by ``kg serve`` for its processes: where the writer publishes checkpoints and listens
            (server/readers.py); None for an app created directly.
        write_token: the bearer token that writes need; None (the default) makes the server read-only.
            Read from ``KG_WRITE_TOKEN`` or from the file named by ``KG_WRITE_TOKEN_FILE``; never logged.
        load_allowlist: documents that SPARQL ``LOAD`` may fetch (none by default).
        service_allowlist: the only endpoints a query may call with ``SERVICE`` (exact IRIs, from the
            comma-separated ``KG_SERVICE_ALLOWLIST``); anything else, loopback and private addresses included,
            is refused with 400 (server/federation.py).
    """

    store_path: Path = Path("build/store")
    dump_dir: Path = Path("build/dumps")
    base_iri: str = DEFAULT_BASE_IRI
    max_body_bytes: int = 1_000_000
    max_query_length: int = 100_000
    query_timeout: float = 30.0
    processes: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    query_threads: int = 4
    header_timeout: float = 10.0
    runtime_dir: Path | None = None
    service_allowlist: tuple[str, ...] = (WIKIDATA_SPARQL,)
    write_token: str | None = field(default=None, repr=False)
    load_allowlist: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``KG_*`` environment variables, then explicit overrides (the CLI's options)."""
        env: dict[str, object] = {}
        if "KG_BASE_IRI" in os.environ:
            env["base_iri"] = os.environ["KG_BASE_IRI"]
        if "KG_MAX_BODY_BYTES" in os.environ:
            env["max_body_bytes"] = int(os.environ["KG_MAX_BODY_BYTES"])
        if "KG_MAX_QUERY_LENGTH" in os.environ:
            env["max_query_length"] = int(os.environ["KG_MAX_QUERY_LENGTH"])
        if "KG_QUERY_TIMEOUT" in os.environ:
            env["query_timeout"] = float(os.environ["KG_QUERY_TIMEOUT"])
        if "KG_PROCESSES" in os.environ:
            env["processes"] = int(os.environ["KG_PROCESSES"])
        if "KG_QUERY_THREADS" in os.environ:
            env["query_threads"] = int(os.environ["KG_QUERY_THREADS"])
        if "KG_HEADER_TIMEOUT" in os.environ:
            env["header_timeout"] = float(os.environ["KG_HEADER_TIMEOUT"])
        if "KG_WRITE_TOKEN_FILE" in os.environ:
            env["write_token"] = Path(os.environ["KG_WRITE_TOKEN_FILE"]).read_text(encoding="utf-8").strip()
        elif os.environ.get("KG_WRITE_TOKEN"):
            env["write_token"] = os.environ["KG_WRITE_TOKEN"]
        if os.environ.get("KG_LOAD_ALLOWLIST"):
            env["load_allowlist"] = tuple(u.strip() for u in os.environ["KG_LOAD_ALLOWLIST"].split(",") if u.strip())
        if "KG_SERVICE_ALLOWLIST" in os.environ:  # comma-separated; empty allows no SERVICE at all
            allowed = os.environ["KG_SERVICE_ALLOWLIST"].split(",")
            env["service_allowlist"] = tuple(iri.strip() for iri in allowed if iri.strip())
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
