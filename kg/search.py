"""The full-text search index: SQLite FTS5 (standard library) over statement texts, labels and source texts.

Why FTS5: it ships with Python's ``sqlite3``, ranks with BM25, and reads phrases (``"nuclear sharing"``),
prefixes (``nucl*``) and boolean operators (``AND``/``OR``/``NOT``) itself; a file on disk is shared by every
serving process, and the one writer updates it in place (https://www.sqlite.org/fts5.html).

A document is one text of one node in one named graph: a statement's exact words, an entity's or a concept's
labels, a source's text and title (:mod:`kg.search_documents` says which).

The ontology graph and draft graphs are left out, as the default dataset leaves out drafts. ``kg build``
writes the index beside the store (:func:`build_index`, byte-identical for the same data); every committed
write updates the documents of the nodes it touches (:meth:`SearchIndex.sync`, called by :mod:`kg.writes`).
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from kg.changes import Diff
from kg.errors import SearchError, SearchIndexMissing
from kg.iris import Minter
from kg.search_documents import MATCH_CLOSE, MATCH_OPEN, Document, affected_nodes, documents
from kg.store import OxigraphStore

#: The file ``kg build`` writes beside the store (``build/search.sqlite``).
INDEX_FILE = "search.sqlite"
KINDS = ("statement", "entity", "concept", "source")
#: At most this many hits per search.
MAX_LIMIT = 10_000


_SNIPPET_TOKENS = 24
#: Numbers the reader connections: a generation is only comparable within one connection.
_CONNECTIONS = itertools.count()

_SCHEMA = """
CREATE TABLE documents(id INTEGER PRIMARY KEY, node TEXT NOT NULL, kind TEXT NOT NULL, graph TEXT NOT NULL,
                       lang TEXT NOT NULL);
