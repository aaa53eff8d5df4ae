"""Learn a spinner's profile from text it spun, without the originals (decipherment).

A content farm runs every article through one spinner, and a spinner is a dictionary: the same
original word becomes the same spun form on every page. Over a corpus that leaves two traces a
single document is too short to show:

* frequencies: the spun form is over-represented against clean English of the genre (wordfreq)
  and the original it replaced is missing ("mentioned" everywhere, "said" nowhere, in news);
* context: at every occurrence the language model prefers the same original, and the
  occurrence model (fitted on simulated spinners) ranks it first.

`CorpusEvidence` runs the analyzer's early stages (candidates, context scores, the occurrence
model) on each document and keeps, per (spun form, candidate original), the occurrences, the
summed occurrence probability and how often it ranked first; and the corpus word counts.
`CorpusEvidence.profile` then scores each pair, lets each spun form keep its best original and
each original its best spun form (a dictionary maps a word to one form), and keeps the pairs
whose confidence clears a threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np

from unspin.decide import mean_gain
from unspin.document import Document
from unspin.logistic import LogisticModel, sigmoid
from unspin.profile import MAX_WORDS, Profile, ProfilePair

KEPT_PER_SLOT = 12  # originals remembered per occurrence: the best-ranked dozen
MIN_COUNT = 2  # occurrences of a spun form before any original is proposed for it
MIN_CONFIDENCE = 0.5  # pairs the pair model gives less than even odds are left out
UNSEEN_FREQUENCY = 1e-8  # wordfreq rate of a word it does not list
RATE_CLIP = 3.0  # log10 rate ratios are clipped to +-3 (a thousandfold)
# The pair model's log-odds are moved by the decipherment log-likelihood ratio (`decipherment`):
# + DECIPHER_WEIGHT x min(ratio, DECIPHER_CAP) - DECIPHER_SHIFT. Chosen on site-wide farms of
# the wordnet, moby and wordy families over Wikinews articles outside the held-out quarter
# (never the held-out family or text): share of the 200 most-used pairs recovered / precision,
# wordnet 42% / 87% -> 60% / 86%, moby 37% / 75% -> 54% / 73%, wordy 46% / 84% -> 56% / 84%.
DECIPHER_WEIGHT = 0.3
DECIPHER_CAP = 20.0
DECIPHER_SHIFT = 4.0

LearnProgress = Callable[[int, int], None]  # (documents done, documents in all or 0)


@dataclass
class PairEvidence:
    """What the corpus says about one (spun form, original) pair."""

    spun: str
    original: str
    occurrences: int = 0  # occurrences of the spun form where this original was kept
    probability: float = 0.0  # summed occurrence-model probability over those occurrences
    first: int = 0  # occurrences where it ranked first
    gain: float = 0.0  # summed LM gain of putting it in place of the spun form
    # Summed log(1 + c x LM ratio) over those occurrences: how much more likely the corpus is if
    # the spinner wrote the spun form for this original (at replace rate c), see `decipherment`.
    channel: float = 0.0


PAIR_FEATURES = (
    "probability_logit",  # logit of the mean occurrence probability (0 where not kept)
    "first_share",  # share of the spun form's occurrences where this original ranked first
    "best_here",  # 1 for the spun form's original of highest mean probability
    "mean_gain",  # mean LM gain where kept: the original fits the contexts better
    "spun_excess",  # log10 corpus rate / usual rate of the spun form (0 for phrases)
    "original_deficit",  # the same for the original: negative when the spinner took it away
    "left_share",  # the original's own count over it plus the spun form's: a spinner that took
    # "said" leaves a few (the occurrences it skipped); a word it never touched keeps them all
    "mass_fit",  # -|log10 spun count / the original's expected count|: the missing mass fits
    "log_count",  # log occurrences of the spun form
    "log_documents",  # log documents it occurs in: a spinner repeats itself page after page
    "phrase",  # either side is more than one word (no corpus rates for phrases)
)
# Features beside the pair model's, in `PairScore.features` too.
DECIPHER_FEATURES = ("decipherment",)
# Fitted by scripts/fit_learn.py on site-wide spinners of the fitting families over Wikinews
# articles outside the held-out quarter (never on simulate.HELD_OUT, never on held-out text).


def pair_model() -> LogisticModel:
    """The shipped pair model (fitted by scripts/fit_learn.py, in unspin/data/weights.json)."""
    return LogisticModel.bundled("learn_pair", PAIR_FEATURES)


@dataclass
class PairScore:
    """One candidate pair with its features and confidence (what `CorpusEvidence.scores` gives)."""

    spun: str
    original: str
    count: int  # occurrences of the spun form in the corpus
    features: dict[str, float]
    confidence: float = 0.0


class PairStage(StrEnum):
    """How far a pair of a spinner's dictionary gets in learning, in pipeline order: the
    spun form is seen and repeated, the original is among its candidates, the one-to-one
    assignment picks the pair, and its confidence clears the bar. Measures where the pairs a
    profile misses are lost (benchmarks/profiles.py)."""

    UNSEEN = "spun form never a slot"
    RARE = "spun form too rare"
    NOT_CANDIDATE = "original not a candidate"
    OTHER_CHOSEN = "another pair chosen"
    LOW_CONFIDENCE = "below the confidence bar"
    LEARNED = "learned"


@dataclass
class CorpusEvidence:
    """Evidence pooled over a corpus; add documents one by one, then ask for the profile."""

    analyzer: object = None  # unspin.pipeline.Analyzer; the default one when None
    words: Counter[str] = field(default_factory=Counter)
    total_words: int = 0
    documents: int = 0
    spun_counts: Counter[str] = field(default_factory=Counter)  # slot occurrences per spun form
    spun_documents: Counter[str] = field(default_factory=Counter)
    pairs: dict[tuple[str, str], PairEvidence] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.analyzer is None:
            from unspin.pipeline import default_analyzer

            self.analyzer = default_analyzer()

    def add(self, text: str) -> None:
        """Pool one document's evidence (InputError for text the analyzer refuses)."""
        doc = self.analyzer.candidates(text)
        self.analyzer.resources.decoder.prepare(doc)  # features, pooled evidence, ranking
        self.add_document(doc)

    def add_document(self, doc: Document) -> None:
        """Pool the evidence of a document the decoder has prepared (scored and ranked)."""
        log_rate = math.log(self.analyzer.config.profile_replace_rate)
        for sentence in range(len(doc.sentences)):
            self.words.update(doc.words(sentence))
        self.total_words += doc.word_count
        self.documents += 1
        seen: set[str] = set()
        for slot in doc.slots:
            if slot.log_odds is None or not len(slot.log_odds):
                continue
            self.spun_counts[slot.spun] += 1
            seen.add(slot.spun)
            order = np.argsort(-slot.log_odds)[:KEPT_PER_SLOT]
            probabilities = sigmoid(slot.log_odds[order])
            gains = slot.columns["lm_gain"][order]
            channels = np.logaddexp(0.0, log_rate + mean_gain(slot, order))
            for place, (row, probability, gain, channel) in enumerate(
                zip(order, np.atleast_1d(probabilities), gains, channels, strict=True)
            ):
                key = (slot.spun, slot.originals[row])
                evidence = self.pairs.get(key)
                if evidence is None:
                    evidence = self.pairs[key] = PairEvidence(*key)
                evidence.occurrences += 1
                evidence.probability += float(probability)
                evidence.first += place == 0
                evidence.gain += float(gain)
                evidence.channel += float(channel)
        self.spun_documents.update(seen)

    # --- scoring

    def rate_ratio(self, phrase: str) -> float:
        """log10 of a word's rate in the corpus over its usual rate; 0 for phrases."""
        if " " in phrase:
            return 0.0
        usual = self.analyzer.resources.lexicon.frequencies.get(phrase, UNSEEN_FREQUENCY)
        rate = (self.words.get(phrase, 0) + 0.5) / max(self.total_words, 1)
        return float(np.clip(math.log10(rate / usual), -RATE_CLIP, RATE_CLIP))

    def decipherment(self, evidence: PairEvidence) -> float:
        """Log-likelihood ratio of the corpus with the pair in the spinner's dictionary or not.

        With it, each occurrence of the spun form is either the word written so or the original
        spun at the replace rate c: log(1 + c x LM ratio) apiece (summed as documents came in),
        and each occurrence of the original left standing was spared, log(1 - c) apiece. A
        synonym the language model likes here and there but that the text still uses plainly
        ("in" beside "under") pays for every use; the word the spinner took away does not. The
        occurrence model, fitted to rank without a dictionary, often prefers the former.
        Phrase originals have no corpus count here and pay nothing.
        """
        spared = math.log(1 - self.analyzer.config.profile_replace_rate)
        left = 0 if " " in evidence.original else self.words.get(evidence.original, 0)
        return evidence.channel + left * spared

    def scores(
        self, min_count: int = MIN_COUNT, model: LogisticModel | None = None
    ) -> list[PairScore]:
        """Every pair whose spun form occurs at least `min_count` times, with its confidence:
        the pair model's, moved by the decipherment ratio (see DECIPHER_WEIGHT)."""
        frequencies = self.analyzer.resources.lexicon.frequencies
        total = max(self.total_words, 1)
        by_spun: dict[str, list[PairEvidence]] = {}
        for (spun, original), evidence in self.pairs.items():
            if self.spun_counts[spun] < min_count:
                continue
            if len(spun.split()) > MAX_WORDS or len(original.split()) > MAX_WORDS:
                continue
            by_spun.setdefault(spun, []).append(evidence)
        table: list[PairScore] = []
        for spun, group in by_spun.items():
            count = self.spun_counts[spun]
            best = max(group, key=lambda e: (e.probability, e.first, e.original))
            spun_excess = self.rate_ratio(spun)
            for evidence in group:
                original = evidence.original
                mean_probability = min(max(evidence.probability / count, 1e-3), 1 - 1e-3)
                phrase = " " in spun or " " in original
                expected = total * frequencies.get(original, UNSEEN_FREQUENCY)
                mass = 0.0 if phrase else abs(math.log10((count + 0.5) / expected))
                features = {
                    "probability_logit": math.log(mean_probability / (1 - mean_probability)),
                    "first_share": evidence.first / count,
                    "best_here": float(evidence is best),
                    "mean_gain": evidence.gain / evidence.occurrences,
                    "spun_excess": spun_excess,
                    "original_deficit": self.rate_ratio(original),
                    "left_share": self.words.get(original, 0)
                    / (self.words.get(original, 0) + count),
                    "mass_fit": -min(mass, RATE_CLIP),
                    "log_count": math.log(count),
                    "log_documents": math.log(max(self.spun_documents[spun], 1)),
                    "phrase": float(phrase),
                    "decipherment": self.decipherment(evidence),
                }
                table.append(PairScore(spun, original, count, features))
        if table:
            columns = {
                name: np.array([row.features[name] for row in table]) for name in PAIR_FEATURES
            }
            ratios = np.array([row.features["decipherment"] for row in table])
            log_odds = (model or pair_model()).log_odds(columns) + (
                DECIPHER_WEIGHT * np.minimum(ratios, DECIPHER_CAP) - DECIPHER_SHIFT
            )
            for row, confidence in zip(table, np.atleast_1d(sigmoid(log_odds)), strict=True):
                row.confidence = float(confidence)
        return table

    def profile(
        self,
        name: str = "learned",
        min_count: int = MIN_COUNT,
        min_confidence: float = MIN_CONFIDENCE,
        source: str | None = None,
    ) -> Profile:
        """The learned dictionary: one original per spun form, one spun form per original."""
        chosen = assign(self.scores(min_count))
        pairs = tuple(
            ProfilePair(s.spun, s.original, s.count, s.confidence)
            for s in chosen
            if s.confidence >= min_confidence
        )
        return Profile(
            name=name,
            pairs=pairs,
            source=source
            or f"learned from {self.documents:,} documents ({self.total_words:,} words)",
            created=datetime.now(UTC).replace(microsecond=0).isoformat(),
        )

    def stages(
        self,
        pairs: Iterable[tuple[str, str]],
        min_count: int = MIN_COUNT,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> dict[tuple[str, str], PairStage]:
        """The stage each (spun form, original) pair reaches, as `profile` would learn them."""
        scores = self.scores(min_count)
        scored = {(s.spun, s.original) for s in scores}
        chosen = {(s.spun, s.original): s.confidence for s in assign(scores)}

        def stage(pair: tuple[str, str]) -> PairStage:
            if pair in chosen:
                learned = chosen[pair] >= min_confidence
                return PairStage.LEARNED if learned else PairStage.LOW_CONFIDENCE
            if pair in scored:
                return PairStage.OTHER_CHOSEN
            count = self.spun_counts[pair[0]]
            if count == 0:
                return PairStage.UNSEEN
            return PairStage.RARE if count < min_count else PairStage.NOT_CANDIDATE

        return {pair: stage(pair) for pair in pairs}


def assign(scores: Iterable[PairScore]) -> list[PairScore]:
    """Greedy one-to-one assignment, most confident pairs first (a spinner is a dictionary)."""
    used_spun: set[str] = set()
    used_original: set[str] = set()
    chosen = []
    for score in sorted(scores, key=lambda s: (-s.confidence, -s.count, s.spun, s.original)):
        if score.spun in used_spun or score.original in used_original:
            continue
        used_spun.add(score.spun)
        used_original.add(score.original)
        chosen.append(score)
    return chosen


def learn_profile(
    texts: Iterable[str],
    analyzer=None,
    progress: LearnProgress | None = None,
    min_count: int = MIN_COUNT,
    min_confidence: float = MIN_CONFIDENCE,
    name: str = "learned",
    total: int = 0,
) -> Profile:
    """A spinner profile learned from documents believed to come from one spinner.

    `progress(done, total)` is called after each document (`total` as given, 0 if unknown);
    an exception it raises stops the learning.
    """
    evidence = CorpusEvidence(analyzer)
    for done, text in enumerate(texts, start=1):
        evidence.add(text)
        if progress is not None:
            progress(done, total)
    return evidence.profile(name, min_count, min_confidence)
