"""Service benchmark: requests/s and latency of `unspin serve` on loopback for a 1,000-word article.

    .venv/bin/python benchmarks/serve_bench.py [--requests 200] [--concurrency 1 4] [--workers 1]

Starts `unspin serve` in a child process (so client and server do not share a GIL), waits for it to
load its language resources, warms it up, then sends a fixed number of requests per row from
`concurrency` client threads. The article is generated here from prose written for this script
(not from the evaluation data), with a few known tortured phrases so the spin path does real work.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

ARTICLE_WORDS = 1_000
STARTUP_TIMEOUT_S = 300
SEED = 20240601

SENTENCES = (
    "The harbour town grew up around a stone lighthouse built on the northern headland.",
    "Each evening the keeper climbed one hundred and twelve steps to trim the wick.",
    "Fishing boats left before dawn and returned in the afternoon with herring and cod.",
    "In winter the storms came from the west and the harbour wall was often damaged.",
    "A small school opened in the old customs house when the railway reached the valley.",
    "Children learned arithmetic, geography and the names of the stars used for navigation.",
    "The weather station on the cliff recorded wind speed, rainfall and air pressure twice a day.",
    "Those records, kept for more than a century, are still used by researchers today.",
    "Recently a university team trained a profound learning model on the old logbooks.",
    "They compared it with an irregular woodland classifier built on the same measurements.",
    "Both models predicted autumn gales better than the simple rules the keepers used.",
    "The museum now displays the brass lens, the logbooks and a model of the first pier.",
    "Visitors can walk along the coastal path to the ruined chapel and the seal colony.",
    "Local bakers still sell the dark rye bread that sailors once carried on long voyages.",
    "Every summer the town holds a regatta, and the lifeboat crew gives demonstrations.",
    "The council plans to restore the lighthouse keeper's cottage as a small library.",
    "Volunteers have catalogued photographs donated by families who lived on the headland.",
    "Many of the pictures show the great flood, when the river burst its banks in spring.",
    "After the flood the town built new drains and moved the market square to higher ground.",
    "Today the harbour is quieter, but the lighthouse beam still sweeps across the bay.",
)


def build_article(words: int = ARTICLE_WORDS, seed: int = SEED) -> str:
    """Deterministic article of exactly `words` words, in paragraphs of five sentences."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    paragraph: list[str] = []
    count = 0
    while count < words:
        sentence = rng.choice(SENTENCES).split()[: words - count]
        count += len(sentence)
        paragraph.append(" ".join(sentence).rstrip(".,") + ".")
        if len(paragraph) == 5:
            paragraphs.append(" ".join(paragraph))
            paragraph = []
    if paragraph:
        paragraphs.append(" ".join(paragraph))
    return "\n\n".join(paragraphs)


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    concurrency: int
    requests: int
    refused: int  # 429: every analysis slot taken for longer than the server's queue wait
    errors: int  # any other answer but 200
    seconds: float
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    max_ms: float


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable, "-c", "from unspin.cli import app; app()",
        "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--workers", str(workers),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until_healthy(base_url: str, server: subprocess.Popen) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < STARTUP_TIMEOUT_S:
        if server.poll() is not None:
            sys.exit(f"error: unspin serve exited early:\n{server.stderr.read()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"error: unspin serve did not answer within {STARTUP_TIMEOUT_S}s")


def measure(
    name: str, send: Callable[[httpx.Client], httpx.Response], requests: int, concurrency: int
) -> Row:
    latencies: list[float] = []
    errors = refused = 0
    remaining = requests
    lock = threading.Lock()

    def worker() -> None:
        nonlocal remaining, errors, refused
        with httpx.Client(timeout=120) as client:
            while True:
                with lock:
                    if remaining == 0:
                        return
                    remaining -= 1
                began = time.perf_counter()
                response = send(client)
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    refused += response.status_code == 429
                    errors += response.status_code not in (200, 429)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Row(
        name=name,
        concurrency=concurrency,
        requests=requests,
        refused=refused,
        errors=errors,
        seconds=round(seconds, 3),
        requests_per_s=round(requests / seconds, 1),
        p50_ms=round(cuts[49] * 1000, 1),
        p95_ms=round(cuts[94] * 1000, 1),
        max_ms=round(max(latencies) * 1000, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per row (default 200)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (unspin serve --workers)"
    )
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args()
    if args.requests < 2 or min(args.concurrency) < 1 or args.workers < 1:
        parser.error("--requests must be at least 2, --concurrency and --workers at least 1")

    article = build_article()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(port, args.workers)
    console = Console(width=100)  # full table even when piped
    try:
        startup = wait_until_healthy(base_url, server)
        probe = httpx.post(f"{base_url}/v1/analyze", json={"text": article}, timeout=120)
        probe.raise_for_status()
        report = probe.json()
        for _ in range(5):  # warm-up
            httpx.post(f"{base_url}/v1/analyze", json={"text": article}, timeout=120)

        analyze_url, restore_url = f"{base_url}/v1/analyze", f"{base_url}/v1/restore"
        payload = {"text": article}
        rows = []
        for concurrency in args.concurrency:
            rows.append(measure(
                "GET /healthz", lambda c: c.get(f"{base_url}/healthz"),
                args.requests, concurrency,
            ))  # fmt: skip
            rows.append(measure(
                "POST /v1/analyze", lambda c: c.post(analyze_url, json=payload),
                args.requests, concurrency,
            ))  # fmt: skip
            rows.append(measure(
                "POST /v1/restore", lambda c: c.post(restore_url, json=payload),
                args.requests, concurrency,
            ))  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)

    table = Table(
        title=f"unspin serve --workers {args.workers} on loopback, "
        f"{report['word_count']}-word article"
    )
    table.add_column("endpoint", no_wrap=True)
    for column in ("conc.", "requests", "refused", "errors", "req/s", "p50 ms", "p95 ms", "max ms"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row.name, str(row.concurrency), str(row.requests), str(row.refused), str(row.errors),
            f"{row.requests_per_s:.1f}", f"{row.p50_ms:.1f}", f"{row.p95_ms:.1f}",
            f"{row.max_ms:.1f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"server ready after {startup:.1f}s (resource loading); article: {len(article):,} chars, "
        f"{len(report['spans'])} spans flagged, spin_score {report['spin_score']:.2f}"
    )
    if args.json:
        summary = {"startup_s": round(startup, 2), "rows": [asdict(row) for row in rows]}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
