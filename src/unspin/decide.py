"""Choose which rewrites to accept, and how sure we are.

Each candidate rewrite gets a feature vector (context fit under the trigram model, frequency
change, how well thesauri attest the swap, length change, ...) and a logistic model turns it into
the log-odds that the candidate is the true original.  The weights are fitted on simulated
spinning of clean text by scripts/calibrate.py and shipped in unspin/data/weights.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from unspin import weights
from unspin.lexicon import TORTURED, TORTURED_BONUS, Lexicon
from unspin.model import Candidate
from unspin.score import END, START, LanguageModel

FEATURES = (
    "context_gain",  # LM log-prob of the window with the candidate minus with the spun words
    "frequency_gain",  # unigram log-prob change: context fit and frequency weighed apart
    "collocation_gain",  # listed-bigram strength with the neighbours, candidate minus spun
    "spun_fit",  # log P(spun word | words before) - log P(spun word): odd words fit badly
    "original_fit",  # the same for the candidate's first word
    "topic_gain",  # GloVe fit with the surrounding words, candidate minus spun: wrong-sense swaps
    "length_change",  # words in the original minus words in the spun wording
    "length_distance",
    "spinner_prior",  # spinner-model log-odds of the swap, from thesaurus links and similarity
    "tortured",
    "known_term",  # the rewrite is a known term (expected phrase of the PPS train split)
    "name",  # a capitalised word inside the sentence: usually a name, rarely spun
    "unknown_spun",  # the spun word is outside the LM vocabulary, so context fit is unreliable
)


@dataclass(frozen=True, slots=True)
class DecisionParams:
    """Logistic weights over FEATURES plus the acceptance threshold."""

    weights: tuple[float, ...]
    intercept: float
    threshold: float = 0.0  # accept a rewrite when its log-odds exceed this
    # In a document already judged spun, many words are: accept a rewrite as soon as it is more
    # likely right than wrong (the fitted model's own even odds, as it was fitted on spun text).
    spun_threshold: float = 0.0
    shortlist: int = 6  # candidates per position scored with full context

    @classmethod
    def bundled(cls) -> DecisionParams:
        fitted = weights.bundled("decision", FEATURES)
        if fitted is None:
            raise RuntimeError("unspin/data/weights.json has no decision model")
        return cls(*fitted, threshold=weights.threshold("threshold", 0.0))

    def log_odds(self, features: Sequence[float]) -> float:
        return weights.linear(self.weights, self.intercept, features)


@dataclass(frozen=True, slots=True)
class Decision:
    """An accepted rewrite of words[start:end] of a sentence."""

    start: int
    end: int
    candidate: Candidate
    log_odds: float
    alternatives: tuple[str, ...]

    @property
    def confidence(self) -> float:
        return weights.sigmoid(self.log_odds)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence as the decoder sees it.

    `words` are lower-case, `names[p]` is True for a capitalised word inside the sentence,
    `candidates[p]` are the rewrites starting at word p and `ends[p]` their end positions,
    `topics[p]` the unit GloVe vector of the words around word p (None where unknown).
    """

    words: Sequence[str]
    names: Sequence[bool]
    candidates: Sequence[Sequence[Candidate]]
    ends: Sequence[Sequence[int]]
    topics: Sequence[np.ndarray | None]


@dataclass(frozen=True, slots=True)
class Scored:
    """One shortlisted rewrite with its features and log-odds."""

    log_odds: float
    candidate: Candidate
    end: int
    features: list[float]


def decide_sentence(
    sentence: Sentence,
    lm: LanguageModel,
    params: DecisionParams,
    evidence: list[float],
    lexicon: Lexicon,
    threshold: float | None = None,
) -> list[Decision]:
    """Left-to-right greedy decoding: each choice sees the already-restored words on its left.

    The best log-odds at every position with candidates is appended to `evidence`: weak signals
    that add up to the document-level score even where no single rewrite is certain.
    """
    if threshold is None:
        threshold = params.threshold
    decisions: list[Decision] = []
    output: list[str] = [START, START]
    padded = [*sentence.words, END, END]
    position = 0
    while position < len(sentence.words):
        scored = score_position(position, padded, output, sentence, lm, lexicon, params)
        best = scored[0] if scored else None
        if best is not None:
            evidence.append(best.log_odds)
        if best is None or best.log_odds <= threshold:
            output.append(sentence.words[position])
            position += 1
            continue
        alternatives = tuple(s.candidate.original for s in scored[1:4] if s.log_odds > threshold)
        decisions.append(Decision(position, best.end, best.candidate, best.log_odds, alternatives))
        output.extend(best.candidate.original.split())
        position = best.end
    return decisions


