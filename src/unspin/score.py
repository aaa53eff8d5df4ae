"""Score rewrites in context with the pocketsphinx English trigram model.

The model sums a negative log-probability per word, so on its own it prefers shorter rewrites;
the decision step compares rewrites of different lengths fairly by weighing the length change
as a separate, fitted feature (like a speech decoder's word-insertion penalty).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pocketsphinx

from unspin.wordtable import PairTable

# Slots per batch of language-model lookups, in every stage that asks for a whole document's:
# bounds a long text's memory.
BATCH_SLOTS = 2_000
LOG_BASE = math.log(1.0001)  # pocketsphinx scores are logs in base 1.0001
UNKNOWN_LOGP = -12.0  # unknown words cost the same on both sides of a comparison
START, END = "<s>", "</s>"


def default_model_path() -> str:
    return os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin")


def default_bigram_path() -> str:
    import symspellpy

    return os.path.join(os.path.dirname(symspellpy.__file__), BIGRAM_FILE)


BIGRAM_FILE = "frequency_bigramdictionary_en_243_342.txt"
VOCABULARY_PROBE = 200_000  # wordfreq's most common words, looked up in the binary model


class ContextModel(Protocol):
    """What the decoder needs of a language model (unspin.ngram.NgramModel, or LanguageModel)."""

    order: int

    def known(self, word: str) -> bool: ...

    def unigram(self, word: str) -> float: ...

    def seen_pair(self, first: str, second: str) -> bool: ...

    def logp_many(self, words: Sequence[str], histories: Sequence[Sequence[str]]) -> np.ndarray: ...

    def windows_many(
        self, slots: Sequence[tuple[Sequence[str], Sequence[Sequence[str]], Sequence[str]]]
    ) -> list[np.ndarray]: ...

    def windows_and_fits(
        self, slots: Sequence[tuple[Sequence[str], Sequence[Sequence[str]], Sequence[str]]]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]: ...

    def neighbour_fits(
        self, slots: Sequence[tuple[str | None, Sequence[str], str | None]]
    ) -> list[np.ndarray]: ...


def collocation(bigrams: Mapping[str, float], words: Sequence[str]) -> float:
    """Summed log10 counts of the listed bigrams inside `words` (0 for unlisted pairs)."""
    get = bigrams.get
    return sum(get(f"{a} {b}", 0.0) for a, b in zip(words, words[1:], strict=False))


def context_fit(lm: ContextModel, words: Sequence[str]) -> tuple[float, int]:
    """Sum over known words of log P(w | words before) - log P(w), and how many counted.

    Spun text is full of words that are fine on their own but odd where they stand.
    """
    depth = lm.order - 1
    padded = [START] * depth + list(words)
    at = [i for i, word in enumerate(words) if lm.known(word)]
    if not at:
        return 0.0, 0
    targets = [words[i] for i in at]
    histories = [padded[i : i + depth] for i in at]
    contextual = lm.logp_many(targets, histories)
    alone = lm.logp_many(targets, [()] * len(targets))
    return float(np.sum(contextual - alone)), len(at)


def cohesion(lm: ContextModel, words: Sequence[str]) -> float:
    """How much likelier each word after the first is after the ones before it than alone:
    summed log P(w_i | w_<i) - log P(w_i), the phrase's pointwise mutual information.

    High for firm phrases of clean English ("united nations", "developing countries"), low for
    tortured ones ("information stockroom", "profound learning").
    """
    if len(words) < 2:
        return 0.0
    rest = list(words[1:])
    contextual = lm.logp_many(rest, [words[:i] for i in range(1, len(words))])
    alone = lm.logp_many(rest, [()] * len(rest))
    return float(np.sum(contextual - alone))


BIGRAM_FORMAT = 3  # 3: a PairTable (unspin.wordtable)


def read_bigrams(path: str | None = None) -> PairTable:
    """symspellpy's frequent English bigrams: "w1 w2" -> log10 count."""
    from unspin.cache import cached, sources_key

    source = path or default_bigram_path()
    return cached(
        "bigrams",
        sources_key([Path(source)], BIGRAM_FORMAT),
        lambda: PairTable.build(_read_bigrams(source)),
        lambda table, folder: table.write(folder, "bigrams"),
        lambda folder: PairTable.read(folder, "bigrams"),
    )


