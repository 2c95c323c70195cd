"""Issue 12, item 7: every setting is checked when ``kg serve`` starts; a bad one is one line on stderr and exit 2.

Before, ``KG_QUERY_TIMEOUT=abc`` printed a traceback, and ``KG_QUERY_TIMEOUT=nan`` or ``KG_QUERY_THREADS=0``
started a server that looked healthy and answered nothing useful.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from server.settings import SettingError, Settings

runner = CliRunner()

BAD_VALUES = [
    ("KG_QUERY_TIMEOUT", "abc"),
    ("KG_QUERY_TIMEOUT", "0"),
    ("KG_QUERY_TIMEOUT", "-5"),
    ("KG_QUERY_TIMEOUT", "nan"),
    ("KG_QUERY_TIMEOUT", "inf"),
    ("KG_MAX_QUERY_LENGTH", "abc"),
    ("KG_MAX_QUERY_LENGTH", "0"),
    ("KG_MAX_BODY_BYTES", "-1"),
    ("KG_MAX_BODY_BYTES", "1.5"),
    ("KG_PROCESSES", "0"),
    ("KG_PROCESSES", "two"),
    ("KG_QUERY_THREADS", "0"),
    ("KG_WRITE_WAIT", "-1"),
    ("KG_WRITE_WAIT", "soon"),
    ("KG_WRITE_TOKEN", "two words"),
    ("KG_WRITE_TOKEN_FILE", "/nonexistent/token"),
    ("KG_LOAD_ALLOWLIST", "not a url"),
    ("KG_SERVICE_ALLOWLIST", "https://query.wikidata.org/sparql,wikidata"),
    ("KG_SERVICE_ALLOWLIST", "ftp://example.org/sparql"),
    ("KG_BASE_IRI", "example.org/"),
    ("KG_BASE_IRI", "https://example.org/akg"),
    ("KG_BASE_IRI", "urn:akg:"),
    ("KG_HTTP_SERVER", "hypercorn"),  # issue 17: uvicorn or granian
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_setting_exits_2_with_one_line_naming_it(tmp_path: Path, name: str, value: str) -> None:
    result = runner.invoke(app, ["serve", "--build-dir", str(tmp_path)], env={name: value})
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and "it takes" in lines[0], lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("option", "value"), [("--base", "ftp://example.org/"), ("--port", "0"), ("--port", "70000")])
def test_bad_serve_option_exits_2_with_one_line_naming_it(tmp_path: Path, option: str, value: str) -> None:
    result = runner.invoke(app, ["serve", "--build-dir", str(tmp_path), option, value])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0], result.stderr


def test_the_write_token_is_never_shown_in_a_setting_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--build-dir", str(tmp_path)], env={"KG_WRITE_TOKEN": "s3cret value"})
    assert result.exit_code == 2
    assert "KG_WRITE_TOKEN" in result.stderr
    assert "s3cret" not in result.output


def test_empty_token_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("\n")
    result = runner.invoke(
        app, ["serve", "--build-dir", str(tmp_path)], env={"KG_WRITE_TOKEN_FILE": str(tmp_path / "token")}
    )
    assert result.exit_code == 2
    assert "KG_WRITE_TOKEN_FILE" in result.stderr and "empty" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("KG_QUERY_TIMEOUT", "abc"), ("KG_WRITE_TOKEN_FILE", "/nonexistent")])
def test_kg_serve_process_prints_one_line_and_no_traceback(tmp_path: Path, name: str, value: str) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--build-dir", str(tmp_path), "--port", "1"],
        env={**os.environ, name: value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2, process.stderr
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr
    assert name in process.stderr and "Traceback" not in process.stderr


@pytest.mark.parametrize(
    ("field", "value", "name"),
    [("query_timeout", float("nan"), "KG_QUERY_TIMEOUT"), ("query_threads", 0, "KG_QUERY_THREADS")],
)
def test_settings_made_in_code_are_checked_too(field: str, value: object, name: str) -> None:
    with pytest.raises(SettingError, match=name):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_good_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("KG_SERVICE_ALLOWLIST", "")
    monkeypatch.setenv("KG_LOAD_ALLOWLIST", "https://example.org/a.ttl, file:///srv/b.ttl")
    monkeypatch.setenv("KG_WRITE_WAIT", "0")
    settings = Settings.from_env()
    assert settings.query_timeout == 2.5 and settings.write_wait == 0
    assert settings.service_allowlist == ()
    assert settings.load_allowlist == ("https://example.org/a.ttl", "file:///srv/b.ttl")
