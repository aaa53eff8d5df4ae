"""Candidate generation, scoring and decisions, each on its own."""

from __future__ import annotations

import math

import numpy as np
import pytest

from unspin.candidates import TermIndex
from unspin.config import Config
from unspin.decide import neighbours, topic_vectors
from unspin.fingerprint import FingerprintIndex
from unspin.lexicon import MIN_ORIGINAL_ZIPF, PhraseFacts
from unspin.phrases import PhraseSet
from unspin.pipeline import Analyzer, screened
from unspin.profile import Profile, ProfilePair
from unspin.resources import Resources
from unspin.score import cohesion
from unspin.tokenize import sentence_words, tokenize


def test_originals_are_inflected_like_the_spun_word(analyzer):
    originals = [o.text for o in analyzer.lexicon.origins("floors")]
    assert "grounds" in originals
    assert "told" in [o.text for o in analyzer.lexicon.origins("advised")]


def test_an_inflected_original_is_a_word_in_use_not_an_invented_form(analyzer):
    """lemminflect inflects "most" as "moster" and "just" as "justed"; an inflected original is
    held to the floor every original is (MIN_ORIGINAL_ZIPF)."""
    lexicon = analyzer.lexicon
    for spun, invented in (("more", "moster"), ("more", "oftener"), ("said", "justed")):
        originals = [o.text for o in lexicon.origins(spun)]
        assert invented not in originals
        assert all(lexicon.phrase_zipf(o) >= MIN_ORIGINAL_ZIPF for o in originals)
    assert "stated" in [o.text for o in lexicon.origins("said")]  # inflected, in use


def test_another_form_of_the_same_word_is_never_an_original(analyzer):
    lexicon = analyzer.lexicon
    for spun in ("forests", "advised", "floors", "learning"):
        spun_lemmas = lexicon.lemmas(spun)
        assert all(not lexicon.lemmas(o.text) & spun_lemmas for o in lexicon.origins(spun))


def test_channel_model_ranks_close_synonyms_first(analyzer):
    """The fitted channel model should prefer 'deep' over far-fetched originals of 'profound'."""
    origins = analyzer.lexicon.origins("profound")
    assert "deep" in [o.text for o in origins][:5]
    assert len(origins) <= analyzer.lexicon.candidate_pool
    scores = [o.score for o in origins]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] - scores[-1] <= analyzer.lexicon.channel_margin


def test_function_words_and_phrases_get_candidates(analyzer):
    """Spinners rewrite function words and expand words into phrases; both must be reachable."""
    assert "in" in [o.text for o in analyzer.lexicon.origins("within")]
    assert "but" in [o.text for o in analyzer.lexicon.origins("however")]
    assert "trying" in [o.text for o in analyzer.lexicon.origins("making an attempt")]
    assert "said" in [o.text for o in analyzer.lexicon.origins("mentioned")]


def test_each_occurrence_keeps_the_originals_that_fit_its_neighbours(analyzer):
    """The channel model ranks a spun form's originals alone; the cut to max_candidates
    per occurrence also weighs the word on each side, which brings in "said" for a
    "mentioned" that the channel ranks below "named", "referenced" and "noted"."""
    text = "The minister advised reporters that extra individuals mentioned the storm."

    def kept(weight: float) -> list[str]:
        config = Config(max_candidates=3, context_cut_weight=weight)
        slots = Analyzer(analyzer.resources, config).candidates(text).slots
        [slot] = [slot for slot in slots if slot.spun == "mentioned"]
        return slot.originals

    assert "said" not in kept(0.0)
    assert "said" in kept(0.25)
    assert len(kept(0.25)) == 3


