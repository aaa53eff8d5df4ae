"""Property-based fuzzing: `unspin.analyze` and the upload route must survive any input.

The only exception `analyze` may raise is ValueError, and only for the documented cases
(blank text, NUL characters); every span must slice the input exactly.
"""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unspin
from unspin.service import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

FUZZ_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Pieces that have broken text tools before: spinner output, combining marks, emoji sequences,
# right-to-left text and controls, odd whitespace, NUL, case changes, and very long words.
TRICKY_PIECES = [
    "profound learning",
    "irregular woodland",
    "PROFOUND Learning",
    "White Home",
    "advised CNN",
    "e\u0301",  # e + combining acute
    "a\u0308\u0323",  # stacked combining marks
    "👩\u200d🔬",  # ZWJ sequence
    "👍🏽",  # skin-tone modifier
    "🇫🇷",  # regional-indicator flag
    "مرحبا بالعالم",  # Arabic
    "שלום",  # Hebrew
    "\u202eevil\u202c",  # right-to-left override
    "\u200b",  # zero-width space
    "\u00a0",  # no-break space
    "\u3000",  # ideographic space
    "\u2028",  # line separator
    "\r\n",
    "\n\n",
    "\t",
    "\x00",
    "\ufeff",
    "ﬁ",  # ligature whose lowercase/casefold changes length
    "İstanbul",  # lowercases to two code points
    "ß",
    "don't",
    "state-of-the-art",
    "3.14",
    "...",
    "—",
    "深度学习",
    "x" * 5000,
]
SEPARATORS = [" ", "", "\n", ", ", ". "]

tricky_texts = st.lists(
    st.one_of(st.sampled_from(TRICKY_PIECES), st.text(max_size=20)),
    max_size=40,
).flatmap(
    lambda pieces: st.lists(
        st.sampled_from(SEPARATORS), min_size=len(pieces), max_size=len(pieces)
    ).map(lambda seps: "".join(piece + sep for piece, sep in zip(pieces, seps, strict=True)))
)
fuzz_texts = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.sampled_from(" \t\n\r\u00a0\u2003\u3000"), max_size=50),
    tricky_texts,
)


def is_documented_rejection(text: str) -> bool:
    return not text.strip() or "\x00" in text


def check_report(text: str, report: dict) -> None:
    """Invariants of `Report.to_dict()` (and so of the API's JSON) for input `text`."""
    assert report["text"] == text
    assert 0.0 <= report["spin_score"] <= 1.0
    # Too short a text gets no verdict (`judged` False; the API says so in `notes`).
    too_short = any(note.startswith("too short to judge") for note in report["notes"])
    judged = report.get("judged", not too_short)
    assert judged == (not too_short)
    assert report["is_spun"] == (judged and report["spin_score"] >= 0.5)
    assert isinstance(report["restored"], str)
    assert report["word_count"] >= 0
    assert report["fingerprint_hits"] >= 0
    previous_end = 0
    for span in report["spans"]:
        assert 0 <= span["start"] < span["end"] <= len(text), span
        assert text[span["start"] : span["end"]] == span["text"], span
        assert span["start"] >= previous_end, "spans must be sorted and must not overlap"
        previous_end = span["end"]
        assert 0.0 <= span["confidence"] <= 1.0, span
        assert isinstance(span["original"], str) and span["original"], span
        assert all(isinstance(alternative, str) for alternative in span["alternatives"]), span


@FUZZ_SETTINGS
@given(text=fuzz_texts)
def test_analyze_survives_any_text_and_spans_slice_the_input(text):
    try:
        report = unspin.analyze(text)
    except ValueError:
        assert is_documented_rejection(text), "ValueError for text that should be analysable"
        return
    check_report(text, report.to_dict())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=600), fuzz_texts.map(lambda t: t.encode("utf-8"))))
def test_upload_route_answers_any_bytes_without_a_server_error(data):
    client = TestClient(create_app(max_bytes=5_000), raise_server_exceptions=False)
    response = client.post("/v1/analyze/file", files={"file": ("fuzz.txt", data, "text/plain")})
    assert response.status_code in {200, 413, 415, 422}, response.text
    body = response.json()
    if response.status_code == 200:
        check_report(body["text"], body)
    else:
        assert set(body) == {"error", "detail"}
