"""Readers for the clean text used to fit and measure unspin, and the split between the two.

Wikinews articles are news prose, the genre content farms spin. A fixed quarter of them (by a hash
of the article id) is held out for evaluation: no model, weight or language-model count may come
from those articles. The rest may be used for fitting.

The Wikipedia extract trains the language model, except two fixed slices of its articles (by a
hash of the id, one in 64 each): encyclopedia prose the language model has never seen, one slice
to fit the decision models on, one to measure on. A model fitted on sentences its language model
was trained on would learn that originals fit their context better than they do in new text.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import lzma
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from unspin.tokenize import _SENTENCE_END, _TOKEN, sentence_words, tokenize

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


class WikipediaSplit(StrEnum):
    """Which use a Wikipedia article is reserved for."""

    LANGUAGE_MODEL = "language-model"
    FITTING = "fitting"
    EVALUATION = "evaluation"


WIKIPEDIA_SLICES = 64  # one slice each for fitting and evaluation, the rest for the LM


def wikipedia_split(article_id: str) -> WikipediaSplit:
    """The fixed use of one Wikipedia article (a hash of its id, independent of file order)."""
    bucket = int(hashlib.sha256(f"wikipedia:{article_id}".encode()).hexdigest(), 16)
    bucket %= WIKIPEDIA_SLICES
    if bucket == 0:
        return WikipediaSplit.FITTING
    if bucket == 1:
        return WikipediaSplit.EVALUATION
    return WikipediaSplit.LANGUAGE_MODEL


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


def read_wikipedia(
    data_dir: Path = SHARED_DATA,
    parts: slice = slice(None),
    split: WikipediaSplit | None = None,
) -> Iterator[Article]:
    """Articles of the Wikipedia extract, part by part (each part is ~3,200 articles).

    `split` keeps only the articles reserved for that use; None reads them all.
    """
    paths = sorted(data_dir.glob(WIKIPEDIA_GLOB))[parts]
    if not paths:
        raise FileNotFoundError(f"no {WIKIPEDIA_GLOB} under {data_dir}")
    for path in paths:
        for row in _rows(path):
            article_id = str(row["id"])
            if split is None or wikipedia_split(article_id) == split:
                yield Article(article_id, row.get("title", ""), row["text"])


PARAGRAPH_BREAK = re.compile(r"\n\s*")  # blank lines in Wikinews, line breaks in Wikipedia
LONG_SAMPLE_WORDS = 900


def paragraphs(article: Article, min_words: int = 15) -> list[str]:
    """The article's paragraphs of at least `min_words` words (headings and captions dropped)."""
    return [p for p in PARAGRAPH_BREAK.split(article.text) if len(p.split()) >= min_words]


def long_sample(article: Article) -> str:
    """The article's first paragraphs up to just over LONG_SAMPLE_WORDS words."""
    return _leading(paragraphs(article))


def _leading(kept: list[str]) -> str:
    taken, words = [], 0
    for paragraph in kept:
        taken.append(paragraph)
        words += len(paragraph.split())
        if words > LONG_SAMPLE_WORDS:
            break
    return "\n\n".join(taken)


MIN_SENTENCE_WORDS = 6  # shorter "sentences" are headings, datelines and captions


def lone_sentences(text: str, too_long: int) -> list[str]:
    """The text's sentences (as unspin splits them) of MIN_SENTENCE_WORDS words or more but
    under `too_long` words: what a user pasting one sentence checks, too short for a verdict."""
    tokens = tokenize(text)
    return [
        text[tokens[words[0]].start : tokens[words[-1]].end]
        for words in sentence_words(tokens)
        if MIN_SENTENCE_WORDS <= len(words) < too_long
    ]


def article_samples(articles: Iterable[Article], seed: int) -> list[str]:
    """A short sample (one or two paragraphs, seeded) and a long one of each article."""
    rng = random.Random(seed)
    found = []
    for article in articles:
        kept = paragraphs(article)
        if not kept:
            continue
        start = rng.randrange(len(kept))
        found.append("\n\n".join(kept[start : start + rng.choice((1, 2))]))
        found.append(_leading(kept))
    return found


class FittingText(NamedTuple):
    """The clean prose the fitting scripts spin and fit on (never evaluation text)."""

    news: list[Article]  # Wikinews articles outside the held-out quarter
    wikipedia: list[Article]  # articles of the Wikipedia fitting slice
    samples: list[str]  # `article_samples` of the news (seed) and of the Wikipedia (seed + 1)


def fitting_text(data_dir: Path, news: int | None, wikipedia: int, seed: int) -> FittingText:
    """The first `news` fitting-split Wikinews articles (None: all), the first `wikipedia`
    fitting-slice Wikipedia articles, and their short and long samples."""
    chosen_news = read_wikinews(data_dir, heldout=False)[:news]
    chosen_wikipedia = list(
        itertools.islice(read_wikipedia(data_dir, split=WikipediaSplit.FITTING), wikipedia)
    )
    samples = article_samples(chosen_news, seed) + article_samples(chosen_wikipedia, seed + 1)
    return FittingText(chosen_news, chosen_wikipedia, samples)


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
