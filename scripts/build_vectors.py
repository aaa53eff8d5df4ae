"""Build unspin's bundled context vectors (unspin.vectors) from the shared clean text.

    nice .venv/bin/python scripts/build_vectors.py [--data DIR] [--out src/unspin/data/vectors]

Trains a word2vec CBOW model (gensim, negative sampling) on the same sentences as the n-gram
model (scripts/build_lm.py: the language-model slice of English Wikipedia, CC BY-SA 3.0, never
the fitting or evaluation slices, never Wikinews), then keeps its input and output vectors,
each row stored as int8 with its own scale. One worker thread and a fixed word hash make it
deterministic: the same data and options give the same vectors (about 8 minutes on one core for
the 60M words). gensim is needed only here, never when unspin runs; nothing is built at install.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_lm import training_sentences  # noqa: E402  (a sibling script: the same sentences)

from unspin import corpora, vectors  # noqa: E402


def stable_hash(text: str) -> int:
    """gensim seeds each word's starting vector with this; Python's own hash changes per run."""
    return zlib.crc32(text.encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=corpora.SHARED_DATA)
    parser.add_argument("--out", type=Path, default=vectors.DATA_DIR)
    parser.add_argument("--dimensions", type=int, default=100)
    parser.add_argument("--window", type=int, default=5, help="neighbours each side in training")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-vocab", type=int, default=60_000)
    parser.add_argument("--min-count", type=int, default=10)
    parser.add_argument("--max-words", type=int, help="stop after this many words (quick runs)")
    args = parser.parse_args()
    for name in ("dimensions", "window", "epochs", "max_vocab", "min_count", "max_words"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    from gensim.models import Word2Vec  # a build-time dependency only

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "sentences.txt"
        words = 0
        with corpus.open("w", encoding="utf-8") as out:
            for sentence in training_sentences(args.data, None):
                if len(sentence) < 2:
                    continue
                out.write(" ".join(sentence) + "\n")
                words += len(sentence)
                if args.max_words is not None and words >= args.max_words:
                    break
        print(f"{words:,} words written in {time.perf_counter() - started:.0f} s", flush=True)
        model = Word2Vec(
            corpus_file=str(corpus),
            sg=0,
            vector_size=args.dimensions,
            window=args.window,
            min_count=args.min_count,
            max_final_vocab=args.max_vocab,
            negative=10,
            sample=1e-4,
            epochs=args.epochs,
            workers=1,
            seed=1,
            hashfxn=stable_hash,
        )
    kept = list(model.wv.index_to_key)
    options = {
        "dimensions": args.dimensions,
        "window": args.window,
        "epochs": args.epochs,
        "max-vocab": args.max_vocab,
        "min-count": args.min_count,
    }
    vectors.save(
        args.out,
        kept,
        model.wv.vectors,
        model.syn1neg,
        {
            "built_by": "scripts/build_vectors.py "
            + " ".join(f"--{flag} {value}" for flag, value in options.items()),
            "training_words": words,
            "licence": "CC BY-SA 3.0 (derived from English Wikipedia text)",
        },
    )
    print(
        f"{len(kept):,} words x {args.dimensions} written to {args.out} "
        f"in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
