"""Quality benchmark: how well unspin finds and undoes spinning, against the shared evaluation data.

    .venv/bin/python benchmarks/quality.py [--data DIR] [--json PATH] [--limit N]

Uses the public API, with the analyzer's known-phrase layers (fingerprints and known terms) built
from the PPS train rows only: the package ships every row, but the test split must stay unseen.
Every input is taken in a fixed order (the train sample and the news simulation use fixed seeds),
so two runs of the same code print the same quality numbers; only the timings move.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from common import (
    Result,
    SpinbotPair,
    Target,
    TorturedPhrase,
    argument_parser,
    check_limit,
    load_spinbot_pairs,
    load_tortured_phrases,
    print_table,
    progress,
    write_json,
)
from metrics import (
    Counts,
    PhraseInTemplate,
    align,
    auroc,
    classification_counts,
    corpus_wer,
    count_words,
    judge_restoration,
    match_spans,
    overlaps,
    relative_reduction,
)
from stages import (
    StageCounts,
    restored_units,
    stage_counts,
    units_from_alignment,
    units_from_edits,
)

import unspin
from unspin import Report
from unspin.corpora import (
    LONG_SAMPLE_WORDS,
    MIN_SENTENCE_WORDS,
    WikipediaSplit,
    lone_sentences,
    long_sample,
    read_wikinews,
    read_wikipedia,
)
from unspin.fingerprint import PhraseSet
from unspin.logistic import calibration_error
from unspin.resources import Resources
from unspin.simulate import HELD_OUT, spin_corpus

# Neutral carriers for a bare phrase: the phrase sits mid-sentence, in the kind of prose where
# tortured phrases turn up, with no neighbouring word that hints at the answer.
PPS_TEMPLATES = (
    "In this paper we study {phrase} in detail.",
    "The results show that {phrase} matters for the task.",
    "Recent work on {phrase} has grown quickly.",
)
TRAIN_SAMPLE_SIZE = 1500
TRAIN_SAMPLE_SEED = 1729

WER_REDUCTION_TARGET = Target(0.35)
NEWS_WER_REDUCTION_TARGET = Target(0.50)
FALSE_EDITS_TARGET = Target(1.0, at_least=False)
PPS_TEST_TARGET = Target(0.40)
DETECTION_F1_TARGET = Target(0.95)
SPINBOT_AUROC_TARGET = Target(0.97)
NEWS_AUROC_TARGET = Target(0.99)
PARAGRAPH_TARGET = Target(9, at_least=True)
NEWS_SEED = 2026
WIKIPEDIA_ARTICLES = 40

# The paragraph of issue 10, spun in the style of a real content-farm spinner (12 swaps).
FARM_SPUN = (
    "The minister advised reporters that officers had been making an attempt to restrict entry "
    "to the constructing. The White Home mentioned on Tuesday that extra individuals can be "
    "evacuated earlier than the storm."
)
FARM_ORIGINAL = (
    "The minister told reporters that officials had been trying to limit access to the "
    "building. The White House said on Tuesday that more people would be evacuated before the "
    "storm."
)

Analyze = Callable[[str], Report]


def analyze_all(analyzer, texts: Sequence[str], description: str) -> tuple[list, list[Report]]:
    """Documents (the stages' state) and reports of every text."""
    docs = [analyzer.document(text) for text in progress(texts, description)]
    return docs, [analyzer.report(doc) for doc in docs]


def false_edit_result(section: str, key: str, label: str, spans: int, words: int) -> Result:
    """Spans on clean text per 1,000 words: every one of them is a false edit."""
    return Result(
        section,
        key,
        label,
        spans / words * 1000,
        "per_1k",
        FALSE_EDITS_TARGET,
        note=f"{spans:,} spans / {words:,} words",
    )


def stage_results(section: str, key: str, counts: StageCounts) -> list[Result]:
    units = max(counts.units, 1)
    return [
        Result(
            section,
            f"{key}_coverage",
            "Stage 1: original among the candidates",
            counts.covered / units,
            "percent",
            note=f"{counts.covered:,} of {counts.units:,} gold units",
        ),
        Result(
            section,
            f"{key}_ranked_first",
            "Stage 2: ... and ranked first",
            counts.ranked_first / units,
            "percent",
            note=f"{counts.ranked_first:,}; {counts.ranked_first / max(counts.covered, 1):.0%}"
            " of covered",
        ),
        Result(
            section,
            f"{key}_accepted",
            "Stage 3: ... and accepted",
            counts.accepted / units,
            "percent",
            note=f"{counts.accepted:,}; {counts.accepted / max(counts.ranked_first, 1):.0%}"
            " of ranked first",
        ),
    ]


def simulation_results(
    analyzer,
    section: str,
    key: str,
    texts: Sequence[str],
    wer_target: Target | None,
    auroc_target: Target | None,
    spintax: bool = False,
) -> list[Result]:
    """Held-out clean texts spun by the held-out spinner family, and the same unspun.

    `spintax`: every spinner draws a form at each occurrence (as SpinBot does) instead of
    keeping one per word; only the spun rows then, the clean ones being those without it.
    """
    lexicon = analyzer.resources.lexicon
    spun = spin_corpus(texts, (HELD_OUT,), lexicon, seed=NEWS_SEED, spintax_share=float(spintax))
    spun_docs, spun_reports = analyze_all(analyzer, [s.spun for s in spun], f"{key} spun")
    section = f"{section}, held-out spinner family '{HELD_OUT}'"
    wer_spun = corpus_wer((s.spun, s.original) for s in spun)
    wer_restored = corpus_wer(
        (r.restored, s.original) for r, s in zip(spun_reports, spun, strict=True)
    )
    counts = StageCounts()
    for doc, sample in zip(spun_docs, spun, strict=True):
        counts += stage_counts(doc, units_from_edits(sample.spun, sample.edits))
    rows = [
        Result(
            section,
            f"{key}_wer_spun",
            "WER spun vs original",
            wer_spun.rate,
            "percent",
            note=f"mean spin rate {sum(s.rate for s in spun) / len(spun):.2f}",
        ),
        Result(
            section, f"{key}_wer_restored", "WER restored vs original", wer_restored.rate, "percent"
        ),
        Result(
            section,
            f"{key}_wer_reduction",
            "Relative WER reduction",
            relative_reduction(wer_spun.rate, wer_restored.rate),
            "percent",
            wer_target,
        ),
        *stage_results(section, key, counts),
    ]
    if spintax:
        return rows
    _, clean_reports = analyze_all(analyzer, texts, f"{key} clean")
    reports = [*clean_reports, *spun_reports]
    labels = [0] * len(clean_reports) + [1] * len(spun_reports)
    return [
        *rows,
        false_edit_result(
            section,
            f"{key}_false_spans_per_1k",
            "False edits on the clean articles",
            sum(len(r.spans) for r in clean_reports),
            sum(count_words(t) for t in texts),
        ),
        Result(
            section,
            f"{key}_detection_auroc",
            "Detection AUROC, spun vs clean",
            auroc([r.spin_score for r in reports], labels),
            "ratio",
            auroc_target,
        ),
    ]


def news_results(analyzer, data) -> list[Result]:
    articles = read_wikinews(data, heldout=True)
    section = f"News simulation: {len(articles)} held-out Wikinews articles"
    texts = [a.text for a in articles]
    return [
        *simulation_results(
            analyzer, section, "news", texts, NEWS_WER_REDUCTION_TARGET, NEWS_AUROC_TARGET
        ),
        short_text_result(analyzer, section, texts),
        *simulation_results(
            analyzer,
            f"{section}, spintax spinners (a form drawn at each occurrence, as SpinBot does)",
            "news_spintax",
            texts,
            None,
            None,
            spintax=True,
        ),
    ]


def short_text_result(analyzer, section: str, texts: Sequence[str]) -> Result:
    """False edits when each sentence of the clean articles is checked on its own, as a user
    pasting one sentence does: too short for a verdict, so only the strict bar guards it."""
    too_long = analyzer.config.min_words_for_verdict
    sentences = [s for text in texts for s in lone_sentences(text, too_long)]
    reports = [analyzer.analyze(s) for s in progress(sentences, "news sentences")]
    result = false_edit_result(
        f"{section}, held-out spinner family '{HELD_OUT}'",
        "news_sentence_false_spans_per_1k",
        f"False edits on their sentences one by one ({MIN_SENTENCE_WORDS}-{too_long - 1} words)",
        sum(len(r.spans) for r in reports),
        sum(count_words(s) for s in sentences),
    )
    return dataclasses.replace(result, note=f"{result.note}; {len(sentences):,} sentences")


def wikipedia_results(analyzer, data, count: int) -> list[Result]:
    """Encyclopedia prose the language model never saw (its evaluation slice)."""
    articles = itertools.islice(read_wikipedia(data, split=WikipediaSplit.EVALUATION), count)
    texts = [t for t in map(long_sample, articles) if t]
    return simulation_results(
        analyzer,
        f"Encyclopedia simulation: the first ~{LONG_SAMPLE_WORDS} words of {len(texts)} "
        "Wikipedia articles of the evaluation slice",
        "wikipedia",
        texts,
        None,
        None,
    )


def paragraph_results(analyzer) -> list[Result]:
    doc = analyzer.document(FARM_SPUN)
    report = analyzer.report(doc)
    units = units_from_alignment(FARM_SPUN, FARM_ORIGINAL)
    restored = restored_units(report.spans, units)
    return [
        Result(
            "Issue 10 paragraph (content-farm style)",
            "paragraph_restored",
            "Swaps restored exactly",
            restored,
            "count",
            PARAGRAPH_TARGET,
            note=f"of {len(units)}; restored: {report.restored}",
        )
    ]


def invariant_violations(report: Report, text: str) -> int:
    """Spans that do not point at their own text: any of these makes the other numbers suspect."""
    bad = int(report.text != text)
    for span in report.spans:
        in_range = 0 <= span.start <= span.end <= len(report.text)
        bad += int(not in_range or report.text[span.start : span.end] != span.text)
    return bad


# --------------------------------------------------------------------------- SpinBot pairs


def spinbot_results(
    pairs: Sequence[SpinbotPair], spun: Sequence[Report], originals: Sequence[Report]
) -> list[Result]:
    section = f"SpinBot pairs ({len(pairs)} Wikipedia paragraphs)"
    wer_spun = corpus_wer((pair.spun, pair.original) for pair in pairs)
    wer_restored = corpus_wer(
        (report.restored, pair.original) for pair, report in zip(pairs, spun, strict=True)
    )
    spans = Counts()
    verdicts: list[bool | None] = []  # one per predicted span that overlaps a gold edit
    # (confidence, was the rewrite right) for every judgeable span, on spun and unspun text
    confidence_outcomes: list[tuple[float, bool]] = []
    for pair, report in zip(pairs, spun, strict=True):
        alignment = align(pair.spun, pair.original)
        gold = [(edit.start, edit.end) for edit in alignment.edits]
        spans += match_spans([(s.start, s.end) for s in report.spans], gold)
        for span in report.spans:
            verdict: bool | None = False
            if any(overlaps(span.start, span.end, *g) for g in gold):
                verdict = judge_restoration(alignment, span.start, span.end, span.original)
                verdicts.append(verdict)
            if verdict is not None:
                confidence_outcomes.append((span.confidence, verdict))
    confidence_outcomes += [(s.confidence, False) for report in originals for s in report.spans]
    confidences = [c for c, _ in confidence_outcomes]
    outcomes = [o for _, o in confidence_outcomes]
    right = verdicts.count(True)
    judged = right + verdicts.count(False)
    results = [
        Result(
            section,
            "spinbot_wer_spun",
            "WER spun vs original",
            wer_spun.rate,
            "percent",
            note=f"{wer_spun.edits:,} edits / {wer_spun.reference_words:,} words",
        ),
        Result(
            section,
            "spinbot_wer_restored",
            "WER restored vs original",
            wer_restored.rate,
            "percent",
            note=f"{wer_restored.edits:,} edits",
        ),
        Result(
            section,
            "spinbot_wer_reduction",
            "Relative WER reduction",
            relative_reduction(wer_spun.rate, wer_restored.rate),
            "percent",
            WER_REDUCTION_TARGET,
        ),
        Result(
            section,
            "spinbot_span_precision",
            "Span precision",
            spans.precision,
            "ratio",
            note=f"{spans.true_positives:,} of {spans.predicted:,} predicted spans",
        ),
        Result(
            section,
            "spinbot_span_recall",
            "Span recall",
            spans.recall,
            "ratio",
            note=f"{spans.gold_found:,} of {spans.gold:,} gold edits",
        ),
        Result(section, "spinbot_span_f1", "Span F1", spans.f1, "ratio"),
        Result(
            section,
            "spinbot_restoration_accuracy",
            "Restoration accuracy",
            right / judged if judged else None,
            "percent",
            note=f"{right:,} of {judged:,} overlapping spans that can be judged",
        ),
        Result(
            section,
            "spinbot_restoration_accuracy_strict",
            "Restoration accuracy, all overlapping spans",
            right / len(verdicts) if verdicts else None,
            "percent",
            note=f"{right:,} of {len(verdicts):,}; {verdicts.count(None):,} cut out of the "
            "middle of a longer edit count as wrong",
        ),
        Result(
            section,
            "spinbot_span_confidence",
            "Mean span confidence",
            sum(confidences) / len(confidences) if confidences else None,
            "percent",
            note=f"vs {sum(outcomes) / max(len(outcomes), 1):.1%} of the same "
            f"{len(outcomes):,} spans exactly right (spans on originals count as wrong)",
        ),
        Result(
            section,
            "spinbot_calibration_error",
            "Calibration error of span confidence",
            calibration_error(confidences, outcomes),
            "percent",
            note="expected calibration error, 5 equal-width bins",
        ),
    ]
    words = sum(count_words(pair.original) for pair in pairs)
    false_spans = sum(len(report.spans) for report in originals)
    changed = corpus_wer(
        (report.restored, pair.original) for pair, report in zip(pairs, originals, strict=True)
    )
    section = f"False edits on the {len(pairs)} unspun originals"
    results += [
        false_edit_result(
            section, "originals_false_spans_per_1k", "Spans per 1,000 words", false_spans, words
        ),
        Result(
            section,
            "originals_words_changed_per_1k",
            "Words changed per 1,000 words",
            changed.edits / words * 1000,
            "per_1k",
            note=f"{changed.edits:,} word edits, restored vs original",
        ),
    ]
    return results


# --------------------------------------------------------------------------- tortured phrases


@dataclass(frozen=True, slots=True)
class PhraseOutcome:
    detected: int = 0
    restored: int = 0
    sentences: int = 0


def evaluate_tortured(
    analyze: Analyze, phrases: Sequence[TorturedPhrase], description: str
) -> tuple[PhraseOutcome, int]:
    """Run every phrase in every template; returns the outcome and invariant violations."""
    detected = restored = sentences = violations = 0
    work = [(phrase, template) for phrase in phrases for template in PPS_TEMPLATES]
    for phrase, template in progress(work, description):
        case = PhraseInTemplate(template, phrase.tortured, phrase.expected)
        report = analyze(case.sentence)
        violations += invariant_violations(report, case.sentence)
        detected += case.is_detected((s.start, s.end) for s in report.spans)
        restored += case.is_restored(report.restored)
        sentences += 1
    return PhraseOutcome(detected, restored, sentences), violations


def tortured_results(
    section: str, key: str, outcome: PhraseOutcome, rows: int, target: Target | None, note: str = ""
) -> list[Result]:
    total = outcome.sentences
    return [
        Result(
            section,
            f"{key}_exact_restoration",
            "Exact restoration",
            outcome.restored / total if total else None,
            "percent",
            target,
            note=f"{outcome.restored:,} of {total:,} sentences ({rows:,} phrases × "
            f"{len(PPS_TEMPLATES)} templates){note}",
        ),
        Result(
            section,
            f"{key}_detection",
            "Detection (a span overlaps the phrase)",
            outcome.detected / total if total else None,
            "percent",
            note=f"{outcome.detected:,} of {total:,}",
        ),
    ]


def train_sample(phrases: Sequence[TorturedPhrase]) -> list[TorturedPhrase]:
    train = [p for p in phrases if p.split == "train"]
    if len(train) <= TRAIN_SAMPLE_SIZE:
        return train
    return random.Random(TRAIN_SAMPLE_SEED).sample(train, TRAIN_SAMPLE_SIZE)


# --------------------------------------------------------------------------- detection


def detection_results(spun: Sequence[Report], originals: Sequence[Report]) -> list[Result]:
    section = f"Document detection ({len(originals)} originals vs {len(spun)} spun)"
    reports = [*originals, *spun]
    labels = [0] * len(originals) + [1] * len(spun)
    counts = classification_counts([r.is_spun for r in reports], labels)
    flagged = f"{counts.predicted:,} flagged, {counts.true_positives:,} correctly"
    return [
        Result(
            section,
            "detection_auroc",
            "AUROC of spin_score",
            auroc([r.spin_score for r in reports], labels),
            "ratio",
            SPINBOT_AUROC_TARGET,
        ),
        Result(
            section,
            "detection_precision",
            "Precision of is_spun",
            counts.precision,
            "ratio",
            note=flagged,
        ),
        Result(section, "detection_recall", "Recall of is_spun", counts.recall, "ratio"),
        Result(section, "detection_f1", "F1 of is_spun", counts.f1, "ratio", DETECTION_F1_TARGET),
    ]


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        "Measure unspin's restoration and detection quality on the shared evaluation data.",
        "quick run: only the first N SpinBot pairs, N test phrases and N sampled train phrases",
    )
    parser.add_argument("--skip-news", action="store_true", help="leave out the news simulation")
    parser.add_argument(
        "--skip-wikipedia", action="store_true", help="leave out the encyclopedia simulation"
    )
    parser.add_argument(
        "--weights", type=Path, help="fitted models from another weights file (A/B runs)"
    )
    parser.add_argument("--skip-pps", action="store_true", help="leave out the PPS phrases")
    args = parser.parse_args(argv)
    check_limit(parser, args.limit)
    pairs = load_spinbot_pairs(args.data)[: args.limit]
    phrases = load_tortured_phrases(args.data)
    test_phrases = [p for p in phrases if p.split == "test"][: args.limit]
    train_phrases = train_sample(phrases)[: args.limit]

    started = time.perf_counter()
    analyzer = unspin.Analyzer(Resources(phrases=PhraseSet.TRAIN, weights=args.weights))
    analyzer.analyze("Warm-up sentence so that resource loading is timed on its own.")
    load_seconds = time.perf_counter() - started
    analyze = analyzer.analyze

    spun_docs, spun = analyze_all(analyzer, [p.spun for p in pairs], "SpinBot spun")
    _, originals = analyze_all(analyzer, [p.original for p in pairs], "SpinBot originals")
    spinbot_stages = StageCounts()
    for doc, pair in zip(spun_docs, pairs, strict=True):
        spinbot_stages += stage_counts(doc, units_from_alignment(pair.spun, pair.original))
    violations = sum(invariant_violations(r, p.spun) for r, p in zip(spun, pairs, strict=True))
    violations += sum(
        invariant_violations(r, p.original) for r, p in zip(originals, pairs, strict=True)
    )
    results = spinbot_results(pairs, spun, originals)
    results += stage_results(
        "SpinBot: where gold substitutions are lost", "spinbot", spinbot_stages
    )
    results += paragraph_results(analyzer)
    if not args.skip_news:
        results += news_results(analyzer, args.data)
    if not args.skip_wikipedia:
        results += wikipedia_results(analyzer, args.data, WIKIPEDIA_ARTICLES)

    if args.skip_pps:
        test_phrases, train_phrases = [], []
    test_outcome, test_violations = evaluate_tortured(analyze, test_phrases, "PPS test")
    train_outcome, train_violations = evaluate_tortured(analyze, train_phrases, "PPS train")
    violations += test_violations + train_violations
    results += tortured_results(
        "PPS tortured phrases, test split (held out)",
        "pps_test",
        test_outcome,
        len(test_phrases),
        PPS_TEST_TARGET,
    )
    results += tortured_results(
        "PPS tortured phrases, train split: built-in (train) — not a generalisation number",
        "pps_train",
        train_outcome,
        len(train_phrases),
        None,
        note=f"; from a seeded sample of {TRAIN_SAMPLE_SIZE:,} train phrases",
    )
    results += detection_results(spun, originals)

    total_seconds = time.perf_counter() - started
    section = "Run"
    results += [
        Result(
            section,
            "span_invariant_violations",
            "Spans breaking text[start:end] == span.text",
            violations,
            "count",
            Target(0, at_least=False),
        ),
        Result(section, "load_seconds", "Resource loading + warm-up call", load_seconds, "seconds"),
        Result(
            section,
            "total_seconds",
            "Total time",
            total_seconds,
            "seconds",
            note=f"{2 * len(pairs) + test_outcome.sentences + train_outcome.sentences:,} "
            "analyze calls",
        ),
    ]
    print_table("unspin quality benchmark", results)
    if args.json:
        write_json(
            args.json,
            results,
            {
                "benchmark": "quality",
                "data": str(args.data),
                "limit": args.limit,
                "templates": list(PPS_TEMPLATES),
                "train_sample": {"size": TRAIN_SAMPLE_SIZE, "seed": TRAIN_SAMPLE_SEED},
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
