"""Find the original document a spun text was made from, then align the two word by word.

Spinners swap content words for synonyms but keep names, numbers, function words and many content
words, so exact hashing fails while the set of surviving content lemmas still points at the source.
The index is an inverted index over content lemmas weighted by inverse document frequency (names,
numbers and rare words weigh most). A query scores every document sharing a lemma by weighted
Jaccard in one vectorised pass, so no source with any overlap is missed (MinHash-LSH forests lost
2-10% of sources at realistic spin rates in our measurements), then re-ranks the best candidates by
word alignment. Very short queries (a title, "Papers") are expanded with Moby-thesaurus synonyms.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

INDEX_FORMAT = "unspin-trace-index"
INDEX_VERSION = 1
WORD_PATTERN = re.compile(r"\w+(?:['’]\w+)*")
TOKEN_PATTERN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")

# Words every spinner leaves alone and every document contains: useless for finding a source.
_FUNCTION_WORD_LIST = """
a an the and or but nor so yet for of in on at to from by with about as into onto upon over
under between among through during before after above below up down out off than then that
this these those there here which who whom whose what when where why how whether if because
while although though since until unless is are was were be been being am do does did doing
have has had having will would shall should can could may might must not no it its it's he
him his she her hers they them their theirs we us our ours you your yours i me my mine one
also only just very too more most such each every all any some both either neither other s t
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())


@dataclass(frozen=True, slots=True)
class TraceParams:
    """Knobs of retrieval; stored in the index manifest."""

    candidates: int = 20  # documents re-ranked by alignment
    expand_below: int = 8  # queries with fewer content lemmas get thesaurus expansion
    synonym_weight: float = 0.5  # a synonym match counts this fraction of an exact match
    max_synonyms: int = 400


@dataclass(frozen=True, slots=True)
class Match:
    """A candidate source: `score` in [0, 1] mixes lemma overlap and word alignment."""

    doc_id: str
    score: float
    overlap: float
    alignment: float


@dataclass(frozen=True, slots=True)
class AlignedEdit:
    """spun[spun_start:spun_end] == spun_text replaced source_text of the source."""

    spun_start: int
    spun_end: int
    spun_text: str
    source_text: str


