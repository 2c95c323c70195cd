"""Virtuoso 7 as a benchmark peer: a private instance (its own ini, data directory and ports), bulk-loaded with
its own loader; split from bench/peers.py, which holds the other peers and what they share."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from peers import LoadStats, Peer, ServerError, free_port

VIRTUOSO_VSP = Path("/var/lib/virtuoso-opensource-7/vsp")

VIRTUOSO_INI = """\
; A private Virtuoso instance for the benchmark (bench/peers.py): loopback ports, its own directory.
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
DirsAllowed              = ., {data_dir}
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


class VirtuosoServer(Peer):
    """Virtuoso 7 (Debian's virtuoso-opensource): a private instance, bulk-loaded with ld_dir/rdf_loader_run."""

    def __init__(self, workdir: Path) -> None:
        super().__init__("virtuoso", "Virtuoso 7", workdir)
        self.binary = shutil.which("virtuoso-t")
        self.isql = shutil.which("isql-vt")
        self.sql_port = 0
        self.db = workdir / "db"

    def available(self) -> str | None:
        if not self.binary or not self.isql:
            return "virtuoso-t / isql-vt not found (bench/setup.sh apt-installs virtuoso-opensource)"
        return None

    def probe(self) -> tuple[str, str, dict[str, str], bytes]:
        return (
            "POST",
            "/sparql",
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
            b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
        )

    def _ini(self, data_dir: Path, quads: int) -> Path:
        # Virtuoso's guidance: ~8 KiB per buffer, sized to the data; at least the 2 GiB-RAM row of its table.
        buffers = min(680_000, max(170_000, quads // 4))
        ini = self.db / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(
                dir=self.db,
                sql_port=self.sql_port,
                http_port=self.port,
                data_dir=data_dir,
                vsp=VIRTUOSO_VSP if VIRTUOSO_VSP.is_dir() else self.db,
                buffers=buffers,
                dirty=buffers * 3 // 4,
            )
        )
        return ini

    def isql_exec(self, sql: str, timeout: float = 3600) -> str:
        assert self.isql
        result = subprocess.run(
            [self.isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0 or "*** Error" in result.stdout or "*** Error" in result.stderr:
            raise ServerError(f"isql failed on {sql!r}: {result.stdout[-800:]} {result.stderr[-800:]}")
        return result.stdout

    def setup(self, corpus: Path, quads: int) -> LoadStats:
        assert self.binary
        banner = subprocess.run([self.binary, "-?"], capture_output=True, text=True).stderr.splitlines()[0:2]
        self.version = " ".join(line.strip() for line in banner if line.strip())
        shutil.rmtree(self.db, ignore_errors=True)
        self.db.mkdir(parents=True)
        # ld_dir loads whole directories: give it one holding only the corpus (a hard link, no copy).
        data_dir = self.workdir / "load"
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        try:
            os.link(corpus, data_dir / corpus.name)
        except OSError:
            shutil.copy(corpus, data_dir / corpus.name)
        self.port, self.sql_port = free_port(), free_port()
        ini = self._ini(data_dir, quads)
        self._spawn([self.binary, "+foreground", "+configfile", str(ini)], cwd=self.db)
        self.wait_ready(180)
        started = time.perf_counter()
        self.isql_exec(f"ld_dir('{data_dir}', '{corpus.name}', 'https://w3id.org/akg/graph/default');")
        self.isql_exec("rdf_loader_run();")
        self.isql_exec("checkpoint;")
        seconds = time.perf_counter() - started
        status = self.isql_exec("SELECT ll_state, ll_error FROM DB.DBA.load_list;")
        if "NULL" not in status.split("ll_error")[-1] and "error" in status.lower().split("ll_error")[-1]:
            raise ServerError(f"Virtuoso's loader reported an error: {status[-600:]}")
        return LoadStats(seconds, "isql ld_dir + rdf_loader_run + checkpoint")

    def restart(self) -> None:
        assert self.binary
        self.stop()
        self._spawn([self.binary, "+foreground", "+configfile", str(self.db / "virtuoso.ini")], cwd=self.db)
        self.wait_ready(180)
