"""Turn accepted rewrites into restored text, word diffs and printable reports."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

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


_ARTICLE_BEFORE = re.compile(r"(?<![\w'’])(an?|An?|AN?)(\s+)$")


# Spellings whose first sound is not what their first letter says: "a user", "a one-off",
# "a European", but "an hour", "an honest". Prefixes, checked against the lower-cased word.
_CONSONANT_SOUND = (
    "eu",
    "ewe",
    "ubiq",
    "uku",
    "unani",
    "unic",
    "unif",
    "unil",
    "union",
    "uniq",
    "unit",
    "univ",
    "ura",
    "ure",
    "uri",
    "uro",
    "usa",
    "use",
    "usi",
    "usu",
    "uten",
    "uti",
    "uto",
)
_VOWEL_SOUND = ("heir", "honest", "honor", "honour", "hour")
_ONE = re.compile(r"(one|once)\b")  # "a one-off", "a once-great", but "an onerous"


def _article_for(phrase: str) -> str:
    """The indefinite article the phrase's first sound takes: by spelling, with the common
    exceptions ("a user", "an hour"); a rewrite that turned "a consumer" into "an user" would
    read as a machine's."""
    word = phrase.lower()
    if word.startswith(_VOWEL_SOUND):
        return "an"
    if word.startswith(_CONSONANT_SOUND) or _ONE.match(word):
        return "a"
    return "an" if word[:1] in "aeiou" else "a"


def with_article(text: str, span: Span) -> Span:
    """Carry a preceding 'a'/'an' into the span when the original needs the other one.

    'an irregular woodland' becomes 'a random forest', not 'an random forest', and 'an hour'
    'a time'. Only an article that agreed with the spun wording is changed: one that did not
    is the author's own.
    """
    match = _ARTICLE_BEFORE.search(text, max(0, span.start - 8), span.start)
    if match is None:
        return span
    article, gap = match.group(1), match.group(2)
    wanted = _article_for(span.original)
    if article.lower() != _article_for(span.text) or article.lower() == wanted:
        return span
    if article.isupper() and len(article) > 1:
        wanted = wanted.upper()
    elif article[0].isupper():
        wanted = wanted.capitalize()
    return replace(
        span,
        start=match.start(),
        text=text[match.start() : span.end],
        original=f"{wanted}{gap}{span.original}",
        alternatives=tuple(f"{_article_for(a)}{gap}{a}" for a in span.alternatives),
    )


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
