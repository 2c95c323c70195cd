"""A deterministic synthetic corpus in the project's own model, at any size (``--triples 100000``).

Each synthetic article is a :class:`kg.model.Article` whose source text is *written from its statements*: every
sentence is assembled piece by piece and the offsets of each piece are recorded as it is appended, so every
span (statements, holdings, events, dates) selects exactly its text. The articles are compiled with the project's
own :func:`kg.compile.compile_article`, the Wikidata links with :func:`kg.link.mappings.compile_links` and the ontology
with :func:`kg.build.ontology_quads`, so the graph has the shape of the real one and passes the SHACL shapes.

The vocabulary the competency queries look for is kept: the concept labelled "strategic autonomy" (CQ1, CQ4,
CQ7), ordered collections of "five encouraging trends" (CQ2), partners (CQ3), quotations with offsets (CQ5),
dated items (CQ6), verified Wikidata links (CQ8), current and former offices (CQ9), places other than Japan
(CQ10), authorial claims and questions (CQ11), speeches, interviews, television appearances and periodical issues
(CQ12), and quotations opening "There is a healthy sense of caution" (CQ14).

Entities, posts and concepts are drawn from pools shared by all articles (as in a real corpus, the same person is
quoted by many articles); statements, holdings, events and dates are per article. Same seed, same size: same
bytes. Usage::

    python bench/corpus.py --triples 100000 --out bench/data/100k/corpus.nq
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from config import BENCH, DATA, log
from corpus_pools import make_pools
from corpus_prose import ArticleBuilder

from kg.build import ontology_quads
from kg.compile import compile_article
from kg.iris import Minter
from kg.link.mappings import Mapping, MappingSet, compile_links
from kg.model import Article

DEFAULT_SEED = 20250530

# --- the corpus ------------------------------------------------------------------------------------------------


def articles(seed: int = DEFAULT_SEED, expected: int = 1000) -> Iterator[Article]:
    """An endless, deterministic stream of synthetic articles (pools sized for ``expected`` articles)."""
    pools = make_pools(random.Random(seed), expected)
    number = 0
    while True:
        yield ArticleBuilder(number, random.Random(f"{seed}/{number}"), pools).build()
        number += 1


def wikidata_links(entities: dict[str, str], minter: Minter, seed: int) -> list[ox.Quad]:
    """Verified links for about half the persons and every state, as the SSSOM table would give them (CQ8)."""
    rng = random.Random(f"{seed}/links")
    mappings = []
    for iri, label in sorted(entities.items()):
        kind = iri.split("/id/", 1)[1].split("/", 1)[0]
        if kind not in ("person", "state", "organization") or (kind != "state" and rng.random() < 0.5):
            continue
        qid = f"Q{int(hashlib.sha256(iri.encode()).hexdigest()[:8], 16) % 90_000_000 + 1000}"
        mappings.append(
            Mapping(
                subject=iri, subject_label=label, predicate="http://www.w3.org/2002/07/owl#sameAs",
                object=f"http://www.wikidata.org/entity/{qid}", object_label=f"{label} (synthetic)",
                justification="https://w3id.org/semapv/vocab/ManualMappingCuration",
                confidence=round(0.8 + rng.random() * 0.19, 2), author="bench corpus generator",
                date="2026-01-01", provider="bench/corpus.py", comment=f"Evidence: synthetic record for {label}.",
            )
        )  # fmt: skip
    mapping_set = MappingSet(
        "https://w3id.org/akg/mappings/wikidata",
        "Synthetic links to Wikidata items (benchmark corpus).",
        "https://creativecommons.org/licenses/by/4.0/",
        tuple(mappings),
    )
    return compile_links(mapping_set, minter, "wikidata", set(entities))


@dataclass(frozen=True)
class CorpusInfo:
    quads: int
    articles: int
    seconds: float
    path: Path


def estimate_articles(triples: int) -> int:
    return max(1, triples // 1200)


def write_corpus(
    out: Path,
    triples: int,
    seed: int = DEFAULT_SEED,
    progress: bool = True,
    minter: Minter | None = None,
    keep_duplicates: bool = False,
) -> CorpusInfo:
    """Write about ``triples`` quads (never fewer) as N-Quads to ``out``: articles, then links, then the ontology.

    Each article is compiled into its own named graph, so the triples about shared nodes (a person's type and
    labels, a concept's labels, a post) recur in every graph whose article names them. Engines disagree on the
    union default graph of such a dataset: rdflib merges it (a set), pyoxigraph 0.5 and Virtuoso return each
    triple once per graph (a bag: oxigraph issue #1919, fixed after 0.5), so the competency queries' row counts
    would differ by system and grow with the square of the corpus. By default a triple is therefore kept only
    in the first graph that has it (the union is unchanged as a set); ``keep_duplicates`` writes every graph whole.
    """
    minter = minter or Minter()
    seen: set[int] = set()
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    labels: dict[str, str] = {}
    ontology = ontology_quads(minter)
    total = len(ontology)
    count = 0
    link_budget = 0
    with tmp.open("wb") as f:
        for article in articles(seed, estimate_articles(triples)):
            quads = compile_article(article, minter)
            if not keep_duplicates:
                fresh = []
                for q in quads:
                    key = int.from_bytes(hashlib.blake2b(str(q.triple).encode(), digest_size=8).digest())
                    if key not in seen:
                        seen.add(key)
                        fresh.append(q)
                quads = fresh
            ox.serialize(quads, f, format=ox.RdfFormat.N_QUADS)
            total += len(quads)
            count += 1
            for e in article.entities:
                labels.setdefault(minter.entity(e.kind, e.slug), e.label)
            link_budget = len(labels) * 8  # roughly: half the entities linked, 15 quads per link
            if progress and count % 100 == 0:
                print(f"  corpus: {count} articles, {total:,} quads", file=sys.stderr, flush=True)
            if total + link_budget >= triples:
                break
        links = wikidata_links(labels, minter, seed)
        ox.serialize(links, f, format=ox.RdfFormat.N_QUADS)
        ox.serialize(ontology, f, format=ox.RdfFormat.N_QUADS)
        total += len(links)
    tmp.rename(out)
    return CorpusInfo(total, count, time.perf_counter() - started, out)


def parse_size(text: str) -> int:
    """``100k`` -> 100000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def ensure_corpus(label: str, seed: int) -> tuple[Path, dict[str, Any]]:
    directory = DATA / label
    corpus = directory / "corpus.nq"
    meta_path = directory / "corpus.json"
    # the generator is corpus.py and the corpus_*.py modules it is split into: a change to any makes a new corpus
    generator = b"".join(path.read_bytes() for path in sorted(BENCH.glob("corpus*.py")))
    fingerprint = hashlib.sha256(generator).hexdigest()[:16] + f"/{seed}/{parse_size(label)}"
    if corpus.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint:
            log(f"[{label}] corpus: reusing {corpus} ({meta['quads']:,} quads)")
            return corpus, meta
    log(f"[{label}] corpus: generating {parse_size(label):,} triples (seed {seed})")
    info = write_corpus(corpus, parse_size(label), seed)
    meta = {
        "fingerprint": fingerprint,
        "quads": info.quads,
        "articles": info.articles,
        "seconds": info.seconds,
        "bytes": corpus.stat().st_size,
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    log(f"[{label}] corpus: {info.quads:,} quads, {info.articles} articles, {info.seconds:.1f} s")
    return corpus, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", default="100k", help="target size, e.g. 100000, 100k, 1M (default 100k)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--keep-duplicates", action="store_true", help="write every article graph whole (see write_corpus)"
    )
    parser.add_argument("--out", type=Path, help="N-Quads file to write (default bench/data/SIZE/corpus.nq)")
    args = parser.parse_args()
    size = parse_size(args.triples)
    out = args.out or Path(__file__).parent / "data" / args.triples / "corpus.nq"
    info = write_corpus(out, size, args.seed, keep_duplicates=args.keep_duplicates)
    print(f"{info.quads:,} quads from {info.articles} articles in {info.seconds:.1f} s: {info.path}")


if __name__ == "__main__":
    main()
