"""Readers for the clean text used to fit and measure unspin, and the split between the two.

Wikinews articles are news prose, the genre content farms spin. A fixed quarter of them (by a hash
of the article id) is held out for evaluation: no model, weight or language-model count may come
from those articles. The rest, and the Wikipedia extract, may be used for fitting.
"""

from __future__ import annotations

import hashlib
import json
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from unspin.tokenize import _SENTENCE_END, _TOKEN

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
WIKINEWS_FILE = "wikinews_2019_2020.jsonl"
WIKIPEDIA_GLOB = "corpus/wikipedia_2015_part*.jsonl.xz"


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    text: str


def is_heldout_news(article_id: str) -> bool:
    """True for the evaluation quarter of the Wikinews articles (never fit on these)."""
    return int(hashlib.sha256(str(article_id).encode()).hexdigest(), 16) % 4 == 0


def _rows(path: Path) -> Iterator[dict]:
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def read_wikinews(data_dir: Path = SHARED_DATA, heldout: bool | None = None) -> list[Article]:
    """Wikinews articles in file order; `heldout` True/False picks one split, None both."""
    path = data_dir / WIKINEWS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass the folder holding the shared data")
    return [
        Article(str(row["id"]), row.get("title", ""), row["text"])
        for row in _rows(path)
        if heldout is None or is_heldout_news(row["id"]) == heldout
    ]


def read_wikipedia(data_dir: Path = SHARED_DATA, parts: slice = slice(None)) -> Iterator[Article]:
    """Articles of the Wikipedia extract, part by part (each part is ~3,200 articles)."""
    paths = sorted(data_dir.glob(WIKIPEDIA_GLOB))[parts]
    if not paths:
        raise FileNotFoundError(f"no {WIKIPEDIA_GLOB} under {data_dir}")
    for path in paths:
        for row in _rows(path):
            yield Article(str(row["id"]), row.get("title", ""), row["text"])


def sentences(text: str) -> Iterator[list[str]]:
    """Lower-cased words of each sentence, as the decoder sees them (for language models).

    Same tokens and sentence ends as unspin.tokenize, plus every line break (which ends a
    paragraph in these corpora); numbers and punctuation are dropped, because the decoder only
    hands word tokens to the language model.
    """
    for paragraph in text.split("\n"):
        current: list[str] = []
        for piece in _TOKEN.findall(paragraph):
            if piece[0].isalpha():
                current.append(piece.lower())
            elif piece in _SENTENCE_END and current:
                yield current
                current = []
        if current:
            yield current
