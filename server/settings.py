"""Server settings: one frozen object, built by the CLI or a test and passed in, never read at import time.

Every value is checked when the object is made (:class:`SettingError`, one line naming the setting and what it
takes): a server started with ``KG_QUERY_TIMEOUT=nan`` or ``KG_QUERY_THREADS=0`` would look healthy and answer
nothing useful, so ``kg serve`` refuses to start instead (exit 2).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from kg.federation import (
    DEFAULT_SERVICE_ALLOWLIST,
    SERVICE_ALLOWLIST_ACCEPTS,
    SERVICE_ALLOWLIST_ENV,
    read_service_allowlist,
    valid_service_allowlist,
)
from kg.federation import absolute_iri as _absolute
from kg.iris import DEFAULT_BASE_IRI

#: Where ``make`` has npm install the browser tools (YASGUI, Swagger UI): the project's ``node_modules``.
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"


class SettingError(ValueError):
    """A setting's value the server cannot run with; the message is one line naming it and what it takes."""

    def __init__(self, name: str, shown: str, accepts: str) -> None:
        super().__init__(f"{name} {shown} is not accepted: it takes {accepts}")
        self.name = name


def _whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _seconds(value: object, least: float, most: float, *, open_below: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return (value > least if open_below else value >= least) and value <= most


def _token(value: object) -> bool:
    # A token travels in an Authorization header: printable ASCII, no spaces (they would split it).
    return value is None or (
        isinstance(value, str) and value != "" and value.isascii() and value.isprintable() and " " not in value
    )


def _csv(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


@dataclass(frozen=True)
class _Rule:
    """One setting: where it comes from, what it takes (said in the error), how to read and check it."""

    env: str
    accepts: str
    check: Callable[[object], bool]
    parse: Callable[[str], object] = str
    option: str = ""  # the ``kg serve`` option that sets it too
    secret: bool = False  # never shown in an error

    @property
    def name(self) -> str:
        return f"{self.env} (or {self.option})" if self.option else self.env


_HTTP = ("http", "https")
#: The HTTP servers a serving process can run (server/supervisor.py, server/granian_serving.py).
HTTP_SERVERS = ("uvicorn", "granian")
#: The settings a deployment may give, by field (``kg serve`` reads them from ``KG_*``; :meth:`Settings.from_env`).
RULES: dict[str, _Rule] = {
    "base_iri": _Rule(
        "KG_BASE_IRI",
        "an absolute http(s) IRI ending in / or #, e.g. https://w3id.org/akg/",
        lambda v: isinstance(v, str) and v.endswith(("/", "#")) and _absolute(v, _HTTP),
        option="--base",
    ),
    "max_body_bytes": _Rule("KG_MAX_BODY_BYTES", "a whole number of bytes, at least 1", lambda v: _whole(v, 1), int),
    "max_query_length": _Rule(
        "KG_MAX_QUERY_LENGTH", "a whole number of characters, at least 1", lambda v: _whole(v, 1), int
    ),
    "query_timeout": _Rule(
        "KG_QUERY_TIMEOUT",
        "a number of seconds greater than 0 and at most 86400",
        lambda v: _seconds(v, 0, 86400, open_below=True),
        float,
    ),
    "processes": _Rule("KG_PROCESSES", "a whole number of processes, at least 1", lambda v: _whole(v, 1), int),
    "query_threads": _Rule("KG_QUERY_THREADS", "a whole number of threads, at least 1", lambda v: _whole(v, 1), int),
    "header_timeout": _Rule(
        "KG_HEADER_TIMEOUT",
        "a number of seconds greater than 0 and at most 3600",
        lambda v: _seconds(v, 0, 3600, open_below=True),
        float,
    ),
    "http_server": _Rule("KG_HTTP_SERVER", "uvicorn or granian", lambda v: v in HTTP_SERVERS),
    "write_wait": _Rule(
        "KG_WRITE_WAIT",
        "a number of seconds from 0 to 3600",
        lambda v: _seconds(v, 0, 3600, open_below=False),
        float,
    ),
    "write_token": _Rule(
        "KG_WRITE_TOKEN", "printable ASCII characters without spaces (or nothing: read-only)", _token, secret=True
    ),
    "load_allowlist": _Rule(
        "KG_LOAD_ALLOWLIST",
        "comma-separated absolute http(s) or file IRIs",
        lambda v: isinstance(v, tuple) and all(_absolute(i, (*_HTTP, "file")) for i in v),
        _csv,
    ),
    # Read by kg/federation.py, where ``kg update`` reads it too.
    "service_allowlist": _Rule(
        SERVICE_ALLOWLIST_ENV, SERVICE_ALLOWLIST_ACCEPTS, valid_service_allowlist, read_service_allowlist
    ),
    "store_url": _Rule(
        "KG_STORE",
        "the absolute http(s) URL of a SPARQL 1.1 query endpoint, e.g. http://127.0.0.1:8890/sparql",
        lambda v: v is None or (isinstance(v, str) and _absolute(v, _HTTP)),
        option="--store",
    ),
}


def _shown(rule: _Rule, value: object) -> str:
    if rule.secret:
        return "(hidden)"
    if isinstance(value, tuple):
        value = ",".join(value)
    return repr(value) if isinstance(value, str) else str(value)


def _token_from_file(path: str) -> str:
    """The write token in the file ``KG_WRITE_TOKEN_FILE`` names (its text, stripped).

    Raises:
        SettingError: the file cannot be read or is empty.
    """
    accepts = "the path of a readable file holding the write token"
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
        raise SettingError("KG_WRITE_TOKEN_FILE", f"{path!r} ({reason})", accepts) from err
    if not token:
        raise SettingError("KG_WRITE_TOKEN_FILE", f"{path!r} (the file is empty)", accepts)
    return token


@dataclass(frozen=True)
class Settings:
    """Everything a deployment may change.

    Args:
        store_path: the on-disk store written by ``kg build``.
        dump_dir: the dumps written by ``kg build`` (served under ``/dumps/``).
        search_path: the full-text search index written by ``kg build`` (``/search``, the search SERVICE).
        base_iri: the base of the data IRIs; entity IRIs under it dereference on this server.
        max_body_bytes: request bodies above this size are refused with 413.
        max_query_length: queries longer than this (in characters) are refused with 413.
        query_timeout: the time limit of a query in seconds; a request's ``timeout`` may only lower it.
        processes: the serving processes ``kg serve`` starts (default: one per core); each answers requests and
            runs its queries in threads, and is recycled when a query cannot be stopped at its limit.
        query_threads: queries that may run at once in one serving process.
        header_timeout: seconds a connection has to send a request's complete headers; then it is closed.
        http_server: what parses HTTP in the serving processes: ``uvicorn`` (httptools) or ``granian`` (Rust,
            server/granian_serving.py); ``KG_HTTP_SERVER``.
        runtime_dir: set by ``kg serve`` for its processes: where the writer publishes checkpoints and listens
            (server/readers.py); None for an app created directly.
        write_token: the bearer token that writes need; None (the default) makes the server read-only.
            Read from ``KG_WRITE_TOKEN`` or from the file named by ``KG_WRITE_TOKEN_FILE``; never logged.
        write_wait: how long a write waits for the one before it (seconds, ``KG_WRITE_WAIT``); then it is
            refused with 503 and ``Retry-After`` rather than queued for as long as a big write takes.
        load_allowlist: documents that SPARQL ``LOAD`` may fetch (none by default).
        store_url: serve the data a SPARQL engine holds (``KG_STORE``, its query endpoint) instead of the
            embedded store at ``store_path``: queries go to the engine (kg/remote_store.py), and so do writes
            when there is a write token (kg/engine_writes.py).
        service_allowlist: the only endpoints a query may call with ``SERVICE`` (exact IRIs, from the
            comma-separated ``KG_SERVICE_ALLOWLIST``); anything else, loopback and private addresses included,
            is refused with 400 (server/federation.py).
        assets_dir: where npm installed the browser tools; without them (no npm where ``make`` ran) ``/query``
            is a plain form and ``/api`` says how to install them (server/routers/ui.py).
    """

    store_path: Path = Path("build/store")
    dump_dir: Path = Path("build/dumps")
    search_path: Path = Path("build/search.sqlite")
    base_iri: str = DEFAULT_BASE_IRI
    max_body_bytes: int = 1_000_000
    max_query_length: int = 100_000
    query_timeout: float = 30.0
    processes: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    query_threads: int = 4
    header_timeout: float = 10.0
    http_server: str = "uvicorn"
    runtime_dir: Path | None = None
    service_allowlist: tuple[str, ...] = DEFAULT_SERVICE_ALLOWLIST
    write_token: str | None = field(default=None, repr=False)
    load_allowlist: tuple[str, ...] = ()
    write_wait: float = 5.0
    assets_dir: Path = NODE_MODULES
    store_url: str | None = None

    def __post_init__(self) -> None:
        """Check every value (see :data:`RULES`).

        Raises:
            SettingError: the first value that is not accepted.
        """
        for f in fields(self):
            rule = RULES.get(f.name)
            value = getattr(self, f.name)
            if rule is not None and not rule.check(value):
                raise SettingError(rule.name, _shown(rule, value), rule.accepts)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``KG_*`` environment variables, then explicit overrides (the CLI's options).

        Raises:
            SettingError: a value that cannot be read or is not accepted (one line naming the setting).
        """
        env: dict[str, object] = {}
        for name, rule in RULES.items():
            text = os.environ.get(rule.env)
            if text is None or (text == "" and name in ("write_token", "load_allowlist")):
                continue  # an empty token or LOAD allowlist is the default: read-only, no LOAD
            try:
                env[name] = rule.parse(text)
            except ValueError as err:
                raise SettingError(rule.name, _shown(rule, text), rule.accepts) from err
            if not rule.check(env[name]):  # here, to show the text as given rather than as read
                raise SettingError(rule.name, _shown(rule, text), rule.accepts)
        if "KG_WRITE_TOKEN_FILE" in os.environ:
            env["write_token"] = _token_from_file(os.environ["KG_WRITE_TOKEN_FILE"])
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
