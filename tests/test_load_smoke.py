"""A short version of the load test (bench/load.py): concurrent readers and writers, no error, no lost write."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from kg.build import BuildResult
from tests.conftest import serve

LOAD = Path(__file__).resolve().parents[1] / "bench" / "load.py"


def test_mixed_load_with_writes_has_no_errors_and_loses_no_write(built: BuildResult, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("load", LOAD)
    assert spec and spec.loader
    load = importlib.util.module_from_spec(spec)
    sys.modules["load"] = load  # dataclasses look their module up
    spec.loader.exec_module(load)
    shutil.copytree(built.store_path, tmp_path / "store")
    shutil.copytree(built.dump_dir, tmp_path / "dumps")
    server = serve(tmp_path, {"KG_WRITE_TOKEN": "load"})
    url = next(server).url
    try:
        stats = asyncio.run(load.run_load(url, "load", clients=8, seconds=6, write_every=10))
    finally:
        server.close()
    assert stats.errors == [], stats.errors[:5]
    assert len(stats.writes_acknowledged) >= 4
    assert stats.requests > 50


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
