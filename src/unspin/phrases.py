"""The published tortured-phrase list (PPS): which copy to read, where it came from, what to skip.

The package ships every row of the Problematic Paper Screener list as flattened by
torturedcheck (`data/tortured_phrases.tsv`, a `split` column per row) with its provenance in
`data/tortured_phrases.meta.json`, and the train rows alone in `data/tortured_phrases_train.tsv`
so that the generalisation benchmark can keep building its known-phrase layer from them.

Users keep the list current with `unspin phrases update EXPORT`, which writes a copy to the user
data directory (never into the installed package); `PhraseSet.ALL` prefers that copy when it is
there and intact.  An allow-list of legitimate terms the list flags ("malignant growth") removes
them from the fingerprint layer: a bundled default list plus a user file (`unspin phrases allow`).

`PhraseSet.TRAIN` never reads user files: it is the reproducible layer for benchmarks and fitting.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

ALL_RESOURCE = "data/tortured_phrases.tsv"
TRAIN_RESOURCE = "data/tortured_phrases_train.tsv"
META_RESOURCE = "data/tortured_phrases.meta.json"
ALLOW_RESOURCE = "data/allowlist.txt"

USER_PHRASES = "tortured_phrases.tsv"
USER_META = "tortured_phrases.meta.json"
USER_ALLOW = "allowlist.txt"
DATA_DIR_ENV = "UNSPIN_DATA_DIR"  # overrides the platform's user data directory

MAX_EXPORT_BYTES = 50_000_000  # the 2026 list is under 0.5 MB; anything this big is not it
MAX_PHRASE_CHARS = 200
MAX_PHRASE_WORDS = 12

TORTURED_COLUMNS = ("tortured", "tortured_phrase", "tortured phrase", "fingerprint", "phrase")
EXPECTED_COLUMNS = (
    "expected",
    "expected_phrase",
    "expected phrase",
    "correct",
    "correct_phrase",
    "original",
    "meaning",
)


class PhraseSet(StrEnum):
    """Which rows of the list to use."""

    ALL = "all"  # every published row (the product); a user's updated copy when present
    TRAIN = "train"  # the fixed train split only, bundled copy (benchmarks, calibration)


class PhraseListError(ValueError):
    """A phrase-list export, copy or allow-list entry that cannot be used; says why."""


@dataclass(frozen=True, slots=True)
class PhraseRow:
    tortured: str  # lower-case, single spaces
    expected: str
    split: str = ""  # "train" / "test" (fixed rule, see split_of)


@dataclass(frozen=True, slots=True)
class PhraseListInfo:
    """Where the fingerprint list in use came from: shown by --version, reports and /healthz."""

    name: str
    credit: str
    source: str
    snapshot: str
    licence: str
    licence_url: str
    rows: int
    sha256: str
    origin: str  # "bundled" or "user"
    path: str
    allowed: int = 0  # allow-list terms in force
    changes: str = ""

    def summary(self) -> str:
        """One line for people: what, how many, when, under which licence, which copy."""
        return (
            f"tortured phrases: {self.rows:,} rows, snapshot {self.snapshot}, sha256 "
            f"{self.sha256[:12]} ({self.origin} copy, {self.allowed} allow-listed); "
            f"Problematic Paper Screener ({self.credit}), {self.licence}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class UpdateSummary:
    """What `update` did (or would do, on a dry run) to the user's copy of the list."""

    rows: int  # rows in the resulting list
    read: int  # usable rows in the export
    added: int
    changed: int  # tortured phrase known, expected phrase different
    removed: int  # only with replace=True
    unchanged: int
    skipped: tuple[str, ...] = field(default=())  # one line per skipped export row
    path: str = ""
    written: bool = False


# --- where files live ---


