"""Long texts are analysed section by section, so memory stays bounded whatever the length.

A decoder state holds every candidate of every word (about 16 KB a word), so a 235,000-word
book would need gigabytes at once. A section of `Config.section_words` words is long enough for
the document-level evidence (a spinner's favourite swaps repeat many times in a few thousand
words) and short enough to keep memory flat. Sections end at paragraph breaks where possible,
else at sentence ends, else between words; the text between them is kept exactly.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence

from unspin.logistic import logit, sigmoid
from unspin.model import Report

_WORD = re.compile(r"\w+")
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?])\s+"),
    re.compile(r"\s+"),
)


def split_sections(text: str, max_words: int) -> list[tuple[int, str]]:
    """(start offset, section text) pairs covering `text`; each has at most `max_words` words
    unless a single unbreakable run is longer."""
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")
    return list(_split(text, 0, max_words, 0))


def _split(text: str, offset: int, max_words: int, level: int) -> Iterator[tuple[int, str]]:
    if len(_WORD.findall(text)) <= max_words or level == len(_BREAKS):
        yield offset, text
        return
    # pieces end right after each break, so joining them gives back the text exactly
    ends = [match.end() for match in _BREAKS[level].finditer(text)] + [len(text)]
    start, words, cursor = 0, 0, 0
    for end in ends:
        piece_words = len(_WORD.findall(text, cursor, end))
        if words and words + piece_words > max_words:
            yield from _split(text[start:cursor], offset + start, max_words, level + 1)
            start, words = cursor, 0
        words += piece_words
        cursor = end
    if start < len(text):
        yield from _split(text[start:], offset + start, max_words, level + 1)


def merge_reports(text: str, parts: Sequence[tuple[int, Report]]) -> Report:
    """One report for `text` from the reports of its sections (start offset, report).

    The verdict is the word-weighted mean of the sections' log-odds: a long article spun
    throughout is flagged, and one spun paragraph in a book does not make the book spun.
    """
    spans = tuple(
        dataclasses.replace(span, start=span.start + offset, end=span.end + offset)
        for offset, report in parts
        for span in report.spans
    )
    judged = [report for _, report in parts if report.judged]
    words = sum(report.word_count for report in judged)
    if judged and words:
        log_odds = sum(logit(r.spin_score) * r.word_count for r in judged) / words
        spin_score = round(float(sigmoid(log_odds)), 4)
    else:
        spin_score = max((report.spin_score for _, report in parts), default=0.0)
    # a short last section is "too short to judge" on its own, which says nothing of the text
    noted = judged or [report for _, report in parts]
    notes = tuple(dict.fromkeys(note for report in noted for note in report.notes))
    return Report(
        text=text,
        spans=spans,
        spin_score=spin_score,
        restored="".join(report.restored for _, report in parts),
        word_count=sum(report.word_count for _, report in parts),
        fingerprint_hits=sum(report.fingerprint_hits for _, report in parts),
        notes=notes,
        judged=bool(judged),
    )
