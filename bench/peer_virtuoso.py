"""Virtuoso 7 as a benchmark peer: a private instance (its own ini, data directory and ports), bulk-loaded with
its own loader. Its lifecycle and loading live in kg.engines.virtuoso, which the tests and `kg build --store` use
too; split from bench/peers.py, which holds the other peers and what they share."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from peers import LoadStats, Peer, ServerError

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
        self._start()
        seconds = virtuoso.bulk_load(self.instance.isql, data_dir, corpus.name)
        return LoadStats(seconds, "isql ld_dir + rdf_loader_run + checkpoint")

    def _start(self) -> None:
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
        self._start()
