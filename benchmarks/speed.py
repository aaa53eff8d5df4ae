"""Speed benchmark: unspin.analyze words/second on one core, and the fingerprint layer in MB/s.

    .venv/bin/python benchmarks/speed.py [--data DIR] [--json PATH] [--limit N]

The workloads are built from the SpinBot originals and spun paragraphs in a fixed order, so every
run times the same text. Words are counted the same way as in quality.py (runs of letters and
digits; punctuation is not a word).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from common import (
    Result,
    SpinbotPair,
    Target,
    argument_parser,
    check_limit,
    load_spinbot_pairs,
    print_table,
    write_json,
)
from metrics import count_words

MIXED_WORDS = 50_000
LONG_DOCUMENT_WORDS = 20_000
FINGERPRINT_BYTES = 20_000_000
FINGERPRINT_CHUNK_BYTES = 1_000_000
LONG_DOCUMENT_REPEATS = 3
FARM_ARTICLES = 20
FARM_SEED = 2027  # the farm of benchmarks/profiles.py

ANALYZE_TARGET = Target(20_000)
FINGERPRINT_TARGET = Target(50)
STARTUP_TARGET = Target(2.0, at_least=False)
MEMORY_TARGET = Target(500, at_least=False)
MEMORY_DOCUMENT_WORDS = 235_000
STARTUP_REPEATS = 3
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "spun_article.txt"
# Run in a child process: its peak resident memory is the analyzer's alone, and its start-up
# is a user's. The document is the Wikinews articles over and over, one text of N words.
MEMORY_CHILD = """
import json, resource, sys
words, path = int(sys.argv[1]), sys.argv[2]
articles = [json.loads(line)["text"] for line in open(path, encoding="utf-8")]
parts, total = [], 0
while total < words:
    parts.append(articles[len(parts) % len(articles)])
    total += len(parts[-1].split())
import unspin
report = unspin.analyze("\\n\\n".join(parts))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"words": report.word_count, "peak_mb": peak, "spans": len(report.spans)}))
"""


def pin_to_one_core() -> str:
    """Run on a single CPU so the number means 'per core' whatever the machine has.

    Called before unspin (and so numpy) is imported: threads started later inherit the pin.
    """
    if not hasattr(os, "sched_setaffinity"):
        return "could not pin to one CPU on this platform"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def paragraphs_in_order(pairs: Sequence[SpinbotPair]) -> Iterator[str]:
    """original 0, spun 0, original 1, spun 1, ... and round again, forever."""
    while True:
        for pair in pairs:
            yield pair.original
            yield pair.spun


def take_words(pairs: Sequence[SpinbotPair], words: int) -> list[str]:
    """Paragraphs in the fixed order until they hold at least `words` words."""
    taken: list[str] = []
    total = 0
    for paragraph in paragraphs_in_order(pairs):
        if total >= words:
            break
        taken.append(paragraph)
        total += count_words(paragraph)
    return taken


def take_bytes(pairs: Sequence[SpinbotPair], size: int) -> list[str]:
    taken: list[str] = []
    total = 0
    for paragraph in paragraphs_in_order(pairs):
        if total >= size:
            break
        taken.append(paragraph)
        total += len(paragraph.encode("utf-8")) + 2  # the "\n\n" that joins them later
    return taken


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock and CPU seconds. The rates use CPU time of this process: on a shared machine
    other processes stretch the wall clock, not the work done on our one core."""

    wall: float
    cpu: float


