"""A family of simulated spinners, to fit unspin's models and to measure them on news.

Real spinners are dictionaries: each original word type maps to one spun form, used again and
again through a document, at a rate that differs from site to site. Each family draws its
dictionary from one open resource, the way WordPress-style spinners are built from a thesaurus.
Models are validated leave-one-family-out: `HELD_OUT` is never used for fitting, only to measure.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from unspin.lexicon import (
    CLOSED_CLASS,
    MIN_ORIGINAL_ZIPF,
    MYTHES_PATH,
    Lexicon,
    moby_path,
    paraphrase_path,
    read_moby,
    read_mythes,
    read_ppdb,
    read_roget,
    read_tortured_pairs,
    read_wordy,
    tortured_pairs_path,
    word_substitutions,
)
from unspin.tokenize import is_word, tokenize

if TYPE_CHECKING:
    from unspin.score import ContextModel


class Family(StrEnum):
    """Where a simulated spinner takes its dictionary from."""

    MOBY = "moby"  # Moby thesaurus, as most free article spinners
    WORDNET = "wordnet"  # LibreOffice/WordNet thesaurus
    PPDB = "ppdb"  # PPDB lexical paraphrases (function words included)
    WORDY = "wordy"  # plain word -> wordy phrase, plus Roget groups
    TORTURED = "tortured"  # word swaps of the PPS train tortured phrases (paper-mill style)


MIN_SPUN_ZIPF = 3.0  # spinner dictionaries offer words in use, not curiosities
# ... and close senses: GloVe cosine of original and spun form. Among those the entry is drawn
# at random, not from the few closest: real spinners' choices are not the nearest vectors
# ("said" -> "mentioned", cosine 0.39, 22nd of the 26 PPDB options by cosine; "more" -> "extra"
# 25th of 48; "people" -> "individuals" 4th of 31), and a simulation that always took one of the
# four closest taught the channel model to trust vector similarity far too much.
MIN_SIMILARITY = 0.35

HELD_OUT = Family.PPDB  # measured on, never fitted on
FITTING_FAMILIES = tuple(f for f in Family if f is not HELD_OUT)


@dataclass(frozen=True, slots=True)
class Edit:
    """spun[start:end] was made from the words `original`."""

    start: int
    end: int
    original: str


@dataclass(frozen=True, slots=True)
class SpunText:
    original: str
    spun: str
    edits: tuple[Edit, ...]
    family: Family
    rate: float

    def restores(self, start: int, end: int, original: str) -> bool:
        """Whether rewriting spun[start:end] as `original` gives back the original wording:
        the range holds whole edits only, at least one, and undoing them reads `original`
        (case and spacing aside)."""
        inside = [e for e in self.edits if e.start < end and e.end > start]
        if not inside or any(e.start < start or e.end > end for e in inside):
            return False
        pieces, cursor = [], start
        for edit in sorted(inside, key=lambda e: e.start):
            pieces += [self.spun[cursor : edit.start], edit.original]
            cursor = edit.end
        pieces.append(self.spun[cursor:end])
        return "".join(pieces).lower().split() == original.lower().split()


def forward_synonyms(family: Family, lexicon: Lexicon) -> dict[str, list[str]]:
    """original (lower-case base form) -> the spun forms the family's dictionary offers."""
    table: dict[str, set[str]] = defaultdict(set)
    if family is Family.MOBY:
        for head, synonyms in read_moby(moby_path()).items():
            table[head].update(synonyms)
    elif family is Family.WORDNET:
        for head, synonyms in read_mythes(MYTHES_PATH).items():
            table[head].update(synonyms)
    elif family is Family.PPDB:
        for a, b in read_ppdb(
            paraphrase_path("ppdb1-xxxl-lexical-synonyms.mwa.tsv"), lexicon.frequencies
        ):
            table[a].add(b)
            table[b].add(a)
    elif family is Family.WORDY:
        for plain, wordy in read_wordy():
            table[plain].add(wordy)
        for group in read_roget(paraphrase_path("roget1911-groups.tsv")):
            for member in group:
                table[member].update(m for m in group if m != member)
    elif family is Family.TORTURED:
        for original, spun in word_substitutions(read_tortured_pairs(tortured_pairs_path())):
            table[original].add(spun)
    return {
        head: sorted(s for s in spun if s != head and lexicon.phrase_zipf(s) >= MIN_ORIGINAL_ZIPF)
        for head, spun in table.items()
    }


