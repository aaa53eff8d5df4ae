"""Learning a spinner profile from spun text alone (unspin.learn, `unspin learn`)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from unspin.cli import EXIT_BAD_INPUT, app
from unspin.config import Config
from unspin.learn import (
    DECIPHER_CAP,
    DECIPHER_SHIFT,
    DECIPHER_WEIGHT,
    PAIR_FEATURES,
    CorpusEvidence,
    PairEvidence,
    PairStage,
    assign,
    learn_profile,
    pair_model,
)
from unspin.pipeline import Analyzer
from unspin.profile import Profile

# A hand-written spinner dictionary (original -> spun), applied to every document.
DICTIONARY = {"said": "mentioned", "people": "individuals", "help": "assist", "big": "large"}
SENTENCES = (
    "The mayor said that many people would need help after the storm.",
    "Officials said the big bridge was closed on Monday morning.",
    "Many people said they wanted help from the city council.",
    "The government said a big plan would help local people this year.",
    "Police said two people were taken to hospital after the crash.",
    "The company said it would build a big new factory near the river.",
    "Doctors said people should ask for help if they feel ill.",
    "The minister said the big problem was the cost of housing.",
    "Volunteers came to help people clean the streets on Sunday.",
)
UNTOUCHED = ("city", "government", "company", "police", "river")


def spin(text: str) -> str:
    def swap(match: re.Match) -> str:
        word = match.group()
        spun = DICTIONARY.get(word.lower())
        if spun is None:
            return word
        return spun.capitalize() if word[0].isupper() else spun

    return re.sub(r"[A-Za-z]+", swap, text)


def documents(count: int = 32) -> list[str]:
    return [
        " ".join(SENTENCES[(index + step) % len(SENTENCES)] for step in range(3))
        for index in range(count)
    ]


@pytest.fixture(scope="module")
def evidence(analyzer) -> CorpusEvidence:
    pooled = CorpusEvidence(analyzer)
    for text in documents():
        pooled.add(spin(text))
    return pooled


@pytest.mark.xfail(
    strict=True,
    reason="known defect since the 4-gram model: 'individuals' is learned as 'persons', not "
    "'people' (both are missing from the corpus and the model fits 'persons' as well), and "
    "'large' gets no pair; said and help are right",
)
def test_learned_pairs_are_the_dictionary(evidence):
    profile = evidence.profile(name="test")
    learned = {pair.spun: pair.original for pair in profile.pairs}
    for original, spun in DICTIONARY.items():
        assert learned.get(spun) == original, (spun, profile.originals(spun))
    for word in UNTOUCHED:
        assert word not in profile, (word, profile.originals(word))
    for pair in profile.pairs:
        assert pair.count >= 2 and 0.5 <= pair.confidence <= 1
    assert evidence.documents == 32 and evidence.total_words > 600


def test_one_original_per_spun_form_and_one_spun_form_per_original(evidence):
    chosen = assign(evidence.scores())
    assert len({s.spun for s in chosen}) == len(chosen)
    assert len({s.original for s in chosen}) == len(chosen)
    ranked = evidence.scores()
    said = max((s for s in ranked if s.spun == "mentioned"), key=lambda s: s.confidence)
    assert said.original == "said"
    assert said.features["left_share"] == 0.0  # "said" itself is gone from the spun corpus


def test_stages_say_where_each_dictionary_pair_is_lost(evidence, analyzer):
    stages = evidence.stages(
        [
            ("mentioned", "said"),  # the spinner's pair, learned
            ("mentioned", "stated"),  # a candidate, but "mentioned" went to "said"
            ("mentioned", "zebra"),  # no resource links them
            ("flabbergasted", "surprised"),  # not in the corpus
        ]
    )
    assert list(stages.values()) == [
        PairStage.LEARNED,
        PairStage.OTHER_CHOSEN,
        PairStage.NOT_CANDIDATE,
        PairStage.UNSEEN,
    ]
    # A pair the assignment chose but a higher bar would not keep.
    confidence = {(s.spun, s.original): s.confidence for s in evidence.scores()}
    bar = confidence[("mentioned", "said")] + 1e-6
    assert evidence.stages([("mentioned", "said")], min_confidence=bar) == {
        ("mentioned", "said"): PairStage.LOW_CONFIDENCE
    }
    once = CorpusEvidence(analyzer)
    once.add(spin(SENTENCES[0]))  # "individuals" once: too rare to pair
    assert once.stages([("individuals", "people")]) == {("individuals", "people"): PairStage.RARE}


def test_clean_text_teaches_little(analyzer):
    profile = learn_profile(documents(12), analyzer=analyzer, name="clean")
    assert not any(pair.spun in DICTIONARY for pair in profile.pairs)
    assert len(profile) <= 3


def test_learn_profile_reports_progress(analyzer):
    calls = []
    texts = [spin(text) for text in documents(4)]
    learn_profile(
        texts, analyzer=analyzer, progress=lambda done, total: calls.append(done), total=4
    )
    assert calls == [1, 2, 3, 4]


# --- command line


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_cli_learn_writes_a_loadable_profile(tmp_path: Path, analyzer):
    corpus = tmp_path / "site.jsonl"
    rows = [{"id": i, "body": spin(text)} for i, text in enumerate(documents())]
    rows.append({"id": "bad", "body": ""})
    corpus.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    out = tmp_path / "acme.profile.json"
    result = run("learn", str(corpus), "--text-field", "body", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output  # the empty row, named, not a traceback
    profile = Profile.load(out)
    assert profile.name == "acme"
    assert profile.originals("mentioned")[0].original == "said"
    # Refuses to overwrite without --force, then does with it.
    again = run("learn", str(corpus), "--text-field", "body", "--out", str(out))
    assert again.exit_code == EXIT_BAD_INPUT and "exists" in again.output
    forced = run("learn", str(corpus), "--text-field", "body", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: ([str(d / "missing")], d / "p.json"), "no such file"),
        (lambda d: ([str(d / "docs")], d / "docs"), "is a directory"),
        (lambda d: ([str(d / "docs")], d / "nowhere" / "p.json"), "not a directory"),
        (lambda d: ([str(d / "empty.jsonl")], d / "p.json"), "no usable documents"),
    ],
)
def test_cli_learn_bad_input_is_one_line_rc_2(tmp_path: Path, make, message):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(spin(SENTENCES[0]), encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text('{"text": ""}\n{"text": "\\u0000"}\n')
    inputs, out = make(tmp_path)
    result = run("learn", *inputs, "--out", str(out))
    assert result.exit_code == EXIT_BAD_INPUT
    assert message in result.output
    assert "Traceback" not in result.output
    assert not Path(out).is_file()


def test_decipherment_charges_an_original_the_text_still_uses_plainly(analyzer):
    """'under' fits where 'in' would as well as where 'for' would; but 'in' is all over the
    corpus (the spinner never took it) while 'for' is gone: only 'for' -> 'under' pays off."""
    pooled = CorpusEvidence(analyzer)
    pooled.words.update({"in": 40, "for": 1, "under": 30})
    taken = PairEvidence("under", "for", occurrences=30, channel=25.0)
    plain = PairEvidence("under", "in", occurrences=30, channel=25.0)
    rate = analyzer.config.profile_replace_rate
    assert pooled.decipherment(taken) == pytest.approx(25.0 + math.log(1 - rate))
    assert pooled.decipherment(plain) == pytest.approx(25.0 + 40 * math.log(1 - rate))
    assert pooled.decipherment(plain) < 0 < pooled.decipherment(taken)
    phrase = PairEvidence("under", "in favour of", occurrences=30, channel=25.0)
    assert pooled.decipherment(phrase) == 25.0  # no corpus count for a phrase: no charge


def test_the_decipherment_ratio_moves_the_pair_models_confidence(evidence):
    scores = {(s.spun, s.original): s for s in evidence.scores()}
    said = scores[("mentioned", "said")]
    assert said.features["decipherment"] > DECIPHER_CAP  # 'said' is gone, 'mentioned' fits
    shift = DECIPHER_WEIGHT * DECIPHER_CAP - DECIPHER_SHIFT
    columns = {name: np.array([said.features[name]]) for name in PAIR_FEATURES}
    alone = float(pair_model().log_odds(columns)[0])
    assert math.log(said.confidence / (1 - said.confidence)) == pytest.approx(alone + shift)


def test_a_text_judged_spun_is_restored_with_the_dictionary_learned_from_itself(analyzer):
    text = spin(" ".join(SENTENCES))
    calls: list[tuple[int, int]] = []
    doc = analyzer.document(text, progress=lambda done, total: calls.append((done, total)))
    assert doc.spin_score > analyzer.config.learn_from_text
    assert doc.profile is not None and doc.profile.source == "learned from the text itself"
    assert doc.profile.originals("mentioned")[0].original == "said"
    assert any("learned from this text" in note for note in doc.notes)
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1] == (doc.word_count, doc.word_count)

    off = Analyzer(analyzer.resources, Config(learn_from_text=1.0))
    assert off.document(text).profile is None


def test_the_second_pass_takes_over_the_first_and_comes_out_as_from_scratch(analyzer):
    """Restoring with the learned dictionary re-proposes and re-scores only the slots of the
    forms it lists; every slot must still come out as a fresh analysis with it gives."""
    text = spin(" ".join(SENTENCES))
    first = analyzer.prepared(text, None, None)
    learned = analyzer.learned_profile(first)
    assert len(learned) >= 2
    kept = {id(slot) for slot in first.slots}
    again = analyzer.prepared(text, learned, None, first)
    scratch = analyzer.prepared(text, learned, None)
    listed = {pair.spun for pair in learned.pairs}
    assert any(id(slot) in kept for slot in again.slots)  # taken over, not recomputed
    assert all(id(slot) not in kept for slot in again.slots if slot.spun in listed)
    assert [(s.sentence, s.start, s.end, s.originals) for s in again.slots] == [
        (s.sentence, s.start, s.end, s.originals) for s in scratch.slots
    ]
    for ours, fresh in zip(again.slots, scratch.slots, strict=True):
        np.testing.assert_allclose(ours.log_odds, fresh.log_odds)
        assert ours.accept == pytest.approx(fresh.accept)
    assert again.spin_rate == pytest.approx(scratch.spin_rate)
    assert again.spin_score == first.spin_score  # the verdict reached without the dictionary
    with pytest.raises(ValueError, match="same text"):
        analyzer.prepared(text + " More.", learned, None, first)
    with pytest.raises(ValueError, match="profile must be given"):
        analyzer.prepared(text, None, None, first)


def test_a_clean_text_learns_no_dictionary_from_itself(analyzer):
    doc = analyzer.document(" ".join(SENTENCES))
    assert doc.spin_score <= analyzer.config.learn_from_text
    assert doc.profile is None and not doc.notes


def test_learn_from_text_is_a_spin_score():
    with pytest.raises(ValueError, match="learn_from_text"):
        Config(learn_from_text=1.5)
    with pytest.raises(ValueError, match="learn_min_pairs"):
        Config(learn_min_pairs=0)
    with pytest.raises(ValueError, match="learn_min_confidence"):
        Config(learn_min_confidence=0.0)


def test_pairs_learned_from_the_text_meet_the_configured_confidence(analyzer):
    text = spin(" ".join(SENTENCES))
    learned = analyzer.document(text).profile
    assert min(pair.confidence for pair in learned.pairs) < 0.99
    strict = Analyzer(analyzer.resources, Config(learn_min_confidence=0.99, learn_min_pairs=1))
    profile = strict.document(text).profile
    assert profile is None or all(pair.confidence >= 0.99 for pair in profile.pairs)


def test_one_repeated_swap_is_not_a_dictionary(analyzer):
    text = spin(" ".join(SENTENCES))
    learned = len(analyzer.document(text).profile)
    strict = Analyzer(analyzer.resources, Config(learn_min_pairs=learned + 1))
    assert strict.document(text).profile is None


def test_rewrites_from_the_dictionary_learned_from_the_text_do_not_claim_certainty(analyzer):
    """The decision odds of a learned pair's rewrite carry the profile's channel prior: read as
    a probability they said 99.9% (fitting-family simulations: right about 80% of the time)."""
    report = analyzer.analyze(spin(" ".join(SENTENCES)))
    learned = [span for span in report.spans if span.source == "profile"]
    assert len(learned) >= 5
    assert all(0.5 < span.confidence < 0.98 for span in learned)
