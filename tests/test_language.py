"""Language guess: confident on real paragraphs, silent on snippets that could be anything."""

from __future__ import annotations

import pytest

from unspin.language import guess_language, not_english_reason, plainly_english

PARAGRAPHS = {
    "en": "Our team trained a profound learning model and an irregular woodland classifier.",
    "de": "Die Ergebnisse zeigen, dass das Modell bei der Klassifikation deutlich besser ist.",
    "fr": "Le comité s'est réuni mardi pour discuter du budget de l'année prochaine.",
    "es": "El comité se reunió el martes para discutir el presupuesto del próximo año.",
}


@pytest.mark.parametrize(("code", "text"), PARAGRAPHS.items())
def test_paragraphs_are_recognised(code, text):
    assert guess_language(text) == code


@pytest.mark.parametrize(
    "text",
    ["hello world", "Roy Race, Melchester Rovers, 1954", "x = f(y) + 3; return np.array([1])"],
)
def test_short_or_mixed_snippets_get_no_guess(text):
    assert guess_language(text) is None
    assert not_english_reason(text) is None


def test_reason_names_the_language_and_the_scope():
    reason = not_english_reason(PARAGRAPHS["de"])
    assert "German" in reason and "English only" in reason
    assert not_english_reason(PARAGRAPHS["en"]) is None


def test_plain_english_skips_the_classifier_and_other_languages_do_not():
    english = (
        "The minister told reporters on Tuesday that the plan was not ready, and that it would be "
        "put to the vote in the spring. The opposition said they were against it from the start."
    )
    dutch = (
        "De regering heeft dinsdag besloten dat de nieuwe regels volgend jaar ingaan. Wat de "
        "oppositie ervan vindt is nog niet duidelijk, maar zij was al kritisch en stemt tegen."
    )
    assert plainly_english(english)
    assert not plainly_english(dutch)
    assert "Dutch" in not_english_reason(dutch)
    assert not plainly_english("the of and to is")  # too few words to say
