"""Score every candidate in context, pool the evidence over the document, and decide.

A noisy-channel view: a spun document was made from an original by a dictionary spinner that
swaps word types consistently, at a rate of its own. Each candidate original gets named features
(how much better it fits its context under the language model, how well the resources attest the
swap, ...) and document-level ones pooled over every occurrence of the same spun form
(one sense per discourse: a spinner that turned "said" into "mentioned" once did so throughout,
and then "said" is missing from the text). A first logistic model estimates the document's spin
rate from the text itself; the decision model then weighs each candidate knowing that rate, and a
dynamic programme picks the best set of non-overlapping rewrites per sentence, twice: the second
time every candidate is scored again with its restored neighbours on both sides.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from unspin.document import Decision, Document, Slot
from unspin.lexicon import Lexicon
from unspin.logistic import LinearModel, LogisticModel, logit, sigmoid
from unspin.score import (
    BATCH_SLOTS,
    END,
    START,
    ContextModel,
    collocation,
    context_fit,
    pair_values,
)
from unspin.vectors import ContextVectors

CONTEXT_FEATURES = (
    "lm_gain",  # LM log-prob of the window with the candidate minus with the spun words
    # The same gain under the general-English trigram model (pocketsphinx's): our own model
    # learnt Wikipedia, where news wording is rare ("said" is 6 times rarer than in news, and
    # "the White House said" never occurs), so the two judge news text differently.
    "general_gain",
    "lm_behind",  # how far its lm_gain is behind the best candidate's in the same slot (<= 0)
    "frequency_gain",  # unigram log-prob change: context fit and frequency weighed apart
    "collocation_gain",  # listed-bigram strength with the neighbours, candidate minus spun
    "spun_fit",  # log P(spun word | words before) - log P(spun word): odd words fit badly
    "original_fit",  # the same for the candidate's first word
    "topic_gain",  # GloVe fit with the surrounding words, candidate minus spun
    "vector_gain",  # context-vector fit with the words on each side (unspin.vectors), the same
)
LOCAL_FEATURES = (
    *CONTEXT_FEATURES,
    "length_change",  # words in the original minus words in the spun wording
    "length_distance",
    "channel",  # channel-model log-odds of the swap (resources, similarity, frequencies)
    "name",  # a capitalised word inside the sentence: usually a name, less often spun
    "unknown_spun",  # the spun word is outside the LM vocabulary (and no term or profile pair)
    "known_term",  # the rewrite is a known term (expected phrase of the PPS train split)
    "profile",  # the pair is listed in a loaded spinner profile
)
POOLED_FEATURES = (
    "spun_count",  # log(1 + occurrences of the spun form in the document)
    "pair_gain",  # mean lm_gain of this (spun, original) pair over those occurrences
    "pair_top",  # share of occurrences where this original is the best-fitting one
    "spun_excess",  # log10 of the spun word's count in the document over the usual count
    "original_deficit",  # the same for the original (missing where expected: low)
)
OCCURRENCE_FEATURES = (*LOCAL_FEATURES, *POOLED_FEATURES)
# The decision model judges only each slot's best-ranked original: is it right? It sees that
# original's own named features, not only the occurrence model's verdict (a weighted sum of the
# same features, so not a feature of its own): the occurrence model is fitted to rank, and leans
# on what separates the fitting spinners' candidates; the decision model weighs the same evidence
# for whether anything was spun at all.
SLOT_FEATURES = (
    "margin",  # occurrence log-odds of the best original minus the runner-up's
    "spun_logit",  # logit of the slot's spun mass: is anything here spun at all?
    "rate_logit",  # logit of the document's estimated spin rate
)
DECISION_FEATURES = (*SLOT_FEATURES, *OCCURRENCE_FEATURES)  # the rest: of the best original
# Priors a simulation cannot teach (it has no profiles and no real tortured phrases): fixed.
FIXED_WEIGHTS = {"known_term": 6.0, "profile": 3.0}
# In the decision whether to rewrite, a profile pair adds nothing: it says which original a spun
# form came from, not whether this occurrence was spun ("under" is spun in one place and genuine
# in the next). Farm simulation, generating dictionary imported, WER reduction with the profile
# prior at 3.0 / 1.5 / 0.5 / 0: -84% / -45% / -33% / -32%; false edits on clean news with a
# learned profile 1.56 / 0.90 / 0.71 / 0.61 per 1,000 words. A known term is a distinctive
# tortured phrase: that it occurs at all is evidence of spinning.
DECISION_FIXED = {**FIXED_WEIGHTS, "profile": 0.0}

DOCUMENT_FEATURES = (
    "rate",  # estimated share of words replaced
    "confident_rate",  # share of words with an accepted-looking rewrite (p > 0.5)
    "context_fit",  # mean log P(word | context) - log P(word): spun words sit oddly
    "rare_rate",  # share of known words rarer than Zipf 3.5: spinners pick unusual synonyms
    "coherence",  # mean GloVe cosine of each content word with its neighbours
    "fingerprint_rate",  # known tortured phrases per word
)
# The reported confidence of a rewrite: the decision model's log-odds were fitted to choose
# rewrites in texts without a dictionary, and read as probabilities they are overconfident where
# a dictionary (above all one learned from the text itself) lent its pairs a strong channel prior:
# on fitting-family simulations, profile-pair rewrites said 99% and were right 80% of the time.
# A small model maps them to calibrated probabilities (scripts/fit_confidence.py).
CONFIDENCE_FEATURES = (
    "decision_log_odds",  # the log-odds that chose the rewrite, clipped to CONFIDENCE_CLIP
    "profile_pair",  # the rewrite is a pair of the document's profile
    "profile_log_odds",  # decision_log_odds x profile_pair: their own slope
    "verdict_logit",  # logit of the document's spin score
    "log_words",  # log words in the document
)
CONFIDENCE_CLIP = (-5.0, 12.0)
COHERENCE_WINDOW = 5
PROGRESS_EVERY = 200  # slots between progress calls while scoring
TOPIC_WINDOW = 10


@dataclass(frozen=True)
class Models:
    """The fitted models of the decide stage (unspin/data/weights.json)."""

    occurrence: LogisticModel
    decision: LogisticModel
    document: LogisticModel
    threshold: float  # decision log-odds a rewrite needs
    confidence: LogisticModel  # reported probability that a rewrite is right
    # The spin rate a text's context fit speaks for (`Decoder.lift_rate`); None: not used.
    context_rate: LinearModel | None = None

    @classmethod
    def bundled(cls, stored: dict | None = None) -> Models:
        """The models of a weights file (the shipped one unless `stored` is given)."""
        from unspin.logistic import bundle

        stored = bundle() if stored is None else stored
        return cls(
            occurrence=LogisticModel.bundled("occurrence", OCCURRENCE_FEATURES, stored),
            decision=LogisticModel.bundled("decision", DECISION_FEATURES, stored),
            document=LogisticModel.bundled("document", DOCUMENT_FEATURES, stored),
            threshold=float(stored.get("threshold", 0.0)),
            confidence=LogisticModel.bundled("span_confidence", CONFIDENCE_FEATURES, stored),
            context_rate=(
                LinearModel.bundled("context_rate", CONTEXT_RATE_FEATURES, stored)
                if "context_rate" in stored
                else None
            ),
        )


# --------------------------------------------------------------------------- context features


def neighbours(
    words: Sequence[str],
    chosen: dict[int, tuple[int, list[str]]],
    start: int,
    end: int,
    width: int = 2,
) -> tuple[list[str], list[str]]:
    """`width` words on each side of words[start:end], restored where a rewrite was chosen.

    `chosen` maps a start position to (end position, original words); rewrites overlapping
    [start, end) are ignored, so a slot is never compared with a rival rewrite of itself.
    """
    left: list[str] = []
    position = start - 1
    while position >= 0 and len(left) < width:
        owner = next((s for s, (e, _) in chosen.items() if s <= position < e and e <= start), None)
        if owner is None:
            left.insert(0, words[position])
            position -= 1
        else:
            left[:0] = chosen[owner][1]
            position = owner - 1
    right: list[str] = []
    position = end
    while position < len(words) and len(right) < width:
        if position in chosen:
            e, original = chosen[position]
            right.extend(original)
            position = e
        else:
            right.append(words[position])
            position += 1
    left = ([START] * width + left)[-width:] if width else []
    right = (right + [END] * width)[:width]
    return left, right


def score_slots(
    doc: Document,
    decoder: Decoder,
    chosen: dict[int, dict[int, tuple[int, list[str]]]] | None = None,
    progress=None,
    slots: Sequence[Slot] | None = None,
) -> None:
    """Fill each slot's context and local feature columns (neighbours restored per `chosen`).

    Language-model lookups go out in batches of BATCH_SLOTS slots: one per short document,
    and a bounded amount of memory for a long one. `progress(done, all)`, if given, is called
    as slots are filled; an exception it raises (a caller giving up) stops.
    """
    chosen = chosen or {}
    lm, general, lexicon, bigrams = decoder.lm, decoder.general, decoder.lexicon, decoder.bigrams
    width = lm.order - 1
    general_width = general.order - 1
    words = [doc.words(s) for s in range(len(doc.sentences))]
    slots = doc.slots if slots is None else slots
    topics = TopicTable(lexicon)
    for begin in range(0, len(slots), BATCH_SLOTS):
        batch = slots[begin : begin + BATCH_SLOTS]
        phrases = PhraseTable.of(batch, lm, bigrams)
        contexts = [
            neighbours(
                words[slot.sentence], chosen.get(slot.sentence, {}), slot.start, slot.end, width
            )
            for slot in batch
        ]
        requests = [
            (left, middles, right)
            for (left, right), middles in zip(contexts, phrases.middles(), strict=True)
        ]
        totals, first_fits = lm.windows_and_fits(requests)
        general_totals = general.windows_many(
            [(lt[-general_width:], middles, rt[:general_width]) for lt, middles, rt in requests]
        )
        per_slot(
            batch,
            phrases.context_columns(
                np.concatenate(totals),
                np.concatenate(first_fits),
                np.concatenate(general_totals),
                contexts,
            ),
        )
        for done, slot in enumerate(batch, start=begin):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, len(slots))
            slot.columns["topic_gain"] = topics.gains(slot, doc.topics.get(slot.first))
        for slot, gains in zip(batch, vector_gains(decoder.vectors, batch, contexts), strict=True):
            slot.columns["vector_gain"] = gains
        fresh = [slot for slot in batch if "channel" not in slot.columns]
        if fresh:
            per_slot(fresh, local_columns(fresh, doc, lm))


@dataclass
class PhraseTable:
    """What the decoder needs of each distinct wording (spun or original) in a batch of slots,
    computed once per wording rather than once per slot it appears in.

    `rows` lists, slot after slot, the spun wording and then each original, as row numbers.
    """

    rows: np.ndarray
    sizes: np.ndarray  # rows per slot: the spun wording and its originals
    first_unigram: np.ndarray  # log P(first word)
    unigram: np.ndarray  # summed log P(word) over the words
    inner_collocation: np.ndarray  # bigram counts inside the wording
    split: list[tuple[str, ...]]  # the words of each wording
    bigrams: Mapping[str, float]

    @classmethod
    def of(
        cls, slots: Sequence[Slot], lm: ContextModel, bigrams: Mapping[str, float]
    ) -> PhraseTable:
        index: dict[str, int] = {}
        rows = [
            index.setdefault(phrase, len(index))
            for slot in slots
            for phrase in (slot.spun, *slot.originals)
        ]
        split = [tuple(phrase.split()) for phrase in index]
        words = sorted({word for phrase in split for word in phrase})
        unigram = dict(zip(words, lm.logp_many(words, [()] * len(words)), strict=True))
        return cls(
            np.array(rows, dtype=np.int64),
            np.array([len(slot.originals) + 1 for slot in slots], dtype=np.int64),
            np.array([unigram[phrase[0]] for phrase in split]),
            np.array([sum(unigram[word] for word in phrase) for phrase in split]),
            np.array([collocation(bigrams, phrase) for phrase in split]),
            split,
            bigrams,
        )

    def middles(self) -> list[list[tuple[str, ...]]]:
        """Per slot, the words of its spun wording and of each original (the LM's middles)."""
        split, rows = self.split, self.rows.tolist()
        bounds = np.cumsum(self.sizes).tolist()
        return [
            [split[row] for row in rows[end - size : end]]
            for end, size in zip(bounds, self.sizes.tolist(), strict=True)
        ]

    def context_columns(
        self,
        totals: np.ndarray,
        first_fits: np.ndarray,
        general_totals: np.ndarray,
        contexts: Sequence[tuple[Sequence[str], Sequence[str]]],
    ) -> dict[str, np.ndarray]:
        """CONTEXT_FEATURES but topic_gain and vector_gain for every original of the batch.

        `totals`, `first_fits` and `general_totals` follow `rows` (the LM's windows and
        first-word fits, the general model's windows), and `contexts` gives each slot's (left,
        right) words. Computed for the whole batch at once: per slot, the same handful of numpy
        calls on a few rows cost more than the arithmetic.
        """
        sizes = self.sizes
        starts = np.cumsum(sizes) - sizes
        spun_row = np.repeat(starts, sizes)  # per row: the row of its slot's spun wording
        original = np.ones(len(self.rows), dtype=bool)
        original[starts] = False

        def change(values: np.ndarray) -> np.ndarray:
            return (values - values[spun_row])[original]

        fit = first_fits - self.first_unigram[self.rows]
        befores = [left[-1] for left, _ in contexts]
        afters = [right[0] for _, right in contexts]
        collocations = self.inner_collocation[self.rows] + self.edges(befores, afters)
        gains = change(totals)
        best = np.maximum.reduceat(gains, starts - np.arange(len(sizes)))
        return {
            "lm_gain": gains,
            "lm_behind": gains - np.repeat(best, sizes - 1),
            "general_gain": change(general_totals),
            "frequency_gain": change(self.unigram[self.rows]),
            "collocation_gain": change(collocations),
            "spun_fit": fit[spun_row][original],
            "original_fit": fit[original],
        }

    def edges(self, befores: Sequence[str], afters: Sequence[str]) -> np.ndarray:
        """Bigram counts joining each row's wording to its slot's words on the left and right."""
        split, sizes = self.split, self.sizes.tolist()
        wordings = [split[row] for row in self.rows.tolist()]
        lefts = [
            word for before, size in zip(befores, sizes, strict=True) for word in [before] * size
        ]
        rights = [
            word for after, size in zip(afters, sizes, strict=True) for word in [after] * size
        ]
        firsts = [words[0] for words in wordings]
        lasts = [words[-1] for words in wordings]
        return pair_values(self.bigrams, lefts, firsts) + pair_values(self.bigrams, lasts, rights)


def vector_gains(
    vectors: ContextVectors | None,
    slots: Sequence[Slot],
    contexts: Sequence[tuple[Sequence[str], Sequence[str]]],
) -> list[np.ndarray]:
    """Each slot's context-vector fit of every original with the words on both sides, minus
    that of the spun words (0 without vectors)."""
    if vectors is None:
        return [np.zeros(len(slot.originals)) for slot in slots]
    fits = vectors.fits_many(
        [
            ([*left, *right], [slot.spun, *slot.originals])
            for slot, (left, right) in zip(slots, contexts, strict=True)
        ]
    )
    return [fit[1:] - fit[0] for fit in fits]


@dataclass
class TopicTable:
    """GloVe unit vectors of each slot's wordings, gathered once per distinct set of them."""

    lexicon: Lexicon
    known: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray] | None] = field(default_factory=dict)

    def gains(self, slot: Slot, topic: np.ndarray | None) -> np.ndarray:
        """GloVe fit of each original with the words around, minus that of the spun words."""
        if topic is None:
            return np.zeros(len(slot.originals))
        key = (slot.spun, *slot.originals)
        if key not in self.known:
            self.known[key] = self._vectors(slot)
        found = self.known[key]
        if found is None:
            return np.zeros(len(slot.originals))
        matrix, has_vector = found
        fits = matrix @ topic
        return np.where(has_vector, fits[1:] - fits[0], 0.0)

    def _vectors(self, slot: Slot) -> tuple[np.ndarray, np.ndarray] | None:
        unit = self.lexicon.embeddings.unit
        spun = unit(slot.spun)
        if spun is None:
            return None
        units = [unit(original) for original in slot.originals]
        has_vector = np.array([u is not None for u in units], dtype=bool)
        matrix = np.array([spun, *(u if u is not None else np.zeros_like(spun) for u in units)])
        return matrix, has_vector


