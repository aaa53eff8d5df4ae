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


def test_frequencies_read_back_equal_with_floats_shared(cache_home: Path) -> None:
    table = {f"w{i}": [0.5, 1e-7, 3.25][i % 3] for i in range(100)} | {"odd": 2.0}
    cache.cached_frequencies("freq", "k", lambda: table)
    read = cache.cached_frequencies("freq", "k", lambda: {})
    assert read == table and list(read) == list(table)
    assert read["w0"] is read["w3"]  # one object per distinct value
