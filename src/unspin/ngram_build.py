"""Build an interpolated modified Kneser-Ney n-gram model with numpy alone.

Counting is vectorised: every n-gram is named by an exact 64-bit key, (index of its first n-1
words among the (n-1)-grams) * vocabulary size + last word id, so there are no hash collisions
and the context of an n-gram is `key // V`. `np.unique` over the keys of all corpus positions
gives counts; its inverse gives each position's n-gram index, from which the next order's keys
follow. The estimate is Chen & Goodman's interpolated modified Kneser-Ney with three discounts
per order (as KenLM's lmplz computes it); pruning by count then renormalises the backoff weights.
scripts/build_lm.py drives this over the project's corpora; the tests build toy models with it.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
FORMAT_VERSION = 1


def encode(
    sentences: Iterable[list[str]], max_vocab: int = 200_000, min_count: int = 2
) -> tuple[list[str], np.ndarray, int]:
    """Word ids of the corpus as one stream `<s> w ... </s> <s> ...`, vocabulary by frequency.

    Words outside the `max_vocab` most frequent (or seen fewer than `min_count` times) become
    <unk>; returns (vocabulary, token ids, number of distinct words folded into <unk>).
    """
    provisional: dict[str, int] = {BOS: 0, EOS: 1}
    stream = array("i")
    for sentence in sentences:
        stream.append(0)
        for word in sentence:
            index = provisional.get(word)
            if index is None:
                index = provisional[word] = len(provisional)
            stream.append(index)
        stream.append(1)
    ids = np.frombuffer(stream, dtype=np.int32)
    counts = np.bincount(ids, minlength=len(provisional))
    words = list(provisional)
    order = sorted(range(2, len(words)), key=lambda i: (-counts[i], words[i]))
    kept = [i for i in order[:max_vocab] if counts[i] >= min_count]
    remap = np.full(len(words), UNK_ID, dtype=np.int32)
    remap[0], remap[1] = BOS_ID, EOS_ID
    remap[kept] = np.arange(3, 3 + len(kept), dtype=np.int32)
    vocabulary = [UNK, BOS, EOS, *(words[i] for i in kept)]
    return vocabulary, remap[ids], len(words) - 2 - len(kept)


@dataclass
class Counts:
    """Raw counts per order; index 0 holds unigrams (dense: index == word id)."""

    vocab_size: int
    keys: list[np.ndarray]  # uint64, sorted; order 1: arange(V)
    counts: list[np.ndarray]  # int32 raw counts
    suffix: list[np.ndarray]  # int32 index among (n-1)-grams of words 2..n; order 1: empty


def count(tokens: np.ndarray, order: int, vocab_size: int) -> Counts:
    """Count every n-gram up to `order` that stays inside one sentence."""
    tokens = np.ascontiguousarray(tokens, dtype=np.int32)
    sentence = np.cumsum(tokens == BOS_ID, dtype=np.int32)
    keys = [np.arange(vocab_size, dtype=np.uint64)]
    counts = [np.bincount(tokens, minlength=vocab_size).astype(np.int32)]
    # int32 everywhere but the keys: the corpus and every n-gram table stay below 2**31 entries
    suffix = [np.empty(0, dtype=np.int32)]
    position_index = tokens  # index of the (n-1)-gram starting at each position
    for n in range(2, order + 1):
        span = len(tokens) - (n - 1)
        starts = np.flatnonzero(sentence[:span] == sentence[n - 1 :])
        key = position_index[starts].astype(np.uint64) * np.uint64(vocab_size)
        key += tokens[starts + n - 1].astype(np.uint64)
        unique, inverse, raw = np.unique(key, return_inverse=True, return_counts=True)
        del key
        following = np.empty(len(unique), dtype=np.int32)
        following[inverse] = position_index[starts + 1]
        next_index = np.full(len(tokens), -1, dtype=np.int32)
        next_index[starts] = inverse
        del inverse, starts
        position_index = next_index
        keys.append(unique)
        counts.append(raw.astype(np.int32))
        del raw
        suffix.append(following)
    return Counts(vocab_size, keys, counts, suffix)


@dataclass
class Estimate:
    """Natural-log probabilities and backoff weights per order, aligned with Counts.keys."""

    vocab_size: int
    keys: list[np.ndarray]
    logp: list[np.ndarray]  # log P(w | context) of each stored n-gram
    backoff: list[np.ndarray]  # log backoff of each n-gram as a context (orders 1..N-1)
    counts: list[np.ndarray]
    discounts: list[tuple[float, float, float]]


def discounts(adjusted: np.ndarray) -> tuple[float, float, float]:
    """Modified Kneser-Ney D1, D2, D3+ from the counts of counts (Chen & Goodman 1998)."""
    n1, n2, n3, n4 = (int(np.count_nonzero(adjusted == k)) for k in (1, 2, 3, 4))
    if min(n1, n2, n3, n4) == 0:  # tiny corpora: fall back to a plain absolute discount
        y = n1 / max(n1 + 2 * n2, 1)
        return (max(min(y, 0.95), 0.05),) * 3
    y = n1 / (n1 + 2 * n2)
    return 1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3


def _discount_of(adjusted: np.ndarray, d: tuple[float, float, float]) -> np.ndarray:
    table = np.array([0.0, *d])
    return table[np.minimum(adjusted, 3)]


def estimate(counts: Counts) -> Estimate:
    """Interpolated modified Kneser-Ney over every counted n-gram (no pruning yet)."""
    order = len(counts.keys)
    v = counts.vocab_size
    starts_sentence = [np.arange(v) == BOS_ID]  # per order: does the n-gram begin with <s>?
    for n in range(1, order):
        context = (counts.keys[n] // np.uint64(v)).astype(np.int64)
        starts_sentence.append(starts_sentence[n - 1][context])
        del context
    adjusted = []
    for n in range(order):
        if n == order - 1:
            adjusted.append(counts.counts[n])
            continue
        continuation = np.bincount(counts.suffix[n + 1], minlength=len(counts.keys[n]))
        continuation = continuation.astype(np.int32)
        begins = starts_sentence[n]
        continuation[begins] = counts.counts[n][begins]
        adjusted.append(continuation)
    del starts_sentence
    adjusted[0][BOS_ID] = 0  # <s> is only ever a context
    logp: list[np.ndarray] = []
    backoff: list[np.ndarray] = []
    ds = []
    # unigrams interpolate with the uniform distribution over the words that can follow
    a = adjusted[0]
    d = discounts(a[a > 0])
    ds.append(d)
    total = a.sum()
    gamma0 = float((_discount_of(a, d) * (a > 0)).sum()) / total
    p = (a - _discount_of(a, d)) / total + gamma0 / (v - 1)
    p[BOS_ID] = 0.0
    probabilities = [p]
    for n in range(1, order):
        a = adjusted[n]
        d = discounts(a)
        ds.append(d)
        context = (counts.keys[n] // np.uint64(v)).astype(np.int64)
        size = len(counts.keys[n - 1])
        denominator = np.bincount(context, weights=a, minlength=size)
        mass = np.bincount(context, weights=_discount_of(a, d), minlength=size)
        gamma = np.divide(mass, denominator, out=np.zeros(size), where=denominator > 0)
        backoff.append(gamma)
        lower = probabilities[n - 1][counts.suffix[n]]
        probabilities.append(
            (a - _discount_of(a, d)) / denominator[context] + gamma[context] * lower
        )
    for p in probabilities:
        with np.errstate(divide="ignore"):
            logp.append(np.log(p).astype(np.float32))
    del probabilities
    logp[0][BOS_ID] = -99.0
    log_backoff = []
    for gamma in backoff:
        # contexts with no continuation (ending in </s>) never back off from anything
        log_backoff.append(np.where(gamma > 0, np.log(np.maximum(gamma, 1e-300)), 0.0))
    return Estimate(v, list(counts.keys), logp, log_backoff, list(counts.counts), ds)


def prune(model: Estimate, min_counts: Sequence[int]) -> Estimate:
    """Drop n-grams seen fewer than min_counts[n] times, then renormalise backoff weights.

    `min_counts` must not decrease with the order, so every kept n-gram keeps its context and
    its lower-order suffix (an n-gram is never seen more often than its parts).
    """
    v = model.vocab_size
    order = len(model.keys)
    keys, logp, counts = [model.keys[0]], [model.logp[0]], [model.counts[0]]
    remaps = [np.arange(v, dtype=np.int64)]
    for n in range(1, order):
        keep = (
            model.counts[n] >= min_counts[n]
            if n < len(min_counts)
            else np.ones(len(model.keys[n]), bool)
        )
        context = (model.keys[n] // np.uint64(v)).astype(np.int64)
        new_context = remaps[n - 1][context]
        keep &= new_context >= 0
        remap = np.full(len(keep), -1, dtype=np.int64)
        remap[keep] = np.arange(int(keep.sum()))
        remaps.append(remap)
        keys.append(
            new_context[keep].astype(np.uint64) * np.uint64(v) + model.keys[n][keep] % np.uint64(v)
        )
        logp.append(model.logp[n][keep])
        counts.append(model.counts[n][keep])
    pruned = Estimate(v, keys, logp, [], counts, model.discounts)
    # backoff(h) = (1 - sum_kept P(w|h)) / (1 - sum_kept P(w|h')): the pruned mass goes to the
    # lower order, so each conditional distribution still sums to one
    for n in range(1, order):
        size = len(keys[n - 1])
        context = (keys[n] // np.uint64(v)).astype(np.int64)
        words = (keys[n] % np.uint64(v)).astype(np.int64)
        lower = _lower_logp(pruned, n, context, words)
        high_mass = np.bincount(context, weights=np.exp(logp[n]), minlength=size)
        low_mass = np.bincount(context, weights=np.exp(lower), minlength=size)
        numerator = np.maximum(1.0 - high_mass, 1e-12)
        denominator = np.maximum(1.0 - low_mass, 1e-12)
        pruned.backoff.append(np.log(numerator) - np.log(denominator))
    return pruned


def _lower_logp(model: Estimate, n: int, context: np.ndarray, words: np.ndarray) -> np.ndarray:
    """log P(w | context minus its first word), by the (already pruned) orders below n."""
    from unspin.ngram import lookup_logp  # the query code is the one source of truth

    histories = _history_ids(model, n, context)[:, 1:]
    return lookup_logp(model.keys[:n], model.logp[:n], model.backoff[: n - 1], histories, words)


def _history_ids(model: Estimate, length: int, index: np.ndarray) -> np.ndarray:
    """Word ids (rows of `length`) of the given n-grams of order `length`."""
    v = np.uint64(model.vocab_size)
    out = np.empty((len(index), length), dtype=np.int64)
    current = index.astype(np.int64)
    for n in range(length - 1, -1, -1):
        if n == 0:
            out[:, 0] = current
            break
        key = model.keys[n][current]
        out[:, n] = (key % v).astype(np.int64)
        current = (key // v).astype(np.int64)
    return out


def quantise(values: np.ndarray, levels: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """uint8 codes and a table of bin means, bins of equal mass (as KenLM's quantiser does)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint8), np.zeros(levels)
    edges = np.unique(np.quantile(values, np.linspace(0, 1, levels + 1)[1:-1]))
    codes = np.searchsorted(edges, values, side="right").astype(np.uint8)
    sums = np.bincount(codes, weights=values, minlength=levels)
    sizes = np.bincount(codes, minlength=levels)
    table = np.divide(sums, sizes, out=np.zeros(levels), where=sizes > 0)
    return codes, table.astype(np.float32)


def save(model: Estimate, vocabulary: list[str], directory: Path, meta: dict) -> None:
    """Write the model as .npy arrays (memory-mapped at load) plus vocab.txt and meta.json.

    Unigrams are float32 by word id; higher orders store keys as SplitKeys (low 32 bits plus
    bucket starts) and log-probabilities and backoffs as 8-bit codes into 256-entry tables.
    """
    from unspin.ngram import SplitKeys

    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.npy"):
        old.unlink()
    np.save(directory / "logp1.npy", model.logp[0].astype(np.float32))
    if model.backoff:
        np.save(directory / "backoff1.npy", model.backoff[0].astype(np.float32))
    for n in range(1, len(model.keys)):
        split = SplitKeys.split(model.keys[n])
        np.save(directory / f"low{n + 1}.npy", split.low)
        np.save(directory / f"starts{n + 1}.npy", split.starts)
        arrays = {f"logp{n + 1}": model.logp[n]}
        if n < len(model.backoff):
            arrays[f"backoff{n + 1}"] = model.backoff[n]
        for name, values in arrays.items():
            codes, table = quantise(values)
            np.save(directory / f"{name}.npy", codes)
            np.save(directory / f"{name}_table.npy", table)
    (directory / "vocab.txt").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    info = {
        "format": FORMAT_VERSION,
        "order": len(model.keys),
        "vocab_size": model.vocab_size,
        "ngrams": [int(len(k)) for k in model.keys],
        "discounts": [list(d) for d in model.discounts],
        **meta,
    }
    (directory / "meta.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
