"""Tortured phrases on a development split of the PPS train rows: where generalisation is lost.

    .venv/bin/python benchmarks/pps_dev.py [--dev N] [--seed S] [--json PATH] [--limit N]

quality.py measures generalisation on the test rows, which nothing may be tuned on. This
carves a seeded development split out of the train rows instead and rebuilds every layer that
reads the list (fingerprints, known terms, the thesaurus's tortured word swaps) from the other
train rows (`Resources(tortured_pairs=...)`), so the development phrases are as unseen as the
test ones. Each phrase goes into quality.py's three neutral templates, and every miss is put
down to the first stage that lost it:

* one word differs ("surface region" -> "surface area"): the slot of that word has no slot,
  lacks the expected word among its candidates, ranks another first, or is not rewritten;
* several differ ("normal language handling" -> "natural language processing"): a candidate
  for the whole differing span, as the known-term layer proposes one, is missing, ranked
  below another, or not rewritten; words rewritten one by one count under "no candidate".

No targets: a diagnosis for development (quality.py holds the target, exact >= 40% on test).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np
from common import Result, argument_parser, check_limit, print_table, progress, write_json
from metrics import PhraseInTemplate, differing_span
from quality import PPS_TEMPLATES

import unspin
from unspin.candidates import expected_words
from unspin.document import Document
from unspin.phrases import PhraseSet, tortured_pairs
from unspin.resources import Resources

DEV_ROWS = 300
DEV_SEED = 7
KINDS = ("one word", "several words")
STAGES = ("no candidate", "not among candidates", "ranked below another", "not rewritten")


def split_rows(
    pairs: Sequence[tuple[str, str]], size: int, seed: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(development rows, the rest) of the train rows, seeded."""
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    return [pairs[i] for i in order[:size]], [pairs[i] for i in order[size:]]


def lost_at(doc: Document, case: PhraseInTemplate, wanted_words: list[str]) -> str:
    """The first stage at which the rewrite of the differing words was lost."""
    tortured_words = case.tortured.split()
    head, tail, width = differing_span(tortured_words, wanted_words)
    if width == 0:
        return STAGES[0]
    start = case.phrase_range[0] + len(" ".join(tortured_words[:head])) + (1 if head else 0)
    wanted = " ".join(wanted_words[head : len(wanted_words) - tail])
    slot = next(
        (s for s in doc.slots if doc.tokens[s.first].start == start and s.last - s.first == width),
        None,
    )
    if slot is None or slot.log_odds is None:
        return STAGES[0]
    if wanted not in slot.originals:
        return STAGES[1]
    if slot.originals[int(np.argmax(slot.log_odds))] != wanted:
        return STAGES[2]
    return STAGES[3]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        "Tortured phrases on a development split of the PPS train rows, stage by stage.",
        "quick run: only the first N development phrases",
    )
    parser.add_argument("--dev", type=int, default=DEV_ROWS, help="train rows held out as dev")
    parser.add_argument("--seed", type=int, default=DEV_SEED)
    args = parser.parse_args(argv)
    check_limit(parser, args.limit)
    if args.dev < 1:
        parser.error("--dev must be a positive number")
    started = time.perf_counter()
    train = tortured_pairs(PhraseSet.TRAIN)
    if args.dev >= len(train):
        parser.error(
            f"--dev must leave train rows to build the layers from (there are {len(train):,})"
        )
    dev, rest = split_rows(train, args.dev, args.seed)
    dev = dev[: args.limit]
    analyzer = unspin.Analyzer(Resources(phrases=PhraseSet.TRAIN, tortured_pairs=tuple(rest)))
    counts: Counter[tuple[str, str]] = Counter()
    work = [(pair, template) for pair in dev for template in PPS_TEMPLATES]
    for (tortured, expected), template in progress(work, "PPS dev"):
        wanted_words = expected_words(expected)
        _, _, width = differing_span(tortured.split(), wanted_words)
        one_word = width == 1 and len(wanted_words) == len(tortured.split())
        kind = KINDS[0] if one_word else KINDS[1]
        case = PhraseInTemplate(template, tortured, expected)
        doc = analyzer.document(case.sentence)
        report = analyzer.report(doc)
        counts[(kind, "sentences")] += 1
        counts[(kind, "detected")] += case.is_detected((s.start, s.end) for s in report.spans)
        if case.is_restored(report.restored):
            counts[(kind, "exact")] += 1
        else:
            counts[(kind, lost_at(doc, case, wanted_words))] += 1
    results: list[Result] = []
    for kind in KINDS:
        total = counts[(kind, "sentences")]
        verb = "differs" if kind == KINDS[0] else "differ"
        section = f"{kind} {verb} ({total:,} sentences: {total // 3:,} phrases x 3 templates)"

        def share(n: int, total: int = total) -> float | None:
            return n / total if total else None

        key = kind.split()[0]
        results.append(
            Result(
                section,
                f"{key}_exact",
                "Exact restoration",
                share(counts[(kind, "exact")]),
                "percent",
            )
        )
        results.append(
            Result(
                section,
                f"{key}_detected",
                "Detection",
                share(counts[(kind, "detected")]),
                "percent",
            )
        )
        for stage in STAGES:
            results.append(
                Result(
                    section,
                    f"{key}_lost_{stage.replace(' ', '_')}",
                    f"lost: {stage}",
                    share(counts[(kind, stage)]),
                    "percent",
                )
            )
    all_sentences = sum(counts[(k, "sentences")] for k in KINDS)
    all_exact = sum(counts[(k, "exact")] for k in KINDS)
    results.append(
        Result(
            "All development phrases",
            "exact",
            "Exact restoration",
            all_exact / all_sentences if all_sentences else None,
            "percent",
            note=f"{all_exact:,} of {all_sentences:,}; layers from the other {len(rest):,} rows",
        )
    )
    results.append(Result("Run", "seconds", "Total time", time.perf_counter() - started, "seconds"))
    print_table("unspin tortured phrases, PPS train development split", results)
    if args.json:
        write_json(args.json, results, {"dev_rows": args.dev, "seed": args.seed})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
