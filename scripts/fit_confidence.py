"""Fit the span-confidence model ("span_confidence" in weights.json) on simulated spinning.

The decision model's log-odds choose rewrites; read as probabilities they are overconfident
wherever a dictionary lent its pairs a strong prior (above all the one a spun text teaches about
itself, `Analyzer.document`). This maps them to calibrated probabilities, knowing whether the
rewrite is a profile pair, the document's verdict and its length (decide.CONFIDENCE_FEATURES).

Texts: short and long samples (`corpora.article_samples`) of the Wikinews articles outside the
held-out quarter and of fitting-slice Wikipedia articles, each spun by a spinner of a fitting
family (`simulate.spin_corpus`, never `simulate.HELD_OUT`; short and long samples apart, so that
every family spins both), and the same samples unspun.
Each rewrite the analyzer makes is right when it gives back the original wording
(`SpunText.restores`); every rewrite of an unspun sample is wrong. Prints the calibration
error before and after, each fitting family held out in turn (the model fitted on the others),
then fits on all and writes the model. Run after scripts/calibrate.py, scripts/fit_learn.py and
scripts/fit_context_rate.py (its features come from their models' decisions).

    .venv/bin/python scripts/fit_confidence.py [--news 60] [--wikipedia 60] [--seed 5]
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
from unspin.decide import CONFIDENCE_FEATURES, confidence_columns
from unspin.logistic import (
    LogisticModel,
    calibration_error,
    sigmoid,
    weights_path,
    write_sections,
)
from unspin.pipeline import Analyzer
from unspin.simulate import FITTING_FAMILIES, spin_corpus

L2 = 1.0


def rewrites(analyzer: Analyzer, text: str, judge) -> tuple[dict[str, list[float]], list[bool]]:
    """CONFIDENCE_FEATURES of each rewrite the analyzer makes in `text`, and whether it is right
    (`judge(start, end, original)`); rewrites a complete profile decided are left out."""
    doc = analyzer.document(text)
    columns = confidence_columns(doc)
    keep = [d.slot.profile_odds is None for d in doc.decisions]
    outcomes = [
        judge(doc.tokens[d.slot.first].start, doc.tokens[d.slot.last - 1].end, d.original)
        for d, kept in zip(doc.decisions, keep, strict=True)
        if kept
    ]
    return {name: list(values[keep]) for name, values in columns.items()}, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=int, default=60, help="Wikinews articles (fitting split)")
    parser.add_argument("--wikipedia", type=int, default=60, help="Wikipedia articles (fitting)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--out", type=Path, default=weights_path(), help="weights file to write")
    args = parser.parse_args()
    if args.news < 0 or args.wikipedia < 0 or args.news + args.wikipedia == 0:
        parser.error("--news and --wikipedia count articles: at least one, neither negative")
    started = time.perf_counter()
    analyzer = Analyzer.load()
    texts = fitting_text(args.data, args.news, args.wikipedia, args.seed).samples
    # Short and long samples alternate; spun apart, every family spins both kinds.
    spun = [
        sample
        for part, samples in enumerate((texts[0::2], texts[1::2]))
        for sample in spin_corpus(samples, FITTING_FAMILIES, analyzer.lexicon, args.seed + part)
    ]
    columns: dict[str, list[float]] = {name: [] for name in CONFIDENCE_FEATURES}
    outcomes: list[bool] = []
    families: list[str] = []
    for sample in track(spun, description="analysing samples, spun and clean"):
        for text, judge in ((sample.spun, sample.restores), (sample.original, None)):
            found, right = rewrites(analyzer, text, judge or (lambda *_: False))
            for name in CONFIDENCE_FEATURES:
                columns[name] += found[name]
            outcomes += right
            families += [sample.family] * len(right)
    labels = np.array(outcomes, dtype=float)
    table = {name: np.array(values) for name, values in columns.items()}
    groups = np.array(families)
    before = sigmoid(table["decision_log_odds"])
    print(
        f"{len(texts)} samples, {len(labels):,} rewrites, {labels.mean():.1%} right; "
        f"raw calibration error {calibration_error(list(before), outcomes):.3f}"
    )
    held_out = np.zeros(len(labels))
    for family in FITTING_FAMILIES:
        test = groups == family
        train = {name: values[~test] for name, values in table.items()}
        model = LogisticModel.fit(CONFIDENCE_FEATURES, train, labels[~test], l2=L2)
        held_out[test] = sigmoid(model.log_odds({n: v[test] for n, v in table.items()}))
        print(
            f"  {family} held out: {test.sum():,} rewrites, calibration error "
            f"{calibration_error(list(before[test]), list(labels[test] > 0)):.3f} -> "
            f"{calibration_error(list(held_out[test]), list(labels[test] > 0)):.3f}"
        )
    print(f"  all, each family held out: {calibration_error(list(held_out), outcomes):.3f}")
    model = LogisticModel.fit(CONFIDENCE_FEATURES, table, labels, l2=L2)
    write_sections(args.out, {"span_confidence": model.to_dict()})
    print("span_confidence:", json.dumps(model.to_dict()))
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
