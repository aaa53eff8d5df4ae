"""Known tortured phrases ("fingerprints"): find them fast and say what they stand for.

A fingerprint is a phrase that spinners produce and people almost never write ("profound
learning" for "deep learning").  `FingerprintIndex.find` scans a text for all of them in one
Aho-Corasick pass (pyahocorasick) and returns `FingerprintHit`s with offsets into the text as
given.

Matching
--------
* Case-insensitive ("Profound Learning", "PROFOUND LEARNING").
* Whole words: a phrase must start after whitespace, a dash, an opening bracket, a quote, a
  slash or at the start of the text, and one that ends with a letter or digit must not run on
  into another letter, digit or underscore.  "profound learning" is not found in "unprofound
  learnings" but is in "(profound learning)" and "“profound learning’s”".
* Whitespace, hyphens and dashes are interchangeable and any run of them counts as one space:
  "man-made reasoning" also finds "man made reasoning" and "man -\n made reasoning".
* Hits never overlap: the leftmost wins, and of those starting at the same place the longest.
* Offsets index the text exactly as given (`text[hit.start:hit.end] == hit.text`), whatever
  characters come before.

Rule syntax (`FingerprintIndex.from_rules`), in the style of the Problematic Paper Screener's
queries, one rule per line::

    rule      := phrase "=>" phrase condition* window? comment?
    condition := "AND" term        the term must occur in the document
               | "NOT" term        the rule fires only if the term does not occur
    window    := "~" N             terms count only within N words either side of the hit
                                   (N >= 1; needs at least one condition)
    phrase, term := "double-quoted text" | bare-word
    comment   := "#" to the end of the line (outside quotes); blank lines are skipped

For example::

    "profound learning" => "deep learning"
    "bosom peril" => "breast cancer" AND "tumour" NOT "poultry" ~30   # context within 30 words

Terms are matched like phrases (whole words, case-insensitive) and must lie outside the hit
itself.  Words, for the window, are whitespace-separated tokens.  Several rules may share a
tortured phrase: the first, in input order, whose conditions hold fires.  Pairs given to
`from_pairs` and the bundled list behave as plain rules (no conditions).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick
import numpy as np

from unspin.phrases import ALL_RESOURCE, PhraseSet, tortured_pairs

BUNDLED_RESOURCE = ALL_RESOURCE  # every published row; PhraseSet.TRAIN reads the train file

# The text is matched as one byte per character: Windows-1252 (ASCII, Latin-1 letters, curly
# quotes and dashes), with every other character replaced by one of two placeholder bytes that
# Windows-1252 leaves undefined.  One byte per character keeps offsets trivial and lets
# bytes.translate fold case and separators in one C-speed pass.
_ENCODING = "cp1252"
_ERRORS = "unspin.fingerprint"
_OTHER_LETTER = 0x81  # a letter or digit outside Windows-1252 (Greek, Cyrillic, CJK, ...)
_OTHER_SYMBOL = 0x8D  # any other character outside Windows-1252
_SPACE = 0x20
_OPENER = 0x01  # brackets, quotes and slashes: they start a word like a space does
_BOUNDARIES = (_SPACE, _OPENER)
_VECTORIZE_FROM = 64 * 1024  # bytes; below this numpy's call overhead outweighs its speed

_SPACE_BYTES = b"\t\n\v\f\r\x1c\x1d\x1e\x1f -\x96\x97\xa0"  # \x96 \x97: en and em dash
_OPENER_BYTES = b"([{\"'/`\x82\x84\x8b\x91\x92\x93\x94\x9b\xab\xbb"  # curly quotes, guillemets


def _fold_table() -> bytes:
    table = bytearray(range(256))
    for byte in range(256):
        character = bytes([byte]).decode(_ENCODING, errors="ignore")
        if character and character.lower() != character:
            lower = character.lower().encode(_ENCODING, errors="ignore")
            if len(lower) == 1:
                table[byte] = lower[0]
    for byte in _SPACE_BYTES:
        table[byte] = _SPACE
    for byte in _OPENER_BYTES:
        table[byte] = _OPENER
    return bytes(table)


def _word_bytes() -> frozenset[int]:
    words = {_OTHER_LETTER}
    for byte in range(256):
        character = bytes([byte]).decode(_ENCODING, errors="ignore")
        if character.isalnum() or character == "_":
            words.add(byte)
    return frozenset(words)


_FOLD_TABLE = _fold_table()
_WORD_BYTES = _word_bytes()
_NOT_SPACE = re.compile(rb"[^ ]")
_WORD = re.compile(r"\w+")
# pyahocorasick scans a node's children in insertion order: put the commonest first.
_INITIAL_ORDER = {letter: rank for rank, letter in enumerate("taoswicbphfmdrelngyuvkjqxz")}

_RULE_TOKEN = re.compile(
    r"""\s*(?:
        "(?P<quoted>[^"]*)"
      | (?P<arrow>=>)
      | ~(?P<window>\S*)
      | (?P<comment>\#.*)
      | (?P<bare>(?:[^\s"\#=]|=(?!>))+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = ("AND", "NOT")
_Fail = Callable[[str], "RuleSyntaxError"]


@lru_cache(maxsize=4096)
def _placeholder(character: str) -> bytes:
    """The byte that stands in for a character Windows-1252 cannot encode."""
    if character.isspace() or unicodedata.category(character) in ("Zs", "Pd"):
        return b" "
    if unicodedata.category(character) in ("Ps", "Pi", "Pf"):
        return b"\x01"
    if character.isalnum():
        return bytes([_OTHER_LETTER])
    return bytes([_OTHER_SYMBOL])


def _replace_unencodable(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return b"".join(map(_placeholder, run)), error.end


# Registered once, under this module's own name; the handler is a pure function.
codecs.register_error(_ERRORS, _replace_unencodable)


@dataclass(frozen=True, slots=True)
class FingerprintHit:
    """One tortured phrase found in a text: text[start:end] == self.text."""

    start: int
    end: int
    text: str
    # What it stands for, in the case of the match, without the list's parenthetical notes
    # (`plain_wording`); the rule keeps them.
    expected: str
    rule: str  # the rule that fired, as written


@dataclass(frozen=True, slots=True)
class FingerprintRule:
    """A tortured phrase, what it stands for, and the context it needs to count."""

    tortured: str
    expected: str
    require: tuple[str, ...] = ()  # AND terms
    forbid: tuple[str, ...] = ()  # NOT terms
    window: int | None = None  # terms count only this many words around the hit
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.tortured.strip() or not self.expected.strip():
            raise ValueError(f"empty phrase in rule {_format_rule(self)}")
        if self.window is not None and (self.window < 1 or not (self.require or self.forbid)):
            raise ValueError(f"a window needs N >= 1 and an AND or NOT term: {_format_rule(self)}")

    def __str__(self) -> str:
        return self.source or _format_rule(self)


class RuleSyntaxError(ValueError):
    """A rule line that does not follow the grammar; says which line and what is wrong."""

    def __init__(self, line_number: int, line: str, problem: str) -> None:
        super().__init__(f"line {line_number}: {problem}: {line.strip()!r}")
        self.line_number = line_number
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class _Key:
    """A phrase as the automaton sees it: folded, one byte per character."""

    body: bytes
    check_end: bool  # the phrase ends in a word character, so the next must not be one
    # Letters and digits of the phrase, when some are outside Windows-1252 and so were folded
    # into a placeholder: a match must then be checked against the text itself.
    letters: str | None

    @classmethod
    def of(cls, phrase: str) -> _Key:
        body = _collapse(_fold(phrase.lower())).lstrip(b" \x01").rstrip(b" ")
        if not body:
            raise ValueError(f"phrase has no letters, digits or symbols to match: {phrase!r}")
        has_placeholder = _OTHER_LETTER in body or _OTHER_SYMBOL in body
        return cls(
            body=body,
            check_end=body[-1] in _WORD_BYTES,
            letters=_letters(phrase) if has_placeholder else None,
        )

    def matches_text(self, text: str, offsets: _OffsetMap, start: int, stop: int) -> bool:
        """Whether haystack[start:stop] really spells this phrase, placeholders included."""
        if self.letters is None:
            return True
        return _letters(text[offsets.to_text(start) : offsets.to_text(stop)]) == self.letters


@dataclass(frozen=True, slots=True)
class _Conditions:
    require: tuple[_Key, ...]
    forbid: tuple[_Key, ...]
    window: int | None


@dataclass(frozen=True, slots=True)
class _Found:
    """A key matched at haystack[start:stop], before its rules' conditions are checked."""

    start: int
    stop: int
    key: _Key
    rule_ids: tuple[int, ...]


def pair_rules(pairs: Iterable[tuple[str, str]]) -> list[FingerprintRule]:
    """Plain rules from (tortured, expected) pairs, whitespace normalised."""
    rules = []
    for number, (tortured, expected) in enumerate(pairs, start=1):
        if not tortured.strip() or not expected.strip():
            raise ValueError(f"pair {number}: empty phrase in {(tortured, expected)!r}")
        rules.append(FingerprintRule(" ".join(tortured.split()), " ".join(expected.split())))
    return rules


class FingerprintIndex:
    """An automaton over known tortured phrases; build once, call `find` many times."""

    def __init__(self, rules: Iterable[FingerprintRule]) -> None:
        self._rules: tuple[FingerprintRule, ...] = tuple(rules)
        rule_ids_by_key: dict[_Key, list[int]] = {}
        for rule_id, rule in enumerate(self._rules):
            try:
                key = _Key.of(rule.tortured)
            except ValueError as error:
                raise ValueError(f"rule {rule_id + 1} ({rule}): {error}") from None
            rule_ids_by_key.setdefault(key, []).append(rule_id)
        self._conditions: tuple[_Conditions | None, ...] = tuple(
            _conditions_of(rule) for rule in self._rules
        )
        self._keys: list[tuple[_Key, tuple[int, ...]]] = []
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        # Each phrase goes in twice, after each of the two bytes that can start a word.
        for boundary in _BOUNDARIES:
            for key in sorted(rule_ids_by_key, key=_insertion_rank):
                self._automaton.add_word(
                    (bytes([boundary]) + key.body).decode("latin-1"), len(self._keys)
                )
                self._keys.append((key, tuple(rule_ids_by_key[key])))
        if self._keys:
            self._automaton.make_automaton()

    @classmethod
    def bundled(cls, phrases: PhraseSet = PhraseSet.ALL) -> FingerprintIndex:
        """The published tortured phrases, less the allow-list.

        ALL: every row (the user's updated copy when there is one); TRAIN: the fixed train
        split as bundled, for benchmarks that must not have seen the test rows.
        """
        return cls.from_pairs(tortured_pairs(PhraseSet(phrases)))

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> FingerprintIndex:
        """Plain rules from (tortured, expected) pairs."""
        return cls(pair_rules(pairs))

    @classmethod
    def from_rules(cls, rules: Iterable[str] | str) -> FingerprintIndex:
        """Rules in the query syntax of the module docstring; a str is split into lines."""
        return cls(parse_rules(rules))

    @property
    def rules(self) -> tuple[FingerprintRule, ...]:
        return self._rules

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"<FingerprintIndex of {len(self._rules):,} rules>"

    def __reduce__(self) -> tuple[type[FingerprintIndex], tuple[tuple[FingerprintRule, ...]]]:
        # Rebuilding from the rules is quicker than unpickling the automaton and 15x smaller,
        # which matters when a batch job ships the index to its workers.
        return FingerprintIndex, (self._rules,)

    def find(self, text: str) -> list[FingerprintHit]:
        """Every known tortured phrase in the text: non-overlapping, leftmost-longest, in order."""
        if not isinstance(text, str):
            raise TypeError(f"find() needs str, not {type(text).__name__}")
        if not self._keys:
            return []
        # The leading space lets a phrase match at the very start of the text.
        spaced = b" " + _fold(text)
        haystack = _collapse(spaced)
        keys = self._keys
        size = len(haystack)
        found = []
        for last, key_id in self._automaton.iter(haystack.decode("latin-1")):
            key, rule_ids = keys[key_id]
            stop = last + 1
            if key.check_end and stop < size and haystack[stop] in _WORD_BYTES:
                continue
            found.append(_Found(stop - len(key.body), stop, key, rule_ids))
        if not found:
            return []
        return self._hits(text, spaced, haystack, found)

    def _hits(
        self, text: str, spaced: bytes, haystack: bytes, found: list[_Found]
    ) -> list[FingerprintHit]:
        offsets = _OffsetMap(spaced, haystack)
        context = _Context(text, haystack, offsets)
        firing: list[tuple[int, int, FingerprintRule]] = []
        for match in found:
            if not match.key.matches_text(text, offsets, match.start, match.stop):
                continue
            rule_id = next(
                (
                    rule_id
                    for rule_id in match.rule_ids
                    if context.allows(self._conditions[rule_id], match.start, match.stop)
                ),
                None,
            )
            if rule_id is not None:
                firing.append((match.start, match.stop, self._rules[rule_id]))
        firing.sort(key=lambda item: (item[0], -item[1]))
        hits = []
        reached = 0
        for start, stop, rule in firing:
            if start < reached:
                continue
            reached = stop
            begin, end = offsets.to_text(start), offsets.to_text(stop)
            matched = text[begin:end]
            wording = match_case(plain_wording(rule.expected, rule.tortured), matched)
            hits.append(FingerprintHit(begin, end, matched, wording, str(rule)))
        return hits


def parse_rules(lines: Iterable[str] | str) -> list[FingerprintRule]:
    """Rules from lines of query syntax; blank and comment lines are skipped."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    rules = []
    line_number = 0
    for chunk in lines:
        for line in chunk.splitlines() or [""]:
            line_number += 1
            rule = parse_rule(line, line_number)
            if rule is not None:
                rules.append(rule)
    return rules


def parse_rule(line: str, line_number: int = 1) -> FingerprintRule | None:
    """One rule, or None for a blank or comment line; RuleSyntaxError names what is wrong."""

    def fail(problem: str) -> RuleSyntaxError:
        return RuleSyntaxError(line_number, line, problem)

    tokens, rule_end = _tokenize_rule(line, fail)
    if not tokens:
        return None
    kinds = [kind for kind, _ in tokens]
    tortured = _phrase(tokens, 0, "the tortured phrase at the start", fail)
    if kinds[1:2] != ["arrow"]:
        raise fail("expected '=>' after the tortured phrase")
    expected = _phrase(tokens, 2, "the expected phrase after '=>'", fail)
    require: list[str] = []
    forbid: list[str] = []
    window: int | None = None
    position = 3
    while position < len(tokens):
        kind, value = tokens[position]
        if window is not None:
            raise fail("'~N' must come last")
        if kind == "bare" and value in _KEYWORDS:
            term = _phrase(tokens, position + 1, f"a term after {value}", fail)
            (require if value == "AND" else forbid).append(term)
            position += 2
        elif kind == "window":
            window = _window_size(value, fail)
            position += 1
        else:
            shown = "'=>'" if kind == "arrow" else repr(value)
            raise fail(f"unexpected {shown}: join context terms with AND or NOT")
    if window is not None and not (require or forbid):
        raise fail("'~N' needs at least one AND or NOT term to apply to")
    rule = FingerprintRule(
        tortured,
        expected,
        tuple(require),
        tuple(forbid),
        window,
        source=" ".join(line[:rule_end].split()),
    )
    for phrase in (tortured, *require, *forbid):
        try:
            _Key.of(phrase)
        except ValueError as error:
            raise fail(str(error)) from None
    return rule


_NOTE = re.compile(r"\s*\([^)]*\)")


def plain_wording(expected: str, tortured: str = "") -> str:
    """An expected phrase without its parenthetical notes, as a restored text should read it.

    The PPS list annotates a fifth of its entries: "support vector machine (svm)", "rythm
    pattern (?)", "output layer (in a neural network)". The notes explain the entry; written
    into the restored text they would be words the author never wrote. Where the tortured
    phrase itself holds brackets ("web of things (iot)"), they are text and stay; so does an
    entry that is all note.
    """
    if "(" in tortured:
        return expected
    plain = " ".join(_NOTE.sub("", expected).split())
    return plain or expected


def match_case(expected: str, matched: str) -> str:
    """`expected` written the way the spinner's text writes `matched`.

    All capitals stay all capitals; a capital first letter stays capital; a word the two share
    keeps the matched spelling ("Web of Things (IoT)" -> "Internet of Things (IoT)").
    """
    if matched.isupper() and sum(character.isalpha() for character in matched) > 1:
        return expected.upper()
    spelled = {word.lower(): word for word in _WORD.findall(matched) if not word.islower()}
    if spelled:
        expected = _WORD.sub(
            lambda word: (
                spelled.get(word.group(), word.group()) if word.group().islower() else word.group()
            ),
            expected,
        )
    if matched[:1].isupper():
        expected = expected[:1].upper() + expected[1:]
    return expected


class _Context:
    """Where context terms occur in one document; searched lazily, only for hits that ask."""

    def __init__(self, text: str, haystack: bytes, offsets: _OffsetMap) -> None:
        self._text = text
        self._haystack = haystack
        self._offsets = offsets
        self._occurrences: dict[_Key, list[tuple[int, int]]] = {}
        self._resume: dict[_Key, int] = {}

    def allows(self, conditions: _Conditions | None, start: int, stop: int) -> bool:
        if conditions is None:
            return True
        if conditions.window is None:

            def occurs(term: _Key) -> bool:
                return self._occurs_anywhere(term, start, stop)
        else:
            low, high = _word_window(self._haystack, start, stop, conditions.window)

            def occurs(term: _Key) -> bool:
                return self._occurs_between(term, low, high, start, stop)

        return all(occurs(term) for term in conditions.require) and not any(
            occurs(term) for term in conditions.forbid
        )

    def _occurs_between(self, term: _Key, low: int, high: int, start: int, stop: int) -> bool:
        position = self._haystack.find(term.body, low, high)
        while position >= 0:
            occurrence = self._valid(term, position)
            if occurrence and not _overlap(occurrence, start, stop):
                return True
            position = self._haystack.find(term.body, position + 1, high)
        return False

    def _occurs_anywhere(self, term: _Key, start: int, stop: int) -> bool:
        occurrences = self._occurrences.setdefault(term, [])
        index = 0
        while True:
            if index == len(occurrences) and not self._find_next(term, occurrences):
                return False
            if not _overlap(occurrences[index], start, stop):
                return True
            index += 1

    def _find_next(self, term: _Key, occurrences: list[tuple[int, int]]) -> bool:
        position = self._resume.get(term, 0)
        while position >= 0:
            position = self._haystack.find(term.body, position)
            if position < 0:
                break
            occurrence = self._valid(term, position)
            position += 1
            if occurrence:
                occurrences.append(occurrence)
                self._resume[term] = position
                return True
        self._resume[term] = -1
        return False

    def _valid(self, term: _Key, position: int) -> tuple[int, int] | None:
        """(start, stop) if the term at `position` is a whole word (or words) of the text."""
        haystack = self._haystack
        stop = position + len(term.body)
        if haystack[position - 1] not in _BOUNDARIES:
            return None
        if term.check_end and stop < len(haystack) and haystack[stop] in _WORD_BYTES:
            return None
        if not term.matches_text(self._text, self._offsets, position, stop):
            return None
        return position, stop


class _OffsetMap:
    """Turns positions in the haystack back into character offsets in the text.

    `spaced` holds one byte per character of the text after a leading space; the haystack is
    `spaced` with each run of spaces squeezed to its first space.  A haystack position moves
    right by one for every dropped space that sat before it.
    """

    def __init__(self, spaced: bytes, haystack: bytes) -> None:
        self._shift_points = None
        if len(haystack) != len(spaced):
            space = np.frombuffer(spaced, dtype=np.uint8) == _SPACE
            dropped = np.flatnonzero(space[1:] & space[:-1]) + 1
            # The n-th dropped space (from 0) follows dropped[n] - n kept bytes.
            self._shift_points = dropped - np.arange(len(dropped))

    def to_text(self, position: int) -> int:
        if self._shift_points is not None:
            position += int(np.searchsorted(self._shift_points, position, side="right"))
        return position - 1  # the leading space is not part of the text


def _fold(text: str) -> bytes:
    """One byte per character: case folded, spaces and dashes to b" ", openers to b"\\x01"."""
    if text.isascii():
        return text.encode("ascii").translate(_FOLD_TABLE)
    return text.encode(_ENCODING, _ERRORS).translate(_FOLD_TABLE)


def _collapse(spaced: bytes) -> bytes:
    """Runs of spaces squeezed to their first space."""
    if b"  " not in spaced:
        return spaced
    if len(spaced) >= _VECTORIZE_FROM:
        characters = np.frombuffer(spaced, dtype=np.uint8)
        space = characters == _SPACE
        keep = np.ones(len(characters), dtype=bool)
        np.logical_not(space[1:] & space[:-1], out=keep[1:])
        return characters[keep].tobytes()
    while b"  " in spaced:  # each pass halves every run
        spaced = spaced.replace(b"  ", b" ")
    return spaced


def _letters(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def _overlap(occurrence: tuple[int, int], start: int, stop: int) -> bool:
    return occurrence[0] < stop and start < occurrence[1]


def _word_window(haystack: bytes, start: int, stop: int, words: int) -> tuple[int, int]:
    """The stretch from `words` whitespace-separated words before the hit to as many after.

    The first step to each side only reaches the edge of the hit's own token.
    """
    low = start
    for _ in range(words + 1):
        low = haystack.rfind(b" ", 0, low)
        if low < 0:
            low = 0
            break
    high = stop - 1
    for _ in range(words + 1):
        high = haystack.find(b" ", high + 1)
        if high < 0:
            high = len(haystack)
            break
    return low, high


def _insertion_rank(key: _Key) -> tuple[int, bytes]:
    return _INITIAL_ORDER.get(chr(key.body[0]), len(_INITIAL_ORDER)), key.body


def _conditions_of(rule: FingerprintRule) -> _Conditions | None:
    if not (rule.require or rule.forbid):
        return None
    return _Conditions(
        require=tuple(_Key.of(term) for term in rule.require),
        forbid=tuple(_Key.of(term) for term in rule.forbid),
        window=rule.window,
    )


def _format_rule(rule: FingerprintRule) -> str:
    parts = [f'"{rule.tortured}" => "{rule.expected}"']
    parts += [f'AND "{term}"' for term in rule.require]
    parts += [f'NOT "{term}"' for term in rule.forbid]
    if rule.window is not None:
        parts.append(f"~{rule.window}")
    return " ".join(parts)


def _tokenize_rule(line: str, fail: _Fail) -> tuple[list[tuple[str, str]], int]:
    """(kind, value) tokens and where the rule text ends (a comment or the end of the line)."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while line[position:].strip():
        token = _RULE_TOKEN.match(line, position)
        if token is None:
            column = len(line) - len(line[position:].lstrip()) + 1
            raise fail(f"unterminated quote at column {column}")
        kind = token.lastgroup
        if kind == "comment":
            return tokens, token.start(kind)
        tokens.append((kind, token.group(kind)))
        position = token.end()
    return tokens, len(line)


def _phrase(tokens: Sequence[tuple[str, str]], position: int, what: str, fail: _Fail) -> str:
    if position >= len(tokens):
        raise fail(f"missing {what}")
    kind, value = tokens[position]
    if kind == "bare" and value in _KEYWORDS:
        raise fail(f"expected {what}, found the keyword {value}")
    if kind not in ("quoted", "bare"):
        shown = "'=>'" if kind == "arrow" else f"'~{value}'"
        raise fail(f"expected {what}, found {shown}")
    phrase = " ".join(value.split())
    if not phrase:
        raise fail(f"empty quotes where {what} should be")
    return phrase


def _window_size(value: str, fail: _Fail) -> int:
    if not value.isdigit() or int(value) < 1:
        raise fail(f"'~{value}' is not a window: write ~N with N a whole number of words >= 1")
    return int(value)
