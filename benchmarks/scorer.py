"""Scorer benchmark: how well each language model alone picks the original word back.

    .venv/bin/python benchmarks/scorer.py [--data DIR] [--json PATH] [--limit N]

Isolates the contextual judge from the rest of the decoder. At every word the spinner swapped
(single-word swaps of the SpinBot pairs, and of the held-out Wikinews articles spun by the
held-out unspin.simulate family, as quality.py spins them), the TRUE original words stay in
place around it, and each model scores the spun form's candidates by the channel model alone
(the first SCORER_CANDIDATES of `Lexicon.origins(spun word)`, the set the decoder kept per
word before its context cut, so numbers compare across versions) plus the gold original:
- rank 1: the gold original scores strictly above every other candidate;
- AUC: "best candidate's gain over the word in place" separates spun positions from genuine
  ones (unchanged words that have candidates too).
The models: pocketsphinx's trigrams, unspin's 4-gram, the two interpolated, and the 4-gram plus
`VECTOR_WEIGHT` x the context vectors' fit with the same words (`unspin.vectors`).
Nothing is fitted here; the SpinBot pairs and the held-out news only measure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import Result, Target, argument_parser, check_limit, load_spinbot_pairs, print_table
from common import write_json as write_results
from metrics import align, auroc, words_with_offsets

from unspin import corpora, vectors
from unspin.fingerprint import PhraseSet
from unspin.lexicon import Lexicon
from unspin.ngram import EOS, NgramModel
from unspin.resources import Resources
from unspin.score import START, LanguageModel
from unspin.simulate import HELD_OUT, spin_corpus
from unspin.tokenize import is_word, tokenize
from unspin.vectors import ContextVectors

RANK_TARGETS = {"spinbot": Target(0.65), "news": Target(0.80)}
AUC_TARGETS = {"spinbot": Target(0.86), "news": Target(0.90)}
CONTEXT = 4  # words of context each side handed to every scorer (each uses what its order can)
MIX_WEIGHT = 0.5  # interpolation weight of our model against pocketsphinx; fixed, not tuned
# Weight of the context vectors' fit (unspin.vectors) added to the 4-gram's log-probability,
# chosen on fitting-side swaps (fitting-split Wikinews and fitting-slice Wikipedia spun by the
# fitting families, 20,326 swaps: rank 1 63.8% alone; 64.7 / 65.3 / 65.3 / 62.9% at 0.25 / 0.5 /
# 1 / 2). The decoder weighs it by its own fitted models instead.
VECTOR_WEIGHT = 1.0
BATCH = 256  # slots per batched lookup
NEWS_SEED = 2026  # as in quality.py, so both spin the held-out news the same way
SCORER_CANDIDATES = 24  # the channel's best originals per spun form (see the module docstring)


# --------------------------------------------------------------------------- scorers


Windows = Callable[[Sequence[str], Sequence[Sequence[str]], Sequence[str]], np.ndarray]


def sphinx_windows(lm: LanguageModel) -> Windows:
    """pocketsphinx as the decoder uses it: two words before, the middle, two words after."""

    def windows(left: Sequence[str], middles: Sequence[Sequence[str]], right: Sequence[str]):
        padded = [START, START, *left]
        return np.array([lm.window(padded, list(m), list(right[:2])) for m in middles])

    return windows


def ngram_windows(model: NgramModel) -> Windows:
    """The model's own windows, with its batched form for many slots at once."""

    def windows(left: Sequence[str], middles: Sequence[Sequence[str]], right: Sequence[str]):
        return model.windows(left, middles, right)

    windows.many = model.windows_many  # type: ignore[attr-defined]
    return windows


def mixed_windows(model: NgramModel, lm: LanguageModel, weight: float = MIX_WEIGHT) -> Windows:
    """Per-word linear interpolation of the two models' probabilities over the same words."""
    depth = model.order - 1

    def windows(left: Sequence[str], middles: Sequence[Sequence[str]], right: Sequence[str]):
        words, histories, owner = [], [], []
        for index, middle in enumerate(middles):
            sequence = [START, START, *left[-depth:], *middle, *right[:depth]]
            start = len(sequence) - len(middle) - len(right[:depth])
            for p in range(start, len(sequence)):
                words.append(sequence[p])
                histories.append(sequence[max(0, p - depth) : p])
                owner.append(index)
                if sequence[p] == EOS:
                    break
        ours = model.logp_many(words, histories)
        theirs = np.array([lm.logp(w, h) for w, h in zip(words, histories, strict=True)])
        mixed = np.logaddexp(ours + math.log(weight), theirs + math.log(1 - weight))
        return np.bincount(owner, weights=mixed, minlength=len(middles))

    return windows


