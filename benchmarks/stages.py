"""Where gold substitutions are lost, stage by stage: candidates -> ranking -> acceptance.

A gold unit is one place the spinner changed: a character range of the spun text and the
original words. Equal-length replacements count word by word ("funny cartoon" -> "comic strip"
is two units), others as one phrase unit. Pure functions over unspin's `Document` state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from metrics import align


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int
    original: str


@dataclass(slots=True)
class StageCounts:
    units: int = 0
    covered: int = 0  # the true original is among the candidates of exactly that span
    ranked_first: int = 0  # ... and has the highest decision log-odds there
    accepted: int = 0  # ... and the decoder rewrote the span to it

    def __iadd__(self, other: StageCounts) -> StageCounts:
        self.units += other.units
        self.covered += other.covered
        self.ranked_first += other.ranked_first
        self.accepted += other.accepted
        return self


def units_from_alignment(spun: str, original: str) -> list[Unit]:
    alignment = align(spun, original)
    words = alignment.spun_words
    units = []
    for tag, i1, i2, j1, j2 in alignment.opcodes:
        if tag != "replace":
            continue
        originals = alignment.original_words[j1:j2]
        if i2 - i1 == j2 - j1:
            units += [Unit(words[i].start, words[i].end, originals[i - i1]) for i in range(i1, i2)]
        else:
            units.append(Unit(words[i1].start, words[i2 - 1].end, " ".join(originals)))
    return units


def units_from_edits(spun: str, edits: Iterable) -> list[Unit]:
    """Units of a simulated spin (unspin.simulate.Edit: start, end, original)."""
    return [Unit(e.start, e.end, e.original.lower()) for e in edits]


def stage_counts(doc, units: Sequence[Unit]) -> StageCounts:
    """How far each unit gets through unspin's stages in an analysed `Document`."""
    counts = StageCounts(units=len(units))
    slots = {doc.char_span(slot): slot for slot in doc.slots}
    accepted = {doc.char_span(d.slot): d.original for d in doc.decisions}
    hits = {(h.start, h.end): h.expected.lower() for h in doc.hits}
    for unit in units:
        key = (unit.start, unit.end)
        if hits.get(key) == unit.original:
            counts.covered += 1
            counts.ranked_first += 1
            counts.accepted += 1
            continue
        slot = slots.get(key)
        if slot is None or unit.original not in slot.originals:
            continue
        counts.covered += 1
        row = slot.originals.index(unit.original)
        if slot.log_odds is not None and int(slot.log_odds.argmax()) == row:
            counts.ranked_first += 1
        if accepted.get(key) == unit.original:
            counts.accepted += 1
    return counts


def restored_units(restored_spans: Sequence, units: Sequence[Unit]) -> int:
    """Units whose span was rewritten to exactly the original words (case-insensitive)."""
    by_range = {(s.start, s.end): s.original.lower() for s in restored_spans}
    found = 0
    for unit in units:
        proposal = by_range.get((unit.start, unit.end))
        if proposal is None:  # an article carried into the span: compare the words it ends with
            proposal = next(
                (
                    s.original.lower()
                    for s in restored_spans
                    if s.end == unit.end and s.start < unit.start
                ),
                None,
            )
            if proposal is not None:
                proposal = " ".join(proposal.split()[-len(unit.original.split()) :])
        found += proposal == unit.original
    return found