def user_data_dir() -> Path:
    """$UNSPIN_DATA_DIR, else the platform's per-user data directory (XDG on Linux)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("unspin", appauthor=False))


def _resource(name: str) -> bytes:
    return resources.files("unspin").joinpath(name).read_bytes()


def _resource_path(name: str) -> str:
    return str(resources.files("unspin").joinpath(name))


# --- reading the list ---


def normalize_phrase(phrase: str) -> str:
    """Lower-cased with single spaces: the form rows and allow-list terms are compared in."""
    return " ".join(phrase.lower().split())


def split_of(tortured: str) -> str:
    """The fixed split of the shared data: sha256 of the lower-cased phrase mod 5 == 0 is test."""
    digest = hashlib.sha256(tortured.lower().encode("utf-8")).hexdigest()
    return "test" if int(digest, 16) % 5 == 0 else "train"


def parse_tsv(text: str, name: str) -> list[PhraseRow]:
    """Rows of `tortured<TAB>expected[<TAB>split]`; '#' lines are comments."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) not in (2, 3) or not fields[0].strip() or not fields[1].strip():
            raise PhraseListError(
                f"{name} line {number}: expected 'tortured<TAB>expected[<TAB>split]'"
            )
        split = fields[2].strip() if len(fields) == 3 else ""
        rows.append(PhraseRow(normalize_phrase(fields[0]), " ".join(fields[1].split()), split))
    return rows


def render_tsv(rows: Iterable[PhraseRow], header: str) -> str:
    """The list file: comment header, then sorted `tortured<TAB>expected<TAB>split` lines."""
    lines = [header if header.endswith("\n") or not header else header + "\n"]
    for row in sorted(rows, key=lambda row: row.tortured):
        if any(character in row.tortured + row.expected + row.split for character in "\t\n\r"):
            raise PhraseListError(f"tab or newline inside a phrase: {row.tortured!r}")
        if row.tortured.startswith("#"):
            raise PhraseListError(f"a tortured phrase may not start with '#': {row.tortured!r}")
        lines.append(f"{row.tortured}\t{row.expected}\t{row.split}\n")
    return "".join(lines)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=8)
def _load(
    phrases: PhraseSet, user_stamp: tuple[int, int] | None, directory: str
) -> tuple[tuple[PhraseRow, ...], PhraseListInfo]:
    """Rows and provenance; cached per (set, state of the user copy)."""
    bundled_meta = json.loads(_resource(META_RESOURCE))
    if phrases is PhraseSet.TRAIN:
        text = _resource(TRAIN_RESOURCE).decode("utf-8")
        rows = tuple(
            PhraseRow(r.tortured, r.expected, "train") for r in parse_tsv(text, TRAIN_RESOURCE)
        )
        info = _info(
            bundled_meta, len(rows), _sha256(text), "bundled", _resource_path(TRAIN_RESOURCE)
        )
        return rows, info
    if user_stamp is not None:
        loaded = _load_user_copy(Path(directory))
        if loaded is not None:
            return loaded
    text = _resource(ALL_RESOURCE).decode("utf-8")
    rows = tuple(parse_tsv(text, ALL_RESOURCE))
    info = _info(
        bundled_meta, len(rows), bundled_meta["sha256"], "bundled", _resource_path(ALL_RESOURCE)
    )
    return rows, info


def _load_user_copy(directory: Path) -> tuple[tuple[PhraseRow, ...], PhraseListInfo] | None:
    """The user's updated copy, or None (with a warning) when it is damaged."""
    import warnings

    path, meta_path = directory / USER_PHRASES, directory / USER_META
    try:
        text = path.read_text(encoding="utf-8")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if _sha256(text) != meta.get("sha256"):
            raise PhraseListError("its content does not match the sha256 in its metadata")
        rows = tuple(parse_tsv(text, str(path)))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        warnings.warn(
            f"ignoring the user copy of the tortured-phrase list in {directory} ({error}); "
            "using the bundled list. Run `unspin phrases update` again or `unspin phrases reset`.",
            stacklevel=3,
        )
        return None
    return rows, _info(meta, len(rows), meta["sha256"], "user", str(path))