@dataclass
class Spinner:
    """One site's spinner: a fixed dictionary, a replacement rate and a few habits."""

    family: Family
    table: dict[str, list[str]]
    lexicon: Lexicon
    rate: float
    seed: int
    consistent: float = 0.95  # chance each occurrence of a chosen type gets its usual form
    capitalised: bool = True  # also swaps capitalised words ("White House" -> "White Home")
    # One dictionary for every document (a content farm's site-wide spinner) instead of a fresh
    # one per document; `dictionary` then holds every choice made so far (None: left alone).
    site_wide: bool = False
    dictionary: dict[str, str | None] = field(default_factory=dict)
    # A spintax spinner ({said|stated|mentioned}) draws the form afresh at each occurrence
    # among everything its dictionary offers for the word, as SpinBot does ("child" -> "kid",
    # "tyke", "youngster" in one paragraph); which word types it replaces is still fixed.
    spintax: bool = False
    # A context-aware spinner picks, at each occurrence, the form that reads best in its place
    # by a language model (`judge`, two words each side): its swaps disturb the context far
    # less than a random pick from the dictionary, as SpinBot's do (the context fit of SpinBot
    # paragraphs drops about a third as much per swapped word as that of simulated spinning).
    judge: ContextModel | None = field(default=None, repr=False)
    options: dict[str, list[str]] = field(default_factory=dict, repr=False)  # spun_options

    @classmethod
    def build(
        cls, family: Family, lexicon: Lexicon, seed: int, table: dict[str, list[str]] | None = None
    ) -> Spinner:
        rng = random.Random(seed)
        return cls(
            family=family,
            table=table if table is not None else forward_synonyms(family, lexicon),
            lexicon=lexicon,
            rate=rng.uniform(0.1, 0.9),
            seed=seed,
            consistent=rng.uniform(0.85, 1.0),
            capitalised=rng.random() < 0.5,
        )

    @classmethod
    def site(
        cls, family: Family, lexicon: Lexicon, seed: int, table: dict[str, list[str]] | None = None
    ) -> Spinner:
        """A content farm's spinner: habits drawn as in `build`, one dictionary for all texts."""
        spinner = cls.build(family, lexicon, seed, table)
        spinner.site_wide = True
        return spinner

    def pairs(self) -> dict[str, str]:
        """original -> spun form of every word type this spinner has chosen to replace so far."""
        return {word: spun for word, spun in self.dictionary.items() if spun is not None}

    def spun_form(self, word: str, rng: random.Random) -> str | None:
        """The one spun form this spinner uses for `word`, inflected like it, or None."""
        close = self.spun_options(word)
        return rng.choice(close) if close else None

    def spun_options(self, word: str) -> list[str]:
        """Every spun form the dictionary offers for `word`, inflected like it, in use and
        close in sense (sorted)."""
        cached = self.options.get(word)
        if cached is not None:
            return cached
        options = list(self.table.get(word, ()))
        for lemma, tag in self.lexicon.forms(word):
            for synonym in self.table.get(lemma, ()):
                inflected = self.lexicon.inflect(synonym, tag)
                if inflected and self.lexicon.phrase_zipf(inflected) >= MIN_ORIGINAL_ZIPF:
                    options.append(inflected)
        lemmas = self.lexicon.lemmas(word)
        embeddings = self.lexicon.embeddings
        unit = embeddings.unit(word)
        close: list[str] = []
        self.options[word] = close
        if unit is None:
            return close
        for option in sorted(set(options)):
            if option == word or self.lexicon.lemmas(option) & lemmas:
                continue
            if self.lexicon.phrase_zipf(option) < MIN_SPUN_ZIPF:
                continue
            vector = embeddings.unit(option)
            similarity = float(vector @ unit) if vector is not None else 0.0
            if similarity >= MIN_SIMILARITY:
                close.append(option)
        return close

    def best_fitting(self, word: str, context: list[str], index: int) -> str:
        """The option for `word` that the judge finds most likely between context[index]'s
        neighbours (the first of equals)."""
        assert self.judge is not None
        options = self.spun_options(word)

        def words(pieces: list[str]) -> list[str]:
            return [w for piece in pieces for w in piece.split() if w[:1].isalnum()]

        left = words(context[max(0, index - 6) : index])[-2:]
        right = words(context[index + 1 : index + 7])[:2]
        slot = (left, [option.split() for option in options], right)
        return options[int(np.argmax(self.judge.windows_many([slot])[0]))]

    def spin(self, text: str) -> SpunText:
        rng = random.Random(f"{self.seed}:{len(text)}:{text[:64]}")
        dictionary: dict[str, str | None] = self.dictionary if self.site_wide else {}
        pieces: list[str] = []
        edits: list[Edit] = []
        cursor = 0
        length = 0
        tokens = list(tokenize(text))
        context = [t.norm for t in tokens]  # spun words behind, original words ahead
        for index, token in enumerate(tokens):
            pieces.append(text[cursor : token.start])
            length += token.start - cursor
            cursor = token.end
            replacement = None
            word = token.norm
            swappable = word not in CLOSED_CLASS and (self.capitalised or token.text.islower())
            if is_word(token) and swappable:
                if word not in dictionary:
                    # Site-wide, a word's fate depends on the word alone, not on which text
                    # brought it up first.
                    pick = random.Random(f"{self.seed}:word:{word}") if self.site_wide else rng
                    chosen = pick.random() < self.rate
                    dictionary[word] = self.spun_form(word, pick) if chosen else None
                if dictionary[word] is not None and rng.random() < self.consistent:
                    form = dictionary[word]
                    if self.judge is not None:
                        form = self.best_fitting(word, context, index)
                    elif self.spintax:
                        form = rng.choice(self.spun_options(word))
                    replacement = _cased(form, token.text)
                    context[index] = form
            if replacement is None:
                pieces.append(token.text)
                length += len(token.text)
                continue
            edits.append(Edit(length, length + len(replacement), word))
            pieces.append(replacement)
            length += len(replacement)
        pieces.append(text[cursor:])
        return SpunText(text, "".join(pieces), tuple(edits), self.family, self.rate)