def test_the_general_models_neighbour_fits_are_its_windows(analyzer):
    """pocketsphinx's model stands in where our n-gram model is missing: the context cut must
    read it the same way, one word each side or none at a sentence's edge."""
    lm = analyzer.resources.general_lm
    slots = [("officials", ["said", "told reporters"], "on"), (None, ["people"], None)]
    for (left, phrases, right), fits in zip(slots, lm.neighbour_fits(slots), strict=True):
        for phrase, fit in zip(phrases, fits, strict=True):
            expected = lm.window([left] if left else [], phrase.split(), [right] if right else [])
            assert fit == pytest.approx(expected)
    said, told = lm.neighbour_fits([("officials", ["said", "told"], "on")])[0]
    assert said > told


def test_the_cached_word_forms_are_those_lemminflect_gives(analyzer):
    """Ranking asks for every candidate's lemmas; for the words of the bundled index they come
    from the cache folder and must be what lemminflect says, and other words still get theirs."""
    from unspin.lexicon import FormsTable, word_forms

    lexicon = analyzer.lexicon
    table = FormsTable.bundled(lexicon.reverse)
    words = table.trie.keys()[::50]
    assert len(words) > 1_000
    assert all(table.get(word) == word_forms(word) for word in words)
    assert table.get("mentioned") == (("mention", "VBD"),) == word_forms("mentioned")
    assert table.get("unspinnable") is None and lexicon.forms("unspinnable") == ()
    assert ("forest", "NNS") in lexicon.forms("forests") == word_forms("forests")


def test_the_cached_phrase_facts_are_those_worked_out_on_demand(analyzer):
    """Ranking reads every original's Zipf frequency, GloVe row and length; for the bundled
    index they come from the cache folder, and must be what looking each one up gives."""
    lexicon = analyzer.lexicon
    ids = np.arange(0, len(lexicon.reverse.phrases), 97)
    stored = PhraseFacts.bundled(lexicon).of(ids, lexicon)
    fresh = PhraseFacts().of(ids, lexicon)
    for name in ("zipf", "glove", "words", "spaced"):
        assert np.array_equal(getattr(stored, name), getattr(fresh, name)), name
    assert not np.isnan(PhraseFacts.bundled(lexicon).zipf).any()  # none left to look up
    # A spaced phrase's stored unit vector is the one its words' vectors give.
    phrase = lexicon.reverse.phrases.word
    spaced = ids[stored.spaced]
    assert len(spaced) > 100 and fresh.unit_rows is None
    for at, row in zip(spaced.tolist(), stored.unit_rows[stored.spaced].tolist(), strict=True):
        unit = lexicon.embeddings.unit(phrase(at))
        if unit is None:
            assert row == -1, phrase(at)
        else:
            assert np.array_equal(stored.units[row], unit), phrase(at)


def test_the_context_cut_never_drops_a_profile_pair(analyzer, small_profile):
    config = Config(max_candidates=1, context_cut_weight=10.0)
    doc = Analyzer(analyzer.resources, config).candidates(
        "Officials mentioned a storm.", small_profile
    )
    [slot] = [slot for slot in doc.slots if slot.spun == "mentioned"]
    assert {"said", "stated"} <= set(slot.originals)
    assert slot.sources.count("thesaurus") == 1


def test_closed_class_words_get_no_thesaurus_originals_but_a_profile_may_list_them(analyzer):
    """Spinners leave "the" and "she" alone; scoring originals for them only costs time. A
    spinner dictionary the user loads is obeyed, closed class or not."""
    text = "She said the plan would work within a year."
    assert analyzer.lexicon.origins("she"), "the thesaurus links the word: the stage must skip it"
    spun_forms = {slot.spun for slot in analyzer.candidates(text).slots}
    assert {"said", "within"} <= spun_forms
    assert not spun_forms & {"she", "the", "a"}
    profile = Profile(
        name="pronouns",
        pairs=(ProfilePair("she", "he", 3, 0.9),),
        source="written for the tests",
        created="2026-11-27T00:00:00+00:00",
    )
    slots = {slot.spun: slot for slot in analyzer.candidates(text, profile).slots}
    assert slots["she"].originals == ["he"]
    assert slots["she"].sources == ["profile"]