class Lemmatizer:
    """Lower-cased lemma of a word; cached because lemminflect lookups cost ~40 µs."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        lemma = self._cache.get(word)
        if lemma is None:
            from lemminflect import getAllLemmas

            options = [form for forms in getAllLemmas(word).values() for form in forms]
            lemma = min(options, key=lambda form: (len(form), form)) if options else word
            self._cache[word] = lemma
        return lemma


def content_lemmas(text: str, lemmatize: Lemmatizer) -> list[str]:
    """Sorted distinct lemmas of the words a spinner might keep and a reader would search on."""
    words = (word.lower() for word in WORD_PATTERN.findall(text))
    return sorted({lemmatize(word) for word in words if word not in FUNCTION_WORDS})


def load_thesaurus() -> dict[str, tuple[str, ...]]:
    """Moby thesaurus head word -> single-word synonyms, from the shared resources loader."""
    from unspin.resources import shared_resources

    return shared_resources().moby


@dataclass
class TraceIndex:
    """Inverted index from content lemma to the documents containing it."""

    doc_ids: list[str]
    texts: list[str]
    terms: dict[str, int]
    offsets: np.ndarray  # postings of term t are doc_rows[offsets[t]:offsets[t + 1]]
    doc_rows: np.ndarray
    idf: np.ndarray
    doc_weight: np.ndarray  # sum of idf over each document's lemmas
    params: TraceParams = field(default_factory=TraceParams)
    _lemmatize: Lemmatizer = field(default_factory=Lemmatizer, repr=False)
    _thesaurus: dict[str, tuple[str, ...]] | None = field(default=None, repr=False)
    _row_of: dict[str, int] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def text_of(self, doc_id: str) -> str:
        if self._row_of is None:
            self._row_of = {doc_id: row for row, doc_id in enumerate(self.doc_ids)}
        return self.texts[self._row_of[doc_id]]

    # -- querying ---------------------------------------------------------------------------

    def _weighted_hits(self, term_ids: list[int], weight: float) -> np.ndarray:
        if not term_ids:
            return np.zeros(len(self), dtype=np.float64)
        postings = [self.doc_rows[self.offsets[t] : self.offsets[t + 1]] for t in term_ids]
        rows = np.concatenate(postings)
        lengths = [int(self.offsets[t + 1] - self.offsets[t]) for t in term_ids]
        weights = np.repeat(self.idf[term_ids].astype(np.float64) * weight, lengths)
        return np.bincount(rows, weights=weights, minlength=len(self))

    def _synonym_terms(self, lemmas: list[str]) -> list[int]:
        if self._thesaurus is None:
            self._thesaurus = load_thesaurus()
        found: set[int] = set()
        for lemma in lemmas:
            synonyms = self._thesaurus.get(lemma, ())[: self.params.max_synonyms]
            found.update(self.terms[s] for s in synonyms if s in self.terms and s != lemma)
        return sorted(found)

    def query(self, text: str, k: int = 5) -> list[Match]:
        """The `k` most likely sources of `text`, best first."""
        if not text.strip() or not len(self):
            return []
        lemmas = content_lemmas(text, self._lemmatize) or sorted(
            {w.lower() for w in WORD_PATTERN.findall(text)}
        )
        known = [self.terms[lemma] for lemma in lemmas if lemma in self.terms]
        unknown_idf = math.log(1 + len(self))
        query_weight = float(self.idf[known].sum()) + unknown_idf * (len(lemmas) - len(known))
        shared = self._weighted_hits(known, 1.0)
        if len(lemmas) < self.params.expand_below:
            exact = set(known)
            synonym_ids = [t for t in self._synonym_terms(lemmas) if t not in exact]
            shared += self._weighted_hits(synonym_ids, self.params.synonym_weight)
            shared = np.minimum(shared, np.minimum(query_weight, self.doc_weight))
        union = query_weight + self.doc_weight - shared
        overlap = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        hits = np.flatnonzero(shared)
        if not len(hits):
            return []
        take = min(self.params.candidates, len(hits))
        best = hits[np.argpartition(-overlap[hits], take - 1)[:take]]
        query_words = [w.lower() for w in WORD_PATTERN.findall(text)]
        matches = []
        for row in best.tolist():
            source_words = [w.lower() for w in WORD_PATTERN.findall(self.texts[row])]
            matcher = difflib.SequenceMatcher(None, query_words, source_words, autojunk=False)
            alignment = matcher.ratio()
            score = (float(overlap[row]) + alignment) / 2
            matches.append(Match(self.doc_ids[row], score, float(overlap[row]), alignment))
        matches.sort(key=lambda m: (-m.score, m.doc_id))
        return matches[:k]

    # -- persistence ------------------------------------------------------------------------

    def save(self, path: Path | str, overwrite: bool = False) -> Path:
        """Write the index as a directory (manifest.json, docs.parquet, postings.npz) atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        target = Path(path)
        if target.exists() and not overwrite:
            raise FileExistsError(f"{target} exists; pass overwrite=True (--force) to replace it")
        check_replaceable(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            docs = pa.table({"id": self.doc_ids, "text": self.texts})
            pq.write_table(docs, staging / "docs.parquet")
            terms = sorted(self.terms, key=self.terms.__getitem__)
            pq.write_table(pa.table({"term": terms}), staging / "terms.parquet")
            np.savez(
                staging / "postings.npz",
                offsets=self.offsets,
                doc_rows=self.doc_rows,
                idf=self.idf,
                doc_weight=self.doc_weight,
            )
            manifest = {
                "format": INDEX_FORMAT,
                "version": INDEX_VERSION,
                "count": len(self),
                "terms": len(terms),
                "postings": int(len(self.doc_rows)),
                "params": asdict(self.params),
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    @classmethod
    def load(cls, path: Path | str) -> TraceIndex:
        import pyarrow.parquet as pq

        source = Path(path)
        manifest_path = source / "manifest.json"
        if not manifest_path.is_file():
            raise FileNotFoundError(f"{source} is not a trace index (no manifest.json)")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != INDEX_FORMAT or manifest.get("version") != INDEX_VERSION:
            raise ValueError(
                f"{source}: unsupported index format {manifest.get('format')!r} "
                f"version {manifest.get('version')!r} (expected {INDEX_FORMAT} v{INDEX_VERSION})"
            )
        docs = pq.read_table(source / "docs.parquet")
        terms = pq.read_table(source / "terms.parquet").column("term").to_pylist()
        with np.load(source / "postings.npz") as arrays:
            offsets, doc_rows = arrays["offsets"], arrays["doc_rows"]
            idf, doc_weight = arrays["idf"], arrays["doc_weight"]
        return cls(
            doc_ids=docs.column("id").to_pylist(),
            texts=docs.column("text").to_pylist(),
            terms={term: number for number, term in enumerate(terms)},
            offsets=offsets,
            doc_rows=doc_rows,
            idf=idf,
            doc_weight=doc_weight,
            params=TraceParams(**manifest.get("params", {})),
        )


def is_index_dir(path: Path) -> bool:
    """True when `path` holds an index written by `TraceIndex.save` (its manifest says so)."""
    try:
        manifest = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == INDEX_FORMAT


def check_replaceable(target: Path) -> None:
    """Refuse to delete anything but an old index (or an empty folder) when replacing one.

    `--force` exists to rebuild an index; pointed at the wrong folder it must not wipe it.
    """
    if not target.exists():
        return
    if not target.is_dir():
        raise FileExistsError(f"{target} is a file, not an index directory; choose another --out")
    if not is_index_dir(target) and any(target.iterdir()):
        raise FileExistsError(
            f"{target} is a directory but not an unspin index (no unspin manifest.json); "
            "refusing to replace it: choose a new or empty --out"
        )


def build_index(
    docs: Iterable[tuple[str, str]],
    params: TraceParams | None = None,
    progress: Callable[[int], None] | None = None,
) -> TraceIndex:
    """Index (doc_id, text) pairs; `progress(n)` is called after every n documents."""
    lemmatize = Lemmatizer()
    doc_ids: list[str] = []
    texts: list[str] = []
    terms: dict[str, int] = {}
    term_column: list[np.ndarray] = []
    row_column: list[np.ndarray] = []
    seen: set[str] = set()
    for doc_id, text in docs:
        if doc_id in seen:
            raise ValueError(f"duplicate document id {doc_id!r}")
        seen.add(doc_id)
        row = len(doc_ids)
        doc_ids.append(doc_id)
        texts.append(text)
        ids = [terms.setdefault(lemma, len(terms)) for lemma in content_lemmas(text, lemmatize)]
        term_column.append(np.asarray(ids, dtype=np.int32))
        row_column.append(np.full(len(ids), row, dtype=np.int32))
        if progress is not None and (row + 1) % 1000 == 0:
            progress(1000)
    if progress is not None and len(doc_ids) % 1000:
        progress(len(doc_ids) % 1000)
    all_terms = np.concatenate(term_column) if term_column else np.zeros(0, np.int32)
    all_rows = np.concatenate(row_column) if row_column else np.zeros(0, np.int32)
    order = np.argsort(all_terms, kind="stable")
    document_frequency = np.bincount(all_terms, minlength=len(terms))
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(document_frequency, out=offsets[1:])
    idf = np.log1p(len(doc_ids) / np.maximum(document_frequency, 1)).astype(np.float32)
    doc_weight = np.bincount(all_rows, weights=idf[all_terms], minlength=len(doc_ids))
    return TraceIndex(
        doc_ids=doc_ids,
        texts=texts,
        terms=terms,
        offsets=offsets,
        doc_rows=all_rows[order],
        idf=idf,
        doc_weight=doc_weight.astype(np.float32),
        params=params or TraceParams(),
        _lemmatize=lemmatize,
    )


def align_to_source(spun: str, source: str) -> list[AlignedEdit]:
    """Word-level differences: which stretches of `spun` stand in for which words of `source`."""
    spun_tokens = list(TOKEN_PATTERN.finditer(spun))
    source_tokens = list(TOKEN_PATTERN.finditer(source))
    matcher = difflib.SequenceMatcher(
        None,
        [t.group().lower() for t in spun_tokens],
        [t.group().lower() for t in source_tokens],
        autojunk=False,
    )
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            start, end = spun_tokens[i1].start(), spun_tokens[i2 - 1].end()
        else:  # words of the source the spinner dropped: an empty stretch where they belong
            start = end = spun_tokens[i1 - 1].end() if i1 else 0
        original = ""
        if j1 < j2:
            original = source[source_tokens[j1].start() : source_tokens[j2 - 1].end()]
        edits.append(AlignedEdit(start, end, spun[start:end], original))
    return edits
