"""Issue 16, item 4: a statement is citable, by content negotiation on its IRI (CSL-JSON, BibTeX, RIS, each
read back by a real parser) and as a copyable text on its page, against the real server and the built data."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import bibtexparser
import httpx
import jsonschema
import pytest
import rispy
from bibtexparser import middlewares

from tests.conftest import MARKUP_TITLE, LiveServer

ROOT = Path(__file__).resolve().parents[1]
CSL_SCHEMA = json.loads((ROOT / "tests/fixtures/csl/csl-data.json").read_text())
SEED = (ROOT / "kg/sources/000_0e8f8a54f5669a8b.txt").read_text(encoding="utf-8")
SEED_URL = "https://manage.thediplomat.com/2025/06/calls-for-strategic-autonomy-grow-in-japan/"
#: Nakatani's quotation at the Shangri-La Dialogue: characters 390 to 644 of the seed article.
QUOTE = "id/statement/diplomat-2025-06-strategic-autonomy/nakatani-healthy-sense-of-caution"
QUOTE_IRI = "https://w3id.org/akg/" + QUOTE
WORDS = SEED[390:644]
#: The article's opening claim (no speaker), with typographic quotation marks around “strategic autonomy”.
CLAIM = "id/statement/diplomat-2025-06-strategic-autonomy/calls-for-strategic-autonomy"
#: Jake Sullivan's quotation in a White House statement, which has a title and a publication day.
SULLIVAN = (
    "id/statement/whitehouse-2022-12-16-sullivan-japan-national-security-strategy/"
    "sullivan-historic-step-free-and-open-indo-pacific"
)
SULLIVAN_TITLE = (
    "Statement by National Security Advisor Jake Sullivan on Japan\u2019s Historic National Security Strategy"
)
CSL, BIBTEX, RIS = (
    "application/vnd.citationstyles.csl+json",
    "application/x-bibtex",
    "application/x-research-info-systems",
)


def get(server_url: str, path: str, accept: str) -> httpx.Response:
    r = httpx.get(server_url + path, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == f"{accept}; charset=utf-8"
    return r


def all_nq_sha256(server_url: str) -> str:
    sums = httpx.get(server_url + "dumps/SHA256SUMS").text
    return next(line.split()[0] for line in sums.splitlines() if line.endswith("  all.nq"))


def today() -> list[int]:
    now = datetime.now(UTC).date()
    return [now.year, now.month, now.day]


def parse_bibtex(text: str) -> dict[str, str]:
    """The one entry of ``text``: its text fields LaTeX-decoded, its URL fields as written (verbatim in biblatex)."""
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.LatexDecodingMiddleware()])
    verbatim = bibtexparser.parse_string(text)
    assert not library.failed_blocks and not verbatim.failed_blocks, library.failed_blocks
    (entry,), (raw,) = library.entries, verbatim.entries
    fields = {f.key: str(f.value) for f in entry.fields} | {k: str(raw[k]) for k in ("url", "urldate") if k in raw}
    return {"ENTRYTYPE": entry.entry_type, "ID": entry.key, **fields}


def test_csl_json_citation_of_a_quotation_conforms_to_the_csl_schema_and_holds_the_data(server_url: str) -> None:
    items = get(server_url, QUOTE, CSL).json()
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(items)
    (item,) = items
    assert item["type"] == "article-newspaper"  # published by a media outlet
    assert item["author"] == [{"literal": "Nakatani Gen"}]
    assert item["title"] == WORDS
    assert item["publisher"] == "The Diplomat"
    assert item["issued"] == {"date-parts": [[2025, 6]]}  # the source's month: no day invented
    assert "container-title" not in item  # the data has no title for the seed article
    assert item["URL"].startswith(SEED_URL + "#:~:text=")
    assert item["version"] == all_nq_sha256(server_url)
    assert item["accessed"] == {"date-parts": [today()]}
    assert QUOTE_IRI in item["note"]


def test_csl_json_citation_of_a_white_house_quotation_is_a_webpage_with_its_title_and_day(server_url: str) -> None:
    items = get(server_url, SULLIVAN, CSL).json()
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(items)
    (item,) = items
    assert item["type"] == "webpage"
    assert item["author"] == [{"literal": "Jake Sullivan"}]
    assert item["container-title"] == SULLIVAN_TITLE
    assert item["publisher"] == "The White House"
    assert item["issued"] == {"date-parts": [[2022, 12, 16]]}
    assert item["title"].startswith("Today, Japan has taken a bold and historic step")


def test_bibtex_citation_parses_with_bibtexparser_and_holds_the_data(server_url: str) -> None:
    entry = parse_bibtex(get(server_url, QUOTE, BIBTEX).text)
    assert entry["ENTRYTYPE"] == "misc"
    assert entry["author"] == "Nakatani Gen"  # braced in the file: one name, not family "Gen", given "Nakatani"
    assert entry["title"] == WORDS
    assert entry["howpublished"] == entry["publisher"] == "The Diplomat"
    assert (entry["year"], entry["month"], entry["date"]) == ("2025", "6", "2025-06")
    assert entry["url"].startswith(SEED_URL + "#:~:text=")
    assert entry["urldate"] == "-".join(f"{n:02d}" for n in today())
    assert entry["version"] == all_nq_sha256(server_url)
    assert QUOTE_IRI in entry["note"]


def test_bibtex_citation_escapes_latex_specials_and_has_no_author_without_a_speaker(server_url: str) -> None:
    text = get(server_url, CLAIM, BIBTEX).text
    assert "\\textquotedblleft" in text  # “ written for LaTeX
    entry = parse_bibtex(text)
    assert entry["title"] == SEED[0:207]
    assert "author" not in entry


def test_ris_citation_reads_back_with_rispy(server_url: str) -> None:
    text = get(server_url, QUOTE, RIS).text
    assert text.startswith("TY  - NEWS")
    (record,) = rispy.loads(text)
    assert record["type_of_reference"] == "NEWS"
    assert record["authors"] == ["Nakatani Gen"]
    assert record["title"] == WORDS
    assert record["publisher"] == "The Diplomat"
    assert (record["year"], record["date"]) == ("2025", "2025/06//")
    assert record["urls"][0].startswith(SEED_URL + "#:~:text=")
    assert "secondary_title" not in record
    assert QUOTE_IRI in record["notes"][0] and all_nq_sha256(server_url) in record["notes"][0]
    sullivan = rispy.loads(get(server_url, SULLIVAN, RIS).text)[0]
    assert (sullivan["type_of_reference"], sullivan["secondary_title"]) == ("ELEC", SULLIVAN_TITLE)
    assert sullivan["date"] == "2022/12/16/"


def test_text_fragment_decodes_back_to_the_start_and_end_of_the_quoted_words(server_url: str) -> None:
    url = get(server_url, QUOTE, CSL).json()[0]["URL"]
    directive = url.split("#:~:text=", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9%._~]+(,[A-Za-z0-9%._~]+)?", directive), directive  # no raw - , & or space
    start, end = (unquote(part) for part in directive.split(","))
    assert WORDS.startswith(start) and WORDS.endswith(end)
    assert SEED.lower().index(start.lower()) == 390  # the first match in the page is the quote: no prefix needed


def test_head_of_a_citation_answers_like_get(server_url: str) -> None:
    got = httpx.get(server_url + QUOTE, headers={"Accept": BIBTEX})
    head = httpx.head(server_url + QUOTE, headers={"Accept": BIBTEX})
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"] == f"{BIBTEX}; charset=utf-8"
    assert head.content == b""


@pytest.mark.parametrize(("query", "suffix", "media_type"), [("?format=ris", "", RIS), ("", ".bib", BIBTEX)])
def test_format_parameter_and_extension_pick_a_citation_format(
    server_url: str, query: str, suffix: str, media_type: str
) -> None:
    r = httpx.get(server_url + QUOTE + suffix + query, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == f"{media_type}; charset=utf-8"


def test_citations_are_offered_for_statements_only_406_otherwise(server_url: str) -> None:
    assert httpx.get(server_url + QUOTE, headers={"Accept": BIBTEX}).status_code == 200
    for path in ("id/person/nakatani-gen", QUOTE + "/anchor"):
        r = httpx.get(server_url + path, headers={"Accept": BIBTEX})
        assert r.status_code == 406, r.text


class Textareas(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._inside = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "textarea":
            self._inside = True
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "textarea"

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.texts[-1] += data


def test_statement_page_shows_the_citation_as_copyable_text(server_url: str) -> None:
    page = httpx.get(server_url + QUOTE, headers={"Accept": "text/html"}).text
    (citation,) = Textareas(page).texts
    assert citation.startswith(
        f"Nakatani Gen, “{WORDS}” (direct quotation), The Diplomat, June 2025, {SEED_URL}#:~:text="
    )
    assert QUOTE_IRI in citation and all_nq_sha256(server_url) in citation
    assert "<script" not in page


def test_a_title_with_markup_and_latex_specials_is_escaped_in_every_format(titled_server: LiveServer) -> None:
    page = httpx.get(titled_server.url + QUOTE, headers={"Accept": "text/html"}).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert MARKUP_TITLE in Textareas(page).texts[0]
    assert get(titled_server.url, QUOTE, CSL).json()[0]["container-title"] == MARKUP_TITLE
    bibtex = get(titled_server.url, QUOTE, BIBTEX).text
    assert "\\& 100\\% \\{autonomy\\} \\#1" in bibtex
    assert parse_bibtex(bibtex)["howpublished"] == MARKUP_TITLE
    assert rispy.loads(get(titled_server.url, QUOTE, RIS).text)[0]["secondary_title"] == MARKUP_TITLE
