"""Screen many documents with `unspin.analyze`, on all cores or a dask cluster, resumably.

Every finished batch is written as its own Parquet part (temp file + os.replace) in a work folder
beside the output; the ids in those parts are the record of what is done. A restarted job reads
them, skips those ids, and at the end merges all parts into the output file atomically, so a kill
at any moment loses no finished document and never analyses one twice.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from itertools import islice
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from unspin.ingest import (
    Document,
    IngestOptions,
    estimate_count,
    expand_inputs,
    iter_documents,
    load_deferred,
)
from unspin.language import not_english_reason
from unspin.profile import ProfileSource

RESULT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.string()),
        ("word_count", pa.int64()),
        ("spin_score", pa.float64()),
        ("is_spun", pa.bool_()),
        ("n_spans", pa.int64()),
        ("spans", pa.string()),  # JSON list of Span dicts
        ("restored", pa.string()),
        ("error", pa.string()),
        # False: no verdict (too short to judge), so is_spun False does not mean clean; parts
        # written before these two columns existed read them as null, and merge.
        ("judged", pa.bool_()),
        ("notes", pa.string()),  # JSON list of the report's notes
    ]
)
ENGINES = ("local", "dask")
WORKER_CRASH = "analysis crashed its worker process, also when run alone; skipped"
DASK_CONNECT_TIMEOUT = 10.0  # seconds; a wrong scheduler address should fail fast, not in 30 s


class ScreenError(ValueError):
    """The job cannot start (bad output path, unreachable scheduler); the message says why."""


@dataclass(frozen=True, slots=True)
class ScreenOptions:
    """How to read the inputs and how to spread the work."""

    ingest: IngestOptions = field(
        default_factory=lambda: IngestOptions(id_field=None, defer_files=True)
    )
    workers: int = max(1, os.cpu_count() or 1)
    batch_size: int = 32
    engine: str = "local"
    scheduler: str | None = None  # dask scheduler address; None starts a LocalCluster
    dask_processes: bool = True
    limit: int | None = None  # stop (resumably) after this many new documents
    overwrite: bool = False  # replace an existing output that no unfinished job belongs to
    connect_timeout: float = DASK_CONNECT_TIMEOUT
    profile: ProfileSource | None = None  # spinner profile; each worker loads it once


@dataclass(slots=True)
class ScreenSummary:
    """What one run did; `complete` is False when it stopped early and can be resumed."""

    total: int = 0
    already_done: int = 0  # finished by earlier runs of the same job
    processed: int = 0  # by this run
    spun: int = 0  # among all documents finished so far
    errors: int = 0  # among all documents finished so far
    seconds: float = 0.0
    complete: bool = False
    output: str = ""

    @property
    def docs_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0


def _error_row(document: Document, error: str) -> dict:
    return {
        "id": document.id,
        "source": document.source,
        "word_count": None,
        "spin_score": None,
        "is_spun": None,
        "n_spans": None,
        "spans": None,
        "restored": None,
        "error": error,
        "judged": None,
        "notes": None,
    }


def analyze_batch(
    documents: list[Document],
    ingest: IngestOptions | None = None,
    profile: ProfileSource | None = None,
) -> list[dict]:
    """Result rows for a batch; runs in a worker, where the analyzer is built once and cached."""
    from unspin.pipeline import default_analyzer

    analyzer = default_analyzer()
    loaded = profile.load() if profile is not None else None  # cached per process
    rows = []
    for deferred in documents:
        document = load_deferred(deferred, ingest or IngestOptions())
        if document.error:
            rows.append(_error_row(document, document.error))
            continue
        if reason := not_english_reason(document.text):
            rows.append(_error_row(document, reason))
            continue
        try:
            report = analyzer.analyze(document.text, profile=loaded)
        except Exception as exc:  # one bad document must not kill the job
            rows.append(_error_row(document, f"analysis failed: {type(exc).__name__}: {exc}"))
            continue
        spans = [asdict(span) for span in report.spans]
        rows.append(
            {
                "id": document.id,
                "source": document.source,
                "word_count": report.word_count,
                "spin_score": float(report.spin_score),
                "is_spun": report.is_spun,
                "n_spans": len(spans),
                "spans": json.dumps(spans, ensure_ascii=False),
                "restored": report.restored,
                "error": None,
                "judged": report.judged,
                "notes": json.dumps(list(report.notes), ensure_ascii=False),
            }
        )
    return rows


def work_dir_for(out: Path) -> Path:
    return out.with_name(out.name + ".work")


def write_atomically(table: pa.Table, path: Path) -> None:
    """Readers see the old file or the whole new one, never half of it."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class PartStore:
    """The work folder: finished parts, the ids they hold, and the final merge."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        work_dir.mkdir(parents=True, exist_ok=True)
        for leftover in work_dir.glob(".*.tmp"):  # a write interrupted by a kill
            leftover.unlink()
        self.run_id = uuid.uuid4().hex[:12]
        self.sequence = 0

    def parts(self) -> list[Path]:
        return sorted(self.work_dir.glob("part-*.parquet"))

    def done_ids(self) -> set[str]:
        done: set[str] = set()
        for part in self.parts():
            done.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
        return done

    def write(self, rows: list[dict]) -> None:
        self.sequence += 1
        name = f"part-{self.run_id}-{self.sequence:07d}.parquet"
        write_atomically(pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), self.work_dir / name)

    def counts(self) -> tuple[int, int]:
        """(spun, errors) over every finished document."""
        spun = errors = 0
        for part in self.parts():
            table = pq.read_table(part, columns=["is_spun", "error"])
            spun += sum(1 for value in table.column("is_spun").to_pylist() if value)
            errors += len(table) - table.column("error").null_count
        return spun, errors

    def merge_into(self, out: Path, order: list[str]) -> pa.Table:
        """Write every row to `out` in input order, atomically, then drop the work folder."""
        tables = [pq.read_table(part, schema=RESULT_SCHEMA) for part in self.parts()]
        table = pa.concat_tables(tables) if tables else RESULT_SCHEMA.empty_table()
        position = {doc_id: number for number, doc_id in enumerate(order)}
        ranks = [position.get(doc_id, len(order)) for doc_id in table.column("id").to_pylist()]
        table = table.take(sorted(range(len(ranks)), key=ranks.__getitem__))
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(table, out)
        shutil.rmtree(self.work_dir)
        return table


def unique_documents(documents: Iterable[Document]) -> Iterator[Document]:
    """Give repeated ids (e.g. a JSONL id field with duplicates) a stable suffix."""
    seen: dict[str, int] = {}
    for document in documents:
        count = seen.get(document.id, 0)
        seen[document.id] = count + 1
        if count:
            document = Document(
                f"{document.id}~{count + 1}", document.source, document.text, document.error
            )
        yield document


def batched(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


class PendingDocuments:
    """Streams the documents not done yet, in input order, and remembers every id it passed.

    Streaming keeps memory bounded by the batches in flight, not by the corpus size.
    """

    def __init__(self, documents: Iterable[Document], done: set[str], limit: int | None) -> None:
        self._documents = documents
        self._done = done
        self._limit = limit
        self.order: list[str] = []
        self.already_done = 0
        self.exhausted = False

    def __iter__(self) -> Iterator[Document]:
        taken = 0
        for document in self._documents:
            if document.id in self._done:
                self.order.append(document.id)
                self.already_done += 1
                continue
            if self._limit is not None and taken >= self._limit:
                return
            self.order.append(document.id)
            taken += 1
            yield document
        self.exhausted = True


def _exit_with_parent() -> None:
    """Pool initializer: a worker whose parent was killed (kill -9) must not linger forever.

    The parent is whoever started this worker: the screening process under fork, the
    forkserver (which exits with the screening process) otherwise.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class _RestartingPool:
    """A process pool that is replaced when a worker dies (kill -9, OOM killer, segfault).

    One crashed worker breaks a ProcessPoolExecutor and fails every batch in flight, so the
    batches are retried one at a time in a fresh pool; a batch that crashes alone too is split
    into its documents, and a document that crashes alone becomes an error row. A poison
    document costs a few restarts, never the job (or every rerun of it).
    """

    def __init__(self, options: ScreenOptions, context) -> None:
        self.options = options
        self.context = context
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.options.workers,
            mp_context=self.context,
            initializer=_exit_with_parent,
        )

    def submit(self, batch: list[Document]) -> Future:
        return self.pool.submit(analyze_batch, batch, self.options.ingest, self.options.profile)

    def restart(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._new_pool()

    def _alone(self, batch: list[Document]) -> list[dict] | None:
        try:
            return self.submit(batch).result()
        except BrokenProcessPool:
            self.restart()
            return None

    def retry(self, batch: list[Document]) -> list[dict]:
        """Rows for a batch whose worker died: alone once, then document by document."""
        rows = self._alone(batch)
        if rows is not None:
            return rows
        rows = []
        for document in batch:
            single = self._alone([document]) if len(batch) > 1 else None
            rows.extend(single if single is not None else [_error_row(document, WORKER_CRASH)])
        return rows

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _run_local(batches: Iterator[list[Document]], options: ScreenOptions) -> Iterator[list[dict]]:
    workers = options.workers
    if workers <= 1:
        for batch in batches:
            yield analyze_batch(batch, options.ingest, options.profile)
        return
    # Build the analyzer once here and fork: workers share its memory copy-on-write and skip the
    # multi-second load. Where fork is unavailable each forkserver worker builds its own.
    if "fork" in get_all_start_methods():
        from unspin.pipeline import default_analyzer

        default_analyzer().warm()
        if options.profile is not None:
            options.profile.load()  # read once here; the forked workers inherit it
        context = get_context("fork")
    else:
        context = get_context("forkserver")
    pool = _RestartingPool(options, context)
    try:
        pending: dict[Future, list[Document]] = {}
        source = iter(batches)
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * workers:
                batch = next(source, None)
                if batch is None:
                    exhausted = True
                else:
                    pending[pool.submit(batch)] = batch
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            lost: list[list[Document]] = []
            for future in finished:
                batch = pending.pop(future)
                if isinstance(future.exception(), BrokenProcessPool):
                    lost.append(batch)
                else:
                    yield future.result()
            if lost:
                # The whole pool is gone: whatever else was in flight failed with it.
                for future, batch in pending.items():
                    if future.done() and future.exception() is None:
                        yield future.result()
                    else:
                        lost.append(batch)
                pending.clear()
                pool.restart()
                for batch in lost:
                    yield pool.retry(batch)
    finally:
        pool.close()


def _dask_client(options: ScreenOptions):
    """(client, cluster or None): connect first, so a bad address fails before any work."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScreenError(
            "--engine dask needs dask.distributed: pip install 'unspin[cluster]'"
        ) from None
    if options.scheduler:
        try:
            return Client(options.scheduler, timeout=options.connect_timeout), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise ScreenError(
                f"cannot reach the dask scheduler at {options.scheduler} "
                f"within {options.connect_timeout:g} s ({type(exc).__name__}: {exc})"
            ) from None
    cluster = LocalCluster(
        n_workers=options.workers,
        threads_per_worker=1,
        processes=options.dask_processes,
        dashboard_address=None,
        silence_logs=logging.ERROR,  # worker chatter would scroll over the progress bar
    )
    return Client(cluster), cluster


def _run_dask(
    batches: Iterator[list[Document]], options: ScreenOptions, client
) -> Iterator[list[dict]]:
    from distributed import as_completed

    window = as_completed()
    batch_of: dict = {}
    in_flight = 0

    def results(future) -> list[dict]:
        batch = batch_of.pop(future.key)
        try:
            return future.result()
        except Exception:  # KilledWorker and friends: dask already retried the batch
            if len(batch) == 1:
                return [_error_row(batch[0], WORKER_CRASH)]
            return [row for document in batch for row in _dask_alone(client, document, options)]

    for batch in batches:
        future = client.submit(analyze_batch, batch, options.ingest, options.profile, pure=False)
        batch_of[future.key] = batch
        window.add(future)
        in_flight += 1
        if in_flight >= 2 * max(options.workers, 1):
            yield results(next(window))
            in_flight -= 1
    for future in window:
        yield results(future)


def _dask_alone(client, document: Document, options: ScreenOptions) -> list[dict]:
    try:
        return client.submit(
            analyze_batch, [document], options.ingest, options.profile, pure=False
        ).result()
    except Exception:
        return [_error_row(document, WORKER_CRASH)]


def check_output(out: Path, overwrite: bool) -> None:
    """Fail before any work when the results could not be written at the end."""
    if out.is_dir():
        raise ScreenError(f"--out {out} is a directory; give a file name such as results.parquet")
    if out.exists() and not work_dir_for(out).exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite (--force) to screen again")
    parent = out.parent
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ScreenError(f"cannot write {out}: {existing} is not a directory")
    if existing == parent:
        try:  # the only sure test of writability, whoever we run as
            with tempfile.TemporaryFile(dir=parent):
                pass
        except OSError as exc:
            raise ScreenError(f"cannot write to {parent}: {exc.strerror or exc}") from None
    elif not os.access(existing, os.W_OK | os.X_OK):
        raise ScreenError(f"cannot create {parent}: {existing} is not writable")


def screen(
    inputs: Iterable[Path],
    out: Path,
    options: ScreenOptions | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_batch: Callable[[list[dict]], None] | None = None,
) -> ScreenSummary:
    """Analyse every document under `inputs` into the Parquet file `out`, resuming earlier runs.

    `on_start(expected, already_done)` (expected is a cheap estimate of the documents this run
    will analyse) and `on_batch(rows)` let a caller draw progress.
    """
    options = options or ScreenOptions()
    if options.engine not in ENGINES:
        raise ValueError(f"unknown engine {options.engine!r} (choose from {', '.join(ENGINES)})")
    started = time.perf_counter()
    check_output(out, options.overwrite)
    inputs = list(inputs)
    expand_inputs(inputs)  # a missing input fails here, before a work folder is made
    client = cluster = None
    if options.engine == "dask":
        client, cluster = _dask_client(options)
    try:
        return _screen(inputs, out, options, on_start, on_batch, started, client)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _screen(
    inputs: list[Path],
    out: Path,
    options: ScreenOptions,
    on_start: Callable[[int, int], None] | None,
    on_batch: Callable[[list[dict]], None] | None,
    started: float,
    client,
) -> ScreenSummary:
    store = PartStore(work_dir_for(out))
    done = store.done_ids()
    estimate = estimate_count(inputs)
    pending = PendingDocuments(
        unique_documents(iter_documents(inputs, options.ingest)), done, options.limit
    )
    expected = max(0, estimate - len(done))
    if options.limit is not None:
        expected = min(expected, options.limit)
    if on_start is not None:
        on_start(expected, len(done))
    summary = ScreenSummary()
    batches = batched(pending, max(1, options.batch_size))
    if client is not None:
        results = _run_dask(batches, options, client)
    else:
        results = _run_local(batches, options)
    for rows in results:
        store.write(rows)
        summary.processed += len(rows)
        if on_batch is not None:
            on_batch(rows)
    summary.already_done = pending.already_done
    summary.complete = pending.exhausted
    summary.total = len(pending.order) if pending.exhausted else max(estimate, len(pending.order))
    summary.spun, summary.errors = store.counts()
    if summary.complete:
        store.merge_into(out, pending.order)
        summary.output = str(out)
    else:
        summary.output = str(store.work_dir)
    summary.seconds = time.perf_counter() - started
    return summary
