"""Read-only tables of words in a small fraction of a dict's memory.

unspin looks words up in five vocabularies of 200,000-400,000 entries (word frequencies,
bigram counts, the GloVe rows, the n-gram model's ids, the reverse thesaurus's phrases). As
dicts and lists of str they held ~190 MB of a long document's 625 MB peak (issue 9); a marisa
trie holds such a vocabulary in 1-3 MB, and the numbers sit in a flat array by the trie's id.
"""

from __future__ import annotations

import mmap
import os
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Generic, TypeVar, overload

import marisa_trie
import numpy as np

V = TypeVar("V", int, float)
_DTYPES = {"d": np.float64, "i": np.int32}
_MISSING = object()


class _ByGet(Mapping):
    """A read-only mapping whose `get` answers every lookup (a KeyError for `[]`)."""

    __slots__ = ()

    def __getitem__(self, key):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING


class WordTable(_ByGet, Mapping[str, V], Generic[V]):
    """word -> number (typecode "d": float, "i": int32), looked up like a dict.

    Iteration follows the trie's order, not the order the words were given in.
    """

    __slots__ = ("trie", "values")

    def __init__(self, trie: marisa_trie.Trie, values: array) -> None:
        if len(values) != len(trie):
            raise ValueError(f"{len(values)} values for {len(trie)} words")
        self.trie = trie
        self.values = values

    @classmethod
    def build(cls, pairs: Mapping[str, V], typecode: str) -> WordTable[V]:
        """The table of a dict (words holding a NUL cannot be looked up, so are left out)."""
        words = [word for word in pairs if "\x00" not in word]
        trie = marisa_trie.Trie(words)
        values = np.zeros(len(trie), dtype=_DTYPES[typecode])
        ids = np.fromiter(map(trie.key_id, words), dtype=np.int64, count=len(words))
        values[ids] = np.fromiter(map(pairs.__getitem__, words), dtype=values.dtype)
        return cls(trie, array(typecode, values.tobytes()))

    # marisa stops a query at a NUL ("said\0x" would find "said") and cannot encode a lone
    # surrogate (JSON input may hold one): such a word, like a non-str, is not in the table.
    # Each method checks inline: a lookup is on the decoder's hot path.

    def get(self, word: object, default=None):
        try:
            if "\x00" in word:  # type: ignore[operator]  # TypeError for bytes, ints
                return default
            at = self.trie.get(word)
        except (TypeError, UnicodeEncodeError):
            return default
        return default if at is None else self.values[at]

    def __len__(self) -> int:
        return len(self.trie)

    def __iter__(self) -> Iterator[str]:
        return iter(self.trie.keys())

    def write(self, folder: Path, name: str) -> None:
        self.trie.save(str(folder / f"{name}.marisa"))
        np.save(folder / f"{name}.npy", np.frombuffer(self.values, dtype=_DTYPES[self.typecode]))

    @classmethod
    def read(cls, folder: Path, name: str) -> WordTable:
        return cls(*_read_trie_and_values(folder, name))

    @property
    def typecode(self) -> str:
        return self.values.typecode

    def __reduce__(self) -> tuple:
        return type(self), (self.trie, self.values)