def _info(
    meta: Mapping[str, Any], rows: int, sha256: str, origin: str, path: str
) -> PhraseListInfo:
    return PhraseListInfo(
        name=str(meta.get("name", "")),
        credit=str(meta.get("credit", "")),
        source=str(meta.get("source", "")),
        snapshot=str(meta.get("snapshot", "")),
        licence=str(meta.get("licence", "")),
        licence_url=str(meta.get("licence_url", "")),
        rows=rows,
        sha256=sha256,
        origin=origin,
        path=path,
        changes=str(meta.get("changes", "")),
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rows_and_info(phrases: PhraseSet) -> tuple[tuple[PhraseRow, ...], PhraseListInfo]:
    phrases = PhraseSet(phrases)
    directory = user_data_dir()
    stamp = _stamp(directory / USER_PHRASES) if phrases is PhraseSet.ALL else None
    return _load(phrases, stamp, str(directory))


def phrase_rows(phrases: PhraseSet = PhraseSet.ALL) -> tuple[PhraseRow, ...]:
    """Every row of the chosen set, before the allow-list."""
    return _rows_and_info(phrases)[0]


def tortured_pairs(phrases: PhraseSet = PhraseSet.ALL) -> list[tuple[str, str]]:
    """(tortured, expected) pairs as listed (tortured lower-case), allow-listed terms removed.

    The reader for every layer built from the list (fingerprints, known terms, swap counts), so
    that all of them make the same ALL/TRAIN choice.
    """
    allowed = allow_list(phrases)
    return [
        (row.tortured, row.expected) for row in phrase_rows(phrases) if row.tortured not in allowed
    ]


def phrase_list_info(phrases: PhraseSet = PhraseSet.ALL) -> PhraseListInfo:
    """Provenance of the list in use (cheap after the first call: cached until it changes)."""
    rows, info = _rows_and_info(phrases)
    allowed = allow_list(phrases)
    listed = sum(1 for row in rows if row.tortured in allowed)
    return PhraseListInfo(**{**asdict(info), "allowed": listed})


# --- the allow-list ---


def parse_allow_list(text: str) -> list[str]:
    """Terms, one a line; '#' starts a comment line."""
    terms = []
    for line in text.splitlines():
        term = normalize_phrase(line)
        if term and not term.startswith("#"):
            terms.append(term)
    return terms


def bundled_allow_list() -> frozenset[str]:
    return frozenset(parse_allow_list(_resource(ALLOW_RESOURCE).decode("utf-8")))


def user_allow_list() -> frozenset[str]:
    path = user_data_dir() / USER_ALLOW
    try:
        return frozenset(parse_allow_list(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return frozenset()
    except (OSError, UnicodeDecodeError) as error:
        raise PhraseListError(f"cannot read the allow-list {path}: {error}") from error


def allow_list(phrases: PhraseSet = PhraseSet.ALL) -> frozenset[str]:
    """Legitimate terms never reported as tortured phrases; TRAIN uses the bundled list only."""
    if PhraseSet(phrases) is PhraseSet.TRAIN:
        return bundled_allow_list()
    return bundled_allow_list() | user_allow_list()


def allow(terms: Iterable[str]) -> list[str]:
    """Add terms to the user's allow-list; returns those that were not allowed already."""
    wanted = [_checked_term(term) for term in terms]
    known = allow_list()
    added = [term for term in dict.fromkeys(wanted) if term not in known]
    if added:
        path = user_data_dir() / USER_ALLOW
        existing = path.read_text(encoding="utf-8") if path.exists() else _ALLOW_HEADER
        if existing and not existing.endswith("\n"):
            existing += "\n"
        _write_atomically(path, existing + "".join(term + "\n" for term in added))
    return added


def disallow(terms: Iterable[str]) -> list[str]:
    """Take terms off the user's allow-list; the bundled list cannot be changed from here."""
    wanted = {_checked_term(term) for term in terms}
    bundled = wanted & bundled_allow_list()
    if bundled:
        raise PhraseListError(
            f"{', '.join(sorted(bundled))}: on the bundled allow-list, which is part of the "
            "package; to report these terms anyway, filter the report"
        )
    path = user_data_dir() / USER_ALLOW
    if not path.exists():
        return []
    kept, removed = [], []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        term = normalize_phrase(line)
        if term in wanted:
            removed.append(term)
        else:
            kept.append(line)
    if removed:
        _write_atomically(path, "".join(kept))
    return list(dict.fromkeys(removed))


_ALLOW_HEADER = (
    "# Terms that unspin must not report as tortured phrases, one a line (case and spacing\n"
    "# do not matter). Managed by `unspin phrases allow`; you may edit it by hand.\n"
)


def _checked_term(term: str) -> str:
    normalized = normalize_phrase(term)
    if not normalized or normalized.startswith("#"):
        raise PhraseListError(
            f"{term!r}: an allow-list term needs letters and may not start with '#'"
        )
    if len(normalized) > MAX_PHRASE_CHARS:
        raise PhraseListError(f"{term[:40]!r}...: longer than {MAX_PHRASE_CHARS} characters")
    return normalized


# --- updating from a newer PPS export ---


def read_export(path: Path) -> tuple[list[PhraseRow], list[str]]:
    """Rows of a PPS export (CSV, TSV, JSON or JSON Lines) and a line per skipped row.

    Column names are matched loosely (`tortured`/`tortured phrase`/`fingerprint` and
    `expected`/`correct`/`original`/`meaning`); JSON may be a list of objects, a list of
    [tortured, expected] pairs, an object holding one such list, or a {tortured: expected} map.
    """
    text = read_text_file(path, MAX_EXPORT_BYTES, "export")
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        records = _json_records(text, path)
    else:
        records = _delimited_records(text, path)
    rows: dict[str, PhraseRow] = {}
    skipped: list[str] = []
    for number, (tortured, expected) in records:
        problem = _row_problem(tortured, expected)
        if problem:
            skipped.append(f"row {number}: {problem}")
            continue
        key = normalize_phrase(tortured)
        rows[key] = PhraseRow(key, " ".join(expected.split()), split_of(key))
    if not rows:
        detail = f" ({skipped[0]}{', ...' if len(skipped) > 1 else ''})" if skipped else ""
        raise PhraseListError(f"{path}: no usable rows{detail}")
    return list(rows.values()), skipped


def update(
    path: Path, *, replace: bool = False, dry_run: bool = False, snapshot: str | None = None
) -> UpdateSummary:
    """Merge (or with replace, swap in) a newer export as the user's copy of the list.

    Merging never drops a published row: rows of the current list missing from the export stay.
    """
    path = Path(path)
    new_rows, skipped = read_export(path)
    current = {row.tortured: row for row in phrase_rows(PhraseSet.ALL)}
    incoming = {row.tortured: row for row in new_rows}
    added = sum(1 for key in incoming if key not in current)
    changed = sum(
        1
        for key, row in incoming.items()
        if key in current and current[key].expected != row.expected
    )
    unchanged = sum(
        1
        for key, row in incoming.items()
        if key in current and current[key].expected == row.expected
    )
    merged = dict(incoming) if replace else {**current, **incoming}
    removed = len(current) - len(current.keys() & merged.keys())
    merged = {
        key: PhraseRow(row.tortured, row.expected, row.split or split_of(key))
        for key, row in merged.items()
    }
    target = user_data_dir() / USER_PHRASES
    summary = UpdateSummary(
        rows=len(merged),
        read=len(incoming),
        added=added,
        changed=changed,
        removed=removed,
        unchanged=unchanged,
        skipped=tuple(skipped),
        path=str(target),
    )
    if dry_run:
        return summary
    bundled = json.loads(_resource(META_RESOURCE))
    header = (
        "# Tortured phrases, expected phrase and fixed split, tab-separated: the user's copy,\n"
        f"# updated by `unspin phrases update {path.name}`. Source: {bundled['credit']},\n"
        f"# {bundled['licence']}. Do not edit by hand: its sha256 is checked.\n"
    )
    text = render_tsv(merged.values(), header)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    meta = {
        **{key: bundled[key] for key in ("name", "credit", "licence", "licence_url")},
        "source": f"PPS export {path.name}"
        + ("" if replace else ", merged into the previous list"),
        "snapshot": snapshot or now[:10],
        "updated": now,
        "rows": len(merged),
        "sha256": _sha256(text),
        "changes": "lower-cased tortured phrases, whitespace collapsed, split column added",
    }
    _write_atomically(target, text)
    _write_atomically(target.with_name(USER_META), json.dumps(meta, indent=2) + "\n")
    _load.cache_clear()
    return UpdateSummary(**{**asdict(summary), "written": True})


def reset() -> bool:
    """Remove the user's copy of the list (the allow-list stays); True if there was one."""
    directory = user_data_dir()
    existed = (directory / USER_PHRASES).exists()
    for name in (USER_PHRASES, USER_META):
        (directory / name).unlink(missing_ok=True)
    _load.cache_clear()
    return existed


def read_text_file(
    path: Path, max_bytes: int, what: str, error: type[ValueError] = PhraseListError
) -> str:
    """UTF-8 text of a user-supplied file, refused with a one-line reason when unusable.

    Refuses a missing file, a directory, more than `max_bytes`, an empty or blank file, NUL
    bytes (binary) and anything that is not UTF-8; a UTF-8 byte-order mark is dropped.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise error(f"{path}: is a directory, not a {what} file")
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit for a {what}")
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as problem:
        raise error(f"{path}: cannot read it ({problem.strerror or problem})") from None
    if len(raw) > max_bytes:
        raise error(f"{path}: over the {max_bytes:,}-byte limit for a {what}")
    if not raw.strip():
        raise error(f"{path}: the {what} file is empty")
    if b"\x00" in raw:
        raise error(f"{path}: looks binary (it holds NUL bytes), not a text {what} file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise error(
            f"{path}: not UTF-8 (bad byte at offset {problem.start:,}); save the {what} as UTF-8"
        ) from None


def _row_problem(tortured: Any, expected: Any) -> str:
    if not isinstance(tortured, str) or not isinstance(expected, str):
        return "tortured and expected phrases must be text"
    if not tortured.strip() or not expected.strip():
        return "empty tortured or expected phrase"
    for phrase in (tortured, expected):
        if len(phrase) > MAX_PHRASE_CHARS or len(phrase.split()) > MAX_PHRASE_WORDS:
            return f"phrase longer than {MAX_PHRASE_WORDS} words or {MAX_PHRASE_CHARS} characters"
        if any(character in phrase for character in "[]{}"):
            return f"bracketed artefact in {phrase!r}"
    if normalize_phrase(tortured).startswith("#"):
        return "a tortured phrase may not start with '#'"
    if not any(character.isalnum() for character in tortured):
        return f"no letters or digits in {tortured!r}"
    return ""


def _pick_column(names: Iterable[str], choices: tuple[str, ...]) -> str | None:
    by_folded = {name.strip().lower().replace("-", "_"): name for name in names if name}
    for choice in choices:
        if choice.replace("-", "_") in by_folded:
            return by_folded[choice.replace("-", "_")]
    return None


def _columns(names: list[str], path: Path) -> tuple[str, str]:
    tortured = _pick_column(names, TORTURED_COLUMNS)
    expected = _pick_column(names, EXPECTED_COLUMNS)
    if tortured is None or expected is None:
        shown = ", ".join(repr(name) for name in names[:8]) or "none"
        raise PhraseListError(
            f"{path}: needs a tortured-phrase column ({'/'.join(TORTURED_COLUMNS[:3])}) and an "
            f"expected-phrase column ({'/'.join(EXPECTED_COLUMNS[:4])}); found {shown}"
        )
    return tortured, expected


def _json_records(text: str, path: Path) -> list[tuple[int, tuple[Any, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            data = [json.loads(line) for line in lines]  # JSON Lines
        except json.JSONDecodeError:
            raise PhraseListError(
                f"{path}: malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
            ) from None
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        if len(lists) == 1:
            data = lists[0]
        elif data and all(isinstance(value, str) for value in data.values()):
            return [(n, pair) for n, pair in enumerate(data.items(), start=1)]
        else:
            raise PhraseListError(
                f"{path}: a JSON object must map tortured to expected phrases or hold one list "
                "of rows"
            )
    if not isinstance(data, list) or not data:
        raise PhraseListError(f"{path}: expected a non-empty JSON list of rows")
    if all(isinstance(item, list) for item in data):
        return [
            (n, (item[0], item[1]) if len(item) >= 2 else (None, None))
            for n, item in enumerate(data, start=1)
        ]
    objects = [item for item in data if isinstance(item, dict)]
    if len(objects) != len(data):
        raise PhraseListError(f"{path}: every JSON row must be an object (or every one a list)")
    names = list(dict.fromkeys(key for item in objects for key in item))
    tortured, expected = _columns(names, path)
    return [(n, (item.get(tortured), item.get(expected))) for n, item in enumerate(objects, 1)]


def _delimited_records(text: str, path: Path) -> list[tuple[int, tuple[Any, Any]]]:
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = "\t" if "\t" in first else ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        table = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise PhraseListError(f"{path}: malformed CSV: {error}") from None
    tortured, expected = _columns(table[0], path)
    header = table[0]
    t, e = header.index(tortured), header.index(expected)
    return [
        (n, (row[t], row[e]) if len(row) > max(t, e) else (None, None))
        for n, row in enumerate(table[1:], start=2)
    ]


def _write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the whole new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
