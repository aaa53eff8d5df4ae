"""Screen: one row per document from every input kind, error rows for bad ones, resumable runs."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import unspin.screen as screen_module
from unspin import analyze
from unspin.cli import app
from unspin.ingest import IngestOptions, iter_documents, load_deferred
from unspin.screen import ScreenOptions, screen, work_dir_for

SPUN = "We trained a profound learning model and an irregular woodland classifier."


@pytest.fixture()
def corpus(tmp_path: Path, make_pdf) -> tuple[Path, dict[str, str | None]]:
    """A folder of mixed inputs, and the expected id -> error (None for good documents)."""
    root = tmp_path / "corpus"
    (root / "nested").mkdir(parents=True)
    expected: dict[str, str | None] = {}

    def add(path: Path, data: bytes, error: str | None) -> None:
        path.write_bytes(data)
        expected[str(path)] = error

    add(root / "spun.txt", SPUN.encode(), None)
    add(root / "nested" / "notes.md", b"# Notes\n\nA plain paragraph about gardens.\n", None)
    add(root / "paper.pdf", make_pdf("A short paper about random forests."), None)
    add(root / "binary.txt", b"\x00\x01\x02\x03 not text", "binary")
    add(root / "latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "UTF-8")
    add(root / "empty.md", b"  \n\n", "empty")
    add(root / "broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF")
    add(root / "ignored.bin", b"\x00binary with an unsupported suffix", None)
    del expected[str(root / "ignored.bin")]  # directories only yield supported suffixes

    lines = [
        json.dumps({"body": "The first record talks about rivers."}),
        json.dumps({"body": SPUN}),
        "{not json",
        json.dumps({"other": "no body field"}),
        json.dumps({"body": "Fourth record about mountains."}),
    ]
    (root / "records.jsonl").write_text("\n".join(lines) + "\n")
    for row, error in enumerate([None, None, "invalid JSON", "no string field", None]):
        expected[f"{root / 'records.jsonl'}#{row}"] = error

    table = pa.table({"body": ["Parquet row one about lakes.", "", "Row three about seas."]})
    pq.write_table(table, root / "table.parquet")
    for row, error in enumerate([None, "empty", None]):
        expected[f"{root / 'table.parquet'}#{row}"] = error
    return root, expected


def options(**changes) -> ScreenOptions:
    base = {
        "ingest": IngestOptions(text_field="body", id_field=None),
        "workers": 1,
        "batch_size": 3,
    }
    return ScreenOptions(**{**base, **changes})


@pytest.fixture()
def analysed_ids(monkeypatch) -> Counter:
    """Count every document handed to the analyser (in-process runs only)."""
    seen: Counter = Counter()
    real = screen_module.analyze_batch

    def counting(documents, *args):
        seen.update(document.id for document in documents)
        return real(documents, *args)

    monkeypatch.setattr(screen_module, "analyze_batch", counting)
    return seen


def read_rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_one_row_per_document_with_errors_for_bad_ones(corpus, tmp_path) -> None:
    root, expected = corpus
    out = tmp_path / "results.parquet"
    announced = []
    summary = screen([root], out, options(), on_start=lambda *counts: announced.append(counts))
    assert announced == [(len(expected), 0)]  # the progress bar's total is right up front
    rows = read_rows(out)
    assert summary.complete and summary.total == len(expected) == len(rows)
    assert {row["id"] for row in rows} == set(expected)
    for row in rows:
        reason = expected[row["id"]]
        if reason is None:
            assert row["error"] is None, row
            assert row["word_count"] > 0 and 0.0 <= row["spin_score"] <= 1.0
            assert isinstance(json.loads(row["spans"]), list)
            assert row["n_spans"] == len(json.loads(row["spans"]))
        else:
            assert reason in row["error"], row
            assert row["spin_score"] is None
    spun_row = next(row for row in rows if row["id"].endswith("spun.txt"))
    report = analyze(SPUN)
    assert spun_row["spin_score"] == report.spin_score
    assert spun_row["is_spun"] == report.is_spun
    assert spun_row["judged"] == report.judged
    assert json.loads(spun_row["notes"]) == list(report.notes)
    assert spun_row["restored"] == report.restored
    expected_spans = json.loads(json.dumps([asdict(span) for span in report.spans]))
    assert json.loads(spun_row["spans"]) == expected_spans
    pdf_row = next(row for row in rows if row["id"].endswith("paper.pdf"))
    assert "random forests" in pdf_row["restored"]
    assert summary.errors == sum(1 for reason in expected.values() if reason)
    assert not work_dir_for(out).exists()


def test_resumed_run_skips_done_documents_and_loses_none(corpus, tmp_path, analysed_ids) -> None:
    root, expected = corpus
    out = tmp_path / "results.parquet"
    half = len(expected) // 2
    first = screen([root], out, options(limit=half))
    assert not first.complete and first.processed == half
    assert not out.exists() and work_dir_for(out).is_dir()
    second = screen([root], out, options())
    assert second.complete and second.already_done == half
    assert second.processed == len(expected) - half
    ids = [row["id"] for row in read_rows(out)]
    assert Counter(ids) == Counter(set(expected))
    assert set(analysed_ids) == set(expected) and max(analysed_ids.values()) == 1


def test_a_run_begun_before_the_verdict_columns_resumes_and_merges(corpus, tmp_path) -> None:
    root, expected = corpus
    out = tmp_path / "results.parquet"
    half = len(expected) // 2
    screen([root], out, options(limit=half))
    for part in work_dir_for(out).glob("part-*.parquet"):  # as the version before wrote them
        pq.write_table(pq.read_table(part).drop_columns(["judged", "notes"]), part)
    assert screen([root], out, options()).complete
    rows = read_rows(out)
    assert Counter(row["id"] for row in rows) == Counter(set(expected))
    answered = [row for row in rows if row["error"] is None]
    assert any(row["judged"] is None for row in answered)  # the old parts: unknown
    assert any(row["judged"] is not None for row in answered)  # the resumed half


def test_crash_mid_run_then_resume(corpus, tmp_path, analysed_ids) -> None:
    root, expected = corpus
    out = tmp_path / "results.parquet"
    batches_seen = []

    def crash_after_two(rows: list[dict]) -> None:
        batches_seen.append(rows)
        if len(batches_seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen([root], out, options(), on_batch=crash_after_two)
    work = work_dir_for(out)
    (work / ".part-interrupted.parquet.0123.tmp").write_bytes(b"half a file")
    assert len(list(work.glob("part-*.parquet"))) == 2
    summary = screen([root], out, options())
    assert summary.already_done == 6 and summary.processed == len(expected) - 6
    ids = [row["id"] for row in read_rows(out)]
    assert sorted(ids) == sorted(expected)
    assert max(analysed_ids.values()) == 1
    assert not work.exists()


def test_existing_output_is_not_replaced_silently(corpus, tmp_path) -> None:
    root, _ = corpus
    out = tmp_path / "results.parquet"
    out.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        screen([root], out, options())
    assert out.read_bytes() == b"precious"
    screen([root], out, options(overwrite=True))
    assert len(read_rows(out)) > 0


def test_process_pool_and_dask_give_the_same_rows(corpus, tmp_path) -> None:
    root, _ = corpus
    local = read_rows(Path(screen([root], tmp_path / "one.parquet", options()).output))
    pooled = read_rows(Path(screen([root], tmp_path / "two.parquet", options(workers=2)).output))
    dasked = screen(
        [root], tmp_path / "dask.parquet", options(engine="dask", workers=2, dask_processes=False)
    )
    assert pooled == local
    assert read_rows(Path(dasked.output)) == local


def test_unknown_engine_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="engine"):
        screen([tmp_path], tmp_path / "out.parquet", options(engine="spark"))


def test_cli_screen_writes_results_and_a_summary(corpus, tmp_path) -> None:
    root, expected = corpus
    out = tmp_path / "cli.parquet"
    args = ["screen", str(root), "--out", str(out), "--text-column", "body", "-j", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(read_rows(out)) == len(expected)
    assert "screen summary" in result.output
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2
    assert "--force" in " ".join(re.sub("[│╭╮╰╯─]", " ", again.output).split())


KILL_AFTER_TWO_BATCHES = """
import os, signal, sys
from pathlib import Path
from unspin.ingest import IngestOptions, iter_documents, load_deferred
from unspin.screen import ScreenOptions, screen

