"""Choose Config.context_cut_weight leave-one-family-out: how many originals each cut keeps.

Each occurrence keeps its `max_candidates` best originals by channel log-odds plus the weight x
their fit with the neighbouring words (`unspin.candidates.cut_by_context`). The channel model
is fitted on simulated spinners, and on a spinner it was fitted on it ranks that spinner's
originals better than on one it never saw, so judged in-family the channel earns too much
trust. Here each fitting family (`unspin.simulate.FITTING_FAMILIES`, never `HELD_OUT`) is held
out in turn: the channel is fitted on the other families' swaps (scripts/calibrate.py's
`fit_channel`, on short and long samples of the first `--articles` fitting-split Wikinews
articles), then the held-out family spins the long samples of the next `--test-articles`, and
the share of its swaps whose original survives the cut is counted at each `--weights` value.
The last column keeps the shipped channel (fitted with every family) at the shipped weight.

    .venv/bin/python scripts/choose_context_cut.py [--weights 0,0.25,0.5,1,2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate import fit_channel  # noqa: E402  (a sibling script)

from unspin.config import Config  # noqa: E402
from unspin.corpora import SHARED_DATA, article_samples, read_wikinews  # noqa: E402
from unspin.phrases import PhraseSet  # noqa: E402
from unspin.pipeline import Analyzer  # noqa: E402
from unspin.resources import Resources  # noqa: E402
from unspin.simulate import FITTING_FAMILIES, SpunText, spin_corpus  # noqa: E402


def kept_share(analyzer: Analyzer, samples: list[SpunText]) -> tuple[int, int]:
    """(swaps whose original is among its slot's candidates, swaps)."""
    kept = swaps = 0
    for sample in samples:
        doc = analyzer.candidates(sample.spun)
        slots = {doc.char_span(slot): slot for slot in doc.slots}
        for edit in sample.edits:
            slot = slots.get((edit.start, edit.end))
            kept += slot is not None and edit.original in slot.originals
            swaps += 1
    return kept, swaps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default="0,0.25,0.5,1,2", help="comma-separated weights")
    parser.add_argument("--articles", type=int, default=120, help="articles the channel fits on")
    parser.add_argument("--test-articles", type=int, default=80, help="articles spun to count")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    args = parser.parse_args(argv)
    try:
        weights = [float(w) for w in args.weights.split(",")]
    except ValueError:
        parser.error(f"--weights: numbers separated by commas, got {args.weights!r}")
    if any(w < 0 for w in weights):
        parser.error("--weights: a weight is zero or positive")
    resources = Resources(Config(), phrases=PhraseSet.TRAIN)
    lexicon = resources.lexicon
    shipped = lexicon.channel
    news = read_wikinews(args.data, heldout=False)
    fitting = spin_corpus(
        article_samples(news[: args.articles], args.seed), FITTING_FAMILIES, lexicon, args.seed
    )
    counted = article_samples(news[args.articles : args.articles + args.test_articles], args.seed)
    long_samples = counted[1::2]  # article_samples alternates short and long

    table = Table(title="Originals kept by the context cut, each family held out")
    table.add_column("family")
    table.add_column("swaps", justify="right")
    for weight in weights:
        table.add_column(f"weight {weight:g}", justify="right")
    table.add_column(f"in-family channel, {Config().context_cut_weight:g}", justify="right")
    totals = [[0, 0] for _ in range(len(weights) + 1)]
    for family in FITTING_FAMILIES:
        lexicon.set_channel(fit_channel(resources, [s for s in fitting if s.family != family]))
        held_out = spin_corpus(long_samples, (family,), lexicon, seed=args.seed + 1)
        row = []
        for column, weight in enumerate([*weights, None]):
            if weight is None:
                lexicon.set_channel(shipped)
                config = Config()
            else:
                config = Config(context_cut_weight=weight)
            kept, swaps = kept_share(Analyzer(resources, config), held_out)
            totals[column][0] += kept
            totals[column][1] += swaps
            row.append(f"{kept / max(swaps, 1):.1%}")
        table.add_row(str(family), f"{swaps:,}", *row)
    table.add_row(
        "all", f"{totals[0][1]:,}", *(f"{kept / max(swaps, 1):.1%}" for kept, swaps in totals)
    )
    lexicon.set_channel(shipped)
    Console(width=120).print(table)  # piped output keeps every column whole
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