def test_a_capitalised_name_gets_only_originals_of_as_many_words(analyzer):
    """ "merchant prince" may be a wordy "king"; "Merchant Prince" is a title, spun word by
    word if at all."""

    def phrase_originals(text: str, spun: str) -> list[str]:
        doc = analyzer.candidates(text)
        return next((slot.originals for slot in doc.slots if slot.spun == spun), [])

    assert "king" in phrase_originals("He became a merchant prince there.", "merchant prince")
    named = phrase_originals("He became a Merchant Prince there.", "merchant prince")
    assert all(len(original.split()) == 2 for original in named)
    crossing = phrase_originals(
        "They walked the Stations of the Cross slowly.", "stations of the cross"
    )
    assert "stations" not in crossing  # small words inside a name still make it one


def test_given_tortured_pairs_replace_the_list_in_every_phrase_layer():
    """A development split carved from the train rows must be as unseen as the test rows."""
    pairs = (("counterfeit consciousness", "artificial intelligence"),)
    resources = Resources(phrases=PhraseSet.TRAIN, tortured_pairs=pairs)
    assert resources.phrase_pairs() == list(pairs)
    assert resources.fingerprints.find("We build counterfeit consciousness systems.")
    assert not resources.fingerprints.find("We train a profound learning model.")
    assert "artificial" in resources.terms.trie and "deep" not in resources.terms.trie
    shipped = Resources(phrases=PhraseSet.TRAIN)
    assert shipped.fingerprints.find("We train a profound learning model.")
    with pytest.raises(ValueError, match="empty"):
        Resources(tortured_pairs=())
    with pytest.raises(ValueError, match="strings"):
        Resources(tortured_pairs=(("counterfeit consciousness",),))


def test_known_terms_are_found_through_synonyms(analyzer):
    terms = TermIndex.from_pairs([("made-up tortured form", "random forest")])
    text = "We fit an irregular woodland to the data."
    tokens = tokenize(text)
    (words,) = list(sentence_words(tokens))
    found = [c for group in terms.propose(tokens, words, analyzer.lexicon, set()) for c in group]
    assert [(text[tokens[c.first].start : tokens[c.last - 1].end], c.original) for c in found] == [
        ("irregular woodland", "random forest")
    ]


def test_terms_that_are_just_common_english_are_not_indexed():
    terms = TermIndex.from_pairs([("x", "the following"), ("y", "an original"), ("z", "big data")])
    assert set(terms.trie) == {"big"}


def test_a_term_already_in_the_text_is_left_alone(analyzer):
    terms = TermIndex.from_pairs([("x", "random forest")])
    tokens = tokenize("A random forest model.")
    (words,) = list(sentence_words(tokens))
    assert not any(terms.propose(tokens, words, analyzer.lexicon, set()))


def test_a_firm_phrase_of_clean_english_is_not_read_as_a_tortured_term(analyzer):
    assert (
        cohesion(analyzer.lm, ["united", "nations"])
        > 3
        > cohesion(analyzer.lm, ["information", "stockroom"])
    )
    assert cohesion(analyzer.lm, ["nations"]) == 0.0
    text = "The refugee agency was founded by the United Nations in 1950."
    unchecked = Analyzer(
        analyzer.resources, Config(term_max_cohesion=math.inf, term_skip_common_pairs=False)
    )

    def term_rewrites(of: Analyzer) -> set[tuple[str, str]]:
        doc = of.candidates(text)
        return {
            (slot.spun, original)
            for slot in doc.slots
            for original, source in zip(slot.originals, slot.sources, strict=True)
            if source == "term"
        }

    assert ("united nations", "united states") in term_rewrites(unchecked)
    assert ("united nations", "united states") not in term_rewrites(analyzer)


