"""Stand-ins shared by the shell tests (service, browser, CLI, screen): they test the shell, not
the pipeline."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

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

    def analyze(
        self,
        text: str,
        profile: Profile | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Report:
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

    def warm(self) -> None:
        """As the real one: one analysis, so every lazy part is built."""
        self.analyze("Warm-up.")


class CrashingAnalyzer(PhraseListAnalyzer):
    """Takes its whole process down, like a segfault in a C extension or the OOM killer.

    "POISON" crashes it every time; "KILLONCE" only the first time (a marker file remembers),
    like a worker killed by hand.
    """

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def analyze(
        self,
        text: str,
        profile: Profile | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Report:
        if "POISON" in text:
            os._exit(70)
        if "KILLONCE" in text and not self.marker.exists():
            self.marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return super().analyze(text, profile=profile)


class SlowAnalyzer(PhraseListAnalyzer):
    """Works for `seconds`; with `progress=` it reports as it goes, and stops when that raises."""

    def __init__(self, seconds: float, with_progress: bool = True) -> None:
        super().__init__()
        self.seconds = seconds
        self.with_progress = with_progress
        self.started = threading.Event()
        self.stopped = threading.Event()  # left early because the progress hook raised
        self.finished = threading.Event()  # ran to the end

    def analyze(
        self,
        text: str,
        profile: Profile | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Report:
        self.started.set()
        steps = 100
        try:
            for step in range(steps):
                time.sleep(self.seconds / steps)
                if progress is not None:
                    progress(step + 1, steps)
        except BaseException:
            self.stopped.set()
            raise
        self.finished.set()
        return super().analyze(text, profile=profile)


class BlockingAnalyzer(PhraseListAnalyzer):
    """Waits until the test releases it: holds an analysis slot for as long as needed."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.running = threading.Semaphore(0)

    def analyze(
        self,
        text: str,
        profile: Profile | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Report:
        self.running.release()
        self.release.wait(30)
        return super().analyze(text, profile=profile)


def plain(output: str) -> str:
    """CLI output without rich's error box, words joined by single spaces."""
    return " ".join(output.replace("│", " ").split())
