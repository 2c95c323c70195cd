"""Measure where deep or long SPARQL constructs crash the engine (issue 12): pyoxigraph's parser, algebra and
evaluator recurse, and a deep enough input overflows the stack of the thread that runs it (SIGSEGV, the whole
process dies). Each probe runs in its own subprocess, in a thread with a given stack size.

    .venv/bin/python bench/depth.py                   # thresholds on an 8 MiB thread stack
    .venv/bin/python bench/depth.py --stack 256       # does every construct at the length limit fit in 256 MiB?

Short: a few hundred subprocesses of a fraction of a second each. The results are in docs/timeouts.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable

P = "PREFIX : <http://x/> "
#: seconds a probe may take before it counts as SLOW (it does not crash, but would hit the query time limit)
TIMEOUT = 20


def _join(sep: str, item: str, n: int) -> str:
    return sep.join([item] * n)


#: construct -> function of n (the repetition count) -> a query or update text
CONSTRUCTS: dict[str, Callable[[int], str]] = {
    "add": lambda n: f"SELECT * WHERE {{ FILTER({_join('+', '1', n)} > 0) }}",
    "sub": lambda n: f"SELECT * WHERE {{ FILTER({_join('-', '1', n)} > 0) }}",
    "mul": lambda n: f"SELECT * WHERE {{ FILTER({_join('*', '1', n)} > 0) }}",
    "div": lambda n: f"SELECT * WHERE {{ FILTER({_join('/', '1', n)} > 0) }}",
    "and": lambda n: f"SELECT * WHERE {{ FILTER({_join('&&', 'true', n)}) }}",
    "or": lambda n: f"SELECT * WHERE {{ FILTER({_join('||', 'true', n)}) }}",
    "eq": lambda n: f"SELECT * WHERE {{ FILTER({_join('=', '1', n)}) }}",
    "lt": lambda n: f"SELECT * WHERE {{ FILTER({_join('<', '1', n)}) }}",
    "not": lambda n: f"SELECT * WHERE {{ FILTER({'!' * n}true) }}",
    "neg": lambda n: f"SELECT * WHERE {{ FILTER({'- ' * n}1 > 0) }}",
    "union": lambda n: f"SELECT * WHERE {{ {_join(' UNION ', '{}', n)} }}",
    "optional": lambda n: f"SELECT * WHERE {{ {'OPTIONAL {} ' * n} }}",
    "minus": lambda n: f"SELECT * WHERE {{ {'MINUS {} ' * n} }}",
    "group": lambda n: f"SELECT * WHERE {'{' * n}{'}' * n}",
    "seq": lambda n: f"{P}SELECT * WHERE {{ ?s {_join('/', ':p', n)} ?o }}",
    "alt": lambda n: f"{P}SELECT * WHERE {{ ?s {_join('|', ':p', n)} ?o }}",
    "inv": lambda n: f"{P}SELECT * WHERE {{ ?s {_join('/', '^:p', n)} ?o }}",
    "invnest": lambda n: f"{P}SELECT * WHERE {{ ?s {'^(' * n}:p{')' * n} ?o }}",
    "call": lambda n: f"SELECT * WHERE {{ FILTER({'STR(' * n}1{')' * n}) }}",
    "coalesce": lambda n: f"SELECT * WHERE {{ FILTER(COALESCE({_join(',', '1', n)})) }}",
    "subquery": lambda n: f"SELECT * WHERE {'{ SELECT * WHERE ' * n}{{}}{' }' * n}",
    "in": lambda n: f"SELECT * WHERE {{ FILTER(1 IN ({_join(',', '1', n)})) }}",
    "values": lambda n: f"SELECT * WHERE {{ VALUES ?x {{ {_join(' ', '1', n)} }} }}",
    "semicolon": lambda n: f"{P}SELECT * WHERE {{ ?s {_join(' ; ', ':p ?o', n)} }}",
    "comma": lambda n: f"{P}SELECT * WHERE {{ ?s :p {_join(' , ', '?o', n)} }}",
    "dot": lambda n: f"{P}SELECT * WHERE {{ {_join(' . ', '?s :p ?o', n)} }}",
    "bnode": lambda n: f"{P}SELECT * WHERE {{ ?s :p {'[ :p ' * n}?o{' ]' * n} }}",
    "collection": lambda n: f"{P}SELECT * WHERE {{ ?s :p ({_join(' ', '1', n)}) }}",
    "collnest": lambda n: f"{P}SELECT * WHERE {{ ?s :p {'(' * n}1{')' * n} }}",
    "filter": lambda n: f"SELECT * WHERE {{ {'FILTER(true) ' * n} }}",
    "bind": lambda n: "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(n)) + " }",
    "join": lambda n: f"SELECT * WHERE {{ {'{} ' * n} }}",
    "graph": lambda n: f"SELECT * WHERE {{ {'GRAPH ?g {} ' * n} }}",
    "exists": lambda n: f"SELECT * WHERE {'{ FILTER EXISTS ' * n}{{}}{' }' * n}",
    "orderby": lambda n: f"SELECT * WHERE {{}} ORDER BY {'?a ' * n}",
    "concat": lambda n: f"SELECT * WHERE {{ BIND(CONCAT({_join(',', '1', n)}) AS ?x) }}",
    "u-collection": lambda n: f"{P}INSERT DATA {{ :s :p ({_join(' ', '1', n)}) }}",
    "u-bnode": lambda n: f"{P}INSERT DATA {{ :s :p {'[ :p ' * n}1{' ]' * n} }}",
    "u-union": lambda n: f"{P}DELETE {{ ?s :p ?o }} INSERT {{ ?s :q ?o }} WHERE {{ {_join(' UNION ', '{}', n)} }}",
    "u-add": lambda n: f"{P}INSERT {{ :s :p 1 }} WHERE {{ FILTER({_join('+', '1', n)}) }}",
    "u-not": lambda n: f"{P}INSERT {{ :s :p 1 }} WHERE {{ FILTER({'!' * n}true) }}",
}

PROBE = """
import sys, threading
import pyoxigraph as ox
text, engine, stack = sys.stdin.read(), sys.argv[1], int(sys.argv[2])
outcome = []
def run():
    try:
        if engine == "rdflib":
            from kg.changes import update_diff
            update_diff(ox.Store(), text)
        elif "INSERT" in text or "DELETE" in text:
            ox.Store().update(text)
        else:
            result = ox.Store().query(text)
            if not isinstance(result, ox.QueryBoolean):
                list(result)
        outcome.append(0)
    except BaseException as err:
        outcome.append(type(err).__name__)
