"""Split text into tokens with exact character offsets; reject input that is not text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from unspin.config import DEFAULTS
from unspin.model import Token

MAX_CHARS = DEFAULTS.max_chars

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,:]\d+)*|\S", re.UNICODE)
_SENTENCE_END = {".", "!", "?", ";", ":"}


_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
MAX_CONTROL_SHARE = 0.05  # more control characters than this and it is not prose


class InputError(ValueError):
    """The input is not analysable text; the message says why, for the person who sent it.

    `kind` lets each shell map the reason to its own form (an HTTP status, an error column):
    empty, binary, bad_encoding, unsupported_encoding or too_large.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def decode_bytes(data: bytes, max_chars: int = MAX_CHARS) -> str:
    """Decode UTF-8 (BOM allowed) and refuse binary data with a precise message."""
    if not data.strip():
        raise InputError("empty", "input is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("unsupported_encoding", "input is UTF-16; save it as UTF-8")
    if b"\x00" in data[:65536]:
        raise InputError("binary", "input looks binary (contains NUL bytes); send plain UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            "bad_encoding",
            f"input is not valid UTF-8 (bad byte at offset {error.start}); "
            "convert it first, e.g. with iconv -f latin1 -t utf-8",
        ) from None
    controls = sum(1 for ch in text[:65536] if ch < " " and ch not in _TEXT_CONTROLS)
    if controls > MAX_CONTROL_SHARE * min(len(text), 65536):
        raise InputError("binary", "input looks like binary data, not text")
    return check_text(text, max_chars)


def check_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Refuse empty, binary-looking, unencodable or oversized text before doing any work."""
    if not isinstance(text, str):
        raise InputError("binary", f"expected str, got {type(text).__name__}")
    if not text.strip():
        raise InputError("empty", "input is empty")
    if len(text) > max_chars:
        raise InputError(
            "too_large",
            f"input has {len(text):,} characters, more than the {max_chars:,} analysed at once; "
            "split it into documents (e.g. with `unspin screen`)",
        )
    if "\x00" in text:
        raise InputError("binary", "input looks binary (contains NUL characters); send plain text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            "bad_encoding", f"input has an unpaired surrogate at position {error.start}"
        ) from None
    return text


def tokenize(text: str) -> list[Token]:
    """Words, numbers and punctuation with offsets; sentence ids split at end punctuation."""
    tokens: list[Token] = []
    sentence = 0
    previous_end = 0
    for match in _TOKEN.finditer(text):
        if tokens and "\n\n" in text[previous_end : match.start()]:
            sentence += 1
        piece = match.group()
        tokens.append(Token(piece, match.start(), match.end(), sentence))
        previous_end = match.end()
        if piece in _SENTENCE_END:
            sentence += 1
    return tokens


def is_word(token: Token) -> bool:
    return token.text[0].isalpha()


def sentence_words(tokens: Sequence[Token]) -> Iterator[list[int]]:
    """Indices of the word tokens of each sentence, in order."""
    current: list[int] = []
    sentence = tokens[0].sentence if tokens else 0
    for index, token in enumerate(tokens):
        if token.sentence != sentence:
            if current:
                yield current
            current, sentence = [], token.sentence
        if is_word(token):
            current.append(index)
    if current:
        yield current