def local_columns(slots: Sequence[Slot], doc: Document, lm: ContextModel) -> dict[str, np.ndarray]:
    """LOCAL_FEATURES that do not depend on the neighbours, of every original of `slots`,
    slot after slot (one set of numpy calls for all of them; see `per_slot`)."""
    sizes = [len(slot.originals) for slot in slots]

    def each_slot(values: list) -> np.ndarray:
        return np.repeat(np.array(values, dtype=float), sizes)

    spun_words = each_slot([slot.end - slot.start for slot in slots])
    lengths = np.array([len(o.split()) for slot in slots for o in slot.originals], dtype=float)
    capitalised = [
        any(
            position > 0 and doc.tokens[doc.sentences[slot.sentence][position]].text[:1].isupper()
            for position in range(slot.start, slot.end)
        )
        for slot in slots
    ]
    sources = [source for slot in slots for source in slot.sources]
    known_term = np.array([s == "term" for s in sources], dtype=float)
    profile = np.array([s == "profile" for s in sources], dtype=float)
    # A spun form outside the vocabulary is a name or a typo far more often than a spinner's
    # output, unless a known term or the user's profile vouches for the pair.
    unknown = each_slot([any(not lm.known(w) for w in slot.spun.split()) for slot in slots])
    return {
        "length_change": lengths - spun_words,
        "length_distance": np.abs(lengths - spun_words),
        "channel": np.array([c for slot in slots for c in slot.channel], dtype=float),
        "name": each_slot(capitalised),
        "unknown_spun": unknown * (1.0 - np.maximum(known_term, profile)),
        "known_term": known_term,
        "profile": profile,
    }