def test_a_sentence_too_short_to_judge_keeps_its_wordy_phrases(analyzer):
    text = "The council raised taxes in an effort to balance the budget."
    shortening = Analyzer(analyzer.resources, Config(shorten_phrases_without_verdict=True))
    assert [(s.text, s.original) for s in shortening.analyze(text).spans] == [
        ("in an effort to", "to")
    ]
    report = analyzer.analyze(text)
    assert not report.judged and report.spans == ()
    # with a verdict the same rewrite is still made: the article below is judged spun
    spun = (
        "The council raised taxes in an effort to balance the budget. Officials mentioned "
        "that individuals would pay extra, and the minister advised reporters that the "
        "strategy would be reviewed earlier than the vote. The White Home mentioned on "
        "Tuesday that extra individuals can be evacuated earlier than the storm."
    )
    judged = analyzer.analyze(spun)
    assert judged.judged and judged.is_spun
    assert ("in an effort to", "to") in [(s.text, s.original) for s in judged.spans]


def test_a_common_english_word_pair_is_not_read_as_a_tortured_term(analyzer):
    # "serious condition" is a known term (the PPS train split); "critical condition" a
    # plain news phrase, too loosely held together for the cohesion check alone.
    text = "The man was taken to hospital, where he was listed in critical condition."
    assert cohesion(analyzer.lm, ["critical", "condition"]) < analyzer.config.term_max_cohesion
    unchecked = Analyzer(analyzer.resources, Config(term_skip_common_pairs=False))

    def term_originals(of: Analyzer) -> set[str]:
        doc = of.candidates(text)
        return {
            original
            for slot in doc.slots
            if slot.spun == "critical condition"
            for original, source in zip(slot.originals, slot.sources, strict=True)
            if source == "term"
        }

    assert "serious condition" in term_originals(unchecked)
    assert not term_originals(analyzer)
    assert analyzer.firm_phrase("critical condition")
    assert not analyzer.firm_phrase("counterfeit consciousness")
    assert not analyzer.firm_phrase("information stockroom")
    assert analyzer.resources.bigrams.get("health emergency", 0.0) == 0.0
    assert analyzer.firm_phrase("health emergency")  # in the language model's text only


def test_misfiring_fingerprint_rules_are_screened_out():
    index = FingerprintIndex.from_pairs(
        [
            ("profound learning", "deep learning"),
            ("deep learning", "machine learning"),  # the tortured side is a real term
            ("be that as it", "computer-aided (e.g., design cad)"),  # garbled expected value
            ("square measure", "the word ‘are’, see https://example.org"),  # an explanation
        ]
    )
    assert [rule.tortured for rule in screened(index).rules] == ["profound learning"]


def test_collocations_come_from_the_bigram_list(analyzer):
    from unspin.score import collocation

    bigrams = analyzer.resources.bigrams
    assert collocation(bigrams, ["surface", "area"]) > 5
    assert collocation(bigrams, ["surface", "region"]) == 0


def test_decoder_takes_the_rewrite_the_context_supports(analyzer):
    text = (
        "The spokesperson advised reporters that the talks had failed. Officials advised "
        "reporters on Monday that the plan was dead, and the minister advised reporters that "
        "a new plan would come."
    )
    doc = analyzer.document(text)
    rewrites = {
        (text[doc.tokens[d.slot.first].start : doc.tokens[d.slot.last - 1].end], d.original)
        for d in doc.decisions
    }
    assert ("advised", "told") in rewrites
    slot = next(s for s in doc.slots if s.spun == "advised")
    assert slot.originals[int(slot.log_odds.argmax())] == "told"
    # Every occurrence of "advised" shares the pooled evidence for advised -> told.
    pooled = {
        float(s.columns["pair_top"][s.originals.index("told")])
        for s in doc.slots
        if s.spun == "advised"
    }
    assert len(pooled) == 1


def test_neighbours_come_from_the_restored_text():
    words = ["the", "white", "home", "mentioned", "that"]
    chosen = {2: (3, ["house"]), 3: (4, ["said"])}
    assert neighbours(words, chosen, 3, 4) == (["white", "house"], ["that", "</s>"])
    assert neighbours(words, chosen, 2, 3) == (["the", "white"], ["said", "that"])
    # A rival rewrite of the slot itself is never used as its context.
    assert neighbours(words, {1: (3, ["x"])}, 2, 3) == (["the", "white"], ["mentioned", "that"])


