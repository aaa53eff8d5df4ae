"""Propose original wordings for each word and short phrase of a sentence."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unspin.lexicon import MAX_PHRASE_WORDS, TORTURED, TORTURED_BONUS, Lexicon
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
