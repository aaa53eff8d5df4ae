"""Optional hooks of `Analyzer.analyze` that the shells use when the core offers them."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def accepts_progress(analyze: Callable[..., Any]) -> bool:
    """True when `analyze(text, progress=callback)` is supported.

    The callback, `callback(done_words, total_words)`, is called as sentences are decoded; the
    command line draws a progress bar with it, and the service raises from it to stop an analysis
    whose client left or whose time is up.
    """
    try:
        parameters = inspect.signature(analyze).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )
