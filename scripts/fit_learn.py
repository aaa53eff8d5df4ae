"""Fit the pair model of `unspin learn` ("learn_pair" in weights.json) on simulated farms.

Each fitting family (`unspin.simulate.FITTING_FAMILIES`, never `HELD_OUT`) gets one site-wide
spinner (`Spinner.site`) run over a slice of the Wikinews articles outside the held-out quarter;
`CorpusEvidence` pools each corpus, and every candidate pair is labelled by whether the spinner's
dictionary holds it. Writes the "learn_pair" model into src/unspin/data/weights.json (run it after
scripts/calibrate.py: its features come from the decoder's models) and prints the precision of
the learned profile at a few thresholds on each training corpus.

    .venv/bin/python scripts/fit_learn.py [--articles 40] [--seed 11]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from unspin.corpora import SHARED_DATA, read_wikinews
from unspin.learn import PAIR_FEATURES, CorpusEvidence, assign
from unspin.logistic import LogisticModel, weights_path, write_sections
from unspin.pipeline import Analyzer
from unspin.simulate import FITTING_FAMILIES, Spinner, forward_synonyms, used_pairs


def corpus_rows(analyzer: Analyzer, family, articles, seed: int):
    table = forward_synonyms(family, analyzer.lexicon)
    spinner = Spinner.site(family, analyzer.lexicon, seed, table)
    spun = [spinner.spin(article.text) for article in articles]
    evidence = CorpusEvidence(analyzer)
    for sample in spun:
        evidence.add(sample.spun)
    truth = {(s, o) for o, s in used_pairs(spun)}
    return evidence, truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40, help="articles per family")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data", default=str(SHARED_DATA))
    args = parser.parse_args()
    analyzer = Analyzer.load()
    articles = read_wikinews(Path(args.data), heldout=False)
    rows, labels, corpora = [], [], []
    for index, family in enumerate(FITTING_FAMILIES):
        started = time.perf_counter()
        chunk = articles[index * args.articles : (index + 1) * args.articles]
        evidence, truth = corpus_rows(analyzer, family, chunk, args.seed + index)
        scores = evidence.scores()
        rows += scores
        labels += [(s.spun, s.original) in truth for s in scores]
        corpora.append((family, evidence, truth))
        print(
            f"{family}: {evidence.total_words:,} words, {len(scores):,} candidate pairs, "
            f"{time.perf_counter() - started:.0f} s"
        )
    columns = {n: np.array([r.features[n] for r in rows]) for n in PAIR_FEATURES}
    model = LogisticModel.fit(PAIR_FEATURES, columns, np.array(labels, dtype=float), l2=1.0)
    write_sections(weights_path(), {"learn_pair": model.to_dict()})
    print("learn_pair:", json.dumps(model.to_dict()))
    for family, evidence, truth in corpora:
        chosen = assign(evidence.scores(model=model))
        for threshold in (0.5, 0.7, 0.9):
            kept = [s for s in chosen if s.confidence >= threshold]
            right = sum((s.spun, s.original) in truth for s in kept)
            print(
                f"  {family} >= {threshold}: {len(kept)} pairs, precision "
                f"{right / max(len(kept), 1):.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
