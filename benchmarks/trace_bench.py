"""Trace benchmark: recall@1/@5 of spun paragraphs against their originals hidden among distractors.

    .venv/bin/python benchmarks/distractors.py          # once: builds .cache/distractors.jsonl
    .venv/bin/python benchmarks/trace_bench.py [--distractors 100000]

Rows: the 169 SpinBot paragraphs of the shared evaluation data (read at run time, never stored),
and paragraphs of the distractor corpus spun here with a Moby-thesaurus word swapper (a harsher,
different spinner, so the SpinBot number is not the only one we look at).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from unspin.trace import FUNCTION_WORDS, WORD_PATTERN, TraceIndex, build_index, load_thesaurus

sys.path.insert(0, str(Path(__file__).resolve().parent))
import distractors  # noqa: E402
from common import DEFAULT_DATA_DIR, SPINBOT_FILE  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def thesaurus_spin(text: str, rng: random.Random, thesaurus: dict, rate: float) -> str:
    """Replace about `rate` of lower-case content words with a random one-word synonym."""

    def swap(match) -> str:
        word = match.group(0)
        options = thesaurus.get(word)
        if word in FUNCTION_WORDS or not options or not word.islower() or rng.random() > rate:
            return word
        return rng.choice(options[:30])

    return WORD_PATTERN.sub(swap, text)


def evaluate(index: TraceIndex, queries: list[tuple[str, str]]) -> dict:
    hits1 = hits5 = 0
    latencies = []
    for expected, spun in queries:
        start = time.perf_counter()
        matches = index.query(spun, k=5)
        latencies.append(time.perf_counter() - start)
        found = [m.doc_id for m in matches]
        hits1 += bool(found) and found[0] == expected
        hits5 += expected in found
    latencies.sort()
    return {
        "n": len(queries),
        "recall@1": hits1 / len(queries),
        "recall@5": hits5 / len(queries),
        "mean_ms": statistics.fmean(latencies) * 1e3,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, help=f"folder with {SPINBOT_FILE}"
    )
    parser.add_argument("--distractors", type=int, default=100_000)
    parser.add_argument("--synthetic", type=int, default=500, help="thesaurus-spun queries")
    parser.add_argument("--rate", type=float, default=0.5, help="thesaurus spin rate")
    args = parser.parse_args()
    console = Console(width=120)

    pairs_path = args.data / SPINBOT_FILE
    if not pairs_path.is_file():
        raise SystemExit(f"{pairs_path} not found (pass --data DIR, the shared data folder)")
    pairs = [json.loads(line) for line in pairs_path.open(encoding="utf-8")]
    haystack = distractors.load(limit=args.distractors)
    if len(haystack) < args.distractors:
        console.print(f"[yellow]only {len(haystack)} distractors available[/]")
    docs = [(f"spinbot:{p['id']}", p["original"]) for p in pairs]
    docs += [(f"distractor:{n}", record["text"]) for n, record in enumerate(haystack)]

    start = time.perf_counter()
    index = build_index(docs)
    build_s = time.perf_counter() - start
    folder = REPO_ROOT / ".cache" / "trace-bench-index"
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    index.save(folder)
    save_s = time.perf_counter() - start
    size_mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    start = time.perf_counter()
    index = TraceIndex.load(folder)
    load_s = time.perf_counter() - start

    rng = random.Random(20261125)
    thesaurus = load_thesaurus()
    sample = rng.sample(range(len(haystack)), min(args.synthetic, len(haystack)))
    synthetic = [
        (f"distractor:{n}", thesaurus_spin(haystack[n]["text"], rng, thesaurus, args.rate))
        for n in sample
    ]
    index.query("warm up the thesaurus", k=1)
    rows = {
        "SpinBot (169 Wikipedia paragraphs)": evaluate(
            index, [(f"spinbot:{p['id']}", p["spun"]) for p in pairs]
        ),
        f"Moby thesaurus spin, rate {args.rate}": evaluate(index, synthetic),
    }

    table = Table(title=f"trace: {len(index):,} indexed paragraphs ({len(haystack):,} distractors)")
    for column in ("queries", "n", "recall@1", "recall@5", "mean ms", "p95 ms"):
        table.add_column(column, justify="right" if column != "queries" else "left")
    for name, row in rows.items():
        table.add_row(
            name,
            str(row["n"]),
            f"{row['recall@1']:.3f}",
            f"{row['recall@5']:.3f}",
            f"{row['mean_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
        )
    console.print(table)
    console.print(
        f"index build {build_s:.1f} s, save {save_s:.1f} s, load {load_s:.1f} s, "
        f"size on disk {size_mb:.1f} MB"
    )


if __name__ == "__main__":
    main()