def vector_windows(model: NgramModel, vectors: ContextVectors, weight: float = VECTOR_WEIGHT):
    """The 4-gram's windows plus `weight` x each middle's context-vector fit with the words
    on both sides."""

    def windows(left: Sequence[str], middles: Sequence[Sequence[str]], right: Sequence[str]):
        context = [*left, *right]
        fits = vectors.fits(context, [" ".join(middle) for middle in middles])
        return model.windows(left, middles, right) + weight * fits

    return windows


# --------------------------------------------------------------------------- items


@dataclass(frozen=True, slots=True)
class Slot:
    """One word position with the true words around it and the candidates to rank."""

    left: tuple[str, ...]
    word: str  # the word in place: the spun word, or the genuine original word
    right: tuple[str, ...]
    candidates: tuple[str, ...]  # each a word or phrase
    gold: str | None  # the original, for spun slots
    gold_listed: bool = False  # gold was among the lexicon's candidates before adding it


def _sentence_words(text: str) -> tuple[dict[int, int], list[str], list[int]]:
    """unspin's word tokens of a text: char start -> word index, the words, their sentence ids."""
    tokens = [t for t in tokenize(text) if is_word(t)]
    return (
        {t.start: i for i, t in enumerate(tokens)},
        [t.norm for t in tokens],
        [t.sentence for t in tokens],
    )


def _context(words: list[str], sentence: list[int], at: int) -> tuple[tuple, tuple]:
    left, right = [], []
    for k in range(at - 1, max(at - CONTEXT, 0) - 1, -1):
        if sentence[k] != sentence[at]:
            break
        left.insert(0, words[k])
    if len(left) < CONTEXT and (
        at - len(left) == 0 or sentence[at - len(left) - 1] != sentence[at]
    ):
        left.insert(0, START)
    for k in range(at + 1, min(at + CONTEXT, len(words) - 1) + 1):
        if sentence[k] != sentence[at]:
            break
        right.append(words[k])
    if len(right) < CONTEXT:
        right.append(EOS)
    return tuple(left), tuple(right)


def slots_from_pair(spun: str, original: str, lexicon: Lexicon) -> tuple[list[Slot], list[Slot]]:
    """Spun slots (single-word swaps) and genuine slots (unchanged words with candidates)."""
    alignment = align(spun, original)
    starts, words, sentence = _sentence_words(original)
    original_offsets = words_with_offsets(original)
    spun_slots: list[Slot] = []
    genuine_slots: list[Slot] = []
    for tag, i1, i2, j1, j2 in alignment.opcodes:
        if tag == "equal":
            for j in range(j1, j2):
                at = starts.get(original_offsets[j].start)
                if at is None:
                    continue
                origins = tuple(o.text for o in lexicon.origins(words[at])[:SCORER_CANDIDATES])
                if origins:
                    left, right = _context(words, sentence, at)
                    genuine_slots.append(Slot(left, words[at], right, origins, None))
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                word = alignment.spun_words[i1 + k].norm
                at = starts.get(original_offsets[j1 + k].start)
                if at is None or not word.isalpha() or word == words[at]:
                    continue
                gold = words[at]
                origins = tuple(o.text for o in lexicon.origins(word)[:SCORER_CANDIDATES])
                listed = gold in origins
                candidates = origins if listed else (*origins, gold)
                left, right = _context(words, sentence, at)
                spun_slots.append(Slot(left, word, right, candidates, gold, listed))
    return spun_slots, genuine_slots


# --------------------------------------------------------------------------- news simulation


def news_pairs(data_dir: Path, lexicon: Lexicon, limit: int | None) -> list[tuple[str, str]]:
    """(spun, original) for the held-out Wikinews articles, spun as quality.py spins them."""
    articles = corpora.read_wikinews(data_dir, heldout=True)[:limit]
    spun = spin_corpus([a.text for a in articles], (HELD_OUT,), lexicon, seed=NEWS_SEED)
    return [(s.spun, s.original) for s in spun]


# --------------------------------------------------------------------------- measuring


def score_slots(slots: Sequence[Slot], scorer: Windows) -> list[np.ndarray]:
    """Window scores of each slot's candidates, then of the word in place (last)."""
    requests = [(s.left, [c.split() for c in s.candidates] + [[s.word]], s.right) for s in slots]
    many = getattr(scorer, "many", None)
    if many is None:
        return [scorer(*request) for request in requests]
    scores: list[np.ndarray] = []
    for start in range(0, len(requests), BATCH):
        scores += many(requests[start : start + BATCH])
    return scores