class Vocabulary(WordTable[int]):
    """Distinct words numbered 0..n-1 in a given order, as a list and its index dict gave them:
    `vocabulary.get(word)` is the number, `vocabulary.word(number)` the word.

    The words are also kept as UTF-8 end to end with their offsets, as read from the cache
    folder a mapped file, so `word` is a slice (a third of the trie's `restore_key` time: the
    reverse thesaurus names every original of a row this way).
    """

    __slots__ = ("text", "starts")

    def __init__(
        self, trie: marisa_trie.Trie, values: array, text: bytes | mmap.mmap, starts: array
    ) -> None:
        super().__init__(trie, values)
        if len(starts) != len(values) + 1:
            raise ValueError(f"{len(starts)} offsets for {len(values)} words")
        self.text = text  # word i is text[starts[i] : starts[i + 1]]
        self.starts = starts

    @classmethod
    def of(cls, words: Iterable[str]) -> Vocabulary:
        """Number the words in order (each must be distinct and free of NUL)."""
        words = list(words)
        numbers = dict(zip(words, range(len(words)), strict=True))
        if len(numbers) != len(words) or any("\x00" in word for word in words):
            raise ValueError("a vocabulary's words must be distinct and hold no NUL")
        table = WordTable.build(numbers, "i")
        encoded = [word.encode() for word in words]
        starts = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(words)), out=starts[1:])
        if starts[-1] >= 2**31:
            raise ValueError("a vocabulary's words must take under 2 GB")
        return cls(
            table.trie,
            table.values,
            b"".join(encoded),
            array("i", starts.astype(np.int32).tobytes()),
        )

    def word(self, number: int) -> str:
        """The word numbered `number`, interned: the caches holding originals keep one string
        per phrase, as the list did, not one per lookup (25 MB on a 235,000-word text)."""
        starts = self.starts
        return sys.intern(self.text[starts[number] : starts[number + 1]].decode())

    def __iter__(self) -> Iterator[str]:
        """The words in number order."""
        return map(self.word, range(len(self)))

    @property
    def words(self) -> Words:
        return Words(self)

    def write(self, folder: Path, name: str) -> None:
        super().write(folder, name)
        (folder / f"{name}.utf8").write_bytes(self.text)
        np.save(folder / f"{name}-starts.npy", np.frombuffer(self.starts, dtype=np.int32))

    @classmethod
    def read(cls, folder: Path, name: str) -> Vocabulary:
        """The vocabulary written by `write`; its text is mapped, so only the pages of words
        asked for by number take memory."""
        trie, values = _read_trie_and_values(folder, name)
        with open(folder / f"{name}.utf8", "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            text = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        starts = array("i", np.load(folder / f"{name}-starts.npy").astype(np.int32).tobytes())
        return cls(trie, values, text, starts)

    def __reduce__(self) -> tuple:
        return type(self), (self.trie, self.values, bytes(self.text), self.starts)


def _read_trie_and_values(folder: Path, name: str) -> tuple[marisa_trie.Trie, array]:
    trie = marisa_trie.Trie()
    trie.load(str(folder / f"{name}.marisa"))
    stored = np.load(folder / f"{name}.npy")
    typecode = next(code for code, dtype in _DTYPES.items() if stored.dtype == dtype)
    return trie, array(typecode, stored.tobytes())


class Words(Sequence[str]):
    """A vocabulary's words as a read-only list (word i is numbered i)."""

    __slots__ = ("vocabulary",)

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    @overload
    def __getitem__(self, number: int) -> str: ...
    @overload
    def __getitem__(self, number: slice) -> list[str]: ...
    def __getitem__(self, number):
        if isinstance(number, slice):
            return [self.vocabulary.word(i) for i in range(len(self))[number]]
        return self.vocabulary.word(number)

    def __len__(self) -> int:
        return len(self.vocabulary)


class PairTable(_ByGet, Mapping[str, float]):
    """Word pair "first second" -> number, as the two words' ids and one sorted array of keys.

    Scoring a document asks for hundreds of thousands of distinct pairs (each wording joined
    to the words on its left and right); `pair_values` finds them all in one numpy search,
    each distinct word looked up once, where a trie lookup per pair string cost ~5% of the
    decoder's time. `get` answers one pair as a dict would.
    """

    __slots__ = ("words", "codes", "numbers")

    def __init__(self, words: Vocabulary, codes: np.ndarray, numbers: np.ndarray) -> None:
        if len(codes) != len(numbers):
            raise ValueError(f"{len(numbers)} numbers for {len(codes)} pairs")
        self.words = words
        self.codes = codes  # each pair's first id * len(words) + second id, sorted
        self.numbers = numbers  # float64, in code order

    @classmethod
    def build(cls, pairs: Mapping[str, float]) -> PairTable:
        split = [pair.split(" ") for pair in pairs]
        if any(len(words) != 2 for words in split):
            raise ValueError("each pair must be two words joined by one space")
        words = Vocabulary.of(dict.fromkeys(word for both in split for word in both))
        ids = np.array([[words[a], words[b]] for a, b in split], dtype=np.uint64).reshape(-1, 2)
        keys = ids[:, 0] * np.uint64(len(words)) + ids[:, 1]
        order = np.argsort(keys, kind="stable")
        numbers = np.fromiter(pairs.values(), dtype=np.float64, count=len(pairs))
        return cls(words, keys[order], numbers[order])

    def pair_values(
        self, firsts: Sequence[str], seconds: Sequence[str], default: float = 0.0
    ) -> np.ndarray:
        """The number of each pair (firsts[i], seconds[i]), `default` where it is not listed."""
        lookup = self.words.get
        known = {word: lookup(word, -1) for word in {*firsts, *seconds}}  # each word once
        first = np.fromiter(map(known.__getitem__, firsts), dtype=np.int64, count=len(firsts))
        second = np.fromiter(map(known.__getitem__, seconds), dtype=np.int64, count=len(seconds))
        result = np.full(len(first), default, dtype=np.float64)
        both = np.flatnonzero((first >= 0) & (second >= 0))
        if len(both) and len(self.codes):
            keys = first[both].astype(np.uint64) * np.uint64(len(self.words))
            keys += second[both].astype(np.uint64)
            at = np.minimum(np.searchsorted(self.codes, keys), len(self.codes) - 1)
            hit = self.codes[at] == keys
            result[both[hit]] = self.numbers[at[hit]]
        return result

    def get(self, pair: object, default=None):
        if not isinstance(pair, str) or pair.count(" ") != 1:
            return default
        first, second = (self.words.get(word) for word in pair.split(" "))
        if first is None or second is None or not len(self.codes):
            return default
        key = np.uint64(first * len(self.words) + second)
        at = int(np.searchsorted(self.codes, key))
        if at < len(self.codes) and self.codes[at] == key:
            return float(self.numbers[at])
        return default

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[str]:
        size, word = len(self.words), self.words.word
        for key in self.codes.tolist():
            first, second = divmod(key, size)
            yield f"{word(first)} {word(second)}"

    def write(self, folder: Path, name: str) -> None:
        self.words.write(folder, f"{name}-words")
        np.save(folder / f"{name}-codes.npy", self.codes)
        np.save(folder / f"{name}-numbers.npy", self.numbers)

    @classmethod
    def read(cls, folder: Path, name: str) -> PairTable:
        return cls(
            Vocabulary.read(folder, f"{name}-words"),
            np.load(folder / f"{name}-codes.npy"),
            np.load(folder / f"{name}-numbers.npy"),
        )

    def __reduce__(self) -> tuple:
        return type(self), (self.words, self.codes, self.numbers)