def pair_values(
    bigrams: Mapping[str, float], firsts: Sequence[str], seconds: Sequence[str]
) -> np.ndarray:
    """The bigram value of each (firsts[i], seconds[i]), 0 where unlisted: one numpy search
    for a PairTable, a lookup per pair for another mapping."""
    if isinstance(bigrams, PairTable):
        return bigrams.pair_values(firsts, seconds)
    get = bigrams.get
    return np.array(
        [get(f"{a} {b}", 0.0) for a, b in zip(firsts, seconds, strict=True)], dtype=np.float64
    )


@dataclass
class LanguageModel:
    """Natural-log trigram probabilities with unknown words handled explicitly.

    The fallback context model when the bundled n-gram model (unspin.ngram) is not installed.
    """

    model: pocketsphinx.NGramModel
    vocabulary: frozenset[str]
    order: int = 3

    @classmethod
    def load(cls, path: str | None = None) -> LanguageModel:
        from unspin.cache import cached, read_words, sources_key, write_words

        source = path or default_model_path()
        model = pocketsphinx.NGramModel.readfile(source)
        vocabulary = cached(  # probing takes half a second; the cached list, milliseconds
            "pocketsphinx-vocabulary",
            sources_key([Path(source)], VOCABULARY_PROBE),
            lambda: _read_vocabulary(model),
            lambda words, folder: write_words(folder / "words.txt", words),
            lambda folder: read_words(folder / "words.txt"),
        )
        return cls(model=model, vocabulary=frozenset(vocabulary))

    def known(self, word: str) -> bool:
        return word in self.vocabulary

    def seen_pair(self, first: str, second: str) -> bool:
        """Always False: the binary model's API cannot list or test its bigrams."""
        return False

    def logp(self, word: str, history: Sequence[str]) -> float:
        """log P(word | the last two words of history); history is most-recent-last."""
        if word not in self.vocabulary:
            return UNKNOWN_LOGP
        history1 = history[-1] if history else START
        history2 = history[-2] if len(history) > 1 else START
        if history1 not in self.vocabulary:
            return self.model.prob([word]) * LOG_BASE
        if history2 not in self.vocabulary:
            return self.model.prob([word, history1]) * LOG_BASE
        return self.model.prob([word, history1, history2]) * LOG_BASE

    def logp_many(self, words: Sequence[str], histories: Sequence[Sequence[str]]) -> np.ndarray:
        return np.array([self.logp(w, h) for w, h in zip(words, histories, strict=True)])

    def windows_many(
        self, slots: Sequence[tuple[Sequence[str], Sequence[Sequence[str]], Sequence[str]]]
    ) -> list[np.ndarray]:
        """For each (left, middles, right): log P(middle + right | left) of every middle."""
        return [
            np.array([self.window(left, middle, right) for middle in middles])
            for left, middles, right in slots
        ]

    def neighbour_fits(
        self, slots: Sequence[tuple[str | None, Sequence[str], str | None]]
    ) -> list[np.ndarray]:
        """Per slot (word before, phrases, word after): `window` with one word each side."""
        return self.windows_many(
            [
                (
                    [left] if left else [],
                    [phrase.split() for phrase in phrases],
                    [right] if right else [],
                )
                for left, phrases, right in slots
            ]
        )

    def windows_and_fits(
        self, slots: Sequence[tuple[Sequence[str], Sequence[Sequence[str]], Sequence[str]]]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """`windows_many`, and log P(first word of each middle | left)."""
        fits = [
            np.array([self.logp(middle[0], left) for middle in middles])
            for left, middles, _ in slots
        ]
        return self.windows_many(slots), fits

    def unigram(self, word: str) -> float:
        return self.model.prob([word]) * LOG_BASE if word in self.vocabulary else UNKNOWN_LOGP

    def window(self, left: Sequence[str], middle: Sequence[str], right: Sequence[str]) -> float:
        """Log-prob of `middle` and the words after it, given two words before.

        Length differences are left to the caller's decision model, which weighs them explicitly.
        """
        history = list(left[-2:])
        total = 0.0
        for word in (*middle, *right):
            total += self.logp(word, history)
            history = [*history[-1:], word]  # no words before: the history starts here
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
    for word in top_n_list("en", VOCABULARY_PROBE):
        if model.prob([word]) > -500_000_000:
            words.add(word)
    return sorted(words)
