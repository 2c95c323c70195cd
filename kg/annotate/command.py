"""``kg annotate``: write draft annotation files, or measure the suggestions against a reviewed file.

Exit codes: 0 done; 2 bad input (one line on stderr, never a traceback). A reviewed output file (no
``suggested:`` left) is never replaced without --force.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from kg.annotate.dates import Published
from kg.annotate.document import TextError, read_text
from kg.annotate.draft import WouldOverwrite, write_draft
from kg.annotate.evaluate import evaluate
from kg.annotate.gazetteer import Gazetteer, load_gazetteer
from kg.annotate.pipeline import Meta, annotate_text
from kg.annotations import SOURCES_DIR
from kg.iris import slugify

HEADER = (
    "# Draft annotations written by `kg annotate`: every element carries `suggested:` (confidence, rule, evidence).\n"
    "# Review each element, correct it, then delete its `suggested:` block; `kg build` refuses any that remain.\n"
)


def _fail(message: str, hint: str = "") -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    if hint:
        typer.echo(f"hint: {hint}", err=True)
    return typer.Exit(2)


def annotate_command(
    text_file: Annotated[Path, typer.Argument(help="A source text (UTF-8), or a directory of .txt files.")],
    out: Annotated[Path | None, typer.Option(help="The draft .yaml (or a directory, for a directory input).")] = None,
    url: Annotated[str | None, typer.Option(help="The article's URL.")] = None,
    published: Annotated[str | None, typer.Option(help="Publication date, YYYY-MM or YYYY-MM-DD.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher slug, e.g. the-diplomat.")] = None,
    title: Annotated[str | None, typer.Option(help="The article's title.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a reviewed annotation file.")] = False,
    evaluate_gold: Annotated[
        Path | None, typer.Option("--evaluate", help="A reviewed .yaml: print precision/recall/F1 instead.")
    ] = None,
    store: Annotated[Path, typer.Option(help="A built store whose entities are reused.")] = Path("build/store"),
    sources: Annotated[Path, typer.Option(help="Reviewed annotation files whose entities are reused.")] = SOURCES_DIR,
    wikidata: Annotated[
        str | None, typer.Option("--wikidata", help="A Wikidata SPARQL endpoint: add candidates to new entities.")
    ] = None,
) -> None:
    """Suggest a draft annotation of a text (quotations, speakers, entities, offices, dates, events, concepts)."""
    try:
        pub = Published.parse(published) if published else None
    except ValueError as err:
        raise _fail(str(err)) from err
    if publisher is not None and slugify(publisher) != publisher:
        raise _fail(f"--publisher must be a slug (lowercase words joined by '-'), e.g. {slugify(publisher)!r}")
    if evaluate_gold is not None:
        _evaluate(evaluate_gold, text_file, pub, store)
        return
    if out is None:
        raise _fail("--out is required", "kg annotate TEXT_FILE --out FILE.yaml")
    if text_file.is_dir():
        _annotate_dir(text_file, out, pub, publisher, force, load_gazetteer(sources, store), wikidata)
        return
    if not text_file.is_file():
        raise _fail(f"{text_file} is not a file")
    if out.is_dir():
        out = out / (text_file.stem + ".yaml")
    gaz = load_gazetteer(sources, store, exclude=out)
    started = time.perf_counter()
    try:
        notes = _annotate_one(
            text_file,
            out,
            Meta(
                text_file.name,
                _source_slug(text_file, title, _taken_slugs(sources, out), pub),
                url,
                pub,
                publisher,
                title,
            ),
            gaz,
            force,
            wikidata,
        )
    except (TextError, WouldOverwrite) as err:
        raise _fail(str(err)) from err
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"draft written to {out} ({time.perf_counter() - started:.2f} s)")


def _source_slug(
    text_file: Path, title: str | None, taken: AbstractSet[str] = frozenset(), pub: Published | None = None
) -> str:
    """A source slug from the title (cut at a word, 60 characters) or the file name, never one in ``taken``.

    >>> _source_slug(Path("a.txt"), "Readout of a Call with the Prime Minister of Japan on Trade and Fisheries")
    'readout-of-a-call-with-the-prime-minister-of-japan-on-trade'
    >>> _source_slug(Path("a.txt"), "Readout of a Call", {"readout-of-a-call"}, Published(2025, 1, 12))
    'readout-of-a-call-2025-01-12'
    """
    base = slugify(title) if title and slugify(title) else slugify(text_file.stem) or "source"
    if len(base) > 60:
        base = base[:61].rsplit("-", 1)[0]
    slug, n = base, 2
    if slug in taken and pub is not None:
        slug = f"{base}-{pub.text}"
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _taken_slugs(sources: Path, out: Path | None) -> set[str]:
    """The source slugs of the annotation files in ``sources`` (the output file's own excluded)."""
    taken = set()
    for path in sources.glob("*.yaml") if sources.is_dir() else ():
        if out is not None and path.resolve() == out.resolve():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("source"), dict) and data["source"].get("slug"):
            taken.add(str(data["source"]["slug"]))
    return taken


