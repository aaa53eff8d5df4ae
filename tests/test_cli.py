"""The command line as a new user meets it: safe --force, one-line errors, exit codes, help.

Most tests swap in the fake analyzer (conftest `fake_analyzer`): they test the shell, not the
pipeline.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import Result
from typer.testing import CliRunner

from unspin.cli import MAX_INPUT_BYTES, app

SPUN = "We trained a profound learning model and an irregular woodland classifier."
CLEAN = "The committee met on Tuesday to discuss the budget for next year and agreed on it."
GERMAN = (
    "Die Ergebnisse zeigen, dass das Modell bei der Klassifikation deutlich besser abschneidet "
    "als frühere Ansätze, und die Autoren empfehlen weitere Untersuchungen."
)


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def assert_one_line_error(result: Result, *fragments: str) -> str:
    """Exit code 2, a single `unspin: ...` line on stderr, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("unspin: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Roy of the Rovers is a British comic strip about football.")
    (folder / "b.txt").write_text("The Beano is a British anthology comic magazine for children.")
    return folder


# --- 1. index --force replaces only an index ---


def test_index_force_never_deletes_a_directory_that_is_not_an_index(docs, tmp_path):
    target = tmp_path / "x"
    (target / "sub").mkdir(parents=True)
    (target / "sub" / "notes.txt").write_text("precious")
    result = run("index", str(docs), "--out", str(target), "--force")
    assert_one_line_error(result, "not an unspin index")
    assert (target / "sub" / "notes.txt").read_text() == "precious"


def test_index_force_replaces_an_old_index(docs, tmp_path):
    target = tmp_path / "idx"
    assert run("index", str(docs), "--out", str(target)).exit_code == 0
    (docs / "c.txt").write_text("The Dandy was a British children's comic magazine.")
    rebuilt = run("index", str(docs), "--out", str(target), "--force")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert json.loads((target / "manifest.json").read_text())["count"] == 3


def test_index_save_refuses_a_foreign_directory_even_with_overwrite(docs, tmp_path):
    from unspin.trace import build_index

    target = tmp_path / "photos"
    target.mkdir()
    (target / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(FileExistsError, match="not an unspin index"):
        build_index([("a", "some text")]).save(target, overwrite=True)
    assert (target / "cat.jpg").exists()


# --- 5. one-line errors instead of tracebacks, checked before the work ---


def test_index_out_is_a_file(docs, tmp_path):
    target = tmp_path / "index.txt"
    target.write_text("keep me")
    assert_one_line_error(run("index", str(docs), "--out", str(target), "--force"), "a file")
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("where", ["below_a_file", "proc"])
def test_screen_out_in_an_unwritable_place(docs, tmp_path, fake_analyzer, where):
    if where == "below_a_file":
        (tmp_path / "plain").write_text("")
        out = tmp_path / "plain" / "results.parquet"
    else:
        out = Path("/proc/unspin-results.parquet")
    assert_one_line_error(run("screen", str(docs), "--out", str(out), "-j", "1"), str(out.parent))


def test_screen_out_is_a_directory(docs, tmp_path, fake_analyzer, monkeypatch):
    import unspin.screen

    analysed = []
    monkeypatch.setattr(unspin.screen, "analyze_batch", lambda batch, *a: analysed.append(batch))
    out = tmp_path / "results"
    out.mkdir()
    result = run("screen", str(docs), "--out", str(out), "--force", "-j", "1")
    assert_one_line_error(result, "is a directory")
    assert analysed == []  # refused before any document was analysed


def test_screen_unreachable_dask_scheduler_fails_fast(docs, tmp_path):
    pytest.importorskip("distributed")
    started = time.monotonic()
    args = ["screen", str(docs), "--out", str(tmp_path / "r.parquet"), "--engine", "dask"]
    result = run(*args, "--scheduler", "tcp://127.0.0.1:1", "--connect-timeout", "1")
    assert_one_line_error(result, "cannot reach the dask scheduler", "tcp://127.0.0.1:1")
    assert time.monotonic() - started < 20
    assert not (tmp_path / "r.parquet.work").exists()


# --- 6. check and restore read PDFs like screen and index ---


def test_check_and_restore_read_pdf(tmp_path, make_pdf, fake_analyzer):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf("We trained a profound learning model on the survey data."))
    checked = run("check", "--json", str(pdf))
    assert checked.exit_code == 1, checked.output  # spun
    assert json.loads(checked.stdout)["spans"][0]["original"] == "deep learning"
    restored = run("restore", str(pdf))
    assert "deep learning model" in restored.stdout
    from_stdin = run("check", "--json", "-", input=pdf.read_bytes())
    assert json.loads(from_stdin.stdout)["spans"][0]["text"] == "profound learning"


