"""The one entry point: tokenize -> candidates -> score -> decide -> render."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from unspin.candidates import TermIndex, propose, sentence_words
from unspin.decide import (
    Decision,
    DecisionParams,
    DocumentModel,
    Sentence,
    decide_sentence,
    document_features,
    topic_vectors,
)
from unspin.fingerprint import FingerprintHit, FingerprintIndex
from unspin.lexicon import Lexicon
from unspin.model import Report, Span, Token
from unspin.render import match_case, restore, with_article
from unspin.score import LanguageModel
from unspin.tokenize import MAX_CHARS, check_text, is_word, tokenize

FINGERPRINT_CONFIDENCE = 0.97


@dataclass
class Analyzer:
    """Holds the loaded language resources; build once, call many times."""

    lexicon: Lexicon
    lm: LanguageModel
    fingerprints: FingerprintIndex
    terms: TermIndex
    params: DecisionParams = field(default_factory=DecisionParams.bundled)
    document_model: DocumentModel = field(default_factory=DocumentModel.bundled)
    max_chars: int = MAX_CHARS

    @classmethod
    def load(cls, params: DecisionParams | None = None) -> Analyzer:
        return cls(
            lexicon=Lexicon.load(),
            lm=LanguageModel.load(),
            fingerprints=screened(FingerprintIndex.bundled()),
            terms=TermIndex.bundled(),
            params=params or DecisionParams.bundled(),
        )

    def analyze(self, text: str) -> Report:
        check_text(text, self.max_chars)
        tokens = tokenize(text)
        hits = self.fingerprints.find(text)
        frozen = _tokens_inside(tokens, hits)
        sentences = [sentence for _, sentence in self.sentences(tokens, frozen)]
        evidence: list[float] = []
        decisions = self._decode(sentences, self.params.threshold, evidence)
        words = [token.norm for token in tokens if is_word(token)]
        features = document_features(evidence, words, self.lm, self.lexicon)
        spin_score = self.document_model.probability(features, len(hits) / max(len(words), 1))
        if spin_score >= 0.5 and self.params.spun_threshold < self.params.threshold:
            decisions = self._decode(sentences, self.params.spun_threshold, [])
        spans = [_fingerprint_span(hit) for hit in hits]
        spans += [self._span(text, tokens, decision) for decision in decisions]
        spans = _with_articles(text, sorted(spans, key=lambda span: span.start))
        word_count = len(words)
        return Report(
            text=text,
            spans=tuple(spans),
            spin_score=round(spin_score, 4),
            restored=restore(text, spans),
            word_count=word_count,
            fingerprint_hits=len(hits),
        )

    def sentences(
        self, tokens: Sequence[Token], frozen: set[int], with_terms: bool = True
    ) -> Iterator[tuple[list[int], Sentence]]:
        """Each sentence's word-token indices and the decoder's view of it, candidates included."""
        all_words = [i for i, token in enumerate(tokens) if is_word(token)]
        topics = dict(
            zip(
                all_words,
                topic_vectors([tokens[i].norm for i in all_words], self.lexicon),
                strict=True,
            )
        )
        for words in sentence_words(tokens):
            by_start = propose(tokens, words, self.lexicon, frozen)
            if with_terms:
                for group, terms in zip(
                    by_start, self.terms.propose(tokens, words, self.lexicon, frozen), strict=True
                ):
                    group.extend(terms)
            position_of = {token_index: p for p, token_index in enumerate(words)}
            yield (
                words,
                Sentence(
                    words=[tokens[i].norm for i in words],
                    names=[p > 0 and tokens[i].text[0].isupper() for p, i in enumerate(words)],
                    candidates=by_start,
                    ends=[[position_of[c.last - 1] + 1 for c in group] for group in by_start],
                    topics=[topics[i] for i in words],
                ),
            )

    def _decode(
        self, sentences: Sequence[Sentence], threshold: float, evidence: list[float]
    ) -> list[Decision]:
        return [
            decision
            for sentence in sentences
            for decision in decide_sentence(
                sentence, self.lm, self.params, evidence, self.lexicon, threshold
            )
        ]

    def _span(self, text: str, tokens: Sequence[Token], decision: Decision) -> Span:
        start, end = tokens[decision.candidate.first].start, tokens[decision.candidate.last - 1].end
        spun = text[start:end]
        return Span(
            start=start,
            end=end,
            text=spun,
            original=match_case(decision.candidate.original, spun),
            confidence=round(decision.confidence, 4),
            source=decision.candidate.source,
            alternatives=tuple(match_case(a, spun) for a in decision.alternatives),
        )


_EXPLANATION = re.compile(r"https?:|\be\.g\.|\bi\.e\.|\bsee\b|‘")


def screened(index: FingerprintIndex) -> FingerprintIndex:
    """Drop known-phrase rules that would misfire on clean text.

    A tortured phrase that is itself the expected form of another rule is a real term
    ("cloud computing"), and an expected value that is an explanation or garbled
    ("computer-aided (e.g., design cad)" for "be that as it") is not a restoration.
    """
    terms = {rule.expected.lower() for rule in index.rules}
    return FingerprintIndex(
        rule
        for rule in index.rules
        if rule.tortured.lower() not in terms and not _EXPLANATION.search(rule.expected)
    )


def _with_articles(text: str, spans: Sequence[Span]) -> list[Span]:
    """Fix a/an before each span, unless taking the article in would overlap the span before."""
    fixed: list[Span] = []
    for span in spans:
        extended = with_article(text, span)
        fixed.append(extended if not fixed or fixed[-1].end <= extended.start else span)
    return fixed


def _tokens_inside(tokens: Sequence[Token], hits: Sequence[FingerprintHit]) -> set[int]:
    """Indices of tokens overlapping a hit; both come sorted, so one sweep over each suffices."""
    inside: set[int] = set()
    index = 0
    for hit in hits:
        while index < len(tokens) and tokens[index].end <= hit.start:
            index += 1
        cursor = index
        while cursor < len(tokens) and tokens[cursor].start < hit.end:
            inside.add(cursor)
            cursor += 1
    return inside


def _fingerprint_span(hit: FingerprintHit) -> Span:
    return Span(
        start=hit.start,
        end=hit.end,
        text=hit.text,
        original=hit.expected,
        confidence=FINGERPRINT_CONFIDENCE,
        source="fingerprint",
    )


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer.load()


def analyze(text: str) -> Report:
    """Find spun spans in `text`, propose originals, and score the whole document."""
    return default_analyzer().analyze(text)
