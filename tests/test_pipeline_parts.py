"""Candidate generation, scoring and decisions, each on its own."""

from __future__ import annotations

import pytest

from unspin import default_analyzer
from unspin.candidates import TermIndex, sentence_words
from unspin.decide import decide_sentence, topic_vectors
from unspin.fingerprint import FingerprintIndex
from unspin.lexicon import TORTURED, TORTURED_BONUS
from unspin.pipeline import screened
from unspin.tokenize import tokenize


@pytest.fixture(scope="module")
def analyzer():
    return default_analyzer()


def test_originals_are_inflected_like_the_spun_word(analyzer):
    originals = [o.text for o in analyzer.lexicon.origins("floors")]
    assert "grounds" in originals
    assert "told" in [o.text for o in analyzer.lexicon.origins("advised")]


def test_another_form_of_the_same_word_is_never_an_original(analyzer):
    lexicon = analyzer.lexicon
    for spun in ("forests", "advised", "floors", "learning"):
        spun_lemmas = lexicon.lemmas(spun)
        assert all(not lexicon.lemmas(o.text) & spun_lemmas for o in lexicon.origins(spun))


def test_spinner_model_ranks_close_synonyms_first(analyzer):
    """The fitted spinner model should prefer 'deep' over far-fetched originals of 'profound'."""
    origins = analyzer.lexicon.origins("profound")
    assert "deep" in [o.text for o in origins][:5]
    assert len(origins) <= analyzer.lexicon.max_candidates
    priorities = [o.score + TORTURED_BONUS * bool(o.links & TORTURED) for o in origins]
    assert priorities == sorted(priorities, reverse=True)


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
    assert analyzer.lm.collocation(["surface", "area"]) > 5
    assert analyzer.lm.collocation(["surface", "region"]) == 0


def test_decoder_takes_the_rewrite_the_context_supports(analyzer):
    text = "The spokesperson advised reporters that the talks had failed."
    ((_, sentence),) = list(analyzer.sentences(tokenize(text), set()))
    assert sentence.words[2] == "advised"
    evidence: list[float] = []
    lenient = analyzer.params.spun_threshold  # as used once a document is judged spun
    decisions = decide_sentence(
        sentence, analyzer.lm, analyzer.params, evidence, analyzer.lexicon, lenient
    )
    assert [(d.start, d.candidate.original) for d in decisions] == [(2, "told")]
    assert 0.5 < decisions[0].confidence <= 1.0
    assert len(evidence) == sum(1 for group in sentence.candidates if group)
    strict = decisions[0].log_odds + 0.01
    assert not decide_sentence(sentence, analyzer.lm, analyzer.params, [], analyzer.lexicon, strict)


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
    # An article that did not follow the spelling rule is the author's choice: left alone.
    hour = Span(41, 45, "hour", "time", 0.9, "thesaurus")
    assert with_article(text, hour) == hour
    # Nothing to do when the article already fits the original.
    same = Span(10, 28, "irregular woodland", "arbitrary forest", 0.9, "thesaurus")
    assert with_article(text, same) == same
