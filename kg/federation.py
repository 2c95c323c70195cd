"""Which remote endpoints a query may call through ``SERVICE``: an allowlist, checked before the query runs.

pyoxigraph evaluates ``SERVICE <iri> { … }`` with its own HTTP client, so without a check any visitor could
make this server send requests to loopback or private addresses (SSRF). pyoxigraph has no query AST in
Python, so the targets are read from the query text, *fail-closed*:

* every occurrence of the word ``SERVICE`` (any case, even inside a string or a comment, since a lexer that
  guessed wrong about ``<`` — IRI or less-than? — could hide a real one) is read as a possible clause;
* it is a clause only if it is followed, as Oxigraph's grammar requires, by an optional ``SILENT``, a
  target (``<iri>``, ``?var``/``$var`` or a prefixed name) and ``{``; anything else cannot be a SERVICE
  clause for the engine, which would reject the query;
* the target must then be an absolute IRI, written in full, that is in the allowlist (exact match, after
  ``\\u`` escapes, which Oxigraph decodes in IRIs, are decoded). Variables cannot be checked and prefixed
  names and relative IRIs are not resolved here: they are refused with a message that says what to write.

Whitespace and comments between the parts are skipped as Oxigraph does (comments end at CR or LF only).
A refused query never reaches the engine. The price of failing closed: a commented-out clause such as
``# SERVICE <http://example.org/sparql> {`` is refused too, and the message names it.

The same policy applies to every request that can hold a SERVICE clause: queries on ``/sparql``
(server/federation.py) and every SPARQL Update, whichever way it comes in (:func:`kg.changes.update_diff`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg.errors import ServiceRefused

#: The public Wikidata Query Service: ``kg link``'s default endpoint and the server's default SERVICE allowlist.
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"

_SERVICE = re.compile(r"SERVICE", re.IGNORECASE)
_SILENT = re.compile(r"SILENT", re.IGNORECASE)
#: Whitespace (a superset of SPARQL's four characters: safe, the engine rejects the others) and comments.
_GAP = re.compile(r"(?:\s|#[^\r\n]*)*")
#: IRIREF as SPARQL defines it, plus the \u escapes Oxigraph decodes inside IRIs.
_IRIREF = re.compile(r"<((?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>")
#: A variable or prefixed name: at least as long as the engine's token (it stops at none of their characters).
#: Bounded, so that a query of many SERVICE words in one run costs linear time; a longer name is refused.
_NAME_MAX = 256
_NAME = re.compile(rf"(?:\\.|[^\s{{}}#<>\"']){{1,{_NAME_MAX}}}")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class ServiceTarget:
    """A SERVICE clause's target as written: ``kind`` is ``iri``, ``variable``, ``prefixed`` or ``unreadable``."""

    kind: str
    text: str

    @property
    def iri(self) -> str | None:
        """The target IRI with its ``\\u`` escapes decoded, for ``iri`` targets."""
        if self.kind != "iri":
            return None
        return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), self.text[1:-1])


def _clause_at(query: str, pos: int) -> ServiceTarget | None:
    """The target of a SERVICE clause whose target starts at ``pos`` (after the gap), or None if there is none."""
    if query.startswith("<", pos):
        match = _IRIREF.match(query, pos)
        if match is None:  # the engine might read an IRI here that we cannot: refuse rather than guess
            return ServiceTarget("unreadable", query[pos : pos + 60].split("\n", 1)[0])
        target, end = ServiceTarget("iri", match.group(0)), match.end()
    else:
        match = _NAME.match(query, pos)
        if match is None:
            return None
        text = match.group(0)
        if len(text) >= _NAME_MAX:  # the engine may read a longer name here: refuse rather than guess
            return ServiceTarget("unreadable", text[:60])
        if text[0] in "?$":
            target = ServiceTarget("variable", text)
        elif ":" in text:
            target = ServiceTarget("prefixed", text)
        else:
            return None  # not a Var or an iri: no SERVICE clause here
        end = match.end()
    end = _GAP.match(query, end).end()  # type: ignore[union-attr]
    return target if query.startswith("{", end) else None


