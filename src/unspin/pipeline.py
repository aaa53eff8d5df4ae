"""The one entry point: tokenize -> candidates -> score -> decide -> render."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from unspin.candidates import ProfileLike, cut_by_context, propose
from unspin.config import Config
from unspin.decide import judged_spun, rewrite_threshold, shortens_a_phrase, topic_vectors
from unspin.document import Decision, Document, Slot
from unspin.fingerprint import FingerprintHit, FingerprintIndex, FingerprintRule
from unspin.language import not_english_reason
from unspin.lexicon import MAX_PHRASE_WORDS, Lexicon
from unspin.logistic import sigmoid
from unspin.model import Report, Span, Token
from unspin.render import match_case, restore, with_article
from unspin.resources import Resources, shared_resources
from unspin.score import ContextModel, cohesion
from unspin.sections import merge_reports, split_sections
from unspin.tokenize import check_text, sentence_words, tokenize

if TYPE_CHECKING:
    from unspin.profile import Profile

FINGERPRINT_CONFIDENCE = 0.97
TOO_SHORT = "too short to judge: {words} words (at least {needed} are needed for a verdict)"
LEARNED_HERE = "restored with the spinner dictionary learned from this text ({pairs} pairs)"

Progress = Callable[[int, int], None]  # (words done, words in all), called as work proceeds


def _halved(progress: Progress | None, offset: int = 0) -> Progress | None:
    """Progress of one of two passes over a text: the first half of the bar, or the second
    (`offset`: the text's words, given for the second pass)."""
    if progress is None:
        return None

    def half(done: int, total: int) -> None:
        progress(min(offset // 2 + done // 2, max(total, 1)), total)

    return half


class Analyzer:
    """The pipeline over shared resources; build once, call many times (thread-safe reads)."""

    def __init__(self, resources: Resources | None = None, config: Config | None = None) -> None:
        self.resources = resources or shared_resources()
        self.config = config or self.resources.config

    def warm(self) -> None:
        """Load every resource now instead of on first use (they load lazily): before a
        server takes requests, and before forking workers that then share them."""
        self.analyze("Warm the lazy resources once, before serving or forking.")

    @property
    def lexicon(self) -> Lexicon:
        return self.resources.lexicon

    @property
    def lm(self) -> ContextModel:
        return self.resources.lm

    @classmethod
    def load(cls, config: Config | None = None) -> Analyzer:
        """An analyzer with every resource loaded now rather than on the first call."""
        analyzer = cls(Resources(config or Config()))
        for name in ("lexicon", "lm", "fingerprints", "terms", "models", "decoder"):
            getattr(analyzer.resources, name)
        return analyzer

    def analyze(
        self, text: str, profile: ProfileLike | None = None, progress: Progress | None = None
    ) -> Report:
        """Find spun spans in `text`, propose originals, and score the whole document.

        Texts longer than `Config.section_words` words are analysed section by section
        (unspin.sections), which keeps memory flat however long the text is.
        """
        check_text(text, self.config.max_chars)
        sections = split_sections(text, self.config.section_words)
        if len(sections) == 1:
            return self.report(self.document(text, profile, progress))
        sizes = [len(section.split()) for _, section in sections]
        total = sum(sizes)
        parts, done = [], 0
        for (offset, section), size in zip(sections, sizes, strict=True):
            section_progress = None
            if progress is not None:

                def section_progress(words: int, _all: int, before: int = done) -> None:
                    progress(min(before + words, total), total)

            parts.append((offset, self.report(self.document(section, profile, section_progress))))
            done += size
        return merge_reports(text, parts)

    def document(
        self, text: str, profile: ProfileLike | None = None, progress: Progress | None = None
    ) -> Document:
        """Run every stage and return the document state they filled (for inspection).

        A text judged spun (Config.learn_from_text) and given no profile is restored with the
        spinner dictionary learned from itself: a spinner swaps an original the same way all
        through a text, and the pairs that hold over every occurrence are surer than any one
        occurrence's context (benchmarks/quality.py, held-out spinner family: WER reduction
        news 25.7% -> 31.2%, encyclopedia 24.5% -> 31.8%; false edits on clean text unchanged).
        """
        learning = profile is None and self.config.learn_from_text < 1
        first = _halved(progress) if learning else progress
        doc = self.prepared(text, profile, first)
        if learning and doc.judged and doc.spin_score > self.config.learn_from_text:
            learned = self.learned_profile(doc)
            if len(learned) >= self.config.learn_min_pairs:
                doc = self.prepared(text, learned, _halved(progress, doc.word_count), doc)
                doc.notes.append(LEARNED_HERE.format(pairs=len(learned)))
        self.settle(doc)
        if progress is not None:
            progress(doc.word_count, doc.word_count)
        return doc

    def learned_profile(self, doc: Document) -> Profile:
        """The spinner dictionary a prepared document shows on its own (unspin.learn)."""
        from unspin.learn import CorpusEvidence

        evidence = CorpusEvidence(self)
        evidence.add_document(doc)
        return evidence.profile(
            name="this text",
            min_confidence=self.config.learn_min_confidence,
            source="learned from the text itself",
        )

    def prepared(
        self,
        text: str,
        profile: ProfileLike | None,
        progress: Progress | None,
        earlier: Document | None = None,
    ) -> Document:
        """Candidates scored and ranked, and the document verdict; no rewrites chosen yet.

        `earlier`: the same text prepared without a profile, whose verdict is kept. Its slots
        that `profile` leaves as they were are taken over, scores and all; only the slots of
        the spun forms the profile lists are proposed and scored anew (a text restored with
        the dictionary learned from itself: a few dozen forms of hundreds).
        """
        doc = self.candidates(text, profile, progress, earlier)
        taken_over = {id(slot) for slot in earlier.slots} if earlier is not None else set()
        fresh = [slot for slot in doc.slots if id(slot) not in taken_over]
        decoder = self.resources.decoder
        models = decoder.models
        total = doc.word_count
        # Candidates were the first half of the work; scoring the slots is the second.
        scoring = None
        if progress is not None:

            def scoring(done: int, slots: int) -> None:
                progress(total // 2 + total * done // (2 * max(slots, 1)), total)

        decoder.prepare(doc, scoring, fresh)
        if earlier is not None:
            # The verdict stays the one reached without the profile: pairs learned from the
            # text itself are no new evidence that it was spun.
            doc.evidence, doc.spin_score = earlier.evidence, earlier.spin_score
            doc.judged, doc.notes = earlier.judged, list(earlier.notes)
            return doc
        doc.evidence = decoder.evidence(doc)
        doc.spin_score = float(sigmoid(models.document.log_odds(doc.evidence)))
        if doc.word_count < self.config.min_words_for_verdict:
            doc.judged = False
            doc.notes.append(
                TOO_SHORT.format(words=doc.word_count, needed=self.config.min_words_for_verdict)
            )
        elif reason := not_english_reason(text):
            doc.judged = False
            doc.notes.append(reason)
        return doc

    @property
    def strict_threshold(self) -> float:
        """The decision log-odds a rewrite needs in a text not judged spun."""
        configured = self.config.threshold
        return self.resources.decoder.models.threshold if configured is None else configured

    def settle(self, doc: Document) -> None:
        """Choose the rewrites of a prepared document at the bar its verdict sets."""
        verdict = doc.spin_score if doc.judged else None
        threshold = rewrite_threshold(self.strict_threshold, self.config.spun_threshold, verdict)
        # With a dictionary (the user's, or the one learned from the text) the spinner is
        # recognised and the spun masses count its rewrites: lifting the rate there cost the
        # held-out farm of benchmarks/profiles.py 4.9 points with its learned profile.
        if judged_spun(verdict) and doc.profile is None:
            self.resources.decoder.lift_rate(doc)
        self.resources.decoder.settle(
            doc, threshold, self.config.rescoring_passes, self.config.profile_replace_rate
        )
        if verdict is None and not self.config.shorten_phrases_without_verdict:
            doc.decisions = [d for d in doc.decisions if not shortens_a_phrase(d)]

    def candidates(
        self,
        text: str,
        profile: ProfileLike | None = None,
        progress: Progress | None = None,
        earlier: Document | None = None,
    ) -> Document:
        """The stages up to candidates: tokens, known-phrase hits, slots (no decisions yet).

        `earlier`: the same text through these stages without a profile (see `prepared`).
        """
        check_text(text, self.config.max_chars)
        if earlier is not None:
            if profile is None or earlier.text != text or earlier.profile is not None:
                raise ValueError(
                    "`earlier` must be the same text analysed without a profile, and a "
                    "profile must be given to analyse it again with"
                )
            doc = Document(
                text=text,
                tokens=earlier.tokens,
                sentences=earlier.sentences,
                hits=earlier.hits,
                frozen=earlier.frozen,
                topics=earlier.topics,
                profile=profile,
            )
            self.propose_listed(doc, earlier, profile, progress)
            return doc
        doc = Document(text=text, tokens=tokenize(text), profile=profile)
        doc.sentences = list(sentence_words(doc.tokens))
        doc.hits = self.resources.fingerprints.find(text)
        doc.frozen = _tokens_inside(doc.tokens, doc.hits)
        self.propose(doc, profile, progress)
        return doc

    def propose(
        self, doc: Document, profile: ProfileLike | None = None, progress: Progress | None = None
    ) -> None:
        """The candidates stage: slots for every sentence, and each word's topic vector."""
        lexicon = self.resources.lexicon
        all_words = [i for sentence in doc.sentences for i in sentence]
        vectors = topic_vectors([doc.tokens[i].norm for i in all_words], lexicon)
        doc.topics = dict(zip(all_words, vectors, strict=True))
        done, total = 0, doc.word_count
        for sentence in range(len(doc.sentences)):
            doc.slots.extend(self._propose_sentence(doc, sentence, profile))
            done += len(doc.sentences[sentence])
            if progress is not None and sentence % 20 == 0:
                progress(done // 2, total)
        cut_by_context(doc, self.lm, self.config.max_candidates, self.config.context_cut_weight)

    def propose_listed(
        self,
        doc: Document,
        earlier: Document,
        profile: ProfileLike,
        progress: Progress | None = None,
    ) -> None:
        """The candidates stage again with `profile`, over `earlier`'s slots (no profile).

        A profile only adds candidates to the spun forms it lists (and slots for listed forms
        nothing else proposes); every other slot would come out as it did before, so it is
        taken over, and only the slots of listed forms are proposed again.
        """
        earlier_slots: dict[int, list[Slot]] = {}
        for slot in earlier.slots:
            earlier_slots.setdefault(slot.sentence, []).append(slot)
        fresh: list[Slot] = []
        done, total = 0, doc.word_count
        for sentence, indices in enumerate(doc.sentences):
            before = earlier_slots.get(sentence, [])
            done += len(indices)
            if progress is not None and sentence % 20 == 0:
                progress(done // 2, total)
            listed = _listed_windows(doc.words(sentence), profile)
            if not listed:
                doc.slots.extend(before)
                continue
            slots = {
                (slot.start, slot.end): slot
                for slot in before
                if (slot.start, slot.end) not in listed
            }
            for slot in self._propose_sentence(doc, sentence, profile, listed):
                slots[(slot.start, slot.end)] = slot
                fresh.append(slot)
            doc.slots.extend(slot for _, slot in sorted(slots.items()))
        cut_by_context(
            doc, self.lm, self.config.max_candidates, self.config.context_cut_weight, fresh
        )

    def _propose_sentence(
        self,
        doc: Document,
        sentence: int,
        profile: ProfileLike | None,
        only: set[tuple[int, int]] | None = None,
    ) -> list[Slot]:
        return propose(
            doc,
            sentence,
            self.resources.lexicon,
            self.resources.terms,
            profile,
            self.config.profile_prior,
            self.firm_phrase,
            only,
        )

    def firm_phrase(self, phrase: str) -> bool:
        """Whether clean English holds these words together more firmly than
        Config.term_max_cohesion (unspin.score.cohesion under our language model), or are
        two words that clean English uses together (Config.term_skip_common_pairs).

        A word pair that Wikipedia writes is English, not a paper mill's ("critical
        condition" read as a tortured "serious condition"). Longer windows are left to
        cohesion: most hold a pair as common as "of the".
        """
        words = phrase.split()
        if cohesion(self.lm, words) > self.config.term_max_cohesion:
            return True
        if not self.config.term_skip_common_pairs or len(words) != 2:
            return False
        return self.resources.bigrams.get(phrase, 0.0) > 0 or self.lm.seen_pair(*words)

    def report(self, doc: Document) -> Report:
        """The render stage: spans, restored text and verdict of an analysed document."""
        text = doc.text
        spans = [_fingerprint_span(hit) for hit in doc.hits]
        spans += [self._span(doc, decision) for decision in doc.decisions]
        spans = _with_articles(text, sorted(spans, key=lambda span: span.start))
        return Report(
            text=text,
            spans=tuple(spans),
            spin_score=round(doc.spin_score, 4),
            restored=restore(text, spans),
            word_count=doc.word_count,
            fingerprint_hits=len(doc.hits),
            notes=tuple(doc.notes),
            judged=doc.judged,
        )

    def _span(self, doc: Document, decision: Decision) -> Span:
        slot = decision.slot
        start, end = doc.char_span(slot)
        spun = doc.text[start:end]
        return Span(
            start=start,
            end=end,
            text=spun,
            original=match_case(decision.original, spun),
            confidence=round(decision.confidence, 4),
            source=decision.source,
            alternatives=tuple(match_case(a, spun) for a in decision.alternatives),
        )


_EXPLANATION = re.compile(r"https?:|\be\.g\.|\bi\.e\.|\bsee\b|‘")


def screened(index: FingerprintIndex) -> FingerprintIndex:
    """`index` less the rules that would misfire on clean text (see `screened_rules`)."""
    return FingerprintIndex(screened_rules(index.rules))


def screened_rules(rules: Sequence[FingerprintRule]) -> list[FingerprintRule]:
    """Drop known-phrase rules that would misfire on clean text.

    A tortured phrase that is itself the expected form of another rule is a real term
    ("cloud computing"), and an expected value that is an explanation or garbled
    ("computer-aided (e.g., design cad)" for "be that as it") is not a restoration.
    """
    terms = {rule.expected.lower() for rule in rules}
    return [
        rule
        for rule in rules
        if rule.tortured.lower() not in terms and not _EXPLANATION.search(rule.expected)
    ]


def _with_articles(text: str, spans: Sequence[Span]) -> list[Span]:
    """Fix a/an before each span, unless taking the article in would overlap the span before."""
    fixed: list[Span] = []
    for span in spans:
        extended = with_article(text, span)
        fixed.append(extended if not fixed or fixed[-1].end <= extended.start else span)
    return fixed


def _tokens_inside(tokens: Sequence[Token], hits: Sequence[FingerprintHit]) -> set[int]:
    """Indices of tokens overlapping a hit; both come sorted, so one sweep over each suffices."""
    inside: set[int] = set()
    index = 0
    for hit in hits:
        while index < len(tokens) and tokens[index].end <= hit.start:
            index += 1
        cursor = index
        while cursor < len(tokens) and tokens[cursor].start < hit.end:
            inside.add(cursor)
            cursor += 1
    return inside


def _listed_windows(words: Sequence[str], profile: ProfileLike) -> set[tuple[int, int]]:
    """The (start, end) positions of the words and phrases of a sentence that `profile`
    lists as spun forms."""
    return {
        (start, end)
        for start in range(len(words))
        for end in range(start + 1, min(start + MAX_PHRASE_WORDS, len(words)) + 1)
        if profile.originals(" ".join(words[start:end]))
    }


def _fingerprint_span(hit: FingerprintHit) -> Span:
    return Span(
        start=hit.start,
        end=hit.end,
        text=hit.text,
        original=hit.expected,
        confidence=FINGERPRINT_CONFIDENCE,
        source="fingerprint",
    )


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """The process-wide analyzer over `shared_resources()`."""
    global _default
    if _default is None:
        _default = Analyzer()
    return _default


def analyze(
    text: str, profile: ProfileLike | None = None, progress: Progress | None = None
) -> Report:
    """Find spun spans in `text`, propose originals, and score the whole document.

    `profile` (an `unspin.profile.Profile`) adds a known spinner's pairs as strong candidates;
    `progress(done_words, total_words)` is called as long documents are worked through.
    """
    return default_analyzer().analyze(text, profile, progress)
