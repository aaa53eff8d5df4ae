"""Is this English? unspin's thesauri, language model and phrase list are English only.

Non-English text is never "not spun", it is simply out of scope, so the shells say so instead of
printing a reassuring verdict. py3langid ships its model inside the wheel (no download) and
classifies a page in about a millisecond. Short or mixed snippets (a title, a list of names,
code) give unsure answers, so we only speak up when the text is long enough and the guess is
confident; otherwise it is treated as English.
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_LETTERS = 40  # below this the guess is too noisy to act on
MIN_CONFIDENCE = 0.9
SAMPLE_CHARS = 20_000  # the start of a document is representative enough, and bounds the cost
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[a-z]+")
# Words frequent in any English prose and rare as words of other languages: where they make up
# a good share of a text, it is English without asking the classifier (which takes a third of
# a second to load, most of `unspin check`'s start-up on a short file).
COMMON_ENGLISH = frozenset(
    "the of and to is was that for with as by on are this it from which be have has were "
    "at not or their they he she his its been will would".split()
)
PLAINLY_ENGLISH_SHARE = 0.15
PLAINLY_ENGLISH_MIN_WORDS = 20

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese",
}


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def guess_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short or mixed."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    code, confidence = _identifier().classify(sample)
    return code if confidence >= MIN_CONFIDENCE else None


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def plainly_english(sample: str) -> bool:
    """True when common English words make up a good share of the sample's words."""
    words = _WORD.findall(sample.lower())
    if len(words) < PLAINLY_ENGLISH_MIN_WORDS:
        return False
    return sum(word in COMMON_ENGLISH for word in words) >= PLAINLY_ENGLISH_SHARE * len(words)


def not_english_reason(text: str) -> str | None:
    """A sentence for the user when the text is confidently not English, else None."""
    if plainly_english(text[:SAMPLE_CHARS]):
        return None
    code = guess_language(text)
    if code is None or code == "en":
        return None
    return (
        f"the text looks like {language_name(code)} ({code}), not English; "
        "unspin handles English only, so it cannot say whether this text was spun"
    )