def service_targets(query: str) -> list[ServiceTarget]:
    """Every target of every possible SERVICE clause in ``query``, in order.

    >>> [t.text for t in service_targets("SELECT * { SERVICE SILENT <https://q.example/sparql> { ?s ?p ?o } }")]
    ['<https://q.example/sparql>']
    >>> [t.kind for t in service_targets("SELECT * { ?s ?p ?o.service # c\\n ?e {} ; SERVICE ex:e {} }")]
    ['variable', 'prefixed']
    >>> service_targets('SELECT * { ?s ?p "customer service <http://x/> is down" }')
    []
    >>> [t.iri for t in service_targets(r"SELECT * { SERVICESILENT<http://127.0.0.\\u0031/>{} }")]
    ['http://127.0.0.1/']
    """
    return list(dict.fromkeys(target for _, target in _targets(query)))


def without_services(query: str, stand_in: str = "<urn:x-kg:no-service>") -> str:
    """``query`` with every SERVICE target read as above replaced by ``stand_in``: the same syntax, nothing for
    a parser that also evaluates (pyoxigraph: ``kg.remote_store.check_syntax``) to call.

    >>> without_services("SELECT * { SERVICE SILENT <http://x/sparql> { ?s ?p ?o } SERVICE ?e { } }")
    'SELECT * { SERVICE SILENT <urn:x-kg:no-service> { ?s ?p ?o } SERVICE <urn:x-kg:no-service> { } }'
    """
    if "service" not in query.lower():  # most queries
        return query
    pieces, done = [], 0
    for start, target in _targets(query):
        if target.kind != "unreadable" and start >= done:
            pieces += [query[done:start], stand_in]
            done = start + len(target.text)
    return "".join(pieces) + query[done:]


def _targets(query: str) -> Iterator[tuple[int, ServiceTarget]]:
    """Each possible SERVICE clause's target and where it starts."""
    for keyword in _SERVICE.finditer(query):
        pos = _GAP.match(query, keyword.end()).end()  # type: ignore[union-attr]
        starts = [pos]
        silent = _SILENT.match(query, pos)
        if silent:  # SILENT may be the keyword or the start of a name: check both readings
            starts.append(_GAP.match(query, silent.end()).end())  # type: ignore[union-attr]
        for start in starts:
            target = _clause_at(query, start)
            if target is not None:
                yield start, target


def disallowed_service(query: str, allowlist: tuple[str, ...], reserved: tuple[str, ...] = ()) -> str | None:
    """Why ``query`` may not run here (a message naming the target and the allowlist), or None if it may.

    ``reserved`` IRIs are accepted too without being listed: SERVICE clauses this server evaluates itself
    (the search SERVICE of queries, kg/search_service.py), which never reach the engine's HTTP client.

    >>> wikidata = ("https://query.wikidata.org/sparql",)
    >>> disallowed_service("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }", wikidata)
    >>> print(disallowed_service("SELECT * { SERVICE <http://127.0.0.1:7878/query> { ?s ?p ?o } }", wikidata))
    SERVICE <http://127.0.0.1:7878/query> is not allowed: this endpoint only sends SERVICE requests to \
<https://query.wikidata.org/sparql> (the server's SERVICE allowlist, KG_SERVICE_ALLOWLIST).
    >>> print(disallowed_service("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", wikidata))
    SERVICE ?endpoint is not allowed: a variable endpoint cannot be checked against the allowlist; write the \
endpoint as a full IRI, e.g. SERVICE <https://query.wikidata.org/sparql>.
    >>> disallowed_service("SELECT * { ?s ?p ?o }", ())
    """
    if "service" not in query.lower():  # fast path; Oxigraph does not decode escapes in keywords
        return None
    example = f", e.g. SERVICE <{allowlist[0]}>" if allowlist else ""
    listed = ", ".join(f"<{iri}>" for iri in allowlist) or "nowhere (the allowlist is empty)"
    for _, target in _targets(query):  # lazily: the first refusal ends the scan
        if target.kind == "variable":
            return (
                f"SERVICE {target.text} is not allowed: a variable endpoint cannot be checked against the allowlist; "
                f"write the endpoint as a full IRI{example}."
            )
        if target.kind == "prefixed":
            return (
                f"SERVICE {target.text} is not allowed: write the endpoint as a full IRI in angle brackets "
                f"(prefixed names are not resolved for SERVICE){example}."
            )
        if target.kind == "unreadable":
            return (
                f"SERVICE {target.text}… is not allowed: its endpoint cannot be read; write it as a full IRI{example}."
            )
        iri = target.iri or ""
        if not _ABSOLUTE.match(iri):
            return (
                f"SERVICE {target.text} is not allowed: a relative IRI would resolve against this server; "
                f"write the endpoint as an absolute IRI{example}."
            )
        if iri not in allowlist and iri not in reserved:
            return (
                f"SERVICE {target.text} is not allowed: this endpoint only sends SERVICE requests to {listed} "
                "(the server's SERVICE allowlist, KG_SERVICE_ALLOWLIST)."
            )
    return None


