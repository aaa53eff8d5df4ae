"""The simulated spinners that the models are fitted on and measured with."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from unspin.lexicon import CLOSED_CLASS
from unspin.simulate import (
    FITTING_FAMILIES,
    HELD_OUT,
    Edit,
    Family,
    Spinner,
    SpunText,
    forward_synonyms,
    spin_corpus,
)
from unspin.tokenize import tokenize

TEXT = (
    "The minister said on Tuesday that the government would build new houses. "
    "Officials said the houses would be ready before the winter, and the minister said "
    "that people could apply in March. Critics said the plan was too small."
)


def test_held_out_family_is_never_a_fitting_family():
    assert HELD_OUT not in FITTING_FAMILIES
    assert set(FITTING_FAMILIES) | {HELD_OUT} == set(Family)


@pytest.mark.parametrize("family", list(Family))
def test_edits_point_at_the_spun_words_and_their_originals(lexicon, family):
    table = forward_synonyms(family, lexicon)
    spinner = Spinner(family, table, lexicon, rate=0.9, seed=3, consistent=1.0)
    spun = spinner.spin(TEXT)
    original_words = {t.norm for t in tokenize(TEXT)}
    for edit in spun.edits:
        assert edit.original in original_words
        assert edit.original not in CLOSED_CLASS
        assert spun.spun[edit.start : edit.end].lower() != edit.original
    assert undo(spun).lower() == TEXT.lower()  # the edits give the input back


def test_a_spinner_is_a_dictionary_one_spun_form_per_word(lexicon):
    table = forward_synonyms(Family.MOBY, lexicon)
    spinner = Spinner(Family.MOBY, table, lexicon, rate=0.9, seed=11, consistent=1.0)
    spun = spinner.spin(TEXT)
    forms = defaultdict(set)
    for edit in spun.edits:
        forms[edit.original].add(spun.spun[edit.start : edit.end].lower())
    assert forms, "a rate of 0.9 must swap something"
    assert all(len(f) == 1 for f in forms.values())
    said = sum(1 for t in tokenize(TEXT) if t.norm == "said")
    if "said" in forms:  # then every occurrence went, and "said" is gone from the text
        assert len([e for e in spun.edits if e.original == "said"]) == said


def test_a_spintax_spinner_draws_a_form_at_each_occurrence(lexicon):
    """SpinBot-style spinners pick among a word's synonyms at every occurrence ("child" ->
    "kid", "tyke", "youngster" in one paragraph); which words they replace stays fixed."""
    table = forward_synonyms(Family.MOBY, lexicon)
    text = " ".join([TEXT] * 4)
    spinner = Spinner(Family.MOBY, table, lexicon, rate=0.9, seed=11, consistent=1.0)
    spinner.spintax = True
    spun = spinner.spin(text)
    forms = defaultdict(set)
    for edit in spun.edits:
        form = spun.spun[edit.start : edit.end].lower()
        assert form in spinner.spun_options(edit.original)
        forms[edit.original].add(form)
    assert any(len(f) > 1 for f in forms.values()), "every word kept one form"
    words = [t.norm for t in tokenize(text)]
    for original in forms:  # a word it replaces, it replaces every time (consistent=1.0)
        assert sum(e.original == original for e in spun.edits) == words.count(original)


def undo(spun: SpunText) -> str:
    """spun.spun with the edits inside it put back to their originals."""
    pieces, cursor = [], 0
    for edit in spun.edits:
        if edit.end > len(spun.spun):
            break
        pieces += [spun.spun[cursor : edit.start], edit.original]
        cursor = edit.end
    return "".join(pieces) + spun.spun[cursor:]


class LastOptionJudge:
    """A stand-in language model that likes the alphabetically last option best and keeps
    every slot it was shown."""

    order = 3

    def __init__(self) -> None:
        self.slots: list = []

    def windows_many(self, slots):
        self.slots += slots
        return [np.array([sorted(map(tuple, m)).index(tuple(o)) for o in m]) for _, m, _ in slots]


def test_a_context_aware_spinner_takes_the_form_its_judge_likes_best_in_place(lexicon):
    table = forward_synonyms(Family.MOBY, lexicon)
    spinner = Spinner(Family.MOBY, table, lexicon, rate=0.9, seed=11, consistent=1.0)
    spinner.judge = judge = LastOptionJudge()
    spun = spinner.spin(TEXT)
    assert spun.edits and len(judge.slots) == len(spun.edits)
    for edit, (left, middles, right) in zip(spun.edits, judge.slots, strict=True):
        form = spun.spun[edit.start : edit.end].lower()
        assert form == max(spinner.spun_options(edit.original))
        assert [" ".join(m) for m in middles] == spinner.spun_options(edit.original)
        # The words around it: the spun text before (as the spinner wrote it), the original
        # text after (not yet spun).
        before = [t.norm for t in tokenize(spun.spun[: edit.start]) if t.text[0].isalnum()]
        assert left == " ".join(before).split()[-2:]
        undone = SpunText(TEXT, spun.spun[: edit.end], spun.edits, spun.family, spun.rate)
        upto = [t.norm for t in tokenize(undo(undone)) if t.text[0].isalnum()]
        after = [t.norm for t in tokenize(TEXT) if t.text[0].isalnum()][len(upto) :]
        assert right == after[:2]


def test_a_corpus_spins_with_the_share_of_spintax_spinners_asked_for(lexicon):
    texts = [" ".join([TEXT] * 3)] * 6
    plain = spin_corpus(texts, (Family.MOBY,), lexicon, seed=4)
    assert [s.spun for s in spin_corpus(texts, (Family.MOBY,), lexicon, 4, 0.0)] == [
        s.spun for s in plain
    ]
    spintax = spin_corpus(texts, (Family.MOBY,), lexicon, seed=4, spintax_share=1.0)
    assert [s.rate for s in spintax] == [s.rate for s in plain]  # other habits as they were
    assert [s.spun for s in spintax] != [s.spun for s in plain]
    with pytest.raises(ValueError, match="between 0 and 1"):
        spin_corpus(texts, (Family.MOBY,), lexicon, spintax_share=1.5)


def test_a_corpus_spins_with_the_share_of_context_aware_spinners_asked_for(lexicon):
    texts = [" ".join([TEXT] * 3)] * 6
    plain = spin_corpus(texts, (Family.MOBY,), lexicon, seed=4)
    judge = LastOptionJudge()
    aware = spin_corpus(texts, (Family.MOBY,), lexicon, seed=4, context_share=1.0, judge=judge)
    assert judge.slots and [s.rate for s in aware] == [s.rate for s in plain]
    assert [s.spun for s in aware] != [s.spun for s in plain]
    with pytest.raises(ValueError, match="between 0 and 1"):
        spin_corpus(texts, (Family.MOBY,), lexicon, context_share=-0.1, judge=judge)
    with pytest.raises(ValueError, match="needs a judge"):
        spin_corpus(texts, (Family.MOBY,), lexicon, context_share=0.5)


def test_rates_and_families_vary_across_a_corpus(lexicon):
    spun = spin_corpus([TEXT] * 6, (Family.WORDNET, Family.WORDY), lexicon, seed=1)
    assert {s.family for s in spun} == {Family.WORDNET, Family.WORDY}
    rates = [s.rate for s in spun]
    assert all(0.1 <= r <= 0.9 for r in rates) and len(set(rates)) == 6


def test_site_wide_spinner_keeps_one_dictionary_across_texts(lexicon):
    table = forward_synonyms(HELD_OUT, lexicon)
    site = Spinner.site(HELD_OUT, lexicon, seed=5, table=table)
    site.rate, site.consistent = 0.9, 1.0
    first, second = site.spin(TEXT), site.spin("Critics said the houses were small. " + TEXT)
    pairs = site.pairs()
    assert pairs and all(spun is not None for spun in pairs.values())
    for sample in (first, second):
        for edit in sample.edits:
            assert sample.spun[edit.start : edit.end].lower() == pairs[edit.original]
    # A per-document spinner (the default) starts each text afresh and keeps nothing.
    plain = Spinner(HELD_OUT, table, lexicon, rate=0.9, seed=5, consistent=1.0)
    plain.spin(TEXT)
    assert plain.pairs() == {}


def test_a_spinner_draws_its_entry_from_every_close_sense_not_the_nearest_vectors(lexicon):
    """Real spinners' choices are often far down a list ranked by vector similarity ("said" ->
    "mentioned" is 22nd of 26 PPDB options): a simulation that always took one of the few
    nearest would teach the channel model to trust similarity too much."""
    import random

    spinner = Spinner.build(Family.MOBY, lexicon, seed=2)
    drawn = {
        word: {spinner.spun_form(word, random.Random(seed)) for seed in range(40)} - {None}
        for word in ("house", "more", "limit", "access", "building", "answer", "big", "quick")
    }
    assert all(drawn.values())
    assert max(len(forms) for forms in drawn.values()) > 4, "all came from the 4 nearest senses"


def test_a_rewrite_restores_only_when_it_undoes_whole_edits():
    original = "The White House said more people came."
    spun = "The White Home mentioned extra individuals came."
    edits = tuple(
        Edit(spun.index(word), spun.index(word) + len(word), was)
        for word, was in (("Home", "house"), ("mentioned", "said"), ("individuals", "people"))
    )
    sample = SpunText(original, spun, edits, Family.MOBY, 0.5)
    at = spun.index
    assert sample.restores(at("Home"), at("Home") + 4, "House")
    assert sample.restores(at("White"), at("Home") + 4, "white house")  # spun words beside
    assert sample.restores(at("mentioned"), at("extra") - 1, "said")
    assert not sample.restores(at("mentioned"), at("extra") - 1, "stated")  # wrong original
    assert not sample.restores(at("extra"), at("extra") + 5, "more")  # never spun: no edit
    assert not sample.restores(at("individuals"), at("individuals") + 5, "people")  # part only