def score_position(
    position: int,
    padded: Sequence[str],
    output: Sequence[str],
    sentence: Sentence,
    lm: LanguageModel,
    lexicon: Lexicon,
    params: DecisionParams,
) -> list[Scored]:
    """Log-odds of each shortlisted rewrite starting at `position`, best first."""
    candidates, ends = sentence.candidates[position], sentence.ends[position]
    if not candidates:
        return []
    left = output[-2:]
    # Cheap first look: fit with the word on the left only, plus how well the swap is attested.
    shortlist = sorted(
        range(len(candidates)),
        key=lambda i: (
            lm.logp(candidates[i].original.split()[0], left[-1], left[-2]) + candidates[i].prior
        ),
        reverse=True,
    )[: params.shortlist]
    spun_sides: dict[int, SpunSide] = {}
    scored = []
    for i in shortlist:
        end = ends[i]
        if end not in spun_sides:
            spun_sides[end] = SpunSide.of(position, end, padded, left, sentence, lm, lexicon)
        features = candidate_features(candidates[i], spun_sides[end], left, lm, lexicon)
        scored.append(Scored(params.log_odds(features), candidates[i], end, features))
    scored.sort(key=lambda item: item.log_odds, reverse=True)
    return scored


@dataclass(frozen=True, slots=True)
class SpunSide:
    """What every candidate for the same spun words is compared with, computed once."""

    words: list[str]
    right: list[str]
    window: float  # LM log-prob of the spun words and the two after them
    unigrams: float
    collocation: float
    fit: float  # log P(first spun word | words before) - log P(first spun word)
    topic: np.ndarray | None  # unit vector of the surrounding words
    topic_fit: float | None  # GloVe cosine of the spun words with `topic`
    name: bool
    unknown: bool

    @classmethod
    def of(
        cls,
        position: int,
        end: int,
        padded: Sequence[str],
        left: Sequence[str],
        sentence: Sentence,
        lm: LanguageModel,
        lexicon: Lexicon,
    ) -> SpunSide:
        words = list(padded[position:end])
        right = list(padded[end : end + 2])
        topic = sentence.topics[position]
        unit = lexicon.embeddings.unit(" ".join(words)) if topic is not None else None
        return cls(
            words=words,
            right=right,
            window=lm.window(left, words, right),
            unigrams=sum(lm.unigram(w) for w in words),
            collocation=lm.collocation([left[-1], *words, right[0] if right else END]),
            fit=lm.logp(words[0], left[-1], left[-2]) - lm.unigram(words[0]),
            topic=topic,
            topic_fit=float(unit @ topic) if unit is not None and topic is not None else None,
            name=any(sentence.names[position:end]),
            unknown=any(not lm.known(w) for w in words),
        )


def candidate_features(
    candidate: Candidate, spun: SpunSide, left: Sequence[str], lm: LanguageModel, lexicon: Lexicon
) -> list[float]:
    """The FEATURES vector of one candidate against the spun words it would replace."""
    original = candidate.original.split()
    right = spun.right
    context_gain = lm.window(left, original, right) - spun.window
    frequency_gain = sum(lm.unigram(w) for w in original) - spun.unigrams
    collocation_gain = (
        lm.collocation([left[-1], *original, right[0] if right else END]) - spun.collocation
    )
    original_fit = lm.logp(original[0], left[-1], left[-2]) - lm.unigram(original[0])
    topic_gain = 0.0
    if spun.topic is not None and spun.topic_fit is not None:
        new = lexicon.embeddings.unit(candidate.original)
        if new is not None:
            topic_gain = float(new @ spun.topic) - spun.topic_fit
    links = candidate.links
    return [
        context_gain,
        frequency_gain,
        collocation_gain,
        spun.fit,
        original_fit,
        topic_gain,
        float(len(original) - len(spun.words)),
        float(abs(len(original) - len(spun.words))),
        candidate.prior - TORTURED_BONUS * bool(links & TORTURED),
        float(bool(links & TORTURED)),
        float(candidate.source == "term"),
        float(spun.name),
        float(spun.unknown),
    ]


