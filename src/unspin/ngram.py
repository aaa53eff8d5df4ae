"""The project's own n-gram language model: which word fits here, with context on both sides.

A modified Kneser-Ney model counted from English Wikipedia by scripts/build_lm.py
(see src/unspin/data/lm/LICENSE for the licence and credit). The arrays are memory-mapped, so
loading takes a fraction of a second (mostly the word list) and only the pages a query touches
are read; queries are batched (`logp_many`, `windows`, `windows_many`) because the decoder asks
for thousands of n-grams per document.

Storage, per order n >= 2: the sorted uint64 keys `index of the first n-1 words among the
(n-1)-grams * V + id of the last word` (exact: no hashing, no collisions) kept as SplitKeys,
and 8-bit quantised log-probabilities and (below the top order) backoff weights; order 1 is
float32, dense by word id. Words outside the vocabulary take the probability of <unk> shared
out over the distinct words <unk> stood for in training.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from unspin.wordtable import Vocabulary

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
NO_WORD = -2  # fills the matrix of id sequences past each end
FENCE_STEP = 64  # keys per block of SplitKeys.fence
BUNDLED_PATH = Path(__file__).resolve().parent / "data" / "lm"
VOCABULARY_FORMAT = 1  # the cached Vocabulary of a model's vocab.txt
KNOWN_IDS = 50_000  # word ids an NgramModel keeps between batches (see WordIds)


class SplitKeys:
    """Sorted uint64 keys stored as their low 16 or 32 bits plus where each high part starts.

    Keys are below (n-gram count) * V, so their high parts take few values: storing only the
    low bits (16 where the bucket table stays small, as for bigrams, else 32) halves or quarters
    the key storage with no loss. Lookups bisect inside one bucket, all queries in step.
    """

    def __init__(self, low: np.ndarray, starts: np.ndarray) -> None:
        self.low = low
        self.starts = starts
        self.bits = np.uint64(low.dtype.itemsize * 8)
        self.mask = np.uint64((1 << (low.dtype.itemsize * 8)) - 1)

    @classmethod
    def split(cls, keys: np.ndarray) -> SplitKeys:
        """The smaller of the 16-bit and the 32-bit layout."""
        best = None
        for bits, dtype in ((16, np.uint16), (32, np.uint32)):
            high = (keys >> np.uint64(bits)).astype(np.int64)
            buckets = int(high[-1]) + 1 if len(keys) else 0
            size = len(keys) * bits // 8 + (buckets + 1) * 4
            if best is None or size < best[0]:
                starts = np.searchsorted(high, np.arange(buckets + 1))
                starts = starts.astype(np.uint32 if len(keys) < 2**32 else np.int64)
                low = (keys & np.uint64((1 << bits) - 1)).astype(dtype)
                best = (size, cls(low, starts))
        return best[1]

    def __len__(self) -> int:
        return len(self.low)

    @cached_property
    def fence(self) -> np.ndarray:
        """Every FENCE_STEP-th key in full, so a search bisects FENCE_STEP keys, not a bucket.

        A frequent context's bucket holds thousands of keys; the bisection runs in step for
        all queries, as many rounds as the largest bucket needs.
        """
        at = np.arange(0, len(self.low), FENCE_STEP)
        bucket = np.searchsorted(self.starts, at, side="right") - 1
        return (bucket.astype(np.uint64) << self.bits) | self.low[at].astype(np.uint64)

    def search(self, key: np.ndarray) -> np.ndarray:
        """Index of each key, -1 where absent."""
        high = (key >> self.bits).astype(np.int64)
        low = (key & self.mask).astype(self.low.dtype)
        inside = high < len(self.starts) - 1
        bucket = np.where(inside, high, 0)
        # the key, if stored, lies in its bucket and in the block of keys its fence entry opens
        block = (np.searchsorted(self.fence, key, side="right") - 1) * FENCE_STEP
        lo = np.maximum(np.asarray(self.starts[bucket], dtype=np.int64), block)
        end = np.minimum(np.asarray(self.starts[bucket + 1], dtype=np.int64), block + FENCE_STEP)
        end = np.where(inside, np.maximum(end, lo), lo)
        size = end - lo
        last = max(len(self.low) - 1, 0)
        while size.any():  # lower bound
            half = size // 2
            middle = lo + half
            right = (size > 0) & (np.asarray(self.low[np.minimum(middle, last)]) < low)
            lo = np.where(right, middle + 1, lo)
            size = np.where(right, size - half - 1, half)
        found = (lo < end) & (np.asarray(self.low[np.minimum(lo, last)]) == low)
        return np.where(found, lo, -1)


class Quantised:
    """uint8 codes into a 256-entry table: log-probabilities in one byte each."""

    def __init__(self, codes: np.ndarray, table: np.ndarray) -> None:
        self.codes = codes
        self.table = np.asarray(table, dtype=np.float64)

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        return self.table[np.asarray(self.codes[index])]

    def __len__(self) -> int:
        return len(self.codes)


def _find(keys, context: np.ndarray, words: np.ndarray, vocab_size: int) -> np.ndarray:
    """Index of each (context, word) n-gram among sorted keys, -1 where absent.

    Only rows with a known context are searched: at the higher orders most contexts are
    already unknown, and the search is most of a query's cost.
    """
    found = np.full(len(context), -1, dtype=np.int64)
    valid = np.flatnonzero((context >= 0) & (words >= 0))
    if len(keys) == 0 or len(valid) == 0:
        return found
    key = context[valid].astype(np.uint64) * np.uint64(vocab_size)
    key += words[valid].astype(np.uint64)
    # The candidates of a slot share their left context: each distinct n-gram is searched once.
    key, repeats = np.unique(key, return_inverse=True)
    if isinstance(keys, SplitKeys):
        found[valid] = keys.search(key)[repeats]
        return found
    position = np.searchsorted(keys, key)
    clipped = np.minimum(position, len(keys) - 1)
    found[valid] = np.where((position < len(keys)) & (keys[clipped] == key), clipped, -1)[repeats]
    return found


def lookup_logp(
    keys: Sequence[np.ndarray | None],
    logp: Sequence[np.ndarray],
    backoff: Sequence[np.ndarray],
    histories: np.ndarray,
    words: np.ndarray,
) -> np.ndarray:
    """Backoff log P(word | history) for rows of word ids (history -1-padded on the left).

    P_k(w | h_k) is the stored value if (h_k, w) is stored, else b(h_k) P_{k-1}(w | h_{k-1}),
    with b = 1 for a history that is not stored; evaluated from the unigram upwards.
    """
    order = len(logp)
    vocab_size = len(logp[0])
    words = np.asarray(words, dtype=np.int64)
    histories = np.asarray(histories, dtype=np.int64).reshape(len(words), -1)
    depth = order - 1
    if histories.shape[1] < depth:
        pad = np.full((len(words), depth - histories.shape[1]), -1, dtype=np.int64)
        histories = np.hstack([pad, histories])
    elif depth:
        histories = histories[:, histories.shape[1] - depth :]
    total = np.asarray(logp[0][np.maximum(words, 0)], dtype=np.float64)
    for k in range(1, depth + 1):
        context = histories[:, depth - k].copy()  # the last k history words, as a k-gram index
        for j in range(1, k):
            context = _find(keys[j], context, histories[:, depth - k + j], vocab_size)
        found = _find(keys[k], context, words, vocab_size)
        hit = found >= 0
        stored = np.asarray(logp[k][np.maximum(found, 0)], dtype=np.float64)
        weight = np.where(
            context >= 0, np.asarray(backoff[k - 1][np.maximum(context, 0)], dtype=np.float64), 0.0
        )
        total = np.where(hit, stored, total + weight)
    return total


class WordIds:
    """Word ids for one batch of queries, each distinct string looked up once.

    `known`, the answers so far, may be shared between batches (emptied past KNOWN_IDS
    entries): a trie lookup costs a few dict lookups, and the batches of a document ask for
    the same words.
    """

    def __init__(self, vocabulary: Mapping[str, int], known: dict[str, int] | None = None) -> None:
        self.vocabulary = vocabulary
        if known is None:
            known = {}
        elif len(known) > KNOWN_IDS:
            known.clear()
        self.known = known

    def __call__(self, words: Sequence[str]) -> list[int]:
        known, row = self.known, []
        for word in words:
            found = known.get(word)
            if found is None:
                found = known[word] = self.vocabulary.get(word, UNK_ID)
            row.append(found)
        return row


@dataclass
class NgramModel:
    """Natural-log n-gram probabilities over lower-cased words (see the module docstring)."""

    order: int
    words: Sequence[str]
    keys: list  # per order: sorted uint64 keys or SplitKeys; index 0 unused (unigrams are dense)
    logps: list  # per order: float arrays or Quantised
    backoffs: list
    unknown_spread: float  # log(1 / distinct words behind <unk>)
    meta: dict = field(default_factory=dict)
    path: Path = BUNDLED_PATH
    vocabulary: Mapping[str, int] = field(default_factory=dict, repr=False)  # word -> id
    _known_ids: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _phrase_ids: dict[str, tuple[int, ...]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.vocabulary:
            self.vocabulary = dict(zip(self.words, range(len(self.words)), strict=True))

    @classmethod
    def load(cls, path: Path | None = None) -> NgramModel:
        """Memory-map a folder written by ngram_build.save (by default the bundled model)."""
        directory = Path(path) if path is not None else BUNDLED_PATH
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        order = int(meta["order"])
        vocabulary = _vocabulary(directory / "vocab.txt", int(meta["vocab_size"]))

        def array(name: str) -> np.ndarray:
            # a plain array over the mapped file: lazy pages, no memmap per-index overhead
            return np.asarray(np.load(directory / name, mmap_mode="r"))

        def values(name: str):
            if (directory / f"{name}_table.npy").exists():
                return Quantised(array(f"{name}.npy"), np.load(directory / f"{name}_table.npy"))
            return array(f"{name}.npy")

        keys: list = [None]
        for n in range(2, order + 1):
            if (directory / f"low{n}.npy").exists():
                keys.append(SplitKeys(array(f"low{n}.npy"), np.load(directory / f"starts{n}.npy")))
            else:
                keys.append(array(f"keys{n}.npy"))
        logps = [values(f"logp{n}") for n in range(1, order + 1)]
        backoffs = [values(f"backoff{n}") for n in range(1, order)]
        unknown_types = max(int(meta.get("unknown_types", 1)), 1)
        spread = -float(np.log(unknown_types))
        return cls(
            order, vocabulary.words, keys, logps, backoffs, spread, meta, directory, vocabulary
        )

    # ------------------------------------------------------------------ single queries

    def known(self, word: str) -> bool:
        return word in self.vocabulary

    def unigram(self, word: str) -> float:
        """Natural-log unigram probability (an unknown word gets its share of <unk>)."""
        return float(self.logp_many([word], [()])[0])

    def logp(self, word: str, history: Sequence[str]) -> float:
        """Natural-log P(word | history); history is most-recent-last, any length."""
        return float(self.logp_many([word], [history])[0])

    def seen_pair(self, first: str, second: str) -> bool:
        """Whether the two words follow each other in the training text, as far as the model
        kept its bigrams (the bundled one keeps every bigram it saw: --min-counts 1,1,...)."""
        first_id, second_id = self.vocabulary.get(first, -1), self.vocabulary.get(second, -1)
        if self.order < 2 or first_id < 0 or second_id < 0:
            return False
        found = _find(self.keys[1], np.array([first_id]), np.array([second_id]), len(self.words))
        return bool(found[0] >= 0)

    # ------------------------------------------------------------------ batched queries

    def _reset_at_marks(self, rows: np.ndarray) -> np.ndarray:
        """A sentence mark inside a history starts it afresh: the mark becomes <s>, and the
        words before it are dropped (-1), as the model was counted sentence by sentence."""
        if rows.size == 0:
            return rows
        columns = np.arange(rows.shape[1])
        last_mark = np.where((rows == BOS_ID) | (rows == EOS_ID), columns, -1).max(axis=1)
        rows = np.where(columns < last_mark[:, None], -1, rows)
        marked = np.flatnonzero(last_mark >= 0)
        rows[marked, last_mark[marked]] = BOS_ID
        return rows

    def logp_many(self, words: Sequence[str], histories: Sequence[Sequence[str]]) -> np.ndarray:
        """log P(words[i] | histories[i]) for every i at once."""
        if len(words) != len(histories):
            raise ValueError("words and histories must have the same length")
        if not words:
            return np.zeros(0)
        depth = self.order - 1
        ids_of = WordIds(self.vocabulary, self._known_ids)
        if depth and any(histories):
            tails = [ids_of(history[-depth:]) if history else [] for history in histories]
            padded = [[-1] * (depth - len(tail)) + tail for tail in tails]
            rows = np.array(padded, dtype=np.int64).reshape(len(words), depth)
        else:  # unigrams (the decoder asks for thousands at once): no history to look up
            rows = np.full((len(words), depth), -1, dtype=np.int64)
        ids = np.array(ids_of(words), dtype=np.int64)
        return self._score_ids(ids, self._reset_at_marks(rows))

    def _score_ids(self, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Scores of (history row, word id) queries (too few repeat to be worth finding)."""
        scores = lookup_logp(self.keys, self.logps, self.backoffs, rows, ids)
        scores[ids == UNK_ID] += self.unknown_spread
        scores[ids == BOS_ID] = 0.0  # <s> is given, never predicted
        return scores

    def window(self, left: Sequence[str], middle: Sequence[str], right: Sequence[str]) -> float:
        """log P(middle + right | left): how well `middle` fits with the words on both sides."""
        return float(self.windows(left, [middle], right)[0])

    def windows(
        self, left: Sequence[str], middles: Sequence[Sequence[str]], right: Sequence[str]
    ) -> np.ndarray:
        """`window` for many candidate middles of one slot, in one batched lookup.

        Scoring stops after a </s>: nothing past the end of the sentence depends on the middle.
        Only the last order-1 words of `left` matter, and only the first order-1 of `right`
        can depend on the middle, so longer right contexts are cut there.
        """
        return self.windows_many([(left, middles, right)])[0]

    def windows_many(
        self, slots: Sequence[tuple[Sequence[str], Sequence[Sequence[str]], Sequence[str]]]
    ) -> list[np.ndarray]:
        """`windows` for many slots (left, middles, right) of a document in one lookup.

        The per-call cost is mostly numpy overhead, so a whole document at once is far cheaper
        than one call per slot.
        """
        return self.windows_and_fits(slots)[0]

    def neighbour_fits(
        self, slots: Sequence[tuple[str | None, Sequence[str], str | None]]
    ) -> list[np.ndarray]:
        """Per slot (word before or None, original phrases, word after or None): log P(phrase
        + word after | word before) of every phrase, as `windows` with one word each side.

        Built for a first look at a whole candidate pool (unspin.candidates.cut_by_context):
        the id sequences are laid out in one matrix without a Python loop per word, and each
        phrase's ids are kept between calls.
        """
        depth = self.order - 1
        ids_of = WordIds(self.vocabulary, self._known_ids)
        phrase_ids = self._phrase_ids
        if len(phrase_ids) > KNOWN_IDS:
            phrase_ids.clear()
        counts: list[int] = []
        sides: list[str] = []  # word before, word after, per slot ("" where there is none)
        rows: list[tuple[int, ...]] = []
        for left, phrases, right in slots:
            counts.append(len(phrases))
            sides += (left or "", right or "")
            for phrase in phrases:
                ids = phrase_ids.get(phrase)
                if ids is None:
                    ids = phrase_ids[phrase] = tuple(ids_of(phrase.split()))
                rows.append(ids)
        n = len(rows)
        if not n:
            return [np.zeros(0) for _ in slots]
        slot_of = np.repeat(np.arange(len(counts)), counts)
        side = np.array(ids_of(sides), dtype=np.int64)
        side[np.array([not word for word in sides])] = -1
        side = side.reshape(-1, 2)[slot_of]
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=n)
        # each row: depth - 1 empty places, the word before, the phrase, the word after
        seq = np.full((n, depth + int(lengths.max()) + 1), NO_WORD, dtype=np.int64)
        seq[:, : depth - 1] = -1
        seq[:, depth - 1] = side[:, 0]
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
        row_of = np.repeat(np.arange(n), lengths)
        starts = np.cumsum(lengths) - lengths
        seq[row_of, depth + np.arange(len(flat)) - starts[row_of]] = flat
        seq[np.arange(n), depth + lengths] = np.where(side[:, 1] < 0, NO_WORD, side[:, 1])
        totals = np.zeros(n)
        for column in range(depth, seq.shape[1]):
            wanted = np.flatnonzero(seq[:, column] != NO_WORD)
            if len(wanted):
                history = self._reset_at_marks(seq[wanted, column - depth : column])
                totals[wanted] += self._score_ids(seq[wanted, column], history)
        bounds = np.cumsum([0, *counts])
        return [totals[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]

    def windows_and_fits(
        self, slots: Sequence[tuple[Sequence[str], Sequence[Sequence[str]], Sequence[str]]]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per slot: `windows` of every middle, and log P(first word of the middle | left).

        The second comes free with the first (it is the window's first term), which spares
        the decoder a second batch of the same lookups.
        """
        depth = self.order - 1
        ids_of = WordIds(self.vocabulary, self._known_ids)
        middle_ids: dict[tuple[str, ...], list[int]] = {}
        flat: list[int] = []  # every sequence (left + middle + right ids), end to end
        lengths: list[int] = []
        for left, middles, right in slots:
            left_ids = ids_of(left[-depth:]) if depth else []
            left_ids = [-1] * (depth - len(left_ids)) + left_ids
            right_ids = ids_of(right[:depth])
            for middle in middles:
                key = tuple(middle)
                ids = middle_ids.get(key)
                if ids is None:
                    ids = middle_ids[key] = ids_of(key)
                flat += left_ids
                flat += ids
                flat += right_ids
                lengths.append(depth + len(ids) + len(right_ids))
        if not lengths:
            return [np.zeros(0) for _ in slots], [np.zeros(0) for _ in slots]
        # Kept flat rather than padded into a matrix: built without a Python loop per sequence.
        ids = np.array(flat, dtype=np.int64)
        sizes = np.array(lengths, dtype=np.int64)
        starts = np.cumsum(sizes) - sizes
        row = np.repeat(np.arange(len(sizes)), sizes)
        offset = np.arange(len(ids)) - starts[row]
        scored = offset >= depth
        # nothing after a </s> depends on the middle: stop scoring there
        ends = scored & (ids == EOS_ID)
        ends_before = np.cumsum(ends) - ends
        wanted = np.flatnonzero(scored & (ends_before == ends_before[starts][row]))
        rows_at = row[wanted]
        histories = ids[wanted[:, None] + np.arange(-depth, 0)]
        scores = self._score_ids(ids[wanted], self._reset_at_marks(histories))
        totals = np.bincount(rows_at, weights=scores, minlength=len(sizes))
        firsts = np.zeros(len(sizes))
        first_column = offset[wanted] == depth
        firsts[rows_at[first_column]] = scores[first_column]
        bounds = np.cumsum([0, *(len(middles) for _, middles, _ in slots)])
        return (
            [totals[a:b] for a, b in zip(bounds, bounds[1:], strict=False)],
            [firsts[a:b] for a, b in zip(bounds, bounds[1:], strict=False)],
        )


def _vocabulary(path: Path, size: int) -> Vocabulary:
    """The model's words and ids as a Vocabulary, kept in the cache folder (unspin.cache):
    200,000 words as a list and a dict held 19 MB (issue 9), and building the trie on every
    start would take a tenth of a second."""
    from unspin.cache import cached, sources_key

    def build() -> Vocabulary:
        return Vocabulary.of(path.read_text(encoding="utf-8").split("\n")[:size])

    return cached(
        "lm-vocabulary",
        sources_key([path], VOCABULARY_FORMAT, size),
        build,
        lambda vocabulary, folder: vocabulary.write(folder, "words"),
        lambda folder: Vocabulary.read(folder, "words"),
    )


@lru_cache(maxsize=1)
def bundled() -> NgramModel:
    """The model shipped in the package, loaded once per process."""
    return NgramModel.load()
