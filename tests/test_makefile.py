"""The Makefile's build rule: `make build` rebuilds when any input of `kg build` changes (issue 14, item 10b)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.test_newcomer import MAKE_VARIABLES

ROOT = Path(__file__).resolve().parents[1]


def make_plan(build_dir: Path, *changed: str) -> str:
    """What `make build` would run (``make -n``) if the files ``changed`` had just changed (``make -W``)."""
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    # -o: whatever the state of this checkout's venv, only the build rule is asked about.
    command = ["make", "-n", "-o", ".venv/.installed-stamp", f"BUILD={build_dir}", *(f"-W{f}" for f in changed)]
    return subprocess.run([*command, "build"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("changed", ["kg/links/wikidata.sssom.tsv", "kg/link/wikidata.py", "kg/link/candidates.rq"])
def test_make_build_rebuilds_when_a_links_file_changes(tmp_path: Path, changed: str) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "CURRENT").touch()  # a store newer than every input
    assert "kg build" not in make_plan(tmp_path)
    assert "kg build" in make_plan(tmp_path, changed)
