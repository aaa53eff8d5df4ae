"""Split text into tokens with exact character offsets; reject input that is not text."""

from __future__ import annotations

import re

from unspin.model import Token

MAX_CHARS = 5_000_000

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,:]\d+)*|\S", re.UNICODE)
_SENTENCE_END = {".", "!", "?", ";", ":"}


class InputError(ValueError):
    """The input is not analysable text; the message says why, for the person who sent it."""


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (BOM allowed) and refuse binary data with a precise message."""
    if not data.strip():
        raise InputError("input is empty")
    if b"\x00" in data[:65536]:
        raise InputError("input looks binary (contains NUL bytes); send plain UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"input is not valid UTF-8 (bad byte at offset {error.start}); "
            "convert it first, e.g. with iconv -f latin1 -t utf-8"
        ) from None
    return check_text(text)


def check_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Refuse empty, binary-looking or oversized text before doing any work."""
    if not isinstance(text, str):
        raise InputError(f"expected str, got {type(text).__name__}")
    if not text.strip():
        raise InputError("input is empty")
    if len(text) > max_chars:
        raise InputError(
            f"input has {len(text):,} characters, more than the {max_chars:,} analysed at once; "
            "split it into documents (e.g. with `unspin screen`)"
        )
    if "\x00" in text:
        raise InputError("input looks binary (contains NUL characters); send plain text")
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
