"""The per-document state that the pipeline stages fill in turn.

tokenize -> fingerprints -> candidates -> score -> decide -> render: each stage reads what the
ones before it left on the `Document` and adds its own part, so every intermediate result can be
inspected (and measured stage by stage) after `Analyzer.document(text)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from unspin.fingerprint import FingerprintHit
from unspin.model import Token

if TYPE_CHECKING:
    from unspin.lexicon import Origin
    from unspin.profile import Profile


@dataclass
class Slot:
    """A spun word or phrase (words[start:end] of one sentence) and its possible originals."""

    sentence: int
    start: int
    end: int
    first: int  # token index of the first spun word
    last: int  # token index after the last spun word
    spun: str  # lower-case words joined by spaces
    originals: list[str] = field(default_factory=list)
    links: list[int] = field(default_factory=list)  # unspin.lexicon bits per original
    channel: list[float] = field(default_factory=list)  # channel-model log-odds per original
    sources: list[str] = field(default_factory=list)  # thesaurus, term or profile
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # named features per original
    log_odds: np.ndarray | None = None  # occurrence-model log-odds per original (ranking)
    accept: float = -np.inf  # decision-model log-odds that the best-ranked original is right
    # Noisy-channel log-odds that a complete profile's pair, ranked best, was applied here
    # (unspin.decide.profile_channel); when set, it decides the slot instead of `accept`.
    profile_odds: float | None = None

    def add(self, original: str, links: int, channel: float, source: str) -> None:
        """Add a candidate; the same original from two sources keeps the stronger one."""
        if original in self.originals:
            at = self.originals.index(original)
            self.links[at] |= links
            if channel > self.channel[at]:
                self.channel[at], self.sources[at] = channel, source
            return
        self.originals.append(original)
        self.links.append(links)
        self.channel.append(channel)
        self.sources.append(source)

    def keep(self, rows: Sequence[int]) -> None:
        """Keep only the candidates at `rows` (in that order); before scoring only."""
        self.originals = [self.originals[i] for i in rows]
        self.links = [self.links[i] for i in rows]
        self.channel = [self.channel[i] for i in rows]
        self.sources = [self.sources[i] for i in rows]

    def add_all(self, origins: Sequence[Origin], source: str) -> None:
        """`add` each origin; in one go when the slot is empty and their wordings are distinct
        (as Lexicon.origins gives them), which spares a search of the list per candidate."""
        texts = [origin.text for origin in origins]
        if self.originals or len(set(texts)) != len(texts):
            for origin in origins:
                self.add(origin.text, origin.links, origin.score, source)
            return
        self.originals.extend(texts)
        self.links.extend(origin.links for origin in origins)
        self.channel.extend(origin.score for origin in origins)
        self.sources.extend([source] * len(texts))


@dataclass(frozen=True, slots=True)
class Decision:
    """An accepted rewrite: slot.originals[choice] replaces the slot's spun words."""

    slot: Slot
    choice: int
    log_odds: float
    alternatives: tuple[str, ...] = ()
    # Probability that the rewrite is right, as reported (unspin.decide.with_confidence): the
    # log-odds that chose it, recalibrated; set once the document's decisions are final.
    confidence: float = 0.5

    @property
    def original(self) -> str:
        return self.slot.originals[self.choice]

    @property
    def source(self) -> str:
        return self.slot.sources[self.choice]


@dataclass
class Document:
    """One analysed text and everything the stages found in it."""

    text: str
    tokens: list[Token]
    sentences: list[list[int]] = field(default_factory=list)  # word-token indices per sentence
    hits: list[FingerprintHit] = field(default_factory=list)
    frozen: set[int] = field(default_factory=set)  # tokens explained by a fingerprint hit
    slots: list[Slot] = field(default_factory=list)
    topics: dict[int, np.ndarray | None] = field(default_factory=dict)  # token -> topic vector
    spin_rate: float = 0.0  # estimated share of words the spinner replaced
    rewrite_rate: float = 0.0  # the same as the rewrite decisions weigh it (decide.spin_rates)
    profile: Profile | None = None  # the spinner profile the text is analysed with
    decisions: list[Decision] = field(default_factory=list)
    evidence: dict[str, float] = field(default_factory=dict)  # document features, by name
    spin_score: float = 0.0
    judged: bool = True  # False when no verdict can be given (too short, not English)
    notes: list[str] = field(default_factory=list)

    def char_span(self, slot: Slot) -> tuple[int, int]:
        """Where a slot's words stand in `text`: start of the first, end of the last."""
        return self.tokens[slot.first].start, self.tokens[slot.last - 1].end

    def words(self, sentence: int) -> list[str]:
        return [self.tokens[i].norm for i in self.sentences[sentence]]

    @property
    def word_count(self) -> int:
        return sum(len(s) for s in self.sentences)
