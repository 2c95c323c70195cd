"""Server settings: one frozen object, built by the CLI or a test and passed in, never read at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kg.iris import DEFAULT_BASE_IRI


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
        query_workers: worker processes that run queries (hard time limits); 0 runs them in the server
            process, where a time limit cannot be enforced (fine for in-memory test stores).
    """

    store_path: Path = Path("build/store")
    dump_dir: Path = Path("build/dumps")
    base_iri: str = DEFAULT_BASE_IRI
    max_body_bytes: int = 1_000_000
    max_query_length: int = 100_000
    query_timeout: float = 30.0
    query_workers: int = 2

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
        if "KG_QUERY_WORKERS" in os.environ:
            env["query_workers"] = int(os.environ["KG_QUERY_WORKERS"])
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