def _annotate_one(
    text_file: Path, out: Path, meta: Meta, gaz: Gazetteer, force: bool, wikidata: str | None
) -> list[str]:
    text, notes = read_text(text_file)
    result = annotate_text(text, meta, gaz, notes)
    if wikidata:
        from kg.annotate.linking import add_candidates

        result.notes.append(add_candidates(result.draft, wikidata))
    if out.resolve().parent != text_file.resolve().parent:
        result.notes.append(f"the draft names text_file {text_file.name}: keep it beside its text in kg/sources/")
    write_draft(result.draft, out, force=force, header=HEADER)
    return result.notes


def _annotate_dir(
    directory: Path,
    out: Path,
    pub: Published | None,
    publisher: str | None,
    force: bool,
    gaz: Gazetteer,
    wikidata: str | None,
) -> None:
    files = sorted(directory.glob("*.txt"))
    taken = _taken_slugs(out, None) if out.is_dir() else set()
    if not files:
        raise _fail(f"no .txt files in {directory}")
    if out.exists() and not out.is_dir():
        raise _fail(f"{out} is a file; a directory input needs an output directory")
    out.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    with typer.progressbar(files, label="annotating", file=sys.stderr) as bar:
        for path in bar:
            slug = _source_slug(path, None, taken)
            taken.add(slug)
            meta = Meta(path.name, slug, None, pub, publisher)
            try:
                _annotate_one(path, out / (path.stem + ".yaml"), meta, gaz, force, wikidata)
            except (TextError, WouldOverwrite) as err:
                failed.append(str(err))
    for line in failed:
        typer.echo(f"skipped: {line}", err=True)
    typer.echo(f"{len(files) - len(failed)} draft(s) written to {out}, {len(failed)} skipped")
    if failed:
        raise typer.Exit(2)


def _evaluate(gold_path: Path, text_file: Path, pub: Published | None, store: Path) -> None:
    """Print the accuracy table of the suggestions for ``text_file`` against the reviewed ``gold_path``."""
    try:
        gold: Any = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
        text, notes = read_text(text_file)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise _fail(f"cannot read {gold_path}: {err}".splitlines()[0]) from err
    except TextError as err:
        raise _fail(str(err)) from err
    if not isinstance(gold, dict) or "statements" not in gold:
        raise _fail(f"{gold_path} is not an annotation file")
    dates = {d["slug"]: d for d in gold.get("dates") or ()}
    if pub is None and gold.get("source", {}).get("published") in dates:
        pub = Published.parse(dates[gold["source"]["published"]]["value"])
    # the reviewed file (and the store built from it) must not teach the assistant its own answers
    gaz = load_gazetteer(gold_path.parent, None, exclude=gold_path)
    del store
    started = time.perf_counter()
    # publisher and title are command-line metadata (--publisher, --title): taken from the reviewed file's source
    source = gold.get("source", {})
    meta = Meta(text_file.name, "evaluation", None, pub, source.get("publisher"), source.get("title"))
    result = annotate_text(text, meta, gaz, notes)
    elapsed = time.perf_counter() - started
    report = evaluate(result.draft, gold, text)
    typer.echo(report.table())
    typer.echo(f"\nannotated {len(text.split())} words in {elapsed:.2f} s")
    if report.failures:
        typer.echo("\nfailure cases:")
        for line in report.failures:
            typer.echo(f"- {line}")
