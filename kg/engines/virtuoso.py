"""Virtuoso Open Source 7: a private instance (its own ini, data directory and loopback ports), isql, bulk loading.

One place for what the project needs of Virtuoso itself: the benchmark (bench/peers.py), the test fixture
(tests/engines.py) and ``kg build --store`` use it. Queries go through the SPARQL protocol instead
(:mod:`kg.remote_store`); only loading and checkpoints need Virtuoso's SQL client, ``isql-vt``.

Bulk loading is Virtuoso's own (https://vos.openlinksw.com/owiki/wiki/VOS/VirtBulkRDFLoader): ``ld_dir`` registers
the files of a directory the server may read (``DirsAllowed``), ``rdf_loader_run`` loads them, ``checkpoint``
makes them durable. N-Quads files keep their graph names; the graph given to ``ld_dir`` is only for triples.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kg.errors import VirtuosoError

#: Where Debian's package keeps the pages Virtuoso's HTTP server needs for its start page.
VSP_DIR = Path("/var/lib/virtuoso-opensource-7/vsp")

INI_TEMPLATE = """\
; A private Virtuoso instance (kg.engines.virtuoso): loopback ports, its own directory.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 32
CheckpointInterval       = 0
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = ., {dirs_allowed}
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxMemPoolSize           = 200000000
MaxQueryMem              = 2G
VectorSize               = 1000
MaxVectorSize            = 4000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 10
; 8 KiB pages: {buffers} buffers, per Virtuoso's sizing table
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty}

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {vsp}
MaxClientConnections        = 32
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
ServerThreads               = 32
MaxKeepAlives               = 32
KeepAliveTimeout            = 10
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
ResultSetMaxRows           = 100000000
MaxConstructTriples        = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
DefaultQuery               = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
DeferInferenceRulesInit    = 0
"""


def free_port() -> int:
    """A loopback TCP port the OS has just found free."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing() -> str | None:
    """None if Virtuoso's server and SQL client are installed here, else what is missing and how to get it."""
    if shutil.which("virtuoso-t") and shutil.which("isql-vt"):
        return None
    return "virtuoso-t / isql-vt not found: install Debian's virtuoso-opensource (make virtuoso)"


