"""Spinner profiles: which wording a particular spinner puts in place of which.

A spinner works from a fixed dictionary, so knowing (or learning) its dictionary turns guessing
into lookup.  A `Profile` is that knowledge as (spun -> original) pairs; the decoder asks
`profile.originals(word)` for extra candidates and gives them a strong channel prior.

Profiles are small JSON files a person can read and edit (`Profile.save` writes them sorted,
one pair a line)::

    {
      "format": "unspin-profile",
      "format_version": 1,
      "name": "acme-spinner",
      "source": "spinner dictionary acme.txt (groups)",
      "created": "2026-11-26T15:00:00+00:00",
      "pairs": [
        {"spun": "mentioned", "original": "said", "count": 0, "confidence": 0.5},
        {"spun": "profound learning", "original": "deep learning", "count": 12, "confidence": 1.0}
      ]
    }

`count` (occurrences seen when learned) and `confidence` (0..1) may be left out (0 and 1.0).
`"complete": true` says the pairs are the spinner's whole dictionary (as an imported one is): the
decoder then proposes no other rewrite, and decides each listed one by the noisy channel (does
the original fit the context better, given how often the spinner applies its pairs).
`Profile.from_spinner_dict` imports a spinner's own dictionary: pipe-separated synonym groups
(`said|stated|mentioned`), spintax (`{said|stated|mentioned}`), or two-column TSV/CSV
(`original<TAB>spun`).  In a group any member may replace any other, so each member is a spun
form of every other one, the confidence split evenly over the originals a spun form has.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from unspin.phrases import read_text_file

FORMAT_NAME = "unspin-profile"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)
MAX_FILE_BYTES = 50_000_000  # profile or dictionary file; far above any real spinner's
MAX_PAIRS = 2_000_000  # keeps a hostile dictionary (one huge group) from eating the memory
MAX_GROUP_MEMBERS = 100  # a group of n members yields n*(n-1) pairs
MAX_WORDS = 4  # longest spun or original phrase the decoder considers
MAX_CHARS = 100
MAX_NOTED_EXAMPLES = 3

_PROFILE_KEYS = {
    "format",
    "format_version",
    "name",
    "source",
    "created",
    "description",
    "complete",
    "pairs",
}
_PAIR_KEYS = {"spun", "original", "count", "confidence"}
_TABLE_HEADER_WORDS = {"original", "spun", "source", "target", "from", "to", "word", "synonym"}
_SPINTAX_GROUP = re.compile(r"\{[^{}]*\|[^{}]*\}")


class ProfileError(ValueError):
    """A profile or spinner dictionary that cannot be used; the message says why in one line."""


class DictFormat(StrEnum):
    """Layouts of spinner dictionaries `from_spinner_dict` reads."""

    GROUPS = "groups"  # said|stated|mentioned — every member may replace every other
    SPINTAX = "spintax"  # {said|stated|mentioned} — the same, in spinner markup
    TSV = "tsv"  # original<TAB>spun
    CSV = "csv"  # original,spun


def normalize(phrase: str) -> str:
    """Lower-cased with single spaces: the form pairs are stored and looked up in."""
    return " ".join(phrase.lower().split())


@dataclass(frozen=True, slots=True)
class ProfilePair:
    """One substitution the spinner makes: `original` in the source text became `spun`."""

    spun: str  # lower-case word or phrase (<= 4 words) as it appears in spun text
    original: str  # lower-case original wording
    count: int = 0  # occurrences seen when learned (0 for imported)
    confidence: float = 1.0  # 0..1, how sure the profile is of this pair

    def __post_init__(self) -> None:
        for side in ("spun", "original"):
            value = getattr(self, side)
            if not isinstance(value, str):
                raise ValueError(f"{side} must be text, not {type(value).__name__}")
            phrase = normalize(value)
            if not phrase:
                raise ValueError(f"{side} is empty")
            if len(phrase.split()) > MAX_WORDS or len(phrase) > MAX_CHARS:
                raise ValueError(
                    f"{side} {phrase[:40]!r} is longer than {MAX_WORDS} words or {MAX_CHARS} "
                    "characters"
                )
            object.__setattr__(self, side, phrase)
        if self.spun == self.original:
            raise ValueError(f"spun and original are the same ({self.spun!r})")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"count must be a whole number >= 0, not {self.count!r}")
        confidence = self.confidence
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int | float)
            or not math.isfinite(confidence)
            or not 0 <= confidence <= 1
        ):
            raise ValueError(f"confidence must be a number from 0 to 1, not {confidence!r}")
        # Four decimals: what the JSON file holds, so a saved profile loads back equal.
        object.__setattr__(self, "confidence", round(float(confidence), 4))

    def to_dict(self) -> dict[str, Any]:
        return {
            "spun": self.spun,
            "original": self.original,
            "count": self.count,
            "confidence": self.confidence,
        }


def _rank(pair: ProfilePair) -> tuple[float, int, str]:
    return (-pair.confidence, -pair.count, pair.original)


def _file_order(pair: ProfilePair) -> tuple[str, float, int, str]:
    return (pair.spun, *_rank(pair))


@dataclass(frozen=True)
class Profile:
    """A spinner's substitutions, indexed by spun form; build once, query per word."""

    name: str
    pairs: tuple[ProfilePair, ...]
    source: str
    created: str
    format_version: int = FORMAT_VERSION
    # The pairs are the spinner's whole dictionary (an imported one), not a sample of it (a
    # learned one): nothing else was spun, and a word the spinner replaces is rarely left as is.
    complete: bool = False
    # Lines about what an import skipped, for the user; not saved, not compared.
    notes: tuple[str, ...] = field(default=(), compare=False, repr=False)
    _index: dict[str, tuple[ProfilePair, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _replaced: frozenset[str] = field(
        init=False, repr=False, compare=False, default_factory=frozenset
    )

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a profile needs a non-empty name")
        if not isinstance(self.complete, bool):
            raise ValueError(f"complete must be true or false, not {self.complete!r}")
        if self.format_version not in SUPPORTED_VERSIONS:
            raise ValueError(
                f"format_version {self.format_version!r} is not one this unspin reads "
                f"({', '.join(map(str, SUPPORTED_VERSIONS))}); a newer unspin may read it"
            )
        pairs = tuple(self.pairs)
        if not all(isinstance(pair, ProfilePair) for pair in pairs):
            raise ValueError("pairs must be ProfilePair objects")
        # Kept in file order, so equal profiles compare equal whatever order they were given in.
        object.__setattr__(self, "pairs", tuple(sorted(pairs, key=_file_order)))
        seen: dict[tuple[str, str], int] = {}
        by_spun: dict[str, list[ProfilePair]] = defaultdict(list)
        for number, pair in enumerate(pairs):
            key = (pair.spun, pair.original)
            if key in seen:
                raise ValueError(
                    f"pairs[{number}] ({pair.spun!r} -> {pair.original!r}) repeats "
                    f"pairs[{seen[key]}]"
                )
            seen[key] = number
            by_spun[pair.spun].append(pair)
        index = {spun: tuple(sorted(group, key=_rank)) for spun, group in by_spun.items()}
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_replaced", frozenset(pair.original for pair in pairs))

    def originals(self, spun: str) -> tuple[ProfilePair, ...]:
        """Pairs whose spun side is `spun` (any case and spacing), most confident first."""
        found = self._index.get(spun)
        if found is not None:
            return found
        return self._index.get(normalize(spun), ())

    def replaces(self, word: str) -> bool:
        """Whether the spinner rewrites `word` (it is the original side of a pair): in a complete
        profile, then, a `word` left in a spun text is more likely another word's spun form."""
        return word in self._replaced or normalize(word) in self._replaced

    @property
    def longest(self) -> int:
        """Words in the longest spun form: how far a phrase lookup needs to reach."""
        return max((spun.count(" ") + 1 for spun in self._index), default=0)

    def __len__(self) -> int:
        return len(self.pairs)

    def __contains__(self, spun: object) -> bool:
        return isinstance(spun, str) and bool(self.originals(spun))

    def describe(self) -> str:
        """One line for people: name, size, where it came from."""
        return f"profile {self.name!r}: {len(self.pairs):,} pairs from {self.source or 'unknown'}"

    # --- JSON ---

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT_NAME,
            "format_version": self.format_version,
            "name": self.name,
            "source": self.source,
            "created": self.created,
        }
        if self.complete:  # left out when false, so a learned profile's file is as it was
            data["complete"] = True
        data["pairs"] = [pair.to_dict() for pair in self.pairs]
        return data

    def dumps(self) -> str:
        """The JSON text `save` writes: indented, pairs sorted, one pair a line."""
        data = self.to_dict()
        pairs = data.pop("pairs")
        head = json.dumps(data, indent=2, ensure_ascii=False)[:-2]  # drop the closing "\n}"
        lines = [json.dumps(pair, ensure_ascii=False) for pair in pairs]
        body = ",\n".join(f"    {line}" for line in lines)
        return (
            f'{head},\n  "pairs": [\n{body}\n  ]\n}}\n'
            if lines
            else f'{head},\n  "pairs": []\n}}\n'
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the profile as JSON, atomically (a reader never sees half a file)."""
        path = Path(path)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(self.dumps(), encoding="utf-8")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Profile:
        """Read a profile saved by `save` or written by hand; ProfileError says what is wrong."""
        path = Path(path)
        text = read_text_file(path, MAX_FILE_BYTES, "profile", ProfileError)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ProfileError(
                f"{path}: malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
            ) from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, where: str = "profile") -> Profile:
        """A profile from parsed JSON, checked key by key."""

        def fail(problem: str) -> ProfileError:
            return ProfileError(f"{where}: {problem}")

        if not isinstance(data, dict):
            raise fail(f"expected a JSON object, found {_json_type(data)}")
        if data.get("format") != FORMAT_NAME:
            raise fail(
                f'not an unspin profile (no "format": "{FORMAT_NAME}"); to use a spinner\'s own '
                "dictionary pass it with --spinner-dict"
            )
        unknown = sorted(set(data) - _PROFILE_KEYS)
        if unknown:
            raise fail(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_PROFILE_KEYS))})")
        version = data.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise fail(f"format_version must be a whole number, not {version!r}")
        if version not in SUPPORTED_VERSIONS:
            raise fail(
                f"format_version {version} is not one this unspin reads "
                f"({', '.join(map(str, SUPPORTED_VERSIONS))}); upgrade unspin to read it"
            )
        for key in ("name", "source", "created", "description"):
            if key in data and not isinstance(data[key], str):
                raise fail(f"{key!r} must be text, not {_json_type(data[key])}")
        complete = data.get("complete", False)
        if not isinstance(complete, bool):
            raise fail(f'"complete" must be true or false, not {_json_type(complete)}')
        pairs = data.get("pairs")
        if not isinstance(pairs, list):
            raise fail(f'"pairs" must be a list, not {_json_type(pairs)}')
        if len(pairs) > MAX_PAIRS:
            raise fail(f"{len(pairs):,} pairs is over the limit of {MAX_PAIRS:,}")
        parsed = []
        for number, item in enumerate(pairs):
            if not isinstance(item, dict):
                raise fail(f"pairs[{number}] must be an object, not {_json_type(item)}")
            extra = sorted(set(item) - _PAIR_KEYS)
            if extra:
                raise fail(
                    f"pairs[{number}]: unknown key {extra[0]!r} "
                    f"(known: {', '.join(sorted(_PAIR_KEYS))})"
                )
            missing = [key for key in ("spun", "original") if key not in item]
            if missing:
                raise fail(f"pairs[{number}]: missing {missing[0]!r}")
            try:
                parsed.append(ProfilePair(**item))
            except (TypeError, ValueError) as error:
                raise fail(f"pairs[{number}]: {error}") from None
        try:
            return cls(
                name=data.get("name") or Path(where).stem or "profile",
                pairs=tuple(parsed),
                source=data.get("source", ""),
                created=data.get("created", ""),
                format_version=version,
                complete=complete,
            )
        except ValueError as error:
            raise fail(str(error)) from None

    # --- spinner dictionaries ---

    @classmethod
    def from_spinner_dict(
        cls,
        path: str | os.PathLike[str],
        format: DictFormat | None = None,  # noqa: A002 - the name the API promises
        *,
        name: str | None = None,
        complete: bool = True,
    ) -> Profile:
        """Import a spinner's dictionary (format sniffed when None); `notes` lists what was skipped.

        `complete`: the file is the spinner's whole dictionary (see `Profile.complete`); False
        for a fragment of one, whose pairs then only add candidates. ProfileError when the file
        is unusable or yields no pair at all.
        """
        path = Path(path)
        if format is not None:
            try:
                format = DictFormat(format)
            except ValueError:
                raise ProfileError(
                    f"unknown dictionary format {format!r} "
                    f"(choose from {', '.join(f.value for f in DictFormat)})"
                ) from None
        text = read_text_file(path, MAX_FILE_BYTES, "spinner dictionary", ProfileError)
        format = format or sniff_format(text, path)
        skipped = _Skipped()
        try:
            if format in (DictFormat.GROUPS, DictFormat.SPINTAX):
                reader = _groups if format is DictFormat.GROUPS else _spintax_groups
                links = _group_links(reader(text, skipped), skipped)
            else:
                links = _table_links(text, format, skipped)
        except ProfileError as error:
            raise ProfileError(f"{path}: {error}") from None
        if not links:
            first = f": {skipped.lines()[0]}" if skipped.lines() else ""
            raise ProfileError(f"{path}: no usable synonym pairs as {format.value}{first}")
        originals_by_spun: dict[str, set[str]] = defaultdict(set)
        for original, spun in links:
            originals_by_spun[spun].add(original)
        pairs = tuple(
            ProfilePair(spun, original, 0, 1 / len(originals))
            for spun, originals in sorted(originals_by_spun.items())
            for original in sorted(originals)
        )
        return cls(
            name=name or path.stem or "spinner-dictionary",
            pairs=pairs,
            source=f"spinner dictionary {path.name} ({format.value})",
            created=_now(),
            complete=complete,
            notes=tuple(skipped.lines()),
        )

    @classmethod
    def merged(cls, profiles: Iterable[Profile], name: str | None = None) -> Profile:
        """One profile holding every pair; a pair in several keeps its highest confidence.

        Complete when any of them is: the union still holds that whole dictionary.
        """
        profiles = list(profiles)
        if not profiles:
            raise ValueError("merged() needs at least one profile")
        if len(profiles) == 1:
            return profiles[0]
        best: dict[tuple[str, str], ProfilePair] = {}
        for profile in profiles:
            for pair in profile.pairs:
                key = (pair.spun, pair.original)
                known = best.get(key)
                if known is None:
                    best[key] = pair
                else:
                    best[key] = ProfilePair(
                        pair.spun,
                        pair.original,
                        known.count + pair.count,
                        max(known.confidence, pair.confidence),
                    )
        return cls(
            name=name or "+".join(profile.name for profile in profiles),
            pairs=tuple(best.values()),
            source="; ".join(profile.source for profile in profiles),
            created=_now(),
            complete=any(profile.complete for profile in profiles),
            notes=tuple(note for profile in profiles for note in profile.notes),
        )


def sniff_format(text: str, path: Path | None = None) -> DictFormat:
    """Guess a dictionary's layout from its name and first lines; ProfileError if unsure."""
    suffix = path.suffix.lower() if path is not None else ""
    if suffix == ".tsv":
        return DictFormat.TSV
    if suffix == ".csv":
        return DictFormat.CSV
    lines = [line for line in _content_lines(text)][:50]
    if any(_SPINTAX_GROUP.search(line) for line in lines):
        return DictFormat.SPINTAX
    if lines and sum("\t" in line for line in lines) * 2 >= len(lines):
        return DictFormat.TSV
    if any("|" in line for line in lines):
        return DictFormat.GROUPS
    if lines and sum("," in line for line in lines) * 2 >= len(lines):
        return DictFormat.CSV
    where = f"{path}: " if path is not None else ""
    raise ProfileError(
        f"{where}cannot tell the dictionary format (no a|b groups, {{a|b}} spintax, tabs or "
        "commas in its first lines); pass --dict-format"
    )


@dataclass(frozen=True, slots=True)
class ProfileSource:
    """Where a profile comes from: small and picklable, so each worker process loads it once.

    Paths are made absolute where they are given; a cluster's workers need the same path.
    """

    profile: str | None = None  # a profile JSON file
    spinner_dict: str | None = None  # a spinner dictionary to import
    dict_format: DictFormat | None = None
    partial: bool = False  # the dictionary is a fragment of the spinner's (Profile.complete)

    def __post_init__(self) -> None:
        if self.profile is None and self.spinner_dict is None:
            raise ValueError("a ProfileSource needs a profile path, a spinner dictionary or both")
        if self.dict_format is not None and self.spinner_dict is None:
            raise ValueError("a dictionary format only applies to a spinner dictionary")
        if self.partial and self.spinner_dict is None:
            raise ValueError("only a spinner dictionary can be partial")
        for name in ("profile", "spinner_dict"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, str(Path(value).expanduser().absolute()))
        if self.dict_format is not None:
            object.__setattr__(self, "dict_format", DictFormat(self.dict_format))

    def load(self) -> Profile:
        """The profile, read once per process (ProfileError if a file is unusable)."""
        return _load_source(self)


@lru_cache(maxsize=4)
def _load_source(source: ProfileSource) -> Profile:
    profiles = []
    if source.profile is not None:
        profiles.append(Profile.load(source.profile))
    if source.spinner_dict is not None:
        profiles.append(
            Profile.from_spinner_dict(
                source.spinner_dict, source.dict_format, complete=not source.partial
            )
        )
    return Profile.merged(profiles)


# --- dictionary readers ---


class _Skipped:
    """Counts what an import left out, by reason, with a few examples each."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)

    def add(self, reason: str, example: str) -> None:
        self.counts[reason] += 1
        if len(self.examples[reason]) < MAX_NOTED_EXAMPLES:
            self.examples[reason].append(example)

    def lines(self) -> list[str]:
        return [
            f"skipped {count:,} {reason} (e.g. {'; '.join(self.examples[reason])})"
            for reason, count in self.counts.most_common()
        ]


def _content_lines(text: str) -> Iterable[str]:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield line


def _groups(text: str, skipped: _Skipped) -> Iterable[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line.split("|")


def _spintax_groups(text: str, skipped: _Skipped) -> Iterable[tuple[int, list[str]]]:
    """Each flat {a|b|c} group; nested or unbalanced braces are skipped and counted."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        depth, start, nested = 0, 0, False
        for position, character in enumerate(line):
            if character == "{":
                depth += 1
                if depth == 1:
                    start, nested = position + 1, False
                else:
                    nested = True
            elif character == "}":
                depth -= 1
                if depth < 0:
                    skipped.add("lines with unbalanced braces", f"line {number}")
                    break
                if depth == 0:
                    if nested:
                        skipped.add("nested spintax groups", f"line {number}")
                    else:
                        yield number, line[start:position].split("|")
        else:
            if depth > 0:
                skipped.add("lines with unbalanced braces", f"line {number}")


def _group_links(
    groups: Iterable[tuple[int, list[str]]], skipped: _Skipped
) -> set[tuple[str, str]]:
    """(original, spun) for every ordered pair of distinct members of every group."""
    links: set[tuple[str, str]] = set()
    for number, raw_members in groups:
        members = []
        for raw in raw_members:
            member = normalize(raw)
            if not member:
                continue
            problem = _phrase_problem(member)
            if problem:
                skipped.add(problem, f"line {number}: {member[:40]!r}")
                continue
            members.append(member)
        members = list(dict.fromkeys(members))
        if len(members) < 2:
            skipped.add("groups with fewer than two usable members", f"line {number}")
            continue
        if len(members) > MAX_GROUP_MEMBERS:
            skipped.add(f"groups of more than {MAX_GROUP_MEMBERS} members", f"line {number}")
            continue
        links.update((a, b) for a in members for b in members if a != b)
        _check_size(links)
    return links


def _table_links(text: str, format: DictFormat, skipped: _Skipped) -> set[tuple[str, str]]:  # noqa: A002
    """(original, spun) from two-column rows; a header row of column names is skipped."""
    delimiter = "\t" if format is DictFormat.TSV else ","
    quoting = csv.QUOTE_NONE if format is DictFormat.TSV else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    links: set[tuple[str, str]] = set()
    first = True
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            cells = [normalize(cell) for cell in row]
            if first and set(cells) <= _TABLE_HEADER_WORDS:
                first = False
                continue
            first = False
            if len(cells) != 2 or not all(cells):
                skipped.add(
                    f"rows without exactly two non-empty columns ({format.value})",
                    f"line {number}",
                )
                continue
            original, spun = cells
            problem = _phrase_problem(original) or _phrase_problem(spun)
            if problem:
                skipped.add(problem, f"line {number}")
                continue
            if original != spun:
                links.add((original, spun))
                _check_size(links)
    except csv.Error as error:
        raise ProfileError(f"malformed {format.value.upper()}: {error}") from None
    return links


def _phrase_problem(phrase: str) -> str:
    if len(phrase.split()) > MAX_WORDS:
        return f"phrases longer than {MAX_WORDS} words"
    if len(phrase) > MAX_CHARS:
        return f"phrases longer than {MAX_CHARS} characters"
    return ""


def _check_size(links: set[tuple[str, str]]) -> None:
    if len(links) > MAX_PAIRS:
        raise ProfileError(f"more than {MAX_PAIRS:,} synonym pairs; split the dictionary")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
