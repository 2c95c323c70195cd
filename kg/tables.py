"""Plain-text tables of query results, for the terminal."""

from __future__ import annotations

import pyoxigraph as ox


def term_text(term: object) -> str:
    """A compact rendering of an RDF term: IRIs bare, literals by value.

    >>> term_text(ox.NamedNode("http://example.org/a")), term_text(ox.Literal("x", language="en")), term_text(None)
    ('http://example.org/a', 'x', '')
    """
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def render_table(result: ox.QuerySolutions | ox.QueryBoolean, max_width: int = 60) -> str:
    """Render SELECT solutions as an aligned text table (ASK as its boolean), with a row count."""
    if isinstance(result, ox.QueryBoolean):
        return "true" if bool(result) else "false"
    names = [v.value for v in result.variables]
    rows = [[term_text(solution[name]) for name in names] for solution in result]

    def cut(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cut(c) for c in row] for row in rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
