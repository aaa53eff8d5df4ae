"""One loader for every language resource unspin reads, each loaded on first use and kept.

The analyzer, the trace index and the fitting scripts all take their thesauri, language model,
phrase lists and fitted weights from here, so each is read once per process whoever asks first.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from unspin.config import Config
from unspin.phrases import PhraseSet


@dataclass
class Resources:
    """Lazily loaded resources; `Resources()` shares nothing with another instance.

    `phrases` picks the published tortured-phrase rows behind the fingerprint and known-term
    layers: ALL for the product, TRAIN for benchmarks that measure on the held-out test rows.
    `tortured_pairs` (tortured, expected) replaces those rows, and the train rows whose word
    swaps the thesaurus layer learns, for every layer at once: a development split carved out
    of the train rows (benchmarks/pps_dev.py) measures generalisation without the test rows.
    """

    config: Config = field(default_factory=Config)
    phrases: PhraseSet = PhraseSet.ALL
    weights: Path | None = None  # fitted models from another weights file (benchmarks)
    tortured_pairs: tuple[tuple[str, str], ...] | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        if self.tortured_pairs is not None:
            pairs = tuple(self.tortured_pairs)
            if not pairs:
                raise ValueError("tortured_pairs is empty: leave it None to use the bundled rows")
            bad = next((p for p in pairs if not _is_text_pair(p)), None)
            if bad is not None:
                raise ValueError(f"tortured_pairs holds (tortured, expected) strings, not {bad!r}")
            self.tortured_pairs = pairs

    def phrase_pairs(self) -> list[tuple[str, str]]:
        """The (tortured, expected) rows behind the fingerprint and known-term layers."""
        from unspin.phrases import tortured_pairs

        if self.tortured_pairs is not None:
            return list(self.tortured_pairs)
        return tortured_pairs(self.phrases)

    @cached_property
    def lexicon(self):
        from unspin.lexicon import Lexicon

        with self._lock:
            from unspin.lexicon import CHANNEL_FEATURES
            from unspin.logistic import LogisticModel

            return Lexicon.load(
                channel=LogisticModel.bundled("channel", CHANNEL_FEATURES, self.stored_weights),
                tortured_pairs=None if self.tortured_pairs is None else list(self.tortured_pairs),
                candidate_pool=self.config.candidate_pool,
                channel_margin=self.config.channel_margin,
            )

    @cached_property
    def stored_weights(self) -> dict:
        """The fitted models' weights file: the shipped one, or `weights`."""
        from unspin.logistic import bundle, read_weights

        return bundle() if self.weights is None else read_weights(self.weights)

    @cached_property
    def lm(self):
        """The context model: the project's own n-gram model, else pocketsphinx's trigrams."""
        with self._lock:
            try:
                from unspin.ngram import bundled
            except ImportError:
                bundled = None
            if bundled is not None:
                try:
                    return bundled()
                except FileNotFoundError:
                    pass
            return self.general_lm  # the same pocketsphinx model, loaded once

    @cached_property
    def general_lm(self):
        """pocketsphinx's general-English trigrams: a second judge of context fit, for news."""
        from unspin.score import LanguageModel

        with self._lock:
            return LanguageModel.load()

    @cached_property
    def bigrams(self) -> Mapping[str, float]:
        from unspin.score import read_bigrams

        with self._lock:
            return read_bigrams()

    @cached_property
    def decoder(self):
        from unspin.decide import Decoder

        return Decoder(
            self.lm, self.lexicon, self.bigrams, self.models, self.general_lm, self.vectors
        )

    @cached_property
    def vectors(self):
        """The context vectors (unspin.vectors), or None where this install has none."""
        from unspin.vectors import bundled

        with self._lock:
            return bundled()

    @cached_property
    def fingerprints(self):
        from unspin.fingerprint import FingerprintIndex, pair_rules
        from unspin.pipeline import screened_rules

        with self._lock:  # one automaton, built from the screened rules only
            return FingerprintIndex(screened_rules(pair_rules(self.phrase_pairs())))

    @cached_property
    def terms(self):
        from unspin.candidates import TermIndex

        with self._lock:
            return TermIndex.from_pairs(self.phrase_pairs())

    @cached_property
    def models(self):
        from unspin.decide import Models

        with self._lock:
            return Models.bundled(self.stored_weights)

    @cached_property
    def moby(self) -> dict[str, tuple[str, ...]]:
        """Moby head word -> single-word synonyms (trace expands short queries with these)."""
        from unspin.lexicon import moby_path, read_moby

        with self._lock:
            return {
                head: tuple(s for s in synonyms if " " not in s)
                for head, synonyms in read_moby(moby_path()).items()
            }


def _is_text_pair(pair: object) -> bool:
    return (
        isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)
    )


_shared: Resources | None = None


def shared_resources() -> Resources:
    """The process-wide resources behind `unspin.analyze` and the shells."""
    global _shared
    if _shared is None:
        _shared = Resources()
    return _shared
