"""One place for unspin's limits and thresholds, validated where they are set."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Config:
    """Limits on input and the decoder's knobs; `Config()` holds the shipped defaults."""

    # --- input limits (every shell refuses larger input with a message saying so)
    max_chars: int = 5_000_000  # characters analysed in one call
    max_file_bytes: int = 20_000_000  # a file read by `check` / `restore`
    max_request_bytes: int = 500_000  # one HTTP request body (~80k words)
    max_screen_chars: int = 2_000_000  # one document of a screened corpus
    # --- candidates
    # Thesaurus originals drawn per spun form, ranked by the channel model, and within
    # channel_margin log-odds of the best one ...
    candidate_pool: int = 64
    channel_margin: float = 6.0
    # ... of which each occurrence keeps the max_candidates best by channel log-odds plus
    # context_cut_weight x their fit with the next word on each side (unspin.candidates
    # .cut_by_context). The fitting-family spinners' originals kept, 8 fitting-split articles
    # (2,403 swaps): 88.1% by the channel alone at 24, 88.7% by this cut at 16, 91.6% at 24;
    # 16 scores a third fewer candidates, and fewer rivals make fewer false edits. The weight
    # is chosen leave-one-family-out (scripts/choose_context_cut.py: each fitting family's
    # swaps in 80 fitting-split long samples, under a channel fitted without that family, as a
    # spinner the channel never saw meets it): 0 / 0.25 / 0.5 / 1 / 2 keep 80.8 / 85.9 / 86.9 /
    # 86.8 / 86.3% of their originals (with the family in the channel's fit, 0.5 keeps 88.7%:
    # in-family the channel looks better than it is).
    max_candidates: int = 16
    context_cut_weight: float = 0.5
    # A known term ("united states") is not proposed for words that clean English holds
    # together more firmly than this (pointwise mutual information, natural log, under our
    # language model; unspin.score.cohesion): "united nations" 6.8, "developing countries"
    # 5.9, "data warehouse" 3.6 are terms of their own; 93% of 400 tortured phrases sampled
    # from the PPS train split are under 3 ("information stockroom" -1.1). math.inf: no check.
    term_max_cohesion: float = 3.0
    # ... nor for two words that clean English uses together: one of the most frequent
    # bigrams (symspellpy's list: "critical condition", "key issue"), or a pair seen anywhere
    # in the language model's 59M words of Wikipedia ("health emergency", "great anxiety").
    # Of the PPS train split's two-word tortured phrases, 0.2% / 3.1% are. False: no check.
    term_skip_common_pairs: bool = True
    # --- decisions
    min_words_for_verdict: int = 30  # shorter texts get no document verdict
    # ... nor, by default, a thesaurus rewrite of a phrase into fewer words ("in an effort to"
    # -> "to", "in the event that" -> "if"): clean writers use wordy phrases as freely as
    # wordy spinners do, and one sentence cannot tell them apart. They were 30 of the 87
    # thesaurus false edits on fitting-slice Wikipedia sentences checked one by one. Known
    # tortured phrases and terms are not affected.
    shorten_phrases_without_verdict: bool = False
    section_words: int = 5_000  # longer texts are analysed in sections of about this size
    rescoring_passes: int = 1  # joint passes with restored neighbours after the first
    # log-odds a rewrite needs; None takes the calibrated value from weights.json (set for a
    # false-edit budget on clean text) ...
    threshold: float | None = None
    spun_threshold: float = 0.0  # ... the lowest it falls to in a text judged spun: even odds
    profile_prior: float = 4.0  # channel log-odds of a pair listed in a loaded profile
    # A text judged spun more surely than this, analysed with no profile, is restored a second
    # time with the spinner dictionary learned from the text itself (unspin.learn); 1 turns
    # this off. Above even odds: a clean text that barely reads as spun and repeats its topic
    # word ("morpheme" six times in 145 words) would learn that word as a spinner's.
    learn_from_text: float = 0.8
    # ... and only when it shows at least this many pairs: a spinner is a dictionary, and one
    # repeated swap alone is more often the text's own topic word ("disparate", "ledge").
    learn_min_pairs: int = 2
    learn_min_confidence: float = 0.3  # ... each learned pair at least this confident
    # Share of the occurrences of a word in a complete profile (a spinner's whole dictionary)
    # that the spinner replaces: the channel probability P(spun form | original) its pairs get.
    profile_replace_rate: float = 0.9

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type in ("int",) and (not isinstance(value, int) or value < 0):
                raise ValueError(f"{field.name} must be a non-negative integer, got {value!r}")
        if self.max_chars < 1:
            raise ValueError("max_chars must be at least 1, or no text could be analysed")
        if self.section_words < self.min_words_for_verdict:
            raise ValueError(
                f"section_words ({self.section_words}) must be at least min_words_for_verdict "
                f"({self.min_words_for_verdict}), or no section could get a verdict"
            )
        if self.max_candidates < 1:
            raise ValueError("max_candidates must be at least 1, or nothing could be restored")
        if self.candidate_pool < self.max_candidates:
            raise ValueError(
                f"candidate_pool ({self.candidate_pool}) must be at least max_candidates "
                f"({self.max_candidates}): the context cut keeps the best of the pool"
            )
        if not self.context_cut_weight >= 0:
            raise ValueError(
                f"context_cut_weight must be zero or positive, got {self.context_cut_weight}"
            )
        if self.learn_min_pairs < 1:
            raise ValueError("learn_min_pairs must be at least 1: a dictionary has pairs")
        if not 0 < self.learn_min_confidence < 1:
            raise ValueError(
                "learn_min_confidence is a probability strictly between 0 and 1, got "
                f"{self.learn_min_confidence}"
            )
        if not 0 <= self.learn_from_text <= 1:
            raise ValueError(
                f"learn_from_text is a spin score between 0 and 1, got {self.learn_from_text}"
            )
        if not 0 < self.profile_replace_rate < 1:
            raise ValueError(
                f"profile_replace_rate must be between 0 and 1, got {self.profile_replace_rate}"
            )
        if self.channel_margin <= 0:
            raise ValueError(f"channel_margin must be positive, got {self.channel_margin}")


DEFAULTS = Config()  # the shipped limits, read by the shells where they check their input