def test_damaged_pdf_is_one_line_without_library_noise(tmp_path, fake_analyzer):
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4 this is not really a pdf")
    assert_one_line_error(run("check", str(pdf)), "unreadable PDF")


# --- 7. advice that leads somewhere ---


def test_too_large_file_gets_advice_that_works(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * (MAX_INPUT_BYTES // 5 + 1))
    message = assert_one_line_error(run("check", str(path)), "split it into smaller files")
    assert "or use `unspin screen`" not in message  # screen refuses such a file too


def test_screen_error_row_for_a_huge_file_says_to_split(tmp_path):
    from unspin.ingest import IngestOptions, iter_documents

    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * 2_000)
    (document,) = iter_documents([path], IngestOptions(max_chars=1_000))
    assert "split it" in document.error


# --- 8. index says why nothing was usable ---


def test_index_with_the_wrong_parquet_schema_names_the_missing_column(tmp_path):
    table = tmp_path / "wrongschema.parquet"
    pq.write_table(pa.table({"body": ["a document"], "doi": ["10.1/x"]}), table)
    result = run("index", str(table), "--out", str(tmp_path / "idx"))
    assert_one_line_error(result, "no usable documents", "no column 'text'", "body, doi")


# --- 9. small ones ---


def test_screen_missing_input_leaves_no_work_folder(tmp_path):
    out = tmp_path / "r.parquet"
    assert_one_line_error(run("screen", "/nope", "--out", str(out)), "/nope")
    assert list(tmp_path.iterdir()) == []


def test_trace_without_a_match_exits_1_in_both_modes(docs, tmp_path):
    index = tmp_path / "idx"
    assert run("index", str(docs), "--out", str(index)).exit_code == 0
    query = tmp_path / "q.txt"
    query.write_text("Zebras graze quietly.")
    assert run("trace", str(query), "--index", str(index)).exit_code == 1
    as_json = run("trace", str(query), "--index", str(index), "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["matches"] == []


def test_scheduler_without_the_dask_engine_is_refused(docs, tmp_path):
    args = ["screen", str(docs), "--out", str(tmp_path / "r.parquet")]
    assert_one_line_error(run(*args, "--scheduler", "tcp://x:8786"), "--engine dask")


def test_screen_keeps_pdf_library_warnings_off_stderr(tmp_path, make_pdf, fake_analyzer):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    # A wrong startxref offset: pypdf recovers, but logs a warning about it.
    data = make_pdf("A short paper about random forests.")
    data = re.sub(rb"startxref\n\d+", b"startxref\n7", data)
    (folder / "odd.pdf").write_bytes(data)
    result = run("screen", str(folder), "--out", str(tmp_path / "r.parquet"), "-j", "1")
    assert result.exit_code == 0, result.output
    assert "startxref" not in result.stderr and "Object Streams" not in result.stderr
    (row,) = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert row["error"] is None and "random forests" in row["restored"]


# --- what users expect: version, exit codes, stdin, language, help ---


def test_version_names_the_package_and_the_phrase_list():
    from importlib import metadata

    result = run("--version")
    assert result.exit_code == 0
    assert f"unspin {metadata.version('unspin')}" in result.stdout
    assert re.search(
        r"PPS phrase list: [\d,]+ rows, snapshot \d{4}-\d\d-\d\d, .+, sha256 [0-9a-f]{12} "
        r"\(bundled copy",
        result.stdout,
    )


@pytest.mark.parametrize(("text", "code"), [(SPUN, 1), (CLEAN, 0), ("", 2), ("\x00\x01", 2)])
def test_check_exit_codes(tmp_path, fake_analyzer, text, code):
    path = tmp_path / "in.txt"
    path.write_text(text)
    assert run("check", str(path)).exit_code == code
    assert run("check", "--json", str(path)).exit_code == code


def test_check_gives_no_verdict_and_says_why_for_a_text_too_short_to_judge(
    tmp_path, fake_analyzer, monkeypatch
):
    from unspin.model import Report

    def unjudged(text: str, **_options) -> Report:
        return Report(
            text,
            (),
            0.99,
            text,
            len(text.split()),
            notes=("too short to judge: 3 words",),
            judged=False,
        )

    monkeypatch.setattr(fake_analyzer, "analyze", unjudged)
    path = tmp_path / "short.txt"
    path.write_text("Three words here.")
    result = run("check", str(path))
    assert result.exit_code == 0
    assert result.stdout.startswith("no verdict, 0 spun spans in 3 words")
    assert "spin score" not in result.stdout and "not spun" not in result.stdout
    assert "note: too short to judge: 3 words" in result.stdout


def test_non_english_text_is_out_of_scope_not_clean(tmp_path, fake_analyzer):
    path = tmp_path / "de.txt"
    path.write_text(GERMAN)
    assert_one_line_error(run("check", str(path)), "German", "English only")
    assert_one_line_error(run("restore", str(path)), "German")
    anyway = run("check", "--any-language", str(path))
    assert anyway.exit_code == 0 and "not spun" in anyway.stdout


def test_screen_reads_json_lines_from_stdin_and_resumes_by_id(tmp_path, fake_analyzer):
    from unspin import ingest

    lines = "\n".join(json.dumps({"text": text}) for text in (SPUN, CLEAN, GERMAN)) + "\n"
    out = tmp_path / "r.parquet"
    ingest.stdin_bytes.cache_clear()
    result = run("screen", "-", "--out", str(out), "-j", "1", input=lines)
    ingest.stdin_bytes.cache_clear()
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out).to_pylist()
    assert [row["id"] for row in rows] == ["-#0", "-#1", "-#2"]
    assert [row["is_spun"] for row in rows[:2]] == [True, False]
    assert "English only" in rows[2]["error"]


def test_screen_reads_one_plain_text_document_from_stdin(tmp_path, fake_analyzer):
    from unspin import ingest

    out = tmp_path / "r.parquet"
    ingest.stdin_bytes.cache_clear()
    result = run("screen", "-", "--out", str(out), "-j", "1", input=SPUN)
    ingest.stdin_bytes.cache_clear()
    assert result.exit_code == 0, result.output
    (row,) = pq.read_table(out).to_pylist()
    assert row["id"] == "-" and row["is_spun"]


@pytest.mark.parametrize("command", ["check", "restore", "index", "trace", "screen", "serve"])
def test_help_has_examples_and_no_typer_artefacts(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert f"unspin {command}" in result.stdout
    assert not re.search(r"\{\w+\}|<bool>|<str>|<int|<float|<list", result.stdout), result.stdout


def test_top_level_help_documents_exit_codes():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert "Exit codes" in result.stdout and "<bool>" not in result.stdout


def test_serve_loads_the_resources_before_it_serves_or_forks(fake_analyzer, monkeypatch):
    """Resources load lazily: serve warms them first, so the first request is not the slow
    one and --workers forks processes that share them; --workers 0 means one per core."""
    import unspin.service

    served: list[tuple[int, int]] = []

    def record(config, workers: int) -> None:
        served.append((workers, len(fake_analyzer.profiles)))  # analyses run before serving

    monkeypatch.setattr(unspin.service, "serve_processes", record)
    for workers, expected in (("3", 3), ("0", max(1, os.cpu_count() or 1))):
        result = CliRunner().invoke(app, ["serve", "--port", "0", "--workers", workers])
        assert result.exit_code == 0, result.output
        assert served[-1][0] == expected and served[-1][1] >= 1
