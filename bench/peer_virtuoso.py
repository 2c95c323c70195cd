"""Virtuoso 7 in the benchmark: as a peer of its own, and as the store behind `kg serve --store` (issue 15).

Each is a private instance (its own ini, data directory and ports), bulk-loaded with its own loader. Its lifecycle
and loading live in kg.engines.virtuoso, which the tests and `kg build --store` use too; split from
bench/peers.py, which holds the other peers and what they share."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from peers import KgServer, LoadStats, Peer, ServerError

from kg.engines import virtuoso
from kg.engines.virtuoso import VirtuosoInstance


class VirtuosoServer(Peer):
    """Virtuoso 7 (Debian's virtuoso-opensource): a private instance bulk-loaded with ld_dir/rdf_loader_run
    (its lifecycle and loading: kg.engines.virtuoso, which the tests and `kg build --store` use too)."""

    def __init__(self, workdir: Path) -> None:
        super().__init__("virtuoso", "Virtuoso 7", workdir)
        self.instance: VirtuosoInstance | None = None

    def available(self) -> str | None:
        return virtuoso.missing()

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        return (
            "POST",
            "/sparql",
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
            b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
        )

    def setup(self, corpus: Path, quads: int) -> LoadStats:
        db = self.workdir / "db"
        shutil.rmtree(db, ignore_errors=True)
        # ld_dir loads whole directories: give it one holding only the corpus (a hard link, no copy).
        data_dir = self.workdir / "load"
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        try:
            os.link(corpus, data_dir / corpus.name)
        except OSError:
            shutil.copy(corpus, data_dir / corpus.name)
        self.instance = VirtuosoInstance(db, dirs_allowed=(data_dir,), quads=quads)
        self.version = self.instance.version()
        self.start()
        seconds = virtuoso.bulk_load(self.instance.isql, data_dir, corpus.name)
        return LoadStats(seconds, "isql ld_dir + rdf_loader_run + checkpoint")

    def start(self) -> None:
        assert self.instance is not None
        try:
            self.instance.start(180)
        except virtuoso.VirtuosoError as err:
            raise ServerError(str(err)) from err
        self.process = self.instance.process
        self.port = self.instance.http_port
        self.log_path = self.instance.log_path

    def stop(self) -> None:
        if self.instance is not None:
            self.instance.stop()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class KgOnVirtuoso(Peer):
    """`kg serve --store` over a private Virtuoso 7 loaded as `kg build --store` loads it.

    The engine gets the store the runner built (``build_dir/store``) through :func:`kg.engines.virtuoso.load_build`
    (written out as N-Quads, then ``ld_dir`` + ``rdf_loader_run`` + ``checkpoint``, one named graph per article);
    `kg serve --store` then answers from it, with the same build's dumps. ``process`` is `kg serve`'s, so the
    RSS columns are our server's alone; the engine's own memory is not in them.
    """

    def __init__(self, workdir: Path, build_dir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__("kg-virtuoso", "kg serve on Virtuoso 7", workdir)
        self.build_dir = build_dir
        self.env = env or {}
        self.engine = VirtuosoServer(workdir / "engine")
        self.server: KgServer | None = None

    def available(self) -> str | None:
        return virtuoso.missing()

    def setup(self, corpus: Path, quads: int) -> LoadStats:
        db = self.engine.workdir / "db"
        load_dir = self.engine.workdir / "load"
        shutil.rmtree(self.engine.workdir, ignore_errors=True)
        self.engine.instance = VirtuosoInstance(db, dirs_allowed=(load_dir,), quads=quads)
        self.version = self.engine.instance.version()
        self.engine.start()
        try:
            seconds = virtuoso.load_build(self.build_dir / "store", load_dir, self.engine.instance.isql)
        except virtuoso.VirtuosoError as err:
            raise ServerError(str(err)) from err
        self._start_server()
        return LoadStats(seconds, "kg build --store (load_build: N-Quads, ld_dir + rdf_loader_run + checkpoint)")

    def _start_server(self) -> None:
        assert self.engine.instance is not None
        env = {**self.env, "KG_STORE": self.engine.instance.sparql_url}
        env.pop("KG_WRITE_TOKEN", None)  # an engine store is read-only for now: kg serve refuses a token with it
        self.server = KgServer(self.workdir / "serve", self.build_dir, env)
        self.server.start()
        self.process, self.port, self.log_path = self.server.process, self.server.port, self.server.log_path

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.engine.stop()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.engine.start()
        self._start_server()
