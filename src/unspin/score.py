"""Score rewrites in context with the pocketsphinx English trigram model.

The model sums a negative log-probability per word, so on its own it prefers shorter rewrites;
the decision step compares rewrites of different lengths fairly by weighing the length change
as a separate, fitted feature (like a speech decoder's word-insertion penalty).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import pocketsphinx

LOG_BASE = math.log(1.0001)  # pocketsphinx scores are logs in base 1.0001
UNKNOWN_LOGP = -12.0  # unknown words cost the same on both sides of a comparison
START, END = "<s>", "</s>"


def default_model_path() -> str:
    return os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin")


def default_bigram_path() -> str:
    import symspellpy

    return os.path.join(os.path.dirname(symspellpy.__file__), BIGRAM_FILE)


BIGRAM_FILE = "frequency_bigramdictionary_en_243_342.txt"


@dataclass
class LanguageModel:
    """Natural-log trigram probabilities with unknown words handled explicitly.

    Also holds symspellpy's list of frequent bigrams from a large web corpus: sparse, but it
    knows collocations ("floating point", "surface area") that the speech-oriented trigram
    model has rarely seen.
    """

    model: pocketsphinx.NGramModel
    vocabulary: frozenset[str]
    bigrams: dict[str, float]  # "w1 w2" -> log10 count

    @classmethod
    def load(cls, path: str | None = None) -> LanguageModel:
        model = pocketsphinx.NGramModel.readfile(path or default_model_path())
        return cls(
            model=model,
            vocabulary=frozenset(_read_vocabulary(model)),
            bigrams=_read_bigrams(default_bigram_path()),
        )

    def collocation(self, words: Sequence[str]) -> float:
        """Summed log10 counts of the listed bigrams inside `words` (0 for unlisted pairs)."""
        get = self.bigrams.get
        return sum(get(f"{a} {b}", 0.0) for a, b in zip(words, words[1:], strict=False))

    def known(self, word: str) -> bool:
        return word in self.vocabulary

    def logp(self, word: str, history1: str, history2: str) -> float:
        """log P(word | history2 history1); history1 is the word just before."""
        if word not in self.vocabulary:
            return UNKNOWN_LOGP
        if history1 not in self.vocabulary:
            return self.model.prob([word]) * LOG_BASE
        if history2 not in self.vocabulary:
            return self.model.prob([word, history1]) * LOG_BASE
        return self.model.prob([word, history1, history2]) * LOG_BASE

    def unigram(self, word: str) -> float:
        return self.model.prob([word]) * LOG_BASE if word in self.vocabulary else UNKNOWN_LOGP

    def context_fit(self, words: Sequence[str]) -> tuple[float, int]:
        """Sum over known words of log P(w | two words before) - log P(w), and how many counted.

        Spun text is full of words that are fine on their own but odd where they stand.
        """
        total, counted = 0.0, 0
        history2, history1 = START, START
        for word in words:
            if word in self.vocabulary:
                total += self.logp(word, history1, history2) - self.unigram(word)
                counted += 1
            history2, history1 = history1, word
        return total, counted

    def window(self, left: Sequence[str], middle: Sequence[str], right: Sequence[str]) -> float:
        """Log-prob of `middle` and the words after it, given two words before.

        Length differences are left to the caller's decision model, which weighs them explicitly.
        """
        history2, history1 = left[-2], left[-1]
        total = 0.0
        for word in (*middle, *right):
            total += self.logp(word, history1, history2)
            history2, history1 = history1, word
        return total


def _read_bigrams(path: str) -> dict[str, float]:
    bigrams: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            first, second, count = line.split()
            bigrams[f"{first.lower()} {second.lower()}"] = math.log10(int(count))
    return bigrams


def _read_vocabulary(model: pocketsphinx.NGramModel) -> list[str]:
    """The binary model does not list its words, so probe the unigram table through the API."""
    from wordfreq import top_n_list

    words = {START, END}
    for word in top_n_list("en", 200_000):
        if model.prob([word]) > -500_000_000:
            words.add(word)
    return sorted(words)
