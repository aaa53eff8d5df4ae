"""What quality.py and speed.py share: command-line options, data loading and the result table."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import track
from rich.table import Table

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
SPINBOT_FILE = "spinbot_wikipedia_pairs.jsonl"
TORTURED_FILE = "tortured_phrases.jsonl"


_stderr = Console(stderr=True)


def progress(items: Sequence, description: str):
    """A progress bar on a terminal; nothing when stderr is a file or a pipe."""
    return track(
        items,
        description=description,
        console=_stderr,
        transient=True,
        disable=not _stderr.is_terminal,
    )


def argument_parser(description: str, limit_help: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder with {SPINBOT_FILE} and {TORTURED_FILE} (default: {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    parser.add_argument("--limit", type=int, help=limit_help)
    return parser


def check_limit(parser: argparse.ArgumentParser, limit: int | None) -> None:
    if limit is not None and limit < 1:
        parser.error("--limit must be a positive number")


@dataclass(frozen=True, slots=True)
class SpinbotPair:
    id: int
    original: str
    spun: str


@dataclass(frozen=True, slots=True)
class TorturedPhrase:
    tortured: str
    expected: str
    split: str


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        sys.exit(f"error: {path} not found (pass --data DIR, the folder holding the shared data)")
    rows = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    sys.exit(f"error: {path}:{number} is not valid JSON: {error}")
    return rows


def load_spinbot_pairs(data_dir: Path) -> list[SpinbotPair]:
    """The pairs sorted by id, so every run sees them in the same order."""
    rows = _read_jsonl(data_dir / SPINBOT_FILE)
    pairs = [SpinbotPair(int(r["id"]), r["original"], r["spun"]) for r in rows]
    return sorted(pairs, key=lambda pair: pair.id)


def load_tortured_phrases(data_dir: Path) -> list[TorturedPhrase]:
    """In file order (which is fixed), so every run sees them in the same order."""
    rows = _read_jsonl(data_dir / TORTURED_FILE)
    return [TorturedPhrase(r["tortured"], r["expected"], r["split"]) for r in rows]


# --------------------------------------------------------------------------- results

_FORMATS = {
    "percent": lambda v: f"{v * 100:.1f}%",
    "ratio": lambda v: f"{v:.3f}",
    "per_1k": lambda v: f"{v:.2f}",
    "seconds": lambda v: f"{v:.2f} s",
    "words_per_s": lambda v: f"{v:,.0f} words/s",
    "mb_per_s": lambda v: f"{v:.1f} MB/s",
    "count": lambda v: f"{v:,.0f}",
    "megabytes": lambda v: f"{v:,.0f} MB",
}


@dataclass(frozen=True, slots=True)
class Target:
    threshold: float
    at_least: bool = True

    def met(self, value: float) -> bool:
        return value >= self.threshold if self.at_least else value <= self.threshold

    def describe(self, unit: str) -> str:
        return ("≥ " if self.at_least else "≤ ") + _FORMATS[unit](self.threshold)


@dataclass(frozen=True, slots=True)
class Result:
    """One line of the table; value None means the number could not be measured (see note)."""

    section: str
    key: str
    label: str
    value: float | None
    unit: str
    target: Target | None = None
    note: str = ""
    details: dict[str, float] | None = None  # extra numbers for the JSON file only

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.target.met(self.value)

    def shown_value(self) -> str:
        return "n/a" if self.value is None else _FORMATS[self.unit](self.value)


def print_table(title: str, results: list[Result], console: Console | None = None) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    table.add_column("Target", justify="right")
    table.add_column("Met", justify="center")
    table.add_column("Notes", style="dim")
    section = None
    for result in results:
        if result.section != section:
            if section is not None:
                table.add_section()
            table.add_row(f"[bold]{escape(result.section)}[/bold]")
            section = result.section
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: ""}[result.met]
        target = result.target.describe(result.unit) if result.target else ""
        table.add_row(
            "  " + escape(result.label), result.shown_value(), target, met, escape(result.note)
        )
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped to a file: do not squeeze the table into 80 columns
            console = Console(width=140)
    console.print(table)


def write_json(path: Path, results: list[Result], meta: dict) -> None:
    payload = {
        "meta": meta,
        "metrics": {r.key: r.value for r in results},
        "results": [
            {
                "section": r.section,
                "key": r.key,
                "label": r.label,
                "value": r.value,
                "unit": r.unit,
                "target": None
                if r.target is None
                else {
                    "threshold": r.target.threshold,
                    "at_least": r.target.at_least,
                },
                "met": r.met,
                "note": r.note,
                "details": r.details,
            }
            for r in results
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
