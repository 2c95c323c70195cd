"""Genres a title announces (statement releases, readouts of calls), names with initials and suffixes, offices
whose state the text states or not, and dates counted from the publication day: one invented text each
(tests/fixtures/annotate/), issue 13."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.annotate.dates import Published, find_dates
from kg.annotate.document import read_text
from kg.annotate.gazetteer import load_gazetteer
from kg.annotate.pipeline import Meta, annotate_text

FIXTURES = Path(__file__).parent / "fixtures" / "annotate"


def draft_of(
    name: str, title: str | None = None, publisher: str | None = None, sources: Path | None = None
) -> dict[str, Any]:
    text, notes = read_text(FIXTURES / name)
    meta = Meta(name, "fixture", published=Published.parse("2025-06-04"), publisher=publisher, title=title)
    return annotate_text(text, meta, load_gazetteer(sources), notes).draft


def statements(draft: dict[str, Any], kind: str) -> list[tuple[str, str | None]]:
    return [(s["text"], s.get("speaker")) for s in draft["statements"] if s["kind"] == kind]


def held(draft: dict[str, Any]) -> set[tuple[str, str, str]]:
    posts = {p["slug"]: p["label"] for p in draft.get("posts", ())}
    return {(h["holder"], posts[h["post"]], h["status"]) for h in draft.get("holdings", ())}


def test_statement_release_is_one_quotation_per_sentence_by_the_person_the_title_names() -> None:
    d = draft_of("statement_release.txt", title="Statement by Foreign Minister Anna Lind on the Harbour Accord")
    quoted = statements(d, "quotation")
    assert [t for t, _ in quoted] == [
        "Today, Norway and Finland signed the Harbour Accord, a step I have long urged.",
        "Prime Minister Berg of Norway deserves credit for it.",
        "The accord will help our fishermen and our ports.",
        "I look forward to working with both governments on the next steps.",
    ]
    assert {s for _, s in quoted} == {"anna-lind"}
    assert not statements(d, "claim") and not statements(d, "paraphrase")
    # the office named only in the title is no holding: its evidence would not be a span of the text
    assert not any(h[0] == "anna-lind" for h in held(d))
    release = next(e for e in d["events"] if e["participants"] == ["anna-lind"])
    assert all(s["made_through"] == {"event": release["slug"], "basis": "stated"} for s in d["statements"])


def test_statement_without_a_title_stays_the_articles_own_claims() -> None:
    d = draft_of("statement_release.txt")
    assert not statements(d, "quotation")


def test_readout_paraphrases_the_office_the_title_names_and_once_per_leader_for_plural_subjects() -> None:
    d = draft_of("readout_call.txt", title="Readout of Prime Minister Okafor’s Call with President Duarte of Brazil")
    okafor, duarte = "samuel-t-okafor-jr", "marta-duarte"
    para = statements(d, "paraphrase")
    by_text: dict[str, list[str | None]] = {}
    for t, s in para:
        by_text.setdefault(t.split(" that ")[0].split(" their ")[0], []).append(s)
    assert by_text == {
        "The Prime Minister underscored": [okafor],
        "The Prime Minister said he looked forward to working closely with President Duarte on trade.": [okafor],
        "The two leaders noted": [okafor, duarte],
        "The Prime Minister and President reaffirmed": [okafor, duarte],
        "They also underscored": [okafor, duarte],
    }
    assert [t[:30] for t, _ in statements(d, "claim")] == [
        "Prime Minister Samuel T. Okafo",
        "The call follows a meeting of ",
    ]
    call = next(e for e in d["events"] if set(e["participants"]) == {okafor, duarte})
    assert all(s["made_through"]["event"] == call["slug"] for s in d["statements"] if s["kind"] == "paraphrase")
    assert call["date"] == "d-2025-06-04-today"


def test_name_with_an_initial_and_jr_is_one_person_and_a_later_surname_is_that_person() -> None:
    d = draft_of("readout_call.txt", title="Readout of Prime Minister Okafor’s Call with President Duarte of Brazil")
    people = {e["label"]: e for e in d["entities"] if e["kind"] == "person"}
    assert set(people) == {"Samuel T. Okafor, Jr.", "Marta Duarte"}
    assert "Duarte" in people["Marta Duarte"].get("alt", [])


def test_office_state_is_taken_only_when_stated_and_coordinated_titles_are_two_offices() -> None:
    d = draft_of("names_offices.txt")
    assert held(d) == {
        ("paul-k-lindqvist-jr", "Governor (Sweden)", "current"),
        ("moreau", "President (France)", "current"),
        ("weber", "Chancellor (Germany)", "current"),
    }  # "Senator Ruth Okoye" names no state: no guess (Sweden is the state the text names most)
    assert any(n.startswith("office of ruth-okoye") for n in _notes("names_offices.txt"))


def _notes(name: str) -> list[str]:
    text, notes = read_text(FIXTURES / name)
    meta = Meta(name, "fixture", published=Published.parse("2025-06-04"))
    return annotate_text(text, meta, load_gazetteer(None), notes).notes


def test_office_without_a_state_reuses_the_persons_post_in_the_graph(tmp_path: Path) -> None:
    (tmp_path / "reviewed.yaml").write_text(
        "source: {slug: s, text_file: s.txt}\n"
        "entities:\n  - {slug: ruth-okoye, kind: person, types: [Person], label: Ruth Okoye}\n"
        "  - {slug: kenya, kind: state, types: [State], label: Kenya}\n"
        "posts:\n  - {slug: kenya-senator, label: Senator (Kenya), post_in: kenya}\n"
        "holdings:\n  - {slug: h, holder: ruth-okoye, post: kenya-senator, status: current, "
        "evidence: {text: x, span: [0, 1]}}\n"
        "statements: [{slug: c, kind: claim, text: x, span: [0, 1]}]\n",
        encoding="utf-8",
    )
    d = draft_of("names_offices.txt", sources=tmp_path)
    assert ("ruth-okoye", "Senator (Kenya)", "current") in held(d)


def test_publisher_is_an_organization_unless_the_graph_says_otherwise() -> None:
    d = draft_of("statement_release.txt", publisher="harbour-office")
    publisher = next(e for e in d["entities"] if e["slug"] == "harbour-office")
    assert (publisher["kind"], publisher["types"]) == ("organization", ["Organization"])


@pytest.mark.parametrize(
    ("expression", "value", "precision"),
    [
        ("today", "2025-06-04", "day"),
        ("Today", "2025-06-04", "day"),
        ("nearly three years ago", "2022", "year"),
        ("two years ago", "2023", "year"),
        ("about five months ago", "2025-01", "month"),
    ],
)
def test_relative_dates_count_from_the_publication_day(expression: str, value: str, precision: str) -> None:
    (found,) = find_dates(f"It happened {expression}.", Published(2025, 6, 4))
    assert (found.value, found.precision, found.status) == (value, precision, "inferred")
    assert "2025-06-04" in found.basis


def test_today_is_a_date_of_its_own_beside_the_publication_date() -> None:
    d = draft_of("statement_release.txt")
    dates = {x["slug"]: x for x in d["dates"]}
    assert dates["d-2025-06-04"]["status"] == "source-metadata"
    assert dates["d-2025-06-04-today"]["status"] == "inferred"


def draft_of_text(text: str, publisher: str | None = None) -> dict[str, Any]:
    meta = Meta("inline.txt", "fixture", published=Published.parse("2025-06-04"), publisher=publisher)
    return annotate_text(text, meta, load_gazetteer(None)).draft


def test_a_built_in_name_with_an_apostrophe_matches_the_curly_one_too() -> None:
    d = draft_of_text("The People’s Republic of China sent ships again, officials in the region said.")
    china = next(e for e in d["entities"] if e["slug"] == "china")
    assert "People’s Republic of China" in china["alt"]


def test_the_publishers_name_without_the_article_is_a_mention_of_the_publisher() -> None:
    d = draft_of_text("The summit was hosted at the Harbour Office in April 2024.", publisher="the-harbour-office")
    publisher = next(e for e in d["entities"] if e["slug"] == "the-harbour-office")
    assert publisher["label"] == "The Harbour Office" and publisher["alt"] == ["Harbour Office"]