DOCUMENT_FEATURES = (
    "suspicious_rate",  # share of words whose best rewrite has log-odds above EVIDENCE_FLOOR
    "soft_rate",  # sum over positions of P(rewrite) per word: many weak signals add up
    "context_fit",  # mean log P(word | context) - log P(word): spun words sit oddly in context
    "rare_rate",  # share of known words rarer than Zipf 3.5: spinners pick unusual synonyms
    "coherence",  # mean GloVe cosine of each content word with its neighbours: wrong-sense
    # synonyms ("principle include" for "main feature") drift off topic
)
COHERENCE_WINDOW = 5
TOPIC_WINDOW = 10
EVIDENCE_FLOOR = -1.0


@dataclass(frozen=True, slots=True)
class DocumentModel:
    """Logistic P(document was spun) over DOCUMENT_FEATURES, plus known tortured phrases.

    Fitted on simulated spinning of clean text (scripts/calibrate.py), not on evaluation data;
    the fingerprint weight is set by hand, as simulated text has no tortured phrases.
    """

    weights: tuple[float, ...]
    intercept: float
    per_fingerprint_rate: float = 400.0

    @classmethod
    def bundled(cls) -> DocumentModel:
        fitted = weights.bundled("document", DOCUMENT_FEATURES)
        if fitted is None:
            raise RuntimeError("unspin/data/weights.json has no document model")
        return cls(*fitted)

    def probability(self, features: Sequence[float], fingerprint_rate: float) -> float:
        z = weights.linear(self.weights, self.intercept, features)
        return weights.sigmoid(z + self.per_fingerprint_rate * fingerprint_rate)


def document_features(
    evidence: Sequence[float], words: Sequence[str], lm: LanguageModel, lexicon: Lexicon
) -> list[float]:
    """DOCUMENT_FEATURES of one document from its decoder evidence and its lower-case words."""
    count = max(len(words), 1)
    fit, counted = lm.context_fit(words)
    known = [w for w in words if lm.known(w)]
    return [
        sum(1 for value in evidence if value > EVIDENCE_FLOOR) / count,
        sum(weights.sigmoid(v) for v in evidence) / count,
        fit / max(counted, 1),
        sum(1 for w in known if lexicon.zipf(w) < 3.5) / max(len(known), 1),
        coherence(words, lexicon),
    ]


def coherence(words: Sequence[str], lexicon: Lexicon) -> float:
    """Mean cosine between each content word and the mean of its content-word neighbours."""
    vectors, context = _content_windows(words, lexicon, COHERENCE_WINDOW)
    if len(vectors) < 2:
        return 0.0
    norms = np.maximum(np.linalg.norm(context, axis=1), 1e-9)
    return float(np.mean(np.einsum("ij,ij->i", vectors, context) / norms))


def topic_vectors(words: Sequence[str], lexicon: Lexicon) -> list[np.ndarray | None]:
    """For each word, the unit mean vector of the content words around it (itself excluded)."""
    rows = lexicon.embeddings.rows
    content_at = [i for i, w in enumerate(words) if w in rows and lexicon.zipf(w) <= 5.5]
    vectors, context = _content_windows(words, lexicon, TOPIC_WINDOW)
    if len(content_at) < 2:
        return [None] * len(words)
    norms = np.maximum(np.linalg.norm(context, axis=1, keepdims=True), 1e-9)
    units = context / norms
    # Words that are not content words take the topic of the nearest content word after them.
    topics: list[np.ndarray | None] = []
    cursor = 0
    for i in range(len(words)):
        while cursor < len(content_at) - 1 and content_at[cursor] < i:
            cursor += 1
        topics.append(units[cursor])
    return topics


def _content_windows(
    words: Sequence[str], lexicon: Lexicon, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of the content words and, for each, the sum of its neighbours' vectors."""
    rows = lexicon.embeddings.rows
    content = [rows[w] for w in words if w in rows and lexicon.zipf(w) <= 5.5]
    vectors = lexicon.embeddings.matrix[content]
    if not content:
        return vectors, vectors
    totals = np.vstack([np.zeros(vectors.shape[1]), np.cumsum(vectors, axis=0)])
    index = np.arange(len(content))
    low = np.maximum(index - window, 0)
    high = np.minimum(index + window + 1, len(content))
    return vectors, totals[high] - totals[low] - vectors