def per_slot(slots: Sequence[Slot], columns: dict[str, np.ndarray]) -> None:
    """Give each slot its rows of `columns` (arrays over every original of `slots`, in turn)."""
    at = 0
    for slot in slots:
        n = len(slot.originals)
        slot.columns.update({name: values[at : at + n] for name, values in columns.items()})
        at += n


# --------------------------------------------------------------------------- pooled features


def pool(doc: Document, lexicon: Lexicon, forms: set[str] | None = None) -> None:
    """POOLED_FEATURES: what every occurrence of the same spun form says together.

    `forms` limits the work to those spun forms (the ones whose occurrences were rescored).
    """
    total = max(doc.word_count, 1)
    counts: dict[str, int] = defaultdict(int)
    for sentence in range(len(doc.sentences)):
        for word in doc.words(sentence):
            counts[word] += 1
    pooled = [slot for slot in doc.slots if forms is None or slot.spun in forms]
    if not pooled:
        return
    occurrences: dict[str, list[int]] = defaultdict(list)
    for index, slot in enumerate(pooled):
        occurrences[slot.spun].append(index)
    columns, starts = stacked(pooled, ("lm_gain", "channel"))
    all_gains = columns["lm_gain"].tolist()
    fits = columns["lm_gain"] + columns["channel"]
    rows = {name: [0.0] * starts[-1] for name in POOLED_FEATURES}
    deficits: dict[str, float] = {}

    def deficit(original: str) -> float:
        if original not in deficits:
            deficits[original] = _excess(original, counts, total, lexicon)
        return deficits[original]

    for spun, members in occurrences.items():
        gains: dict[str, list[float]] = defaultdict(list)
        tops: dict[str, int] = defaultdict(int)
        for index in members:
            slot, start, end = pooled[index], starts[index], starts[index + 1]
            tops[slot.originals[int(np.argmax(fits[start:end]))]] += 1
            for original, gain in zip(slot.originals, all_gains[start:end], strict=True):
                gains[original].append(gain)
        excess = _excess(spun, counts, total, lexicon)
        mean_gain = {o: sum(values) / len(values) for o, values in gains.items()}
        count = math.log1p(len(members))
        for index in members:
            originals, start, end = pooled[index].originals, starts[index], starts[index + 1]
            rows["spun_count"][start:end] = [count] * len(originals)
            rows["pair_gain"][start:end] = [mean_gain[o] for o in originals]
            rows["pair_top"][start:end] = [tops[o] / len(members) for o in originals]
            rows["spun_excess"][start:end] = [excess] * len(originals)
            rows["original_deficit"][start:end] = [deficit(o) for o in originals]
    per_slot(pooled, {name: np.array(values) for name, values in rows.items()})