def measure(slots_spun: list[Slot], slots_genuine: list[Slot], scorer: Windows) -> dict:
    ranked_first = 0
    gains, listed_gains = [], []
    for slot, scores in zip(slots_spun, score_slots(slots_spun, scorer), strict=True):
        candidates, here = scores[:-1], scores[-1]
        gold = slot.candidates.index(slot.gold)
        others = np.delete(candidates, gold)
        ranked_first += bool(others.size == 0 or candidates[gold] > others.max())
        gains.append(float(candidates.max() - here))
        if slot.gold_listed:
            listed_gains.append(float(candidates.max() - here))
    genuine = [float(s[:-1].max() - s[-1]) for s in score_slots(slots_genuine, scorer)]
    listed_auc = float("nan")
    if listed_gains:
        listed_auc = auroc(listed_gains + genuine, [1] * len(listed_gains) + [0] * len(genuine))
    return {
        "rank1": ranked_first / max(len(slots_spun), 1),
        "auc": auroc(gains + genuine, [1] * len(gains) + [0] * len(genuine)),
        "auc_listed_only": listed_auc,
    }


def collect(pairs: Sequence[tuple[str, str]], lexicon: Lexicon) -> tuple[list[Slot], list[Slot]]:
    spun_slots: list[Slot] = []
    genuine_slots: list[Slot] = []
    for spun, original in pairs:
        s, g = slots_from_pair(spun, original, lexicon)
        spun_slots += s
        genuine_slots += g
    return spun_slots, genuine_slots


def scorer_results(
    data_dir: Path,
    lexicon: Lexicon | None = None,
    sphinx: LanguageModel | None = None,
    model: NgramModel | None = None,
    limit: int | None = None,
) -> list[Result]:
    """The "scorer" section: rank-1 and AUC per model on SpinBot and the news simulation."""
    lexicon = lexicon or Resources(phrases=PhraseSet.TRAIN).lexicon
    sphinx = sphinx or LanguageModel.load()
    model = model or NgramModel.load()
    load_started = time.perf_counter()
    NgramModel.load(model.path).logp("said", ["he"])  # a fresh load, first query included
    load_seconds = time.perf_counter() - load_started
    datasets = {
        "spinbot": [(p.spun, p.original) for p in load_spinbot_pairs(data_dir)[:limit]],
        "news": news_pairs(data_dir, lexicon, limit),
    }
    scorers = {
        "pocketsphinx": sphinx_windows(sphinx),
        f"unspin {model.order}-gram": ngram_windows(model),
        f"interpolated {MIX_WEIGHT:g}/{1 - MIX_WEIGHT:g}": mixed_windows(model, sphinx),
    }
    context_vectors = vectors.bundled()
    if context_vectors is not None:
        scorers[f"vectors + {model.order}-gram"] = vector_windows(model, context_vectors)
    results: list[Result] = []
    for name, pairs in datasets.items():
        spun_slots, genuine_slots = collect(pairs, lexicon)
        listed = sum(s.gold_listed for s in spun_slots) / max(len(spun_slots), 1)
        section = (
            f"Scorer, {'SpinBot pairs' if name == 'spinbot' else 'news simulation'}: "
            f"{len(spun_slots):,} swapped words, {len(genuine_slots):,} genuine"
        )
        results.append(
            Result(
                section,
                f"scorer_{name}_gold_listed",
                "gold among the lexicon's candidates",
                listed,
                "percent",
            )
        )
        for scorer_name, scorer in scorers.items():
            key = scorer_name.split()[0]
            numbers = measure(spun_slots, genuine_slots, scorer)
            results.append(
                Result(
                    section,
                    f"scorer_{name}_{key}_rank1",
                    f"{scorer_name}: original ranked first",
                    numbers["rank1"],
                    "percent",
                    RANK_TARGETS[name],
                )
            )
            results.append(
                Result(
                    section,
                    f"scorer_{name}_{key}_auc",
                    f"{scorer_name}: AUC spun vs genuine",
                    numbers["auc"],
                    "ratio",
                    AUC_TARGETS[name],
                    note=f"{numbers['auc_listed_only']:.3f} where gold was listed",
                )
            )

    def folder_bytes(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.glob("*") if p.is_file())

    vector_bytes = folder_bytes(vectors.DATA_DIR) if context_vectors is not None else 0
    section = "Scorer, package cost"
    results.append(
        Result(
            section,
            "scorer_package_mb",
            "models' size on disk (MB)",
            (folder_bytes(model.path) + vector_bytes) / 1e6,
            "count",
            Target(100, at_least=False),
            note=f"context vectors {vector_bytes / 1e6:.1f} MB of it",
        )
    )
    results.append(
        Result(
            section,
            "scorer_load_seconds",
            "model load time",
            load_seconds,
            "seconds",
            Target(1.0, at_least=False),
        )
    )
    return results


def main() -> None:
    parser = argument_parser(__doc__.split("\n\n")[0], "only the first N pairs / articles")
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled one)")
    args = parser.parse_args()
    check_limit(parser, args.limit)
    model = NgramModel.load(args.model) if args.model else None
    results = scorer_results(args.data, model=model, limit=args.limit)
    print_table("unspin scorer benchmark", results)
    if args.json:
        write_results(args.json, results, {"limit": args.limit})


if __name__ == "__main__":
    main()
