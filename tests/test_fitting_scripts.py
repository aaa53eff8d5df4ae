"""The fitting scripts run end to end on a few articles (their full runs take minutes to hours).

A fitting script nobody runs between sessions rots silently: scripts/calibrate.py stopped at its
threshold step for a session because a model was added to `Models` and the script not told.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from unspin.corpora import SHARED_DATA, WIKINEWS_FILE
from unspin.decide import Models
from unspin.lexicon import CHANNEL_FEATURES
from unspin.logistic import weights_path

REPO_ROOT = Path(__file__).resolve().parents[1]

needs_news = pytest.mark.skipif(
    not (SHARED_DATA / WIKINEWS_FILE).is_file(), reason="shared Wikinews data not available"
)


def run_script(name: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """One of scripts/ run as a user runs it, output captured."""
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@needs_news
def test_calibrate_refits_its_models_and_keeps_the_other_sections(tmp_path: Path) -> None:
    shipped = json.loads(weights_path().read_text(encoding="utf-8"))
    out = tmp_path / "weights.json"
    out.write_text(json.dumps(shipped), encoding="utf-8")
    run = run_script(
        "calibrate.py", "--articles", "3", "--wikipedia-articles", "0", "--out", str(out)
    )
    assert run.returncode == 0, run.stderr[-2000:]
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["fitted_on"].startswith("6 samples of 3 Wikinews articles")
    assert set(written["channel"]["weights"]) == set(CHANNEL_FEATURES)
    for section in ("channel", "occurrence", "decision", "document"):
        weights = written[section]["weights"]
        assert all(math.isfinite(value) for value in weights.values()), section
        assert written[section] != shipped[section], f"{section} was not refitted"
    assert math.isfinite(written["threshold"])
    # Sections other scripts fit are left as they were ...
    assert written["learn_pair"] == shipped["learn_pair"]
    assert written["span_confidence"] == shipped["span_confidence"]
    # ... and the file still loads as the decoder's models.
    assert Models.bundled(written).threshold == written["threshold"]


@needs_news
def test_calibrate_extend_fits_only_the_named_feature_and_the_intercepts(tmp_path: Path) -> None:
    shipped = json.loads(weights_path().read_text(encoding="utf-8"))
    for section in ("occurrence", "decision"):  # as before the feature joined
        del shipped[section]["weights"]["vector_gain"]
    out = tmp_path / "weights.json"
    out.write_text(json.dumps(shipped), encoding="utf-8")
    run = run_script(
        "calibrate.py",
        "--articles",
        "3",
        "--wikipedia-articles",
        "0",
        "--extend",
        "vector_gain",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    written = json.loads(out.read_text(encoding="utf-8"))
    for section in ("occurrence", "decision"):
        before, after = shipped[section], written[section]
        assert after["weights"]["vector_gain"] != 0.0
        assert {k: v for k, v in after["weights"].items() if k != "vector_gain"} == before[
            "weights"
        ]
        assert after["intercept"] != before["intercept"]
    for section in ("channel", "document", "threshold", "learn_pair", "span_confidence"):
        assert written[section] == shipped[section], section
    assert written["fitted_on"].endswith("extended with vector_gain (calibrate.py --extend)")


def test_calibrate_extend_refuses_a_feature_the_decoder_does_not_have(tmp_path: Path) -> None:
    out = tmp_path / "w.json"
    out.write_text("{}", encoding="utf-8")
    run = run_script("calibrate.py", "--extend", "vector_gain,colour", "--out", str(out))
    assert run.returncode == 2
    assert "--extend: no such feature colour" in run.stderr
    assert out.read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("flag", ["--spintax-share", "--context-share"])
def test_calibrate_refuses_a_share_outside_0_to_1(tmp_path: Path, flag: str) -> None:
    run = run_script("calibrate.py", flag, "1.5", "--out", str(tmp_path / "w.json"))
    assert run.returncode == 2
    assert f"{flag} is a share between 0 and 1, got 1.5" in run.stderr
    assert not (tmp_path / "w.json").exists()


@needs_news
def test_choose_context_cut_counts_each_family_with_a_channel_fitted_without_it() -> None:
    run = run_script(
        "choose_context_cut.py", "--articles", "4", "--test-articles", "3", "--weights", "0,8"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
        for line in run.stdout.splitlines()
        if line.startswith("│")
    }
    assert set(rows) == {"moby", "wordnet", "wordy", "tortured", "all"}
    # one channel per held-out family, fitted on the other three families' swaps only
    assert run.stdout.count("channel: ") == 4
    for cells in rows.values():
        swaps, *shares = cells
        assert int(swaps.replace(",", "")) > 0
        assert all(0 <= float(share.rstrip("%")) <= 100 for share in shares)
    bad = run_script("choose_context_cut.py", "--weights", "x", timeout=120)
    assert bad.returncode == 2 and "numbers separated by commas" in bad.stderr


@needs_news
def test_fit_context_rate_writes_only_its_own_section(tmp_path: Path) -> None:
    shipped = json.loads(weights_path().read_text(encoding="utf-8"))
    out = tmp_path / "weights.json"
    out.write_text(json.dumps({k: v for k, v in shipped.items() if k != "context_rate"}))
    run = run_script(
        "fit_context_rate.py", "--articles", "4", "--wikipedia-articles", "0", "--out", str(out)
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "24 samples (8 clean, the rest spun)" in run.stdout
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {k: v for k, v in written.items() if k != "context_rate"} == {
        k: v for k, v in shipped.items() if k != "context_rate"
    }
    model = written["context_rate"]
    assert math.isfinite(model["intercept"])
    # Spun samples sit more oddly in their context than the same samples clean.
    assert model["weights"]["context_fit"] < 0
    assert Models.bundled(written).context_rate is not None
    bad = run_script("fit_context_rate.py", "--articles", "0", "--out", str(out), timeout=120)
    assert bad.returncode == 2 and "--articles must be positive" in bad.stderr
