"""How much stack a SPARQL text can make the engines use, bounded before any engine sees it (issue 12).

pyoxigraph parses, optimises, evaluates and frees a query by recursing over its syntax tree, and the tree of a
chain is as deep as the chain is long: ``1+1+…``, ``{} UNION {} UNION …``, ``!!!…true``, ``:p/:p/…``, a long
run of triple patterns (``;``, ``,`` or ``.``: the patterns are joined pairwise) or of ``OPTIONAL``/``MINUS``
blocks, nested brackets. A deep enough tree overflows the stack of the thread that runs it and the process
dies of SIGSEGV, which no exception handler can catch. Measured with ``bench/depth.py`` (pyoxigraph 0.5.13,
each construct alone in a thread with an 8 MiB stack), a process dies from about

======================================  ==========  =============
construct                               crashes at  stack per unit
======================================  ==========  =============
nested ``{ FILTER EXISTS {…``                  846     9.9 KiB
nested function calls ``STR(STR(…``            976     8.6 KiB
nested ``{ }``                               2,246     3.7 KiB
nested subqueries                            2,548     3.3 KiB
BIND clauses                                 2,632     3.2 KiB
MINUS blocks                                 2,691     3.1 KiB
nested ``[ ]``                               3,458     2.4 KiB
collection items ``( 1 2 … )``               4,099     2.0 KiB
UNION, OPTIONAL, GRAPH blocks                6,596     1.3 KiB
``+ - * /`` chains                           7,030     1.2 KiB
``;`` ``,`` ``.`` (triple patterns)          8,199     1.0 KiB
``/`` (path), ``^`` chains                   8,198     1.0 KiB
``&& ||``, ``!`` prefixes                    9,372     0.9 KiB
``|`` (path)                                10,932     0.8 KiB
======================================  ==========  =============

``IN``/``COALESCE``/``CONCAT`` argument lists, ``VALUES`` rows, ``ORDER BY`` keys, FILTER clauses and
empty ``{}`` blocks are flat: as many as fit in the 100,000 character limit run. Long chains are also slow to
parse (quadratic: 8,000 ``/`` take over 20 s), so a big stack would not have been the answer.

:func:`stack_estimate` adds up, for every token that can deepen the tree, its measured stack per unit, plus the
bracket nesting (counted on the raw text) times the dearest bracket; :func:`check_depth` refuses a text whose
estimate exceeds :data:`STACK_BUDGET`, a quarter of the 8 MiB a thread gets by default (query threads get
:data:`QUERY_THREAD_STACK`). The sum bounds the depth of any path through the tree from above, whatever the
mix of constructs. The scan is fail-closed: string literals, IRIs and comments are skipped only where every
reading of the text agrees they are one (``<`` after an operand inside brackets may be *less than*: the
characters of such an IRI count, and if it holds a quote or ``#``, the rest of its line counts raw).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import QueryTooDeep

#: The stack a query may be estimated to need, in bytes: a quarter of a default 8 MiB thread stack.
STACK_BUDGET = 2 * 1024 * 1024
#: The stack of the threads that run queries (server/executor.py): twice the usual default, never less.
QUERY_THREAD_STACK = 16 * 1024 * 1024
#: Deeper bracket nesting than this is refused whatever the budget says (the documented limit).
MAX_NESTING = 200
#: Stack per level of bracket nesting: the dearest bracket measured (nested function calls).
NESTING_COST = 8_800

#: Stack per item of a collection ``( … )`` (each is two triple patterns).
ITEM_COST = 2_100
#: Stack per token, in bytes (the measured cost per unit, rounded up).
COSTS: dict[str, int] = {
    "+": 1_200,
    "-": 1_200,
    "*": 1_200,
    "/": 1_200,
    "=": 1_200,
    "!=": 1_200,
    "<": 1_200,
    ">": 1_200,
    "<=": 1_200,
    ">=": 1_200,
    "&&": 900,
    "||": 900,
    "!": 900,
    "|": 800,
    "^": 1_000,
    ";": 1_100,
    ",": 1_100,
    ".": 1_100,
    "{": 3_800,
    "UNION": 1_300,
    "OPTIONAL": 1_300,
    "MINUS": 3_200,
    "BIND": 3_200,
}
#: The largest cost of one character of text (a bracket): a text shorter than BUDGET / this is never scanned.
_MOST_PER_CHAR = max(NESTING_COST + COSTS["{"], *COSTS.values())

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_TOKEN = re.compile(
    rf"""
    (?P<iri>{_IRI})
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
        |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<comment>\#[^\n\r]*)
    | (?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)
    | (?P<number>(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<name>(?:[A-Za-z\u00c0-\uffff][\w\u00b7-\uffff]*)?:[\w\u00b7-\uffff]*|[A-Za-z\u00c0-\uffff]\w*)
    | (?P<op>\|\||&&|!=|<=|>=|\^\^|[-+*/!^|=<>;,.])
    | (?P<open>[({{\[])
    | (?P<close>[)}}\]])
    """,
    re.VERBOSE,
)
_BRACKET = re.compile(r"[(){}\[\]]")
_WS = r"[ \t\r\n]*"  # SPARQL's whitespace, which no token starts with
_DATUM = rf'(?:{_IRI}|"(?!"")(?:[^"\\\n\r]|\\.)*"(?:{_WS}\^\^{_WS}{_IRI})?)'  # never a long string's start
#: A run of IRIs, strings, typed literals and flat rows of them, as a VALUES data block holds (a search's hits):
#: each such token costs nothing and a row is no collection, so the run is read at once (the brackets of the
#: rows still count in :func:`nesting_depth`).
_DATA_RUN = re.compile(rf"(?:{_WS}(?:{_DATUM}|\((?:{_WS}{_DATUM})*{_WS}\)))+")
_LAST_KIND = {">": "iri", '"': "string", ")": "close"}
_ITEMS = frozenset(("iri", "string", "var", "number", "name", "open"))
_OPERAND_END = frozenset(("iri", "string", "var", "number", "name", "close"))
_RAW_COST = re.compile(r"\|\||&&|!=|<=|>=|[-+*/!^|=<>;,.{]|UNION|OPTIONAL|MINUS", re.IGNORECASE)


def nesting_depth(text: str) -> int:
    """The deepest nesting of brackets in a text (string literals included: a cheap, safe upper bound).

    >>> nesting_depth("SELECT * WHERE { { ?s ?p (1 + (2)) } }")
    4
    """
    depth = deepest = 0
    for char in _BRACKET.findall(text):  # only the brackets: a Python loop over every character of 60 KB took ~10 ms
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth = max(0, depth - 1)
    return deepest


def _raw_cost(text: str) -> int:
    return sum(COSTS[m.group().upper()] if m.group().isalpha() else COSTS[m.group()] for m in _RAW_COST.finditer(text))


def _token_cost(kind: str, value: str, flat_commas: bool) -> int:
    if kind == "op":
        return 0 if value == "," and flat_commas else COSTS.get(value, 0)
    if kind == "name":
        return COSTS.get(value.upper(), 0)
    return COSTS["{"] if value == "{" else 0


def stack_estimate(text: str) -> int:
    """An upper bound, in bytes, of the stack pyoxigraph needs for ``text`` (see the module docstring).

    >>> stack_estimate("SELECT * WHERE { ?s ?p ?o }")
    13800
    >>> stack_estimate("ASK { FILTER(" + "+".join(["1"] * 1000) + ") }") > STACK_BUDGET
    True
    """
    total = nesting_depth(text) * NESTING_COST
    # The open brackets, innermost last. A "(" without a comma may be a collection, whose items each cost
    # :data:`ITEM_COST`.
    brackets: list[_Bracket] = []
    previous = ""  # the kind of the previous token
    values = 0  # 1 after VALUES, 2 inside its variable list, 3 once the variables are read: its "{" is data
    uncertain = False  # after a line the two readings of an IRI may split: no context is trusted any more
    position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        if brackets and brackets[-1].kind == "V" and not uncertain and (run := _DATA_RUN.match(text, position)):
            position, previous, values = run.end(), _LAST_KIND[text[run.end() - 1]], 0
            continue
        kind, value = match.lastgroup or "", match.group()
        position = match.end()
        frame = brackets[-1] if brackets else _Bracket("")
        innermost = "(" if uncertain else frame.kind
        if kind == "iri" and innermost == "(" and (previous in _OPERAND_END or uncertain):
            # Maybe ``a < b > c``, not an IRI: count what is inside; a quote or # in it could start a string or a
            # comment that hides what follows from one reading, so the rest of the line counts raw.
            if "'" in value or "#" in value:
                end = text.find("\n", match.start())
                end = len(text) if end < 0 else end
                if "'''" in text[match.start() : end] or '"""' in text[match.start() : end]:
                    end = len(text)
                total += _raw_cost(text[match.start() : end])
                position, previous, uncertain = end, "", True
                continue
            total += _raw_cost(value)
        if kind in _ITEMS:
            if uncertain:
                total += ITEM_COST
            elif frame.kind == "(":
                frame.items += 1
        values = _values_state(values, kind, value)
        if kind == "open":
            inner = "R" if frame.kind == "V" or values == 2 else value
            brackets.append(_Bracket("V" if value == "{" and values == 3 else inner))
            values = 0 if value == "{" else values
        elif kind == "close" and brackets:
            total += _collection_cost(brackets.pop())
        elif value == ",":
            frame.comma = True
        total += _token_cost(kind, value, innermost == "(" and not uncertain)
        if kind != "comment":
            previous = kind
    return total + sum(_collection_cost(frame) for frame in brackets)


@dataclass(slots=True)
class _Bracket:
    """An open bracket: ``kind`` is the bracket, or "V" for the data block of VALUES and "R" for a bracket in it."""

    kind: str
    items: int = 0
    comma: bool = False


def _collection_cost(frame: _Bracket) -> int:
    return frame.items * ITEM_COST if frame.kind == "(" and not frame.comma else 0


def _values_state(state: int, kind: str, value: str) -> int:
    """Follows ``VALUES ?x {`` and ``VALUES (?x ?y) {``: 3 when the next ``{`` opens the data block."""
    if kind == "comment":
        return state
    if kind == "name" and value.upper() == "VALUES":
        return 1
    if state == 1 and kind == "var":
        return 3
    if state == 1 and value == "(":
        return 2
    if state == 2 and kind == "var":
        return 2
    if state == 2 and value == ")":
        return 3
    if state == 3 and value == "{":
        return 3
    return 0


def check_depth(text: str) -> None:
    """Refuse a query or update that could overflow the engine's stack.

    Args:
        text: a SPARQL query or update.

    Raises:
        QueryTooDeep: it nests deeper than :data:`MAX_NESTING` brackets, or its estimated stack exceeds
            :data:`STACK_BUDGET`.
    """
    if len(text) * _MOST_PER_CHAR <= STACK_BUDGET:
        return
    if text.count("{") + text.count("(") + text.count("[") > MAX_NESTING and nesting_depth(text) > MAX_NESTING:
        raise QueryTooDeep(f"The request is nested more than {MAX_NESTING} levels deep: refused.")
    if stack_estimate(text) > STACK_BUDGET:
        raise QueryTooDeep(
            "The request is too deep or too long a chain for the engine (operators, UNION/OPTIONAL/MINUS, path "
            "steps or triple patterns): split it into smaller requests."
        )