def _excess(phrase: str, counts: dict[str, int], total: int, lexicon: Lexicon) -> float:
    """log10 of a word's count here over the count its usual rate leads to expect, each plus a
    half: far from 0 only where the text is long enough to tell (a 40-word text without "said"
    says nothing, a 2,000-word one a lot). 0 for phrases (no usual rate)."""
    if " " in phrase:
        return 0.0
    expected = lexicon.frequencies.get(phrase, 1e-8) * total
    return min(max(math.log10((counts.get(phrase, 0) + 0.5) / (expected + 0.5)), -3.0), 3.0)


# --------------------------------------------------------------------------- decisions


def stacked(slots: Sequence[Slot], names: Sequence[str]) -> tuple[dict[str, np.ndarray], list[int]]:
    """The named columns of every slot end to end, and where each slot's rows start.

    A model applied once to a document's rows costs a few numpy calls per feature; applied
    slot by slot, the same calls per slot (the arithmetic is the same, row by row).
    """
    starts = np.cumsum([0, *(len(slot.originals) for slot in slots)]).tolist()
    return {name: np.concatenate([slot.columns[name] for slot in slots]) for name in names}, starts


def rank(slots: Sequence[Slot], occurrence: LogisticModel) -> None:
    """Occurrence-model log-odds of every candidate: the ranking within each slot."""
    if not slots:
        return
    columns, starts = stacked(slots, occurrence.features)
    log_odds = occurrence.log_odds(columns)
    for slot, start, end in zip(slots, starts, starts[1:], strict=False):
        slot.log_odds = log_odds[start:end]


