"""Stand-ins shared by the service and browser tests, so those test the shell, not the pipeline."""

from __future__ import annotations

from unspin.model import Report, Span
from unspin.render import restore

KNOWN_PHRASES = {"profound learning": "deep learning", "irregular woodland": "random forest"}


class PhraseListAnalyzer:
    """Flags fixed phrases found with str.find; refuses NUL like the real analyzer."""

    def analyze(self, text: str) -> Report:
        if "\x00" in text:
            raise ValueError("input looks binary")
        spans = []
        for spun, original in KNOWN_PHRASES.items():
            start = text.find(spun)
            if start >= 0:
                spans.append(Span(start, start + len(spun), spun, original, 0.9, "fingerprint"))
        spans.sort(key=lambda span: span.start)
        return Report(
            text=text,
            spans=tuple(spans),
            spin_score=0.95 if spans else 0.05,
            restored=restore(text, spans),
            word_count=len(text.split()),
            fingerprint_hits=len(spans),
        )
