"""Plain data passed between pipeline stages and returned to callers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Token:
    """A word or punctuation mark with its character offsets in the input."""

    text: str
    start: int
    end: int
    sentence: int

    @property
    def norm(self) -> str:
        return self.text.lower()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible original wording for tokens[first:last] of the input."""

    first: int
    last: int
    original: str
    source: str  # "fingerprint" or "thesaurus"
    prior: float  # how well attested the substitution is, for a quick first ranking
    links: int = 0  # where the substitution was seen (unspin.lexicon bit flags)


@dataclass(frozen=True, slots=True)
class Span:
    """A spun stretch of the input: input[start:end] == text."""

    start: int
    end: int
    text: str
    original: str
    confidence: float
    source: str
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """Everything `unspin.analyze` found in one document."""

    text: str
    spans: tuple[Span, ...]
    spin_score: float  # calibrated probability that the document was machine-spun
    restored: str
    word_count: int
    fingerprint_hits: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    judged: bool = True  # False when the text is too short for a document verdict

    @property
    def is_spun(self) -> bool:
        return self.judged and self.spin_score >= 0.5

    def to_dict(self) -> dict:
        data = asdict(self)
        data["is_spun"] = self.is_spun
        data["spans"] = [asdict(span) for span in self.spans]
        return data
