"""Long texts in sections: cut where a reader would cut, nothing lost, one report at the end."""

from __future__ import annotations

import pytest

from unspin.config import Config
from unspin.pipeline import Analyzer
from unspin.render import restore
from unspin.sections import split_sections

PARAGRAPH = (
    "The minister told reporters that officials had been trying to limit access to the "
    "building. The White House said on Tuesday that more people would be evacuated before the "
    "storm, and that the roads would stay closed until the weekend."
)
TORTURED = (
    "Our team trained a profound learning model and an irregular woodland classifier on the "
    "data, and the results were checked by hand against the labels of the earlier study."
)


def test_sections_cover_the_text_and_end_at_paragraph_breaks():
    text = "\n\n".join([PARAGRAPH, TORTURED, PARAGRAPH, TORTURED])
    sections = split_sections(text, 80)
    assert "".join(section for _, section in sections) == text
    assert all(text[start : start + len(s)] == s for start, s in sections)
    assert len(sections) == 2
    assert sections[0][1].endswith("\n\n") and sections[1][1].startswith("The minister")


def test_a_paragraph_longer_than_a_section_is_cut_at_sentence_ends():
    sections = split_sections(PARAGRAPH, 20)
    assert "".join(section for _, section in sections) == PARAGRAPH
    assert sections[1][1].startswith("The White House")
    with pytest.raises(ValueError, match="at least 1"):
        split_sections(PARAGRAPH, 0)


def test_a_long_text_gets_the_report_of_its_sections(analyzer):
    text = "\n\n".join([PARAGRAPH, TORTURED, PARAGRAPH, TORTURED])
    sectioned = Analyzer(analyzer.resources, Config(section_words=40))
    report = sectioned.analyze(text)
    assert report.text == text and report.word_count >= 100
    assert report.restored == restore(text, report.spans)
    for span in report.spans:
        assert text[span.start : span.end] == span.text
    found = {(span.text.lower(), span.original.lower()) for span in report.spans}
    assert ("profound learning", "deep learning") in found
    # the phrase is found in both copies, the second one at its own offset
    hits = [s.start for s in report.spans if s.text.lower() == "profound learning"]
    assert len(hits) == 2 and text.index("profound learning", hits[0] + 1) == hits[1]
    assert 0.0 <= report.spin_score <= 1.0 and report.judged


def test_section_size_is_validated():
    with pytest.raises(ValueError, match="section_words"):
        Config(section_words=10)


def test_progress_runs_once_through_all_sections(analyzer):
    text = "\n\n".join([PARAGRAPH, TORTURED, PARAGRAPH, TORTURED])
    calls: list[tuple[int, int]] = []
    sectioned = Analyzer(analyzer.resources, Config(section_words=40))
    sectioned.analyze(text, progress=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and len({t for _, t in calls}) == 1
    assert done[-1] == calls[-1][1] == len(text.split())
