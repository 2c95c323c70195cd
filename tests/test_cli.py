"""The `kg` command line, through typer's runner: exit codes and the lines a user reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

import kg.cli
from kg.annotations import annotation_files
from kg.build import BuildResult
from kg.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "validate", "serve", "query", "dump", "locate"):
        assert command in result.output


def test_module_docstring_lists_every_command() -> None:
    listed = set(re.findall(r"\w+", (kg.cli.__doc__ or "").split(":", 1)[1].split("(", 1)[0]))
    assert set(typer.main.get_command(app).commands) <= listed  # type: ignore[attr-defined]


def test_build_reports_counts_and_writes_store_and_dumps(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--build-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"named graphs from {len(annotation_files())} source(s)" in result.output
    assert (tmp_path / "store" / "CURRENT").exists()
    assert (tmp_path / "dumps" / "SHA256SUMS").exists()


def test_validate_exits_0_on_the_built_graph(built: BuildResult) -> None:
    result = runner.invoke(app, ["validate", "--build-dir", str(built.store_path.parent)])
    assert result.exit_code == 0, result.output
    assert "Conforms" in result.output


def test_validate_without_a_store_exits_2_with_a_hint(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--build-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "kg build" in result.output


def test_validate_with_a_bad_base_exits_2_not_1(built: BuildResult) -> None:
    """Exit 1 means "does not conform" (pySHACL's contract); an error that stops the validation is 2."""
    result = runner.invoke(app, ["validate", "--build-dir", str(built.store_path.parent), "--base", "not an iri"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: could not validate: ValueError: base IRI must end with")


def test_validate_with_unreadable_shapes_exits_2_with_one_line(built: BuildResult, tmp_path: Path) -> None:
    """`kg validate` of a copy of the project whose shapes/ holds a file that is not Turtle."""
    project = tmp_path / "project"
    for part in ("kg", "shapes", "ontology"):
        shutil.copytree(ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (project / "shapes" / "broken.ttl").write_text("this is not turtle .\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "validate", "--build-dir", str(built.store_path.parent)],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    error, hint = result.stderr.splitlines()
    assert error.startswith("error: could not validate: BadSyntax:") and "this is not turtle" in error
    assert hint == "hint: check --base, shapes/ and ontology/"


def test_query_by_cq_id_prints_a_table(built: BuildResult) -> None:
    result = runner.invoke(app, ["query", "CQ2", "--build-dir", str(built.store_path.parent)])
    assert result.exit_code == 0, result.output
    assert "expanded role for ASEAN in security" in result.output
    assert "(5 rows)" in result.output


def test_query_from_an_rq_file(built: BuildResult, tmp_path: Path) -> None:
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/akg/ontology#DirectQuotation> }")
    result = runner.invoke(app, ["query", str(query), "--build-dir", str(built.store_path.parent)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].split() == ["34"]  # 12 in the seed, 6 in 001, 6 in 002, 3 in 003, 7 in 004


def test_malformed_query_exits_2(built: BuildResult) -> None:
    result = runner.invoke(app, ["query", "SELECT { ?x", "--build-dir", str(built.store_path.parent)])
    assert result.exit_code == 2
    assert "malformed SPARQL" in result.output


def test_unknown_query_name_lists_the_known_ones(built: BuildResult) -> None:
    result = runner.invoke(app, ["query", "CQ99", "--build-dir", str(built.store_path.parent)])
    assert result.exit_code == 2
    assert "CQ1" in result.output


def test_locate_prints_spans() -> None:
    from kg.annotations import SOURCES_DIR

    result = runner.invoke(app, ["locate", str(SOURCES_DIR / "000_0e8f8a54f5669a8b.txt"), "April 15"])
    assert result.exit_code == 0
    assert result.output.strip() == "span: [3390, 3398]"
