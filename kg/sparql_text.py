"""Just enough of SPARQL's lexical structure to cut an update request into its operations and their parts,
and to tell whether a query names a graph by a constant.

SPARQL 1.1 Update (https://www.w3.org/TR/sparql11-update/#grammar): a request is a prologue (``BASE`` /
``PREFIX``) and operations separated by ``;``. The evaluator (:mod:`kg.update_eval`) needs each operation's
kind, its templates, its ``WITH`` / ``USING`` clauses and its ``WHERE`` pattern as text, to hand them back to
pyoxigraph as queries. This is no parser: it only reads requests that pyoxigraph has already parsed, so it
needs to know strings (long ones too), IRIs, comments, variables and braces, and nothing of the grammar's
finer points. Every token keeps its offsets, so the parts are exact slices of the user's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
    | (?P<open>\{) | (?P<close>\})
    | (?P<word>(?:[^\s{}()\[\];,<>"'\#?$\\.]|\\.|\.(?![\s{}()\[\];,<>"'\#]|$))+)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)

#: The operations of SPARQL 1.1 Update, by their first keyword(s).
KINDS = (
    "INSERT DATA",
    "DELETE DATA",
    "DELETE WHERE",
    "MODIFY",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
)


@dataclass(frozen=True)
class Token:
    kind: str  # ws, comment, string, iri, var, open, close, word, punct
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of ``text``, whitespace and comments included (any text: a stray character is a ``punct``).

    >>> [t.text for t in tokenize("INSERT{?s <p> 'a;b'}# }") if t.kind != "ws"]
    ['INSERT', '{', '?s', '<p>', "'a;b'", '}', '# }']
    """
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        yield Token(kind, match.group(), match.start(), match.end())


def _significant(text: str) -> list[Token]:
    return [t for t in tokenize(text) if t.kind not in ("ws", "comment")]


def names_a_graph(text: str) -> bool:
    """Whether a query names a graph by a constant (``GRAPH <iri>`` or ``GRAPH ex:g``), not by a variable.

    >>> names_a_graph("SELECT * { GRAPH <http://example.org/g> { ?s ?p ?o } }")
    True
    >>> names_a_graph("SELECT * { GRAPH # a comment\\n ex:g { ?s ?p ?o } }")
    True
    >>> names_a_graph('SELECT * { GRAPH ?g { ?s ex:GRAPH "GRAPH <g>" } }')
    False
    """
    tokens = _significant(text)
    return any(token.is_word("GRAPH") and following.kind != "var" for token, following in pairwise(tokens))


def prologue_end(text: str) -> int:
    """The offset just after the request's leading ``BASE`` / ``PREFIX`` declarations (0 if it has none).

    >>> prologue_end("PREFIX : <http://x/> BASE <http://y/>  INSERT DATA {}")
    37
    """
    tokens, end, i = _significant(text), 0, 0
    while i < len(tokens):
        if tokens[i].is_word("BASE") and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            end, i = tokens[i + 1].end, i + 2
        elif tokens[i].is_word("PREFIX") and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            end, i = tokens[i + 2].end, i + 3
        else:
            break
    return end


@dataclass
class Operation:
    """One operation of a request, as slices of its text.

    ``graphs`` are the operands of LOAD (the source, then the target if any), CLEAR/DROP/CREATE and
    ADD/MOVE/COPY: an IRI or prefixed name as written, or ``DEFAULT``/``NAMED``/``ALL``.
    """

    kind: str
    prologue: str  # the BASE/PREFIX declarations in force: they accumulate over the request
    silent: bool = False
    graphs: list[str] = field(default_factory=list)
    with_graph: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    delete: str | None = None  # template (or DATA / DELETE WHERE block) without its braces
    insert: str | None = None
    where: str | None = None  # the group graph pattern, braces included

    @property
    def names_dataset(self) -> bool:
        """Whether the operation sets its own dataset (``WITH``, ``USING``, ``USING NAMED``)."""
        return bool(self.with_graph or self.using or self.using_named)


def split_operations(text: str) -> list[Operation]:
    """The operations of an update request that pyoxigraph has parsed (an empty list for a prologue only).

    >>> [(op.kind, op.graphs) for op in split_operations("PREFIX : <x:> CLEAR GRAPH :g ; DROP SILENT ALL")]
    [('CLEAR', [':g']), ('DROP', ['ALL'])]
    """
    tokens = _significant(text)
    operations: list[Operation] = []
    prologue: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i].is_word("BASE"):
            prologue.append(f"BASE {tokens[i + 1].text}")
            i += 2
        elif tokens[i].is_word("PREFIX"):
            prologue.append(f"PREFIX {tokens[i + 1].text} {tokens[i + 2].text}")
            i += 3
        elif tokens[i].text == ";":
            i += 1
        else:
            end = _operation_end(tokens, i)
            operations.append(_operation(text, tokens[i:end], "\n".join(prologue)))
            i = end
    return operations


