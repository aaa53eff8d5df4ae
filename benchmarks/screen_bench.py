"""Screen throughput: documents per second on 1 and 2 processes and on a local dask cluster.

    .venv/bin/python benchmarks/screen_bench.py [--docs 2000]

The corpus is the first N distractor paragraphs (benchmarks/distractors.py) as one JSONL file.
"end to end" covers reading, starting workers (building the analyzer), analysing and writing the
Parquet output; "steady" is the rate after the first batch came back, i.e. without start-up. Each
configuration runs in a fresh interpreter so none inherits another's loaded analyzer. "CPU s" is
the user+system time of that interpreter and its workers: on a shared, busy machine the wall-clock
rates of 2 processes say little, while docs per CPU second shows what the parallel engines cost.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from unspin.ingest import IngestOptions
from unspin.screen import ScreenOptions, screen

sys.path.insert(0, str(Path(__file__).resolve().parent))
import distractors  # noqa: E402

CONFIGURATIONS = (
    ("local, 1 process", {"workers": 1}),
    ("local, 2 processes", {"workers": 2}),
    ("dask LocalCluster, 2 worker processes", {"workers": 2, "engine": "dask"}),
)


def measure(corpus: Path, out: Path, settings: dict, batch_size: int) -> dict:
    """One configuration, timed from a cold start (run in its own interpreter)."""
    options = ScreenOptions(
        ingest=IngestOptions(text_field="text", id_field="id"), batch_size=batch_size, **settings
    )
    arrivals: list[tuple[float, int]] = []
    started = time.perf_counter()
    summary = screen(
        [corpus],
        out,
        options,
        on_batch=lambda rows: arrivals.append((time.perf_counter(), len(rows))),
    )
    assert summary.complete
    first_at, first_rows = arrivals[0]
    steady_span = arrivals[-1][0] - first_at
    return {
        "docs": summary.processed,
        "seconds": summary.seconds,
        "first_batch_s": first_at - started,
        "end_to_end": summary.docs_per_second,
        "steady": (summary.processed - first_rows) / steady_span if steady_span > 0 else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--configuration", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.configuration is not None:  # child run: print one JSON line
        _, settings = CONFIGURATIONS[args.configuration]
        out = args.corpus.with_name(f"out{args.configuration}.parquet")
        print(json.dumps(measure(args.corpus, out, settings, args.batch_size)))
        return
    console = Console(width=120)
    records = distractors.load(limit=args.docs)
    table = Table(title=f"screen: {len(records):,} paragraphs, batch size {args.batch_size}")
    columns = ("engine", "docs", "seconds", "first batch s", "docs/s end to end", "steady docs/s")
    columns += ("CPU s", "docs per CPU s")
    for column in columns:
        table.add_column(column, justify="left" if column == "engine" else "right")
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")
        for number, (name, _) in enumerate(CONFIGURATIONS):
            command = [sys.executable, __file__, "--configuration", str(number)]
            command += ["--corpus", str(corpus), "--batch-size", str(args.batch_size)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            child = subprocess.run(command, capture_output=True, text=True, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            row = json.loads(child.stdout.strip().splitlines()[-1])
            table.add_row(
                name,
                f"{row['docs']:,}",
                f"{row['seconds']:.1f}",
                f"{row['first_batch_s']:.1f}",
                f"{row['end_to_end']:,.1f}",
                f"{row['steady']:,.1f}",
                f"{cpu:.0f}",
                f"{row['docs'] / cpu:,.1f}",
            )
    console.print(table)


if __name__ == "__main__":
    main()
