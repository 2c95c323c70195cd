"""Issue 12, item 2: SERVICE inside an update is never executed, whichever way the update comes in.

Every update passes through :func:`kg.changes.update_diff`: a target outside the SERVICE allowlist is refused as
for queries, and even a listed one is refused before and during evaluation (pyoxigraph, the update engine, would
call any http(s) endpoint). The witnesses are real: a loopback listener that must receive no connection,
and a named pipe (a ``file:`` SERVICE target) that must never be opened. The listener is in the server's allowlist,
so only the update path's own refusal stands between it and the engine; the pipe cannot be (the settings take
http(s) SERVICE endpoints only), but :func:`test_the_update_engine_refuses_a_service_that_got_past_the_checks`
gives it to the evaluator directly.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.build import BuildResult
from kg.changes import Diff
from kg.cli import app
from kg.errors import ServiceRefused
from kg.sparql_text import split_operations
from kg.store import OxigraphStore
from kg.update_eval import evaluate
from tests.conftest import LiveServer, serve
from tests.witness import loopback_witness

TOKEN = "test-token-issue-12"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = "https://w3id.org/akg/graph/diplomat-2025-06-strategic-autonomy"
NAKATANI = "https://w3id.org/akg/id/person/nakatani-gen"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PASSWD = "file:///etc/passwd"

#: Every update form that can hold a SERVICE clause (``<T>`` is the target; see :func:`form` for the others).
FORMS = {
    "insert-where": "INSERT { GRAPH <A> { <N> ?p ?o } } WHERE { SERVICE <T> { ?x ?y ?o } BIND(<ALT> AS ?p) }",
    "delete-insert-where": "DELETE { GRAPH <A> { <N> <LABEL> ?old } } INSERT { GRAPH <A> { <N> <LABEL> ?o } } "
    "WHERE { GRAPH <A> { <N> <LABEL> ?old } SERVICE <T> { ?x ?y ?o } }",
    "with": "WITH <A> INSERT { <N> <ALT> ?o } WHERE { SERVICE <T> { ?x ?y ?o } }",
    "using": "INSERT { GRAPH <A> { <N> <ALT> ?o } } USING <A> WHERE { <N> <LABEL> ?l SERVICE <T> { ?x ?y ?o } }",
    "using-named": "INSERT { GRAPH <A> { <N> <ALT> ?o } } USING NAMED <A> "
    "WHERE { GRAPH ?g { <N> <LABEL> ?l } SERVICE <T> { ?x ?y ?o } }",
    "after-delete-where": 'DELETE WHERE { GRAPH <A> { <N> <ALT> "never there" } } ; '
    "INSERT { GRAPH <A> { <N> <ALT> ?o } } WHERE { SERVICE <T> { ?x ?y ?o } }",
    "in-filter-exists": 'INSERT { GRAPH <A> { <N> <ALT> "x"@en } } '
    "WHERE { <N> <LABEL> ?l FILTER EXISTS { SERVICE <T> { ?x ?y ?o } } }",
}


def form(name: str, target: str) -> str:
    """The update ``name`` of :data:`FORMS`, calling ``target``."""
    text = FORMS[name]
    for token, iri in (("<A>", ARTICLE), ("<N>", NAKATANI), ("<ALT>", ALT), ("<LABEL>", LABEL), ("<T>", target)):
        text = text.replace(token, f"<{iri}>")
    return text


@dataclass
class Witnesses:
    """A loopback listener and a named pipe: what an executed SERVICE would touch."""

    listener: str  # in the allowlist
    unlisted: str  # the same listener under another path: not in the allowlist
    pipe: str  # a file: URL (the settings refuse it in the allowlist)
    connections: list[bytes] = field(default_factory=list)
    pipe_opened: int = 0

    @property
    def allowlist(self) -> str:
        return self.listener

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.listener, self.unlisted, self.pipe, PASSWD)

    def assert_untouched(self) -> None:
        assert self.connections == [], "the update made a request to the loopback listener"
        assert self.pipe_opened == 0, "the update opened the file: SERVICE target"


@pytest.fixture(scope="module")
def witnesses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Witnesses]:
    witness = contextlib.ExitStack()
    port, connections = witness.enter_context(loopback_witness())
    pipe = tmp_path_factory.mktemp("pipe") / "secret"
    os.mkfifo(pipe)
    found = Witnesses(f"http://127.0.0.1:{port}/sparql", f"http://127.0.0.1:{port}/other", pipe.as_uri())
    found.connections = connections
    stop = threading.Event()

    def watch_pipe() -> None:
        while True:
            with open(pipe, "w"):  # blocks until a reader opens the pipe
                if stop.is_set():
                    return
                found.pipe_opened += 1

    watcher = threading.Thread(target=watch_pipe, daemon=True)
    watcher.start()
    with witness:
        yield found
        stop.set()
        os.close(os.open(pipe, os.O_RDONLY | os.O_NONBLOCK))  # releases the pipe watcher
        watcher.join(timeout=5)


@pytest.fixture(scope="module")
def writable(
    built: BuildResult, witnesses: Witnesses, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`kg serve` with a write token, whose SERVICE allowlist holds the witnesses, on its own copy of the store."""
    copy = tmp_path_factory.mktemp("writable")
    shutil.copytree(built.store_path, copy / "store")
    shutil.copytree(built.dump_dir, copy / "dumps")
    yield from serve(copy, {"KG_WRITE_TOKEN": TOKEN, "KG_SERVICE_ALLOWLIST": witnesses.allowlist})


