"""Tables unspin builds once from installed resources and keeps on disk, to start fast.

Indexing the thesauri, normalising the word vectors and parsing the bigram list take seconds on
every start; their results, written as plain arrays and word lists, read back in a fraction of
one. Each table lives in a folder named after a key of everything it was built from (the
source files' sizes and times, the format), so an upgraded resource is never served stale. The
cache is only a shortcut: where it cannot be written, the table is built in memory as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import numpy as np

from unspin.wordtable import WordTable

T = TypeVar("T")
UNUSED_DAYS = 7  # another version of a table unread this long is removed when one is written


def cache_dir() -> Path:
    """Where the tables go: $UNSPIN_CACHE_DIR, else $XDG_CACHE_HOME/unspin or ~/.cache/unspin."""
    configured = os.environ.get("UNSPIN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "unspin"


def sources_key(files: Iterable[Path], *settings: object) -> str:
    """A short hash of the files' paths, sizes and modification times, and of `settings`."""
    parts = [repr(setting) for setting in settings]
    for path in files:
        stat = path.stat() if path.exists() else None
        parts.append(f"{path} {stat.st_size if stat else -1} {stat.st_mtime_ns if stat else -1}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cached(
    name: str,
    key: str,
    build: Callable[[], T],
    write: Callable[[T, Path], None],
    read: Callable[[Path], T],
) -> T:
    """The table `name` for `key`: read from the cache, else built, written and returned."""
    folder = cache_dir() / f"{name}-{key}"
    if (folder / "complete").exists():
        try:
            table = read(folder)
        except (OSError, ValueError, KeyError):
            shutil.rmtree(folder, ignore_errors=True)  # damaged: build it again
        else:
            with contextlib.suppress(OSError):
                (folder / "complete").touch()  # in use: see _forget_unused
            return table
    table = build()
    with contextlib.suppress(OSError):  # a read-only cache: keep the table in memory only
        _write_atomically(folder, lambda staging: write(table, staging))
        _forget_unused(folder)
    return table


def _forget_unused(kept: Path) -> None:
    """Remove the other versions of a table that no process has read for UNUSED_DAYS days:
    every upgrade or fresh checkout of the resources writes a new version."""
    name = kept.name.rsplit("-", 1)[0]
    cutoff = time.time() - UNUSED_DAYS * 86_400
    for folder in kept.parent.glob(f"{name}-*"):
        marker = folder / "complete"
        if folder != kept and (not marker.exists() or marker.stat().st_mtime < cutoff):
            shutil.rmtree(folder, ignore_errors=True)


def _write_atomically(folder: Path, write: Callable[[Path], None]) -> None:
    """Write into a staging folder and rename it into place: a half-written table is never read
    (two processes building at once both succeed; the second rename simply loses)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        write(staging)
        (staging / "complete").touch()
        os.replace(staging, folder)
    except OSError:
        if not (folder / "complete").exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_words(path: Path, words: list[str]) -> None:
    """One word or phrase per line (none of them holds a line break)."""
    path.write_text("\n".join(words), encoding="utf-8")


def read_words(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def write_arrays(folder: Path, **arrays: np.ndarray) -> None:
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array)


def read_arrays(folder: Path, *names: str, mmap: bool = False) -> dict[str, np.ndarray]:
    return {
        name: np.load(folder / f"{name}.npy", mmap_mode="r" if mmap else None) for name in names
    }


WORD_TABLE_FORMAT = 2  # 2: a marisa trie and an array (unspin.wordtable), not a word list


def cached_frequencies(
    name: str, key: str, build: Callable[[], Mapping[str, float]]
) -> WordTable[float]:
    """`cached` for a table of word (or word pair) -> number, held as a WordTable."""
    return cached(
        name,
        sources_key([], key, WORD_TABLE_FORMAT),
        lambda: WordTable.build(build(), "d"),
        lambda table, folder: table.write(folder, "table"),
        lambda folder: WordTable.read(folder, "table"),
    )
