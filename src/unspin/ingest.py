"""Read documents from files, directories, JSONL and Parquet, each with a stable id.

A bad input (binary, undecodable, empty, huge, unreadable) becomes a `Document` with `error` set, so
a batch job can record it and move on instead of dying.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from unspin import tokenize
from unspin.config import DEFAULTS
from unspin.tokenize import InputError

TEXT_SUFFIXES = (".txt", ".md")
PDF_SUFFIX = ".pdf"
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIX = ".parquet"
PDF_MAGIC = b"%PDF-"
STDIN = Path("-")  # read standard input: JSON lines if it starts with "{", else one document
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, PDF_SUFFIX, *JSONL_SUFFIXES, PARQUET_SUFFIX)
DEFAULT_MAX_CHARS = DEFAULTS.max_screen_chars


@dataclass(frozen=True, slots=True)
class Document:
    """One unit of work: `id` is stable across runs (path, plus row number for tables)."""

    id: str
    source: str
    text: str
    error: str | None = None
    deferred: bool = False  # a whole file not read yet: `load_deferred` reads it (in a worker)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Where the text and id live in tabular inputs, and what counts as too big."""

    text_field: str = "text"
    id_field: str | None = "id"
    max_chars: int = DEFAULT_MAX_CHARS
    defer_files: bool = False  # leave .txt/.md/.pdf unread so workers extract them in parallel


def check_text(text: str, max_chars: int) -> str | None:
    """Return why `text` cannot be analysed, or None when it can."""
    try:
        tokenize.check_text(text, max_chars)
    except InputError as error:
        return str(error)
    return None


def decode_bytes(raw: bytes) -> tuple[str, str | None]:
    """UTF-8 text of `raw`, or an error for binary / undecodable input (checked later: size)."""
    try:
        return tokenize.decode_bytes(raw, max_chars=len(raw) + 1), None
    except InputError as error:
        return "", str(error)


def _document(doc_id: str, source: str, text: str, error: str | None, max_chars: int) -> Document:
    if error is None:
        error = check_text(text, max_chars)
    return Document(id=doc_id, source=source, text="" if error else text, error=error)


def _read_plain(path: Path, options: IngestOptions) -> Iterator[Document]:
    try:
        size = path.stat().st_size
        if size > options.max_chars * 4:
            error = (
                f"file too large ({size:,} bytes; at most {options.max_chars:,} characters "
                "per document): split it into smaller files or JSONL lines"
            )
            yield _document(str(path), str(path), "", error, 0)
            return
        text, error = decode_bytes(path.read_bytes())
    except OSError as exc:
        text, error = "", f"unreadable: {exc.strerror or exc}"
    yield _document(str(path), str(path), text, error, options.max_chars)


def pdf_text(source: Path | bytes) -> str:
    """Text of every page of a PDF; ValueError (with the reason) when it cannot be read.

    pypdf complains about every odd object through logging and warnings; a damaged PDF is
    reported once, as the error, instead of as a stream of noise on stderr.
    """
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else str(source))
            return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # pypdf raises many types for damaged files
        raise ValueError(f"unreadable PDF: {type(exc).__name__}: {exc}") from None


def _read_pdf(path: Path, options: IngestOptions) -> Iterator[Document]:
    try:
        text, error = pdf_text(path), None
    except ValueError as exc:
        text, error = "", str(exc)
    yield _document(str(path), str(path), text, error, options.max_chars)


def _row_id(path: Path, row: int, record: dict, options: IngestOptions) -> str:
    if options.id_field and record.get(options.id_field) is not None:
        return f"{path}#{record[options.id_field]}"
    return f"{path}#{row}"


def _read_jsonl(path: Path, options: IngestOptions) -> Iterator[Document]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield _document(str(path), str(path), "", f"unreadable: {exc.strerror or exc}", 0)
        return
    with handle:
        yield from _jsonl_documents(handle, path, options)


def _jsonl_documents(handle: BinaryIO, path: Path, options: IngestOptions) -> Iterator[Document]:
    for row, raw_line in enumerate(handle):
        if not raw_line.strip():
            continue
        fallback_id = f"{path}#{row}"
        line, error = decode_bytes(raw_line)
        if error:
            yield _document(fallback_id, str(path), "", error, 0)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _document(fallback_id, str(path), "", f"invalid JSON: {exc.msg}", 0)
            continue
        if not isinstance(record, dict):
            yield _document(fallback_id, str(path), "", "JSON line is not an object", 0)
            continue
        doc_id = _row_id(path, row, record, options)
        text = record.get(options.text_field)
        if not isinstance(text, str):
            error = f"no string field {options.text_field!r}"
            yield _document(doc_id, str(path), "", error, 0)
            continue
        yield _document(doc_id, str(path), text, None, options.max_chars)