if __name__ == "__main__":
    batches = []

    def die_after_two(rows):
        batches.append(rows)
        if len(batches) == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    ingest = IngestOptions("body", None, defer_files=True)
    options = ScreenOptions(ingest=ingest, workers=2, batch_size=3)
    screen([Path(sys.argv[1])], Path(sys.argv[2]), options, on_batch=die_after_two)
"""


def _processes_running(marker: str) -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                return True
        except OSError:
            continue
    return False


def test_sigkilled_pool_run_resumes_without_loss_or_repeats(corpus, tmp_path) -> None:
    root, expected = corpus
    out = tmp_path / "results.parquet"
    script = tmp_path / "killer.py"
    script.write_text(KILL_AFTER_TWO_BATCHES)
    killed = subprocess.run([sys.executable, str(script), str(root), str(out)], timeout=300)
    assert killed.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10  # its orphaned pool workers notice and exit
    while _processes_running(str(script)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_running(str(script))
    assert not out.exists()
    summary = screen([root], out, options())
    assert summary.already_done == 6 and summary.processed == len(expected) - 6
    assert Counter(row["id"] for row in read_rows(out)) == Counter(set(expected))


def test_deferred_files_read_the_same_as_eager_ones(corpus) -> None:
    root, expected = corpus
    eager = list(iter_documents([root], IngestOptions("body", None)))
    lazy_options = IngestOptions("body", None, defer_files=True)
    lazy = list(iter_documents([root], lazy_options))
    assert any(document.deferred for document in lazy)
    assert [load_deferred(document, lazy_options) for document in lazy] == eager
    assert sorted(document.id for document in eager) == sorted(expected)


# --- a worker that dies (kill -9, OOM, segfault) costs one retry, not the job ---


@pytest.fixture()
def crashing_analyzer(monkeypatch, tmp_path):
    """Forked pool workers inherit the patched default analyzer."""
    from fakes import CrashingAnalyzer

    import unspin.pipeline

    fake = CrashingAnalyzer(tmp_path / "killed-once")
    monkeypatch.setattr(unspin.pipeline, "default_analyzer", lambda: fake)
    return fake


def plain_corpus(root: Path, texts: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in texts.items():
        (root / f"{name}.txt").write_text(text)
    return root


NINE_DOCUMENTS = {
    f"doc{number}": f"A profound learning note number {number}." for number in range(9)
}


def test_a_poison_document_becomes_an_error_row_and_the_job_finishes(tmp_path, crashing_analyzer):
    texts = {**NINE_DOCUMENTS, "doc4": "POISON in this one."}
    root = plain_corpus(tmp_path / "corpus", texts)
    out = tmp_path / "results.parquet"
    summary = screen([root], out, options(workers=2, batch_size=2))
    assert summary.complete and summary.errors == 1
    rows = {Path(row["id"]).stem: row for row in read_rows(out)}
    assert set(rows) == set(texts)
    assert screen_module.WORKER_CRASH in rows["doc4"]["error"]
    for name, row in rows.items():
        if name != "doc4":
            assert row["error"] is None and row["restored"].startswith("A deep learning note")


def test_a_worker_killed_once_loses_nothing(tmp_path, crashing_analyzer):
    texts = {**NINE_DOCUMENTS, "doc6": "KILLONCE: a profound learning note."}
    root = plain_corpus(tmp_path / "corpus", texts)
    out = tmp_path / "results.parquet"
    summary = screen([root], out, options(workers=2, batch_size=2))
    assert crashing_analyzer.marker.exists()  # the kill did happen
    assert summary.complete and summary.errors == 0
    assert Counter(Path(row["id"]).stem for row in read_rows(out)) == Counter(set(texts))


def test_non_english_documents_get_an_error_row(tmp_path, fake_analyzer):
    german = (
        "Die Ergebnisse zeigen, dass das Modell bei der Klassifikation deutlich besser "
        "abschneidet als frühere Ansätze."
    )
    root = plain_corpus(tmp_path / "corpus", {"de": german, "en": SPUN})
    rows = {
        Path(row["id"]).stem: row
        for row in read_rows(Path(screen([root], tmp_path / "r.parquet", options()).output))
    }
    assert "German" in rows["de"]["error"] and rows["de"]["spin_score"] is None
    assert rows["en"]["error"] is None and rows["en"]["is_spun"]


def test_missing_input_is_refused_before_a_work_folder_exists(tmp_path):
    out = tmp_path / "results.parquet"
    with pytest.raises(FileNotFoundError):
        screen([tmp_path / "nope"], out, options())
    assert not work_dir_for(out).exists()