def _operation_end(tokens: list[Token], start: int) -> int:
    depth = 0
    for i in range(start, len(tokens)):
        depth += {"open": 1, "close": -1}.get(tokens[i].kind, 0)
        if depth == 0 and tokens[i].text == ";":
            return i
    return len(tokens)


def _block(tokens: list[Token], i: int) -> int:
    """The index just after the brace group opening at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += {"open": 1, "close": -1}.get(tokens[j].kind, 0)
        if depth == 0:
            return j + 1
    return len(tokens)


def _operation(text: str, tokens: list[Token], prologue: str) -> Operation:
    first = tokens[0].text.upper()
    second = tokens[1].text.upper() if len(tokens) > 1 else ""
    if first in ("INSERT", "DELETE") and second in ("DATA", "WHERE"):
        op = Operation(f"{first} {second}", prologue)
        inner = text[tokens[2].end : tokens[-1].start]
        if op.kind == "INSERT DATA":
            op.insert = inner
        else:
            op.delete = inner
            op.where = text[tokens[2].start : tokens[-1].end] if op.kind == "DELETE WHERE" else None
        return op
    if first in ("INSERT", "DELETE", "WITH"):
        return _modify(text, tokens, prologue)
    op = Operation(first, prologue)
    words = tokens[1:]
    if words and words[0].is_word("SILENT"):
        op.silent, words = True, words[1:]
    op.graphs = [t.text.upper() if t.is_word("DEFAULT", "NAMED", "ALL") else t.text for t in words if not _keyword(t)]
    return op


def _keyword(token: Token) -> bool:
    return token.is_word("GRAPH", "INTO", "TO")


def _modify(text: str, tokens: list[Token], prologue: str) -> Operation:
    op = Operation("MODIFY", prologue)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.is_word("WITH"):
            op.with_graph, i = tokens[i + 1].text, i + 2
        elif token.is_word("DELETE", "INSERT"):
            end = _block(tokens, i + 1)
            inner = text[tokens[i + 1].end : tokens[end - 1].start]
            if token.is_word("DELETE"):
                op.delete = inner
            else:
                op.insert = inner
            i = end
        elif token.is_word("USING"):
            if tokens[i + 1].is_word("NAMED"):
                op.using_named.append(tokens[i + 2].text)
                i += 3
            else:
                op.using.append(tokens[i + 1].text)
                i += 2
        elif token.is_word("WHERE"):
            i += 1
        else:  # the WHERE group: the rest of the operation
            op.where = text[token.start : tokens[-1].end]
            break
    return op


def template_to_trig(template: str, variable: Callable[[str], str]) -> str:
    """A quad template (SPARQL ``Quads``) as TriG, each variable written as the IRI ``variable(name)`` gives.

    TriG has the template's abbreviations (``;``, ``,``, ``[ ]``, collections, ``a``, ``GRAPH``), so parsing
    the result expands them into quads; the default-graph parts are wrapped in ``{ }`` and the dots SPARQL
    allows after a ``GRAPH`` block dropped, as TriG wants.

    >>> template_to_trig("?s a <C> GRAPH ?g { ?s <p> 1 } .", lambda n: f"<var:{n}>")
    '{\\n<var:s> a <C> \\n}\\nGRAPH <var:g> {\\n <var:s> <p> 1 \\n}\\n'
    """
    tokens = list(tokenize(template))
    parts: list[str] = []
    segment: list[str] = []

    def render(token: Token) -> str:
        return variable(token.text[1:]) if token.kind == "var" else token.text

    def flush() -> None:
        body = "".join(segment)
        if any(t.kind not in ("ws", "comment") and t.text != "." for t in tokenize(body)):
            parts.append("{\n" + body + "\n}\n")
        segment.clear()

    i, after_graph = 0, False
    while i < len(tokens):
        token = tokens[i]
        if token.is_word("GRAPH"):
            flush()
            significant = [j for j in range(i + 1, len(tokens)) if tokens[j].kind not in ("ws", "comment")]
            name, opening = significant[0], significant[1]
            end = _block(tokens, opening)
            inner = "".join(render(t) for t in tokens[opening + 1 : end - 1])
            parts.append(f"GRAPH {render(tokens[name])} {{\n{inner}\n}}\n")
            i, after_graph = end, True
            continue
        if after_graph and token.text == ".":
            after_graph = False  # the optional '.' after a GRAPH block
        else:
            after_graph = after_graph and token.kind in ("ws", "comment")
            segment.append(render(token))
        i += 1
    flush()
    return "".join(parts)
