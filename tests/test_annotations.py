"""Annotation files: schema, references and spans are checked, and a wrong one fails loudly with its location."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kg.annotations import SOURCES_DIR, annotation_files, load_article, locate
from kg.compile import compile_article
from kg.errors import AnnotationError

ARTICLE = "000_0e8f8a54f5669a8b"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A private copy of the sources directory that a test may break."""
    for path in SOURCES_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def edit(sources: Path, change: Callable[[dict], None]) -> Path:
    path = sources / f"{ARTICLE}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def statement(data: dict, slug: str) -> dict:
    return next(s for s in data["statements"] if s["slug"] == slug)


# The shipped annotation files and how many statements each has.
SHIPPED_STATEMENTS = {
    ARTICLE: 32,
    "001_whitehouse-2022-12-16-sullivan-japan-national-security-strategy": 6,
    "002_whitehouse-2023-03-05-biden-japan-rok-announcement": 6,
    "003_whitehouse-2023-12-22-sullivan-japan-patriot-transfer": 3,
    "004_whitehouse-2024-08-14-biden-on-kishida": 7,
    "005_whitehouse-2024-10-01-biden-ishiba-call": 9,
    "006_whitehouse-2025-01-12-biden-ishiba-marcos-call": 8,
}


def test_the_shipped_annotations_load_and_every_span_matches_the_text() -> None:
    paths = annotation_files()
    assert sorted(path.stem for path in paths) == sorted(SHIPPED_STATEMENTS)
    for path in paths:
        article = load_article(path)
        text = article.source.text
        for s in article.statements:
            assert text[s.span.start : s.span.end] == s.span.text, (path.name, s.slug)
        assert len(article.statements) == SHIPPED_STATEMENTS[path.stem], path.name


def test_a_span_off_by_one_fails_with_the_statement_and_the_right_offsets(sources: Path) -> None:
    def shift(data: dict) -> None:
        statement(data, "nakatani-healthy-sense-of-caution")["span"] = [391, 645]

    with pytest.raises(AnnotationError) as err:
        load_article(edit(sources, shift))
    message = str(err.value)
    assert "statement nakatani-healthy-sense-of-caution" in message
    assert "span [391, 645]" in message and "the text occurs at [(390, 644)]" in message


def test_text_that_is_not_in_the_source_is_reported(sources: Path) -> None:
    def misquote(data: dict) -> None:
        statement(data, "satake-easier-said-than-done-quote")["text"] = "easier done than said"

    with pytest.raises(AnnotationError, match="does not occur in the source"):
        load_article(edit(sources, misquote))


def test_a_schema_violation_names_its_location(sources: Path) -> None:
    def bad_kind(data: dict) -> None:
        statement(data, "questions-remain")["kind"] = "rumour"

    with pytest.raises(AnnotationError, match=r"'rumour' is not one of .* \(at /statements/31/kind"):
        load_article(edit(sources, bad_kind))


def test_an_authorial_claim_cannot_have_a_speaker(sources: Path) -> None:
    def add_speaker(data: dict) -> None:
        statement(data, "questions-remain")["speaker"] = "satake-tomohiko"

    with pytest.raises(AnnotationError, match=r"takes no speaker, capacity or made_through \(at /statements/31;"):
        load_article(edit(sources, add_speaker))


def test_a_dangling_reference_is_reported(sources: Path) -> None:
    def dangle(data: dict) -> None:
        statement(data, "nakatani-secure-strategic-autonomy")["speaker"] = "nobody-at-all"

    with pytest.raises(AnnotationError, match="'nobody-at-all' is not a known entity"):
        load_article(edit(sources, dangle))


def test_a_capacity_held_by_someone_else_is_refused(sources: Path) -> None:
    def swap(data: dict) -> None:
        statement(data, "satake-not-new-concept")["capacity"] = "nakatani-gen-minister-of-defense"

    with pytest.raises(AnnotationError, match="is held by 'nakatani-gen', not the speaker"):
        load_article(edit(sources, swap))


def test_compilation_is_deterministic() -> None:
    for path in annotation_files():
        assert compile_article(load_article(path)) == compile_article(load_article(path)), path.name


def test_locate_finds_every_occurrence() -> None:
    text = (SOURCES_DIR / f"{ARTICLE}.txt").read_text(encoding="utf-8")
    assert locate(text, "May 30") == [(310, 316)]
    assert len(locate(text, "strategic autonomy")) == 15