def test_topic_vectors_follow_the_surrounding_words(analyzer):
    words = "the bank raised interest rates and the central bank cut lending".split()
    topics = topic_vectors(words, analyzer.lexicon)
    assert len(topics) == len(words)
    vectors = analyzer.lexicon.embeddings
    money, river = vectors.vector("finance"), vectors.vector("river")
    topic = topics[words.index("raised")]
    assert topic @ money > topic @ river


def test_indefinite_article_follows_the_restored_word():
    from unspin.model import Span
    from unspin.render import with_article

    text = "We fit an irregular woodland. It took an hour."
    span = Span(10, 28, "irregular woodland", "random forest", 0.9, "fingerprint", ("big forest",))
    fixed = with_article(text, span)
    assert text[fixed.start : fixed.end] == fixed.text == "an irregular woodland"
    assert fixed.original == "a random forest"
    assert fixed.alternatives == ("a big forest",)
    # The article goes by the first sound, not the first letter.
    hour = with_article(text, Span(41, 45, "hour", "time", 0.9, "thesaurus"))
    assert (hour.text, hour.original) == ("an hour", "a time")
    consumer = "Ask a consumer."
    user = with_article(consumer, Span(6, 14, "consumer", "user", 0.9, "thesaurus"))
    assert (user.text, user.original) == ("consumer", "user")  # "a user", not "an user"
    tasks = "It was a burdensome task."
    onerous = with_article(tasks, Span(9, 19, "burdensome", "onerous", 0.9, "thesaurus"))
    assert (onerous.text, onerous.original) == ("a burdensome", "an onerous")
    once = with_article(tasks, Span(9, 19, "burdensome", "one-off", 0.9, "thesaurus"))
    assert once.original == "one-off"  # "a one-off": the article stays
    odd = "An unit of one."  # an article that never fit is the author's choice: left alone
    assert with_article(odd, Span(3, 7, "unit", "element", 0.9, "thesaurus")).text == "unit"
    # Nothing to do when the article already fits the original.
    same = Span(10, 28, "irregular woodland", "arbitrary forest", 0.9, "thesaurus")
    assert with_article(text, same) == same


def _slot(start: int, end: int, accept: float, original: str = "x"):
    from unspin.document import Slot

    slot = Slot(sentence=0, start=start, end=end, first=start, last=end, spun="s")
    slot.add(original, 0, 0.0, "thesaurus")
    slot.log_odds = np.array([accept])
    slot.accept = accept
    return slot


def test_choice_takes_the_best_set_of_non_overlapping_rewrites():
    """Greedy left-to-right would take the first phrase and lose two better words."""
    from unspin.decide import choose
    from unspin.document import Document

    doc = Document(text="", tokens=[], sentences=[[0, 1, 2, 3]])
    phrase = _slot(0, 2, 3.0, "a phrase")
    first, second = _slot(0, 1, 2.5, "one"), _slot(1, 2, 2.0, "two")
    weak = _slot(3, 4, 0.5, "weak")
    doc.slots = [phrase, first, second, weak]
    chosen = choose(doc, threshold=1.0)
    assert [d.original for d in chosen] == ["one", "two"]  # 1.5 + 1.0 beats 2.0
    assert [d.original for d in choose(doc, threshold=2.2)] == ["a phrase"]
    assert choose(doc, threshold=5.0) == []


