"""Build unspin's bundled n-gram language model from the shared clean text.

    nice .venv/bin/python scripts/build_lm.py [--data DIR] [--out src/unspin/data/lm]

Reads the English Wikipedia parts (CC BY-SA 3.0) except the two slices of articles that
`unspin.corpora.wikipedia_split` reserves for fitting and evaluation, and never Wikinews: its
held-out quarter is evaluation text and the rest is what scripts/calibrate.py fits the decision
models on, and a language model that has seen those sentences would make their originals look
too likely there.
Tokenises them as the decoder does (unspin.corpora.sentences),
counts n-grams, estimates interpolated modified Kneser-Ney, prunes rare n-grams by count to fit
the package size budget and writes memory-mappable arrays. Deterministic: the same data and
options give the same files. Nothing here runs at install time; the output is committed.
"""

from __future__ import annotations

import argparse
import resource
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from unspin import corpora, ngram_build

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "src" / "unspin" / "data" / "lm"


def log(message: str, started: float) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"[{time.perf_counter() - started:6.1f} s, peak {peak:.1f} GiB] {message}", file=sys.stderr
    )


def training_sentences(data_dir: Path, wikipedia_parts: int | None) -> Iterator[list[str]]:
    """Sentences of the language-model slice of Wikipedia (see the module docstring)."""
    articles = corpora.read_wikipedia(
        data_dir, slice(wikipedia_parts), corpora.WikipediaSplit.LANGUAGE_MODEL
    )
    for article in articles:
        yield from corpora.sentences(article.text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=corpora.SHARED_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--order", type=int, default=4)
    parser.add_argument("--max-vocab", type=int, default=200_000)
    parser.add_argument("--min-word-count", type=int, default=2)
    parser.add_argument(
        "--min-counts",
        default="1,1,2,3",
        help="keep an n-gram of order k seen at least the k-th count (non-decreasing)",
    )
    parser.add_argument("--parts", type=int, help="only the first N Wikipedia parts (quick runs)")
    args = parser.parse_args()
    min_counts = [int(x) for x in args.min_counts.split(",")]
    if len(min_counts) != args.order or min_counts != sorted(min_counts):
        parser.error("--min-counts needs one non-decreasing count per order")

    started = time.perf_counter()
    vocabulary, tokens, unknown_types = ngram_build.encode(
        training_sentences(args.data, args.parts), args.max_vocab, args.min_word_count
    )
    words = int(np.count_nonzero(tokens > ngram_build.EOS_ID))
    unknown = int(np.count_nonzero(tokens == ngram_build.UNK_ID))
    log(
        f"{words:,} words, vocabulary {len(vocabulary):,}, <unk> {unknown / words:.2%} "
        f"({unknown_types:,} types)",
        started,
    )
    counts = ngram_build.count(tokens, args.order, len(vocabulary))
    del tokens
    log("counted " + ", ".join(f"{len(k):,}" for k in counts.keys), started)
    model = ngram_build.estimate(counts)
    del counts
    log("estimated", started)
    model = ngram_build.prune(model, min_counts)
    log("pruned to " + ", ".join(f"{len(k):,}" for k in model.keys), started)
    command = (
        f"nice .venv/bin/python scripts/build_lm.py --order {args.order} "
        f"--min-counts {shlex.quote(args.min_counts)} --max-vocab {args.max_vocab} "
        f"--min-word-count {args.min_word_count}" + (f" --parts {args.parts}" if args.parts else "")
    )
    meta = {
        "unknown_types": unknown_types,
        "training_words": words,
        "min_counts": min_counts,
        "max_vocab": args.max_vocab,
        "min_word_count": args.min_word_count,
        "sources": [
            "Wikipedia 2015 extract (CC BY-SA 3.0), without the fitting and evaluation slices"
        ],
        "command": command,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    ngram_build.save(model, vocabulary, args.out, meta)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    log(f"wrote {args.out} ({size / 1e6:.1f} MB)", started)


if __name__ == "__main__":
    main()
