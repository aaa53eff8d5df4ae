"""Screen throughput: documents per second on 1 and 2 processes and on a local dask cluster.

    .venv/bin/python benchmarks/screen_bench.py [--docs 2000]

The corpus is the first N distractor paragraphs (benchmarks/distractors.py) as one JSONL file.
Times are end to end: reading, starting workers (each builds its analyzer once), analysing and
writing the Parquet output.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    console = Console()
    records = distractors.load(limit=args.docs)
    table = Table(title=f"screen: {len(records):,} paragraphs, batch size {args.batch_size}")
    for column in ("engine", "docs", "seconds", "docs/s"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")
        for number, (name, settings) in enumerate(CONFIGURATIONS):
            options = ScreenOptions(
                ingest=IngestOptions(text_field="text", id_field="id"),
                batch_size=args.batch_size,
                **settings,
            )
            summary = screen([corpus], Path(folder) / f"out{number}.parquet", options)
            assert summary.complete and summary.processed == len(records)
            table.add_row(
                name,
                f"{summary.processed:,}",
                f"{summary.seconds:.2f}",
                f"{summary.docs_per_second:,.0f}",
            )
    console.print(table)


if __name__ == "__main__":
    main()
