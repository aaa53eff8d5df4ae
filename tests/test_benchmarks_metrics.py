"""Hand-worked cases for the benchmark metrics, so the benchmark numbers can be trusted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_METRICS_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "metrics.py"


def _load_metrics():
    # benchmarks/ is a folder of scripts, not a package; load the module from its file.
    spec = importlib.util.spec_from_file_location("unspin_benchmark_metrics", _METRICS_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


m = _load_metrics()


# --------------------------------------------------------------------------- words and WER


def test_words_drop_punctuation_keep_apostrophes_and_numbers_and_split_hyphens():
    text = 'Roy\'s short-lived "Tiger" cost 1,000.5 pounds, (e.g. cheap).'
    assert m.normalised_words(text) == [
        "roy's",
        "short",
        "lived",
        "tiger",
        "cost",
        "1,000.5",
        "pounds",
        "e",
        "g",
        "cheap",
    ]


def test_word_offsets_point_back_into_the_text():
    text = "The strip, first appeared."
    words = m.words_with_offsets(text)
    assert [text[w.start : w.end] for w in words] == ["The", "strip", "first", "appeared"]


def test_wer_of_a_hand_counted_pair():
    # reference: the cat sat on the mat (6 words)
    # hypothesis: the dog sat on mat -> substitute cat/dog, delete "the" = 2 edits
    assert m.word_edits("the dog sat on mat", "the cat sat on the mat") == 2
    rate = m.corpus_wer([("the dog sat on mat", "the cat sat on the mat")])
    assert (rate.edits, rate.reference_words) == (2, 6)
    assert rate.rate == pytest.approx(1 / 3)


def test_wer_ignores_case_and_punctuation():
    assert m.word_edits("The cat, sat.", "the cat sat") == 0


def test_wer_counts_insertions():
    # hypothesis has two extra words: 2 insertions against a 2-word reference
    assert m.word_edits("a very very big dog", "a big dog") == 2


def test_corpus_wer_pools_edits_rather_than_averaging_rates():
    pairs = [
        ("x", "a"),  # 1 edit / 1 word (rate 1.0)
        ("a b c d e f g h i j", "a b c d e f g h i z"),  # 1 edit / 10 words (rate 0.1)
    ]
    rate = m.corpus_wer(pairs)
    assert (rate.edits, rate.reference_words) == (2, 11)
    assert rate.rate == pytest.approx(2 / 11)  # not the mean of the rates, 0.55


def test_relative_reduction():
    assert m.relative_reduction(0.4, 0.1) == pytest.approx(0.75)
    assert m.relative_reduction(0.4, 0.6) == pytest.approx(-0.5)
    assert m.relative_reduction(0.0, 0.0) == 0.0


# --------------------------------------------------------------------------- gold edits


def test_alignment_finds_an_unequal_replacement_with_character_offsets():
    spun = "The strip originally showed up in 1954."
    original = "The strip first appeared in 1954."
    (edit,) = m.align(spun, original).edits
    assert spun[edit.start : edit.end] == "originally showed up"
    assert edit.spun == ("originally", "showed", "up")
    assert edit.original == ("first", "appeared")


def test_alignment_marks_a_spinner_deletion_as_an_empty_range():
    spun = "Roy played Melchester Rovers."
    original = "Roy played for Melchester Rovers."
    (edit,) = m.align(spun, original).edits
    assert edit.is_empty
    assert edit.start == spun.index("Melchester")
    assert edit.original == ("for",)


def test_alignment_ignores_case_differences():
    assert m.align("THE Cat sat", "the cat sat").edits == []


def test_expected_original_of_a_whole_replacement():
    spun = "The strip originally showed up in 1954."
    alignment = m.align(spun, "The strip first appeared in 1954.")
    start = spun.index("originally")
    end = spun.index(" in")
    assert alignment.expected_originals(start, end) == {("first", "appeared")}
    assert m.judge_restoration(alignment, start, end, "First  appeared") is True
    assert m.judge_restoration(alignment, start, end, "first showed") is False


def test_expected_original_of_the_tail_of_an_unequal_replacement():
    # "showed up" is the tail of "originally showed up" -> "first appeared": only a proper,
    # non-empty tail of the original words can be right, here just "appeared"
    spun = "The strip originally showed up in 1954."
    alignment = m.align(spun, "The strip first appeared in 1954.")
    start = spun.index("showed")
    end = spun.index(" in")
    assert alignment.expected_originals(start, end) == {("appeared",)}
    assert m.judge_restoration(alignment, start, end, "appeared") is True
    assert m.judge_restoration(alignment, start, end, "first appeared") is False


def test_expected_original_of_the_head_of_an_unequal_replacement_with_a_neighbour():
    spun = "and he likewise shown up for England"
    alignment = m.align(spun, "and he also appeared for England")
    start = spun.index("he")
    end = spun.index(" shown")
    assert alignment.expected_originals(start, end) == {("he", "also")}


def test_expected_original_when_the_prediction_is_inside_an_unequal_replacement():
    spun = "The strip originally showed up in 1954."
    alignment = m.align(spun, "The strip first appeared in 1954.")
    start = spun.index("showed")
    assert alignment.expected_originals(start, start + len("showed")) is None
    assert m.judge_restoration(alignment, start, start + len("showed"), "appeared") is None


def test_expected_original_of_a_cut_replacement_by_a_single_word():
    # "week after week" -> "weekly": no proper part of one word exists, so a cut cannot be right
    spun = "a week after week magazine"
    alignment = m.align(spun, "a weekly magazine")
    start = spun.index("week")
    assert alignment.expected_originals(start, start + len("week after")) is None


def test_hyphenated_words_are_restored_part_by_part():
    spun = "they could counter-assault adequately"
    alignment = m.align(spun, "they could counter-attack effectively")
    start = spun.index("assault")
    assert alignment.expected_originals(start, start + len("assault")) == {("attack",)}


def test_expected_original_maps_equal_length_replacements_word_by_word():
    spun = "a British funny cartoon about"
    alignment = m.align(spun, "a British comic strip about")
    start = spun.index("cartoon")
    assert alignment.expected_originals(start, start + len("cartoon")) == {("strip",)}
    # a prediction that also takes in an unchanged neighbour keeps that word as it is
    start = spun.index("British")
    end = spun.index(" about")
    assert alignment.expected_originals(start, end) == {("british", "comic", "strip")}


def test_expected_original_accepts_a_dropped_word_at_the_edge_either_way():
    spun = "Roy played Melchester Rovers."
    alignment = m.align(spun, "Roy played for Melchester Rovers.")
    start = spun.index("Melchester")
    end = start + len("Melchester")
    assert alignment.expected_originals(start, end) == {("melchester",), ("for", "melchester")}
    # a dropped word strictly inside the prediction is required
    start = spun.index("played")
    assert alignment.expected_originals(start, end) == {("played", "for", "melchester")}


def test_expected_original_of_a_range_with_no_words():
    spun = "Roy played, then left."
    alignment = m.align(spun, "Roy played, then left.")
    comma = spun.index(",")
    assert alignment.expected_originals(comma, comma + 1) is None


# --------------------------------------------------------------------------- span matching


def test_overlap_is_strict_and_empty_ranges_overlap_nothing():
    assert m.overlaps(0, 5, 4, 8)
    assert not m.overlaps(0, 5, 5, 8)  # touching is not overlapping
    assert not m.overlaps(3, 3, 0, 10)


def test_match_spans_counts_hand_worked_case():
    predicted = [(0, 5), (10, 12)]
    gold = [(3, 8), (20, 25), (30, 30)]  # the empty one is a spinner deletion: skipped
    counts = m.match_spans(predicted, gold)
    assert counts == m.Counts(true_positives=1, predicted=2, gold_found=1, gold=2)
    assert counts.precision == pytest.approx(0.5)
    assert counts.recall == pytest.approx(0.5)
    assert counts.f1 == pytest.approx(0.5)


def test_one_prediction_can_find_several_gold_spans():
    counts = m.match_spans([(0, 20)], [(0, 3), (5, 9), (30, 35)])
    assert counts == m.Counts(true_positives=1, predicted=1, gold_found=2, gold=3)
    assert counts.f1 == pytest.approx(2 * 1.0 * (2 / 3) / (1 + 2 / 3))


def test_counts_add_up_before_dividing():
    total = m.Counts(1, 1, 0, 4) + m.Counts(0, 3, 2, 2)
    assert total == m.Counts(1, 4, 2, 6)
    assert total.precision == pytest.approx(0.25)
    assert total.recall == pytest.approx(1 / 3)


def test_counts_with_nothing_predicted_score_zero():
    counts = m.match_spans([], [(0, 4)])
    assert (counts.precision, counts.recall, counts.f1) == (0.0, 0.0, 0.0)


# --------------------------------------------------------------------------- detection


def test_auroc_perfectly_separated():
    assert m.auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert m.auroc([0.8, 0.9, 0.1, 0.2], [0, 0, 1, 1]) == 0.0


def test_auroc_all_tied_is_chance():
    assert m.auroc([0.0] * 6, [0, 1, 0, 1, 1, 0]) == pytest.approx(0.5)


def test_auroc_hand_counted_pairs():
    # positive vs negative pairs: 0.8>0.5, 0.8>0.1, 0.4<0.5, 0.4>0.1 -> 3 of 4
    assert m.auroc([0.8, 0.4, 0.5, 0.1], [1, 1, 0, 0]) == pytest.approx(0.75)


def test_auroc_counts_a_tie_as_half():
    # pairs: 0.5 vs 0.5 -> 0.5, 0.5 vs 0.2 -> 1; (0.5 + 1) / 2
    assert m.auroc([0.5, 0.5, 0.2], [1, 0, 0]) == pytest.approx(0.75)


def test_auroc_needs_both_classes():
    with pytest.raises(ValueError):
        m.auroc([0.1, 0.2], [1, 1])


def test_classification_counts():
    predicted = [True, True, False, False, True]
    labels = [1, 0, 1, 1, 1]
    counts = m.classification_counts(predicted, labels)
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == pytest.approx(2 / 4)
    assert counts.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_a_cut_edit_stands_for_about_as_many_original_words_as_it_covers():
    spun = "Notably genuine identities frequently shown up in comics"
    alignment = m.align(spun, "Notably real life personalities often made appearances in comics")
    start = spun.index("genuine")
    # one covered word of a 4 -> 6 word replacement: a head of one or two original words
    assert alignment.expected_originals(start, start + len("genuine")) == {
        ("real",),
        ("real", "life"),
    }


# --------------------------------------------------------------------------- tortured phrases


def test_phrase_in_template_places_the_phrase_and_judges_detection():
    case = m.PhraseInTemplate(
        "Recent work on {phrase} has grown.", "profound learning", "deep learning"
    )
    assert case.sentence == "Recent work on profound learning has grown."
    start, end = case.phrase_range
    assert case.sentence[start:end] == "profound learning"
    assert case.is_detected([(0, 6), (start + 9, end)])  # a span on "learning" is enough
    assert not case.is_detected([(0, start)])  # "Recent work on " touches but does not overlap
    assert not case.is_detected([])


def test_phrase_in_template_needs_the_whole_sentence_restored():
    case = m.PhraseInTemplate(
        "Recent work on {phrase} has grown.", "profound learning", "deep learning"
    )
    assert case.is_restored("recent  work on Deep learning has grown.")
    assert not case.is_restored("Recent work on deep learning has grown")  # lost the full stop
    assert not case.is_restored("Recent work on deep knowledge has grown.")
    assert not case.is_restored(case.sentence)


def test_phrase_in_template_judges_the_expected_phrase_without_the_lists_notes():
    case = m.PhraseInTemplate(
        "We trained a {phrase} on it.", "help vector machine", "support vector machine (svm)"
    )
    assert case.is_restored("We trained a support vector machine on it.")
    assert not case.is_restored("We trained a support vector machine (svm) on it.")
    inner = m.PhraseInTemplate(
        "A {phrase} hit.",
        "refusal of administration assault",
        "denial of service (dos) attack",
    )
    assert inner.is_restored("A denial of service attack hit.")
    in_text = m.PhraseInTemplate(
        "The {phrase} grew.", "web of things (iot)", "internet of things (iot)"
    )
    assert in_text.is_restored("The internet of things (iot) grew.")  # brackets in the text


def test_phrase_in_template_rejects_a_template_without_one_slot():
    with pytest.raises(ValueError):
        m.PhraseInTemplate("No slot here.", "a", "b")


@pytest.mark.parametrize(
    ("tortured", "expected", "span"),
    [
        ("surface region", "surface area", (1, 0, 1)),  # one word at the end differs
        ("normal language handling", "natural language processing", (0, 0, 3)),
        ("bosom malignancy cells", "breast cancer cells", (0, 1, 2)),
        ("lack of ability", "inability", (0, 0, 3)),
        ("deep learning", "deep learning", (2, 0, 0)),  # nothing to rewrite
    ],
)
def test_differing_span_keeps_shared_words_at_either_end(tortured, expected, span):
    assert m.differing_span(tortured.split(), expected.split()) == span
