"""Stand-ins shared by the shell tests (service, browser, CLI, screen): they test the shell, not
the pipeline."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

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


class CrashingAnalyzer(PhraseListAnalyzer):
    """Takes its whole process down, like a segfault in a C extension or the OOM killer.

    "POISON" crashes it every time; "KILLONCE" only the first time (a marker file remembers),
    like a worker killed by hand.
    """

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def analyze(self, text: str) -> Report:
        if "POISON" in text:
            os._exit(70)
        if "KILLONCE" in text and not self.marker.exists():
            self.marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return super().analyze(text)


class SlowAnalyzer(PhraseListAnalyzer):
    """Works for `seconds`; with `progress=` it reports as it goes, and stops when that raises."""

    def __init__(self, seconds: float, with_progress: bool = True) -> None:
        self.seconds = seconds
        self.with_progress = with_progress
        self.started = threading.Event()
        self.stopped = threading.Event()  # left early because the progress hook raised
        self.finished = threading.Event()  # ran to the end

    def analyze(self, text: str, progress: Callable[[int, int], None] | None = None) -> Report:
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
        return super().analyze(text)


class BlockingAnalyzer(PhraseListAnalyzer):
    """Waits until the test releases it: holds an analysis slot for as long as needed."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.running = threading.Semaphore(0)

    def analyze(self, text: str) -> Report:
        self.running.release()
        self.release.wait(30)
        return super().analyze(text)