def test_the_bar_for_a_rewrite_falls_with_the_evidence_that_the_text_is_spun():
    from unspin.decide import rewrite_threshold

    strict, floor = 1.25, 0.0
    assert rewrite_threshold(strict, floor, None) == strict  # no verdict (too short)
    assert rewrite_threshold(strict, floor, 0.3) == strict  # reads as clean
    assert rewrite_threshold(strict, floor, 0.5) == strict
    barely = rewrite_threshold(strict, floor, 0.6)  # logit(0.6) = 0.405
    assert abs(barely - (strict - 0.4055)) < 1e-3
    assert rewrite_threshold(strict, floor, 0.9) == floor  # logit(0.9) = 2.2 > strict
    assert rewrite_threshold(strict, floor, 0.999) == floor
    # A user's own strict bar below even odds is never raised.
    assert rewrite_threshold(-1.0, floor, 0.999) == -1.0


def test_a_fixed_prior_enters_the_decision_once_at_its_fixed_weight(analyzer):
    """A known term's +6 must not flow through the fitted weights of the decision model too
    (fitted on simulation, which has no known terms, they could shrink or reverse it)."""
    from unspin.decide import FIXED_WEIGHTS, OCCURRENCE_FEATURES, decision_columns
    from unspin.document import Document, Slot

    models = analyzer.resources.decoder.models

    def slot(known: float) -> Slot:
        made = Slot(sentence=0, start=0, end=1, first=0, last=1, spun="profound")
        for original in ("deep", "intense"):
            made.add(original, 0, 0.0, "thesaurus")
        made.columns = {name: np.array([0.5, 0.5]) for name in OCCURRENCE_FEATURES}
        made.columns["known_term"] = np.array([known, 0.0])
        made.columns["profile"] = np.zeros(2)
        made.log_odds = models.occurrence.log_odds(made.columns)
        return made

    doc = Document(text="", tokens=[], sentences=[[0]], spin_rate=0.1)
    doc.slots = [slot(0.0), slot(1.0)]
    columns = decision_columns(doc, models.occurrence)
    assert np.argmax(doc.slots[1].log_odds) == 0  # the prior puts "deep" first
    assert np.allclose(columns["margin"], columns["margin"][0])
    assert np.allclose(columns["spun_logit"], columns["spun_logit"][0])
    accept = models.decision.log_odds(columns)
    assert abs(accept[1] - accept[0] - FIXED_WEIGHTS["known_term"]) < 1e-9
    # A weights file that ranks with another prior has that prior taken out, not the default.
    import dataclasses

    at = models.occurrence.features.index("known_term")
    weights = list(models.occurrence.weights)
    weights[at] = 4.0
    other = dataclasses.replace(models.occurrence, weights=tuple(weights))
    for made in doc.slots:
        made.log_odds = other.log_odds(made.columns)
    margins = decision_columns(doc, other)["margin"]
    assert np.allclose(margins, margins[0])


def test_pooled_evidence_follows_the_rescored_context(analyzer):
    """After rescoring with restored neighbours, each pair's pooled context gain is the mean of
    its occurrences' current gains, not the gains of the first pass."""
    text = (
        "The minister advised reporters that the White Home mentioned extra individuals. "
        "Officials advised reporters that the White Home mentioned the plan. "
        "The White Home mentioned that individuals can be evacuated earlier than the storm."
    )
    doc = analyzer.document(text)
    assert doc.decisions  # the rescoring pass ran
    by_form: dict[str, list] = {}
    for slot in doc.slots:
        by_form.setdefault(slot.spun, []).append(slot)
    for slots in by_form.values():
        gains: dict[str, list[float]] = {}
        for slot in slots:
            for original, gain in zip(slot.originals, slot.columns["lm_gain"], strict=True):
                gains.setdefault(original, []).append(float(gain))
        for slot in slots:
            expected = [np.mean(gains[original]) for original in slot.originals]
            assert np.allclose(slot.columns["pair_gain"], expected)


def test_news_wording_is_judged_by_the_general_english_model_too(analyzer):
    """Our own n-gram model learnt Wikipedia, where "the White House said" never occurs and
    "said" fits no better than "named"; the general-English model tells them apart."""
    doc = analyzer.document("The White House mentioned on Tuesday that the plan would go ahead.")
    (slot,) = [s for s in doc.slots if s.spun == "mentioned"]
    gains = dict(zip(slot.originals, slot.columns["general_gain"], strict=True))
    assert {"said", "named"} <= gains.keys()
    assert gains["said"] > gains["named"] + 3.0


