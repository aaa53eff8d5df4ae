"""Turn accepted rewrites into restored text, word diffs and printable reports."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from unspin.model import Span

_DIFF_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")


def match_case(original: str, spun: str) -> str:
    """Give the proposed original the capitalisation pattern of the text it replaces."""
    if spun.isupper() and len(spun) > 1:
        return original.upper()
    if spun[:1].isupper():
        words = original.split(" ")
        spun_words = spun.split()
        if len(spun_words) > 1 and all(word[:1].isupper() for word in spun_words):
            return " ".join(word[:1].upper() + word[1:] for word in words)
        return original[:1].upper() + original[1:]
    return original


def restore(text: str, spans: Sequence[Span]) -> str:
    """Replace each span by its proposed original; spans must be sorted and not overlap."""
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        pieces.append(span.original)
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


@dataclass(frozen=True, slots=True)
class DiffPiece:
    """A run of the diff: kind is 'same', 'removed' or 'added'."""

    kind: str
    text: str


def word_diff(before: str, after: str) -> list[DiffPiece]:
    """Word-level diff that keeps whitespace, so joining 'same'+'added' gives `after` back."""
    old, new = _DIFF_TOKEN.findall(before), _DIFF_TOKEN.findall(after)
    pieces: list[DiffPiece] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(DiffPiece("same", "".join(old[a0:a1])))
            continue
        if a1 > a0:
            pieces.append(DiffPiece("removed", "".join(old[a0:a1])))
        if b1 > b0:
            pieces.append(DiffPiece("added", "".join(new[b0:b1])))
    return pieces