def timed(function: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


@dataclass(frozen=True, slots=True)
class Throughput:
    amount: float
    timing: Timing

    @property
    def rate(self) -> float:
        return self.amount / self.timing.cpu if self.timing.cpu else float("inf")

    @property
    def wall_rate(self) -> float:
        return self.amount / self.timing.wall if self.timing.wall else float("inf")

    def details(self, unit: str) -> dict[str, float]:
        return {
            unit: self.amount,
            "cpu_seconds": self.timing.cpu,
            "wall_seconds": self.timing.wall,
            "rate_by_wall_clock": self.wall_rate,
        }

    def describe(self, what: str, rate_unit: str) -> str:
        return (
            f"{what}; CPU {self.timing.cpu:.2f} s, wall {self.timing.wall:.2f} s "
            f"({self.wall_rate:,.1f} {rate_unit} by wall clock)"
        )


def best_of(repeats: int, amount: float, function: Callable[[], object]) -> Throughput:
    """The least disturbed of `repeats` runs."""
    return Throughput(
        amount, min((timed(function) for _ in range(repeats)), key=lambda timing: timing.cpu)
    )


def analyze_speed(
    analyze: Callable[[str], object], documents: Sequence[str], repeats: int = 1
) -> Throughput:
    """Words per CPU-second over the documents, one analyze call per document."""

    def one_pass() -> None:
        for document in documents:
            analyze(document)

    return best_of(repeats, sum(count_words(document) for document in documents), one_pass)


def analyze_results(pairs: Sequence[SpinbotPair], scale: float, data: Path) -> list[Result]:
    # Imported only after pin_to_one_core(), so any thread pool numpy starts inherits the pin.
    import unspin

    section = "analyze on one core, resources loaded (rates by CPU time)"
    load = timed(
        lambda: unspin.default_analyzer().analyze(
            "Warm-up sentence so that resource loading is timed on its own."
        )
    )
    analyze = unspin.default_analyzer().analyze

    mixed = take_words(pairs, round(MIXED_WORDS * scale))
    mixed_speed = analyze_speed(analyze, mixed)
    mixed_again = analyze_speed(analyze, mixed)  # whatever the pipeline caches is now warm
    paragraphs = take_words(pairs, round(LONG_DOCUMENT_WORDS * scale))
    long_speed = analyze_speed(analyze, ["\n\n".join(paragraphs)], LONG_DOCUMENT_REPEATS)
    paragraph_speed = analyze_speed(analyze, paragraphs, LONG_DOCUMENT_REPEATS)
    best = f"best of {LONG_DOCUMENT_REPEATS}"
    farm, farm_note = spun_articles(data, max(1, round(FARM_ARTICLES * scale)))
    farm_speed = analyze_speed(analyze, farm)
    return [
        Result(
            section,
            "load_seconds",
            "Resource loading + first call",
            load.wall,
            "seconds",
            note=f"default_analyzer() and one short analyze call; CPU {load.cpu:.2f} s",
        ),
        Result(
            section,
            "mixed_words_per_s",
            "Mixed paragraphs, first pass",
            mixed_speed.rate,
            "words_per_s",
            ANALYZE_TARGET,
            note=mixed_speed.describe(
                f"{len(mixed):,} originals+spun paragraphs, {mixed_speed.amount:,.0f} words",
                "words/s",
            ),
            details=mixed_speed.details("words"),
        ),
        Result(
            section,
            "mixed_again_words_per_s",
            "Mixed paragraphs, second pass",
            mixed_again.rate,
            "words_per_s",
            ANALYZE_TARGET,
            note=mixed_again.describe("the same calls again, caches warm", "words/s"),
            details=mixed_again.details("words"),
        ),
        Result(
            section,
            "long_document_words_per_s",
            "One long document",
            long_speed.rate,
            "words_per_s",
            ANALYZE_TARGET,
            note=long_speed.describe(
                f"{long_speed.amount:,.0f} words in one call, {best}", "words/s"
            ),
            details=long_speed.details("words"),
        ),
        Result(
            section,
            "paragraph_documents_words_per_s",
            "Same text, one call per paragraph",
            paragraph_speed.rate,
            "words_per_s",
            ANALYZE_TARGET,
            note=paragraph_speed.describe(f"{len(paragraphs):,} calls, {best}", "words/s"),
            details=paragraph_speed.details("words"),
        ),
        Result(
            section,
            "farm_articles_words_per_s",
            "Spun news articles (content farm)",
            farm_speed.rate,
            "words_per_s",
            ANALYZE_TARGET,
            note=farm_speed.describe(farm_note, "words/s"),
            details=farm_speed.details("words"),
        ),
    ]


def spun_articles(data: Path, articles: int) -> tuple[list[str], str]:
    """Whole news articles as a content farm publishes them: held-out Wikinews articles spun
    by one site-wide spinner (as benchmarks/profiles.py's farm). Texts judged spun are
    restored twice (the second time with the dictionary learned from the text itself), so
    they cost more than paragraphs."""
    import unspin
    from unspin.corpora import read_wikinews
    from unspin.simulate import HELD_OUT, Spinner, forward_synonyms

    lexicon = unspin.default_analyzer().lexicon
    spinner = Spinner.site(HELD_OUT, lexicon, FARM_SEED, forward_synonyms(HELD_OUT, lexicon))
    texts = [spinner.spin(a.text).spun for a in read_wikinews(data, heldout=True)[:articles]]
    return texts, f"{len(texts)} held-out Wikinews articles, one '{HELD_OUT}' spinner, one pass"


def fingerprint_results(pairs: Sequence[SpinbotPair], scale: float) -> list[Result]:
    section = "Fingerprint layer alone, FingerprintIndex.bundled().find (rates by CPU time)"
    labels = [
        ("fingerprint_load_seconds", "Index loading", "seconds", None),
        ("fingerprint_paragraphs_mb_per_s", "Paragraph documents", "mb_per_s", FINGERPRINT_TARGET),
        ("fingerprint_chunks_mb_per_s", "1 MB documents", "mb_per_s", FINGERPRINT_TARGET),
    ]
    try:
        from unspin.fingerprint import FingerprintIndex

        started = time.perf_counter()
        index = FingerprintIndex.bundled()
        load_seconds = time.perf_counter() - started
    except (ImportError, AttributeError, NotImplementedError, FileNotFoundError) as error:
        reason = f"not available: {type(error).__name__}: {error}"
        return [
            Result(section, key, label, None, unit, target, note=reason)
            for key, label, unit, target in labels
        ]

    paragraphs = take_bytes(pairs, round(FINGERPRINT_BYTES * scale))
    text = "\n\n".join(paragraphs)
    step = FINGERPRINT_CHUNK_BYTES  # characters; the text is almost all ASCII
    chunks = [text[i : i + step] for i in range(0, len(text), step)]
    megabytes = len(text.encode("utf-8")) / 1e6
    hits = sum(len(index.find(paragraph)) for paragraph in paragraphs[: 2 * len(pairs)])

    def find_paragraphs() -> None:
        for paragraph in paragraphs:
            index.find(paragraph)

    def find_chunks() -> None:
        for chunk in chunks:
            index.find(chunk)

    paragraph_speed = best_of(1, megabytes, find_paragraphs)
    chunk_speed = best_of(1, megabytes, find_chunks)
    return [
        Result(section, labels[0][0], labels[0][1], load_seconds, "seconds"),
        Result(
            section,
            labels[1][0],
            labels[1][1],
            paragraph_speed.rate,
            "mb_per_s",
            FINGERPRINT_TARGET,
            note=paragraph_speed.describe(
                f"{len(paragraphs):,} calls over {megabytes:.1f} MB ({hits:,} hits in one "
                "round of the paragraphs)",
                "MB/s",
            ),
            details=paragraph_speed.details("megabytes"),
        ),
        Result(
            section,
            labels[2][0],
            labels[2][1],
            chunk_speed.rate,
            "mb_per_s",
            FINGERPRINT_TARGET,
            note=chunk_speed.describe(f"{len(chunks):,} calls", "MB/s"),
            details=chunk_speed.details("megabytes"),
        ),
    ]


def startup_and_memory_results(data: Path, scale: float) -> list[Result]:
    """`unspin check` on the example from a cold process, and the peak memory of one call on a
    very long document (both in child processes, as a user runs them)."""
    section = "Start-up and memory (child processes, wall clock)"
    unspin_command = Path(sys.executable).parent / "unspin"
    startups = []
    for _ in range(STARTUP_REPEATS):  # the least disturbed of a few cold starts
        started = time.perf_counter()
        check = subprocess.run(
            [str(unspin_command), "check", str(EXAMPLE)], capture_output=True, text=True
        )
        startups.append(time.perf_counter() - started)
    startup = min(startups)
    startup_ok = check.returncode in (0, 1) and check.stdout.strip()
    words = round(MEMORY_DOCUMENT_WORDS * scale)
    child = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(words), str(data / "wikinews_2019_2020.jsonl")],
        capture_output=True,
        text=True,
    )
    memory = json.loads(child.stdout.strip().splitlines()[-1]) if child.returncode == 0 else None
    return [
        Result(
            section,
            "startup_seconds",
            "`unspin check` on the example, to the first result",
            startup if startup_ok else None,
            "seconds",
            STARTUP_TARGET,
            note=f"{EXAMPLE.name}, best of {STARTUP_REPEATS} (all: "
            + ", ".join(f"{t:.2f}" for t in startups)
            + " s); resource tables already in the cache folder"
            if startup_ok
            else f"failed: {check.stderr.strip()[-300:]}",
        ),
        Result(
            section,
            "long_document_peak_mb",
            f"Peak memory, one {words:,}-word document",
            memory["peak_mb"] if memory else None,
            "megabytes",
            MEMORY_TARGET,
            note=f"{memory['words']:,} words, {memory['spans']:,} spans; peak resident set "
            "of the process, resources included"
            if memory
            else f"failed: {child.stderr.strip()[-300:]}",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        "Measure unspin.analyze words/second on one core and the fingerprint layer's MB/s.",
        f"quick run: time N words of mixed paragraphs instead of {MIXED_WORDS:,}; the long "
        "document and the fingerprint text shrink in the same proportion",
    )
    args = parser.parse_args(argv)
    check_limit(parser, args.limit)
    pairs = load_spinbot_pairs(args.data)
    if not pairs:
        parser.error(f"no SpinBot pairs in {args.data}")
    scale = min(1.0, args.limit / MIXED_WORDS) if args.limit else 1.0
    pinned = pin_to_one_core()

    results: list[Result] = []
    total = timed(
        lambda: results.extend(
            startup_and_memory_results(args.data, scale)
            + analyze_results(pairs, scale, args.data)
            + fingerprint_results(pairs, scale)
        )
    )
    results.append(
        Result(
            "Run",
            "total_seconds",
            "Total time",
            total.wall,
            "seconds",
            note=f"{pinned}; CPU {total.cpu:.1f} s",
        )
    )
    print_table("unspin speed benchmark", results)
    if args.json:
        write_json(
            args.json,
            results,
            {
                "benchmark": "speed",
                "data": str(args.data),
                "limit": args.limit,
                "cpu": pinned,
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
