"""Time `kg annotate`: one 1,500-word article after start-up, and 1,000 synthetic articles end to end.

    .venv/bin/python bench/annotate.py [--articles 1000] [--repeat 5]

1. The seed text plus half of it again (>= 1,500 words), annotated in process ``--repeat`` times after the
   imports and the gazetteer are loaded: the cost of one article, without Python's start-up.
2. ``--articles`` synthetic articles from :func:`bench.corpus.articles` (texts written from their statements,
   so they have quotations, speakers, offices and dates), saved as ``.txt`` files and annotated by one
   ``kg annotate DIR --out DRAFTS`` process: start-up, gazetteer, every draft written, end to end.

Prints the figures as a Markdown table for docs/annotation-quality.md. Runs offline; writes only to a
temporary directory.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from corpus import articles  # noqa: E402

from kg.annotate.document import read_text  # noqa: E402
from kg.annotate.gazetteer import load_gazetteer  # noqa: E402
from kg.annotate.pipeline import Meta, annotate_text  # noqa: E402
from kg.annotations import SOURCES_DIR  # noqa: E402

SEED = SOURCES_DIR / "000_0e8f8a54f5669a8b.txt"


def one_article(repeat: int) -> tuple[int, list[float]]:
    """Words and per-run seconds for the 1,500-word article, gazetteer already loaded."""
    text, _ = read_text(SEED)
    longer = text + "\n" + text[: len(text) // 2]
    gaz = load_gazetteer(SOURCES_DIR)
    annotate_text(longer, Meta("x.txt", "x"), gaz)  # warm the regex caches once, as a long-running process would
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        annotate_text(longer, Meta("x.txt", "x"), gaz)
        times.append(time.perf_counter() - started)
    return len(longer.split()), times


def synthetic_corpus(count: int) -> tuple[int, float, int]:
    """Words in ``count`` synthetic articles, seconds for one `kg annotate` over all of them, drafts written."""
    with tempfile.TemporaryDirectory(prefix="kg-bench-annotate-") as tmp:
        texts, drafts = Path(tmp) / "texts", Path(tmp) / "drafts"
        texts.mkdir()
        words = 0
        for article in islice(articles(expected=count), count):
            (texts / f"{article.source.slug}.txt").write_text(article.source.text, encoding="utf-8")
            words += len(article.source.text.split())
        kg = Path(sys.executable).with_name("kg")
        options = ["--published", "2025-06", "--store", "/nonexistent"]
        started = time.perf_counter()
        done = subprocess.run(
            [str(kg), "annotate", str(texts), "--out", str(drafts), *options],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"kg annotate failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
        return words, elapsed, len(list(drafts.glob("*.yaml")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="synthetic articles to annotate end to end")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the 1,500-word article")
    args = parser.parse_args()
    words, times = one_article(args.repeat)
    corpus_words, elapsed, written = synthetic_corpus(args.articles)
    print("| measure | words | time |")
    print("|---|---:|---:|")
    print(
        f"| one article, after start-up (median of {args.repeat}; min to max) | {words:,} | "
        f"{statistics.median(times):.2f} s ({min(times):.2f} to {max(times):.2f}) |"
    )
    print(
        f"| {args.articles:,} synthetic articles, one `kg annotate DIR` end to end ({written:,} drafts) | "
        f"{corpus_words:,} | {elapsed:.1f} s ({elapsed / max(written, 1) * 1000:.0f} ms per article) |"
    )


if __name__ == "__main__":
    main()
