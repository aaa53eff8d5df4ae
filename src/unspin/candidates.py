"""Propose original wordings for each word and short phrase of a sentence."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from unspin.document import Document, Slot
from unspin.fingerprint import plain_wording
from unspin.lexicon import (
    CLOSED_CLASS,
    MAX_PHRASE_WORDS,
    TORTURED,
    Lexicon,
    read_tortured_pairs,
    tortured_pairs_path,
)
from unspin.model import Candidate, Token
from unspin.score import BATCH_SLOTS, ContextModel


class ProfileLike(Protocol):
    """What the candidate stage needs of a spinner profile (unspin.profile.Profile)."""

    complete: bool  # the pairs are the spinner's whole dictionary

    def originals(self, spun: str) -> Sequence: ...

    def replaces(self, word: str) -> bool: ...


def propose(
    doc: Document,
    sentence: int,
    lexicon: Lexicon,
    terms: TermIndex | None = None,
    profile: ProfileLike | None = None,
    profile_prior: float = 4.0,
    firm: Callable[[str], bool] | None = None,
    only: set[tuple[int, int]] | None = None,
) -> list[Slot]:
    """Slots (spun word or phrase + candidate originals) of one sentence of `doc`.

    Tokens in `doc.frozen` are already explained by the fingerprint layer. Phrases never cross
    punctuation. Every word is looked at, function words included: spinners rewrite "in" as
    "within" and "before" as "earlier than"; only the closed-class words (the, of, she, ...)
    get no thesaurus originals. A name of several capitalised words ("Merchant Prince",
    "Stations of the Cross") gets only thesaurus originals of as many words: a spinner
    swaps a name's words one by one ("White House" -> "White Home"), and a shorter or longer
    entry is the thesaurus's for the common phrase ("merchant prince" -> "king"), not a
    restoration. A complete profile (a spinner's whole dictionary)
    is the only source: what it does not list, that spinner did not write. `firm(phrase)`:
    whether the words are a firm phrase of clean English, which a known term does not rewrite
    ("United Nations" read as a tortured "United States"). `only`: propose just the slots
    of these (start, end) word positions.
    """
    only_profile = profile is not None and profile.complete
    tokens, words = doc.tokens, doc.sentences[sentence]
    slots: dict[tuple[int, int], Slot] = {}

    def slot_for(position: int, end: int) -> Slot:
        key = (position, end)
        if key not in slots:
            span = words[position:end]
            slots[key] = Slot(
                sentence=sentence,
                start=position,
                end=end,
                first=span[0],
                last=span[-1] + 1,
                spun=" ".join(tokens[i].norm for i in span),
            )
        return slots[key]

    for position, first in enumerate(words):
        if first in doc.frozen:
            continue
        for length in range(1, MAX_PHRASE_WORDS + 1):
            end = position + length
            if end > len(words):
                break
            span = words[position:end]
            if any(index in doc.frozen for index in span) or not _adjacent(span):
                break
            if only is not None and (position, end) not in only:
                continue
            spun = " ".join(tokens[index].norm for index in span)
            closed = length == 1 and spun in CLOSED_CLASS  # a profile may still list it
            origins = () if only_profile or closed else lexicon.origins(spun)
            if origins and length > 1 and _name([tokens[i] for i in span]):
                origins = tuple(o for o in origins if o.text.count(" ") == length - 1)
            if origins:
                slot_for(position, end).add_all(origins, "thesaurus")
            if profile is not None:
                for pair in profile.originals(spun):
                    confidence = min(max(float(pair.confidence), 1e-3), 1 - 1e-3)
                    bonus = math.log(confidence / (1 - confidence))
                    bound = frequency_bound(lexicon, spun, pair.original)
                    prior = profile_prior + min(bonus, bound)
                    slot_for(position, end).add(pair.original, 0, prior, "profile")
    if terms is not None and not only_profile:
        for position, group in enumerate(terms.propose(tokens, words, lexicon, doc.frozen)):
            for candidate in group:
                end = position + (candidate.last - candidate.first)
                if only is not None and (position, end) not in only:
                    continue
                if firm is not None and firm(" ".join(tokens[i].norm for i in words[position:end])):
                    continue
                slot_for(position, end).add(
                    candidate.original, candidate.links, candidate.prior, "term"
                )
    return [slot for _, slot in sorted(slots.items()) if slot.originals]


# A known term's word may stand for any of this many originals of the spun word, by the channel
# model alone (the term's own words are the context that matters).
TERM_WORD_ORIGINALS = 24


def cut_by_context(
    doc: Document,
    lm: ContextModel,
    keep: int,
    weight: float,
    slots: Sequence[Slot] | None = None,
) -> None:
    """Keep each slot's `keep` best thesaurus originals by channel log-odds plus `weight` x
    log P(original, next word | word before).

    The channel model ranks the originals of a spun form alone; which of them the writer meant
    depends on the words around it ("reported" -> "said" after "officials", -> "told" before
    "reporters"). One word on each side is cheap to look up for the whole pool and lets in the
    right original where the channel ranks it below the cut. Term and profile candidates all
    stay. `slots`: only these (by default every slot of `doc`).
    """
    tokens = doc.tokens
    crowded = [
        slot
        for slot in (doc.slots if slots is None else slots)
        if slot.sources.count("thesaurus") > keep
    ]
    for at in range(0, len(crowded), BATCH_SLOTS):
        batch = crowded[at : at + BATCH_SLOTS]
        queries = []
        for slot in batch:
            words = doc.sentences[slot.sentence]
            left = tokens[words[slot.start - 1]].norm if slot.start else None
            right = tokens[words[slot.end]].norm if slot.end < len(words) else None
            queries.append((left, slot.originals, right))
        for slot, fits in zip(batch, lm.neighbour_fits(queries), strict=True):
            scores = np.asarray(slot.channel) + weight * fits
            other = np.array([source != "thesaurus" for source in slot.sources])
            scores[other] = np.inf  # always kept
            kept = np.sort(np.argsort(-scores, kind="stable")[: keep + int(other.sum())])
            slot.keep(kept.tolist())


def _name(tokens: Sequence[Token]) -> bool:
    """Capitalised words, small words between them allowed ("Stations of the Cross")."""
    return (
        tokens[0].text[:1].isupper()
        and tokens[-1].text[:1].isupper()
        and all(t.text[:1].isupper() or t.norm in CLOSED_CLASS for t in tokens)
    )


def _adjacent(span: Sequence[int]) -> bool:
    """Phrases never cross punctuation: their word tokens must be consecutive tokens."""
    return all(b == a + 1 for a, b in zip(span, span[1:], strict=False))


LN10 = math.log(10)  # a Zipf unit is a factor of ten in frequency

_END = "$"
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "and",
        "or",
        "but",
        "as",
        "is",
        "are",
        "be",
        "it",
        "its",
        "their",
        "his",
        "her",
        "our",
        "your",
        "my",
        "we",
        "you",
        "they",
        "he",
        "she",
        "not",
        "no",
    ]
)


def frequency_bound(lexicon: Lexicon, spun: str, original: str) -> float:
    """The most a profile pair's confidence may add: the log of how much more (or less) often
    the original is written than the form it was spun to.

    A dictionary is sure that the spinner writes "of" for "among", not that an "of" was ever
    "among": of the "of"s in a text, at most about freq(among) / freq(of) can have been, the
    rest were written so. Without this bound an imported dictionary rewrote every "of" and "was".
    """
    return LN10 * (lexicon.phrase_zipf(original) - lexicon.phrase_zipf(spun))


def expected_words(expected: str) -> list[str]:
    """The words of a listed expected phrase, lower-case, its parenthetical notes dropped
    ("principal component analysis (pca)" -> principal, component, analysis)."""
    return plain_wording(expected.lower()).split()


@dataclass(frozen=True)
class TermIndex:
    """Known terms (the expected phrases of the PPS train split) as a word trie.

    Paper mills torture the same terms over and over with different synonyms, so a window whose
    words can each be mapped back to a word of one known term is strong evidence, even when
    that exact tortured variant was never seen.
    """

    trie: dict

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> TermIndex:
        trie: dict = {}
        for _, expected in pairs:
            words = expected_words(expected)
            if not 2 <= len(words) <= MAX_PHRASE_WORDS or not all(w.isalpha() for w in words):
                continue
            if words[0] in _FUNCTION_WORDS or words[-1] in _FUNCTION_WORDS:
                continue  # "the following", "an original": not terms, just common English
            node = trie
            for word in words:
                node = node.setdefault(word, {})
            node[_END] = True
        return cls(trie)

    @classmethod
    def bundled(cls) -> TermIndex:
        return cls.from_pairs(read_tortured_pairs(tortured_pairs_path()))

    def propose(
        self, tokens: Sequence[Token], words: Sequence[int], lexicon: Lexicon, frozen: set[int]
    ) -> list[list[Candidate]]:
        """Term rewrites grouped by start position, like `propose`."""
        by_start: list[list[Candidate]] = [[] for _ in words]
        for position in range(len(words)):
            # Each state: trie node, chosen words, summed spinner score of the swaps, tortured?
            states: list[tuple[dict, list[str], float, bool]] = [(self.trie, [], 0.0, False)]
            surface: list[str] = []  # the spun words of the window so far
            for end in range(position, min(position + MAX_PHRASE_WORDS, len(words))):
                index = words[end]
                if index in frozen or (end > position and index != words[end - 1] + 1):
                    break
                spun = tokens[index].norm
                surface.append(spun)
                best = lexicon.origins(spun)[:TERM_WORD_ORIGINALS]
                options = [(spun, None)] + [(o.text, o) for o in best if " " not in o.text]
                states = [
                    (
                        node[word],
                        [*path, word],
                        score + (origin.score if origin else 0.0),
                        tortured or bool(origin and origin.links & TORTURED),
                    )
                    for node, path, score, tortured in states
                    for word, origin in options
                    if word in node
                ]
                if not states:
                    break
                for node, path, score, tortured in states:
                    if _END in node and path != surface:
                        by_start[position].append(
                            Candidate(
                                first=words[position],
                                last=index + 1,
                                original=" ".join(path),
                                source="term",
                                prior=score,
                                links=TORTURED if tortured else 0,
                            )
                        )
        return by_start