def used_pairs(spun: list[SpunText]) -> Counter[tuple[str, str]]:
    """Tokens replaced per (original, spun form) pair, lower-case, over a spun corpus."""
    return Counter(
        (edit.original, sample.spun[edit.start : edit.end].lower())
        for sample in spun
        for edit in sample.edits
    )


def _cased(spun: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return spun.upper()
    if like[:1].isupper():
        return spun[:1].upper() + spun[1:]
    return spun


def spin_corpus(
    texts: list[str],
    families: tuple[Family, ...],
    lexicon: Lexicon,
    seed: int = 0,
    spintax_share: float = 0.0,
    context_share: float = 0.0,
    judge: ContextModel | None = None,
) -> list[SpunText]:
    """Spin each text with a spinner of its own (family taken in turn, rate and habits drawn).

    Taken in turn, the families follow `corpora.article_samples`'s alternating short and long
    samples: in scripts/calibrate.py moby and wordy spin only short samples, wordnet and
    tortured only long ones. Drawn in equal shares in a seeded random order instead, the
    refitted models measured worse (quality.py: SpinBot WER reduction 7.4% -> 5.7%, false edits
    on clean news 0.66 -> 0.81 per 1,000 words; news 31.2% -> 31.6%), so the turn stays.
    `spintax_share`: the share of the spinners that draw a form per occurrence
    (`Spinner.spintax`), each drawn apart from its other habits, which stay as without it.
    `context_share`: likewise, the share that pick the form fitting best in place by `judge`.
    """
    for name, share in (("spintax_share", spintax_share), ("context_share", context_share)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} is a share between 0 and 1, got {share}")
    if context_share and judge is None:
        raise ValueError("context_share needs a judge: the language model that picks the forms")
    tables = {family: forward_synonyms(family, lexicon) for family in families}
    spun = []
    for index, text in enumerate(texts):
        family = families[index % len(families)]
        spinner = Spinner.build(family, lexicon, seed * 100_003 + index, tables[family])
        spinner.spintax = random.Random(f"{seed}:spintax:{index}").random() < spintax_share
        if random.Random(f"{seed}:context:{index}").random() < context_share:
            spinner.judge = judge
        spun.append(spinner.spin(text))
    return spun