if stack:
    threading.stack_size(stack * 1024 * 1024)
thread = threading.Thread(target=run)
thread.start()
thread.join()
print(outcome[0])
"""


def probe(construct: str, n: int, stack_mib: int, engine: str = "oxigraph") -> str:
    """'ok', the exception's name, 'SLOW' (over ``TIMEOUT`` seconds) or 'CRASH <signal>'."""
    text = CONSTRUCTS[construct](n)
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, engine, str(stack_mib)],
            input=text,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return "SLOW"
    if done.returncode < 0:
        return f"CRASH {-done.returncode}"
    if done.returncode != 0:
        return f"CRASH exit {done.returncode}"
    out = done.stdout.strip()
    return "ok" if out == "0" else out


def threshold(construct: str, stack_mib: int, limit: int, engine: str) -> tuple[int | None, str]:
    """The smallest n (to within 5 %) that crashes, or None if even the text at ``limit`` characters does not."""
    top = 1
    while len(CONSTRUCTS[construct](top * 2)) <= limit:
        top *= 2
    top = max(top, 1)
    # the largest n whose text fits in the length limit
    lo, hi = top, top * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if len(CONSTRUCTS[construct](mid)) <= limit else (lo, mid)
    biggest = lo
    result = probe(construct, biggest, stack_mib, engine)
    if not result.startswith("CRASH"):
        return None, f"n={biggest}: {result}"
    lo, hi = 1, biggest  # lo does not crash (assumed), hi crashes
    while hi - lo > max(1, lo // 20):
        mid = (lo + hi) // 2
        if probe(construct, mid, stack_mib, engine).startswith("CRASH"):
            hi = mid
        else:
            lo = mid
    return hi, f"crashes from n≈{hi} ({probe(construct, lo, stack_mib, engine)} at {lo})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", type=int, default=8, help="thread stack in MiB (0: the platform default)")
    parser.add_argument("--limit", type=int, default=100_000, help="the query length limit, in characters")
    parser.add_argument("--engine", choices=["oxigraph", "rdflib"], default="oxigraph")
    parser.add_argument("constructs", nargs="*", default=list(CONSTRUCTS))
    args = parser.parse_args()
    for construct in args.constructs:
        started = time.monotonic()
        _, verdict = threshold(construct, args.stack, args.limit, args.engine)
        print(f"{construct:14} {verdict}  [{time.monotonic() - started:.1f} s]", flush=True)


if __name__ == "__main__":
    main()