def test_a_missing_original_counts_only_where_the_text_is_long_enough_to_miss_it(lexicon):
    """A 20-word text without "said" says nothing about "said"; a 3,000-word news text
    without it is strong evidence that something took it away. And a rare word seen once in a
    short text is not a thousandfold excess."""
    from unspin.decide import _excess

    short = {"mentioned": 1}
    long_text = {"mentioned": 15}
    said_short = _excess("said", short, 20, lexicon)
    said_long = _excess("said", long_text, 3_000, lexicon)
    assert abs(said_short) < 0.1
    assert said_long < -0.8
    assert _excess("mentioned", short, 20, lexicon) < 1.0
    assert _excess("mentioned", long_text, 3_000, lexicon) > 0.5
    assert _excess("earlier than", long_text, 3_000, lexicon) == 0.0  # a phrase: no usual rate


def test_a_profiles_prior_does_not_count_towards_the_spin_rate():
    """A profile says which original a spun form comes from, not that this text was spun."""
    from unspin.decide import (
        RATE_PRIOR,
        RATE_TRUST_WORDS,
        shifted_rate,
        spin_rates,
    )
    from unspin.document import Document, Slot
    from unspin.logistic import LogisticModel, sigmoid
    from unspin.profile import Profile, ProfilePair

    occurrence = LogisticModel(("profile",), (3.0,), 0.0)
    profile = Profile("p", (ProfilePair("under", "for"),), "", "")
    for loaded, expected in [(None, 2.0), (profile, -1.0)]:
        doc = Document(text="under it", tokens=[], sentences=[[0, 1]], profile=loaded)
        slot = Slot(sentence=0, start=0, end=1, first=0, last=1, spun="under", originals=["for"])
        slot.log_odds = np.array([2.0])
        slot.columns["profile"] = np.array([1.0])
        doc.slots = [slot]
        assert spin_rates(doc)[0] == spin_rates(doc, None)[0] == float(sigmoid(2.0)) / 2
        assert spin_rates(doc, occurrence)[0] == float(sigmoid(expected)) / 2
        # Two words: the decisions' rate is mostly the plain mean, a little the shifted one.
        masses = np.array([float(sigmoid(expected)), 0.0])
        trust = 2 / (2 + RATE_TRUST_WORDS)
        shifted = shifted_rate(masses, RATE_PRIOR)
        assert spin_rates(doc, occurrence)[1] == pytest.approx(
            trust * shifted + (1 - trust) * masses.mean()
        )


def lifted_document(analyzer, context_fit: float, spin_score: float, rewrite_rate: float):
    """A spun-looking document, its context fit, verdict and rate set by hand."""
    from unspin.decide import apply_decision_model

    doc = analyzer.prepared(
        "The minister advised reporters that extra individuals can be evacuated now.", None, None
    )
    doc.evidence = {**doc.evidence, "context_fit": context_fit}
    doc.spin_score, doc.rewrite_rate = spin_score, rewrite_rate
    apply_decision_model(doc, analyzer.resources.decoder.models)  # decided at that rate
    return doc