CREATE INDEX documents_node ON documents(node);
CREATE VIRTUAL TABLE texts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
"""


@dataclass(frozen=True)
class Hit:
    """A node that matches a search: its best-ranked text, the BM25 score (higher is better) and a snippet.

    ``parts`` is the snippet as (text, is_match) pieces, so that a page can mark the matches without HTML
    built by hand; :attr:`snippet` is the same as HTML (text escaped, matches in ``<mark>``).
    """

    node: str
    kind: str
    graph: str
    text: str
    lang: str
    score: float
    parts: tuple[tuple[str, bool], ...]

    @property
    def snippet(self) -> str:
        """The snippet as HTML: every piece escaped, each match in ``<mark>``.

        >>> Hit("n", "entity", "g", "", "", 1.0, (("a <b> ", False), ("sharing", True))).snippet
        'a &lt;b&gt; <mark>sharing</mark>'
        """
        return str(Markup("").join(Markup("<mark>%s</mark>") % t if hit else escape(t) for t, hit in self.parts))

    @property
    def label(self) -> str:
        """The matched text, cut to 200 characters (a source's whole text is long)."""
        return self.text if len(self.text) <= 200 else self.text[:199].rstrip() + "…"


# --- the index file ----------------------------------------------------------------------------------------------


def build_index(store: OxigraphStore, minter: Minter, path: Path) -> int:
    """Write the index of every document of ``store`` to ``path`` (atomically); returns the number of documents.

    The same data gives the same bytes: documents go in sorted, the FTS5 index is merged into one segment
    (``optimize``) and the file is vacuumed.
    """
    rows = documents(store, minter)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(tmp, isolation_level=None)
    try:
        connection.executescript(_SCHEMA)
        connection.execute("BEGIN")
        _insert(connection, rows, 1)
        connection.execute("INSERT INTO texts(texts) VALUES ('optimize')")
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()
    os.replace(tmp, path)
    return len(rows)


def _insert(connection: sqlite3.Connection, rows: list[Document], first_id: int) -> None:
    ids = range(first_id, first_id + len(rows))
    connection.executemany(
        "INSERT INTO documents(id, node, kind, graph, lang) VALUES (?, ?, ?, ?, ?)",
        [(i, d.node, d.kind, d.graph, d.lang) for i, d in zip(ids, rows, strict=True)],
    )
    connection.executemany(
        "INSERT INTO texts(rowid, text) VALUES (?, ?)", [(i, d.text) for i, d in zip(ids, rows, strict=True)]
    )


_BARE = re.compile(r"^(?:[A-Za-z0-9_\x1a]|[^\x00-\x7f])+\*?$")
_QUERY_TOKEN = re.compile(r'"(?:[^"]|"")*"|[()]|[^\s"()]+|\S')


def fts_query(text: str) -> str:
    """The FTS5 query for a search text: operators, phrases, prefixes and parentheses as FTS5 reads them, and
    any other word quoted, so that ``non-proliferation`` or ``U.S.`` is a phrase rather than a syntax error.
    An unbalanced quote stays as written (FTS5 refuses it: :class:`SearchError`).

    >>> fts_query('"nuclear sharing" OR nucl* NOT non-proliferation')
    '"nuclear sharing" OR nucl* NOT "non-proliferation"'
    >>> fts_query('kg:speaker U.S.*')
    '"kg:speaker" "U.S."*'
    """
    out = []
    for token in _QUERY_TOKEN.findall(text):
        if token.startswith('"') or token in ("(", ")", "AND", "OR", "NOT") or _BARE.match(token):
            out.append(token)
        elif token == '"':
            out.append(token)  # an unbalanced quote: left for FTS5 to refuse
        else:
            star = token.endswith("*")
            core = token.rstrip("*").replace('"', '""')
            out.append(f'"{core}"' + ("*" if star else ""))
    return " ".join(out)


class SearchIndex:
    """The index file at ``path``: searches (one read-only connection per thread) and, for the writer, updates.

    A missing file is not an error until it is used: a search then raises :class:`SearchIndexMissing`, and
    :meth:`sync` does nothing (there is nothing to keep in step; ``kg build`` writes the index).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if not self.path.is_file():
                raise SearchIndexMissing(f"The search index is missing ({self.path}): run `kg build` to write it.")
            uri = self.path.resolve().as_uri() + "?mode=ro"
            connection = sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=False)
            self._local.connection, self._local.serial = connection, next(_CONNECTIONS)
        return connection

    def generation(self) -> tuple[int, int] | None:
        """A value that changes with every committed write to the index, for caching what a search gives; None
        without an index file.

        It is this thread's connection and SQLite's ``PRAGMA data_version``, which changes when another
        connection (the writer's :meth:`sync`, in any process) commits (https://www.sqlite.org/pragma.html#pragma_data_version).
        """
        if not self.path.is_file():
            return None
        (version,) = self._reader().execute("PRAGMA data_version").fetchone()
        return self._local.serial, version

    def search(
        self, text: str, kind: str | None = None, limit: int = 20, *, snippets: bool = True, ranked: bool = True
    ) -> list[Hit]:
        """The nodes matching ``text`` (FTS5 syntax, see :func:`fts_query`), best first, at most ``limit``;
        without ``snippets``, hits have neither snippet nor text (they cost most of a search of many hits).

        Without ``ranked`` (a caller that shows no score and no order), when no more than ``limit`` nodes match
        they come in index order with a score of 0.0: BM25 is computed for every match, and skipping it is most
        of a search's cost. When more match, the limit picks the best ``limit`` nodes, ranked as usual.

        Raises:
            SearchError: the search text is empty or malformed, ``kind`` is not one of :data:`KINDS`, or
                ``limit`` is not from 1 to :data:`MAX_LIMIT`.
            SearchIndexMissing: there is no index file.
        """
        if not text.strip():
            raise SearchError("The search text is empty: give words, a phrase in quotes, or a prefix such as nucl*.")
        if kind is not None and kind not in KINDS:
            raise SearchError(f"Unknown kind {kind!r}: it takes one of {', '.join(KINDS)}.")
        if not 1 <= limit <= MAX_LIMIT:
            raise SearchError(f"The limit must be a whole number from 1 to {MAX_LIMIT}.")
        match = fts_query(text)
        connection = self._reader()
        try:
            if not ranked and not snippets and (found := self._unranked(connection, match, kind, limit)) is not None:
                return found
            ranked_rows = self._ranked(connection, match, kind, limit)
            if not snippets:  # the first query has all but the text and snippet: no second pass over the matches
                return [
                    Hit(node, kind, graph, "", lang, score, ()) for _, score, node, kind, graph, lang in ranked_rows
                ]
            return self._hits(connection, match, [(rowid, score) for rowid, score, *_ in ranked_rows])
        except sqlite3.OperationalError as err:
            message = str(err)
            if any(word in message for word in ("fts5", "syntax", "unterminated", "no such column", "special query")):
                raise SearchError(f"Malformed search text {text!r}: {message}.") from err
            raise

    @staticmethod
    def _unranked(connection: sqlite3.Connection, match: str, kind: str | None, limit: int) -> list[Hit] | None:
        """Every matching node in index order (unscored), or None as soon as more than ``limit`` match."""
        sql = "SELECT d.node, d.kind, d.graph, d.lang FROM texts JOIN documents d ON d.id = texts.rowid"
        rows = (
            connection.execute(sql + " WHERE texts MATCH ? AND d.kind = ?", (match, kind))
            if kind
            else connection.execute(sql + " WHERE texts MATCH ?", (match,))
        )
        found: dict[str, Hit] = {}
        with closing(rows):  # a statement left open would hold a read lock against the writer
            for node, found_kind, graph, lang in rows:
                if node not in found:
                    if len(found) == limit:
                        return None  # the limit cuts: only ranking can say which nodes to keep
                    found[node] = Hit(node, found_kind, graph, "", lang, 0.0, ())
        return list(found.values())

    @staticmethod
    def _ranked(
        connection: sqlite3.Connection, match: str, kind: str | None, limit: int
    ) -> list[tuple[int, float, str, str, str, str]]:
        """The best-ranked row of each of the first ``limit`` matching nodes: (rowid, score, node, kind, graph,
        lang)."""
        sql = (
            "SELECT texts.rowid, texts.rank, d.node, d.kind, d.graph, d.lang FROM texts"
            " JOIN documents d ON d.id = texts.rowid WHERE texts MATCH ?"
            + (" AND d.kind = ?" if kind else "")
            + " ORDER BY texts.rank, texts.rowid LIMIT ?"
        )
        fetch = limit * 4
        while True:
            args = (match, kind, fetch) if kind else (match, fetch)
            rows = connection.execute(sql, args).fetchall()
            best: dict[str, tuple[int, float, str, str, str, str]] = {}
            for rowid, rank, node, found, graph, lang in rows:
                best.setdefault(node, (rowid, -rank, node, found, graph, lang))
            if len(best) >= limit or len(rows) < fetch:
                return list(best.values())[:limit]
            fetch *= 4

    @staticmethod
    def _hits(connection: sqlite3.Connection, match: str, ranked: list[tuple[int, float]]) -> list[Hit]:
        if not ranked:
            return []
        marks = ",".join("?" * len(ranked))
        snippet = f"snippet(texts, 0, ?, ?, '…', {_SNIPPET_TOKENS})"
        sql = (
            f"SELECT texts.rowid, d.node, d.kind, d.graph, d.lang, texts.text, {snippet}"
            " FROM texts JOIN documents d ON d.id = texts.rowid"
            f" WHERE texts MATCH ? AND texts.rowid IN ({marks})"
        )
        rows = {
            row[0]: row[1:]
            for row in connection.execute(sql, (MATCH_OPEN, MATCH_CLOSE, match, *(r for r, _ in ranked)))
        }
        hits = []
        for rowid, score in ranked:
            node, kind, graph, lang, text, snippet = rows[rowid]
            hits.append(Hit(node, kind, graph, text, lang, score, _parts(snippet)))
        return hits

    def sync(self, store: OxigraphStore, minter: Minter, diff: Diff) -> None:
        """Replace the documents of the nodes a committed ``diff`` touched with what ``store`` now says of them
        (one SQLite transaction: a search sees all of a write or none of it)."""
        if not self.path.is_file():
            return
        nodes = affected_nodes(store, diff)
        if not nodes:
            return
        rows = documents(store, minter, nodes)
        connection = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            for node in nodes:
                ids = [(i,) for (i,) in connection.execute("SELECT id FROM documents WHERE node = ?", (node.value,))]
                connection.executemany("DELETE FROM texts WHERE rowid = ?", ids)
                connection.executemany("DELETE FROM documents WHERE id = ?", ids)
            (last,) = connection.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()
            _insert(connection, rows, last + 1)
            connection.execute("COMMIT")
        finally:
            connection.close()


def _parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    """FTS5's snippet, with its marks, as (text, is_match) pieces.

    >>> _parts("a \\x02b\\x03 c")
    (('a ', False), ('b', True), (' c', False))
    """
    parts: list[tuple[str, bool]] = []
    for piece in re.split(f"({MATCH_OPEN}[^{MATCH_CLOSE}]*{MATCH_CLOSE})", snippet):
        if piece.startswith(MATCH_OPEN):
            parts.append((piece[1:-1], True))
        elif piece:
            parts.append((piece, False))
    return tuple(parts)


def index_path(build_dir: Path) -> Path:
    """Where ``kg build`` writes the index of the store in ``build_dir``."""
    return build_dir / INDEX_FILE


__all__ = ["INDEX_FILE", "KINDS", "Document", "Hit", "SearchIndex", "build_index", "documents", "fts_query"]
