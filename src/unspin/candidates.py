"""Propose original wordings for each word and short phrase of a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from unspin.lexicon import (
    MAX_PHRASE_WORDS,
    TORTURED,
    TORTURED_BONUS,
    Lexicon,
    read_tortured_pairs,
    tortured_pairs_path,
)
from unspin.model import Candidate, Token
from unspin.tokenize import is_word

# Words so frequent that spinners leave them alone and rewriting them would only add false edits.
MAX_SPUN_ZIPF = 6.3


def sentence_words(tokens: Sequence[Token]) -> Iterator[list[int]]:
    """Indices of the word tokens of each sentence, in order."""
    current: list[int] = []
    sentence = tokens[0].sentence if tokens else 0
    for index, token in enumerate(tokens):
        if token.sentence != sentence:
            if current:
                yield current
            current, sentence = [], token.sentence
        if is_word(token):
            current.append(index)
    if current:
        yield current


def propose(
    tokens: Sequence[Token], words: Sequence[int], lexicon: Lexicon, frozen: set[int]
) -> list[list[Candidate]]:
    """Candidates grouped by the position (in `words`) where they start.

    `frozen` holds token indices already explained by the fingerprint layer.
    """
    by_start: list[list[Candidate]] = [[] for _ in words]
    for position, first in enumerate(words):
        if first in frozen:
            continue
        for length in range(1, MAX_PHRASE_WORDS + 1):
            end = position + length
            if end > len(words):
                break
            span = words[position:end]
            if any(index in frozen for index in span) or not _adjacent(span):
                break
            spun = " ".join(tokens[index].norm for index in span)
            if length == 1 and lexicon.zipf(spun) > MAX_SPUN_ZIPF:
                continue
            for origin in lexicon.origins(spun):
                by_start[position].append(
                    Candidate(
                        first=span[0],
                        last=span[-1] + 1,
                        original=origin.text,
                        source="thesaurus",
                        prior=origin.score + TORTURED_BONUS * bool(origin.links & TORTURED),
                        links=origin.links,
                    )
                )
    return by_start


def _adjacent(span: Sequence[int]) -> bool:
    """Phrases never cross punctuation: their word tokens must be consecutive tokens."""
    return all(b == a + 1 for a, b in zip(span, span[1:], strict=False))


_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")
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
            words = _PARENTHETICAL.sub("", expected.lower()).split()
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
                options = [(spun, None)] + [
                    (o.text, o) for o in lexicon.origins(spun) if " " not in o.text
                ]
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
                                prior=score + TORTURED_BONUS * tortured,
                                links=TORTURED if tortured else 0,
                            )
                        )
        return by_start