def test_a_text_judged_spun_weighs_the_rate_its_context_fit_says_where_that_is_more(analyzer):
    """The rate from the spun masses counts only the rewrites the models recognise; in a text
    judged spun the decisions weigh at least the rate its context fit says, as surely as the
    verdict says, and every slot is decided again at it."""
    from unspin.decide import CONTEXT_RATE_CEILING, CONTEXT_RATE_TRUST_WORDS

    decoder = analyzer.resources.decoder
    model = decoder.models.context_rate
    doc = lifted_document(analyzer, context_fit=0.5, spin_score=0.99, rewrite_rate=0.02)
    before = [slot.accept for slot in doc.slots]
    assert before  # slots to decide again
    said = min(float(model.predict({"context_fit": 0.5})), CONTEXT_RATE_CEILING)
    assert said > 0.02
    decoder.lift_rate(doc)
    trust = 0.99 * doc.word_count / (doc.word_count + CONTEXT_RATE_TRUST_WORDS)
    assert doc.rewrite_rate == pytest.approx(trust * said + (1 - trust) * 0.02)
    assert all(
        after > was for after, was in zip((s.accept for s in doc.slots), before, strict=True)
    )
    # Words the fingerprint layer restored are replaced words the context fit counts; the
    # rate the decisions weigh counts only the rest.
    words = [i for sentence in doc.sentences for i in sentence]
    for share, lifts in [(said + 0.01, False), (said / 2, True)]:
        known = lifted_document(analyzer, context_fit=0.5, spin_score=0.99, rewrite_rate=0.02)
        known.frozen = set(words[: math.ceil(share * len(words))])
        decoder.lift_rate(known)
        assert (known.rewrite_rate > 0.02) == lifts, share
        assert known.rewrite_rate < doc.rewrite_rate
    # A verdict less sure lifts less.
    doubtful = lifted_document(analyzer, context_fit=0.5, spin_score=0.6, rewrite_rate=0.02)
    decoder.lift_rate(doubtful)
    assert 0.02 < doubtful.rewrite_rate < doc.rewrite_rate
    # Context that reads as clean never lowers the rate the masses give.
    clean = lifted_document(analyzer, context_fit=3.0, spin_score=0.99, rewrite_rate=0.02)
    decoder.lift_rate(clean)
    assert clean.rewrite_rate == 0.02


def test_the_rate_is_lifted_only_in_a_text_judged_spun_and_given_no_profile(
    analyzer, small_profile, monkeypatch
):
    """A profile (the user's or the text's own learned dictionary) means the spinner is
    recognised: its spun masses count the rewrites. A text judged clean keeps its rate."""
    from unspin.decide import Decoder

    lifted: list[float] = []
    monkeypatch.setattr(Decoder, "lift_rate", lambda self, doc: lifted.append(doc.spin_score))
    for score, profile, judged, expected in [
        (0.9, None, True, [0.9]),
        (0.4, None, True, []),
        (0.9, small_profile, True, []),
        (0.9, None, False, []),
    ]:
        lifted.clear()
        doc = lifted_document(analyzer, context_fit=0.5, spin_score=score, rewrite_rate=0.02)
        doc.profile, doc.judged = profile, judged
        analyzer.settle(doc)
        assert lifted == expected, (score, profile, judged)


def test_the_spin_rate_sharpens_what_the_words_say_together():
    """Many words that look spun make a text spun more than each word alone says; a few
    doubtful ones, less (the word probabilities were fitted at one rate, RATE_PRIOR)."""
    from unspin.decide import RATE_PRIOR, shifted_rate

    assert shifted_rate(np.zeros(10), RATE_PRIOR) == 0.0
    assert shifted_rate(np.zeros(0), RATE_PRIOR) == 0.0
    assert shifted_rate(np.full(10, RATE_PRIOR), RATE_PRIOR) == pytest.approx(RATE_PRIOR)
    many = np.array([0.9] * 5 + [0.0] * 5)
    assert shifted_rate(many, RATE_PRIOR) > many.mean()
    few = np.array([0.05] * 2 + [0.0] * 38)
    assert shifted_rate(few, RATE_PRIOR) < few.mean()


def test_warm_loads_every_resource_a_request_would_need():
    """Resources load lazily; `warm` (serve, screen before forking) loads them all at once."""
    from unspin.pipeline import Analyzer
    from unspin.resources import Resources

    fresh = Analyzer(Resources())
    assert "lexicon" not in vars(fresh.resources)
    fresh.warm()
    needed = {"lexicon", "lm", "general_lm", "bigrams", "decoder", "fingerprints", "terms"}
    assert needed <= set(vars(fresh.resources))
