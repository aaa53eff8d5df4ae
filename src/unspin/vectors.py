"""Context vectors: which word a few neighbours predict, beyond what the n-grams saw.

A word2vec CBOW model (negative sampling) trained on the language-model slice of Wikipedia by
scripts/build_vectors.py: the mean of the neighbours' input vectors dotted with a word's output
vector approximates the pointwise mutual information of that word with those neighbours. It
judges the bag of words around a slot (three each side), word order aside, where the n-gram
model sees only exact sequences it has counted; the two disagree most where the n-grams fall
back to frequency alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

FORMAT_VERSION = 2  # 2: int8 .npy rows and their scales, memory-mapped
DATA_DIR = Path(__file__).resolve().parent / "data" / "vectors"
KNOWN_ROWS = 50_000  # word -> row answers a ContextVectors keeps (see ContextVectors.known)


@dataclass(frozen=True)
class ContextVectors:
    """Input and output vectors of a CBOW model over one vocabulary."""

    index: Mapping[str, int]  # word -> row (a marisa-trie Vocabulary once loaded)
    inputs: np.ndarray  # vocabulary x dimensions: a word as a neighbour
    outputs: np.ndarray  # vocabulary x dimensions: a word as the one predicted
    # Stored vectors are int8 rows, memory-mapped, each row times its scale (None: 1).
    input_scales: np.ndarray | None = None
    output_scales: np.ndarray | None = None
    # Rows looked up so far (None: not a known word): a trie lookup costs a few dict lookups,
    # and a document asks for the same words again and again. Emptied past KNOWN_ROWS.
    known: dict[str, int | None] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.inputs.shape != self.outputs.shape or self.inputs.shape[0] != len(self.index):
            raise ValueError(
                f"context vectors: {len(self.index)} words but input vectors "
                f"{self.inputs.shape} and output vectors {self.outputs.shape}"
            )

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> ContextVectors:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"{directory}: context vectors format {meta.get('format')}, "
                f"this unspin reads {FORMAT_VERSION}"
            )

        def array(name: str) -> np.ndarray:
            return np.load(directory / f"{name}.npy", mmap_mode="r")

        return cls(
            _vocabulary(directory / "words.txt"),
            array("inputs"),
            array("outputs"),
            array("input_scales"),
            array("output_scales"),
        )

    def input_vectors(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The input vectors of these rows, as float32."""
        return _rows(self.inputs, self.input_scales, rows)

    def output_vectors(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The output vectors of these rows, as float32."""
        return _rows(self.outputs, self.output_scales, rows)

    def fits(self, context: Sequence[str], wordings: Sequence[str]) -> np.ndarray:
        """How well each wording fits the context words: its output vector (the mean over a
        phrase's known words; 0 for none) dotted with the mean input vector of the context's
        known words (all 0 when none is known)."""
        return self.fits_many([(context, wordings)])[0]

    def gains(self, context: Sequence[str], spun: str, originals: Sequence[str]) -> np.ndarray:
        """How much better each original fits the context words than the spun wording does."""
        fits = self.fits(context, [spun, *originals])
        return fits[1:] - fits[0]

    def fits_many(self, slots: Sequence[tuple[Sequence[str], Sequence[str]]]) -> list[np.ndarray]:
        """`fits` of many (context, wordings) at once: one gather and one product for all, as
        a document's slots are scored in batches (per slot, numpy's overhead would dominate)."""
        if not slots:
            return []
        if len(self.known) > KNOWN_ROWS:
            self.known.clear()
        known, index = self.known, self.index

        def row_of(word: str) -> int | None:
            return known[word] if word in known else known.setdefault(word, index.get(word))

        context_ids: list[int] = []
        context_slot: list[int] = []
        word_ids: list[int] = []
        word_slot: list[int] = []
        word_wording: list[int] = []
        sizes: list[int] = []
        wording_count = 0
        for number, (context, wordings) in enumerate(slots):
            for word in context:
                row = row_of(word)
                if row is not None:
                    context_ids.append(row)
                    context_slot.append(number)
            for wording in wordings:
                for word in wording.split():
                    row = row_of(word)
                    if row is not None:
                        word_ids.append(row)
                        word_slot.append(number)
                        word_wording.append(wording_count)
                wording_count += 1
            sizes.append(len(wordings))
        centres = np.zeros((len(slots), self.inputs.shape[1]), dtype=np.float32)
        np.add.at(centres, context_slot, self.input_vectors(context_ids))
        centres /= np.maximum(np.bincount(context_slot, minlength=len(slots)), 1)[:, None]
        products = np.einsum("ij,ij->i", self.output_vectors(word_ids), centres[word_slot])
        totals = np.bincount(word_wording, weights=products, minlength=wording_count)
        found = np.bincount(word_wording, minlength=wording_count)  # known words per wording
        fits = totals / np.maximum(found, 1)  # 0 for a wording without a known word
        return np.split(fits, np.cumsum(sizes)[:-1])


def quantised(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and each row's scale: a quarter of the size, cosines within about 1%."""
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def save(
    directory: Path, words: Sequence[str], inputs: np.ndarray, outputs: np.ndarray, meta: dict
) -> None:
    """Write the vectors as unspin reads them (`ContextVectors.load`): int8 rows and scales."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, vectors in (("input", inputs), ("output", outputs)):
        rows, scales = quantised(np.asarray(vectors, dtype=np.float32))
        np.save(directory / f"{name}s.npy", rows)
        np.save(directory / f"{name}_scales.npy", scales)
    (directory / "words.txt").write_text("\n".join(words), encoding="utf-8")
    meta = {**meta, "format": FORMAT_VERSION, "words": len(words), "dimensions": inputs.shape[1]}
    (directory / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def _vocabulary(path: Path) -> Mapping[str, int]:
    """The words numbered by row as a marisa-trie Vocabulary, kept in the cache folder
    (unspin.cache): as a dict they held about 7 MB."""
    from unspin.cache import cached, sources_key
    from unspin.wordtable import Vocabulary

    return cached(
        "vector-vocabulary",
        sources_key([path], FORMAT_VERSION),
        lambda: Vocabulary.of(path.read_text(encoding="utf-8").split("\n")),
        lambda vocabulary, folder: vocabulary.write(folder, "words"),
        lambda folder: Vocabulary.read(folder, "words"),
    )


def _rows(matrix: np.ndarray, scales: np.ndarray | None, rows) -> np.ndarray:
    picked = np.asarray(matrix[rows], dtype=np.float32)
    return picked if scales is None else picked * scales[rows, None]


@lru_cache(maxsize=1)
def bundled() -> ContextVectors | None:
    """The shipped vectors, or None where this install has none."""
    if not (DATA_DIR / "meta.json").exists():
        return None
    return ContextVectors.load(DATA_DIR)