def quads(url: str) -> set[str]:
    query = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = httpx.post(url + "sparql", data={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200, response.text
    return set(response.text.splitlines())


WAYS = {
    "update-form": lambda url, text: httpx.post(url + "update", data={"update": text}, headers=AUTH, timeout=30),
    "update-direct": lambda url, text: httpx.post(
        url + "update", content=text, headers={**AUTH, "Content-Type": "application/sparql-update"}, timeout=30
    ),
    "sparql-form": lambda url, text: httpx.post(url + "sparql", data={"update": text}, headers=AUTH, timeout=30),
    "sparql-direct": lambda url, text: httpx.post(
        url + "sparql", content=text, headers={**AUTH, "Content-Type": "application/sparql-update"}, timeout=30
    ),
}


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("way", WAYS)
def test_update_with_service_is_refused_400_without_any_request_or_file_read(
    writable: LiveServer, witnesses: Witnesses, way: str, name: str
) -> None:
    before = quads(writable.url)
    for target in witnesses.targets:
        response = WAYS[way](writable.url, form(name, target))
        assert response.status_code == 400, (target, response.text)
        assert response.text.startswith(f"SERVICE <{target}> is not allowed"), response.text
        assert "SERVICE allowlist" in response.text and "KG_SERVICE_ALLOWLIST" in response.text, response.text
        witnesses.assert_untouched()
    assert quads(writable.url) == before


def test_kg_update_with_service_fails_in_one_line_without_any_request_or_file_read(
    built: BuildResult, witnesses: Witnesses, tmp_path: Path
) -> None:
    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copytree(built.dump_dir, tmp_path / "dumps")
    before = set(OxigraphStore.open(tmp_path / "store").raw)
    runner = CliRunner()
    for name in FORMS:
        for target in witnesses.targets:
            args = ["update", form(name, target), "--build-dir", str(tmp_path)]
            result = runner.invoke(app, args, env={"KG_SERVICE_ALLOWLIST": witnesses.allowlist})
            assert result.exit_code == 2, (name, target, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            assert f"SERVICE <{target}> is not allowed" in result.output
            assert "KG_SERVICE_ALLOWLIST" in result.output
            witnesses.assert_untouched()
            del result
            gc.collect()  # the refusal's traceback holds the store open; a real `kg update` process would exit
    assert set(OxigraphStore.open(tmp_path / "store").raw) == before


def test_the_update_engine_refuses_a_service_that_got_past_the_checks(witnesses: Witnesses) -> None:
    """Defence in depth: the evaluator, given an update with SERVICE directly, still makes no request."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(NAKATANI), ox.NamedNode(LABEL), ox.Literal("Nakatani Gen"), ox.NamedNode(ARTICLE)))
    for target in (witnesses.listener, witnesses.pipe):
        diff = Diff()
        with pytest.raises(ServiceRefused, match="KG_SERVICE_ALLOWLIST"):
            evaluate(store, split_operations(form("insert-where", target)), diff)
        witnesses.assert_untouched()
        assert not diff
