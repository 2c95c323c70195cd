"""Modules of one concern: no Python module in kg/, server/ or bench/ is over 400 lines (issue 14, item 7).

A module that grows past this is split by concern (docs: /work/shared/style.md, "Aim for ≤ 400 lines per module").
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kg", "server", "bench")
MAX_LINES = 400


def test_no_module_in_kg_server_or_bench_is_over_400_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if ".venv" not in path.parts and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these by concern (at most {MAX_LINES} lines each): {too_long}"
