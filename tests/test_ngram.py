"""The n-gram model: Kneser-Ney worked by hand, normalisation, queries, the bundled model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from unspin import corpora, ngram_build
from unspin.ngram import BUNDLED_PATH, NgramModel

TOY = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "the cat ate",
    "the dog sat",
    "a dog ate the cat",
]


def build(sentences: list[list[str]], path: Path, order: int, min_counts: list[int]) -> NgramModel:
    vocabulary, tokens, unknown = ngram_build.encode(sentences, min_count=1)
    model = ngram_build.estimate(ngram_build.count(tokens, order, len(vocabulary)))
    ngram_build.save(
        ngram_build.prune(model, min_counts), vocabulary, path, {"unknown_types": unknown}
    )
    return NgramModel.load(path)


def test_bigram_kneser_ney_matches_numbers_worked_by_hand(tmp_path: Path) -> None:
    # <s> a b </s> <s> a b </s> <s> b a </s>
    model = build([["a", "b"], ["a", "b"], ["b", "a"]], tmp_path, 2, [1, 1])
    # unigram continuation counts: a {<s>, b}, b {a, <s>}, </s> {a, b}: 2 each, total 6.
    # counts of counts n1 = 0, n2 = 3: too few for Chen & Goodman, so D = 0.05 (the floor).
    d1 = 0.05
    gamma0 = 3 * d1 / 6
    p_b = (2 - d1) / 6 + gamma0 / 4  # uniform over <unk>, </s>, a, b
    assert model.unigram("b") == pytest.approx(math.log(p_b), abs=2e-3)
    assert model.unigram("zzz") == pytest.approx(math.log(gamma0 / 4), abs=2e-3)
    # bigram raw counts: <s> a 2, a b 2, b </s> 2, <s> b 1, b a 1, a </s> 1: n1 = 3, n2 = 3,
    # so D = n1 / (n1 + 2 n2) = 1/3 for every count. After "a": b twice, </s> once.
    d2 = 1 / 3
    gamma_a = 2 * d2 / 3
    assert model.logp("b", ["a"]) == pytest.approx(math.log((2 - d2) / 3 + gamma_a * p_b), abs=2e-3)
    # "a a" never occurred: all of its probability comes through the backoff
    p_a = (2 - d1) / 6 + gamma0 / 4
    assert model.logp("a", ["a"]) == pytest.approx(math.log(gamma_a * p_a), abs=2e-3)


@pytest.mark.parametrize("min_counts", [[1, 1, 1], [1, 2, 2]])
def test_distributions_sum_to_one_before_and_after_pruning(tmp_path: Path, min_counts) -> None:
    model = build([s.split() for s in TOY * 3], tmp_path, 3, min_counts)
    following = [w for w in model.words if w != "<s>"]
    for history in ([], ["the"], ["<s>", "the"], ["cat", "sat"], ["on", "the"], ["zebra"]):
        total = np.exp(model.logp_many(following, [history] * len(following))).sum()
        assert total == pytest.approx(1.0, abs=5e-3), history


def test_windows_are_sums_of_word_probabilities(tmp_path: Path) -> None:
    model = build([s.split() for s in TOY], tmp_path, 3, [1, 1, 1])
    left, right = ["<s>", "the"], ["sat", "on"]
    expected = (
        model.logp("dog", left)
        + model.logp("sat", [*left, "dog"])
        + model.logp("on", ["dog", "sat"])
    )
    assert model.window(left, ["dog"], right) == pytest.approx(expected)
    scores = model.windows(left, [["dog"], ["cat"], ["big", "dog"]], right)
    assert scores[0] == pytest.approx(expected)
    assert scores.shape == (3,)
    # a sentence end stops the window: nothing after </s> depends on the middle
    assert model.window(["the"], ["cat"], ["</s>", "</s>"]) == pytest.approx(
        model.logp("cat", ["the"]) + model.logp("</s>", ["the", "cat"])
    )
    # a sentence start in the history forgets what came before it
    assert model.logp("cat", ["dog", "<s>", "the"]) == pytest.approx(
        model.logp("cat", ["<s>", "the"])
    )


def test_seen_pair_tells_the_word_pairs_of_the_training_text(tmp_path: Path) -> None:
    model = build([s.split() for s in TOY], tmp_path, 3, [1, 1, 2])
    assert model.seen_pair("the", "cat") and model.seen_pair("sat", "on")
    assert not model.seen_pair("cat", "the")  # both words known, never in that order
    assert not model.seen_pair("the", "zebra")  # an unknown word


def test_heldout_news_rule_is_stable() -> None:
    assert corpora.is_heldout_news("wikinews-0000") == (
        int(__import__("hashlib").sha256(b"wikinews-0000").hexdigest(), 16) % 4 == 0
    )
    assert list(corpora.sentences('Pelosi said 3 times: "yes." The U.S. won\nNew line'))[0] == [
        "pelosi",
        "said",
        "times",
    ]


needs_bundled = pytest.mark.skipif(
    not (BUNDLED_PATH / "meta.json").exists(), reason="bundled model not built"
)


@needs_bundled
def test_bundled_model_prefers_original_wording() -> None:
    model = NgramModel.load()
    pairs = [
        (["<s>", "the", "spokesman"], "told", "advised", ["reporters", "that", "the"]),
        (["we", "trained", "a"], "deep", "profound", ["learning", "model"]),
        (["a", "high"], "signal", "flag", ["to", "noise", "ratio"]),
        (["<s>", "the", "minister"], "said", "mentioned", ["on", "monday", "that"]),
    ]
    for left, original, spun, right in pairs:
        good, bad = model.windows(left, [[original], [spun]], right)
        assert good > bad, (original, spun)
    assert model.known("reporters") and not model.known("qzxv")
    assert -25 < model.unigram("qzxv") < model.unigram("reporters") < model.unigram("the") < 0


def test_split_keys_find_exactly_what_searchsorted_finds() -> None:
    from unspin.ngram import SplitKeys

    rng = np.random.default_rng(7)
    for top, bits in ((3 << 33, 32), (1 << 24, 16)):  # sparse keys: 32-bit layout; dense: 16
        keys = np.unique(rng.integers(0, top, size=50000, dtype=np.int64)).astype(np.uint64)
        split = SplitKeys.split(keys)
        assert split.low.dtype.itemsize * 8 == bits
        queries = np.concatenate([keys[::7], rng.integers(0, 2 * top, size=2000).astype(np.uint64)])
        expected = np.searchsorted(keys, queries)
        expected = np.where(
            (expected < len(keys)) & (keys[np.minimum(expected, len(keys) - 1)] == queries),
            expected,
            -1,
        )
        assert np.array_equal(split.search(queries), expected)


def test_quantised_values_stay_close() -> None:
    values = -np.random.default_rng(1).gamma(2.0, 3.0, size=20000)
    codes, table = ngram_build.quantise(values)
    assert np.abs(table[codes] - values).mean() < 0.05


def test_windows_many_matches_one_slot_at_a_time(tmp_path: Path) -> None:
    model = build([s.split() for s in TOY], tmp_path, 3, [1, 1, 1])
    slots = [
        (["<s>", "the"], [["cat"], ["dog"]], ["sat", "on"]),
        (["a"], [["cat", "and"], ["dog"], ["zebra"]], ["</s>"]),
        ([], [], ["the"]),
    ]
    for got, (left, middles, right) in zip(model.windows_many(slots), slots, strict=True):
        assert got.shape == (len(middles),)
        for value, middle in zip(got, middles, strict=True):
            assert value == pytest.approx(model.window(left, middle, right))


def test_windows_and_fits_add_up_the_single_word_probabilities(tmp_path: Path) -> None:
    model = build([s.split() for s in TOY], tmp_path, 3, [1, 1, 1])
    slots = [
        (["<s>", "the"], [["cat"], ["dog", "ate"]], ["sat", "on"]),
        (["dog"], [["cat"], ["zebra"]], ["</s>", "<s>", "the"]),  # nothing past </s> counts
    ]
    totals, fits = model.windows_and_fits(slots)
    for (left, middles, right), slot_totals, slot_fits in zip(slots, totals, fits, strict=True):
        for total, fit, middle in zip(slot_totals, slot_fits, middles, strict=True):
            sequence = [*left, *middle, *right]
            end = sequence.index("</s>") + 1 if "</s>" in sequence else len(sequence)
            by_hand = sum(model.logp(sequence[i], sequence[:i]) for i in range(len(left), end))
            assert total == pytest.approx(by_hand)
            assert fit == pytest.approx(model.logp(middle[0], left))


def test_neighbour_fits_add_up_the_phrase_and_the_next_word(tmp_path: Path) -> None:
    model = build([s.split() for s in TOY], tmp_path, 3, [1, 1, 1])
    slots = [
        ("the", ["cat", "dog ate", "zebra"], "on"),
        (None, ["cat", "dog"], "sat"),  # first word of a sentence: nothing before
        ("dog", ["cat sat on"], None),  # last word: nothing after
        ("a", [], "the"),
    ]
    for got, (left, phrases, right) in zip(model.neighbour_fits(slots), slots, strict=True):
        assert got.shape == (len(phrases),)
        for value, phrase in zip(got, phrases, strict=True):
            sequence = [*([left] if left else []), *phrase.split(), *([right] if right else [])]
            start = 1 if left else 0
            by_hand = sum(
                model.logp(sequence[i], sequence[:i]) for i in range(start, len(sequence))
            )
            assert value == pytest.approx(by_hand)


def test_a_sentence_mark_in_the_history_starts_it_afresh(tmp_path: Path) -> None:
    model = build([s.split() for s in TOY], tmp_path, 3, [1, 1, 1])
    assert model.logp("cat", ["dog", "</s>", "the"]) == pytest.approx(
        model.logp("cat", ["<s>", "the"])
    )
    assert model.logp("cat", ["</s>", "the"]) != pytest.approx(model.logp("cat", ["dog", "the"]))