@dataclass(frozen=True)
class Isql:
    """Virtuoso's SQL client: ``host:port`` from ``KG_STORE_ISQL``, the dba password from ``KG_STORE_PASSWORD``."""

    host: str = "127.0.0.1"
    port: int = 1111
    user: str = "dba"
    password: str = "dba"

    @classmethod
    def parse(cls, address: str, password: str = "dba") -> Isql:
        """``host:port`` (or a bare port) → an :class:`Isql`.

        >>> Isql.parse("127.0.0.1:1111")
        Isql(host='127.0.0.1', port=1111, user='dba', password='dba')

        Raises:
            ValueError: not a ``host:port`` with a port from 1 to 65535.
        """
        host, _, port = address.rpartition(":")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(f"{address!r} is not host:port")
        return cls(host or "127.0.0.1", int(port), password=password)

    def run(self, sql: str, timeout: float = 3600) -> str:
        """Run one SQL statement; returns isql's output.

        Raises:
            VirtuosoError: isql is missing, cannot connect, or the statement failed.
        """
        return self._isql([f"exec={sql}"], None, sql, timeout)

    def run_script(self, statements: list[str], timeout: float = 3600) -> str:
        """Run statements in one isql session (read from its input: ~1 ms each, against ~25 ms for a call each).

        Raises:
            VirtuosoError: isql is missing, cannot connect, or a statement failed (the others still ran).
        """
        script = "".join(statement.rstrip().rstrip(";") + ";\n" for statement in statements)
        return self._isql([], script, script, timeout)

    def _isql(self, extra: list[str], script: str | None, what: str, timeout: float) -> str:
        binary = shutil.which("isql-vt")
        if binary is None:
            raise VirtuosoError(missing() or "isql-vt not found")
        try:
            done = subprocess.run(
                [binary, f"{self.host}:{self.port}", self.user, self.password, *extra],
                input=script,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as err:
            raise VirtuosoError(f"isql did not finish {what[:200]!r} within {timeout:g} s") from err
        if done.returncode != 0 or "*** Error" in done.stdout or "*** Error" in done.stderr:
            output = (done.stdout[-600:] + " " + done.stderr[-600:]).strip()
            raise VirtuosoError(f"isql at {self.host}:{self.port} failed on {what[:200]!r}: {output}")
        return done.stdout


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bulk_load(isql: Isql, directory: Path, pattern: str, *, replace_graphs: tuple[str, ...] = ()) -> float:
    """Load the files of ``directory`` matching ``pattern`` with ``ld_dir`` + ``rdf_loader_run``, then checkpoint.

    ``replace_graphs`` are emptied first, so the engine then holds for them exactly what the files hold. The
    directory must be in the server's ``DirsAllowed`` and readable by it (the engine reads the files itself).

    Returns:
        The seconds the load and the checkpoint took.

    Raises:
        VirtuosoError: a statement failed, or the loader reported an error for a file.
    """
    started = time.perf_counter()
    if replace_graphs:
        isql.run_script([f"SPARQL CLEAR GRAPH <{graph}>" for graph in replace_graphs])
    # ld_dir skips a file it has already loaded: forget earlier loads from this directory.
    isql.run(f"DELETE FROM DB.DBA.LOAD_LIST WHERE ll_file LIKE {_sql_string(str(directory) + '/%')};")
    isql.run(f"ld_dir({_sql_string(str(directory))}, {_sql_string(pattern)}, 'urn:kg:triples-without-graph');")
    isql.run("rdf_loader_run();")
    checkpoint(isql)
    errors = isql.run(
        "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST"
        f" WHERE ll_error IS NOT NULL AND ll_file LIKE {_sql_string(str(directory) + '/%')};"
    )
    if "0 Rows" not in errors:
        raise VirtuosoError(f"Virtuoso's loader reported an error: {errors[-800:]}")
    return time.perf_counter() - started


def checkpoint(isql: Isql) -> None:
    """Make everything loaded so far durable (Virtuoso's ``checkpoint``)."""
    isql.run("checkpoint;")


def allow_updates(isql: Isql) -> None:
    """Let SPARQL protocol requests update the engine (``GRANT SPARQL_UPDATE TO "SPARQL"``), as the writes of
    ``kg serve --store`` need: then anyone who reaches the engine's endpoint may write, so it must listen only
    where our server reaches it (loopback, a private network).

    Raises:
        VirtuosoError: the grant failed (other than because it was already given).
    """
    try:
        isql.run('GRANT SPARQL_UPDATE TO "SPARQL";')
    except VirtuosoError as err:
        if "already have role" not in str(err):
            raise


def load_build(store_path: Path, load_dir: Path, isql: Isql, *, replace_graphs: tuple[str, ...] = ()) -> float:
    """Load a store ``kg build`` wrote into Virtuoso, one named graph per source (N-Quads keep the graph names).

    The quads are written to ``load_dir/kg.nq`` (which the server must be allowed to read) and bulk-loaded; the
    store's graphs and ``replace_graphs`` (what the engine held of ours before) are emptied first, and so is
    what writes kept there (:mod:`kg.engine_writes`: its bookkeeping, our default graph), as a rebuild of the
    embedded store starts again from the sources.

    Returns:
        The seconds the engine took (clearing, loading, checkpoint).

    Raises:
        VirtuosoError: a statement failed or the loader reported an error.
        OSError: the store cannot be read or the file written.
    """
    import pyoxigraph as ox  # only here: the lifecycle part of this module needs no RDF library

    from kg.engine_writes import DEFAULT_GRAPH, WRITES_GRAPH

    store = ox.Store.read_only(str(store_path))
    load_dir.mkdir(parents=True, exist_ok=True)
    for old in load_dir.glob("*.nq"):
        old.unlink()
    store.dump(output=str(load_dir / "kg.nq"), format=ox.RdfFormat.N_QUADS)
    graphs = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    replaced = graphs | set(replace_graphs) | {WRITES_GRAPH, DEFAULT_GRAPH}
    return bulk_load(isql, load_dir.resolve(), "*.nq", replace_graphs=tuple(sorted(replaced)))


class VirtuosoInstance:
    """A private Virtuoso server: its ini and database in ``directory``, HTTP and SQL on free loopback ports.

    Args:
        directory: its own directory (created; the database lives there until :meth:`destroy`).
        dirs_allowed: directories ``ld_dir`` may read (the bulk loader's input).
        quads: the expected data size, to size the buffer pool (Virtuoso's guidance: ~8 KiB per buffer).
    """

    def __init__(self, directory: Path, *, dirs_allowed: tuple[Path, ...] = (), quads: int = 0) -> None:
        self.directory = directory
        self.dirs_allowed = dirs_allowed
        self.buffers = min(680_000, max(170_000, quads // 4))
        self.http_port = 0
        self.sql_port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def sparql_url(self) -> str:
        """Its SPARQL protocol endpoint."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def isql(self) -> Isql:
        """Its SQL client (the default ``dba`` account of a fresh database)."""
        return Isql("127.0.0.1", self.sql_port)

    @property
    def log_path(self) -> Path:
        return self.directory / "virtuoso.log"

    def version(self) -> str:
        """The server's own version line(s)."""
        binary = shutil.which("virtuoso-t") or "virtuoso-t"
        lines = subprocess.run([binary, "-?"], capture_output=True, text=True).stderr.splitlines()[0:2]
        return " ".join(line.strip() for line in lines if line.strip())

    def write_ini(self) -> Path:
        """Write its ini, on fresh free ports unless it already has some (a restart keeps its ports)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.http_port:
            self.http_port, self.sql_port = free_port(), free_port()
        ini = self.directory / "virtuoso.ini"
        ini.write_text(
            INI_TEMPLATE.format(
                dir=self.directory,
                sql_port=self.sql_port,
                http_port=self.http_port,
                dirs_allowed=", ".join(str(d) for d in self.dirs_allowed) or ".",
                vsp=VSP_DIR if VSP_DIR.is_dir() else self.directory,
                buffers=self.buffers,
                dirty=self.buffers * 3 // 4,
            )
        )
        return ini

    def start(self, timeout: float = 180) -> None:
        """Start the server (in its own process group) and wait until its SPARQL endpoint answers.

        Raises:
            VirtuosoError: it is not installed, exited, or did not answer within ``timeout`` seconds.
        """
        binary = shutil.which("virtuoso-t")
        if binary is None:
            raise VirtuosoError(missing() or "virtuoso-t not found")
        ini = self.write_ini()
        with (self.directory / "console.log").open("ab") as console:
            self.process = subprocess.Popen(
                [binary, "+foreground", "+configfile", str(ini)],
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,  # stopped as a group, and only it
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Poll ``ASK {}`` on the SPARQL endpoint until it answers 200."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
                try:
                    conn.request(
                        "GET", "/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}
                    )
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            if time.monotonic() > deadline:
                raise VirtuosoError(f"Virtuoso did not answer within {timeout:g} s; see {self.log_path}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s); its database stays for a later :meth:`start`."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def destroy(self) -> None:
        """Stop it and remove its directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
