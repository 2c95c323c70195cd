"""Issue 14, item 9: a newcomer with only Python 3.11 and make can run `make serve`; without Node and npm,
``/query`` is a plain HTML form that needs no script, and says how to get the full editor."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from kg.build import BuildResult
from kg.queries import examples
from kg.store import OxigraphStore
from tests.conformance.server import running_server
from tests.conftest import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
#: The only commands on the newcomer's PATH: what `make serve` runs by name (make runs recipes with /bin/sh).
NEWCOMER_TOOLS = ("python3", "make", "touch")
#: Variables of an enclosing `make test` that must not leak into the newcomer's make (jobserver, flags).
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR")


class Page(HTMLParser):
    """What a test needs of a page: its scripts, links, forms' fields, textarea text and select options."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.scripts = 0
        self.links: list[str] = []
        self.forms: list[dict[str, str | None]] = []
        self.fields: dict[str, str] = {}
        self.options: list[str] = []
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "a":
            self.links.append(found.get("href") or "")
        elif tag == "form":
            self.forms.append(found)
        elif tag == "textarea":
            self._textarea = found.get("name") or ""
            self.fields[self._textarea] = ""
        elif tag == "select":
            self.fields[found.get("name") or ""] = ""
        elif tag == "option":
            self.options.append(found.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


@pytest.fixture(scope="module")
def without_editor(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a free port, its browser tools looked for in an empty directory (no npm ran)."""
    tmp = tmp_path_factory.mktemp("no-node-modules")
    with running_server(OxigraphStore.open(built.store_path), tmp, assets_dir=tmp / "node_modules") as url:
        yield url


def test_query_page_without_the_editor_is_a_plain_form_with_every_example(without_editor: str) -> None:
    r = httpx.get(without_editor + "/query")
    assert r.status_code == 200, r.text
    page = Page(r.text)
    assert page.scripts == 0 and "/static/yasgui/" not in r.text
    # the query form, after the site header's search box
    assert [(f.get("method"), f.get("action")) for f in page.forms] == [("get", "/search"), ("post", "/sparql")]
    assert page.fields["query"].strip() == examples()[0].text.strip()
    assert "format" in page.fields and {"json", "csv", "turtle"} <= set(page.options)
    assert page.links[-len(examples()) :] == [f"/query?example={q.cq_id}" for q in examples()]
    assert "install Node.js and npm, then run <code>make serve</code> again" in r.text
    assert "script-src 'self';" in r.headers["content-security-policy"]


def test_query_page_example_link_puts_that_example_in_the_form(without_editor: str) -> None:
    chosen = examples()[1]
    r = httpx.get(without_editor + "/query", params={"example": chosen.cq_id.lower()})
    assert r.status_code == 200, r.text
    assert Page(r.text).fields["query"].strip() == chosen.text.strip()


def test_query_page_unknown_example_is_404_naming_the_examples(without_editor: str) -> None:
    r = httpx.get(without_editor + "/query", params={"example": "CQ999"})
    assert r.status_code == 404, r.text
    assert "CQ999" in r.text and "CQ1, CQ2" in r.text


def test_plain_form_submission_answers_in_the_chosen_format(without_editor: str) -> None:
    form = Page(httpx.get(without_editor + "/query").text).fields
    r = httpx.post(without_editor + "/sparql", data={"query": form["query"], "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "Nakatani Gen" in r.text


@pytest.fixture
def newcomer_path(tmp_path: Path) -> str:
    """A PATH holding only python3, make and touch (symlinks): no node, npm, npx, git or compiler."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # python3 is the interpreter under this test's venv, not a wrapper (a pyenv shim is a bash script).
    python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    for tool in NEWCOMER_TOOLS:
        found = str(python) if tool == "python3" else shutil.which(tool)
        assert found, f"{tool} is not on this machine's PATH"
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.mark.newcomer
def test_make_serve_with_only_python3_and_make_serves_the_plain_form(tmp_path: Path, newcomer_path: str) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    log_path = tmp_path / "make-serve.log"
    with log_path.open("wb") as log:
        make = subprocess.Popen(
            ["make", "serve", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=clone,
            env={**env, "PATH": newcomer_path},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, kg serve and its serving processes
        )
    try:
        # 15 minutes: a fresh venv, where pip installs every dependency (from its cache if it can)
        wait_until_healthy(make, url, log_path, seconds=900, what="make serve", poll=0.2)
        assert not (clone / "node_modules").exists()
        page = httpx.get(url + "query")
        assert page.status_code == 200, page.text
        form = Page(page.text)
        assert form.scripts == 0 and form.forms[-1].get("action") == "/sparql"
        answer = httpx.post(url + "sparql", data={"query": form.fields["query"], "format": "csv"})
        assert answer.status_code == 200, answer.text
        assert "Nakatani Gen" in answer.text
        assert "npm not found: /query is a plain form" in log_path.read_text()
    finally:
        stop_group(make)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started with ``start_new_session`` and everything it started (its process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            continue
