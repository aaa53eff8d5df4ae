"""Fit the context-rate model ("context_rate" in weights.json): a text's spin rate from its
context fit alone, which `Decoder.lift_rate` weighs in texts judged spun.

The rate from the slots' spun masses counts only what the candidates and models recognise and
falls far short on a spinner they were not fitted on; how oddly the words sit in their context
does not depend on recognising them. Fitted by least squares, each sample weighted by its words,
on the samples scripts/calibrate.py fits on (Wikinews fitting split and the Wikipedia fitting
slice, never held-out text): spun by the fitting families once with one form per word and once
drawing a form at each occurrence (spintax), and clean. Prints the mean absolute error of this
rate and of the spun-mass rate on the fitting samples. Writes only its own section; the context
fit comes from the language model alone, so it needs no other refit first, but the span
confidence (scripts/fit_confidence.py) should follow it: the decisions change with the rate.

    .venv/bin/python scripts/fit_context_rate.py [--articles N] [--wikipedia-articles N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from rich.progress import track

from unspin.corpora import (
    SHARED_DATA,
    fitting_text,
)
from unspin.decide import CONTEXT_RATE_CEILING, CONTEXT_RATE_FEATURES
from unspin.logistic import LinearModel, weights_path, write_sections
from unspin.phrases import PhraseSet
from unspin.pipeline import Analyzer
from unspin.resources import Resources
from unspin.simulate import FITTING_FAMILIES, spin_corpus

WIKIPEDIA_ARTICLES = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=None, help="first N Wikinews articles")
    parser.add_argument(
        "--wikipedia-articles",
        type=int,
        default=WIKIPEDIA_ARTICLES,
        help=f"Wikipedia fitting-slice articles (default {WIKIPEDIA_ARTICLES})",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--out", type=Path, default=weights_path(), help="weights file to write")
    args = parser.parse_args()
    if args.wikipedia_articles < 0 or (args.articles is not None and args.articles < 1):
        parser.error("--articles must be positive and --wikipedia-articles not negative")
    started = time.time()
    analyzer = Analyzer(Resources(phrases=PhraseSet.TRAIN))
    texts = fitting_text(args.data, args.articles, args.wikipedia_articles, args.seed).samples
    lexicon = analyzer.resources.lexicon
    samples = [(text, 0) for text in texts]  # (text, words replaced)
    for spintax in (0.0, 1.0):
        spun = spin_corpus(texts, FITTING_FAMILIES, lexicon, seed=args.seed, spintax_share=spintax)
        samples += [(s.spun, len(s.edits)) for s in spun]
    fits, rates, mass_rates, words = [], [], [], []
    for text, replaced in track(samples, description="context fit"):
        doc = analyzer.prepared(text, None, None)
        if not doc.word_count:
            continue
        fits.append(doc.evidence["context_fit"])
        rates.append(min(replaced / doc.word_count, 1.0))
        mass_rates.append(doc.rewrite_rate)
        words.append(doc.word_count)
    columns = {"context_fit": np.array(fits)}
    truth, weight = np.array(rates), np.array(words, dtype=float)
    model = LinearModel.fit(CONTEXT_RATE_FEATURES, columns, truth, sample_weight=weight)
    said = np.clip(model.predict(columns), 0.0, CONTEXT_RATE_CEILING)
    print(
        f"{len(truth):,} samples ({len(texts):,} clean, the rest spun), "
        f"{time.time() - started:.0f} s\n"
        f"mean absolute error of the rate: context fit {np.mean(np.abs(said - truth)):.3f}, "
        f"spun masses {np.mean(np.abs(np.array(mass_rates) - truth)):.3f}"
    )
    write_sections(args.out, {"context_rate": model.to_dict()})
    print("context_rate:", json.dumps(model.to_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
