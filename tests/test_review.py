"""`kg review` without a browser: the save endpoint's checks (422 and nothing written), references to rejected
elements, stale pages, foreign hosts, and the command line's bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kg.cli import app
from kg.review.app import create_review_app

FIXTURE = Path(__file__).parent / "fixtures" / "annotate" / "offices_events_dates.txt"
runner = CliRunner()


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    shutil.copy(FIXTURE, tmp_path / FIXTURE.name)
    out = tmp_path / "draft.yaml"
    args = ["annotate", str(tmp_path / FIXTURE.name), "--out", str(out), "--published", "2025-06-04"]
    result = runner.invoke(app, [*args, "--store", "/nonexistent"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def client(draft: Path) -> TestClient:
    return TestClient(create_review_app(draft))


def save(client: TestClient, *decisions: dict[str, Any]) -> httpx.Response:
    version = client.get("/api/draft").json()["version"]
    return client.post("/api/save", json={"version": version, "decisions": list(decisions)})


def test_a_span_outside_the_text_is_422_with_the_reason_and_nothing_is_written(client: TestClient, draft: Path) -> None:
    before = draft.read_bytes()
    slug = yaml.safe_load(before)["statements"][0]["slug"]
    r = save(client, {"section": "statements", "slug": slug, "action": "edit", "fields": {"start": 5, "end": 10**6}})
    assert r.status_code == 422, r.text
    assert any(slug in e and "the text's length" in e for e in r.json()["errors"])
    assert draft.read_bytes() == before and not draft.with_name("draft.yaml.draft").exists()


def test_a_date_value_that_contradicts_its_precision_is_422(client: TestClient, draft: Path) -> None:
    r = save(client, {"section": "dates", "slug": "d-2022-04", "action": "edit", "fields": {"precision": "day"}})
    assert r.status_code == 422, r.text
    assert "does not have day precision" in r.json()["errors"][0]


def test_accepting_a_paraphrase_after_removing_its_speaker_is_422_naming_the_statement(client: TestClient) -> None:
    slug = "rafael-soto-rafael-soto-a-former-finance"
    r = save(client, {"section": "statements", "slug": slug, "action": "edit", "fields": {"speaker": ""}})
    assert r.status_code == 422, r.text
    assert any(e.startswith(f"statements {slug}:") for e in r.json()["errors"])


def test_rejecting_an_entity_removes_optional_references_and_says_so(client: TestClient, draft: Path) -> None:
    r = save(client, {"section": "entities", "slug": "nhk", "action": "reject"})
    assert r.status_code == 200, r.text
    notes = r.json()["notes"]
    assert any("broadcaster nhk removed" in n for n in notes) and any("nhk removed from mentions" in n for n in notes)
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert "nhk" not in yaml.safe_dump(data).split()
    assert draft.read_text(encoding="utf-8").startswith("# Draft annotations")  # suggestions remain: header kept


def test_rejecting_the_holder_of_an_office_is_422_asking_to_reject_the_holding_too(client: TestClient) -> None:
    r = save(client, {"section": "entities", "slug": "lin-jian", "action": "reject"})
    assert r.status_code == 422, r.text
    assert any("holdings lin-jian-foreign-ministry-spokesman needs holder" in e for e in r.json()["errors"])


def test_a_save_from_a_stale_page_is_409_and_writes_nothing(client: TestClient, draft: Path) -> None:
    before = draft.read_bytes()
    r = client.post("/api/save", json={"version": "0" * 16, "decisions": []})
    assert r.status_code == 409 and "reload" in r.json()["errors"][0]
    assert draft.read_bytes() == before


def test_a_form_post_is_refused(client: TestClient) -> None:
    r = client.post("/api/save", data={"version": "x"})
    assert r.status_code == 422, r.text


def test_a_request_for_another_host_is_refused(client: TestClient) -> None:
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400


def test_the_page_carries_a_strict_content_security_policy_and_no_inline_script(client: TestClient) -> None:
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text and "onclick" not in r.text


def test_second_save_keeps_the_first_backup(client: TestClient, draft: Path) -> None:
    original = draft.read_bytes()
    assert save(client, {"section": "entities", "slug": "china", "action": "accept"}).status_code == 200
    assert save(client, {"section": "entities", "slug": "japan", "action": "accept"}).status_code == 200
    assert draft.with_name("draft.yaml.draft").read_bytes() == original


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("- a list\n", "not an annotation file"), ("source: {text_file: gone.txt}\n", "gone.txt")],
)
def test_review_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "x.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["review", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_kg_review_prints_its_loopback_url_and_serves_the_page(draft: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "review", str(draft), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith(f"Reviewing {draft}") and "http://127.0.0.1:" in line, line
        url = line.split(" at ", 1)[1].split()[0]
        deadline = time.monotonic() + 30
        while True:  # the socket is bound before the URL is printed; uvicorn listens a moment later
            try:
                r = httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "kg review did not answer within 30 s"
                time.sleep(0.05)
        assert r.status_code == 200 and "draft.yaml" in r.text
    finally:
        process.terminate()
        process.wait(timeout=10)