def _read_parquet(path: Path, options: IngestOptions) -> Iterator[Document]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(str(path))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        yield _document(str(path), str(path), "", f"unreadable Parquet: {exc}", 0)
        return
    names = parquet.schema_arrow.names
    if options.text_field not in names:
        error = f"no column {options.text_field!r} (columns: {', '.join(names)})"
        yield _document(str(path), str(path), "", error, 0)
        return
    columns = [options.text_field]
    if options.id_field and options.id_field in names:
        columns.append(options.id_field)
    row = 0
    for batch in parquet.iter_batches(columns=columns, batch_size=4096):
        for record in batch.to_pylist():
            doc_id = _row_id(path, row, record, options)
            text = record.get(options.text_field)
            if isinstance(text, bytes):
                text, error = decode_bytes(text)
            else:
                error = None if isinstance(text, str) else "missing text"
            yield _document(doc_id, str(path), text or "", error, options.max_chars)
            row += 1


@lru_cache(maxsize=1)
def stdin_bytes() -> bytes:
    """Standard input, read once: counting and reading the documents both need it."""
    return sys.stdin.buffer.read()


def _read_stdin(options: IngestOptions) -> Iterator[Document]:
    raw = stdin_bytes()
    if raw.lstrip()[:1] == b"{":
        yield from _jsonl_documents(io.BytesIO(raw), STDIN, options)
        return
    if raw.startswith(PDF_MAGIC):
        try:
            text, error = pdf_text(raw), None
        except ValueError as exc:
            text, error = "", str(exc)
    else:
        text, error = decode_bytes(raw)
    yield _document(str(STDIN), str(STDIN), text, error, options.max_chars)


def read_file(path: Path, options: IngestOptions) -> Iterator[Document]:
    """Documents in one file, chosen by suffix (anything unknown is read as plain text)."""
    if path == STDIN:
        return _read_stdin(options)
    suffix = path.suffix.lower()
    whole_file = suffix not in (*JSONL_SUFFIXES, PARQUET_SUFFIX)
    if whole_file and options.defer_files:
        return iter([Document(id=str(path), source=str(path), text="", deferred=True)])
    if suffix == PDF_SUFFIX:
        return _read_pdf(path, options)
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(path, options)
    if suffix == PARQUET_SUFFIX:
        return _read_parquet(path, options)
    return _read_plain(path, options)


def load_deferred(document: Document, options: IngestOptions) -> Document:
    """The document with its file read (PDF text extracted), or with the reason it cannot be."""
    if not document.deferred:
        return document
    eager = IngestOptions(options.text_field, options.id_field, options.max_chars, False)
    return next(read_file(Path(document.source), eager))


def expand_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files named directly, plus supported files under directories, in a stable order."""
    files: list[Path] = []
    for item in inputs:
        if item == STDIN:
            files.append(item)
        elif item.is_dir():
            found = (p for p in item.rglob("*") if p.is_file())
            files.extend(sorted(p for p in found if p.suffix.lower() in SUPPORTED_SUFFIXES))
        elif item.exists():
            files.append(item)
        else:
            raise FileNotFoundError(f"no such file or directory: {item}")
    return files


def estimate_count(inputs: Iterable[Path]) -> int:
    """Cheap document count for progress bars: JSONL lines, Parquet rows, one per other file."""
    import pyarrow.parquet as pq

    total = 0
    for path in expand_inputs(inputs):
        suffix = path.suffix.lower()
        try:
            if path == STDIN:
                raw = stdin_bytes()
                jsonl = raw.lstrip()[:1] == b"{"
                total += sum(1 for line in raw.splitlines() if line.strip()) if jsonl else 1
            elif suffix in JSONL_SUFFIXES:
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            elif suffix == PARQUET_SUFFIX:
                total += pq.ParquetFile(str(path)).metadata.num_rows
            else:
                total += 1
        except Exception:  # unreadable files still become one error row
            total += 1
    return total


def iter_documents(
    inputs: Iterable[Path], options: IngestOptions | None = None
) -> Iterator[Document]:
    """Every document under `inputs`, in a deterministic order."""
    options = options or IngestOptions()
    for path in expand_inputs(inputs):
        yield from read_file(path, options)
