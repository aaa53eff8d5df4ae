"""Spinner-profile benchmark: learning a profile without originals, and restoring with it.

    .venv/bin/python benchmarks/profiles.py [--data DIR] [--json PATH] [--limit N] [--articles N]

Rows (issue 7):
* SpinBot: learn a profile from the 169 spun paragraphs alone (no originals), restore them with
  it; the WER reduction against the reduction without a profile.
* A simulated content farm: ONE site-wide spinner of the held-out family (`simulate.HELD_OUT`,
  never fitted on) over held-out Wikinews articles. Learn from the spun articles alone; share of
  the spinner's 200 most-used pairs (by tokens replaced) the profile recovers, precision of its
  pairs against the spinner's dictionary; WER reduction restoring with the learned profile and
  with the generating dictionary imported as TSV (`Profile.from_spinner_dict`). Where the top
  pairs the profile misses are lost, stage by stage (`CorpusEvidence.stages`): the spun form
  never a slot or too rare, the original not among its candidates, another pair chosen in the
  one-to-one assignment, or below the confidence bar.
* PPS: the shipped product (every published row) on the test rows in neutral sentences.
* False edits on clean held-out Wikinews articles (not those the farm spun) with the learned
  farm profile loaded.

SpinBot and the farm use the analyzer quality.py uses (known-phrase layers from the PPS train
rows); the PPS row uses the shipped one. Inputs and seeds are fixed, so the numbers repeat.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from common import (
    Result,
    Target,
    argument_parser,
    check_limit,
    load_spinbot_pairs,
    load_tortured_phrases,
    print_table,
    progress,
    write_json,
)
from metrics import PhraseInTemplate, corpus_wer, count_words, relative_reduction
from quality import PPS_TEMPLATES

import unspin
from unspin.corpora import read_wikinews
from unspin.learn import CorpusEvidence, PairStage
from unspin.phrases import PhraseSet
from unspin.profile import DictFormat, Profile
from unspin.resources import Resources
from unspin.simulate import HELD_OUT, Spinner, forward_synonyms, used_pairs

SPINBOT_TARGET = Target(2.0)  # WER reduction with the learned profile / without a profile
TOP_PAIRS = 200
RECOVERED_TARGET = Target(0.80)
PRECISION_TARGET = Target(0.90)
LEARNED_WER_TARGET = Target(0.60)
DICTIONARY_WER_TARGET = Target(0.90)
PPS_FLAGGED_TARGET = Target(0.99)
PPS_RESTORED_TARGET = Target(0.95)
FALSE_EDITS_TARGET = Target(1.0, at_least=False)
FARM_ARTICLES = 40  # of the 63 held-out articles; the rest are the clean ones
FARM_SEED = 2027


def pooled(analyzer, texts: Sequence[str], description: str) -> CorpusEvidence:
    evidence = CorpusEvidence(analyzer)
    for text in progress(texts, description):
        evidence.add(text)
    return evidence


def restored(analyzer, texts: Sequence[str], profile, description: str) -> list[str]:
    return [
        analyzer.analyze(text, profile=profile).restored for text in progress(texts, description)
    ]


def reduction(hypotheses: Sequence[str], spun: Sequence[str], originals: Sequence[str]) -> float:
    before = corpus_wer(zip(spun, originals, strict=True)).rate
    after = corpus_wer(zip(hypotheses, originals, strict=True)).rate
    return relative_reduction(before, after)


def spinbot_results(analyzer, data: Path, limit: int | None) -> list[Result]:
    pairs = load_spinbot_pairs(data)[:limit]
    spun = [p.spun for p in pairs]
    originals = [p.original for p in pairs]
    section = f"SpinBot ({len(pairs)} spun paragraphs, profile learned from them alone)"
    started = time.perf_counter()
    profile = pooled(analyzer, spun, "learn SpinBot").profile(name="spinbot")
    seconds = time.perf_counter() - started
    without = reduction(restored(analyzer, spun, None, "SpinBot, no profile"), spun, originals)
    with_profile = reduction(restored(analyzer, spun, profile, "SpinBot, learned"), spun, originals)
    return [
        Result(
            section,
            "spinbot_learned_pairs",
            "Pairs learned",
            len(profile),
            "count",
            note=f"{seconds:.0f} s to learn",
        ),
        Result(
            section,
            "spinbot_wer_reduction_no_profile",
            "WER reduction, no profile",
            without,
            "percent",
        ),
        Result(
            section,
            "spinbot_wer_reduction_learned",
            "WER reduction, learned profile",
            with_profile,
            "percent",
        ),
        Result(
            section,
            "spinbot_learned_gain",
            "... over the reduction without (×)",
            with_profile / without if without > 0 else None,
            "ratio",
            SPINBOT_TARGET,
        ),
    ]


def farm_results(
    analyzer, data: Path, articles: int, limit: int | None
) -> tuple[list[Result], Profile, list[str]]:
    heldout = read_wikinews(data, heldout=True)
    farm, clean = heldout[:articles], heldout[articles:]
    if limit is not None:
        farm, clean = farm[:limit], clean[:limit]
    lexicon = analyzer.lexicon
    spinner = Spinner.site(HELD_OUT, lexicon, FARM_SEED, forward_synonyms(HELD_OUT, lexicon))
    samples = [spinner.spin(article.text) for article in farm]
    spun = [s.spun for s in samples]
    originals = [s.original for s in samples]
    section = (
        f"Content farm ({len(farm)} held-out Wikinews articles, one '{HELD_OUT}' spinner, "
        f"rate {spinner.rate:.2f})"
    )
    started = time.perf_counter()
    evidence = pooled(analyzer, spun, "learn farm")
    profile = evidence.profile(name="farm")
    seconds = time.perf_counter() - started
    dictionary = {(spun_form, original) for original, spun_form in spinner.pairs().items()}
    used = used_pairs(samples)
    top = [(spun_form, original) for (original, spun_form), _ in used.most_common(TOP_PAIRS)]
    learned = {(pair.spun, pair.original) for pair in profile.pairs}
    reached = Counter(evidence.stages(top).values())
    recovered = reached[PairStage.LEARNED]  # the pairs of `profile` among the top ones
    right = sum(pair in dictionary for pair in learned)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "farm-dictionary.tsv"
        lines = [f"{original}\t{spun_form}" for spun_form, original in sorted(dictionary)]
        path.write_text("original\tspun\n" + "\n".join(lines) + "\n", encoding="utf-8")
        generating = Profile.from_spinner_dict(path, DictFormat.TSV, name="farm-dictionary")
    without = reduction(restored(analyzer, spun, None, "farm, no profile"), spun, originals)
    with_learned = reduction(restored(analyzer, spun, profile, "farm, learned"), spun, originals)
    with_dictionary = reduction(
        restored(analyzer, spun, generating, "farm, dictionary"), spun, originals
    )
    results = [
        Result(
            section,
            "farm_top_pairs_recovered",
            f"Share of the {len(top)} most-used pairs recovered",
            recovered / len(top) if top else None,
            "percent",
            RECOVERED_TARGET,
            note=f"{recovered} of {len(top)}; {len(used):,} pairs used, "
            f"{sum(used.values()):,} tokens replaced",
        ),
        *(
            Result(
                section,
                f"farm_top_pairs_{stage.name.lower()}",
                f"  ... lost: {stage}",
                reached[stage] / len(top) if top else None,
                "percent",
            )
            for stage in PairStage
            if stage is not PairStage.LEARNED
        ),
        Result(
            section,
            "farm_learned_precision",
            "Precision of the learned pairs",
            right / len(learned) if learned else None,
            "percent",
            PRECISION_TARGET,
            note=f"{right} of {len(learned)} in the dictionary; learned in {seconds:.0f} s",
        ),
        Result(
            section,
            "farm_wer_reduction_no_profile",
            "WER reduction, no profile",
            without,
            "percent",
        ),
        Result(
            section,
            "farm_wer_reduction_learned",
            "WER reduction, learned profile",
            with_learned,
            "percent",
            LEARNED_WER_TARGET,
        ),
        Result(
            section,
            "farm_wer_reduction_dictionary",
            "WER reduction, generating dictionary (--spinner-dict)",
            with_dictionary,
            "percent",
            DICTIONARY_WER_TARGET,
            note=f"{len(generating):,} pairs imported",
        ),
    ]
    return results, profile, [article.text for article in clean]


def false_edit_results(analyzer, clean: Sequence[str], profile: Profile) -> list[Result]:
    section = f"Clean held-out Wikinews ({len(clean)} articles not in the farm)"
    reports = [
        analyzer.analyze(text, profile=profile)
        for text in progress(clean, "clean, learned profile")
    ]
    words = sum(count_words(text) for text in clean)
    spans = sum(len(report.spans) for report in reports)
    return [
        Result(
            section,
            "clean_false_edits_per_1k",
            "False edits per 1,000 words, learned farm profile loaded",
            spans / words * 1000 if words else None,
            "per_1k",
            FALSE_EDITS_TARGET,
            note=f"{spans:,} spans / {words:,} words",
        )
    ]


def pps_results(data: Path, limit: int | None) -> list[Result]:
    phrases = [p for p in load_tortured_phrases(data) if p.split == "test"][:limit]
    analyzer = unspin.Analyzer(Resources(phrases=PhraseSet.ALL))
    flagged = exact = total = 0
    work = [(phrase, template) for phrase in phrases for template in PPS_TEMPLATES]
    for phrase, template in progress(work, "PPS test rows, shipped list"):
        case = PhraseInTemplate(template, phrase.tortured, phrase.expected)
        report = analyzer.analyze(case.sentence)
        flagged += case.is_detected((s.start, s.end) for s in report.spans)
        exact += case.is_restored(report.restored)
        total += 1
    section = (
        f"PPS test rows, shipped product (every row; {len(phrases):,} phrases × "
        f"{len(PPS_TEMPLATES)} templates) — measures shipping, not generalisation"
    )
    return [
        Result(
            section,
            "pps_shipped_flagged",
            "Flagged (a span overlaps the phrase)",
            flagged / total if total else None,
            "percent",
            PPS_FLAGGED_TARGET,
            note=f"{flagged:,} of {total:,}",
        ),
        Result(
            section,
            "pps_shipped_restored",
            "Restored exactly",
            exact / total if total else None,
            "percent",
            PPS_RESTORED_TARGET,
            note=f"{exact:,} of {total:,}",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        "Measure learned spinner profiles (unspin learn) and restoring with profiles.",
        "quick run: only the first N SpinBot pairs, farm and clean articles, PPS test phrases",
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=FARM_ARTICLES,
        help=f"held-out articles the farm spins (default {FARM_ARTICLES})",
    )
    parser.add_argument("--skip-pps", action="store_true", help="leave out the PPS rows")
    args = parser.parse_args(argv)
    check_limit(parser, args.limit)
    if args.articles < 1:
        parser.error("--articles must be a positive number")
    started = time.perf_counter()
    analyzer = unspin.Analyzer(Resources(phrases=PhraseSet.TRAIN))
    analyzer.analyze("Warm-up sentence so that resource loading is timed on its own.")
    results: list[Result] = [
        Result(
            "Run",
            "load_seconds",
            "Resource loading + warm-up",
            time.perf_counter() - started,
            "seconds",
        )
    ]
    body: list[Result] = []

    def step(key: str, label: str, rows: Callable[[], list[Result]]) -> None:
        began = time.perf_counter()
        body.extend(rows())
        results.append(Result("Run", key, label, time.perf_counter() - began, "seconds"))

    step(
        "spinbot_seconds", "SpinBot rows", lambda: spinbot_results(analyzer, args.data, args.limit)
    )
    farm: dict = {}

    def farm_rows() -> list[Result]:
        rows, farm["profile"], farm["clean"] = farm_results(
            analyzer, args.data, args.articles, args.limit
        )
        return rows

    step("farm_seconds", "Content-farm rows", farm_rows)
    step(
        "clean_seconds",
        "Clean-text row",
        lambda: false_edit_results(analyzer, farm["clean"], farm["profile"]),
    )
    if not args.skip_pps:
        step("pps_seconds", "PPS rows", lambda: pps_results(args.data, args.limit))
    results.append(
        Result("Run", "total_seconds", "Total", time.perf_counter() - started, "seconds")
    )
    results = body + results
    print_table("unspin spinner-profile benchmark", results)
    if args.json:
        write_json(
            args.json,
            results,
            {
                "benchmark": "profiles",
                "data": str(args.data),
                "limit": args.limit,
                "farm_articles": args.articles,
                "farm_seed": FARM_SEED,
                "family": str(HELD_OUT),
                "templates": list(PPS_TEMPLATES),
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
