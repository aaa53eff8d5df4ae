"""The on-disk tables: built once, read back the same, never served stale or half-written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unspin import cache
from unspin.lexicon import ReverseIndex


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def word_table(builds: list[int]):
    def build() -> list[str]:
        builds.append(1)
        return ["alpha", "beta gamma", ""]

    def write(words: list[str], folder: Path) -> None:
        cache.write_words(folder / "words.txt", words)

    def read(folder: Path) -> list[str]:
        return cache.read_words(folder / "words.txt")

    return build, write, read


def test_a_table_is_built_once_then_read_back(cache_home: Path) -> None:
    builds: list[int] = []
    first = cache.cached("words", "k1", *word_table(builds))
    second = cache.cached("words", "k1", *word_table(builds))
    assert first == second == ["alpha", "beta gamma", ""]
    assert len(builds) == 1
    assert [p.name for p in cache_home.iterdir()] == ["words-k1"]  # no staging folder left


def test_a_damaged_table_is_rebuilt(cache_home: Path) -> None:
    builds: list[int] = []
    cache.cached("words", "k1", *word_table(builds))
    (cache_home / "words-k1" / "words.txt").unlink()
    assert cache.cached("words", "k1", *word_table(builds)) == ["alpha", "beta gamma", ""]
    assert len(builds) == 2
    assert (cache_home / "words-k1" / "words.txt").exists()


def test_an_unwritable_cache_still_gives_the_table(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(blocker / "cache"))
    builds: list[int] = []
    assert cache.cached("words", "k1", *word_table(builds)) == ["alpha", "beta gamma", ""]
    assert cache.cached("words", "k1", *word_table(builds)) == ["alpha", "beta gamma", ""]
    assert len(builds) == 2


def test_the_key_follows_the_source_files(tmp_path: Path) -> None:
    source = tmp_path / "thesaurus.txt"
    source.write_text("said,stated\n")
    before = cache.sources_key([source], 1)
    assert cache.sources_key([source], 1) == before
    assert cache.sources_key([source], 2) != before
    source.write_text("said,stated,mentioned\n")
    assert cache.sources_key([source], 1) != before


def test_reverse_index_round_trip_keeps_rows_and_their_order(cache_home: Path) -> None:
    reverse = {
        "mentioned": {"said": 3, "stated": 1},
        "individuals": {"people": 16, "persons": 1},
        "said": {"mentioned": 2},
    }
    counts = {"said": 2, "people": 1, "stated": 1}
    index = ReverseIndex.from_links(reverse, counts)
    folder = cache_home / "reverse"
    folder.mkdir(parents=True)
    index.write(folder)
    again = ReverseIndex.read(folder)
    for spun, row in reverse.items():
        assert again[spun] == row
        assert list(again[spun]) == list(row)
    assert again.get("people") is None  # an original only: no row of its own
    assert "people" not in again and "mentioned" in again
    with pytest.raises(KeyError):
        again["nothing"]
    assert {p: again.synonym_count(p) for p in counts} == counts
    assert again.synonym_count("mentioned") == 0 and again.synonym_count("nothing") == 0
    assert np.array_equal(again.starts, index.starts)


def test_word_caches_keep_what_is_in_use_and_forget_the_rest() -> None:
    from unspin.lexicon import BoundedCache

    words = BoundedCache(limit=2)
    words["said"] = 4
    words["told"] = 4
    words["people"] = 6  # the young generation was full: said and told are now old
    assert words.get("said") == 4  # used again: back in the young generation
    words["before"] = 6  # young full again: told, never used since, is dropped
    assert "told" not in words and words.get("told") is None
    assert words["said"] == 4 and words["people"] == 6 and words["before"] == 6
    assert len(words) <= 2 * words.limit
    with pytest.raises(KeyError):
        words["told"]
    words.clear()
    assert len(words) == 0
    with pytest.raises(ValueError, match="at least 1"):
        BoundedCache(limit=0)


def test_versions_unread_for_a_week_are_removed_when_a_new_one_is_written(cache_home) -> None:
    import os
    import time

    builds: list[int] = []
    cache.cached("words", "old", *word_table(builds))
    cache.cached("words", "recent", *word_table(builds))
    week_ago = time.time() - 8 * 86_400
    os.utime(cache_home / "words-old" / "complete", (week_ago, week_ago))
    cache.cached("words", "new", *word_table(builds))
    assert sorted(p.name for p in cache_home.iterdir()) == ["words-new", "words-recent"]


def test_row_file_reads_the_rows_a_mapping_would(tmp_path: Path) -> None:
    import pickle

    from unspin.lexicon import RowFile

    matrix = np.arange(60, dtype=np.float32).reshape(12, 5) / 7
    np.save(tmp_path / "matrix.npy", matrix)
    rows = RowFile(tmp_path / "matrix.npy")
    for indices in ([3], [11, 0, 3, 3], []):
        assert np.array_equal(rows[indices], matrix[indices])
        assert rows[indices].dtype == np.float32 and rows[indices].shape == (len(indices), 5)
    assert np.array_equal(pickle.loads(pickle.dumps(rows))[[7]], matrix[[7]])
    np.save(tmp_path / "columns.npy", np.asfortranarray(matrix))
    with pytest.raises(ValueError, match="C-ordered"):
        RowFile(tmp_path / "columns.npy")  # a row is not one read there


def test_frequencies_read_back_equal_as_a_word_table(cache_home: Path) -> None:
    table = {f"w{i}": [0.5, 1e-7, 3.25][i % 3] * (i + 1) for i in range(100)} | {"odd": 2.0}
    built = cache.cached_frequencies("freq", "k", lambda: table)
    read = cache.cached_frequencies("freq", "k", lambda: {})
    assert built == read == table and len(read) == len(table)
    assert all(type(read[word]) is float and read[word] == value for word, value in table.items())
    assert read.get("w1000") is None and read.get("w1000", 0.0) == 0.0


def test_a_word_table_looks_words_up_like_a_dict() -> None:
    import pickle

    from unspin.wordtable import WordTable

    pairs = {"said": 1.5, "say": -2.0, "": 3.0, "saying": 0.25, "café": 7.0}
    table = WordTable.build(pairs, "d")
    assert dict(table) == pairs and sorted(table) == sorted(pairs)
    assert table["said"] == 1.5 and table[""] == 3.0 and table["café"] == 7.0
    for missing in ("sai", "saidx", "Said", 3, None):
        assert missing not in table and table.get(missing, -1) == -1
    # marisa would stop the query at a NUL and find "said"; a lone surrogate cannot be encoded
    for odd in ("said\x00x", "said\udc80"):
        assert odd not in table and table.get(odd) is None
        with pytest.raises(KeyError):
            table[odd]
    assert pickle.loads(pickle.dumps(table)) == table


def test_a_vocabulary_numbers_words_in_the_order_given(tmp_path: Path) -> None:
    from unspin.wordtable import Vocabulary

    words = ["<unk>", "the", "zebra", "a", "theory", ""]
    vocabulary = Vocabulary.of(words)
    vocabulary.write(tmp_path, "words")
    again = Vocabulary.read(tmp_path, "words")
    for table in (vocabulary, again):
        assert [table[w] for w in words] == list(range(len(words)))
        assert [table.word(i) for i in range(len(words))] == words == list(table.words)
        assert list(table) == words and table.words[1:3] == ["the", "zebra"]
        assert table.get("thee") is None and "zebras" not in table
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary.of(["a", "b", "a"])


def test_a_pair_table_answers_as_the_dict_it_was_built_from(tmp_path: Path) -> None:
    import pickle

    from unspin.score import pair_values
    from unspin.wordtable import PairTable

    pairs = {"surface area": 5.5, "the cat": 2.0, "cat sat": 1.25, "sat the": -0.5}
    table = PairTable.build(pairs)
    table.write(tmp_path, "bigrams")
    for again in (table, PairTable.read(tmp_path, "bigrams"), pickle.loads(pickle.dumps(table))):
        assert dict(again) == pairs and len(again) == 4
        assert again["the cat"] == 2.0 and again.get("cat the") is None
        for odd in ("the", "the cat sat", "the  cat", " cat", "dog cat", "", 7):
            assert again.get(odd, -1.0) == -1.0 and odd not in again
        firsts, seconds = (
            ["the", "cat", "dog", "the", "sat", ""],
            ["cat", "the", "cat", "cat", "the", "x"],
        )
        expected = [pairs.get(f"{a} {b}", 0.0) for a, b in zip(firsts, seconds, strict=True)]
        assert again.pair_values(firsts, seconds).tolist() == expected
        assert pair_values(again, firsts, seconds).tolist() == expected
        assert pair_values(pairs, firsts, seconds).tolist() == expected
    with pytest.raises(ValueError, match="two words"):
        PairTable.build({"three word pair": 1.0})
