"""Scoring functions for the benchmarks, kept apart from the scripts so they can be unit-tested.

Everything here is pure: plain strings and numbers in, plain numbers out. No unspin imports, so a
wrong benchmark number can only come from the pipeline, not from shared state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import product

from rapidfuzz.distance import Levenshtein

# A word is a run of letters/digits, optionally joined by an apostrophe, or a decimal point/comma
# between digits ("Roy's", "1,000", "3.5"). Hyphens split ("counter-attack" is two words), since
# spinners and the pipeline both swap the parts of hyphenated words separately. Everything else
# is punctuation and is left out of every word-level metric.
_WORD_RE = re.compile(r"\w+(?:(?:['’]|(?<=\d)[.,](?=\d))\w+)*")


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a text with its character offsets, so word alignments map back to characters."""

    text: str
    start: int
    end: int

    @property
    def norm(self) -> str:
        return self.text.lower()


def words_with_offsets(text: str) -> list[Word]:
    return [Word(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def normalised_words(text: str) -> list[str]:
    """Lower-cased words without punctuation: the unit every word-level metric compares."""
    return [m.group().lower() for m in _WORD_RE.finditer(text)]


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD_RE.finditer(text))


def normalise_sentence(text: str) -> str:
    """Case- and whitespace-insensitive form for exact-match comparisons (punctuation kept)."""
    return " ".join(text.lower().split())


# --------------------------------------------------------------------------- word error rate


def word_edits(hypothesis: str, reference: str) -> int:
    """Word-level Levenshtein distance (substitutions + insertions + deletions)."""
    return Levenshtein.distance(normalised_words(hypothesis), normalised_words(reference))


@dataclass(frozen=True, slots=True)
class ErrorRate:
    edits: int
    reference_words: int

    @property
    def rate(self) -> float:
        return self.edits / self.reference_words if self.reference_words else 0.0


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> ErrorRate:
    """WER over a corpus: total edits / total reference words, from (hypothesis, reference) pairs.

    Pooling (rather than averaging per-document rates) keeps short paragraphs from dominating.
    """
    edits = 0
    reference_words = 0
    for hypothesis, reference in pairs:
        edits += word_edits(hypothesis, reference)
        reference_words += count_words(reference)
    return ErrorRate(edits, reference_words)


def relative_reduction(before: float, after: float) -> float:
    """1 - after/before; 0 when there was nothing to reduce."""
    return 1.0 - after / before if before else 0.0


# --------------------------------------------------------------------------- gold edits


@dataclass(frozen=True, slots=True)
class GoldEdit:
    """One place where the spinner changed the text, as a character range of the spun text.

    A pure deletion by the spinner (original words missing from the spun text) has start == end.
    """

    start: int
    end: int
    spun: tuple[str, ...]
    original: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return self.start == self.end


@dataclass(frozen=True, slots=True)
class Alignment:
    """Word alignment of a spun text against its original (spun = a side, original = b side)."""

    spun_text: str
    spun_words: tuple[Word, ...]
    original_words: tuple[str, ...]
    opcodes: tuple[tuple[str, int, int, int, int], ...]

    @property
    def edits(self) -> list[GoldEdit]:
        return [
            GoldEdit(
                start=self._char_start(i1),
                end=self._char_end(i1, i2),
                spun=tuple(w.norm for w in self.spun_words[i1:i2]),
                original=self.original_words[j1:j2],
            )
            for tag, i1, i2, j1, j2 in self.opcodes
            if tag != "equal"
        ]

    def _char_start(self, i1: int) -> int:
        if i1 < len(self.spun_words):
            return self.spun_words[i1].start
        return len(self.spun_text)

    def _char_end(self, i1: int, i2: int) -> int:
        if i2 > i1:
            return self.spun_words[i2 - 1].end
        return self._char_start(i1)

    def expected_originals(self, start: int, end: int) -> set[tuple[str, ...]] | None:
        """The original words a correct restoration of spun_text[start:end] would produce.

        Equal stretches map to themselves and equal-length replacements word by word, so
        "cartoon" -> "strip" is right inside "funny cartoon" -> "comic strip". An unequal
        replacement cut at one edge of the prediction may be restored in part: covering the head
        of "likewise shown up" -> "also appeared", "also" is right (a proper, non-empty head of the
        original words, at most one word longer or shorter than the covered part; a tail for a
        covered tail). One cut at both edges cannot be judged: None. Original words the spinner
        dropped right at either edge may or may not be included.
        """
        covered = [k for k, w in enumerate(self.spun_words) if w.start < end and start < w.end]
        if not covered:
            return None
        first, last = covered[0], covered[-1] + 1
        segments: list[set[tuple[str, ...]]] = []
        for tag, i1, i2, j1, j2 in self.opcodes:
            original = self.original_words[j1:j2]
            if tag == "insert":
                if first < i1 < last:
                    segments.append({original})
                elif i1 in (first, last):
                    segments.append({(), original})
                continue
            lo, hi = max(i1, first), min(i2, last)
            if lo >= hi:
                continue
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                segments.append({original[lo - i1 : hi - i1]})
            elif lo == i1 and hi == i2:
                segments.append({original})
            elif lo == i1:  # the prediction holds the head of this edit
                segments.append({original[:n] for n in _part_lengths(hi - lo, len(original))})
            elif hi == i2:  # ... or its tail
                segments.append({original[-n:] for n in _part_lengths(hi - lo, len(original))})
            else:
                return None
        if any(not options for options in segments):
            return None
        return {sum(parts, ()) for parts in product(*segments)}


def _part_lengths(covered_words: int, original_words: int) -> range:
    """How many original words a cut edit's covered part may stand for: a proper, non-empty part,
    within one word of what it covers (spinners swap k words for k - 1 to k + 1)."""
    return range(max(1, covered_words - 1), min(original_words - 1, covered_words + 1) + 1)


def align(spun: str, original: str) -> Alignment:
    """Align spun against original at word level, ignoring case and punctuation."""
    spun_words = tuple(words_with_offsets(spun))
    original_words = tuple(normalised_words(original))
    matcher = SequenceMatcher(a=[w.norm for w in spun_words], b=original_words, autojunk=False)
    return Alignment(spun, spun_words, original_words, tuple(matcher.get_opcodes()))


def judge_restoration(alignment: Alignment, start: int, end: int, proposed: str) -> bool | None:
    """Whether `proposed` is the original wording of spun_text[start:end]; None if no wording
    can be judged right (the range is cut out of the middle of a longer unequal edit)."""
    expected = alignment.expected_originals(start, end)
    if expected is None:
        return None
    return tuple(normalised_words(proposed)) in expected


# --------------------------------------------------------------------------- span matching


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Character ranges share at least one character (empty ranges overlap nothing)."""
    return a_start < a_end and b_start < b_end and a_start < b_end and b_start < a_end


@dataclass(frozen=True, slots=True)
class Counts:
    """Pooled counts for precision/recall; add them across documents before dividing."""

    true_positives: int = 0
    predicted: int = 0
    gold_found: int = 0
    gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.true_positives + other.true_positives,
            self.predicted + other.predicted,
            self.gold_found + other.gold_found,
            self.gold + other.gold,
        )

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.gold_found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_spans(predicted: Sequence[tuple[int, int]], gold: Sequence[tuple[int, int]]) -> Counts:
    """A prediction is right if it overlaps any gold range; a gold range is found if any
    prediction overlaps it. Empty gold ranges (spinner deletions) cannot be found and are skipped.
    """
    gold = [g for g in gold if g[0] < g[1]]
    true_positives = sum(1 for p in predicted if any(overlaps(*p, *g) for g in gold))
    gold_found = sum(1 for g in gold if any(overlaps(*p, *g) for p in predicted))
    return Counts(true_positives, len(predicted), gold_found, len(gold))


# --------------------------------------------------------------------------- tortured phrases

PHRASE_SLOT = "{phrase}"
# The PPS list annotates a fifth of its expected phrases: "support vector machine (svm)",
# "rythm pattern (?)", "denial of service (dos) attack". The notes are the list's, not the
# text's: a restoration is right without them (and the product leaves them out), unless the
# tortured phrase holds brackets too ("web of things (iot)"): then they are text.
_LIST_NOTE = re.compile(r"\([^)]*\)")


def differing_span(tortured: Sequence[str], expected: Sequence[str]) -> tuple[int, int, int]:
    """Words in common at the start, and at the end, of the two phrases; and the tortured
    words between them (what a rewrite has to replace)."""
    head = 0
    while head < min(len(tortured), len(expected)) and tortured[head] == expected[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(tortured), len(expected)) - head
        and tortured[-1 - tail] == expected[-1 - tail]
    ):
        tail += 1
    return head, tail, len(tortured) - head - tail


@dataclass(frozen=True, slots=True)
class PhraseInTemplate:
    """A tortured phrase set in a neutral carrier sentence, and how to judge the answer on it."""

    template: str  # holds PHRASE_SLOT exactly once
    tortured: str
    expected: str

    def __post_init__(self) -> None:
        if self.template.count(PHRASE_SLOT) != 1:
            raise ValueError(f"template must hold {PHRASE_SLOT} exactly once: {self.template!r}")

    @property
    def sentence(self) -> str:
        return self.template.replace(PHRASE_SLOT, self.tortured)

    @property
    def phrase_range(self) -> tuple[int, int]:
        start = self.template.index(PHRASE_SLOT)
        return start, start + len(self.tortured)

    def is_detected(self, spans: Iterable[tuple[int, int]]) -> bool:
        """Some span shares a character with the tortured phrase."""
        return any(overlaps(*span, *self.phrase_range) for span in spans)

    def is_restored(self, restored: str) -> bool:
        """The whole restored sentence is the template holding the expected phrase, the
        list's parenthetical notes left out."""
        plain = self.expected
        if "(" not in self.tortured:
            plain = " ".join(_LIST_NOTE.sub(" ", self.expected).split()) or self.expected
        wanted = self.template.replace(PHRASE_SLOT, plain)
        return normalise_sentence(restored) == normalise_sentence(wanted)


# --------------------------------------------------------------------------- document detection


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve by the rank-sum (Mann-Whitney U) formula, ties averaged.

    AUROC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg), where R_pos is the sum of the
    1-based ranks of the positive scores; tied scores share the mean of their ranks, which counts
    a tied positive/negative pair as half right.
    """
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    n_pos = sum(1 for y in labels if y)
    n_neg = len(labels) - n_pos
    if not n_pos or not n_neg:
        raise ValueError("AUROC needs at least one positive and one negative example")
    order = sorted(range(len(scores)), key=lambda k: scores[k])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        for k in order[i : j + 1]:
            ranks[k] = mean_rank
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def classification_counts(predicted: Sequence[bool], labels: Sequence[int]) -> Counts:
    """Document-level precision/recall of a yes/no decision, in the same Counts shape."""
    true_positives = sum(1 for p, y in zip(predicted, labels, strict=True) if p and y)
    return Counts(
        true_positives=true_positives,
        predicted=sum(1 for p in predicted if p),
        gold_found=true_positives,
        gold=sum(1 for y in labels if y),
    )
