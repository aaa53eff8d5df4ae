"""Stand-ins shared by the service and browser tests, so those test the shell, not the pipeline."""

from __future__ import annotations

import re

from unspin.model import Report, Span
from unspin.profile import Profile
from unspin.render import restore

KNOWN_PHRASES = {"profound learning": "deep learning", "irregular woodland": "random forest"}
_WORD = re.compile(r"[A-Za-z]+")


class PhraseListAnalyzer:
    """Flags fixed phrases found with str.find; refuses NUL like the real analyzer.

    Given a spinner profile it also restores every word the profile knows (source "profile"),
    and records each profile it got in `profiles`, so tests can see the shell passed it on.
    """

    def __init__(self) -> None:
        self.profiles: list[Profile | None] = []

    def analyze(self, text: str, profile: Profile | None = None) -> Report:
        if "\x00" in text:
            raise ValueError("input looks binary")
        self.profiles.append(profile)
        spans = []
        for spun, original in KNOWN_PHRASES.items():
            start = text.find(spun)
            if start >= 0:
                spans.append(Span(start, start + len(spun), spun, original, 0.9, "fingerprint"))
        if profile is not None:
            taken = [(span.start, span.end) for span in spans]
            for word in _WORD.finditer(text):
                pairs = profile.originals(word.group())
                inside = any(start < word.end() and word.start() < end for start, end in taken)
                if pairs and not inside:
                    best = pairs[0]
                    spans.append(
                        Span(
                            word.start(),
                            word.end(),
                            word.group(),
                            best.original,
                            best.confidence,
                            "profile",
                        )
                    )
        spans.sort(key=lambda span: span.start)
        return Report(
            text=text,
            spans=tuple(spans),
            spin_score=0.95 if spans else 0.05,
            restored=restore(text, spans),
            word_count=len(text.split()),
            fingerprint_hits=sum(1 for span in spans if span.source == "fingerprint"),
        )
