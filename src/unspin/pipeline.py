"""The one entry point: tokenize -> candidates -> score -> decide -> render."""

from __future__ import annotations

from functools import lru_cache

from unspin.model import Report


class Analyzer:
    """Holds the loaded language resources; build once, call many times."""

    def analyze(self, text: str) -> Report:
        # Placeholder until the real pipeline lands: finds nothing.
        return Report(text=text, spans=(), spin_score=0.0, restored=text,
                      word_count=len(text.split()))


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer()


def analyze(text: str) -> Report:
    """Find spun spans in `text`, propose originals, and score the whole document."""
    return default_analyzer().analyze(text)
