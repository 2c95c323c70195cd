"""Allow-lists of the conformance runners: which tests are skipped or expected to fail, and why.

Each module keeps one dict ``{test IRI: (SKIP or XFAIL, reason)}``; :func:`marks` turns an entry into pytest marks.
XFAILs are strict: a test that starts passing fails the run until its entry is removed.
"""

from __future__ import annotations

import pytest

SKIP, XFAIL = "skip", "xfail"

Entry = tuple[str, str]


def marks(entry: Entry | None) -> list[pytest.MarkDecorator]:
    """The pytest marks for an allow-list entry (none for a test expected to pass)."""
    if entry is None:
        return []
    kind, reason = entry
    return [pytest.mark.skip(reason=reason) if kind == SKIP else pytest.mark.xfail(reason=reason, strict=True)]
