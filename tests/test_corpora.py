"""The split of the clean corpora between language model, fitting and evaluation."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest

from unspin import corpora
from unspin.corpora import Article, WikipediaSplit


@pytest.fixture()
def wikipedia_dir(tmp_path: Path) -> Path:
    """Two small extract parts in the shared data's layout (one article per JSONL line)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for part in range(2):
        rows = [
            {"id": str(part * 1000 + i), "title": f"T{i}", "text": f"Article {part}-{i} text."}
            for i in range(700)
        ]
        with lzma.open(folder / f"wikipedia_2015_part{part:02d}.jsonl.xz", "wt") as out:
            out.writelines(json.dumps(row) + "\n" for row in rows)
    return tmp_path


def test_each_article_has_one_use_and_the_reserved_slices_are_small(wikipedia_dir: Path) -> None:
    by_split = {
        split: [a.id for a in corpora.read_wikipedia(wikipedia_dir, split=split)]
        for split in WikipediaSplit
    }
    everything = [a.id for a in corpora.read_wikipedia(wikipedia_dir)]
    assert sorted(sum(by_split.values(), [])) == sorted(everything)
    for reserved in (WikipediaSplit.FITTING, WikipediaSplit.EVALUATION):
        assert 0.005 < len(by_split[reserved]) / len(everything) < 0.04
        # the use follows the id, not the file or the position in it
        assert all(corpora.wikipedia_split(i) is reserved for i in by_split[reserved])
    assert not set(by_split[WikipediaSplit.FITTING]) & set(by_split[WikipediaSplit.EVALUATION])
    only_second_part = [
        a.id for a in corpora.read_wikipedia(wikipedia_dir, slice(1, 2), WikipediaSplit.FITTING)
    ]
    assert only_second_part == [i for i in by_split[WikipediaSplit.FITTING] if int(i) >= 1000]


def test_samples_keep_whole_paragraphs_of_either_layout() -> None:
    paragraph = " ".join(["word"] * 200)
    heading = "A short heading"
    news = Article("n", "news", "\n\n".join([heading, *[paragraph] * 8]))
    encyclopedia = Article("w", "wiki", "\n".join([heading, *[paragraph] * 8]))
    for article in (news, encyclopedia):
        short, long = corpora.article_samples([article], seed=3)
        assert heading not in short and heading not in long
        assert short.split("\n\n")[0] == paragraph
        assert len(short.split("\n\n")) in (1, 2)
        # just over the long sample's size, in whole paragraphs
        assert long.split("\n\n") == [paragraph] * 5
    assert corpora.article_samples([Article("e", "empty", heading)], seed=3) == []


def test_lone_sentences_are_those_a_user_might_paste_one_by_one() -> None:
    text = (
        "Breaking news.\n\nThe minister told reporters on Tuesday that more people would be "
        "evacuated. Officials said the storm was expected to reach the coast by Friday night, "
        "bringing heavy rain, strong winds and flooding to many low-lying towns and villages "
        "along the river."
    )
    sentences = corpora.lone_sentences(text, too_long=20)
    # the heading is too short, the last sentence too long for "one sentence alone"; a
    # sentence runs from its first word to its last (the full stop stays out)
    assert sentences == [
        "The minister told reporters on Tuesday that more people would be evacuated"
    ]
    assert text[text.index("The") :].startswith(sentences[0])
    assert len(corpora.lone_sentences(text, too_long=100)) == 2


@pytest.mark.skipif(
    not (corpora.SHARED_DATA / corpora.WIKINEWS_FILE).is_file(),
    reason="shared Wikinews data not available",
)
def test_fitting_text_is_the_fitting_prose_only_in_short_and_long_samples() -> None:
    """What calibrate.py, fit_confidence.py and fit_context_rate.py spin and fit on."""
    text = corpora.fitting_text(corpora.SHARED_DATA, 3, 2, seed=5)
    assert len(text.news) == 3 and len(text.wikipedia) == 2
    assert not any(corpora.is_heldout_news(article.id) for article in text.news)
    assert all(
        corpora.wikipedia_split(article.id) is WikipediaSplit.FITTING for article in text.wikipedia
    )
    assert len(text.samples) == 2 * (3 + 2)  # a short and a long sample of each article
    longs = text.samples[1::2]
    # The seed draws only the short samples; the long ones lead each article.
    other = corpora.fitting_text(corpora.SHARED_DATA, 3, 2, seed=6)
    assert other.samples[1::2] == longs
    everything = corpora.fitting_text(corpora.SHARED_DATA, None, 0, seed=5)
    assert len(everything.news) > 3 and everything.wikipedia == []