def refuse_service(text: str, allowlist: tuple[str, ...]) -> None:
    """Raise :class:`ServiceRefused` if ``text`` (a query or an update) calls a SERVICE outside ``allowlist``.

    >>> refuse_service("SELECT * { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", ())
    Traceback (most recent call last):
    ...
    kg.errors.ServiceRefused: SERVICE <file:///etc/passwd> is not allowed: this endpoint only sends SERVICE \
requests to nowhere (the allowlist is empty) (the server's SERVICE allowlist, KG_SERVICE_ALLOWLIST).
    """
    message = disallowed_service(text, allowlist)
    if message is not None:
        raise ServiceRefused(message)


# --- the allowlist setting -----------------------------------------------------------------------------------------

#: The one SERVICE endpoint allowed unless a deployment says otherwise.
DEFAULT_SERVICE_ALLOWLIST = (WIKIDATA_SPARQL,)
#: The setting, read here so that ``kg update`` applies the server's policy without importing the server.
SERVICE_ALLOWLIST_ENV = "KG_SERVICE_ALLOWLIST"
SERVICE_ALLOWLIST_ACCEPTS = "comma-separated absolute http(s) IRIs (empty: no SERVICE at all)"
_HTTP = ("http", "https")


def absolute_iri(iri: str, schemes: tuple[str, ...]) -> bool:
    """Whether pyoxigraph accepts ``iri`` and it has one of ``schemes`` (and a host, unless it is a file IRI).

    >>> absolute_iri("https://query.wikidata.org/sparql", ("http", "https")), absolute_iri("wikidata", ("http",))
    (True, False)
    """
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    parts = urlsplit(iri)
    return parts.scheme in schemes and (parts.scheme == "file" or bool(parts.hostname))


def valid_service_allowlist(value: object) -> bool:
    """Whether ``value`` is a tuple of absolute http(s) IRIs (an allowlist the server can run with)."""
    return isinstance(value, tuple) and all(isinstance(i, str) and absolute_iri(i, _HTTP) for i in value)


def read_service_allowlist(text: str) -> tuple[str, ...]:
    """The allowlist a ``KG_SERVICE_ALLOWLIST`` value names (comma-separated; empty: no SERVICE at all).

    >>> read_service_allowlist(" https://a.example/sparql, https://b.example/sparql ")
    ('https://a.example/sparql', 'https://b.example/sparql')

    Raises:
        ValueError: an entry is not an absolute http(s) IRI (one line naming the setting and what it takes).
    """
    allowlist = tuple(item.strip() for item in text.split(",") if item.strip())
    if not valid_service_allowlist(allowlist):
        raise ValueError(f"{SERVICE_ALLOWLIST_ENV} {text!r} is not accepted: it takes {SERVICE_ALLOWLIST_ACCEPTS}")
    return allowlist


def service_allowlist_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The SERVICE allowlist ``KG_SERVICE_ALLOWLIST`` sets, or the default (:data:`DEFAULT_SERVICE_ALLOWLIST`).

    Raises:
        ValueError: see :func:`read_service_allowlist`.
    """
    text = (os.environ if environ is None else environ).get(SERVICE_ALLOWLIST_ENV)
    return DEFAULT_SERVICE_ALLOWLIST if text is None else read_service_allowlist(text)
