"""`kg review` in a real headless browser (Debian's chromium, driven by Playwright) over the real app on a free
loopback port: keyboard review of a draft that `kg annotate` wrote, and a bad edit that writes nothing."""

from __future__ import annotations

import copy
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from playwright.sync_api import Browser, Page, expect
from typer.testing import CliRunner

from kg.annotations import schema_errors
from kg.cli import app
from kg.review.app import create_review_app
from tests.browser import launched_browser

FIXTURE = Path(__file__).parent / "fixtures" / "annotate" / "offices_events_dates.txt"


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # runs in a thread: the test process keeps its handlers
        pass


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    """A draft written by `kg annotate` from a small invented text, beside its text."""
    shutil.copy(FIXTURE, tmp_path / FIXTURE.name)
    out = tmp_path / "draft.yaml"
    args = ["annotate", str(tmp_path / FIXTURE.name), "--out", str(out), "--published", "2025-06-04"]
    result = CliRunner().invoke(app, [*args, "--store", "/nonexistent"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def review_url(draft: Path) -> Iterator[str]:
    """The review app over ``draft`` on a free loopback port, in a thread; yields its URL once it listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(create_review_app(draft), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the review app did not start within 15 s"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server.should_exit = True
    thread.join(10)
    sock.close()


def _open(browser: Browser, url: str) -> tuple[Page, list[dict[str, Any]], list[str]]:
    """The page, loaded, with the suggestions in page order; and any console errors (a CSP breach shows there)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    expect(page.locator("#items li").first).to_be_visible()
    items = httpx.get(url + "api/draft").json()["items"]
    return page, items, errors


def _go_to(page: Page, items: list[dict[str, Any]], index: int, at: int) -> int:
    """Move the selection from ``at`` to ``index`` with j/k; returns the new position."""
    key = "j" if index > at else "k"
    for _ in range(abs(index - at)):
        page.keyboard.press(key)
    expect(page.locator(f"#items li[data-index='{index}']")).to_have_class("current")
    return index


def test_keyboard_review_writes_exactly_the_decisions_and_keeps_the_draft(
    browser: Browser, review_url: str, draft: Path
) -> None:
    original_bytes = draft.read_bytes()
    original = yaml.safe_load(original_bytes)
    text = FIXTURE.read_text(encoding="utf-8")
    page, items, errors = _open(browser, review_url)
    kinds = {i["kind"] for i in items}
    assert {"quotation", "paraphrase", "claim", "entity", "office", "date", "event"} - kinds <= {"quotation"}
    assert page.locator("#text .k-paraphrase").count() > 0 and page.locator("#text .k-date").count() > 0
    assert "next suggestion" in page.locator(".shortcuts").inner_text()

    accept = 0  # the first suggestion, selected on load
    reject = next(n for n, i in enumerate(items) if i["kind"] == "claim")
    edit = next(n for n, i in enumerate(items) if i["kind"] == "paraphrase" and n not in (accept, reject))
    page.keyboard.press("a")
    at = _go_to(page, items, reject, 1)
    page.keyboard.press("r")
    _go_to(page, items, edit, at + 1)
    page.keyboard.press("e")
    start, end = items[edit]["spans"][0]
    new_start = start + text[start:end].index(" ") + 1  # drop the first word
    page.fill("#items form.edit input[name=start]", str(new_start))
    page.press("#items form.edit input[name=start]", "Enter")
    expect(page.locator(f"#items li[data-index='{edit}'] .state")).to_have_text("edited")
    page.keyboard.press("s")
    expect(page.locator("#status")).to_contain_text("Saved")

    expected = copy.deepcopy(original)

    def element(i: dict[str, Any]) -> dict[str, Any]:
        section = expected["concepts"]["items"] if i["section"] == "concepts" else expected[i["section"]]
        return next(e for e in section if e["slug"] == i["slug"])

    del element(items[accept])["suggested"]
    edited = element(items[edit])
    edited["span"], edited["text"] = [new_start, end], text[new_start:end]
    del edited["suggested"]
    expected["statements"].remove(element(items[reject]))
    written = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert written == expected
    assert schema_errors(written) == []
    assert draft.with_name("draft.yaml.draft").read_bytes() == original_bytes
    assert errors == []
    page.close()


def test_a_bad_edit_shows_the_reasons_and_writes_nothing(browser: Browser, review_url: str, draft: Path) -> None:
    before = draft.read_bytes()
    page, items, errors = _open(browser, review_url)
    first_statement = next(n for n, i in enumerate(items) if i["section"] == "statements")
    _go_to(page, items, first_statement, 0)
    page.keyboard.press("e")
    page.fill("#items form.edit input[name=end]", "99999")
    page.press("#items form.edit input[name=end]", "Enter")
    page.keyboard.press("s")
    expect(page.locator("#errors")).to_be_visible()
    expect(page.locator("#errors")).to_contain_text("span [")
    expect(page.locator("#errors")).to_contain_text("the text's length")
    assert draft.read_bytes() == before
    assert not draft.with_name("draft.yaml.draft").exists()
    assert errors == [] or all("422" in e for e in errors)  # the failed POST is logged by chromium, nothing else
    page.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_browser() as launched:
        yield launched