def segment_argmax(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the first largest value of each segment (segments begin at `starts`, none
    empty), as np.argmax of each would give, for all segments at once."""
    ends = np.append(starts[1:], len(values))
    best = np.repeat(np.maximum.reduceat(values, starts), ends - starts)
    hit = np.flatnonzero(values == best)
    return hit[np.searchsorted(hit, starts)]


def word_masses(doc: Document, occurrence: LogisticModel | None = None) -> np.ndarray:
    """Per word, the probability that it was spun: the largest spun mass of a slot covering it
    (the slot's spun mass: the occurrence model's probabilities of all its candidates together,
    rival explanations of one rewrite, at most 1).

    With a profile loaded and `occurrence` given, the spun mass leaves the profile's fixed
    prior out: a profile says which original a spun form would come from, not that this text
    was spun, and counted in it lifted clean articles full of common words the profile lists
    to a spun verdict (and the lower rewrite bar that comes with it).
    """
    weight = occurrence.weight("profile") if occurrence is not None and doc.profile else 0.0
    slots = [slot for slot in doc.slots if slot.log_odds is not None and len(slot.log_odds)]
    if not slots:
        return np.zeros(doc.word_count)
    log_odds = np.concatenate([slot.log_odds for slot in slots])
    if weight:
        log_odds = log_odds - weight * np.concatenate([slot.columns["profile"] for slot in slots])
    sizes = np.array([len(slot.log_odds) for slot in slots])
    masses = np.minimum(np.add.reduceat(sigmoid(log_odds), np.cumsum(sizes) - sizes), 1.0)
    # Every word a slot covers gets its share of the slot's mass; each word keeps the largest.
    widths = np.array([slot.end - slot.start for slot in slots])
    offsets = np.cumsum([0, *(len(words) for words in doc.sentences)])
    firsts = np.array([offsets[slot.sentence] + slot.start for slot in slots])
    covered = np.arange(widths.sum()) - np.repeat(np.cumsum(widths) - widths, widths)
    best = np.zeros(offsets[-1])
    np.maximum.at(best, np.repeat(firsts, widths) + covered, np.repeat(masses / widths, widths))
    return best


def spin_rates(doc: Document, occurrence: LogisticModel | None = None) -> tuple[float, float]:
    """The document's estimated spin rate twice over its `word_masses`: their mean, which the
    verdict weighs, and the rate the rewrite decisions weigh: `shifted_rate` where the text is
    long enough for its words to tell together, the plain mean in short ones (a sentence with
    one odd word is no text a fifth spun)."""
    masses = word_masses(doc, occurrence)
    if not len(masses):
        return 0.0, 0.0
    mean = float(masses.mean())
    trust = len(masses) / (len(masses) + RATE_TRUST_WORDS)
    return mean, trust * shifted_rate(masses, RATE_PRIOR) + (1 - trust) * mean


# The share of spun words that the occurrence model's probabilities take for granted (they were
# fitted on a pool of spun and clean samples). Each document then re-weighs them for its own
# rate (`shifted_rate`). Chosen on fitting-family simulations of fitting-split news (48
# articles, spun and clean): the mean absolute error of the estimated rate at a prior of
# 0.03 / 0.05 / 0.08 / 0.1 / 0.15 was 0.133 / 0.051 / 0.038 / 0.066 / 0.125, against 0.090
# for the plain mean of the masses (clean articles: 0.047 / 0.009 / 0.002 / 0.002 / 0.001
# against 0.033).
# The decision model keeps weights fitted with the plain mean: refitted (calibrate.py) with the
# shifted rate in place of it, news WER reduction measured 31.4 -> 30.7% (with the mix by
# length, 31.7 -> 31.0%, and more false edits), so it was not.
RATE_PRIOR = 0.08
RATE_ITERATIONS = 50
RATE_TOLERANCE = 1e-6  # ... or until the rate moves less than this
RATE_TRUST_WORDS = 100  # words at which the shifted rate and the plain mean weigh the same


# The spin rate of a text judged spun, as its context fit alone tells it (`Decoder.lift_rate`):
# a linear model of the share of words replaced on the mean context fit (DOCUMENT_FEATURES),
# fitted by scripts/fit_context_rate.py on fitting-family spins of fitting text, and capped.
CONTEXT_RATE_FEATURES = ("context_fit",)
CONTEXT_RATE_CEILING = 0.6
# Words at which that rate and the spun masses' weigh the same (times the verdict). Fitting-side
# samples (fitting families, half spintax; not those of the fit): WER reduction on Wikipedia
# paragraphs of 60-150 words / fitting news at 100 words 47.5 / 53.1%, at 30 48.0 / 53.2%, at
# 1 48.0 / 53.2%; false edits on the same samples clean the same at all three.
CONTEXT_RATE_TRUST_WORDS = 30


def shifted_rate(masses: np.ndarray, prior: float, iterations: int = RATE_ITERATIONS) -> float:
    """The document's spin rate r by EM over its words' spun probabilities `masses`, each
    fitted at rate `prior` and re-weighed for r (Saerens et al. 2002, prior shift): a text
    where many words look spun is spun more than each word alone says, a text where few do
    less. The mean of the masses instead sits between the two."""
    if not len(masses):
        return 0.0
    prior_odds = prior / (1 - prior)
    rate = float(masses.mean())
    for _ in range(iterations):
        clipped = min(max(rate, 1e-4), 0.95)
        shift = clipped / (1 - clipped) / prior_odds
        rate, before = float((masses * shift / (1 - masses + masses * shift)).mean()), rate
        if abs(rate - before) < RATE_TOLERANCE:
            break
    return rate


NO_RUNNER_UP_MARGIN = 5.0  # a single candidate wins by this much
ALTERNATIVE_MARGIN = 2.0  # runners-up within this many log-odds are shown as alternatives


def learned_log_odds(
    log_odds: np.ndarray, columns: dict[str, np.ndarray], occurrence: LogisticModel
) -> np.ndarray:
    """Occurrence log-odds without the fixed priors (FIXED_WEIGHTS), row by row, at the
    weights the occurrence model holds them (a weights file may set them otherwise).

    The decision model adds those priors once, at their fixed weight; fed through its fitted
    weights they would be rescaled by whatever the simulation taught it, or even reversed.
    """
    prior = sum(occurrence.weight(name) * columns[name] for name in FIXED_WEIGHTS)
    return log_odds - prior


def decision_columns(doc: Document, occurrence: LogisticModel) -> dict[str, np.ndarray]:
    """DECISION_FEATURES of every slot's best-ranked original (rows follow doc.slots), the
    slots ranked by `occurrence`."""
    if not doc.slots:
        return {name: np.zeros(0) for name in DECISION_FEATURES}
    rate_logit = logit(min(max(doc.rewrite_rate, 0.005), 0.95))
    columns, starts = stacked(doc.slots, OCCURRENCE_FEATURES)
    ranked = np.concatenate([slot.log_odds for slot in doc.slots])
    learned = learned_log_odds(ranked, columns, occurrence)
    firsts = np.array(starts[:-1])
    tops = segment_argmax(ranked, firsts)
    masses = np.clip(np.add.reduceat(sigmoid(learned), firsts), 0.001, 0.999)
    spun_logits = np.log(masses / (1 - masses))
    others = learned.copy()
    others[tops] = -np.inf
    sizes = np.diff(starts)
    runner_up = np.maximum.reduceat(others, firsts)
    margins = np.where(sizes > 1, learned[tops] - runner_up, NO_RUNNER_UP_MARGIN)
    return {
        "margin": margins.astype(float),
        "spun_logit": np.array(spun_logits, dtype=float),
        "rate_logit": np.full(len(tops), rate_logit),
        **{name: columns[name][tops].astype(float) for name in OCCURRENCE_FEATURES},
    }


def apply_decision_model(doc: Document, models: Models) -> None:
    """Each slot's `accept`: decision log-odds of its best-ranked original (ranked already)."""
    if not doc.slots:
        return
    accept = models.decision.log_odds(decision_columns(doc, models.occurrence))
    for slot, value in zip(doc.slots, np.atleast_1d(accept), strict=True):
        slot.accept = float(value)


def choose(doc: Document, threshold: float) -> list[Decision]:
    """Per sentence, the non-overlapping rewrites with the largest total log-odds over threshold.

    Weighted interval scheduling: exact for a sum of per-slot scores, unlike left-to-right
    greedy, which lets an early weak rewrite block a better overlapping one.
    """
    by_sentence: dict[int, list[Slot]] = defaultdict(list)
    gains: dict[int, float] = {}  # id(slot) -> log-odds over its bar
    for slot in doc.slots:
        gain = slot.accept - threshold if slot.profile_odds is None else slot.profile_odds
        if gain > 0:
            by_sentence[slot.sentence].append(slot)
            gains[id(slot)] = gain
    decisions: list[Decision] = []
    for sentence in sorted(by_sentence):
        slots = sorted(by_sentence[sentence], key=lambda s: s.end)
        n = len(slots)
        best = [0.0] * (n + 1)
        take = [False] * n
        previous = [0] * n
        ends = [s.end for s in slots]
        for i, slot in enumerate(slots):
            # last slot ending at or before this one starts
            j = i
            while j > 0 and ends[j - 1] > slot.start:
                j -= 1
            previous[i] = j
            gain = gains[id(slot)]
            if best[j] + gain > best[i]:
                best[i + 1], take[i] = best[j] + gain, True
            else:
                best[i + 1] = best[i]
        i = n - 1
        picked: list[Decision] = []
        while i >= 0:
            if take[i]:
                slot = slots[i]
                order = np.argsort(-slot.log_odds)
                # Runners-up whose own odds are within reach of the winner's.
                alternatives = tuple(
                    slot.originals[k]
                    for k in order[1:4]
                    if slot.log_odds[k] > slot.log_odds[order[0]] - ALTERNATIVE_MARGIN
                )
                odds = slot.accept if slot.profile_odds is None else slot.profile_odds
                picked.append(Decision(slot, int(order[0]), odds, alternatives))
                i = previous[i] - 1
            else:
                i -= 1
        decisions.extend(reversed(picked))
    return decisions


def confidence_columns(doc: Document) -> dict[str, np.ndarray]:
    """CONFIDENCE_FEATURES of each of the document's decisions (rows follow doc.decisions)."""
    odds = np.clip([d.log_odds for d in doc.decisions], *CONFIDENCE_CLIP).astype(float)
    profile = np.array([d.source == "profile" for d in doc.decisions], dtype=float)
    score = min(max(doc.spin_score, 1e-4), 1 - 1e-4)
    n = len(doc.decisions)
    return {
        "decision_log_odds": odds,
        "profile_pair": profile,
        "profile_log_odds": odds * profile,
        "verdict_logit": np.full(n, logit(score)),
        "log_words": np.full(n, math.log(max(doc.word_count, 1))),
    }


def with_confidence(doc: Document, model: LogisticModel) -> list[Decision]:
    """The document's decisions with their reported confidence.

    A rewrite that a complete profile's noisy channel decided keeps that channel's posterior
    (`profile_channel` is a probability model of its own); the others are mapped by `model`.
    """
    if not doc.decisions:
        return []
    mapped = np.atleast_1d(sigmoid(model.log_odds(confidence_columns(doc))))
    return [
        replace(
            decision,
            confidence=float(
                sigmoid(decision.log_odds) if decision.slot.profile_odds is not None else p
            ),
        )
        for decision, p in zip(doc.decisions, mapped, strict=True)
    ]


def mean_gain(slot: Slot, rows: np.ndarray | int) -> np.ndarray:
    """Context gain of the slot's originals at `rows`, averaged over both language models: the
    fit the noisy channel weighs for a profile's pairs and for a learned pair's decipherment."""
    return (slot.columns["lm_gain"][rows] + slot.columns["general_gain"][rows]) / 2


def profile_channel(doc: Document, replace_rate: float) -> None:
    """`Slot.profile_odds` of every slot whose best-ranked original is a pair of the document's
    complete profile: the noisy channel, not the decision model.

    With the spinner's whole dictionary in hand, whether an occurrence of a spun form was spun
    is P(context | original) P(spun | original) against P(context | spun form) P(spun form kept):
    the language models' gain (both, averaged) plus log(spin score x replace rate), less the
    log of the chance the word itself would have been left alone (1 - that, when the spinner
    replaces the word too; 1 when it never touches it). The decision model was fitted to guess
    with no dictionary: it sees a document full of profile pairs as heavily spun and lets
    every genuine "under" or "yesterday" go. Farm simulation (benchmarks/profiles.py), the
    generating dictionary imported and complete: WER reduction 79.1% -> 86.8%; false edits on
    clean held-out news with that dictionary loaded 10.1 -> 2.4 per 1,000 words (both steps).
    """
    profile = doc.profile
    if profile is None or not profile.complete:
        return
    applied = min(max(doc.spin_score, 1e-6), 1.0) * replace_rate
    for slot in doc.slots:
        slot.profile_odds = None
        if slot.log_odds is None or not len(slot.log_odds):
            continue
        top = int(np.argmax(slot.log_odds))
        if slot.sources[top] != "profile":
            continue
        fit = mean_gain(slot, top)
        kept = 1 - applied if profile.replaces(slot.spun) else 1.0
        slot.profile_odds = float(fit + math.log(applied) - math.log(kept))


SPUN_VERDICT = 0.5  # a text whose spin score is above this is judged spun


def judged_spun(spin_score: float | None) -> bool:
    """Whether a verdict (None: no verdict, a text too short to judge) says spun."""
    return spin_score is not None and spin_score > SPUN_VERDICT


def rewrite_threshold(strict: float, floor: float, spin_score: float | None) -> float:
    """The decision log-odds a rewrite needs in a text with this spin score (None: no verdict).

    A text that reads as clean keeps the calibrated (strict) bar. In one judged spun most
    candidates that fit better are right, so the bar falls by the verdict's own log-odds, down
    to `floor` (Config.spun_threshold, even odds): a text barely judged spun is not edited as
    freely as one surely spun. (A fixed switch to even odds at a score of 0.5 made a long clean
    article that scored 0.59-0.65 the source of most false edits on clean news.)
    """
    if not judged_spun(spin_score):
        return strict
    return max(min(floor, strict), strict - logit(spin_score))


def shortens_a_phrase(decision: Decision) -> bool:
    """A thesaurus rewrite of a phrase into fewer words ("in an effort to" -> "to")."""
    slot = decision.slot
    return (
        decision.source == "thesaurus"
        and slot.end - slot.start > 1
        and len(decision.original.split()) < slot.end - slot.start
    )


def near_rewrites(doc: Document, lm: ContextModel) -> list[Slot]:
    """Slots whose neighbours (order - 1 words each side) include a chosen rewrite."""
    width = lm.order - 1
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for decision in doc.decisions:
        spans[decision.slot.sentence].append((decision.slot.start, decision.slot.end))
    return [
        slot
        for slot in doc.slots
        if any(
            start < slot.end + width and slot.start - width < end
            for start, end in spans.get(slot.sentence, ())
        )
    ]


def restored_words(decisions: Sequence[Decision]) -> dict[int, dict[int, tuple[int, list[str]]]]:
    chosen: dict[int, dict[int, tuple[int, list[str]]]] = defaultdict(dict)
    for decision in decisions:
        slot = decision.slot
        chosen[slot.sentence][slot.start] = (slot.end, decision.original.split())
    return chosen


@dataclass(frozen=True)
class Decoder:
    """The score and decide stages over one set of resources and fitted models."""

    lm: ContextModel
    lexicon: Lexicon
    bigrams: Mapping[str, float]
    models: Models
    general: ContextModel  # a second opinion on context fit, from general English (news)
    vectors: ContextVectors | None = None  # a third, from the words around as a bag

    def score(self, doc: Document, chosen=None, progress=None, slots=None) -> None:
        score_slots(doc, self, chosen, progress, slots)

    def prepare(self, doc: Document, progress=None, slots: Sequence[Slot] | None = None) -> None:
        """score -> pool -> estimate the spin rate -> decision log-odds of every candidate.

        `slots`: score only these, and pool and rank only the occurrences of their spun forms;
        the others keep what they have (the same text prepared before, see
        `Analyzer.prepared`). The spin rate and the decisions are the whole document's.
        """
        self.score(doc, progress=progress, slots=slots)
        forms = None if slots is None else {slot.spun for slot in slots}
        pool(doc, self.lexicon, forms)
        ranked = doc.slots if forms is None else [s for s in doc.slots if s.spun in forms]
        rank(ranked, self.models.occurrence)
        doc.spin_rate, doc.rewrite_rate = spin_rates(doc, self.models.occurrence)
        apply_decision_model(doc, self.models)

    def settle(
        self,
        doc: Document,
        threshold: float,
        passes: int = 1,
        profile_replace_rate: float | None = None,
    ) -> None:
        """Choose rewrites; then score again with the restored neighbours and choose again.

        `profile_replace_rate` (given once the spin score is known): a complete profile's
        pairs are decided by the noisy channel (`profile_channel`) at that rate.
        """
        if profile_replace_rate is not None:
            profile_channel(doc, profile_replace_rate)
        doc.decisions = choose(doc, threshold)
        for _ in range(passes):
            if not doc.decisions:
                break
            # Only slots with a rewrite within the model's context on either side change; their
            # new context gains change the pooled evidence of every slot of the same spun form.
            rescored = near_rewrites(doc, self.lm)
            self.score(doc, restored_words(doc.decisions), slots=rescored)
            forms = {slot.spun for slot in rescored}
            pool(doc, self.lexicon, forms)
            rank([slot for slot in doc.slots if slot.spun in forms], self.models.occurrence)
            apply_decision_model(doc, self.models)
            if profile_replace_rate is not None:
                profile_channel(doc, profile_replace_rate)
            doc.decisions = choose(doc, threshold)
        doc.decisions = with_confidence(doc, self.models.confidence)

    def lift_rate(self, doc: Document) -> None:
        """Raise the rate the rewrite decisions weigh in a text judged spun to what its context
        fit says, where that is more, and decide every slot again.

        The rate from the slots' spun masses (`spin_rates`) counts only the rewrites the
        candidates and models recognise: on a spinner none was fitted on it falls far short
        (held-out news family: 0.12 for a true 0.25; SpinBot: 0.09 for 0.40), and every
        rewrite then looks less likely than it is. How oddly the words sit in their context
        (`context_fit`) falls with the share replaced whichever spinner replaced them (0.23
        for that news). `Analyzer.settle` calls it only in a text judged spun (in one judged
        clean the bar stays strict and a low fit is more often hard prose than spinning) and
        given no dictionary.
        """
        model = self.models.context_rate
        if model is None or "context_fit" not in doc.evidence:
            return
        said = min(
            float(model.predict({"context_fit": doc.evidence["context_fit"]})), CONTEXT_RATE_CEILING
        )
        # The known phrases the fingerprint layer restored are among the words replaced that
        # the context fit counts; the spun masses, like the decisions, count only the rest.
        explained = sum(1 for words in doc.sentences for i in words if i in doc.frozen)
        said = max(said - explained / max(doc.word_count, 1), 0.0)
        trust = doc.word_count / (doc.word_count + CONTEXT_RATE_TRUST_WORDS)
        # The text is spun as surely as its verdict says: the rest of the time the rate from
        # the spun masses stands.
        trust *= min(max(doc.spin_score, 0.0), 1.0)
        lifted = trust * said + (1 - trust) * doc.rewrite_rate
        if lifted > doc.rewrite_rate:
            doc.rewrite_rate = lifted
            apply_decision_model(doc, self.models)

    def evidence(self, doc: Document) -> dict[str, float]:
        """DOCUMENT_FEATURES of an analysed document."""
        words = [w for s in range(len(doc.sentences)) for w in doc.words(s)]
        count = max(len(words), 1)
        fit, counted = context_fit(self.lm, words)
        known = [w for w in words if self.lm.known(w)]
        confident: set[tuple[int, int]] = set()
        for slot in doc.slots:
            if slot.accept > 0:
                confident.update((slot.sentence, p) for p in range(slot.start, slot.end))
        lexicon = self.lexicon
        return {
            "rate": doc.spin_rate,
            "confident_rate": len(confident) / count,
            "context_fit": fit / max(counted, 1),
            "rare_rate": sum(1 for w in known if lexicon.zipf(w) < 3.5) / max(len(known), 1),
            "coherence": coherence(words, lexicon),
            "fingerprint_rate": len(doc.hits) / count,
        }


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
    content = [row for w in words if (row := rows.get(w)) is not None and lexicon.zipf(w) <= 5.5]
    vectors = lexicon.embeddings.matrix[content]
    if not content:
        return vectors, vectors
    totals = np.vstack([np.zeros(vectors.shape[1]), np.cumsum(vectors, axis=0)])
    index = np.arange(len(content))
    low = np.maximum(index - window, 0)
    high = np.minimum(index + window + 1, len(content))
    return vectors, totals[high] - totals[low] - vectors
